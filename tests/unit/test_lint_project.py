"""Project configuration: .callalert.yml or [tool.callalert] in pyproject.toml, found from the
current directory upward or named with --config; rules turned off or re-levelled, per path too;
policies; every mistake a positioned lint-config error, exact."""

from __future__ import annotations

from pathlib import Path

from callalert import diagnostics
from callalert.lint import rules
from callalert.lint.project import discover, load_project

RULES_TEXT = """\
groups:
  - name: api
    rules:
      - alert: ApiDown
        expr: up{job="api"} == 0
        labels: {severity: critical}
        annotations: {summary: The API is down, description: No scrape.}
"""


def _ids() -> list[str]:
    rules.register()
    return diagnostics.RULES.ids()


def test_yaml_mistakes_are_positioned(tmp_path: Path) -> None:
    path = tmp_path / ".callalert.yml"
    path.write_text(
        "lint:\n"
        "  rules:\n"
        "    alert-missing-dashbaord: off\n"
        "    promql-division-nan: warn\n"
        "  overides: []\n"
        "  policy:\n"
        "    labels: {team: '(payments'}\n"
        "    for: {min: 1h, max: 5 minutes}\n",
        encoding="utf-8",
    )
    found = [p.format().replace(str(tmp_path) + "/", "") for p in load_project(path, _ids()).problems]
    assert found == [
        ".callalert.yml:3:5: error: lint.rules.alert-missing-dashbaord: unknown rule 'alert-missing-dashbaord'; "
        "did you mean 'alert-missing-dashboard'? [lint-config]",
        ".callalert.yml:4:26: error: lint.rules.promql-division-nan: promql-division-nan: 'warn' is not one of error, "
        "warning, info, off [lint-config]",
        ".callalert.yml:5:3: error: lint.overides: unknown key 'overides'; did you mean 'overrides'? [lint-config]",
        ".callalert.yml:7:20: error: lint.policy.labels.team: invalid regex '(payments': missing ), unterminated "
        "subpattern at position 0 [lint-config]",
        ".callalert.yml:8:25: error: lint.policy.for.max: for.max: '5 minutes' is not a duration (30s, 5m, 1h) [lint-config]",
    ]


def test_pyproject_table_is_found_and_positioned(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.callalert.lint.rules]\nalert-missing-runbok = "off"\n', encoding="utf-8"
    )
    (tmp_path / "rules").mkdir()
    assert discover(tmp_path / "rules") == tmp_path / "pyproject.toml"
    found = [p.format().replace(str(tmp_path) + "/", "") for p in load_project(tmp_path / "pyproject.toml", _ids()).problems]
    assert found == [
        "pyproject.toml:5:1: error: tool.callalert.lint.rules.alert-missing-runbok: unknown rule 'alert-missing-runbok'; "
        "did you mean 'alert-missing-runbook'? [lint-config]"
    ]


def test_levels_overrides_and_policy_through_the_cli(tmp_path: Path, run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.yml").write_text(RULES_TEXT, encoding="utf-8")
    (tmp_path / "new.yml").write_text(RULES_TEXT.replace("ApiDown", "api_down"), encoding="utf-8")
    (tmp_path / ".callalert.yml").write_text(
        "lint:\n"
        "  rules:\n"
        "    alert-missing-dashboard: off\n"
        "    critical-without-for: error\n"
        "  overrides:\n"
        "    - paths: ['legacy/*.yml']\n"
        "      rules: {critical-without-for: info, alert-missing-runbook: off}\n"
        "  policy:\n"
        "    name: '[A-Z][A-Za-z0-9]+'\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = run_cli("lint", "new.yml", "legacy/old.yml", "--format", "json")
    import json

    found = sorted((f["path"], f["rule"], f["level"]) for f in json.loads(result.stdout))
    assert found == [
        ("legacy/old.yml", "critical-without-for", "info"),
        ("new.yml", "alert-missing-runbook", "warning"),
        ("new.yml", "critical-without-for", "error"),
        ("new.yml", "policy-name", "warning"),
    ]
    assert result.exit_code == 1 and "project configuration: " in result.stderr


def test_an_invalid_project_file_stops_lint(tmp_path: Path, run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "r.yml").write_text(RULES_TEXT, encoding="utf-8")
    (tmp_path / "team.yml").write_text("lint: {rules: {no-such-rule: off}}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run_cli("lint", "r.yml", "--config", "team.yml")
    assert result.exit_code == 1
    assert result.stdout == "team.yml:1:16: error: lint.rules.no-such-rule: unknown rule 'no-such-rule' [lint-config]\n"
    missing = run_cli("lint", "r.yml", "--config", "nope.yml")
    assert (missing.exit_code, missing.stderr) == (2, "callalert: error: --config: file not found: nope.yml\n")
