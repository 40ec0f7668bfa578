"""Rendered output passes the real promtool and amtool of every installed toolchain at or above the
spec's targets, and routes exactly like the seed."""

from __future__ import annotations

import itertools
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from callalert.analysis.versions import Version
from callalert.pipeline import Rendered, load_valid, render
from callalert.toolchain import split_log
from callalert.write import write_tree
from tests.conftest import EXAMPLE_SPEC, ROOT, require_in
from tests.golden.test_golden import specs_of

if TYPE_CHECKING:
    from callalert.toolchain import Tool, Toolchain

pytestmark = pytest.mark.tools

GOLDEN_SPECS = [EXAMPLE_SPEC, ROOT / "tests/golden/cases/derived-routing/spec.yaml", ROOT / "callalert/templates/starter.yaml"]
GOLDEN_CASES = sorted(p.parent for p in (ROOT / "tests/golden/cases").glob("*/expected"))
SEED_CONFIG = ROOT / "tests/fixtures/seed-alertmanager.yml"
SEVERITIES = ["critical", "warning", "info"]
CATEGORIES = ["performance", "quality", "errors", "resources", "availability"]


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def at_target(toolchain: Toolchain | None, kind: str, rendered: Rendered) -> Tool:
    """The toolchain's `kind`; the test is skipped for a tool older than the spec's target (the
    output is meant for the target, and `check` would not use that tool either)."""
    tool = require_in(toolchain, kind)
    target = Version.parse(rendered.model.prom_version if kind == "promtool" else rendered.model.am_version)
    if tool.version < target:
        pytest.skip(f"{kind} {tool.version} < target {target.short}: the output is not meant for it")
    return tool


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Rendered, Path]]:
    out = {}
    for spec in GOLDEN_SPECS:
        target = tmp_path_factory.mktemp(spec.stem) / "out"
        result = render([spec])
        write_tree(target, result.files)
        out[spec.stem] = (result, target)
    return out


@pytest.mark.parametrize("name", [s.stem for s in GOLDEN_SPECS])
def test_promtool_check_rules(name: str, rendered: dict[str, tuple[Rendered, Path]], toolchain: Toolchain | None) -> None:
    result, out = rendered[name]
    promtool = at_target(toolchain, "promtool", result).path
    files = sorted(str(p) for p in (out / "prometheus/rules").glob("*.yml"))
    assert files
    proc = _run([promtool, "check", "rules", *files])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("SUCCESS") == len(files)


@pytest.mark.parametrize("name", [s.stem for s in GOLDEN_SPECS])
def test_amtool_check_config(name: str, rendered: dict[str, tuple[Rendered, Path]], toolchain: Toolchain | None) -> None:
    result, out = rendered[name]
    amtool = at_target(toolchain, "amtool", result).path
    proc = _run([amtool, "check-config", str(out / "alertmanager/alertmanager.yml")])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    stdout, records = split_log(proc.stdout)
    assert records == [], proc.stdout  # callalert writes matchers every Alertmanager reads the same way
    templates = len(list((out / "alertmanager/templates").glob("*.tmpl")))
    # amtool loads the templates relative to the config file: they exist and parse
    assert " - 1 templates" in stdout and templates >= 1


def _routes(amtool: str, config: Path, labels: list[str]) -> str:
    proc = _run([amtool, "config", "routes", "test", f"--config.file={config}", *labels])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return split_log(proc.stdout)[0].strip()


