"""`callalert --version`: instant and import-free; with `-v`, the tools found and their versions."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from callalert import __version__
from tests.conftest import CliResult

HEAVY = ("typer", "click", "pydantic", "jinja2", "rich", "yaml", "httpx", "promql_parser", "re2")


def _console_script() -> list[str]:
    # how a user runs it: the console script installed beside the interpreter
    script = Path(sys.executable).parent / "callalert"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from callalert.cli import main; main()"]


def test_plain_version_imports_no_third_party_module(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    proc = subprocess.run([*_console_script(), "--version"], capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert (proc.returncode, proc.stdout) == (0, f"callalert {__version__}\n"), proc.stderr
    # -X importtime lines: "import time: self [us] | cumulative | imported package"
    imported = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "callalert.cli" in imported, proc.stderr
    assert sorted(m for m in imported if m.split(".")[0] in HEAVY) == []
    assert sorted(m for m in imported if m.startswith("callalert.") and m not in {"callalert.cli", "callalert.errors"}) == []


def _fake_tool(folder: Path, name: str, first_line: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tool = folder / name
    tool.write_text(f"#!/bin/sh\necho '{first_line}'\necho '  go version:       go1.22.3'\n", encoding="utf-8")
    tool.chmod(0o755)


@pytest.mark.parametrize("flags", [["--version", "-v"], ["-v", "--version"], ["--version", "--verbose"]])
def test_version_verbose_lists_the_toolchains_found(run_cli: Callable[..., CliResult], tmp_path: Path, flags: list[str]) -> None:
    tools = tmp_path / "tools"
    _fake_tool(tools / "old/usr/bin", "promtool", "promtool, version 2.45.1 (branch: HEAD, revision: x)")
    _fake_tool(tools / "old/usr/bin", "amtool", "amtool, version 0.26.0 (branch: HEAD, revision: x)")
    (tools / "old/.complete").write_text("", encoding="utf-8")
    _fake_tool(tools / "new/usr/bin", "prometheus-alertmanager", "alertmanager, version 0.31.1 (branch: HEAD, revision: x)")
    (tools / "new/.complete").write_text("", encoding="utf-8")
    _fake_tool(tools / "half/usr/bin", "amtool", "amtool, version 0.99.0")  # no .complete: being installed, ignored
    on_path = tmp_path / "bin"
    _fake_tool(on_path, "promtool", "promtool, version 3.1.0 (branch: HEAD, revision: x)")
    result = run_cli(*flags, cwd=tmp_path, env={"CALLALERT_TOOLS_DIR": str(tools), "PATH": str(on_path)})
    assert (result.exit_code, result.stderr) == (0, ""), result
    assert result.stdout == (
        f"callalert {__version__}\n"
        f"python {platform.python_version()} ({sys.executable})\n"
        "toolchains:\n"
        f"  old: promtool 2.45.1, amtool 0.26.0 ({tools / 'old'})\n"
        f"  new: alertmanager 0.31.1 ({tools / 'new'})\n"
        f"  PATH: promtool 3.1.0 ({on_path})\n"
    )


def test_version_verbose_without_tools_says_how_to_install(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    from callalert.toolchain import install_hint

    result = run_cli("--version", "-v", cwd=tmp_path, env={"CALLALERT_TOOLS_DIR": str(tmp_path), "PATH": str(tmp_path)})
    assert result.exit_code == 0, result
    assert result.stdout.splitlines()[-1] == f"toolchains: none found (tools folders, PATH); install with: {install_hint()}"


def test_version_verbose_with_a_broken_explicit_tool_is_a_usage_error(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    missing = tmp_path / "no-amtool"
    result = run_cli("--version", "-v", cwd=tmp_path, env={"CALLALERT_AMTOOL": str(missing), "PATH": str(tmp_path)})
    assert (result.exit_code, result.stdout) == (2, ""), result
    assert result.stderr == f"callalert: error: $CALLALERT_AMTOOL: {missing}: No such file or directory\n"


def test_version_verbose_through_typer_is_not_an_option_elsewhere(run_cli: Callable[..., CliResult]) -> None:
    # -v means something only beside --version; elsewhere it is a usage error (exit 2), not ignored
    assert run_cli("-v", "validate").exit_code == 2
