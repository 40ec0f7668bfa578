"""`callalert check` with the real promtool and amtool: the bundled spec is green on every installed
toolchain at or above its targets, and each kind of failure is reported with the exact lines a user
sees, on every toolchain (the spec then targets that toolchain's versions, and `--toolchain` picks it)."""

from __future__ import annotations

import os
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import EXAMPLE_SPEC, CliResult, require_in

if TYPE_CHECKING:
    from callalert.toolchain import Tool, Toolchain

pytestmark = pytest.mark.tools

SPEC = """\
version: 1
defaults:
  targets: {prometheus: "@PROMETHEUS@", alertmanager: "@ALERTMANAGER@"}
severities:
  critical: {notify: [team]}
  warning: {notify: [chat]}
routing: {receiver: team}
receivers:
  team:
    slack_configs:
      - channel: '#ops'
        api_url: {env: SLACK_URL}
        title: '{{ .CommonLabels.alertname }} ({{ .Status }})'
        text: '{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}'
  chat:
    webhook_configs: [{url: 'http://127.0.0.1:9/hook'}]
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname]
groups:
  - name: svc
    alerts:
      - name: Down
        expr: up == 0
        for: 2m
        severity: critical
        summary: '{{ $labels.job }} is down'
        description: 'value {{ $value }}'
tests:
  rules:
    - name: fires after 2m
      alert: Down
      series:
        - {series: 'up{job="api", instance="a:1"}', values: '0x5'}
      expect:
        - {eval_time: 1m, alerts: []}
        - eval_time: 3m
          alerts:
            - labels: {job: api, instance: 'a:1'}
              annotations: {summary: api is down}
  routing:
    - {alert: Down, receivers: [team]}
    - {labels: {alertname: Slow, severity: warning}, receivers: [chat]}
"""


@pytest.fixture
def tools(toolchain: Toolchain | None) -> tuple[Tool, Tool]:
    """The toolchain's promtool and amtool (skipped locally without them, failing in CI)."""
    return require_in(toolchain, "promtool"), require_in(toolchain, "amtool")


@pytest.fixture
def on(toolchain: Toolchain | None, tools: tuple[Tool, Tool]) -> list[str]:
    """`check` options that run it with the toolchain under test."""
    assert toolchain is not None
    return ["--toolchain", toolchain.name]


def _write(tmp_path: Path, text: str, tools: tuple[Tool, Tool]) -> Path:
    """The spec, targeting the versions of `tools` (MAJOR.MINOR)."""
    promtool, amtool = tools
    text = text.replace("@PROMETHEUS@", f"{promtool.version.major}.{promtool.version.minor}")
    text = text.replace("@ALERTMANAGER@", f"{amtool.version.major}.{amtool.version.minor}")
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


STEPS = (
    "render",
    "promtool check rules",
    "promtool test rules",
    "amtool check-config",
    "amtool template render",
    "routing tests (amtool)",
    "routing tests (engine)",
    "coverage",
)


def _failed_lines(result: CliResult) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("FAILED ")]


