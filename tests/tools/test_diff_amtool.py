"""`callalert diff --base HEAD~1` in a git repository where one commit changes the routes, checked
against the real amtool on both sides, per installed toolchain: for every label set of the diff's
label space, `amtool config routes test` on the old and on the new alertmanager.yml gives exactly the
receivers the diff reports, and the label sets whose receivers amtool sees change are exactly the
ones the diff reports as changed receivers (none missed, none invented)."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from callalert.analysis.alertmanager.matchers import format_matcher
from tests.conftest import EXAMPLE_SPEC, ROOT, require_in, require_program

TEAM_SPEC = ROOT / "tests/golden/cases/team-routing/spec.yaml"


@dataclass(frozen=True)
class Scenario:
    name: str
    spec: Path
    edits: tuple[tuple[str, str], ...]  # (old text, new text) applied to the spec in the second commit


SCENARIOS = [
    Scenario(
        "continue-removed",
        TEAM_SPEC,
        (
            (
                "{matchers: ['severity=\"critical\"'], receiver: payments-pagerduty, continue: true}",
                "{matchers: ['severity=\"critical\"'], receiver: payments-pagerduty}",
            ),
        ),
    ),
    Scenario(
        "matcher-narrowed-and-timings",
        EXAMPLE_SPEC,
        (
            (
                "    - matchers: ['category=~\"availability|errors\"']\n      receiver: email\n",
                "    - matchers: ['category=\"availability\"']\n      receiver: email\n      group_wait: 10s\n",
            ),
            (
                "      receiver: slack-critical\n      continue: true\n",
                "      receiver: slack-critical\n      continue: true\n      repeat_interval: 1h\n",
            ),
        ),
    ),
    Scenario(
        "route-inserted-and-removed",
        TEAM_SPEC,
        (
            (
                "  routes:\n    - matchers: ['team=\"payments\"']\n",
                "  routes:\n    - matchers: ['team=\"data\"', 'severity=\"critical\"']\n      receiver: platform-oncall\n"
                "      continue: true\n    - matchers: ['team=\"payments\"']\n",
            ),
            (
                "    - matchers: ['team=\"platform\"']\n      receiver: platform-slack\n      routes:\n"
                "        - {matchers: ['severity=\"critical\"'], receiver: platform-oncall, continue: true}\n",
                "    - matchers: ['team=~\"platform|infra\"']\n      receiver: platform-slack\n",
            ),
        ),
    ),
]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)


def repo_with_change(tmp_path: Path, scenario: Scenario) -> Path:
    require_program("git", "apt-get install git")
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "ci@example.com")
    git(repo, "config", "user.name", "ci")
    spec = repo / "specs/alerting.yaml"
    text = scenario.spec.read_text(encoding="utf-8")
    spec.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "alerting as it is")
    for old, new in scenario.edits:
        assert old in text, old
        text = text.replace(old, new)
    spec.write_text(text, encoding="utf-8")
    git(repo, "commit", "-qam", f"change the routes: {scenario.name}")
    return repo


def amtool_receivers(amtool: str, config: Path, labels: dict[str, str]) -> list[str]:
    args = [format_matcher(k, "=", v) for k, v in labels.items()]
    proc = subprocess.run(
        [amtool, "config", "routes", "test", f"--config.file={config}", *args], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return [r for r in proc.stdout.strip().split(",") if r]


@pytest.mark.tools
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_diff_base_agrees_with_amtool_on_both_sides(toolchain, run_cli, tmp_path: Path, scenario: Scenario) -> None:
    amtool = require_in(toolchain, "amtool").path
    repo = repo_with_change(tmp_path, scenario)
    result = run_cli("diff", "--base", "HEAD~1", "specs/alerting.yaml", "--format", "json", "--no-render", cwd=repo)
    assert result.exit_code == 1, result  # who is notified changes: --fail-on routing's exit code
    report = json.loads(result.stdout)
    routing = report["routing"]
    assert routing["exhaustive"]
    # both sides rendered as they would be deployed
    configs = {}
    for side, ref in (("old", "HEAD~1"), ("new", None)):
        folder = tmp_path / side
        if ref is not None:
            git(repo, "worktree", "add", "-q", str(tmp_path / "old-checkout"), ref)
            source = tmp_path / "old-checkout/specs/alerting.yaml"
        else:
            source = repo / "specs/alerting.yaml"
        rendered = run_cli("render", str(source), "--out", str(folder))
        assert rendered.exit_code == 0, rendered
        configs[side] = folder / "alertmanager/alertmanager.yml"
    names = routing["labels"]
    space = [
        {n: v for n, v in zip(names, values, strict=True) if v is not None}
        for values in itertools.product(*(routing["values"][n] for n in names))
    ]
    assert len(space) == routing["label_sets"]

    def both(labels: dict[str, str]) -> tuple[list[str], list[str]]:
        return amtool_receivers(amtool, configs["old"], labels), amtool_receivers(amtool, configs["new"], labels)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(both, space))
    reported = {json.dumps(c["labels"], sort_keys=True): c for c in routing["changes"]}
    amtool_changed = set()
    checked = 0
    for labels, (old, new) in zip(space, answers, strict=True):
        key = json.dumps(labels, sort_keys=True)
        if old != new:
            amtool_changed.add(key)
        change = reported.get(key)
        if change is not None:
            # every reported change: amtool on each side routes it to exactly the receivers the diff shows
            assert change["old"]["receivers"] == old, (labels, change)
            assert change["new"]["receivers"] == new, (labels, change)
            checked += 1
    diff_changed = {k for k, c in reported.items() if "receivers" in c["changed"]}
    assert diff_changed == amtool_changed  # none missed, none invented
    assert checked == len(reported) > 0
    # the numbers of this run, for the report (pytest -s shows them)
    print(
        f"{scenario.name} [{toolchain.name}]: {len(space)} label sets through amtool {toolchain.get('amtool').version.short} "
        f"on both sides; {len(reported)} reported changes ({len(diff_changed)} of receivers) all confirmed"
    )


def test_diff_base_text_names_the_affected_label_sets(run_cli, tmp_path: Path) -> None:
    repo = repo_with_change(tmp_path, SCENARIOS[0])
    result = run_cli("diff", "--base", "HEAD~1", "specs/alerting.yaml", "--no-render", cwd=repo)
    assert result.exit_code == 1, result
    assert result.stdout == (
        "callalert diff: HEAD~1:specs/alerting.yaml → specs/alerting.yaml\n"
        "\n"
        "Who is notified differently: 1 of 20 label sets (every combination of team × severity)\n"
        "  team/severity   (- absent, * any value, (other) a value no matcher names)\n"
        "  payments/critical: payments-pagerduty, payments-slack, payments-email → payments-pagerduty "
        "(payments-slack, payments-email lost)\n"
        "\n"
        "Alerts notified differently:\n"
        "  CheckoutErrorRatioHigh: payments-pagerduty, payments-slack, payments-email → payments-pagerduty "
        "(payments-slack, payments-email lost)\n"
        "\n"
        "Route tree:\n"
        '  ~ route.routes[0].routes[0] severity="critical": continue: true → false\n'
        "\n"
        "Who is notified changes.\n"
    )
    # --fail-on none reports the same and exits 0; with no change at all, any exits 0 too
    assert run_cli("diff", "--base", "HEAD~1", "specs/alerting.yaml", "--no-render", "--fail-on", "none", cwd=repo).exit_code == 0
    same = run_cli("diff", "--base", "HEAD", "specs/alerting.yaml", "--fail-on", "any", cwd=repo)
    assert same.exit_code == 0, same
    assert same.stdout.endswith("Who is notified: unchanged for all 20 label sets\n\nNo changes.\n")


TEMPLATE_AM = """\
route:
  receiver: chat
