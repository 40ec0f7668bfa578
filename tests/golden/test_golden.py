"""Golden tests: spec in, whole output tree out, a diff on failure (`pytest --update-golden`)."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from callalert.pipeline import render
from callalert.write import read_tree

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted(p for p in (Path(__file__).parent / "cases").iterdir() if p.is_dir())


def spec_of(case: Path) -> Path:
    source = case / "source"
    return ROOT / source.read_text().strip() if source.exists() else case / "spec.yaml"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case: Path, update_golden: bool) -> None:
    files = render([spec_of(case)]).files
    expected_dir = case / "expected"
    if update_golden:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for rel, text in files.items():
            target = expected_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    expected = read_tree(expected_dir)
    assert expected, f"no expected tree for {case.name}; run pytest --update-golden"
    if files != expected:
        diff = []
        for rel in sorted(set(files) | set(expected)):
            diff += difflib.unified_diff(
                expected.get(rel, "").splitlines(keepends=True),
                files.get(rel, "").splitlines(keepends=True),
                f"expected/{rel}",
                f"rendered/{rel}",
            )
        pytest.fail("rendered tree differs from the golden tree:\n" + "".join(diff))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_render_is_deterministic(case: Path) -> None:
    first = render([spec_of(case)]).files
    second = render([spec_of(case)]).files
    assert first == second
