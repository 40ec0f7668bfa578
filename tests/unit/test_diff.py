"""`callalert diff`: plain files, rendered folders and specs compared; exact reports; secrets never shown."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from callalert.diff.routing import Routing, diff_routing, merge_rows
from tests.conftest import EXAMPLE_SPEC, ROOT

OLD_AM = """\
global:
  slack_api_url: https://hooks.slack.com/services/T000/B000/XXXXSECRETOLD
route:
  receiver: chat
  group_by: [alertname]
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
receivers:
  - name: chat
    slack_configs:
      - channel: '#alerts'
  - name: pager
    pagerduty_configs:
      - routing_key: abcdef0123456789
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname]
"""
NEW_AM = """\
global:
  slack_api_url: https://hooks.slack.com/services/T000/B000/XXXXSECRETNEW
route:
  receiver: chat
  group_by: [alertname]
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      continue: true
    - matchers: ['severity=~"critical|warning"']
      receiver: email
receivers:
  - name: chat
    slack_configs:
      - channel: '#alerts-v2'
  - name: pager
    pagerduty_configs:
      - routing_key: zzzzzz9999999999
  - name: email
    email_configs:
      - to: ops@example.com
        auth_password: hunter2
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname, instance]
"""
OLD_RULES = """\
groups:
  - name: app
    rules:
      - alert: Down
        expr: up == 0
        for: 5m
        labels: {severity: critical}
        annotations: {summary: "{{ $labels.instance }} is down"}
      - alert: Slow
        expr: latency > 1
        labels: {severity: warning}
"""
NEW_RULES = """\
groups:
  - name: app
    rules:
      - alert: Down
        expr: up == 0
        for: 10m
        labels: {severity: critical}
        annotations: {summary: "{{ $labels.instance }} is down"}
      - alert: Slow
        expr: latency > 2
        labels: {severity: warning}
      - alert: Lost
        expr: absent(up)
        labels: {severity: critical}
