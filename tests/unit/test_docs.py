"""docs/spec.md and docs/spec.schema.json are generated from the models: keep them current."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("name", "fmt", "kind"),
    [
        ("spec.md", "markdown", "spec"),
        ("spec.schema.json", "json", "spec"),
        ("spec-file.schema.json", "json", "file"),
        ("overlay.schema.json", "json", "overlay"),
    ],
)
def test_generated_docs_are_current(name: str, fmt: str, kind: str, update_golden: bool) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "callalert", "schema", "--format", fmt, "--kind", kind], capture_output=True, text=True, check=True
    ).stdout
    path = ROOT / "docs" / name
    if update_golden:
        path.write_text(out, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == out, (
        f"docs/{name} is stale: run `callalert schema --format {fmt} --kind {kind} > docs/{name}`"
    )
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


def test_deploy_doc_commands_run_as_written(run_cli, tmp_path) -> None:
    """docs/deploy.md's CI workflow and pre-commit hooks: every callalert command in them runs (options
    exist, exit 0 or 1) against the bundled example, from a checkout where out/ was rendered."""
    import re
    import shlex
    import shutil

    from tests.conftest import EXAMPLE_SPEC, require_tool

    require_tool("promtool")
    require_tool("amtool")
    text = (ROOT / "docs/deploy.md").read_text(encoding="utf-8")
    commands = re.findall(r"(?:run|entry): (callalert [^\n#>]+)", text)
    assert len(commands) >= 5, commands
    (tmp_path / "specs").mkdir()
    shutil.copy(EXAMPLE_SPEC, tmp_path / "specs/alerting.yaml")
    assert run_cli("render", "specs/alerting.yaml", "--out", "out", cwd=tmp_path).exit_code == 0
    for command in commands:
        args = shlex.split(command.replace("specs/*.yaml", "specs/alerting.yaml"))[1:]
        if "silences" in args:
            continue  # needs a running Alertmanager (tests/live/test_silences.py runs plan --exit-code)
        result = run_cli(*args, cwd=tmp_path)
        assert result.exit_code in (0, 1), f"{command}\n{result}"
        assert "Traceback" not in result.stderr
