"""Routing, inhibition and timing checks on a real-looking shop configuration (team routes,
night muting, severity inhibition), with and without its rule files: every finding, exact."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from callalert.lint import lint_paths
from callalert.lint.engine import Options

HERE = Path(__file__).resolve().parent.parent / "lint" / "fixtures" / "routing"
AREAS = ("route-", "inhibit-", "receiver-empty", "repeat-", "wait-", "time-interval")


def _findings(*names: str) -> str:
    result = lint_paths([HERE / n for n in names], Options(datetime(2024, 1, 1, tzinfo=UTC)))
    keep = [p for p in result.problems if p.rule.startswith(AREAS)]
    return "".join(p.format().replace(str(HERE) + "/", "") + "\n" for p in keep)


@pytest.mark.parametrize(
    ("names", "expected"),
    [(("alertmanager.yml",), "expected-alone.txt"), (("alertmanager.yml", "rules.yml"), "expected-with-rules.txt")],
)
def test_shop_findings(names: tuple[str, ...], expected: str, update_golden: bool) -> None:
    found = _findings(*names)
    if update_golden:
        (HERE / expected).write_text(found, encoding="utf-8")
    assert found == (HERE / expected).read_text(encoding="utf-8")