receivers:
  - name: chat
    slack_configs:
      - api_url_file: /etc/alertmanager/slack-url
        channel: '#alerts'
        text: '{{ template "chat.text" . }}'
templates: ['*.tmpl']
"""
TEMPLATE_RULES = """\
groups:
  - name: app
    rules:
      - alert: Down
        expr: up{job="api"} == 0
        labels: {severity: critical}
        annotations: {summary: "{{ $labels.instance }} is down"}
"""


@pytest.mark.tools
def test_a_changed_template_is_rendered_by_amtool_on_both_sides(run_cli, tmp_path: Path) -> None:
    from tests.conftest import require_tool

    require_tool("amtool")
    for side, body in (
        ("old", "Down: {{ .CommonLabels.alertname }}"),
        ("new", "DOWN {{ .CommonLabels.alertname }} ({{ .Status }})"),
    ):
        (tmp_path / side).mkdir()
        (tmp_path / side / "alertmanager.yml").write_text(TEMPLATE_AM, encoding="utf-8")
        (tmp_path / side / "rules.yml").write_text(TEMPLATE_RULES, encoding="utf-8")
        (tmp_path / side / "chat.tmpl").write_text(f'{{{{ define "chat.text" }}}}{body}{{{{ end }}}}\n', encoding="utf-8")
    result = run_cli("diff", "old", "new", cwd=tmp_path)
    assert result.exit_code == 0, result  # templates do not change who is notified
    text = result.stdout
    assert "Template files:\n  ~ template chat.tmpl\n      define 'chat.text': changed\n" in text
    assert re.search(
        r"\nNotifications \(rendered by amtool [0-9.]+ for 1 sample alert\(s\), firing and resolved: Down\):\n", text
    )
    assert (
        "  ~ notification chat slack_configs[0].text\n"
        "      differs for 2 of 2 samples; first Down (firing):\n"
        "      - Down: Down\n"
        "      + DOWN Down (firing)\n"
    ) in text
    assert run_cli("diff", "old", "new", "--fail-on", "any", cwd=tmp_path).exit_code == 1
