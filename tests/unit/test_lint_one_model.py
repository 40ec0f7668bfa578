"""One model for both inputs: a spec and the files it renders get the same findings -- the same
rules, levels and messages -- positioned in whichever files were given. The exceptions are what
only the spec says (SPEC_ONLY): its declared routing policy, and whether a runbook has content
(the rendered rule files carry only its URL)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from callalert.lint import lint_paths
from callalert.lint.engine import Options
from tests.conftest import EXAMPLE_SPEC, ROOT

SPEC_ONLY = frozenset({"routing-policy-mismatch", "alert-missing-runbook", "critical-runbook-steps"})
SPECS = [EXAMPLE_SPEC, *(ROOT / "tests/golden/cases" / name / "spec.yaml" for name in ("derived-routing", "team-routing"))]
NOW = Options(datetime(2024, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.parent.name if p.name == "spec.yaml" else p.stem)
def test_a_spec_and_its_rendered_files_get_the_same_findings(spec: Path, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    assert run_cli("render", str(spec), "--out", str(out)).exit_code == 0
    external = list((yaml.safe_load(spec.read_text(encoding="utf-8")).get("defaults") or {}).get("external_labels") or {})
    from_spec = lint_paths([spec], NOW).problems
    from_files = lint_paths([out], NOW, external_labels=external).problems
    assert {p.path for p in from_spec} <= {str(spec)}
    assert all(p.path.startswith(str(out)) for p in from_files)
    ours = Counter((p.rule, p.level, p.message) for p in from_spec if p.rule not in SPEC_ONLY)
    theirs = Counter((p.rule, p.level, p.message) for p in from_files)
    assert ours == theirs
    assert sum(ours.values()) >= 1 or spec.parent.name == "derived-routing"
