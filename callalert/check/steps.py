"""The steps of `callalert check`, each a list of cases run with the real promtool and amtool."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callalert import diagnostics as d
from callalert.analysis.alertmanager.defaults import TEMPLATE_DEFAULT_NOTE, default_fields, templated_fields
from callalert.analysis.alertmanager.matchers import format_matcher
from callalert.analysis.alertmanager.routing import Route, build_route_tree
from callalert.check import routing_tests, rule_tests
from callalert.diagnostics import KeyPath, Problem
from callalert.errors import ToolError
from callalert.model import Model
from callalert.render.promtool_tests import TESTS_DIR, plan
from callalert.render.samples import alert_sample, sample_data
from callalert.toolchain import Tool, run_tool, split_log
from callalert.toolchain.logs import describe_record
from callalert.toolchain.templates import default_template_file, render_command

# Receiver fields whose rendered text must not be empty (a Slack message without a title, a mail
# without a subject or body, a page without a description).
MUST_HAVE_TEXT = frozenset({"title", "text", "html", "description", "message", "summary", "Subject", "channel", "to"})

# --- results ---------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    ok: bool
    seconds: float = 0.0
    message: str = ""  # one line: why it failed
    output: str = ""  # everything needed to understand it (command, exit code, stdout, stderr)
    data: str = ""  # bulky context (a render's template data): in --junit, not in the text report
    subject: str = ""  # what failed (a receiver field), to group one cause's failures in the report
    sample: str = ""  # with which sample (an alert, firing or resolved)


@dataclass
class Step:
    name: str
    cases: list[Case] = field(default_factory=list)
    seconds: float = 0.0
    note: str = ""
    warnings: list[str] = field(default_factory=list)
    skipped: str = ""  # why the step did not run
    tool: Tool | None = None  # the tool the step ran, when it ran one
    problems: list[Problem] = field(default_factory=list)  # failures positioned in the spec

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.cases)

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        if not self.ok:
            return "FAILED"
        return "warning" if self.warnings else "ok"

    @property
    def failed(self) -> list[Case]:
        return [c for c in self.cases if not c.ok]


@dataclass
class ToolchainRun:
    """The steps run with one pair of tools."""

    name: str  # the toolchain's name; "" when promtool and amtool were picked from different ones
    promtool: Tool
    amtool: Tool
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    @property
    def label(self) -> str:
        return self.name or f"promtool {self.promtool.version.short}, amtool {self.amtool.version.short}"

    def tools_text(self) -> str:
        return f"{_tool_text(self.promtool)}, {_tool_text(self.amtool)}"


def _tool_text(tool: Tool) -> str:
    return f"{tool.kind} {tool.version.short} ({tool.origin})"


# --- running -----------------------------------------------------------------------------------


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _workers() -> int:
    return max(4, min(16, (os.cpu_count() or 2) * 4))


def tool_label(tool: Tool) -> str:
    return f"{tool.kind} {tool.version.short}"


def run_logged(
    cmd: Sequence[str], tool: Tool, what: str, cwd: Path, warnings: list[str], timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """Run a tool; the log records it mixes into stdout (amtool ≥ 0.28's matcher warnings) become
    `warnings`, never part of what callers read as its output."""
    proc = run_tool(cmd, what=what, cwd=cwd, timeout=timeout, check=False)
    stdout, records = split_log(proc.stdout)
    stderr, err_records = split_log(proc.stderr)
    for record in [*records, *err_records]:
        text = describe_record(record, tool_label(tool))
        if text not in warnings:
            warnings.append(text)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def _tool_case(name: str, cmd: Sequence[str], what: str, cwd: Path, tool: Tool, warnings: list[str]) -> Case:
    start = time.perf_counter()
    proc = run_logged(cmd, tool, what, cwd, warnings)
    if proc.returncode != 0:
        exc = ToolError(cmd, proc.returncode, proc.stdout, proc.stderr, what)
        first = first_line(exc.stderr) or first_line(exc.stdout) or f"exit code {exc.rc}"
        return Case(name, False, time.perf_counter() - start, first, exc.describe())
    return Case(name, True, time.perf_counter() - start)


def first_line(text: str) -> str:
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("Warning: --config.file flag overrides"):
            return line
    return ""


def _parallel(jobs: Sequence[Callable[[], Case]]) -> list[Case]:
    if len(jobs) <= 1:
        return [job() for job in jobs]
    with ThreadPoolExecutor(max_workers=_workers()) as pool:
        return list(pool.map(lambda job: job(), jobs))


# --- steps -------------------------------------------------------------------------------------


def step_check_rules(root: Path, files: Sequence[str], promtool: Tool, flags: Sequence[str] = ()) -> Step:
    rules = [f for f in files if f.startswith("prometheus/rules/")]
    step = Step("promtool check rules", note=plural(len(rules), "rule file") + "".join(f", {f}" for f in flags), tool=promtool)
    step.cases = _parallel(
        [
            lambda f=f: _tool_case(  # type: ignore[misc]
                f, [promtool.path, *flags, "check", "rules", f], "promtool check rules", root, promtool, step.warnings
            )
            for f in rules
        ]
    )
    return step


def step_test_rules(
    root: Path,
    files: Sequence[str],
    promtool: Tool,
    model: Model,
    problem: Callable[..., Problem] | None = None,
    flags: Sequence[str] = (),
) -> Step:
    tests = [f for f in files if f.startswith(f"{TESTS_DIR}/") and f.endswith(".test.yml")]
    step = Step(
        "promtool test rules",
        note=f"{plural(len(model.tests.rules), 'rule test')} in {plural(len(tests), 'file')}",
        tool=promtool,
    )
    if not tests:
        step.skipped = "the spec has no rule tests (tests.rules)"
        return step

    def run(path: str) -> tuple[Case, list[Problem]]:
        start = time.perf_counter()
        cmd = [promtool.path, *flags, "test", "rules", path]
        proc = run_logged(cmd, promtool, "promtool test rules", root, step.warnings)
        if proc.returncode != 0:
            exc = ToolError(cmd, proc.returncode, proc.stdout, proc.stderr, "promtool test rules")
            case = Case(path, False, time.perf_counter() - start, "", exc.describe())
            planned = next((pf for pf in plan(model) if pf.path == path), None)
            found = (
                rule_tests.positioned(model, planned, exc.stdout + "\n" + exc.stderr, problem)
                if planned is not None and problem is not None
                else []
            )
            if found:
                case.message = f"{plural(len(found), 'expectation')} not met: " + "; ".join(p.key for p in found)
            else:
                case.message = first_line(exc.stderr) or first_line(exc.stdout) or f"exit code {exc.rc}"
            return case, found
        return Case(path, True, time.perf_counter() - start), []

    with ThreadPoolExecutor(max_workers=_workers()) as pool:
        results = list(pool.map(run, tests))
    step.cases = [case for case, _ in results]
    step.problems = [p for _, found in results for p in found]
    return step


def check_config_reason(stdout: str) -> str:
    """amtool's own reason from `Checking '<file>'  FAILED: <reason>` (a yaml error's detail is on
    the next line), or "" when there is none."""
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if "FAILED:" in line:
            reason = line.split("FAILED:", 1)[1].strip()
            if reason.endswith(":") and i + 1 < len(lines):
                reason += " " + lines[i + 1]
            return reason
    return ""


def step_check_config(root: Path, amtool: Tool) -> Step:
    step = Step("amtool check-config", tool=amtool)
    cmd = [amtool.path, "check-config", "alertmanager/alertmanager.yml"]
    start = time.perf_counter()
    proc = run_logged(cmd, amtool, "amtool check-config", root, step.warnings)
    case = Case("alertmanager/alertmanager.yml", proc.returncode == 0, time.perf_counter() - start)
    if not case.ok:
        exc = ToolError(cmd, proc.returncode, proc.stdout, proc.stderr, "amtool check-config")
        # stderr only says `amtool: error: failed to validate 1 file(s)`: the reason is on stdout
        case.message = check_config_reason(proc.stdout) or first_line(proc.stderr) or f"exit code {proc.returncode}"
        case.output = exc.describe()
    step.cases = [case]
    return step


# --- template rendering --------------------------------------------------------------------------


DEFAULT_NOTE = TEMPLATE_DEFAULT_NOTE


SEPARATOR = "@@callalert-field-separator@@"


def _data_note(data: Path) -> str:
    # the data file lives in a temporary directory: keep its content, not only its name
    return "template data: " + data.read_text(encoding="utf-8")


def _empty_check(case: Case, name: str, text: str, cmd: Sequence[str], data: Path) -> Case:
    if text.strip() or name not in MUST_HAVE_TEXT:
        return case
    case.ok = False
    case.message = f"renders to empty text; a {name} must say something"
    case.output = f"{shlex.join(cmd)}\nrendered an empty {name!r}"
    case.data = _data_note(data)
    return case


def render_plan(
    reaches: Sequence[tuple[str, Sequence[str]]], receivers: Sequence[str]
) -> tuple[list[tuple[str, str]], list[str]]:
    """(alert, receiver) pairs whose templates `check` renders: every alert with each receiver of
    `receivers` (the ones with templated fields) its labels reach, and a receiver no alert reaches
    with the first alert, so its templates are still proven. Linear in alerts: no sampling.
    Also returns the receivers no alert reaches."""
    wanted = dict.fromkeys(receivers)
    pairs: list[tuple[str, str]] = []
    reached: set[str] = set()
    for alert, names in reaches:
        for receiver in names:
            if receiver in wanted:
                pairs.append((alert, receiver))
                reached.add(receiver)
    unreached = [r for r in wanted if r not in reached]
    if reaches:
        pairs += [(reaches[0][0], r) for r in unreached]
    return pairs, unreached


_FIELD_PATH_RE = re.compile(r"^receivers\.(?P<name>.+?)\.(?P<key>[a-z0-9]+_configs)\[(?P<i>\d+)\](?P<rest>(?:\.[^.]+)*)$")
_TEMPLATE_POS_RE = re.compile(r"^template: (?P<file>[^:\s]+):(?P<line>\d+):(?P<col>\d+): (?P<rest>.*)$")


def template_problems(
    model: Model, cases: Sequence[Case], problem: Callable[..., Problem], texts: Mapping[str, str]
) -> list[Problem]:
    """One positioned problem per distinct template failure: at the line of the user's template file
    when amtool names one (`template: slack.tmpl:1:68: ...`), else at the receiver field in the spec."""
    groups: dict[str, list[Case]] = {}
    for case in cases:
        if not case.ok and case.subject:
            groups.setdefault(case.message, []).append(case)
    files = {tf.name: tf for tf in model.templates.files}
    out: list[Problem] = []
    for message, group in groups.items():
        subject = group[0].subject.removesuffix(DEFAULT_NOTE)
        found = _FIELD_PATH_RE.match(subject)
        key: KeyPath = ("receivers",)
        if found:
            key = ("receivers", found["name"], found["key"], int(found["i"]))
            if not group[0].subject.endswith(DEFAULT_NOTE):
                key = (*key, *(part for part in found["rest"].split(".") if part))
        count = f" ({plural(len(group), 'render')} failed; first {group[0].sample})"
        where = _TEMPLATE_POS_RE.match(message)
        in_file = where is not None and where["file"] in files
        text = where["rest"] if where is not None and in_file else message
        if group[0].subject.endswith(DEFAULT_NOTE) and found:
            field_name = found["rest"].rsplit(".", 1)[-1]
            text = f"{field_name} is unset, so Alertmanager renders its default {texts.get(group[0].subject, '')}: {text}"
        base = problem(key, text + count, d.TEMPLATE_RENDER)
        if where is not None and in_file:
            tf = files[where["file"]]
            base = Problem(tf.display, int(where["line"]), int(where["col"]), base.level, base.message, base.rule, base.key)
        out.append(base)
    return out


def step_templates(
    root: Path, model: Model, config: Mapping[str, Any], tool: Tool, scratch: Path, problem: Callable[..., Problem] | None = None
) -> Step:
    amtool = tool.path
    step = Step("amtool template render", tool=tool)
    # the fields the config sets, and the ones Alertmanager fills with its defaults: a template file
    # that redefines slack.default.text changes every Slack receiver without `text:`
    fields = templated_fields(config) + default_fields(config, model.am_version)
    if not fields:
        step.skipped = "no receiver field uses a template"
        return step
    if not model.alerts:
        step.skipped = "the spec has no alerts to render templates with"
        return step
    am_dir = root / "alertmanager"
    globs: list[str] = []
    default = default_template_file(tool)
    if default.is_file():
        # Debian's amtool has no built-in templates; upstream builds embed the same file
        globs.append(str(default))
    elif not tool.build.embeds_templates:
        step.warnings.append(
            f"{tool_label(tool)} ({tool.build.describe()}, {tool.path}) has no built-in templates and its "
            f"default.tmpl is not beside it ({default}): Alertmanager's default template names are undefined here"
        )
    for pattern in config.get("templates") or []:
        globs.append(str(pattern) if os.path.isabs(str(pattern)) else str(am_dir / str(pattern)))
    tree = build_route_tree(config, model.am_version)
    samples = {alert.name: alert_sample(alert, tree, model.defaults.external_labels) for alert in model.alerts}
    pairs, unreached = render_plan(
        [(alert.name, samples[alert.name].receivers) for alert in model.alerts], [f[0] for f in fields]
    )
    data_files: dict[tuple[str, str, str], Path] = {}
    for alert_name, receiver in pairs:
        for status in ("firing", "resolved"):
            path = scratch / f"data-{len(data_files)}.json"
            data = sample_data(samples[alert_name], receiver, tree, status)
            path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            data_files[(alert_name, receiver, status)] = path

    def command(texts: Sequence[str], data: Path, html: bool) -> list[str]:
        return render_command(amtool, globs, SEPARATOR.join(texts), data, html)

    def one(field: tuple[str, str, str, str], alert: str, status: str, html: bool) -> Case:
        receiver, path, name, text = field
        data = data_files[(alert, receiver, status)]
        cmd = command([text], data, html)
        label = f"{path} with {alert} ({status})"
        start = time.perf_counter()
        proc = run_logged(cmd, tool, "amtool template render", am_dir, step.warnings)
        if proc.returncode != 0:
            exc = ToolError(cmd, proc.returncode, proc.stdout, proc.stderr, "amtool template render")
            message = first_line(exc.stderr) or first_line(exc.stdout) or f"exit code {exc.rc}"
            message = message.removeprefix("amtool: error: ")
            return Case(
                label, False, time.perf_counter() - start, message, exc.describe(), _data_note(data), path, f"{alert} ({status})"
            )
        case = Case(label, True, time.perf_counter() - start, subject=path, sample=f"{alert} ({status})")
        return _empty_check(case, name, proc.stdout, cmd, data)

    def batch(fields_: list[tuple[str, str, str, str]], alert: str, status: str, html: bool) -> list[Case]:
        # One amtool run renders all fields of a receiver for one alert and status, separated by a
        # marker. A failure (rare) is narrowed down by halves to the fields that broke, so one bad
        # template among a receiver's dozen default fields costs a few more runs, not one per field.
        receiver = fields_[0][0]
        data = data_files[(alert, receiver, status)]
        cmd = command([f[3] for f in fields_], data, html)
        start = time.perf_counter()
        proc = run_logged(cmd, tool, "amtool template render", am_dir, step.warnings)
        parts = proc.stdout.split(SEPARATOR)
        if proc.returncode != 0 or len(parts) != len(fields_):
            if len(fields_) == 1:
                return [one(fields_[0], alert, status, html)]
            half = len(fields_) // 2
            return batch(fields_[:half], alert, status, html) + batch(fields_[half:], alert, status, html)
        each = (time.perf_counter() - start) / len(fields_)
        return [
            _empty_check(
                Case(f"{f[1]} with {alert} ({status})", True, each, subject=f[1], sample=f"{alert} ({status})"),
                f[2],
                part,
                command([f[3]], data, html),
                data,
            )
            for f, part in zip(fields_, parts, strict=True)
        ]

    groups: dict[str, dict[bool, list[tuple[str, str, str, str]]]] = {}
    for f in fields:
        groups.setdefault(f[0], {}).setdefault(f[2] == "html", []).append(f)  # email `html` is an html/template
    jobs: list[Callable[[], list[Case]]] = []
    renders = 0
    for alert_name, receiver in pairs:
        for status in ("firing", "resolved"):
            for html, group in groups[receiver].items():
                renders += len(group)
                jobs.append(lambda g=group, a=alert_name, s=status, h=html: batch(g, a, s, h))  # type: ignore[misc]
    if len(jobs) <= 1:
        results = [job() for job in jobs]
    else:
        with ThreadPoolExecutor(max_workers=_workers()) as pool:
            results = list(pool.map(lambda job: job(), jobs))
    order = {f[1]: i for i, f in enumerate(fields)}
    step.cases = sorted((c for r in results for c in r), key=lambda c: order.get(c.name.split(" with ")[0], 0))
    if problem is not None:
        step.problems = template_problems(model, step.cases, problem, {f[1]: f[3] for f in fields})
    defaults = sum(1 for f in fields if f[1].endswith(DEFAULT_NOTE))
    counted = plural(len(fields), "templated field") + (f" ({defaults} of them Alertmanager's defaults)" if defaults else "")
    step.note = (
        f"{counted} × {plural(len(model.alerts), 'alert')} × firing/resolved, each alert with the receivers it reaches: "
        f"{plural(renders, 'render')} in {plural(len(jobs), 'amtool run')}"
    )
    if unreached:
        step.note += f"; {', '.join(unreached)} reached by no alert: rendered with {model.alerts[0].name}"
    return step


# --- routing tests -----------------------------------------------------------------------------


def _matcher_arg(name: str, value: str) -> str:
    # name="value" (a name with characters the UTF-8 parser reserves quoted too, Alertmanager ≥ 0.27)
    return format_matcher(name, "=", value)


def routing_mismatch(expected: Sequence[str], got: Sequence[str], verb: str = "got") -> str:
    text = f"expected {routing_tests.receivers_text(expected)}, {verb} {routing_tests.receivers_text(got)}"
    if list(expected) != list(got) and sorted(expected) == sorted(got):
        text += (
            " (the same receivers in another order: Alertmanager notifies in route order, and the test lists them in that order)"
        )
    return text


def step_routing_amtool(root: Path, model: Model, tool: Tool, problem: Callable[..., Problem] | None = None) -> Step:
    amtool = tool.path
    step = Step("routing tests (amtool)", tool=tool)
    tests = model.tests.routing
    if not tests:
        step.skipped = "the spec has no routing tests (tests.routing)"
        return step
    jobs: list[Callable[[], Case]] = []
    engine_only = 0
    for i, test in enumerate(tests):
        if routing_tests.engine_only(test):
            engine_only += 1
            continue
        labels = routing_tests.routing_labels(model, test)
        name = routing_tests.routing_test_name(i, test, labels)
        cmd = [
            amtool,
            "config",
            "routes",
            "test",
            "--config.file=alertmanager/alertmanager.yml",
            f"--verify.receivers={','.join(test.receivers)}",
            *(_matcher_arg(k, v) for k, v in labels.items()),
        ]

        def job(name: str = name, cmd: list[str] = cmd, expected: tuple[str, ...] = test.receivers, index: int = i) -> Case:
            t0 = time.perf_counter()
            proc = run_logged(cmd, tool, "amtool config routes test", root, step.warnings)
            if proc.returncode == 0:
                return Case(name, True, time.perf_counter() - t0)
            got = first_line(proc.stdout)
            error = ToolError(cmd, proc.returncode, proc.stdout, proc.stderr, "amtool config routes test")
            if proc.stdout.strip().endswith("did not match resolved receivers."):
                message = routing_mismatch(expected, [r for r in got.split(",") if r], "amtool routes to")
                if problem is not None:
                    positioned.append(problem(("tests", "routing", index), message, d.ROUTING_TEST_FAILED))
            else:
                message = first_line(proc.stderr) or got or f"exit code {proc.returncode}"
            return Case(name, False, time.perf_counter() - t0, message, error.describe())

        jobs.append(job)
    positioned: list[Problem] = []
    step.cases = _parallel(jobs)
    step.problems = sorted(positioned)
    step.note = plural(len(jobs), "test")
    if engine_only:
        step.note += (
            f"; {engine_only} with firing/at run by the engine only "
            f"({tool_label(tool)} `config routes test` knows no inhibition, time or silences)"
        )
    return step


def step_routing_engine(
    model: Model, config: Mapping[str, Any], tree: Route, problem: Callable[..., Problem] | None = None
) -> Step:
    step = Step("routing tests (engine)")
    tests = model.tests.routing
    if not tests:
        step.skipped = "the spec has no routing tests (tests.routing)"
        return step
    for i, test in enumerate(tests):
        start = time.perf_counter()
        labels = routing_tests.routing_labels(model, test)
        name = routing_tests.routing_test_name(i, test, labels)
        outcome = routing_tests.evaluate_routing(model, config, tree, test)
        ok = outcome.receivers == list(test.receivers)
        message = ""
        output = ""
        if not ok:
            message = routing_mismatch(test.receivers, outcome.receivers)
            if problem is not None:
                step.problems.append(problem(test.key, message, d.ROUTING_TEST_FAILED))
            lines = [f"tests.routing[{i}] labels: {routing_tests.labels_text(labels)}"]
            for source in test.firing:
                lines.append(f"  firing: {routing_tests.labels_text(source)}")
            if test.at is not None:
                lines.append(f"  at: {test.at.isoformat()}")
            lines.extend(f"  {why}" for why in outcome.why)
            output = "\n".join(lines)
        step.cases.append(Case(name, ok, time.perf_counter() - start, message, output))
    step.note = plural(len(tests), "test")
    return step


def step_coverage(model: Model, tree: Route) -> Step:
    step = Step("coverage")
    start = time.perf_counter()
    for name in routing_tests.untested_alerts(model):
        step.warnings.append(f"alert {name} has no rule test (tests.rules)")
    for route in routing_tests.unreached_routes(model, tree):
        what = route.matchers_text() or "no matchers"
        where = "the root route (alerts no other route takes)" if route.parent is None else f"{route.path} {what}"
        step.warnings.append(f"{where} → {route.receiver}: no routing test reaches it (tests.routing)")
    tested = len(model.alerts) - len(routing_tests.untested_alerts(model))
    routes = sum(1 for _ in tree.walk())
    reached = routes - len(routing_tests.unreached_routes(model, tree))
    step.note = f"{tested}/{len(model.alerts)} alerts tested, {reached}/{routes} routes reached"
    step.cases.append(Case("coverage", True, time.perf_counter() - start, output="\n".join(step.warnings)))
    step.seconds = time.perf_counter() - start
    return step