def test_bundled_spec_is_green_on_every_toolchain_at_or_above_its_targets(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    from callalert.analysis.versions import Version
    from callalert.pipeline import load_valid
    from callalert.toolchain import discover, shortfalls

    model = load_valid([EXAMPLE_SPEC]).model
    targets = {"promtool": Version.parse(model.prom_version), "amtool": Version.parse(model.am_version)}
    chains = [c for c in discover() if c.get("promtool") or c.get("amtool")]
    runs = [c.name for c in chains if not shortfalls(c, targets)]
    skipped = {c.name: shortfalls(c, targets) for c in chains if shortfalls(c, targets)}
    assert runs, f"no installed toolchain is at or above the bundled spec's targets {targets}"
    junit = tmp_path / "report.xml"
    result = run_cli("check", str(EXAMPLE_SPEC), "--toolchain", "all", "--junit", str(junit), env={"CI": "true"})
    assert result.exit_code == 0, result
    assert re.fullmatch(
        rf"check passed on {re.escape(', '.join(runs))} \(\d+\.\d\ds\)\n", result.stderr.splitlines(keepends=True)[-1]
    ), result
    rows = {line.split("  ")[0]: line.split() for line in result.stdout.splitlines() if "  " in line}
    assert rows["step"] == ["step", *runs]
    by_name = {c.name: c for c in chains}
    assert rows["promtool"] == ["promtool", *(str(by_name[n].tools["promtool"].version) for n in runs)]
    assert rows["amtool"] == ["amtool", *(str(by_name[n].tools["amtool"].version) for n in runs)]
    for step in STEPS:
        assert result.stdout.count(f"\n{step}  ") == 1, step
        cells = next(line for line in result.stdout.splitlines() if line.startswith(step + "  "))[len(step) :].split()
        assert cells == ["ok"] * len(runs), (step, cells)
    for name, reasons in skipped.items():
        assert f"{name}: not run: {', '.join(reasons)}\n" in result.stdout
    root = ET.parse(junit).getroot()
    assert root.attrib["failures"] == "0"
    suites = {s.attrib["name"]: s for s in root.findall("testsuite")}
    assert sorted(suites) == sorted(f"{step} [{name}]" for step in STEPS for name in runs)
    for name in runs:
        assert suites[f"promtool test rules [{name}]"].attrib["tests"] == "10"
        assert suites[f"routing tests (engine) [{name}]"].attrib["tests"] == "20"
        # 12 templated fields × 10 alerts × firing and resolved
        assert suites[f"amtool template render [{name}]"].attrib["tests"] == "240"
    progress = result.stderr.splitlines()
    for name in runs:
        assert f"[{name}] promtool test rules: ok in " in result.stderr
        assert any(
            line.startswith(f"[{name}] routing tests (amtool): ok in ")
            and line.endswith(
                f"(15 tests; 5 with firing/at run by the engine only (amtool {by_name[name].tools['amtool'].version.short} "
                "`config routes test` knows no inhibition, time or silences))"
            )
            for line in progress
        ), progress
    assert "[" not in "".join(
        line for line in progress if "10/10 alerts tested, 5/5 routes reached" not in line and "coverage" in line
    )


def test_out_keeps_a_tree_promtool_can_test_on_its_own(
    run_cli: Callable[..., CliResult], tmp_path: Path, tools: tuple[Tool, Tool], on: list[str]
) -> None:
    promtool = tools[0].path
    out = tmp_path / "out"
    result = run_cli("check", str(_write(tmp_path, SPEC, tools)), "--out", str(out), *on)
    assert result.exit_code == 0, result
    assert "coverage                1 warning(s)" in result.stdout
    assert (
        "warning: coverage: the root route (alerts no other route takes) → team: no routing test reaches it (tests.routing)\n"
        in result.stdout
    )
    proc = subprocess.run(
        [promtool, "test", "rules", "prometheus/tests/Down.test.yml"], cwd=out, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    # {env: SLACK_URL} is unset: check rendered a placeholder so amtool could still check the config
    assert (
        "api_url: https://placeholder.invalid/callalert-check/SLACK_URL\n" in (out / "alertmanager/alertmanager.yml").read_text()
    )


def test_template_reading_a_missing_field(
    run_cli: Callable[..., CliResult], tmp_path: Path, tools: tuple[Tool, Tool], on: list[str]
) -> None:
    spec = SPEC.replace("text: '{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}'", "text: '{{ .Foo }}'")
    result = run_cli("check", str(_write(tmp_path, spec, tools)), *on)
    assert result.exit_code == 1, result
    assert _failed_lines(result) == [
        f"FAILED amtool template render: receivers.team.slack_configs[0].text with Down ({status}): "
        'template: :1:3: executing "" at <.Foo>: can\'t evaluate field Foo in type template.Data'
        for status in ("firing", "resolved")
    ]
    assert "    amtool template render failed (exit code 1): " in result.stdout
    assert "amtool template render  FAILED" in result.stdout
    assert "check failed: 2 failure(s) in amtool template render" in result.stderr


def test_undefined_template_is_caught_before_any_tool_runs(
    run_cli: Callable[..., CliResult], tmp_path: Path, tools: tuple[Tool, Tool], on: list[str]
) -> None:
    spec = SPEC.replace("title: '{{ .CommonLabels.alertname }} ({{ .Status }})'", "title: '{{ template \"team.title\" . }}'")
    result = run_cli("check", str(_write(tmp_path, spec, tools)), *on)
    assert result.exit_code == 1, result
    # (a did-you-mean names the closest built-in template of the target Alertmanager, when one is close)
    assert re.search(
        rf"^{re.escape(str(tmp_path))}/spec\.yaml:13:29: error: receivers\.team\.slack_configs\[0\]\.title: "
        r"template 'team\.title' is not defined(; did you mean '[a-z.]+'\?)? \[unknown-template\]$",
        result.stdout,
        re.MULTILINE,
    ), result
    assert result.stderr.endswith("1 error; nothing checked\n")


def test_template_failing_only_at_run_time(
    run_cli: Callable[..., CliResult], tmp_path: Path, tools: tuple[Tool, Tool], on: list[str]
) -> None:
    # valid syntax, defined names: only executing it (as Alertmanager will) shows it needs two alerts
    spec = SPEC.replace(
        "title: '{{ .CommonLabels.alertname }} ({{ .Status }})'", "title: '{{ (index .Alerts 1).Labels.alertname }}'"
    )
    result = run_cli("check", str(_write(tmp_path, spec, tools)), *on)
    assert result.exit_code == 1, result
    assert _failed_lines(result) == [
        f"FAILED amtool template render: receivers.team.slack_configs[0].title with Down ({status}): "
        'template: :1:4: executing "" at <index .Alerts 1>: error calling index: reflect: slice index out of range'
        for status in ("firing", "resolved")
    ]
    assert (
        '    template data: {"receiver": "team", "status": "firing", "alerts": [{"status": "firing", "labels": ' in result.stdout
    )


def test_empty_title_is_a_failure(
    run_cli: Callable[..., CliResult], tmp_path: Path, tools: tuple[Tool, Tool], on: list[str]
) -> None:
    spec = SPEC.replace("title: '{{ .CommonLabels.alertname }} ({{ .Status }})'", "title: '{{ .CommonLabels.team }}'")
    result = run_cli("check", str(_write(tmp_path, spec, tools)), *on)
    assert result.exit_code == 1, result
    assert _failed_lines(result) == [
        f"FAILED amtool template render: receivers.team.slack_configs[0].title with Down ({status}): "
        "renders to empty text; a title must say something"
        for status in ("firing", "resolved")
    ]


def test_failing_rule_test(run_cli: Callable[..., CliResult], tmp_path: Path, tools: tuple[Tool, Tool], on: list[str]) -> None:
    spec = SPEC.replace("{eval_time: 1m, alerts: []}", "{eval_time: 1m, alerts: []}\n        - {eval_time: 4m, alerts: []}")
    out = tmp_path / "out"
    result = run_cli("check", str(_write(tmp_path, spec, tools)), "--out", str(out), *on)
    assert result.exit_code == 1, result
    lines = result.stdout.splitlines()
    start = lines.index("FAILED promtool test rules: prometheus/tests/Down.test.yml: FAILED:")
    promtool_cmd = lines[start + 1].split(": ", 1)[1]
    assert lines[start + 1] == f"    promtool test rules failed (exit code 1): {promtool_cmd}"
    assert promtool_cmd == f"{tools[0].path} test rules prometheus/tests/Down.test.yml"
    # everything promtool printed, as it printed it (2.x starts stdout with `Unit Testing:  <file>`, 3.x does not)
    proc = subprocess.run(
        [tools[0].path, "test", "rules", "prometheus/tests/Down.test.yml"], cwd=out, capture_output=True, text=True, check=False
    )
    shown: list[str] = []
    for name, text in (("stdout", proc.stdout), ("stderr", proc.stderr)):
        if text.strip():
            shown += [f"    {name}:", *(f"    {line}" for line in text.rstrip().splitlines())]
    assert lines[start + 2 : start + 2 + len(shown)] == shown
    assert lines[start + 2 + len(shown)] == "step                    result        time   details"
    # what the failure says, in promtool's words
    failure = proc.stderr.splitlines()
    assert [line.strip() for line in failure[failure.index("  FAILED:") :]] == [
        "FAILED:",
        "name: fires after 2m,",
        "alertname: Down, time: 4m,",
        "exp:[],",
        "got:[",
        "0:",
        'Labels:{alertname="Down", instance="a:1", job="api", severity="critical"}',
        'Annotations:{summary="api is down"}',
        "]",
    ]
    assert re.match(r"promtool test rules +FAILED +\d+\.\d\ds  1 of 1 failed$", lines[start + 5 + len(shown)]), lines
    assert result.stderr.splitlines()[-1].startswith("check failed: 1 failure(s) in promtool test rules (")


def test_routing_test_with_wrong_receivers(
    run_cli: Callable[..., CliResult], tmp_path: Path, tools: tuple[Tool, Tool], on: list[str]
) -> None:
    spec = SPEC.replace("receivers: [chat]}", "receivers: [team, chat]}").replace(
        "  routing:\n",
        "  routing:\n    - {alert: Down, labels: {job: api}, firing: [{alertname: Down, severity: warning}], receivers: []}\n",
    )
    result = run_cli("check", str(_write(tmp_path, spec, tools)), *on)
    assert result.exit_code == 1, result
    lines = result.stdout.splitlines()
    failed = _failed_lines(result)
    assert failed == [
        "FAILED routing tests (amtool): tests.routing[2] {alertname=Slow, severity=warning}: expected [team, chat], amtool routes to [chat]",
        "FAILED routing tests (engine): tests.routing[0] {alertname=Down, severity=critical, job=api}: expected [], got [team]",
        "FAILED routing tests (engine): tests.routing[2] {alertname=Slow, severity=warning}: expected [team, chat], got [chat]",
    ]
    amtool_at = lines.index(failed[0])
    assert lines[amtool_at + 1].startswith("    amtool config routes test failed (exit code 1): ")
    assert lines[amtool_at + 1].endswith(
        " config routes test --config.file=alertmanager/alertmanager.yml --verify.receivers=team,chat "
        "'alertname=\"Slow\"' 'severity=\"warning\"'"
    )
    assert lines[amtool_at + 2 : amtool_at + 5] == [
        "    stdout:",
        "    chat",
        "    WARNING: Expected receivers did not match resolved receivers.",
    ]
    engine_at = lines.index(failed[1])
    assert lines[engine_at + 1 : engine_at + 3] == [
        '    tests.routing[0] labels: {alertname="Down", severity="critical", job="api"}',
        '      firing: {alertname="Down", severity="warning"}',
    ]
    assert "routing tests (amtool)  FAILED" in result.stdout
    assert "2 with firing/at" not in result.stdout


def test_missing_amtool_exits_2_with_the_install_command(
    run_cli: Callable[..., CliResult], tmp_path: Path, tools: tuple[Tool, Tool]
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(tools[0].path, bin_dir / "promtool")
    result = run_cli(
        "check", str(_write(tmp_path, SPEC, tools)), env={"PATH": str(bin_dir), "CALLALERT_TOOLS_DIR": "", "CALLALERT_AMTOOL": ""}
    )
    assert result.exit_code == 2, result
    assert result.stderr == (
        "callalert: error: amtool not found (options, CALLALERT_AMTOOL, tools folders, PATH); install it with: "
        "make tools (scripts/install-toolchains.sh installs promtool/amtool 2.42/0.25, 2.53/0.28 and 3.5/0.33 into .tools/)\n"
    )
    assert result.stdout == ""


def test_invalid_spec_checks_nothing(run_cli: Callable[..., CliResult], tmp_path: Path, tools: tuple[Tool, Tool]) -> None:
    spec = SPEC.replace("alert: Down\n      series", "alert: Dwn\n      series")
    junit = tmp_path / "report.xml"
    result = run_cli("check", str(_write(tmp_path, spec, tools)), "--junit", str(junit))
    assert result.exit_code == 1, result
    assert re.search(
        r"spec\.yaml:\d+:\d+: error: tests\.rules\[0\]\.alert: unknown alert 'Dwn'; did you mean 'Down'\?", result.stdout
    )
    assert result.stderr.endswith("1 error; nothing checked\n")
    root = ET.parse(junit).getroot()
    assert root.attrib["failures"] == "1"


def test_relative_out_directory(run_cli: Callable[..., CliResult], tmp_path: Path, tools: tuple[Tool, Tool]) -> None:
    # amtool runs with another working directory: a relative --out must still find the templates
    result = run_cli("check", str(_write(tmp_path, SPEC, tools)), "--out", "out", cwd=tmp_path)
    assert result.exit_code == 0, result
    assert "amtool template render  ok" in result.stdout
    assert (tmp_path / "out/alertmanager/templates/slack.tmpl").is_file()
