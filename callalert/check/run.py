"""`callalert check`: render a spec, then prove the output with the real promtool and amtool.

Steps: promtool check rules, promtool test rules (the spec's rule tests), amtool check-config,
amtool template render (every templated receiver field × every alert, firing and resolved),
routing tests (amtool and callalert's engine), coverage. Every step runs even when an earlier
one failed (except when nothing could be rendered), so one run shows every failure.

Which tools: by default the oldest promtool and amtool at least the spec's targets (closest to
what will run the output); `toolchain=NAME` one toolchain of `callalert toolchains`; `toolchain="all"`
every toolchain at or above the targets, one run each (the render is shared).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callalert import pipeline
from callalert.analysis.alertmanager.routing import build_route_tree
from callalert.analysis.versions import Version
from callalert.check import steps as s
from callalert.check.report import Progress
from callalert.check.steps import Case, Step, ToolchainRun
from callalert.diagnostics import Problem, sort_problems
from callalert.errors import ProblemsFound, UsageError
from callalert.model import Model
from callalert.render import RenderContext
from callalert.toolchain import (
    CHECKERS,
    PRODUCT,
    Tool,
    Toolchain,
    by_name,
    discover,
    install_hint,
    select,
    shortfalls,
    start_probes,
)
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
    runs: list[ToolchainRun]
    out_dir: Path
    rendered: pipeline.Rendered
    matrix: bool = False  # `--toolchain all`: one run per toolchain, shown as a step × toolchain matrix
    not_run: list[tuple[str, list[str]]] = field(default_factory=list)  # (toolchain, why not)

    @property
    def steps(self) -> list[Step]:
        return self.runs[0].steps

    @property
    def ok(self) -> bool:
        return all(run.ok for run in self.runs)

    @property
    def problems(self) -> list[Problem]:
        """The failures positioned in the spec, once each over every run. A routing test both amtool
        and the engine fail is reported once (the engine's words); one only amtool fails is a
        disagreement, shown too."""
        seen: set[tuple[str, str]] = set()
        out: list[Problem] = []
        every = [step for run in self.runs for step in run.steps]
        for step in sorted(every, key=lambda st: st.name != "routing tests (engine)"):
            for p in step.problems:
                if (p.key, p.rule) not in seen:
                    seen.add((p.key, p.rule))
                    out.append(p)
        return sort_problems(out)


def _chain_of(chains: Sequence[Toolchain], tool: Tool) -> str:
    return next((c.name for c in chains if c.get(tool.kind) is tool), "")


def plan_runs(
    chains: Sequence[Toolchain], prometheus: Version, alertmanager: Version, toolchain: str | None
) -> tuple[list[ToolchainRun], list[tuple[str, list[str]]]]:
    """The runs a check makes, and the toolchains it leaves out with the reasons; a UsageError
    (exit 2) when no tools at or above the targets exist."""
    targets = {"promtool": prometheus, "amtool": alertmanager}
    if toolchain is None:
        promtool = select(chains, "promtool", prometheus)
        amtool = select(chains, "amtool", alertmanager)
        name = _chain_of(chains, promtool)
        return [ToolchainRun(name if name == _chain_of(chains, amtool) else "", promtool, amtool)], []
    if toolchain != "all":
        chain = by_name(chains, toolchain)
        problems: list[str] = []
        for kind, target in targets.items():
            tool = chain.get(kind)
            if tool is None:
                problems.append(f"toolchain {chain.name} has no {kind}")
            elif tool.version < target:
                problems.append(
                    f"{kind} {tool.version.short} cannot prove a config for {PRODUCT[kind]} {target.short}: "
                    f"toolchain {chain.name} ({tool.path}) is older than the spec's target"
                )
        if problems:
            raise UsageError("; ".join(problems) + f"; install newer tools with: {install_hint()}")
        return [ToolchainRun(chain.name, _get(chain, "promtool"), _get(chain, "amtool"))], []
    runs: list[ToolchainRun] = []
    not_run: list[tuple[str, list[str]]] = []
    for chain in chains:
        if chain.get("promtool") is None and chain.get("amtool") is None:
            continue  # only servers: nothing a check runs
        reasons = shortfalls(chain, targets)
        if reasons:
            not_run.append((chain.name, reasons))
        else:
            runs.append(ToolchainRun(chain.name, _get(chain, "promtool"), _get(chain, "amtool")))
    if not runs:
        found = "; ".join(f"{name}: {', '.join(reasons)}" for name, reasons in not_run) or "no toolchain found"
        heads = []
        for kind, target in targets.items():
            tools = [t for c in chains if (t := c.get(kind)) is not None]
            newest = max(tools, key=lambda t: t.version._key(), default=None)
            if newest is not None and newest.version < target:
                heads.append(f"{kind} {newest.version.short} cannot prove a config for {PRODUCT[kind]} {target.short}")
        head = "; ".join(heads) or (f"no toolchain has both a promtool ≥ {prometheus.short} and an amtool ≥ {alertmanager.short}")
        raise UsageError(f"{head}: not run on {found}; install newer tools with: {install_hint()}")
    return runs, not_run


def _get(chain: Toolchain, kind: str) -> Tool:
    tool = chain.get(kind)
    assert tool is not None
    return tool


def run_check(
    specs: Sequence[Path],
    *,
    out: Path | None = None,
    secrets: str = "placeholder",
    progress: Progress | None = None,
    overlays: Sequence[Path] = (),
    explicit: Mapping[str, str | None] | None = None,
    toolchain: str | None = None,
) -> CheckResult:
    """Render and check; raises ProblemsFound when the spec is invalid (nothing is checked) and
    UsageError when no tools can prove it for its targets."""
    if secrets not in SECRET_MODES:
        raise UsageError(f"unknown --secrets {secrets!r}; choose {' or '.join(SECRET_MODES)}")
    progress = progress or Progress(sys.stderr, False)
    start_probes(explicit, CHECKERS)  # the tools' versions are asked meanwhile, while the spec renders

    progress.start("render")
    start = time.perf_counter()
    ctx = RenderContext(secrets="env", environ=_Placeholders(dict(os.environ), use_env=secrets == "env"))
    try:
        rendered = pipeline.render(specs, ctx=ctx, overlays=overlays, targets=["prometheus"])
    except ProblemsFound as exc:
        step = Step("render", [Case("render", False, time.perf_counter() - start, f"{len(exc.problems)} problem(s) in the spec")])
        step.seconds = time.perf_counter() - start
        progress.done(step)
        raise ProblemsFound(exc.problems, "nothing checked") from None
    model = rendered.model
    prom_target, promtool_flags, needing = _promtool_needs(model)
    try:
        runs, not_run = plan_runs(discover(explicit, CHECKERS), prom_target, Version.parse(model.am_version), toolchain)
    except UsageError as exc:
        if not needing:
            raise
        raise UsageError(
            f"{', '.join(needing)} use experimental functions ({promtool_flags[0]}), and promtool honours that flag "
            f"only from {prom_target.short}: {exc}"
        ) from None
    matrix = toolchain == "all"

    with tempfile.TemporaryDirectory(prefix="callalert-check-") as tmp:
        tmp_path = Path(tmp)
        root = out.resolve() if out is not None else tmp_path / "out"
        write_tree(root, rendered.files, private=rendered.ctx.has_inline_secrets)
        where = str(root) if out is not None else "a temporary directory; --out keeps them"
        render_seconds = time.perf_counter() - start
        import yaml

        config = yaml.safe_load(rendered.files["alertmanager/alertmanager.yml"])
        tree = build_route_tree(config, model.am_version)
        files = sorted(rendered.files)
        problem = rendered.valid.merged.problem  # failures the tools report, positioned in the spec
        for index, run in enumerate(runs):
            progress.begin_run(run.name if matrix else "", run.tools_text())
            render_step = Step("render", [Case("render", True, render_seconds)], note=f"{len(rendered.files)} files in {where}")
            render_step.seconds = render_seconds
            progress.done(render_step)
            run.steps.append(render_step)
            scratch = tmp_path / f"data-{index}"
            scratch.mkdir()
            runners: list[tuple[str, Callable[[], Step]]] = [
                ("promtool check rules", lambda r=run: s.step_check_rules(root, files, r.promtool, promtool_flags)),  # type: ignore[misc]
                (
                    "promtool test rules",
                    lambda r=run: s.step_test_rules(root, files, r.promtool, model, problem, promtool_flags),  # type: ignore[misc]
                ),
                ("amtool check-config", lambda r=run: s.step_check_config(root, r.amtool)),  # type: ignore[misc]
                (
                    "amtool template render",
                    lambda r=run, d=scratch: s.step_templates(root, model, config, r.amtool, d, problem),  # type: ignore[misc]
                ),
                (
                    "routing tests (amtool)",
                    lambda r=run: s.step_routing_amtool(root, model, r.amtool, problem),  # type: ignore[misc]
                ),
                ("routing tests (engine)", lambda: s.step_routing_engine(model, config, tree, problem)),
                ("coverage", lambda: s.step_coverage(model, tree)),
            ]
            for name, runner in runners:
                progress.start(name)
                t0 = time.perf_counter()
                step = runner()
                step.seconds = time.perf_counter() - t0
                if step.tool is not None:  # tool log lines arrive from parallel runs: one stable order
                    step.warnings = sorted(set(step.warnings))
                if secrets == "env":  # a tool's message may quote a real secret (amtool: parse "<url>": ...)
                    _redact(step, rendered.ctx.redact)
                progress.done(step)
                run.steps.append(step)
        return CheckResult(runs, root, rendered, matrix, not_run)


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


def _promtool_needs(model: Model) -> tuple[Version, list[str], list[str]]:
    """The promtool version that can prove the rules, its flags, and the rules that need more than
    the target: rules with experimental functions need --enable-feature=promql-experimental-functions,
    which promtool honours only from 3.4 (before, it ignores the flag and refuses them)."""
    from callalert.analysis.promql import check_syntax
    from callalert.analysis.promql.versions import EXPERIMENTAL_FUNCTIONS, FLAGS

    target = Version.parse(model.prom_version)
    exprs = [(r.record, r.expr) for g in model.groups for r in g.records] + [(a.name, a.expr) for a in model.alerts]
    needing = [
        name
        for name, expr in exprs
        if EXPERIMENTAL_FUNCTIONS in model.defaults.targets.prometheus_features
        and check_syntax(expr, target=target)
        and not check_syntax(expr, target=target, experimental=True)
    ]
    if not needing:
        return target, [], []
    honoured = FLAGS[EXPERIMENTAL_FUNCTIONS].promtool_since
    assert honoured is not None
    return max(target, honoured), [f"--enable-feature={EXPERIMENTAL_FUNCTIONS}"], needing
