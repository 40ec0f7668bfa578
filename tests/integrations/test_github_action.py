"""The composite GitHub Action (action.yml), run step by step as a runner runs it: each `run:` script in
bash with its `env:` (the `${{ }}` expressions evaluated), `if:` conditions decided, GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY and RUNNER_TEMP files, and steps after a failure skipped unless they say
`always()`. The first step installs callalert from this checkout into a fresh virtual environment
with pip; promtool and amtool come from the project's toolchains. The `uses:` steps (the SARIF
upload) need GitHub itself: the test checks what they would be given. The pull request is a git
repository whose second commit changes a route; the diff's comment body is the action's output."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLE_SPEC, ROOT, require_program, require_tool

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class Run:
    """One run of the action: inputs, step outputs, what each step did."""

    inputs: dict[str, str]
    context: dict[str, str]
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    results: list[tuple[str, str, str]] = field(default_factory=list)  # (step name, outcome, output)
    uses: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    failed: bool = False

    def value(self, name: str) -> str:
        if name.startswith("inputs."):
            return self.inputs[name.removeprefix("inputs.")]
        if name.startswith("steps."):
            _, step, _, key = name.split(".", 3)
            return self.outputs.get(step, {}).get(key, "")
        return self.context[name]

    def expand(self, text: str) -> str:
        return _EXPR.sub(lambda m: self.value(m.group(1)), text)

    def condition(self, text: str | None) -> bool:
        """The conditions action.yml uses: `a == 'x'`, `a != 'x'`, `always()`, joined by &&."""
        if not text:
            return not self.failed
        always = False
        ok = True
        for part in (p.strip() for p in text.split("&&")):
            if part == "always()":
                always = True
                continue
            match = re.fullmatch(r"([\w.-]+) (==|!=) '([^']*)'", part)
            assert match, f"action.yml uses a condition this runner does not know: {part!r}"
            equal = self.value(match.group(1)) == match.group(3)
            ok = ok and (equal if match.group(2) == "==" else not equal)
        return ok and (always or not self.failed)


def run_action(inputs: Mapping[str, str], workspace: Path, env: Mapping[str, str], tmp: Path) -> Run:
    values = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    context = {"github.action_path": str(ROOT), "github.event.pull_request.base.sha": ""}
    values = {k: _EXPR.sub(lambda m: context[m.group(1)], v) for k, v in values.items()}
    run = Run({**values, **inputs}, context)
    for i, step in enumerate(ACTION["runs"]["steps"]):
        name = step["name"]
        if not run.condition(step.get("if")):
            run.results.append((name, "skipped", ""))
            continue
        if "uses" in step:
            run.uses.append((step["uses"], {k: run.expand(str(v)) for k, v in step.get("with", {}).items()}))
            run.results.append((name, "needs GitHub", ""))
            continue
        output = tmp / f"output-{i}"
        output.write_text("")
        step_env = {
            **env,
            **{k: run.expand(str(v)) for k, v in (step.get("env") or {}).items()},
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"),
            "RUNNER_TEMP": str(tmp),
        }
        assert step["shell"] == "bash"
        # GitHub runs `bash --noprofile --norc -eo pipefail {0}`
        script = tmp / f"step-{i}.sh"
        script.write_text(step["run"], encoding="utf-8")
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if "id" in step:
            run.outputs[step["id"]] = dict(
                line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines() if "=" in line
            )
        outcome = "success" if proc.returncode == 0 else f"failure ({proc.returncode})"
        run.results.append((name, outcome, proc.stdout + proc.stderr))
        run.failed = run.failed or proc.returncode != 0
    return run


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture(scope="module")
def runner_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A fresh virtual environment the action installs callalert into, and the toolchains' promtool and amtool."""
    require_program("git", "apt-get install git")
    require_tool("amtool")
    require_tool("promtool")
    venv = tmp_path_factory.mktemp("runner") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["CALLALERT_TOOLS_DIR"] = str(ROOT / ".tools")
    return env


