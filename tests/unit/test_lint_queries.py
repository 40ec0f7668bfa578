"""pint's offline checks on real-looking rules, each finding exact; a metric's kind is weighed on
evidence (catalog, _total, the rules' own use), so kubelet counters without _total are not gauges."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from callalert.analysis.promql.catalog import load_catalog
from callalert.lint import lint_paths
from callalert.lint.engine import Options

HERE = Path(__file__).resolve().parent.parent / "lint" / "fixtures" / "queries"
SKIP = ("alert-missing-dashboard", "alert-missing-runbook")


def _findings(catalog: bool) -> str:
    cat = load_catalog((HERE / "metrics.txt").read_text(encoding="utf-8"), "metrics.txt") if catalog else None
    result = lint_paths([HERE / "rules.yml"], Options(datetime(2024, 1, 1, tzinfo=UTC), catalog=cat))
    keep = [p for p in result.problems if p.rule not in SKIP and p.rule != "promql-unknown-metric"]
    text = "".join(f"{p.line}: {p.level}: {p.message} [{p.rule}]\n" for p in keep)
    return text.replace(f"{HERE}/", "")  # messages name other files by the path given: the same on every machine


@pytest.mark.parametrize(("catalog", "expected"), [(False, "expected.txt"), (True, "expected-with-catalog.txt")])
def test_findings(catalog: bool, expected: str, update_golden: bool) -> None:
    found = _findings(catalog)
    if update_golden:
        (HERE / expected).write_text(found, encoding="utf-8")
    assert found == (HERE / expected).read_text(encoding="utf-8")


def test_counters_without_total_are_not_called_gauges() -> None:
    for catalog in (False, True):
        found = _findings(catalog)
        assert "kubelet_evictions" not in found
        assert "kubelet_server_expiration_renew_errors'" not in found


def test_each_expression_is_parsed_twice_at_most_whatever_the_number_of_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lint rules share each expression's analyses (World.analyze_rules): more rules than the
    PromQL tree cache keeps must not make every rule parse every expression again (cost linear in rules)."""
    import promql_parser

    from callalert.analysis.promql import syntax

    n = syntax._parse_cached.cache_info().maxsize + 100  # type: ignore[attr-defined]
    rules = [
        f"  - alert: A{i}\n    expr: sum(rate(job{i}:requests:rate5m[5m])) > {i}\n"
        f"    annotations:\n      summary: 'rate {{{{ $value }}}}'\n"
        for i in range(n)
    ]
    path = tmp_path / "rules.yml"
    path.write_text("groups:\n- name: g\n  rules:\n" + "".join(rules), encoding="utf-8")
    calls: list[str] = []
    parse = promql_parser.parse

    def counted(expr: str) -> object:
        calls.append(expr)
        return parse(expr)

    syntax._parse_cached.cache_clear()  # type: ignore[attr-defined]
    monkeypatch.setattr(promql_parser, "parse", counted)
    result = lint_paths([path], Options(datetime(2024, 1, 1, tzinfo=UTC)))
    found = {p.rule for p in result.problems}
    assert {"alert-value-not-humanized", "rule-dependency-missing"} <= found  # every analysis ran
    assert len(calls) <= 2 * n
