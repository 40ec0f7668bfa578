"""README.md's "Use in CI" examples are copy-paste ready: the pre-commit hooks and the action's inputs
they name exist, the YAML parses, and every callalert command of the GitLab job runs as written in a
merge request's checkout (the tools and the example spec)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import EXAMPLE_SPEC, ROOT, require_program, require_tool

README = (ROOT / "README.md").read_text(encoding="utf-8")


def ci_section() -> str:
    start = README.index("## Use in CI")
    return README[start : README.index("\n## ", start + 1)]


def yaml_blocks() -> list[Any]:
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", ci_section(), re.S)]


def test_pre_commit_example_names_the_hooks_of_this_repository() -> None:
    config = next(b for b in yaml_blocks() if isinstance(b, dict) and "repos" in b)
    hooks = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    used = {h["id"] for repo in config["repos"] for h in repo["hooks"]}
    assert used == hooks


def test_github_workflow_example_uses_the_action_s_inputs_and_outputs() -> None:
    workflow = next(b for b in yaml_blocks() if isinstance(b, dict) and "jobs" in b)
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["callalert"]["steps"]
    step = next(s for s in steps if str(s.get("uses", "")).startswith("callalert/callalert@"))
    assert set(step["with"]) <= set(action["inputs"])
    outputs = set(re.findall(r"steps\.callalert\.outputs\.([\w-]+)", yaml.safe_dump(workflow)))
    assert outputs and outputs <= set(action["outputs"])
    checkout = next(s for s in steps if s.get("uses") == "actions/checkout@v4")
    assert checkout["with"]["fetch-depth"] == 0


def test_gitlab_job_commands_run_as_written(run_cli, tmp_path: Path) -> None:
    require_tool("promtool")
    require_tool("amtool")
    require_program("git", "apt-get install git")
    job = next(b for b in yaml_blocks() if isinstance(b, dict) and "alerting" in b)["alerting"]
    assert set(job["artifacts"]["reports"]) == {"codequality", "junit"}
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    shutil.copy(EXAMPLE_SPEC, repo / "specs/alerting.yaml")
    assert run_cli("render", "specs/alerting.yaml", "--out", "out", cwd=repo).exit_code == 0
    git = ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci"]
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["commit", "-qm", "alerting"],
        ["update-ref", "refs/remotes/origin/main", "HEAD"],
    ):
        subprocess.run([*git, *args], cwd=repo, check=True, capture_output=True)
    env = {"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}
    commands = [line for line in job["script"] if line.startswith("callalert ")]
    assert len(commands) == 5
    for line in commands:
        words = shlex.split(
            os.path.expandvars(line.replace("$CI_MERGE_REQUEST_TARGET_BRANCH_NAME", env["CI_MERGE_REQUEST_TARGET_BRANCH_NAME"]))
        )
        redirect = words.index(">") if ">" in words else None
        args = words[1:redirect] if redirect is not None else words[1:]
        result = run_cli(*args, cwd=repo)
        assert result.exit_code == 0, (line, result)
        if redirect is not None:
            (repo / words[redirect + 1]).write_text(result.stdout, encoding="utf-8")
    for report in job["artifacts"]["reports"]["codequality"]:
        assert isinstance(json.loads((repo / report).read_text(encoding="utf-8")), list)
    assert (repo / job["artifacts"]["reports"]["junit"]).is_file()
    assert (repo / "diff.md").read_text(encoding="utf-8").startswith("### callalert diff: `origin/main:specs/alerting.yaml`")