@pytest.fixture
def pull_request(tmp_path: Path) -> tuple[Path, str]:
    """A repository whose second commit makes Slack repeat critical notifications hourly (the spec's
    routing tests, which check receivers, still pass)."""
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    git(repo, "init", "-q")
    spec = repo / "specs/alerting.yaml"
    shutil.copy(EXAMPLE_SPEC, spec)
    subprocess.run(
        [sys.executable, "-m", "callalert", "render", str(spec), "--out", str(repo / "out")], check=True, capture_output=True
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "alerting")
    base = git(repo, "rev-parse", "HEAD")
    text = spec.read_text(encoding="utf-8")
    old = "      receiver: slack-critical\n      continue: true\n"
    assert old in text
    spec.write_text(text.replace(old, old + "      repeat_interval: 1h\n"), encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "callalert", "render", str(spec), "--out", str(repo / "out")], check=True, capture_output=True
    )
    git(repo, "commit", "-qam", "slack repeats critical alerts hourly")
    return repo, base


@pytest.mark.timeout(900)
def test_action_on_a_pull_request_that_changes_a_route(
    runner_env: dict[str, str], pull_request: tuple[Path, str], tmp_path: Path
) -> None:
    repo, base = pull_request
    run = run_action(
        {"specs": "specs/alerting.yaml", "out": "out", "base": base, "install-tools": "false"}, repo, runner_env, tmp_path
    )
    outcomes = {name: outcome for name, outcome, _ in run.results}
    logs = {name: text for name, _, text in run.results}
    assert outcomes == {
        "Install callalert": "success",
        "Install promtool and amtool": "skipped",
        "callalert validate": "success",
        "callalert render --check": "success",
        "callalert lint": "success",
        "Upload lint SARIF": "needs GitHub",
        "callalert check": "success",
        "callalert diff": "success",
        "lint verdict": "skipped",
    }, logs
    # validate and lint annotate the pull request (the example spec has warnings)
    assert "::warning file=specs/alerting.yaml,line=" in logs["callalert lint"]
    # the SARIF upload gets a SARIF document of callalert-lint
    assert run.uses == [("github/codeql-action/upload-sarif@v3", {"sarif_file": "callalert-lint.sarif", "category": "callalert"})]
    sarif = json.loads((repo / "callalert-lint.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["name"] == "callalert-lint"
    assert "check passed" in logs["callalert check"]
    assert (repo / "callalert-check.xml").read_text(encoding="utf-8").startswith("<?xml")
    # the comment body says who is notified differently, with the changed routes drawn
    assert run.outputs["diff"] == {"comment-file": "callalert-diff.md", "notifies-differently": "true", "changed": "true"}
    comment = (repo / "callalert-diff.md").read_text(encoding="utf-8")
    assert "| critical | * | slack-critical: repeat_interval 4h → 1h |" in comment
    assert "```mermaid\nflowchart LR\n" in comment
    assert (tmp_path / "summary.md").read_text(encoding="utf-8") == comment


@pytest.mark.timeout(900)
def test_action_fails_where_the_spec_is_wrong_or_the_policy_says_so(
    runner_env: dict[str, str], pull_request: tuple[Path, str], tmp_path: Path
) -> None:
    repo, base = pull_request
    # diff-fail-on routing: the route change fails the job, the comment is still written
    (tmp_path / "a").mkdir()
    gate = run_action(
        {"specs": "specs/alerting.yaml", "base": base, "check": "false", "diff-fail-on": "routing", "upload-sarif": "false"},
        repo,
        runner_env,
        tmp_path / "a",
    )
    outcomes = {name: outcome for name, outcome, _ in gate.results}
    assert outcomes["callalert diff"] == "failure (1)"
    assert (repo / "callalert-diff.md").is_file()
    # a typo: validate fails with an annotation at the line, and nothing after it runs but what says always()
    spec = repo / "specs/alerting.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("severity: critical", "severity: critcal", 1), encoding="utf-8")
    (tmp_path / "b").mkdir()
    bad = run_action({"specs": "specs/alerting.yaml", "base": base, "check": "false"}, repo, runner_env, tmp_path / "b")
    outcomes = {name: outcome for name, outcome, _ in bad.results}
    logs = {name: text for name, _, text in bad.results}
    assert outcomes["callalert validate"] == "failure (1)"
    assert re.search(r"::error file=specs/alerting\.yaml,line=\d+,col=\d+,title=unknown-severity::", logs["callalert validate"])
    assert outcomes["callalert lint"] == "skipped" and outcomes["callalert diff"] == "skipped"
    assert outcomes["Upload lint SARIF"] == "needs GitHub"  # always(): whatever lint wrote is still uploaded
