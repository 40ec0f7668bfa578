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
defaults:
  targets: {prometheus: "@PROMETHEUS@", alertmanager: "@ALERTMANAGER@"}
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
    progress = result.stderr.splitlines()
    for name in runs:
        assert suites[f"promtool test rules [{name}]"].attrib["tests"] == "10"
        assert suites[f"routing tests (engine) [{name}]"].attrib["tests"] == "20"
        # (templated fields + the ones Alertmanager fills with its defaults) × 10 alerts × firing and resolved,
        # each alert with the receivers its routes reach (first-hour F7): one case per field rendered
        note = next(line for line in progress if line.startswith(f"[{name}] amtool template render: ok in "))
        found = re.search(
            r"\((\d+) templated fields \((\d+) of them Alertmanager's defaults\) × 10 alerts × firing/resolved, "
            r"each alert with the receivers it reaches: (\d+) renders in (\d+) amtool runs(?:; .*)?\)$",
            note,
        )
        assert found, note
        assert int(found[1]) > int(found[2]) > 0
        assert 10 * 2 <= int(found[4]) <= int(found[3]) <= int(found[1]) * 10 * 2
        assert suites[f"amtool template render [{name}]"].attrib["tests"] == found[3]
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
        [promtool, "test", "rules", "tests/Down.test.yml"], cwd=out, capture_output=True, text=True, check=False
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
    # one block for one cause, however many renders it broke; the problem points at the field in the spec
    assert _failed_lines(result) == [
        "FAILED amtool template render: receivers.team.slack_configs[0].text with Down (firing): "
        'template: :1:3: executing "" at <.Foo>: can\'t evaluate field Foo in type template.Data'
    ]
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f'{tmp_path}/spec.yaml:12:15: error: receivers.team.slack_configs[0].text: template: :1:3: executing "" at <.Foo>: '
        "can't evaluate field Foo in type template.Data (2 renders failed; first Down (firing)) [template-render]"
    )
    at = lines.index(_failed_lines(result)[0])
    assert lines[at + 1] == (
        "    and 1 more with the same error (1 field × 1 alert × firing/resolved): "
        "fields receivers.team.slack_configs[0].text; alerts Down"
    )
    assert "    amtool template render failed (exit code 1): " in result.stdout
    assert result.stdout.count("template data: ") == 1
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
        rf"^{re.escape(str(tmp_path))}/spec\.yaml:11:29: error: receivers\.team\.slack_configs\[0\]\.title: "
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
        "FAILED amtool template render: receivers.team.slack_configs[0].title with Down (firing): "
        'template: :1:4: executing "" at <index .Alerts 1>: error calling index: reflect: slice index out of range'
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
        "FAILED amtool template render: receivers.team.slack_configs[0].title with Down (firing): "
        "renders to empty text; a title must say something"
    ]
    assert (
        f"{tmp_path}/spec.yaml:11:16: error: receivers.team.slack_configs[0].title: renders to empty text; a title must say "
        "something (2 renders failed; first Down (firing)) [template-render]\n" in result.stdout
    )


