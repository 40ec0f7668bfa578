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
