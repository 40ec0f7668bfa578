"""docs/spec.md and docs/spec.schema.json are generated from the models: keep them current."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize(("name", "fmt"), [("spec.md", "markdown"), ("spec.schema.json", "json")])
def test_generated_docs_are_current(name: str, fmt: str, update_golden: bool) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "callalert", "schema", "--format", fmt], capture_output=True, text=True, check=True
    ).stdout
    path = ROOT / "docs" / name
    if update_golden:
        path.write_text(out, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == out, f"docs/{name} is stale: run `callalert schema --format {fmt} > docs/{name}`"
    if fmt == "json":
        assert json.loads(out)["properties"]["version"]["const"] == 1


def test_versions_reference_is_current(update_golden: bool) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "callalert", "versions", "--format", "markdown"], capture_output=True, text=True, check=True
    ).stdout
    path = ROOT / "docs" / "versions.md"
    if update_golden:
        path.write_text(out, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == out, (
        "docs/versions.md is stale: run `callalert versions --format markdown > docs/versions.md`"
    )
