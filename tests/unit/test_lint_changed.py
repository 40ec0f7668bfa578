"""`lint --changed-since GIT_REF`: only the problems in what changed, judged with the whole configuration."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from callalert.lint.changed import alertmanager_units, rules_units, spec_units
from tests.conftest import ROOT

TEAM_SPEC = ROOT / "tests/golden/cases/team-routing/spec.yaml"


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", *args], cwd=repo, check=True, capture_output=True
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs/alerting.yaml").write_text(TEAM_SPEC.read_text(encoding="utf-8"), encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    return tmp_path


SHADOWED = "    - matchers: ['team=\"data\"', 'severity=\"critical\"']\n      receiver: data-opsgenie\n"


def test_a_spec_shows_only_problems_in_what_changed(run_cli, repo: Path) -> None:
    import json

    whole = json.loads(run_cli("lint", "specs/alerting.yaml", "-f", "json", cwd=repo).stdout)
    assert whole  # the example has findings of its own (infos at least)
    unchanged = run_cli("lint", "specs/alerting.yaml", "--changed-since", "HEAD", cwd=repo)
    assert unchanged.exit_code == 0, unchanged
    assert unchanged.stdout == ""
    assert unchanged.stderr == (
        f"1 file(s) linted (what changed since HEAD): no problems; {len(whole)} more in what did not change since HEAD\n"
    )
    # a new route after the team="data" one (it takes over that route's child route): shadowed, and judged
    # with the whole tree (the earlier sibling it is shadowed by did not change)
    spec = repo / "specs/alerting.yaml"
    text = spec.read_text(encoding="utf-8")
    anchor = "    - matchers: ['team=\"data\"']\n      receiver: data-email\n"
    spec.write_text(text.replace(anchor, anchor + SHADOWED, 1), encoding="utf-8")
    after = json.loads(run_cli("lint", "specs/alerting.yaml", "-f", "json", cwd=repo).stdout)
    changed = run_cli("lint", "specs/alerting.yaml", "--changed-since", "HEAD", "--fail-on", "warning", "-f", "json", cwd=repo)
    assert changed.exit_code == 1, changed
    shown = json.loads(changed.stdout)
    in_new_route = [p for p in after if p["message"].startswith(("routing.routes[2]:", "routing.routes[2]."))]
    assert shown == in_new_route
    assert [p["rule"] for p in shown if p["level"] == "warning"] == ["route-shadowed"]
    assert shown[0]["message"].startswith(
        'routing.routes[2]: route {severity="critical",team="data"} (receiver data-opsgenie) is unreachable: the earlier '
        'sibling {team="data"} (receiver data-email) takes every alert it matches and does not continue'
    )
    hidden = len(after) - len(shown)
    assert changed.stderr.endswith(f"; {hidden} more in what did not change since HEAD\n")


def test_plain_files_rules_by_name_and_new_files_whole(run_cli, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text(
        "groups:\n  - name: g\n    rules:\n"
        "      - alert: A\n        expr: rate(x[1m]) > 0\n"
        "      - alert: B\n        expr: up == 0\n        for: 5m\n",
        encoding="utf-8",
    )
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    # B changes (a range too short, like A's), A does not: only B's problem is shown
    rules.write_text(rules.read_text(encoding="utf-8").replace("up == 0", "rate(y[1m]) > 0"), encoding="utf-8")
    result = run_cli("lint", "rules.yml", "--changed-since", "HEAD", "--format", "json", cwd=tmp_path)
    import json

    found = json.loads(result.stdout)
    assert {(p["rule"], p["message"].split(":", 1)[0]) for p in found if p["rule"] == "promql-range-too-short"} == {
        ("promql-range-too-short", "groups[0].rules[1].expr")
    }
    # a file the revision does not have is new as a whole
    (tmp_path / "more.yml").write_text(rules.read_text(encoding="utf-8").replace("name: g", "name: h"), encoding="utf-8")
    more = json.loads(run_cli("lint", "rules.yml", "more.yml", "--changed-since", "HEAD", "-f", "json", cwd=tmp_path).stdout)
    assert sorted(
        p["message"].split(":", 1)[0] for p in more if p["path"] == "more.yml" and p["rule"] == "promql-range-too-short"
    ) == [
        "groups[0].rules[0].expr",
        "groups[0].rules[1].expr",
    ]


def test_changed_parts() -> None:
    old = {
        "receivers": {"a": {"email_configs": [{"to": "x"}]}, "b": {}},
        "routing": {
            "receiver": "a",
            "routes": [{"matchers": ['t="1"'], "receiver": "a"}, {"matchers": ['t="2"'], "receiver": "b"}],
        },
        "groups": [{"name": "g", "alerts": [{"name": "X", "expr": "1"}, {"name": "Y", "expr": "2"}]}],
        "silences": [{"matchers": ["a=b"]}],
    }
    new = {
        "receivers": {"a": {"email_configs": [{"to": "y"}]}, "b": {}},
        "routing": {
            "receiver": "a",
            "routes": [
                {"matchers": ['t="0"'], "receiver": "b"},
                {"matchers": ['t="1"'], "receiver": "a", "continue": True},
                {"matchers": ['t="2"'], "receiver": "b"},
            ],
        },
        "groups": [{"name": "g", "alerts": [{"name": "Y", "expr": "2"}, {"name": "X", "expr": "3"}]}],
        "silences": [{"matchers": ["a=b"]}, {"matchers": ["c=d"]}],
    }
    assert spec_units(old, new) == [
        ("receivers", "a"),
        ("routing", "routes", 0),
        ("routing", "routes", 1, "continue"),
        ("groups", 0, "alerts", 1),
        ("silences", 1),
    ]
    assert rules_units(
        {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "1"}, {"record": "r", "expr": "2"}]}]},
        {"groups": [{"name": "g", "interval": "1m", "rules": [{"record": "r", "expr": "2"}, {"alert": "A", "expr": "9"}]}]},
    ) == [("groups", 0, "interval"), ("groups", 0, "rules", 1)]
    assert alertmanager_units(
        {"route": {"receiver": "a"}, "receivers": [{"name": "a"}, {"name": "b", "x": 1}]},
        {"route": {"receiver": "b"}, "receivers": [{"name": "b", "x": 2}, {"name": "a"}]},
    ) == [("route", "receiver"), ("receivers", 0)]


def test_not_a_repository(run_cli, tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_text("groups: []\n", encoding="utf-8")
    result = run_cli("lint", "rules.yml", "--changed-since", "HEAD", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"callalert: error: {tmp_path} is not in a git repository: ")
