"""Golden tests: spec in, whole output tree out, a diff on failure (`pytest --update-golden`)."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
import yaml

from callalert.pipeline import render
from callalert.render import RenderContext
from callalert.write import read_tree

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted(p for p in (Path(__file__).parent / "cases").iterdir() if p.is_dir())


def specs_of(case: Path) -> list[Path]:
    """A case is `source` (a path to a spec file or folder in the repository), `spec.yaml`, or `specs/*.yaml` (one
    spec in several files); with `env.yaml` it renders with --secrets=env and those values, with
    `overlay.yaml` that overlay applies."""
    source = case / "source"
    if source.exists():
        return [ROOT / source.read_text().strip()]
    if (case / "specs").is_dir():
        return sorted((case / "specs").glob("*.yaml"))
    return [case / "spec.yaml"]


def overlays_of(case: Path) -> list[Path]:
    """`overlay.yaml` beside a case's spec is applied to it (e.g. `outputs:` for the bundled spec)."""
    overlay = case / "overlay.yaml"
    return [overlay] if overlay.exists() else []


def render_case(case: Path) -> dict[str, str]:
    env = case / "env.yaml"
    if env.exists():
        environ = yaml.safe_load(env.read_text(encoding="utf-8"))
        return render(specs_of(case), ctx=RenderContext(secrets="env", environ=environ), overlays=overlays_of(case)).files
    return render(specs_of(case), overlays=overlays_of(case)).files


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case: Path, update_golden: bool) -> None:
    files = render_case(case)
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
    assert render_case(case) == render_case(case)