"""
SECRETS = ("XXXXSECRET", "abcdef0123456789", "zzzzzz9999999999", "hunter2")


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    for side, am, rules in (("old", OLD_AM, OLD_RULES), ("new", NEW_AM, NEW_RULES)):
        (tmp_path / side).mkdir()
        (tmp_path / side / "alertmanager.yml").write_text(am, encoding="utf-8")
        (tmp_path / side / "rules.yml").write_text(rules, encoding="utf-8")
    return tmp_path


def test_plain_files_report(run_cli, plain: Path) -> None:
    result = run_cli("diff", "old", "new", "--no-render", cwd=plain)
    assert result.exit_code == 1, result
    assert result.stdout == (
        "callalert diff: old → new\n"
        "\n"
        "Who is notified differently: 2 of 4 label sets (every combination of severity)\n"
        "  severity   (- absent, * any value, (other) a value no matcher names)\n"
        "  critical: pager → pager, email (email gained)\n"
        '  warning: chat → email (chat lost; email gained); now muted while {severity="critical"} fires with the same '
        'alertname, instance; no longer muted while {severity="critical"} fires with the same alertname\n'
        "\n"
        "Alerts notified differently:\n"
        "  Down: pager → pager, email (email gained)\n"
        '  Slow: chat → email (chat lost; email gained); now muted while {severity="critical"} fires with the same '
        'alertname, instance; no longer muted while {severity="critical"} fires with the same alertname\n'
        "\n"
        "Route tree:\n"
        '  ~ route.routes[0] severity="critical": continue: false → true\n'
        '  + route.routes[1] severity=~"critical|warning": receiver: email\n'
        "\n"
        "Rules:\n"
        "  ~ alert Down\n"
        "      for: 5m → 10m\n"
        "  ~ alert Slow\n"
        "      - latency > 1\n"
        "      + latency > 2\n"
        "  + alert Lost\n"
        "      group app\n"
        "      expr: absent(up)\n"
        "      notifies: pager, email (from its own labels)\n"
        "\n"
        "Receivers:\n"
        "  ~ receiver chat\n"
        "      slack_configs[0].channel: #alerts → #alerts-v2\n"
        "  ~ receiver pager\n"
        "      pagerduty_configs[0].routing_key: changed (secret)\n"
        "  + receiver email\n"
        "      integrations: email\n"
        "\n"
        "Global settings:\n"
        "  ~ global global\n"
        "      slack_api_url: changed (secret)\n"
        "\n"
        "Inhibit rules:\n"
        '  + inhibit rule source {severity="critical"} target {severity="warning"} equal [alertname, instance]\n'
        '  - inhibit rule source {severity="critical"} target {severity="warning"} equal [alertname]\n'
        "\n"
        "Who is notified changes.\n"
    )


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_secrets_are_never_shown(run_cli, plain: Path, fmt: str) -> None:
    result = run_cli("diff", "--old", "old/alertmanager.yml", "--old", "old/rules.yml", "--new", "new", "-f", fmt, cwd=plain)
    assert result.exit_code == 1, result
    for secret in SECRETS:
        assert secret not in result.stdout + result.stderr


def test_json_lists_every_changed_label_set_with_both_outcomes(run_cli, plain: Path) -> None:
    data = json.loads(run_cli("diff", "old", "new", "-f", "json", "--no-render", cwd=plain).stdout)
    assert data["notifies_differently"] is True
    routing = data["routing"]
    assert routing["labels"] == ["severity"]
    assert routing["values"] == {"severity": ["critical", "warning", "other", None]}
    assert routing["exhaustive"] is True
    by_value = {c["labels"].get("severity"): c for c in routing["changes"]}
    assert sorted(by_value, key=str) == ["critical", "warning"]
    assert by_value["critical"]["old"]["receivers"] == ["pager"]
    assert by_value["critical"]["new"]["receivers"] == ["pager", "email"]
    assert by_value["critical"]["changed"] == ["receivers"]
    assert by_value["warning"]["changed"] == ["inhibition", "receivers"]
    assert by_value["warning"]["new"]["inhibited_while"] == ['{severity="critical"} fires with the same alertname, instance']
    receivers = {r["name"]: r for r in data["receivers"]}
    assert receivers["pager"]["fields"] == [{"path": "pagerduty_configs[0].routing_key", "secret": True, "change": "changed"}]


def test_markdown_is_a_pr_comment_with_the_changed_routes_drawn(run_cli, plain: Path) -> None:
    text = run_cli("diff", "old", "new", "-f", "markdown", "--no-render", cwd=plain).stdout
    assert text.startswith("### callalert diff: `old` → `new`\n\n**Who is notified changes.**\n")
    assert "| severity | change |\n|---|---|\n| critical | pager → pager, email (email gained) |\n" in text
    assert "```mermaid\nflowchart LR\n" in text
    assert "class n2 added" in text and "class n1 changed" in text
    assert text.endswith("<sub>Generated by `callalert diff`.</sub>\n")


def test_out_writes_the_report_and_says_so(run_cli, plain: Path) -> None:
    result = run_cli("diff", "old", "new", "-f", "markdown", "--out", "comment.md", "--fail-on", "none", cwd=plain)
    assert result.exit_code == 0, result
    assert result.stdout == ""
    assert result.stderr == "wrote comment.md: Who is notified changes.\n"
    assert (plain / "comment.md").read_text(encoding="utf-8").startswith("### callalert diff")


def test_fail_on(run_cli, plain: Path, tmp_path: Path) -> None:
    # only a rule's expression changes: not who is notified
    (plain / "rules-only").mkdir()
    (plain / "rules-only/alertmanager.yml").write_text(OLD_AM, encoding="utf-8")
    (plain / "rules-only/rules.yml").write_text(OLD_RULES.replace("latency > 1", "latency > 3"), encoding="utf-8")
    routing = run_cli("diff", "old", "rules-only", "--no-render", cwd=plain)
    assert routing.exit_code == 0, routing
    assert routing.stdout.endswith("Who is notified does not change (rules, templates or other parts do).\n")
    assert run_cli("diff", "old", "rules-only", "--fail-on", "any", "--no-render", cwd=plain).exit_code == 1
    assert run_cli("diff", "old", "old", "--fail-on", "any", cwd=plain).exit_code == 0


def test_a_spec_and_its_rendered_output_are_the_same_configuration(run_cli, tmp_path: Path) -> None:
    for spec in (EXAMPLE_SPEC, ROOT / "tests/golden/cases/team-routing/spec.yaml"):
        out = tmp_path / spec.parent.name
        assert run_cli("render", str(spec), "--out", str(out)).exit_code == 0
        result = run_cli("diff", str(spec), str(out), "--fail-on", "any")
        assert result.exit_code == 0, result
        assert result.stdout.endswith("No changes.\n"), result.stdout


def test_sampled_label_space_says_so_and_does_not_claim_every_value() -> None:
    import yaml

    old = yaml.safe_load(OLD_AM)
    new = yaml.safe_load(NEW_AM)
    rd = diff_routing(Routing.of(old, "0.25"), Routing.of(new, "0.25"), [], [], limit=2)
    assert rd.space is not None and not rd.space.exhaustive
    assert {r.values[0] for r in merge_rows(rd.space, rd.changes)} == {frozenset({"critical"}), frozenset({"warning"})}


def test_usage_errors(run_cli, plain: Path) -> None:
    cases = {
        ("diff", "old"): "give two sides, OLD NEW (a spec, a rendered output folder, or rule files + alertmanager.yml each); "
        "several files per side with --old/--new; or --base GIT_REF [SPEC...]",
        ("diff", "--old", "old"): "--old and --new go together: each names the files of one side",
        ("diff", "old", "new", "-f", "html"): "unknown --format 'html'; choose one of text, markdown, json, github",
        ("diff", "old", "new", "--fail-on", "warning"): "unknown --fail-on 'warning'; choose one of routing, any, none",
        ("diff", "old", "nope"): "file not found: nope",
        ("diff", "--base", "HEAD", "old/rules.yml"): f"{plain / 'old'} is not in a git repository: "
        "fatal: not a git repository (or any of the parent directories): .git",
    }
    for args, message in cases.items():
        result = run_cli(*args, cwd=plain)
        assert result.exit_code == 2, (args, result)
        assert result.stderr == f"callalert: error: {message}\n", args


def test_base_reads_the_old_side_from_git(run_cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    (repo / "am").mkdir()
    (repo / "am/alertmanager.yml").write_text(OLD_AM, encoding="utf-8")
    (repo / "am/rules.yml").write_text(OLD_RULES, encoding="utf-8")
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "one"], cwd=repo, check=True)
    (repo / "am/alertmanager.yml").write_text(NEW_AM, encoding="utf-8")
    result = run_cli("diff", "--base", "HEAD", "am", "--no-render", cwd=repo)
    assert result.exit_code == 1, result
    assert result.stdout.startswith("callalert diff: HEAD:am → am\n")
    assert "  critical: pager → pager, email (email gained)\n" in result.stdout
    bad = run_cli("diff", "--base", "no-such-branch", "am", cwd=repo)
    assert bad.exit_code == 2
    assert (
        bad.stderr == f"callalert: error: 'no-such-branch' is not a commit in {repo} (a branch, a tag, a commit id or HEAD~1)\n"
    )
    # a path the old commit does not have: everything in it is new
    (repo / "more").mkdir()
    (repo / "more/rules.yml").write_text(NEW_RULES, encoding="utf-8")
    added = run_cli("diff", "--base", "HEAD", "more/rules.yml", "--fail-on", "any", cwd=repo)
    assert added.exit_code == 1, added
    assert added.stdout.startswith("callalert diff: HEAD (none of more/rules.yml) → more/rules.yml\n")
    assert "  + alert Lost\n" in added.stdout


def test_an_invalid_spec_side_is_reported_with_its_positions(run_cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        EXAMPLE_SPEC.read_text(encoding="utf-8").replace("severity: critical", "severity: critcal", 1), encoding="utf-8"
    )
    result = run_cli("diff", str(EXAMPLE_SPEC), str(bad))
    assert result.exit_code == 1, result
    assert f"{bad}:" in result.stdout and "unknown severity 'critcal'" in result.stdout
    assert result.stderr.endswith(f"; {bad} is not a valid spec: nothing compared\n")
    # --format json keeps stdout one JSON document: the problems, as validate --format json lists them
    as_json = run_cli("diff", str(EXAMPLE_SPEC), str(bad), "--format", "json")
    assert as_json.exit_code == 1, as_json
    problems = json.loads(as_json.stdout)
    assert [p["message"] for p in problems] == [
        p["message"] for p in json.loads(run_cli("validate", str(bad), "--format", "json").stdout)
    ]
    assert any("unknown severity 'critcal'" in p["message"] for p in problems)


def test_what_a_template_prints_of_the_clock_is_no_change() -> None:
    from callalert.diff.templates import without_clock

    a = "*Inicio:* 25197h55m41.932006036s (2024-01-15 10:00:00 UTC), now 2025-01-01 10:00:00.123456 +0000 UTC"
    b = "*Inicio:* 25197h55m42.101023454s (2024-01-15 10:00:00 UTC), now 2025-01-01 10:00:00.654321 +0000 UTC"
    assert without_clock(a) == without_clock(b) == "*Inicio:* <clock> (2024-01-15 10:00:00 UTC), now <clock>"
    assert without_clock("for: 5m") == "for: 5m"  # a duration a template writes itself is content


def test_a_mimir_ruler_namespace_file_is_compared_as_rules(run_cli, tmp_path: Path) -> None:
    rules = "namespace: team\ngroups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: {expr}\n"
    (tmp_path / "old.yml").write_text(rules.format(expr="up == 0"), encoding="utf-8")
    (tmp_path / "new.yml").write_text(rules.format(expr="up < 1"), encoding="utf-8")
    result = run_cli("diff", "old.yml", "new.yml", cwd=tmp_path)
    assert result.exit_code == 0, result
    assert result.stdout == (
        "callalert diff: old.yml → new.yml\n\nRules:\n  ~ alert Down\n      - up == 0\n      + up < 1\n\n"
        "Who is notified does not change (rules, templates or other parts do).\n"
    )


def test_github_annotates_the_pull_request(run_cli, plain: Path) -> None:
    result = run_cli("diff", "old", "new", "-f", "github", "--no-render", cwd=plain)
    assert result.exit_code == 1, result
    lines = result.stdout.splitlines()
    report = run_cli("diff", "old", "new", "--no-render", cwd=plain).stdout
    # the text report, folded, with GitHub's command processing paused around it
    assert lines[0] == "::group::callalert diff: old → new"
    assert lines[1].startswith("::stop-commands::")
    token = lines[1].removeprefix("::stop-commands::")
    end = lines.index(f"::{token}::")
    assert "\n".join(lines[2:end]) + "\n" == report
    assert lines[end + 1] == "::endgroup::"
    assert lines[end + 2 :] == [
        "::warning title=Notified differently::Down: pager → pager, email (email gained)",
        '::warning title=Notified differently::Slow: chat → email (chat lost; email gained); now muted while {severity="critical"} '
        'fires with the same alertname, instance; no longer muted while {severity="critical"} fires with the same alertname',
        '::warning title=Route changed::route.routes[0] severity="critical": continue: false → true',
        '::warning title=Route added::route.routes[1] severity=~"critical|warning": receiver: email',
        "::warning title=callalert diff::Who is notified changes.",
    ]
    same = run_cli("diff", "old", "old", "-f", "github", "--no-render", cwd=plain)
    assert (same.exit_code, same.stdout.splitlines()[-1]) == (0, "::notice title=callalert diff::No changes.")


def test_github_quoted_configuration_cannot_run_workflow_commands(run_cli, plain: Path) -> None:
    # an expression over several lines whose second line is a workflow command
    rules = (plain / "new" / "rules.yml").read_text(encoding="utf-8")
    (plain / "new" / "rules.yml").write_text(rules.replace("expr: latency > 2", 'expr: "latency > 2\\n::add-mask::x"'))
    out = run_cli("diff", "old", "new", "-f", "github", "--no-render", cwd=plain).stdout.splitlines()
    token = out[1].removeprefix("::stop-commands::")
    quoted = [i for i, line in enumerate(out) if "::add-mask::" in line]
    assert quoted and all(1 < i < out.index(f"::{token}::") for i in quoted)
    # the token comes from the report: the same input gives the same bytes
    assert run_cli("diff", "old", "new", "-f", "github", "--no-render", cwd=plain).stdout.splitlines() == out


def test_github_an_invalid_side_is_annotated_at_its_positions(run_cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        EXAMPLE_SPEC.read_text(encoding="utf-8").replace("severity: critical", "severity: critcal", 1), encoding="utf-8"
    )
    result = run_cli("diff", str(EXAMPLE_SPEC), str(bad), "--format", "github")
    assert result.exit_code == 1, result
    assert result.stdout == run_cli("validate", str(bad), "--format", "github").stdout
    assert result.stdout.startswith(f"::error file={bad},line=")


def test_a_spec_side_reads_its_spec_once_and_its_rules_as_rendered(monkeypatch: pytest.MonkeyPatch) -> None:
    """A spec is YAML-loaded once per side (by its validation, not a second time to tell its kind),
    and its rules are those of the rule files `render` writes, taken from the data they are dumped
    from: the same rules as reading the written files back."""
    import yaml

    from callalert.diff import sides
    from callalert.diff.sides import load_side, rules_from_data
    from callalert.pipeline import load_valid
    from callalert.render import prometheus
    from tests.conftest import count_yaml_reads

    loaded = count_yaml_reads(monkeypatch, sides)
    side = load_side([EXAMPLE_SPEC], "old")
    assert loaded.count(str(EXAMPLE_SPEC)) == 1
    model = load_valid([EXAMPLE_SPEC]).model
    written = prometheus.render(model)
    assert side.rules == [r for name, text in written.items() for r in rules_from_data(yaml.safe_load(text), Path(name).name)]
    assert len(side.rules) >= 10
