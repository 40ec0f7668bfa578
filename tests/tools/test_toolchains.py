"""`callalert toolchains`, and how `check` picks, refuses and reports tools: explicit options and
environment variables, gating by the spec's targets (the message names the real tool version), a
toolchain's own default.tmpl, amtool's log lines as warnings. Versions are asked of the binaries."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from callalert.analysis.versions import Version
from callalert.toolchain import KINDS, discover, split_log
from callalert.toolchain.logs import describe_record
from callalert.toolchain.templates import default_template_file
from tests.conftest import CliResult, installed_toolchains, require_in

if TYPE_CHECKING:
    from callalert.toolchain import Tool, Toolchain

pytestmark = pytest.mark.tools

SPEC = """\
version: 1
defaults:
  targets: {prometheus: "@PROMETHEUS@", alertmanager: "@ALERTMANAGER@"}
severities:
  critical: {notify: [team]}
routing:
  receiver: team
  routes:
    - matchers: ['team=a b']
      receiver: team
receivers:
  team:
    slack_configs:
      - channel: '#ops'
        api_url: {env: SLACK_URL}
        title: '{{ template "__subject" . }}'
        text: '{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}'
groups:
  - name: svc
    alerts:
      - name: Down
        expr: up == 0
        severity: critical
        summary: '{{ $labels.job }} is down'
        description: 'value {{ $value }}'