def test_bundled_spec_routes_like_the_seed(rendered: dict[str, tuple[Rendered, Path]], toolchain: Toolchain | None) -> None:
    """For every severity × category, amtool gives the same receivers for the rendered
    config as for the seed's own alertmanager.yml."""
    result, out = rendered["call-automation"]
    amtool = at_target(toolchain, "amtool", result).path
    ours = out / "alertmanager/alertmanager.yml"
    label_sets = [[f"severity={s}", f"category={c}", "alertname=X"] for s, c in itertools.product(SEVERITIES, CATEGORIES)]
    with ThreadPoolExecutor(8) as pool:
        seed = list(pool.map(lambda ls: _routes(amtool, SEED_CONFIG, ls), label_sets))
        mine = list(pool.map(lambda ls: _routes(amtool, ours, ls), label_sets))
    assert mine == seed
    by_set = dict(zip((" ".join(ls) for ls in label_sets), mine, strict=True))
    assert by_set["severity=critical category=errors alertname=X"] == "pagerduty,slack-critical,email"
    assert by_set["severity=warning category=quality alertname=X"] == "slack-warnings"
    assert by_set["severity=info category=resources alertname=X"] == "default"


def test_seed_config_itself_is_valid_for_amtool(toolchain: Toolchain | None) -> None:
    proc = _run([require_in(toolchain, "amtool").path, "check-config", str(SEED_CONFIG)])
    assert proc.returncode == 0, proc.stdout + proc.stderr


ALL_RECEIVERS_ENV = {
    "AS": "smtp-secret",
    "TG": "123:abc",
    "DISCORD_URL": "https://discord.com/api/webhooks/1/x",
    "PU": "user",
    "PT": "token",
    "AWS_SK": "aws-secret",
    "WC": "wechat-secret",
}


def test_every_receiver_type_renders_a_config_amtool_accepts(tmp_path: Path, toolchain: Toolchain | None) -> None:
    from callalert.render.context import RenderContext

    spec = ROOT / "tests/fixtures/all-receivers.yaml"
    rendered = render([spec], ctx=RenderContext(secrets="env", environ=ALL_RECEIVERS_ENV))
    amtool = at_target(toolchain, "amtool", rendered).path
    out = tmp_path / "out"
    write_tree(out, rendered.files, private=True)
    proc = _run([amtool, "check-config", str(out / "alertmanager/alertmanager.yml")])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (out / "alertmanager/alertmanager.yml").read_text()
    assert "api_key_file: /v\n" in text and "credentials_file: /w\n" in text
    assert all(rendered.ctx.redact(v) == "<redacted>" for v in ALL_RECEIVERS_ENV.values())


def _declared_targets(case: Path) -> bool:
    """Whether the case's spec names its targets (else it takes the default targets)."""
    return any(
        ((yaml.safe_load(spec.read_text(encoding="utf-8")) or {}).get("defaults") or {}).get("targets") for spec in specs_of(case)
    )


@pytest.mark.parametrize("case", GOLDEN_CASES, ids=[c.name for c in GOLDEN_CASES])
def test_every_golden_tree_passes_the_real_tools(case: Path, toolchain: Toolchain | None) -> None:
    """Each golden tree passes the promtool and amtool of every toolchain at least as new as its
    targets. An amtool older than a target the case declares must refuse the tree (it uses what
    that release lacks), so the tree really needs the version it names; a case on the default
    targets is skipped for older tools."""
    model = load_valid(specs_of(case)).model
    promtool, amtool = require_in(toolchain, "promtool"), require_in(toolchain, "amtool")
    prom_target, am_target = Version.parse(model.prom_version), Version.parse(model.am_version)
    expected = case / "expected"
    if promtool.version >= prom_target:
        rules = sorted(str(p) for p in (expected / "prometheus/rules").glob("*.yml"))
        proc = _run([promtool.path, "check", "rules", *rules])
        assert rules and proc.returncode == 0, proc.stdout + proc.stderr
    if amtool.version < am_target and not _declared_targets(case):
        pytest.skip(f"{case.name}: amtool {amtool.version} < target {am_target.short} (the default): not meant for it")
    proc = _run([amtool.path, "check-config", str(expected / "alertmanager/alertmanager.yml")])
    if amtool.version >= am_target:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    else:
        assert proc.returncode != 0 and "FAILED" in proc.stdout, proc.stdout + proc.stderr
