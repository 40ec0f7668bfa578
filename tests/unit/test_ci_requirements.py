"""In CI (CI=true) a test whose tool is missing fails, never skips: a check that did not run must not
look like one that passed. Outside CI it skips with the command that installs the tool."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import conftest


@pytest.mark.parametrize("in_ci", [True, False], ids=["CI=true", "local"])
def test_a_missing_node_tool_fails_in_ci_and_skips_locally(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, in_ci: bool) -> None:
    monkeypatch.setattr(conftest, "IN_CI", in_ci)
    monkeypatch.setattr(conftest, "NODE_TOOLS", tmp_path)  # no node_modules: npm ci never ran
    outcome = pytest.fail.Exception if in_ci else pytest.skip.Exception
    with pytest.raises(outcome) as raised:
        conftest.require_node_tool("mmdc")
    assert "make node" in str(raised.value)
    # once `make node` has installed it, the tool's path is given
    (tmp_path / "node_modules/.bin").mkdir(parents=True)
    (tmp_path / "node_modules/.bin/mmdc").write_text("", encoding="utf-8")
    assert conftest.require_node_tool("mmdc") == tmp_path / "node_modules/.bin/mmdc"


@pytest.mark.parametrize("in_ci", [True, False], ids=["CI=true", "local"])
def test_a_missing_program_or_toolchain_tool_fails_in_ci(monkeypatch: pytest.MonkeyPatch, in_ci: bool) -> None:
    monkeypatch.setattr(conftest, "IN_CI", in_ci)
    monkeypatch.setenv("PATH", "")
    outcome = pytest.fail.Exception if in_ci else pytest.skip.Exception
    with pytest.raises(outcome) as raised:
        conftest.require_program("dot", "make node (Graphviz)")
    assert "make node (Graphviz)" in str(raised.value)
    with pytest.raises(outcome):
        conftest.require_in(None, "amtool")


def test_tools_node_commits_the_manifests_only() -> None:
    """`make node` installs from the committed lock file; node_modules and binaries stay out of git."""
    import subprocess

    if not (conftest.ROOT / ".git").exists():
        pytest.skip("not a git checkout (an unpacked sdist)")
    git = conftest.require_program("git", "apt-get install git")
    listed = subprocess.run([git, "ls-files", "tools"], cwd=conftest.ROOT, capture_output=True, text=True, check=True)
    assert listed.stdout.split() == [
        "tools/node/.puppeteerrc.cjs",
        "tools/node/package-lock.json",
        "tools/node/package.json",
        "tools/node/puppeteer-config.json",
    ]