"""


def minor(tool: Tool) -> str:
    return f"{tool.version.major}.{tool.version.minor}"


def write_spec(tmp_path: Path, prometheus: str, alertmanager: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.replace("@PROMETHEUS@", prometheus).replace("@ALERTMANAGER@", alertmanager), encoding="utf-8")
    return path


def oldest_and_newest() -> tuple[Toolchain, Toolchain]:
    chains = [c for c in installed_toolchains() if c.get("promtool") and c.get("amtool")]
    amtools = {str(c.tools["amtool"].version) for c in chains}
    if len(amtools) < 2:
        pytest.skip(f"needs two amtool versions to show gating (installed: {sorted(amtools)}); run make tools")
    return chains[0], chains[-1]


def test_toolchains_lists_every_tool_with_what_the_binary_reports(run_cli: Callable[..., CliResult]) -> None:
    chains = discover()
    assert chains, "no toolchain installed (make tools)"
    text = run_cli("toolchains")
    assert text.exit_code == 0, text
    for chain in chains:
        assert (f"{chain.name}\n" if chain.name == "PATH" else f"{chain.name} ({chain.origin})\n") in text.stdout
        for kind in KINDS:
            tool = chain.tools.get(kind)
            if tool is None:
                continue
            row = next(line for line in text.stdout.splitlines() if line.endswith("  " + tool.path))
            assert row.split()[:4] == [kind, str(tool.version), f"go{tool.go}", tool.build.describe().split()[0]], row
    data = json.loads(run_cli("toolchains", "--format", "json").stdout)
    assert [c["name"] for c in data] == [c.name for c in chains]
    for chain, shown in zip(chains, data, strict=True):
        for tool in shown["tools"]:
            binary = chain.tools[tool["kind"]]
            # the version line of the binary itself
            first = subprocess.run([binary.path, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
            assert f"version {tool['version']}" in first, first
            assert tool["path"] == binary.path and tool["go"] == binary.go
            assert [p["name"] for p in tool["build"]["patches"]] == [p.name for p in binary.build.patches]


def test_toolchains_names_the_distribution_patches(run_cli: Callable[..., CliResult]) -> None:
    patched = [(c, t) for c in discover() for t in c.tools.values() if t.build.patches]
    if not patched:
        pytest.skip("no installed build carries a known distribution patch")
    out = run_cli("toolchains").stdout
    for _, tool in patched:
        for patch in tool.build.patches:
            assert f"    patch {patch.name}: {patch.effect} ({patch.source})\n" in out


def test_explicit_tools_come_first_from_options_and_environment(
    run_cli: Callable[..., CliResult], toolchain: Toolchain | None
) -> None:
    amtool = require_in(toolchain, "amtool")
    for args, env, origin in (
        (["--amtool", amtool.path], {}, "--amtool"),
        ([], {"CALLALERT_AMTOOL": amtool.path}, "$CALLALERT_AMTOOL"),
    ):
        data = json.loads(run_cli("toolchains", "--format", "json", *args, env=env).stdout)
        assert data[0]["name"] == "explicit"
        assert [(t["kind"], t["version"], t["origin"]) for t in data[0]["tools"]] == [("amtool", str(amtool.version), origin)]


def test_a_missing_explicit_tool_is_a_usage_error(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    result = run_cli("toolchains", "--amtool", str(tmp_path / "nope"))
    assert result.exit_code == 2, result
    assert result.stderr == f"callalert: error: --amtool: {tmp_path / 'nope'}: No such file or directory\n"


def test_check_refuses_tools_older_than_the_targets_naming_their_versions(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    old, new = oldest_and_newest()
    old_am, new_am, new_prom = old.tools["amtool"], new.tools["amtool"], new.tools["promtool"]
    spec = str(write_spec(tmp_path, minor(new_prom), minor(new_am)))

    by_name = run_cli("check", spec, "--toolchain", old.name)
    assert by_name.exit_code == 2, by_name
    assert by_name.stderr.startswith(
        f"callalert: error: promtool {old.tools['promtool'].version.short} cannot prove a config for Prometheus "
        f"{minor(new_prom)}: toolchain {old.name} ({old.tools['promtool'].path}) is older than the spec's target; "
        f"amtool {old_am.version.short} cannot prove a config for Alertmanager {minor(new_am)}: toolchain {old.name} "
        f"({old_am.path}) is older than the spec's target; install newer tools with: make tools"
    ), by_name

    explicit = run_cli("check", spec, "--amtool", old_am.path)
    assert explicit.exit_code == 2, explicit
    assert explicit.stderr == (
        f"callalert: error: amtool {old_am.version.short} cannot prove a config for Alertmanager {minor(new_am)}: "
        f"it is older than the target (--amtool: {old_am.path}); use one ≥ {minor(new_am)}\n"
    )
    from_env = run_cli("check", spec, env={"CALLALERT_AMTOOL": old_am.path})
    assert from_env.exit_code == 2 and "(--amtool:" not in from_env.stderr
    assert f"it is older than the target ($CALLALERT_AMTOOL: {old_am.path})" in from_env.stderr

    # only the old toolchain installed: check says which amtool it found and what it needs
    only = tmp_path / "only-old"
    only.mkdir()
    os.symlink(Path(old.origin), only / old.name)
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    alone = run_cli("check", spec, env={"CALLALERT_TOOLS_DIR": str(only), "PATH": str(empty_path)})
    assert alone.exit_code == 2, alone
    assert alone.stderr.startswith(
        f"callalert: error: promtool {old.tools['promtool'].version.short} cannot prove a config for Prometheus "
        f"{minor(new_prom)}: no promtool ≥ {minor(new_prom)} found (found: {old.tools['promtool'].version.short} from "
        f"only-old/{old.name}); install one with: make tools"
    ), alone
    assert alone.stdout == ""


def test_check_all_runs_what_meets_the_targets_and_lists_the_rest(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    old, new = oldest_and_newest()
    new_am, new_prom = new.tools["amtool"], new.tools["promtool"]
    spec = str(write_spec(tmp_path, minor(new_prom), minor(new_am)))
    result = run_cli("check", spec, "--toolchain", "all", env={"SLACK_URL": "x"})
    assert result.exit_code == 0, result
    header = next(line for line in result.stdout.splitlines() if line.startswith("step "))
    assert new.name in header.split() and old.name not in header.split()
    assert (
        f"{old.name}: not run: promtool {old.tools['promtool'].version.short} < target {minor(new_prom)}, "
        f"amtool {old.tools['amtool'].version.short} < target {minor(new_am)}\n"
    ) in result.stdout


def test_check_with_an_unknown_toolchain_name(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    result = run_cli("check", str(write_spec(tmp_path, "2.42", "0.25")), "--toolchain", "nope")
    assert result.exit_code == 2
    names = ", ".join(c.name for c in discover())
    assert result.stderr == f"callalert: error: no toolchain named 'nope' (found: {names}; `callalert toolchains` lists them)\n"


def test_matcher_fallback_warnings_become_check_warnings(
    run_cli: Callable[..., CliResult], tmp_path: Path, toolchain: Toolchain | None
) -> None:
    promtool, amtool = require_in(toolchain, "promtool"), require_in(toolchain, "amtool")
    assert toolchain is not None
    out = tmp_path / "out"
    spec = str(write_spec(tmp_path, minor(promtool), minor(amtool)))
    result = run_cli("check", spec, "--toolchain", toolchain.name, "--out", str(out))
    assert result.exit_code == 0, result
    # what this amtool itself logs for the route matcher `team=a b` (≥ 0.28: a fallback warning; 0.25: nothing)
    raw = subprocess.run(
        [amtool.path, "check-config", "alertmanager/alertmanager.yml"], cwd=out, capture_output=True, text=True, check=True
    )
    _, records = split_log(raw.stdout)
    shown = [line for line in result.stdout.splitlines() if line.startswith("warning: amtool check-config: ")]
    assert shown == [f"warning: amtool check-config: {describe_record(r, f'amtool {amtool.version.short}')}" for r in records]
    if records:
        assert shown[0].endswith('write team="a b" to be valid for both')
        assert re.search(r"^amtool check-config +1 warning\(s\) ", result.stdout, re.MULTILINE), result
    assert "level=" not in result.stdout and "time=" not in result.stdout + result.stderr


def test_template_renders_use_the_default_tmpl_of_the_amtool_that_runs(
    run_cli: Callable[..., CliResult], tmp_path: Path, toolchain: Toolchain | None
) -> None:
    promtool, amtool = require_in(toolchain, "promtool"), require_in(toolchain, "amtool")
    assert toolchain is not None
    own = default_template_file(amtool)
    assert own == Path(os.path.realpath(amtool.path)).parent.parent / "share/prometheus/alertmanager/default.tmpl"
    spec = str(write_spec(tmp_path, minor(promtool), minor(amtool)))
    result = run_cli("check", spec, "--toolchain", toolchain.name, env={"SLACK_URL": "x"})
    assert result.exit_code == 0, result
    assert "amtool template render  ok" in result.stdout


def test_a_debian_amtool_away_from_its_templates_is_not_given_another_version(
    run_cli: Callable[..., CliResult], tmp_path: Path, toolchain: Toolchain | None
) -> None:
    promtool, amtool = require_in(toolchain, "promtool"), require_in(toolchain, "amtool")
    if amtool.build.embeds_templates:
        pytest.skip(f"amtool {amtool.version} ({amtool.build.describe()}) has Alertmanager's templates built in")
    lone = tmp_path / "lone" / "bin" / "amtool"
    lone.parent.mkdir(parents=True)
    shutil.copy2(amtool.path, lone)
    spec = str(write_spec(tmp_path, minor(promtool), minor(amtool)))
    result = run_cli("check", spec, "--amtool", str(lone), "--promtool", promtool.path, env={"SLACK_URL": "x"})
    assert result.exit_code == 1, result
    assert (
        f"warning: amtool template render: amtool {amtool.version.short} ({amtool.build.describe()}, {lone}) has no built-in "
        f"templates and its default.tmpl is not beside it ({tmp_path}/lone/share/prometheus/alertmanager/default.tmpl): "
        "Alertmanager's default template names are undefined here\n"
    ) in result.stdout
    assert (
        "FAILED amtool template render: receivers.team.slack_configs[0].title with Down (firing): "
        'template: :1:12: executing "" at <{{template "__subject" .}}>: template "__subject" not defined'
    ) in result.stdout


JIRA_SPEC = """\
version: 1
defaults:
  targets: {prometheus: "@PROMETHEUS@", alertmanager: "@ALERTMANAGER@"}
