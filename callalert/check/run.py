"""`callalert check`: render a spec, then prove the output with the real promtool and amtool.

Steps: promtool check rules, promtool test rules (the spec's rule tests), amtool check-config,
amtool template render (every templated receiver field × every alert, firing and resolved),
routing tests (amtool and callalert's engine), coverage. Every step runs even when an earlier
one failed (except when nothing could be rendered), so one run shows every failure.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callalert import pipeline
from callalert.analysis.alertmanager.routing import build_route_tree
from callalert.analysis.versions import Version
from callalert.check import steps as s
from callalert.check.report import Progress
from callalert.check.steps import Case, Step
from callalert.diagnostics import Problem, sort_problems
from callalert.errors import ProblemsFound, UsageError
from callalert.render import RenderContext
from callalert.toolchain import discover, select
from callalert.write import write_tree

SECRET_MODES = ("placeholder", "env")
PLACEHOLDER_URL = "https://placeholder.invalid/callalert-check/{name}"


class _Placeholders(Mapping[str, str]):
    """Environment for `{env: NAME}` secrets: the real variable when set and `use_env`, else a
    placeholder URL (valid wherever Alertmanager expects a URL, a key or a password)."""

    def __init__(self, environ: Mapping[str, str], use_env: bool) -> None:
        self._environ = environ
        self._use_env = use_env

    def __getitem__(self, key: str) -> str:
        if self._use_env:
            return self._environ[key]
        return PLACEHOLDER_URL.format(name=key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        return iter(self._environ)

    def __len__(self) -> int:
        return len(self._environ)


@dataclass
class CheckResult:
    steps: list[Step]
    out_dir: Path
    rendered: pipeline.Rendered

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    @property
    def problems(self) -> list[Problem]:
        """The failures positioned in the spec. A routing test both amtool and the engine fail is
        reported once (the engine's words); one only amtool fails is a disagreement, shown too."""
        seen: set[tuple[str, str]] = set()
        out: list[Problem] = []
        for step in sorted(self.steps, key=lambda st: st.name != "routing tests (engine)"):
            for p in step.problems:
                if (p.key, p.rule) not in seen:
                    seen.add((p.key, p.rule))
                    out.append(p)
        return sort_problems(out)


def run_check(
    specs: Sequence[Path],
    *,
    out: Path | None = None,
    secrets: str = "placeholder",
    progress: Progress | None = None,
    overlays: Sequence[Path] = (),
) -> CheckResult:
    """Render and check; raises ProblemsFound when the spec is invalid (nothing is checked)."""
    if secrets not in SECRET_MODES:
        raise UsageError(f"unknown --secrets {secrets!r}; choose {' or '.join(SECRET_MODES)}")
    progress = progress or Progress(sys.stderr, False)

    progress.start("render")
    start = time.perf_counter()
    ctx = RenderContext(secrets="env", environ=_Placeholders(dict(os.environ), use_env=secrets == "env"))
    try:
        rendered = pipeline.render(specs, ctx=ctx, overlays=overlays)
    except ProblemsFound as exc:
        step = Step("render", [Case("render", False, time.perf_counter() - start, f"{len(exc.problems)} problem(s) in the spec")])
        step.seconds = time.perf_counter() - start
        progress.done(step)
        raise ProblemsFound(exc.problems, "nothing checked") from None
    chains = discover()
    model = rendered.model
    promtool = select(chains, "promtool", Version.parse(model.prom_version)).path
    amtool_tool = select(chains, "amtool", Version.parse(model.am_version))
    amtool = amtool_tool.path

    with tempfile.TemporaryDirectory(prefix="callalert-check-") as tmp:
        tmp_path = Path(tmp)
        root = out.resolve() if out is not None else tmp_path / "out"
        write_tree(root, rendered.files, private=rendered.ctx.has_inline_secrets)
        where = str(root) if out is not None else "a temporary directory; --out keeps them"
        render_step = Step(
            "render", [Case("render", True, time.perf_counter() - start)], note=f"{len(rendered.files)} files in {where}"
        )
        render_step.seconds = time.perf_counter() - start
        progress.done(render_step)
        steps = [render_step]
        import yaml

        config = yaml.safe_load(rendered.files["alertmanager/alertmanager.yml"])
        tree = build_route_tree(config, model.am_version)
        scratch = tmp_path / "data"
        scratch.mkdir()
        files = sorted(rendered.files)
        problem = rendered.valid.merged.problem  # failures the tools report, positioned in the spec
        runners: list[tuple[str, Callable[[], Step]]] = [
            ("promtool check rules", lambda: s.step_check_rules(root, files, promtool)),
            ("promtool test rules", lambda: s.step_test_rules(root, files, promtool, model, problem)),
            ("amtool check-config", lambda: s.step_check_config(root, amtool)),
            ("amtool template render", lambda: s.step_templates(root, model, config, amtool, scratch, problem)),
            ("routing tests (amtool)", lambda: s.step_routing_amtool(root, model, amtool_tool, problem)),
            ("routing tests (engine)", lambda: s.step_routing_engine(model, config, tree, problem)),
            ("coverage", lambda: s.step_coverage(model, tree)),
        ]
        for name, runner in runners:
            progress.start(name)
            t0 = time.perf_counter()
            step = runner()
            step.seconds = time.perf_counter() - t0
            if secrets == "env":  # a tool's message may quote a real secret (amtool: parse "<url>": ...)
                _redact(step, rendered.ctx.redact)
            progress.done(step)
            steps.append(step)
        return CheckResult(steps, root, rendered)


def _redact(step: Step, redact: Callable[[str], str]) -> None:
    step.note = redact(step.note)
    step.skipped = redact(step.skipped)
    step.warnings = [redact(w) for w in step.warnings]
    step.problems = [
        dataclasses.replace(p, message=redact(p.message), fix=redact(p.fix) if p.fix else p.fix) for p in step.problems
    ]
    for case in step.cases:
        case.name = redact(case.name)
        case.message = redact(case.message)
        case.output = redact(case.output)
        case.data = redact(case.data)
        case.subject = redact(case.subject)
        case.sample = redact(case.sample)
