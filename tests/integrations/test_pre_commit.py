"""The pre-commit hooks of .pre-commit-hooks.yaml, run by the real pre-commit (PyPI) in a temporary git
repository whose .pre-commit-config.yaml takes them from this checkout at its current commit: pre-commit
clones it, installs callalert into its own environment, and the hooks decide whether a commit goes in."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLE_SPEC, IN_CI, ROOT, require_program

HOOKS = ("callalert-validate", "callalert-lint", "callalert-render-check")


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def this_commit() -> str:
    """The commit of this checkout that pre-commit takes the hooks from (they must be committed)."""
    require_program("git", "apt-get install git")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    committed = subprocess.run(["git", "cat-file", "-e", "HEAD:.pre-commit-hooks.yaml"], cwd=ROOT, capture_output=True)
    if head.returncode != 0 or committed.returncode != 0:
        message = "this checkout is not a git repository with .pre-commit-hooks.yaml committed at HEAD"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return head.stdout.strip()


def test_hooks_file_names_the_three_hooks() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == list(HOOKS)
    for hook in hooks:
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert hook["entry"].startswith("callalert ")


@pytest.mark.timeout(900)
def test_pre_commit_runs_the_hooks_from_this_repository(tmp_path: Path) -> None:
    rev = this_commit()
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "ci",
        "GIT_AUTHOR_EMAIL": "ci@example.com",
        "GIT_COMMITTER_NAME": "ci",
        "GIT_COMMITTER_EMAIL": "ci@example.com",
    }
    env.pop("VIRTUAL_ENV", None)
    run(["git", "init", "-q"], repo, env)
    spec = repo / "specs/alerting.yaml"
    shutil.copy(EXAMPLE_SPEC, spec)
    rendered = run([sys.executable, "-m", "callalert", "render", "specs/alerting.yaml", "--out", "out"], repo, env)
    assert rendered.returncode == 0, rendered.stderr
    config = {
        "repos": [
            {
                "repo": str(ROOT),
                "rev": rev,
                "hooks": [
                    {"id": "callalert-validate", "args": ["specs/alerting.yaml"]},
                    {"id": "callalert-lint", "args": ["specs/alerting.yaml", "--fail-on", "error"]},
                    {"id": "callalert-render-check", "args": ["specs/alerting.yaml", "--out", "out"]},
                ],
            }
        ]
    }
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    pre_commit = [sys.executable, "-m", "pre_commit"]
    installed = run([*pre_commit, "install"], repo, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    # a good spec with its rendered output: every hook passes and the commit goes in
    run(["git", "add", "-A"], repo, env)
    good = run(["git", "commit", "-qm", "alerting"], repo, env)
    out = good.stdout + good.stderr
    assert good.returncode == 0, out
    for name in ("callalert validate", "callalert lint", "callalert render --check"):
        assert any(line.startswith(name) and line.endswith("Passed") for line in out.splitlines()), out
    assert run(["git", "rev-list", "--count", "HEAD"], repo, env).stdout.strip() == "1"

    # a typo in the spec: validate, lint and render --check fail, and the commit is refused
    spec.write_text(spec.read_text(encoding="utf-8").replace("severity: critical", "severity: critcal", 1), encoding="utf-8")
    run(["git", "add", "-A"], repo, env)
    bad = run(["git", "commit", "-qm", "typo"], repo, env)
    out = bad.stdout + bad.stderr
    assert bad.returncode != 0, out
    assert "unknown severity 'critcal'; did you mean 'critical'?" in out
    for name in ("callalert validate", "callalert lint", "callalert render --check"):
        assert any(line.startswith(name) and line.endswith("Failed") for line in out.splitlines()), out
    assert run(["git", "rev-list", "--count", "HEAD"], repo, env).stdout.strip() == "1"

    # a valid spec whose output was not rendered again: only render --check refuses it
    spec.write_text(
        EXAMPLE_SPEC.read_text(encoding="utf-8").replace("repeat_interval: 4h", "repeat_interval: 3h", 1), encoding="utf-8"
    )
    run(["git", "add", "-A"], repo, env)
    drift = run([*pre_commit, "run"], repo, env)
    out = drift.stdout + drift.stderr
    assert drift.returncode == 1, out
    assert "out is out of date: run `callalert render specs/alerting.yaml --out out`" in out
    assert any(line.startswith("callalert validate") and line.endswith("Passed") for line in out.splitlines()), out
    assert any(line.startswith("callalert render --check") and line.endswith("Failed") for line in out.splitlines()), out