def test_failing_rule_test(run_cli: Callable[..., CliResult], tmp_path: Path, tools: tuple[Tool, Tool], on: list[str]) -> None:
    spec = SPEC.replace("{eval_time: 1m, alerts: []}", "{eval_time: 1m, alerts: []}\n        - {eval_time: 4m, alerts: []}")
    out = tmp_path / "out"
    result = run_cli("check", str(_write(tmp_path, spec, tools)), "--out", str(out), *on)
    assert result.exit_code == 1, result
    lines = result.stdout.splitlines()
    # promtool's report, read back into the spec: the expectation's own line
    assert lines[0] == (
        f"{tmp_path}/spec.yaml:36:11: error: tests.rules[0].expect[1]: Down at 4m: expected no alert, got "
        '{alertname="Down", instance="a:1", job="api", severity="critical"} with annotations {summary="api is down"} '
        "[rule-test-failed]"
    )
    start = lines.index("FAILED promtool test rules: tests/Down.test.yml: 1 expectation not met: tests.rules[0].expect[1]")
    promtool_cmd = lines[start + 1].split(": ", 1)[1]
    assert lines[start + 1] == f"    promtool test rules failed (exit code 1): {promtool_cmd}"
    assert promtool_cmd == f"{tools[0].path} test rules tests/Down.test.yml"
    # everything promtool printed, as it printed it (2.x starts stdout with `Unit Testing:  <file>`, 3.x does not)
    proc = subprocess.run(
        [tools[0].path, "test", "rules", "tests/Down.test.yml"], cwd=out, capture_output=True, text=True, check=False
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


def test_relative_out_directory(
    run_cli: Callable[..., CliResult], tmp_path: Path, tools: tuple[Tool, Tool], on: list[str]
) -> None:
    # amtool runs with another working directory: a relative --out must still find the templates
    result = run_cli("check", str(_write(tmp_path, SPEC, tools)), "--out", "out", *on, cwd=tmp_path)
    assert result.exit_code == 0, result
    assert "amtool template render  ok" in result.stdout
    assert (tmp_path / "out/alertmanager/templates/slack.tmpl").is_file()


def test_a_template_alertmanager_uses_by_default_is_rendered_too(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    # the starter's Slack receiver sets no `text`: Alertmanager sends {{ template "slack.default.text" . }},
    # which this file redefines with a bug that only shows when it runs; only the warning reaches team-chat
    # (critical notifies oncall), so only it is rendered with that receiver (first-hour F7)
    assert run_cli("init", str(tmp_path / "spec.yaml")).exit_code == 0
    (tmp_path / "my").mkdir()
    (tmp_path / "my/slack.tmpl").write_text(
        '{{ define "slack.default.text" }}{{ range .Alerts }}{{ .CommonLabels.team }} {{ .Annotations.summary }}{{ end }}{{ end }}\n'
    )
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec.read_text() + "\ntemplates:\n  builtin: [email, pagerduty]\n  files: [my/slack.tmpl]\n")
    result = run_cli("check", str(spec))
    assert result.exit_code == 1, result
    assert result.stdout.splitlines()[0] == (
        f"{tmp_path}/my/slack.tmpl:1:68: error: receivers.team-chat.slack_configs[0]: text is unset, so Alertmanager renders "
        'its default {{ template "slack.default.text" . }}: executing "slack.default.text" at <.CommonLabels.team>: '
        "can't evaluate field CommonLabels in type template.Alert (2 renders failed; first MyServiceErrors (firing)) "
        "[template-render]"
    )
    assert _failed_lines(result) == [
        "FAILED amtool template render: receivers.team-chat.slack_configs[0].text (Alertmanager's default) with "
        'MyServiceErrors (firing): template: slack.tmpl:1:68: executing "slack.default.text" at <.CommonLabels.team>: '
        "can't evaluate field CommonLabels in type template.Alert"
    ]
    assert (
        "    and 1 more with the same error (1 field × 1 alert × firing/resolved): "
        "fields receivers.team-chat.slack_configs[0].text (Alertmanager's default); alerts MyServiceErrors\n"
    ) in result.stdout


def test_routing_test_in_another_order_says_so(
    run_cli: Callable[..., CliResult], tmp_path: Path, tools: tuple[Tool, Tool], on: list[str]
) -> None:
    spec = SPEC.replace("  critical: {notify: [team]}", "  critical: {notify: [team, chat]}").replace(
        "- {alert: Down, receivers: [team]}", "- {alert: Down, receivers: [chat, team]}"
    )
    result = run_cli("check", str(_write(tmp_path, spec, tools)), *on)
    assert result.exit_code == 1, result
    assert result.stdout.splitlines()[0] == (
        f"{tmp_path}/spec.yaml:41:7: error: tests.routing[0]: expected [chat, team], got [team, chat] (the same receivers "
        "in another order: Alertmanager notifies in route order, and the test lists them in that order) [routing-test-failed]"
    )


def test_every_failing_rule_test_points_at_its_expectation(
    run_cli: Callable[..., CliResult], tmp_path: Path, tools: tuple[Tool, Tool], on: list[str]
) -> None:
    spec = SPEC.replace(
        "              annotations: {summary: api is down}",
        "              annotations: {summary: api is up}",
    ).replace(
        "  routing:\n",
        """    - alert: Down
      series:
        - {series: 'up{job="api", instance="b:1"}', values: '0x5'}
      expect:
        - eval_time: 3m
          alerts:
            - labels: {job: api, instance: 'c:1'}
  routing:
""",
    )
    result = run_cli("check", str(_write(tmp_path, spec, tools)), *on)
    assert result.exit_code == 1, result
    assert [line for line in result.stdout.splitlines() if "[rule-test-failed]" in line] == [
        f"{tmp_path}/spec.yaml:36:11: error: tests.rules[0].expect[1]: Down at 3m: the alerts fire with other annotations: "
        'expected {alertname="Down", instance="a:1", job="api", severity="critical"} with annotations {summary="api is up"}, '
        'got {alertname="Down", instance="a:1", job="api", severity="critical"} with annotations {summary="api is down"} '
        "(a test compares exactly the annotations it names) [rule-test-failed]",
        f"{tmp_path}/spec.yaml:44:11: error: tests.rules[1].expect[0]: Down at 3m: expected "
        '{alertname="Down", instance="c:1", job="api", severity="critical"}, got '
        '{alertname="Down", instance="b:1", job="api", severity="critical"} [rule-test-failed]',
    ]


def test_check_format_json_is_one_document_of_the_positioned_failures(
    run_cli: Callable[..., CliResult], tmp_path: Path, tools: tuple[Tool, Tool], on: list[str]
) -> None:
    import json

    spec = SPEC.replace("- {alert: Down, receivers: [team]}", "- {alert: Down, receivers: [chat]}")
    result = run_cli("check", str(_write(tmp_path, spec, tools)), "--format", "json", *on)
    assert result.exit_code == 1, result
    assert json.loads(result.stdout) == [
        {
            "path": f"{tmp_path}/spec.yaml",
            "line": 41,
            "column": 7,
            "level": "error",
            "rule": "routing-test-failed",
            "message": "tests.routing[0]: expected [chat], got [team]",
            "fix": None,
        }
    ]
    assert "FAILED routing tests (engine): " in result.stderr
    github = run_cli("check", str(_write(tmp_path, spec, tools)), "--format", "github", *on)
    assert github.stdout.splitlines()[0] == (
        f"::error file={tmp_path}/spec.yaml,line=41,col=7,title=routing-test-failed::tests.routing[0]: expected [chat], got [team]"
    )
