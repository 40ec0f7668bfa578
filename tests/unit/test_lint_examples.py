"""Every lint rule's documented bad and good examples, run: `bad` reports that rule and no other,
`good` reports nothing at warning or error level (what `--explain` shows is what lint does)."""

from __future__ import annotations

from pathlib import Path

import pytest

from callalert import diagnostics
from callalert.analysis.promql.catalog import load_catalog
from callalert.diagnostics import Problem
from callalert.lint import lint_paths, rules
from callalert.lint.engine import EXAMPLE_FILE_NAMES, EXAMPLES_NOW, LintRule, Options
from callalert.lint.project import load_project

LINT_RULES = rules.register()


# A clean rule file, linted with a project configuration that is the example (rule lint-config).
CLEAN_RULES = """\
groups:
  - name: api
    rules:
      - alert: ApiDown
        expr: up{job="api"} == 0
        for: 5m
        labels: {severity: critical}
        annotations:
          summary: The API is down
          description: No scrape for 5 minutes.
          runbook_url: https://runbooks.example.com/ApiDown.md
          dashboard: https://grafana.example.com/d/api
"""


def run(tmp_path: Path, lint_rule: LintRule, text: str) -> list[Problem]:
    path = tmp_path / EXAMPLE_FILE_NAMES[lint_rule.examples]
    path.write_text(text, encoding="utf-8")
    catalog = load_catalog(lint_rule.metrics) if lint_rule.metrics else None
    project = None
    if lint_rule.examples == "project" or lint_rule.project:
        if lint_rule.project:
            (tmp_path / ".callalert.yml").write_text(lint_rule.project, encoding="utf-8")
        project = load_project(tmp_path / ".callalert.yml", diagnostics.RULES.ids())
    if lint_rule.examples == "project":
        path = tmp_path / "rules.yml"
        path.write_text(CLEAN_RULES, encoding="utf-8")
    return lint_paths([path], Options(EXAMPLES_NOW, catalog=catalog, project=project)).problems


@pytest.mark.parametrize("lint_rule", LINT_RULES, ids=lambda r: r.id)
def test_bad_example_reports_the_rule(tmp_path: Path, lint_rule: LintRule) -> None:
    assert lint_rule.rule.bad.strip(), "every rule documents a bad example"
    found = run(tmp_path, lint_rule, lint_rule.rule.bad)
    assert found, "the bad example reports nothing"
    assert {p.rule for p in found} == {lint_rule.id}, "\n".join(p.format() for p in found)


@pytest.mark.parametrize("lint_rule", LINT_RULES, ids=lambda r: r.id)
def test_good_example_is_clean(tmp_path: Path, lint_rule: LintRule) -> None:
    assert lint_rule.rule.good.strip(), "every rule documents a good example"
    found = [p for p in run(tmp_path, lint_rule, lint_rule.rule.good) if p.level in ("warning", "error")]
    assert found == [], "\n".join(p.format() for p in found)


def test_every_lint_rule_is_in_the_one_registry() -> None:
    for lint_rule in LINT_RULES:
        assert diagnostics.RULES.get(lint_rule.id) is lint_rule.rule
    assert len({r.id for r in LINT_RULES}) == len(LINT_RULES)
    assert rules.register() == LINT_RULES  # registering again changes nothing


def test_rule_metadata() -> None:
    for lint_rule in LINT_RULES:
        info = lint_rule.rule
        assert info.level in diagnostics.LEVELS
        assert info.area and info.summary and info.why, info.id
        assert "seed" not in f"{info.summary} {info.why} {info.bad} {info.good}".lower(), info.id


def test_every_pitfall_kind_has_a_lint_rule() -> None:
    # analysis.promql finds the pitfalls; a kind no lint rule reports would be dropped without a word
    import re

    import callalert.analysis

    source = "".join(p.read_text(encoding="utf-8") for p in Path(callalert.analysis.__file__).parent.rglob("*.py"))
    kinds = set(re.findall(r'Pitfall\(\s*"([a-z0-9-]+)"', source))
    assert len(kinds) >= 7
    assert kinds <= {r.id for r in LINT_RULES}
