"""Random route trees and label sets: callalert.routing must answer like `amtool config routes test`
of every installed toolchain."""

from __future__ import annotations

import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callalert.analysis.alertmanager.matchers import Matcher
from callalert.analysis.alertmanager.routing import build_route_tree, receivers_for
from callalert.toolchain import split_log
from tests.conftest import require_in

if TYPE_CHECKING:
    from callalert.toolchain import Toolchain

pytestmark = pytest.mark.tools

NAMES = ["a", "b", "c"]
VALUES = ["", "x", "y", "xy", "b", "bb", "X"]
REGEXES = ["a|b", ".*", "b.+", "x|y", "x.*", "", ".+", "(?i)x", "[xy]+", "y?"]
RECEIVERS = ["r0", "r1", "r2", "r3"]


@st.composite
def matcher_st(draw: st.DrawFn) -> Matcher:
    op = draw(st.sampled_from(["=", "!=", "=~", "!~"]))
    value = draw(st.sampled_from(VALUES if op in ("=", "!=") else REGEXES))
    return Matcher(draw(st.sampled_from(NAMES)), op, value)


@st.composite
def route_st(draw: st.DrawFn, depth: int) -> dict[str, Any]:
    route: dict[str, Any] = {}
    matchers = draw(st.lists(matcher_st(), max_size=2))
    # the legacy form holds one value per name and only = / =~
    legacy = (
        draw(st.booleans()) and all(m.op in ("=", "=~") for m in matchers) and len({m.name for m in matchers}) == len(matchers)
    )
    if legacy:
        match = {m.name: m.value for m in matchers if m.op == "="}
        match_re = {m.name: m.value for m in matchers if m.op == "=~"}
        if match:
            route["match"] = match
        if match_re:
            route["match_re"] = match_re
    elif matchers:
        route["matchers"] = [str(m) for m in matchers]
    receiver = draw(st.sampled_from([None, *RECEIVERS]))
    if receiver is not None:
        route["receiver"] = receiver
    if draw(st.booleans()):
        route["continue"] = True
    if depth < 3:
        children = draw(st.lists(route_st(depth + 1), max_size=3 if depth < 2 else 2))
        if children:
            route["routes"] = children
    return route


@st.composite
def config_st(draw: st.DrawFn) -> dict[str, Any]:
    children = draw(st.lists(route_st(1), min_size=1, max_size=4))
    return {"route": {"receiver": "r0", "routes": children}, "receivers": [{"name": r} for r in RECEIVERS]}


label_set_st = st.dictionaries(st.sampled_from(NAMES), st.sampled_from(VALUES), max_size=3)


def amtool_route(amtool: str, path: Path, labels: dict[str, str]) -> str:
    args = [amtool, "config", "routes", "test", f"--config.file={path}", *(str(Matcher(k, "=", v)) for k, v in labels.items())]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"{args}\n{proc.stdout}\n{proc.stderr}"
    return split_log(proc.stdout)[0].removesuffix("\n")


def test_random_trees_route_like_amtool(toolchain: Toolchain | None) -> None:
    tool = require_in(toolchain, "amtool")
    amtool = tool.path
    examples = {"count": 0, "pairs": 0}
    started = time.monotonic()

    @settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(config=config_st(), label_sets=st.lists(label_set_st, min_size=4, max_size=8))
    def check(config: dict[str, Any], label_sets: list[dict[str, str]]) -> None:
        root = build_route_tree(config, tool.version)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "alertmanager.yml"
            path.write_text(yaml.safe_dump(config), encoding="utf-8")
            with ThreadPoolExecutor(4) as pool:
                theirs = list(pool.map(lambda ls: amtool_route(amtool, path, ls), label_sets))
        ours = [",".join(receivers_for(root, ls)) for ls in label_sets]
        assert ours == theirs, f"amtool {tool.version}\n" + yaml.safe_dump(config)
        examples["count"] += 1
        examples["pairs"] += len(label_sets)

    check()
    print(
        f"\nproperty: {examples['count']} random trees, {examples['pairs']} label sets compared with amtool {tool.version} "
        f"in {time.monotonic() - started:.1f}s"
    )
    assert examples["count"] >= 100