severities:
  critical: {notify: [team]}
routing: {receiver: team}
receivers:
  team:
    jira_configs:
      - {project: OPS, issue_type: Bug, api_url: 'https://jira.example.com/rest/api/2'}
groups:
  - name: svc
    alerts:
      - {name: Down, expr: up == 0, severity: critical, summary: down, description: down}
"""


def test_a_failure_a_distribution_patch_explains_names_the_patch(
    run_cli: Callable[..., CliResult], tmp_path: Path, toolchain: Toolchain | None
) -> None:
    promtool, amtool = require_in(toolchain, "promtool"), require_in(toolchain, "amtool")
    assert toolchain is not None
    patches = [p for p in amtool.build.patches if "jira_configs" in p.keywords]
    if not patches or amtool.version < Version(0, 28):
        pytest.skip(f"amtool {amtool.version} ({amtool.build.describe()}): no Jira-disabling patch on a release with Jira")
    spec = tmp_path / "spec.yaml"
    spec.write_text(JIRA_SPEC.replace("@PROMETHEUS@", minor(promtool)).replace("@ALERTMANAGER@", minor(amtool)))
    result = run_cli("check", str(spec), "--toolchain", toolchain.name)
    assert result.exit_code == 1, result
    lines = result.stdout.splitlines()
    failed = next(i for i, line in enumerate(lines) if line.startswith("FAILED amtool check-config: "))
    assert re.fullmatch(
        r"FAILED amtool check-config: alertmanager/alertmanager\.yml: yaml: unmarshal errors: "
        r"line \d+: field jira_configs not found in type config\.plain",
        lines[failed],
    ), lines[failed]
    note = lines.index(f"    note: amtool {amtool.version.short} is a {amtool.build.describe()} with a distribution patch:")
    assert lines[note + 1] == f"      {patches[0].name}: {patches[0].effect}"
