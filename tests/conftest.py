"""Shared fixtures.

Tests that need a real tool (promtool, amtool, prometheus, alertmanager) call `require_tool` (the
oldest installed) or take the `toolchain` fixture, which runs the test once per installed toolchain
(`make tools` installs Debian's bookworm 2.42/0.25, trixie 2.53/0.28 and sid 3.5/0.33 side by side).
A test that runs per toolchain asks the toolchain it runs on (`toolchain.get("amtool").version`)
and never hard-codes one version's output.
Outside CI a missing tool skips the test with the install command; in CI (CI=true) it fails:
a check that did not run must never look like a check that passed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from callalert.toolchain import Tool, Toolchain

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
SEED = ROOT.parent / "shared" / "seed" / "000_2bd2b03dc37287c6.txt"
EXAMPLE_SPEC = ROOT / "specs" / "call-automation.yaml"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

INSTALL_HINT = "make tools (scripts/install-toolchains.sh)"
KIND_OF = {"prometheus-alertmanager": "alertmanager"}


# The toolchains CI must have (scripts/install-toolchains.sh's default suites).
REQUIRED_TOOLCHAINS = ("bookworm", "trixie", "sid")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden expected files")


def installed_toolchains() -> list[Toolchain]:
    """Every complete toolchain of the tools folders (oldest first); PATH's only when there is none."""
    from callalert.toolchain import discover

    found = discover()
    chains = [c for c in found if c.name not in ("explicit", "PATH")] or [c for c in found if c.name == "PATH"]
    if IN_CI:
        names = {c.name for c in chains}
        missing = [name for name in REQUIRED_TOOLCHAINS if name not in names]
        if missing:
            raise pytest.UsageError(
                f"toolchains {missing} are not installed (CI=true requires all of {REQUIRED_TOOLCHAINS}): run make tools"
            )
    return chains


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # `toolchain`: one run of the test per installed toolchain, named by it (test_x[sid])
    if "toolchain" in metafunc.fixturenames:
        chains = installed_toolchains()
        if not chains:
            chains_or_none: list[Toolchain | None] = [None]
            metafunc.parametrize("toolchain", chains_or_none, ids=["no-toolchain"])
        else:
            metafunc.parametrize("toolchain", chains, ids=[c.name for c in chains])


def require_tool(name: str) -> str:
    """The oldest installed `name` (the tests that do not ask for a toolchain pin its behaviour)."""
    from callalert.toolchain import discover

    kind = KIND_OF.get(name, name)
    tools = sorted((t for c in discover() if (t := c.get(kind)) is not None), key=lambda t: t.version._key())
    if tools:
        return tools[0].path
    message = f"{name} not found (tools folder, PATH); install with: {INSTALL_HINT}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing tool is a failure, not a skip)")
    pytest.skip(message)


def require_corpus() -> Path:
    if CORPUS.is_dir():
        return CORPUS
    if IN_CI:
        pytest.fail(f"corpus folder {CORPUS} is missing (CI always has ../shared/corpus)")
    pytest.skip(f"corpus folder {CORPUS} is absent (it lives in ../shared beside the project)")


def require_in(toolchain: Toolchain | None, kind: str) -> Tool:
    """`kind` from `toolchain` (the `toolchain` fixture's value); skip or, in CI, fail without it."""
    tool = toolchain.get(kind) if toolchain is not None else None
    if tool is not None:
        return tool
    message = f"{kind} not in toolchain {toolchain.name if toolchain else '(none installed)'}; install with: {INSTALL_HINT}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing tool is a failure, not a skip)")
    pytest.skip(message)


NODE_TOOLS = ROOT / "tools" / "node"
NODE_HINT = "make node (npm ci in tools/node; Graphviz and Node.js from Debian)"


def require_node_tool(name: str) -> Path:
    """A program of tools/node (mmdc, yaml-language-server); skip or, in CI, fail without it."""
    path = NODE_TOOLS / "node_modules" / ".bin" / name
    if path.exists():
        return path
    message = f"{name} not installed in tools/node; install with: {NODE_HINT}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing tool is a failure, not a skip)")
    pytest.skip(message)


def require_program(name: str, hint: str) -> str:
    """A program on PATH (dot, chromium, git); skip or, in CI, fail without it."""
    import shutil

    found = shutil.which(name)
    if found:
        return found
    message = f"{name} not found on PATH; install with: {hint}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing tool is a failure, not a skip)")
    pytest.skip(message)


@pytest.fixture
def promtool() -> str:
    return require_tool("promtool")


@pytest.fixture
def amtool() -> str:
    return require_tool("amtool")


@pytest.fixture
def corpus() -> Path:
    return require_corpus()


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return f"exit={self.exit_code}\n--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"


def count_yaml_reads(monkeypatch: pytest.MonkeyPatch, *modules: object) -> list[str]:
    """The path of every YAML text spec.load.load_text reads from now on (each of `modules` that
    imported load_text by name counts too): a spy for tests that a file is read once."""
    from callalert.spec import load

    loaded: list[str] = []
    load_text = load.load_text

    def counting(text: str, path: str) -> load.Document:
        loaded.append(path)
        return load_text(text, path)

    for module in (load, *modules):
        monkeypatch.setattr(module, "load_text", counting)
    return loaded


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run the CLI in-process; on a failing assertion print `result` to see its output."""

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> CliResult:
        from callalert.cli import main

        if cwd is not None:
            monkeypatch.chdir(cwd)
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        monkeypatch.setattr(sys, "argv", ["callalert", *args])
        capsys.readouterr()
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run
