"""The exact findings of the parity cases (tests/lint/parity/): what promtool 2.42 and amtool 0.25
refuse, in lint's words and at the key it is about. tests/tools/test_lint_parity.py proves the
verdicts against every installed toolchain; this pins the text (`pytest --update-golden` rewrites it)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from callalert.lint import lint_paths
from callalert.lint.engine import Options

HERE = Path(__file__).resolve().parent.parent / "lint" / "parity"
EXPECTED = HERE / "expected.txt"


def _findings() -> str:
    lines = []
    for path in sorted(HERE.glob("*/*.yml")):
        result = lint_paths([path], Options(datetime(2024, 1, 1, tzinfo=UTC), "0.25", target_prometheus="2.42"))
        for p in result.problems:
            if p.level == "error":
                lines.append(p.format().replace(str(HERE) + "/", ""))
    return "\n".join(lines) + "\n"


def test_parity_messages(update_golden: bool) -> None:
    found = _findings()
    if update_golden:
        EXPECTED.write_text(found, encoding="utf-8")
    assert found == EXPECTED.read_text(encoding="utf-8")
