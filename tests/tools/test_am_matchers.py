"""Matchers, label names and matcher regexes against every installed amtool, in each parser mode.

The mode an amtool uses by default comes from the feature table (classic before 0.27, then
fallback); `--enable-feature=utf8-strict-mode|classic-mode` are tried where the table says the
release has them. Regexes are judged with the regexp syntax of the Go that built the amtool under
test (`go version:` in its `--version`). Expectations are callalert's own parser run in the same
mode: never one version's output written down.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from callalert.analysis.alertmanager.matchers import (
    FALLBACK_WARNING,
    MatcherError,
    MatcherMode,
    parse_matcher_in,
    parse_matchers_in,
    validate_regex,
)
from callalert.analysis.labels import is_valid_label_name
from callalert.analysis.versions import Version, am_matcher_mode, am_supports, am_utf8_label_names
from tests.conftest import require_in

if TYPE_CHECKING:
    from callalert.toolchain import Toolchain

pytestmark = pytest.mark.tools

MATCHER_LINES = [
    "foo=bar",
    'foo="bar"',
    "foo.bar=x",
    '"service.name"="checkout"',
    "ü=x",
    "foo-bar=x",
    '"foo bar"=x',
    '{foo.bar="x"}',
    "foo=bar baz",
    "foo=",
    "foo!=",
    "foo='x'",
    "foo=a\\b",
    'foo="a\\\\b"',
    "foo=~[a-z]+",
    "foo=~a|b",
    'foo=~"a|b"',
    "foo=bär",
    "foo=bar,baz",
    'foo=a"b',
    '{foo="bar"}',
    "a=1,b=2",
    'foo="a\\tb"',
    "foo!x",
    'foo=~"("',
    "0abc=x",
    '"a\\tb"=c',
    "{foo=bar",
]
LABEL_NAMES = ["foo", "service.name", "foo-bar", "ü", "0abc", "a b", "_x"]
REGEXES = [
    "(?<name>x)",
    "(?P<name>x)",
    "(?<=x)",
    "(?<1a>x)",
    "(?P<näme>x)",
    "\\p{Letter}",
    "\\p{lu}",
    "\\p{ASCII}",
    "[\\p{Letter}0-9]",
    "\\P{Letter}",
    "\\p{L}",
    "\\p{Greek}",
    "\\Q.*\\E",
    "\\Q(?<n>\\E",
    "x++",
    "\\Z",
    "\\C",
    "a{,3}",
    "(?i)x",
]


def _amtool(toolchain: Toolchain | None) -> tuple[str, Version, Version]:
    tool = require_in(toolchain, "amtool")
    assert tool.go is not None, f"{tool.path} --version names no Go release"
    return tool.path, tool.version, Version.parse(tool.go)


def _modes(version: Version) -> list[tuple[MatcherMode, list[str]]]:
    modes: list[tuple[MatcherMode, list[str]]] = [(am_matcher_mode(version), [])]
    if am_supports("matchers.flag.utf8-strict-mode", version):
        modes.append(("utf8-strict", ["--enable-feature=utf8-strict-mode"]))
    if am_supports("matchers.flag.classic-mode", version):
        modes.append(("classic", ["--enable-feature=classic-mode"]))
    return modes


def _check_config(amtool: str, flags: list[str], configs: list[dict[str, object]], folder: Path) -> list[str]:
    """amtool check-config of each config (one process): "SUCCESS[ +warning]" or the FAILED text."""
    paths = []
    for i, config in enumerate(configs):
        path = folder / f"m{i}.yml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True))
        paths.append(str(path))
    proc = subprocess.run([amtool, *flags, "check-config", *paths], capture_output=True, text=True, timeout=120)
    out = []
    for path in paths:
        body = proc.stdout.split(f"Checking '{path}'", 1)[1].split("Checking '", 1)[0]
        if "FAILED:" in body:
            out.append(body.split("FAILED:", 1)[1].strip().splitlines()[0])
        else:
            assert "SUCCESS" in body, proc.stdout + proc.stderr
            out.append("SUCCESS" + (" +warning" if FALLBACK_WARNING in body else ""))
    return out


def _route(line: str) -> dict[str, object]:
    return {"route": {"receiver": "r", "routes": [{"receiver": "r", "matchers": [line]}]}, "receivers": [{"name": "r"}]}


def _ours_line(line: str, mode: MatcherMode, go: Version) -> str:
    try:
        parsed = parse_matchers_in(line, mode, go)
    except MatcherError as exc:
        return str(exc)
    return "SUCCESS" + (" +warning" if parsed.utf8_error is not None else "")


def test_route_matchers_agree_with_amtool(toolchain: Toolchain | None, tmp_path: Path) -> None:
    amtool, version, go = _amtool(toolchain)
    for mode, flags in _modes(version):
        theirs = _check_config(amtool, flags, [_route(line) for line in MATCHER_LINES], tmp_path)
        ours = [_ours_line(line, mode, go) for line in MATCHER_LINES]
        assert list(zip(MATCHER_LINES, ours, strict=True)) == list(zip(MATCHER_LINES, theirs, strict=True)), mode


def test_matcher_regexes_follow_the_go_of_the_build(toolchain: Toolchain | None, tmp_path: Path) -> None:
    amtool, _, go = _amtool(toolchain)
    lines = [f'foo=~"{r.replace(chr(92), chr(92) * 2)}"' for r in REGEXES]
    theirs = _check_config(amtool, [], [_route(line) for line in lines], tmp_path)
    ours = [validate_regex(r, go) or "SUCCESS" for r in REGEXES]
    assert list(zip(REGEXES, ours, strict=True)) == list(zip(REGEXES, theirs, strict=True)), f"Go {go}"


def test_group_by_and_equal_label_names_agree_with_amtool(toolchain: Toolchain | None, tmp_path: Path) -> None:
    amtool, version, _ = _amtool(toolchain)
    configs: list[dict[str, object]] = []
    for name in LABEL_NAMES:
        configs.append({"route": {"receiver": "r", "group_by": [name]}, "receivers": [{"name": "r"}]})
        configs.append(
            {
                "route": {"receiver": "r"},
                "receivers": [{"name": "r"}],
                "inhibit_rules": [{"source_matchers": ["a=b"], "target_matchers": ["c=d"], "equal": [name]}],
            }
        )
    theirs = _check_config(amtool, [], configs, tmp_path)
    for i, name in enumerate(LABEL_NAMES):
        group_by_ok = is_valid_label_name(name, utf8=am_utf8_label_names("group_by", version))
        equal_ok = is_valid_label_name(name, utf8=am_utf8_label_names("equal", version))
        assert (theirs[2 * i] == "SUCCESS") == group_by_ok, (name, theirs[2 * i])
        assert (theirs[2 * i + 1] == "SUCCESS") == equal_ok, (name, theirs[2 * i + 1])
        if not group_by_ok:
            assert theirs[2 * i] == f'invalid label name "{name}" in group_by list'


ROUTE_TEST_ARGS = ["service.name=checkout", '"service.name"="checkout"', "ü=x", "foo-bar=x", "foo=bar baz", "{a=b}", "a=~b"]


def test_routes_test_arguments_agree_with_amtool(toolchain: Toolchain | None, tmp_path: Path) -> None:
    """`amtool config routes test` reads each argument as one matcher (compat.Matcher)."""
    amtool, version, go = _amtool(toolchain)
    config = tmp_path / "am.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "route": {"receiver": "default", "routes": [{"receiver": "other", "matchers": ['"service.name"="checkout"']}]},
                "receivers": [{"name": "default"}, {"name": "other"}],
            }
        )
        if am_supports("matchers.utf8_parser", version)
        else yaml.safe_dump({"route": {"receiver": "default"}, "receivers": [{"name": "default"}]})
    )
    mode = am_matcher_mode(version)
    for arg in ROUTE_TEST_ARGS:
        proc = subprocess.run(
            [amtool, "config", "routes", "test", f"--config.file={config}", arg], capture_output=True, text=True, timeout=60
        )
        try:
            parsed = parse_matcher_in(arg, mode, go)
        except MatcherError as exc:
            assert proc.returncode == 1, (arg, proc.stdout)
            assert f"Failed to parse labels: {exc}" in proc.stderr, (arg, proc.stderr)
            continue
        if parsed.matchers[0].op != "=":
            assert proc.returncode == 1 and "must be specified as key=value pairs" in proc.stderr, (arg, proc.stderr)
            continue
        assert proc.returncode == 0, (arg, proc.stdout + proc.stderr)
        receiver = proc.stdout.strip().splitlines()[-1]
        routed = (
            "other" if parsed.matchers[0].name == "service.name" and am_supports("matchers.utf8_parser", version) else "default"
        )
        assert receiver == routed, (arg, proc.stdout)
        assert (FALLBACK_WARNING in proc.stdout) == (parsed.utf8_error is not None), (arg, proc.stdout)


def test_legacy_match_keys_stay_classic(toolchain: Toolchain | None, tmp_path: Path) -> None:
    amtool, _, _ = _amtool(toolchain)
    config = {
        "route": {"receiver": "r", "routes": [{"receiver": "r", "match": {"service.name": "x"}}]},
        "receivers": [{"name": "r"}],
    }
    (theirs,) = _check_config(amtool, [], [config], tmp_path)
    assert re.fullmatch(r'invalid label name "service.name"', theirs), theirs
