"""Invalid specs: `callalert validate` must print exactly the expected diagnostics.

Each `cases/<name>.yaml` has `cases/<name>.expected` (stdout, then `exit=N`). Rewrite them with
`pytest --update-golden` and review the diff like code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_invalid_spec(case: Path, run_cli, update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(__file__).resolve().parents[2]
    rel = case.relative_to(root)
    result = run_cli("validate", str(rel), cwd=root)
    actual = result.stdout + f"exit={result.exit_code}\n"
    expected_file = case.with_suffix(".expected")
    if update_golden:
        expected_file.write_text(actual, encoding="utf-8")
    assert expected_file.exists(), f"missing {expected_file.name}; run pytest --update-golden"
    assert actual == expected_file.read_text(encoding="utf-8"), str(result)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
