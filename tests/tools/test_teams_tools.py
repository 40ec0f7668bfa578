"""The three-team example (specs/web-shop/, one spec in four files) with the real tools: `check`
proves it on every installed toolchain (all are at or above its targets, Prometheus 2.42 and
Alertmanager 0.25), and lint reads the folder as one spec."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import ROOT, CliResult, require_in, require_tool

if TYPE_CHECKING:
    from callalert.toolchain import Toolchain

pytestmark = pytest.mark.tools

WEB_SHOP = ROOT / "specs" / "web-shop"


def test_the_three_team_example_is_proven_on_every_toolchain(
    toolchain: Toolchain | None, run_cli: Callable[..., CliResult]
) -> None:
    require_in(toolchain, "promtool")
    amtool = require_in(toolchain, "amtool")
    assert toolchain is not None
    result = run_cli("check", str(WEB_SHOP), "--toolchain", toolchain.name)
    assert result.exit_code == 0, result
    assert re.fullmatch(r"check passed \(\d+\.\d\ds\)\n", result.stderr.splitlines(keepends=True)[-1]), result
    summary = {line.split("  ")[0]: line for line in result.stdout.splitlines()}
    for step in ("promtool check rules", "promtool test rules", "amtool check-config", "amtool template render"):
        assert re.match(rf"{re.escape(step)} +ok ", summary[step]), summary
    assert "4 rule files" in summary["promtool check rules"]
    assert "9 rule tests in 8 files" in summary["promtool test rules"]
    assert f"amtool {amtool.version.short} `config routes test`" in summary["routing tests (amtool)"], summary
    assert "8/8 alerts tested, 15/15 routes reached" in summary["coverage"]


def test_lint_reads_the_folder_as_one_spec(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("lint", "specs/web-shop", cwd=ROOT)
    assert result.exit_code == 0, result
    assert result.stderr.startswith("4 file(s) linted: "), result
    assert not [line for line in result.stdout.splitlines() if ": error: " in line], result
    # every finding is positioned in the file it is about, keyed as that file counts its items
    for line in result.stdout.splitlines():
        if not line.startswith("    "):
            assert re.match(r"specs/web-shop/(base|payments|search|checkout)\.yaml:\d+:\d+: ", line), line
            assert "groups[1]" not in line and "groups[2]" not in line and "groups[3]" not in line, line


def test_the_example_imported_with_split_team_is_one_spec_again(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    """docs/teams.md: render the example, `import --split team` it, and every command reads
    specs.yaml plus teams/ as one spec that routes as the example does."""
    require_tool("promtool")
    require_tool("amtool")
    out, spec = tmp_path / "out", tmp_path / "spec"
    assert run_cli("render", str(WEB_SHOP), "--out", str(out)).exit_code == 0
    imported = run_cli(
        "import",
        str(out / "prometheus/rules"),
        str(out / "alertmanager/alertmanager.yml"),
        "--split",
        "team",
        "--out",
        str(spec),
        "--secrets-dir",
        "/etc/alertmanager/secrets",
    )
    assert imported.exit_code == 0, imported
    teams = sorted(p.name for p in (spec / "teams").glob("*.yaml"))
    assert teams == ["checkout.yaml", "payments.yaml", "platform.yaml", "search.yaml"]
    # what import says to run next names the folder of the team files, and it reads the whole spec
    assert f"next: callalert validate {spec / 'specs.yaml'} {spec / 'teams'}/\n" in imported.stderr, imported
    valid = run_cli("validate", str(spec / "specs.yaml"), f"{spec / 'teams'}/")
    assert valid.exit_code == 0 and "valid (8 alerts, 11 receivers;" in valid.stderr, valid
    linted = run_cli("lint", str(spec / "specs.yaml"), *(str(spec / "teams" / t) for t in teams))
    assert linted.exit_code == 0 and not [line for line in linted.stdout.splitlines() if ": error: " in line], linted
    whole = run_cli("lint", str(spec))  # the folder import wrote: its teams/ belong to its spec (.callalert-import)
    assert (whole.exit_code, whole.stdout) == (linted.exit_code, linted.stdout), whole
    for labels in (("team=payments", "severity=critical"), ("team=search", "severity=warning"), ("team=nobody",)):
        split = run_cli("routes", "test", str(spec / "specs.yaml"), str(spec / "teams"), *labels)
        original = run_cli("routes", "test", str(WEB_SHOP), *labels)
        assert (split.exit_code, split.stdout) == (original.exit_code, original.stdout), labels
