"""`callalert check`: render a spec, then prove the output with the real promtool and amtool.

Steps: promtool check rules, promtool test rules (the spec's rule tests), amtool check-config,
amtool template render (every templated receiver field × every alert, firing and resolved),
routing tests (amtool and callalert's engine), coverage. Every step runs even when an earlier
one failed (except when nothing could be rendered), so one run shows every failure.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from callalert.errors import EXIT_OK, EXIT_PROBLEMS, ToolError, UsageError

if TYPE_CHECKING:
    from callalert.pipeline import Rendered
    from callalert.model.resolve import Resolved, ResolvedAlert
    from callalert.analysis.alertmanager.routing import Route

SECRET_MODES = ("placeholder", "env")
PLACEHOLDER_URL = "https://placeholder.invalid/callalert-check/{name}"
# Receiver fields whose rendered text must not be empty (a Slack message without a title, a mail
# without a subject or body, a page without a description).
MUST_HAVE_TEXT = frozenset({"title", "text", "html", "description", "message", "summary", "Subject", "channel", "to"})
STARTS_AT = "2024-01-15T10:00:00Z"
ENDS_AT = "2024-01-15T10:30:00Z"
ZERO_TIME = "0001-01-01T00:00:00Z"
EXTERNAL_URL = "http://alertmanager.example.com:9093"


# --- results ---------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    ok: bool
    seconds: float = 0.0
    message: str = ""  # one line: why it failed
    output: str = ""  # everything needed to understand it (command, exit code, stdout, stderr)


@dataclass
class Step:
    name: str
    cases: list[Case] = field(default_factory=list)
    seconds: float = 0.0
    note: str = ""
    warnings: list[str] = field(default_factory=list)
    skipped: str = ""  # why the step did not run

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


# --- secrets: placeholders so checks run without the real values ------------------------------


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


# --- running -----------------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _workers() -> int:
    return max(4, min(16, (os.cpu_count() or 2) * 4))


def _tool_case(name: str, cmd: Sequence[str], what: str, cwd: Path, timeout: float = 60.0) -> Case:
    from callalert.toolchain import run_tool

    start = time.perf_counter()
    try:
        run_tool(cmd, what=what, cwd=cwd, timeout=timeout)
    except ToolError as exc:
        first = _first_line(exc.stderr) or _first_line(exc.stdout) or f"exit code {exc.rc}"
        return Case(name, False, time.perf_counter() - start, first, exc.describe())
    return Case(name, True, time.perf_counter() - start)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("Warning: --config.file flag overrides"):
            return line
    return ""


def _parallel(jobs: Sequence[Callable[[], Case]]) -> list[Case]:
    if len(jobs) <= 1:
        return [job() for job in jobs]
    with ThreadPoolExecutor(max_workers=_workers()) as pool:
        return list(pool.map(lambda job: job(), jobs))


# --- steps -------------------------------------------------------------------------------------


def step_check_rules(root: Path, files: Sequence[str], promtool: str) -> Step:
    rules = [f for f in files if f.startswith("prometheus/rules/")]
    step = Step("promtool check rules", note=_plural(len(rules), "rule file"))
    step.cases = _parallel(
        [lambda f=f: _tool_case(f, [promtool, "check", "rules", f], "promtool check rules", root) for f in rules]  # type: ignore[misc]
    )
    return step


def step_test_rules(root: Path, files: Sequence[str], promtool: str, resolved: Resolved) -> Step:
    tests = [f for f in files if f.startswith("prometheus/tests/") and f.endswith(".test.yml")]
    step = Step("promtool test rules", note=f"{_plural(len(resolved.spec.tests.rules), 'rule test')} in {_plural(len(tests), 'file')}")
    if not tests:
        step.skipped = "the spec has no rule tests (tests.rules)"
        return step
    step.cases = _parallel(
        [lambda f=f: _tool_case(f, [promtool, "test", "rules", f], "promtool test rules", root) for f in tests]  # type: ignore[misc]
    )
    return step


def step_check_config(root: Path, amtool: str) -> Step:
    step = Step("amtool check-config")
    step.cases = [_tool_case("alertmanager/alertmanager.yml", [amtool, "check-config", "alertmanager/alertmanager.yml"], "amtool check-config", root)]
    return step


# --- template rendering --------------------------------------------------------------------------


def templated_fields(config: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(receiver, field path, field name, template text) for every receiver string holding `{{`."""
    out: list[tuple[str, str, str, str]] = []

    def walk(value: Any, path: str, name: str, receiver: str) -> None:
        if isinstance(value, str):
            if "{{" in value:
                out.append((receiver, path, name, value))
        elif isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, f"{path}.{k}", str(k), receiver)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]", name, receiver)

    for receiver in config.get("receivers") or []:
        name = str(receiver.get("name"))
        for key, value in receiver.items():
            if key != "name":
                walk(value, f"receivers.{name}.{key}", key, name)
    return out


_ACTION_RE = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
_COMPARISON_RE = re.compile(r"(>=|<=|==|!=|>|<)\s*(?:bool\s+)?([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*\)*\s*$")
_MATCHER_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')
_LABEL_READ_RE = re.compile(r"(?:\$labels|\.Labels)\.([a-zA-Z_][a-zA-Z0-9_]*)")


def plausible_value(expr: str) -> float:
    """A value the alert's expression would return while firing, from its final comparison."""
    match = _COMPARISON_RE.search(expr)
    if match is None:
        return 1.0
    op, number = match.group(1), float(match.group(2))
    if op in (">", ">="):
        return number * 1.5 if number > 0 else number + 1
    if op in ("<", "<="):
        return number * 0.5 if number > 0 else (number * 1.5 if number < 0 else -1.0)
    if op == "==":
        return number
    return number + 1


def _go_float(value: float) -> str:
    # Go's %v of a float64 (strconv 'g' with the shortest repr, no exponent for ordinary values)
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def _humanize(value: float) -> str:
    prefixes = [(1e24, "Y"), (1e21, "Z"), (1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
    if value == 0 or abs(value) >= 1:
        for factor, prefix in prefixes:
            if abs(value) >= factor:
                return f"{value / factor:.4g}{prefix}"
        return f"{value:.4g}"
    for factor, prefix in [(1e-3, "m"), (1e-6, "u"), (1e-9, "n"), (1e-12, "p")]:
        if abs(value) >= factor:
            return f"{value / factor:.4g}{prefix}"
    return f"{value:.4g}"


def render_prometheus_text(text: str, value: float, labels: Mapping[str, str], external: Mapping[str, str]) -> str:
    """Fill an annotation the way Prometheus would for sample data: `$value` (with humanize,
    humanizePercentage, printf), `$labels.x`, `$externalLabels.x`. Other actions become ""."""

    def action(match: re.Match[str]) -> str:
        body = match.group(1).strip()
        if body.startswith("/*"):
            return ""
        parts = [p.strip() for p in body.split("|")]
        head = parts[0]
        label = re.fullmatch(r"(?:\$labels|\.Labels)\.([a-zA-Z_]\w*)", head)
        if label:
            return labels.get(label.group(1), "")
        ext = re.fullmatch(r"\$externalLabels\.([a-zA-Z_]\w*)", head)
        if ext:
            return external.get(ext.group(1), "")
        printf = re.fullmatch(r'printf\s+"([^"]*)"\s+(?:\$value|\.Value)', head)
        if printf:
            try:
                return printf.group(1) % value
            except (TypeError, ValueError):
                return _go_float(value)
        if head not in ("$value", ".Value"):
            return ""
        out: str | float = value
        for fn in parts[1:]:
            if fn == "humanize":
                out = _humanize(float(out))
            elif fn == "humanizePercentage":
                out = f"{float(out) * 100:.4g}%"
            elif fn == "humanize1024":
                out = f"{float(out):.4g}"
            elif fn == "humanizeDuration":
                out = f"{float(out):.4g}s"
            elif fn.startswith("printf"):
                fmt = re.fullmatch(r'printf\s+"([^"]*)"', fn)
                out = fmt.group(1) % float(out) if fmt else out
        return _go_float(out) if isinstance(out, float) else out

    return _ACTION_RE.sub(action, text)


def alert_labels(resolved: Resolved, alert: ResolvedAlert) -> dict[str, str]:
    """Plausible labels of a firing instance: the rule's labels plus what its expression keeps."""
    labels: dict[str, str] = {"alertname": alert.name, **alert.labels}
    try:
        from callalert.analysis.promql import output_labels

        info = output_labels(alert.expr)
        keep: Callable[[str], bool] = lambda name: info.can_have(name) is not False  # noqa: E731
        open_ = info.open
        certain = set(info.certain)
    except Exception:  # an expression the analyser does not know: assume its labels pass through
        keep, open_, certain = (lambda name: True), True, set()
    candidates: dict[str, str] = {}
    for name, value in _MATCHER_RE.findall(alert.expr):
        if name != "__name__":
            candidates.setdefault(name, value)
    if open_:
        candidates.setdefault("instance", "app-server-01:9100")
        candidates.setdefault("job", "node")
    for text in alert.annotations.values():
        for name in _LABEL_READ_RE.findall(text):
            candidates.setdefault(name, f"example-{name}")
    for name in certain:
        candidates.setdefault(name, f"example-{name}")
    for name, value in candidates.items():
        if name not in labels and not name.startswith("__") and keep(name):  # alerts never carry __name__
            labels[name] = value
    return labels


def template_data(resolved: Resolved, alert: ResolvedAlert, receiver: str, root: Route, status: str) -> dict[str, Any]:
    from callalert.analysis.alertmanager.routing import match_routes

    labels = alert_labels(resolved, alert)
    external = resolved.spec.defaults.external_labels
    value = plausible_value(alert.expr)
    annotations = {k: render_prometheus_text(v, value, labels, external) for k, v in alert.annotations.items()}
    routes = match_routes(root, labels)
    route = next((r for r in routes if r.receiver == receiver), root)
    group_labels = dict(labels) if route.group_by_all else {k: labels[k] for k in route.group_by if k in labels}
    firing = status == "firing"
    item = {
        "status": status,
        "labels": labels,
        "annotations": annotations,
        "startsAt": STARTS_AT,
        "endsAt": ZERO_TIME if firing else ENDS_AT,
        "generatorURL": "http://prometheus.example.com:9090/graph?g0.expr=" + _url_quote(alert.expr),
        "fingerprint": hashlib.sha256(f"{alert.name}{sorted(labels.items())}".encode()).hexdigest()[:16],
    }
    return {
        "receiver": receiver,
        "status": status,
        "alerts": [item],
        "groupLabels": group_labels,
        "commonLabels": labels,
        "commonAnnotations": annotations,
        "externalURL": EXTERNAL_URL,
    }


def _url_quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def default_template_file(amtool: str) -> Path | None:
    """Alertmanager's own default.tmpl when it lives beside the binaries (Debian's amtool 0.25 does
    not load it, Debian's alertmanager does; upstream builds embed it in both)."""
    real = Path(os.path.realpath(amtool))
    for candidate in (real.parent.parent / "share/prometheus/alertmanager/default.tmpl", Path("/usr/share/prometheus/alertmanager/default.tmpl")):
        if candidate.is_file():
            return candidate
    return None


SEPARATOR = "@@callalert-field-separator@@"


def _data_note(data: Path) -> str:
    # the data file lives in a temporary directory: show its content, not only its name
    return "\ntemplate data: " + data.read_text(encoding="utf-8")


def _empty_check(case: Case, name: str, text: str, cmd: Sequence[str], data: Path) -> Case:
    if text.strip() or name not in MUST_HAVE_TEXT:
        return case
    case.ok = False
    case.message = f"renders to empty text; a {name} must say something"
    case.output = f"{shlex.join(cmd)}\nrendered an empty {name!r}" + _data_note(data)
    return case


COVERAGE_SHOWN = 50  # coverage warnings printed; --junit has them all

# Above this many alerts, template renders use one representative per alert shape, so a
# 10,000-alert spec does not mean ~100,000 amtool runs.
TEMPLATE_ALERTS_ALL = 200


def representative_alerts(alerts: Sequence[Any], limit: int = TEMPLATE_ALERTS_ALL) -> list[Any]:
    """All alerts when there are at most `limit`; otherwise the first alert of each shape:
    (severity, category, label names, annotation names). Templates branch on which labels and
    annotations exist and on severity/category; alerts of one shape render the same way."""
    if len(alerts) <= limit:
        return list(alerts)
    seen: dict[tuple[Any, ...], Any] = {}
    for alert in alerts:
        shape = (alert.severity, alert.category, tuple(sorted(alert.labels)), tuple(sorted(alert.annotations)))
        seen.setdefault(shape, alert)
    return list(seen.values())


def step_templates(root: Path, resolved: Resolved, config: Mapping[str, Any], amtool: str, scratch: Path) -> Step:
    from callalert.analysis.alertmanager.routing import build_route_tree

    step = Step("amtool template render")
    fields = templated_fields(config)
    if not fields:
        step.skipped = "no receiver field uses a template"
        return step
    if not resolved.alerts:
        step.skipped = "the spec has no alerts to render templates with"
        return step
    am_dir = root / "alertmanager"
    globs: list[str] = []
    default = default_template_file(amtool)
    if default is not None:
        globs.append(str(default))
    for pattern in config.get("templates") or []:
        globs.append(str(pattern) if os.path.isabs(str(pattern)) else str(am_dir / str(pattern)))
    tree = build_route_tree(config)
    alerts = representative_alerts(resolved.alerts)
    data_files: dict[tuple[str, str, str], Path] = {}
    for alert in alerts:
        for receiver in {f[0] for f in fields}:
            for status in ("firing", "resolved"):
                path = scratch / f"data-{len(data_files)}.json"
                path.write_text(json.dumps(template_data(resolved, alert, receiver, tree, status), ensure_ascii=False), encoding="utf-8")
                data_files[(alert.name, receiver, status)] = path

    from callalert.toolchain import run_tool

    def command(texts: Sequence[str], data: Path, html: bool) -> list[str]:
        cmd = [amtool, "template", "render", *(f"--template.glob={g}" for g in globs)]
        cmd += [f"--template.text={SEPARATOR.join(texts)}", f"--template.data={data}"]
        return cmd + (["--template.type=html"] if html else [])

    def one(field: tuple[str, str, str, str], alert: str, status: str, html: bool) -> Case:
        receiver, path, name, text = field
        data = data_files[(alert, receiver, status)]
        cmd = command([text], data, html)
        label = f"{path} with {alert} ({status})"
        start = time.perf_counter()
        try:
            proc = run_tool(cmd, what="amtool template render", cwd=am_dir)
        except ToolError as exc:
            message = _first_line(exc.stderr) or _first_line(exc.stdout) or f"exit code {exc.rc}"
            message = message.removeprefix("amtool: error: ")
            return Case(label, False, time.perf_counter() - start, message, exc.describe() + _data_note(data))
        return _empty_check(Case(label, True, time.perf_counter() - start), name, proc.stdout, cmd, data)

    def batch(fields_: list[tuple[str, str, str, str]], alert: str, status: str, html: bool) -> list[Case]:
        # One amtool run renders all fields of a receiver for one alert; only a failure (rare)
        # costs one run per field, to say which field broke.
        receiver = fields_[0][0]
        data = data_files[(alert, receiver, status)]
        cmd = command([f[3] for f in fields_], data, html)
        start = time.perf_counter()
        proc = run_tool(cmd, what="amtool template render", cwd=am_dir, check=False)
        parts = proc.stdout.split(SEPARATOR)
        if proc.returncode != 0 or len(parts) != len(fields_):
            return [one(f, alert, status, html) for f in fields_]
        each = (time.perf_counter() - start) / len(fields_)
        return [
            _empty_check(Case(f"{f[1]} with {alert} ({status})", True, each), f[2], part, command([f[3]], data, html), data)
            for f, part in zip(fields_, parts, strict=True)
        ]

    by_receiver: dict[tuple[str, bool], list[tuple[str, str, str, str]]] = {}
    for f in fields:
        by_receiver.setdefault((f[0], f[2] == "html"), []).append(f)  # email `html` is an html/template
    jobs: list[Callable[[], list[Case]]] = []
    for (receiver, html), group in by_receiver.items():
        for alert in alerts:
            for status in ("firing", "resolved"):
                jobs.append(lambda g=group, a=alert.name, s=status, h=html: batch(g, a, s, h))  # type: ignore[misc]
    if len(jobs) <= 1:
        results = [job() for job in jobs]
    else:
        with ThreadPoolExecutor(max_workers=_workers()) as pool:
            results = list(pool.map(lambda job: job(), jobs))
    order = {f[1]: i for i, f in enumerate(fields)}
    step.cases = sorted((c for r in results for c in r), key=lambda c: order.get(c.name.split(" with ")[0], 0))
    shown = _plural(len(alerts), "alert")
    if len(alerts) < len(resolved.alerts):
        shown += f" (one per shape, of {len(resolved.alerts)})"
    step.note = f"{_plural(len(fields), 'templated field')} × {shown} × firing/resolved"
    return step


# --- routing tests -----------------------------------------------------------------------------


def _matcher_arg(name: str, value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'{name}="{escaped}"'


def step_routing_amtool(root: Path, resolved: Resolved, amtool: str) -> Step:
    from callalert.check import spec_tests

    step = Step("routing tests (amtool)")
    tests = resolved.spec.tests.routing
    if not tests:
        step.skipped = "the spec has no routing tests (tests.routing)"
        return step
    jobs: list[Callable[[], Case]] = []
    engine_only = 0
    for i, test in enumerate(tests):
        if spec_tests.engine_only(test):
            engine_only += 1
            continue
        labels = spec_tests.routing_labels(resolved, test)
        name = spec_tests.routing_test_name(i, test, labels)
        cmd = [
            amtool, "config", "routes", "test", "--config.file=alertmanager/alertmanager.yml",
            f"--verify.receivers={','.join(test.receivers)}",
            *(_matcher_arg(k, v) for k, v in labels.items()),
        ]

        def job(name: str = name, cmd: list[str] = cmd, expected: list[str] = list(test.receivers)) -> Case:
            from callalert.toolchain import run_tool

            t0 = time.perf_counter()
            proc = run_tool(cmd, what="amtool config routes test", cwd=root, check=False)
            if proc.returncode == 0:
                return Case(name, True, time.perf_counter() - t0)
            got = _first_line(proc.stdout)
            error = ToolError(cmd, proc.returncode, proc.stdout, proc.stderr, "amtool config routes test")
            if proc.stdout.strip().endswith("did not match resolved receivers."):
                message = f"expected {spec_tests.receivers_text(expected)}, amtool routes to [{got.replace(',', ', ')}]"
            else:
                message = _first_line(proc.stderr) or got or f"exit code {proc.returncode}"
            return Case(name, False, time.perf_counter() - t0, message, error.describe())

        jobs.append(job)
    step.cases = _parallel(jobs)
    step.note = _plural(len(jobs), "test")
    if engine_only:
        step.note += f"; {engine_only} with firing/at run by the engine only (amtool 0.25 knows no inhibition, time or silences)"
    return step


def step_routing_engine(resolved: Resolved, config: Mapping[str, Any], tree: Route) -> Step:
    from callalert.check import spec_tests

    step = Step("routing tests (engine)")
    tests = resolved.spec.tests.routing
    if not tests:
        step.skipped = "the spec has no routing tests (tests.routing)"
        return step
    for i, test in enumerate(tests):
        start = time.perf_counter()
        labels = spec_tests.routing_labels(resolved, test)
        name = spec_tests.routing_test_name(i, test, labels)
        outcome = spec_tests.evaluate_routing(resolved, config, tree, test)
        ok = outcome.receivers == list(test.receivers)
        message = ""
        output = ""
        if not ok:
            message = f"expected {spec_tests.receivers_text(test.receivers)}, got {spec_tests.receivers_text(outcome.receivers)}"
            lines = [f"tests.routing[{i}] labels: {spec_tests.labels_text(labels)}"]
            for source in test.firing:
                lines.append(f"  firing: {spec_tests.labels_text(source)}")
            if test.at is not None:
                lines.append(f"  at: {test.at.isoformat()}")
            lines.extend(f"  {why}" for why in outcome.why)
            output = "\n".join(lines)
        step.cases.append(Case(name, ok, time.perf_counter() - start, message, output))
    step.note = _plural(len(tests), "test")
    return step


def step_coverage(resolved: Resolved, tree: Route) -> Step:
    from callalert.check import spec_tests

    step = Step("coverage")
    start = time.perf_counter()
    for name in spec_tests.untested_alerts(resolved):
        step.warnings.append(f"alert {name} has no rule test (tests.rules)")
    for route in spec_tests.unreached_routes(resolved, tree):
        what = route.matchers_text() or "no matchers"
        where = "the root route (alerts no other route takes)" if route.parent is None else f"{route.path} {what}"
        step.warnings.append(f"{where} → {route.receiver}: no routing test reaches it (tests.routing)")
    tested = len(resolved.alerts) - len(spec_tests.untested_alerts(resolved))
    routes = sum(1 for _ in tree.walk())
    reached = routes - len(spec_tests.unreached_routes(resolved, tree))
    step.note = f"{tested}/{len(resolved.alerts)} alerts tested, {reached}/{routes} routes reached"
    step.cases.append(Case("coverage", True, time.perf_counter() - start, output="\n".join(step.warnings)))
    step.seconds = time.perf_counter() - start
    return step


# --- the command -------------------------------------------------------------------------------


class Progress:
    """Live progress on a TTY (rich spinner), plain lines otherwise (CI, pipes, tests)."""

    def __init__(self, stream: TextIO, live: bool) -> None:
        self.stream = stream
        self.live = live
        self._status: Any = None
        self._console: Any = None
        if live:
            from rich.console import Console

            self._console = Console(file=stream, highlight=False)

    def start(self, name: str) -> None:
        if self._console is not None:
            self._status = self._console.status(f"{name} …")
            self._status.start()

    def done(self, step: Step) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
        mark = {"ok": "ok", "warning": "ok (warnings)", "FAILED": "FAILED", "skipped": "skipped"}[step.status]
        extra = step.skipped or step.note
        line = f"{step.name}: {mark} in {step.seconds:.2f}s" + (f" ({extra})" if extra else "")
        if self._console is not None:
            style = {"ok": "green", "warning": "yellow", "FAILED": "bold red", "skipped": "dim"}[step.status]
            self._console.print(f"[{style}]{line}[/]", markup=True, highlight=False)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()


def _is_live(stream: TextIO) -> bool:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"} or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


@dataclass
class CheckResult:
    steps: list[Step]
    out_dir: Path

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)


def run_check(
    specs: Sequence[Path],
    *,
    out: Path | None = None,
    secrets: str = "placeholder",
    progress: Progress | None = None,
    overlays: Sequence[Path] = (),
) -> tuple[CheckResult | None, Rendered | None, list[Any]]:
    """Render and check. Returns (result, rendered, spec problems); result is None when the spec is invalid."""
    from callalert.pipeline import SpecInvalid, render_spec
    from callalert.render.context import RenderContext
    from callalert.toolchain import find_tool

    if secrets not in SECRET_MODES:
        raise UsageError(f"unknown --secrets {secrets!r}; choose {' or '.join(SECRET_MODES)}")
    promtool, amtool = find_tool("promtool"), find_tool("amtool")  # exit 2 before any work
    progress = progress or Progress(sys.stderr, False)

    progress.start("render")
    start = time.perf_counter()
    ctx = RenderContext(secrets="env", environ=_Placeholders(dict(os.environ), use_env=secrets == "env"))
    try:
        rendered = render_spec(specs, ctx=ctx, overlays=overlays)
    except SpecInvalid as exc:
        step = Step("render", [Case("render", False, time.perf_counter() - start, f"{len(exc.problems)} problem(s) in the spec")])
        step.seconds = time.perf_counter() - start
        progress.done(step)
        return None, None, exc.problems

    with tempfile.TemporaryDirectory(prefix="callalert-check-") as tmp:
        tmp_path = Path(tmp)
        root = out.resolve() if out is not None else tmp_path / "out"
        from callalert.write import write_tree

        write_tree(root, rendered.files, private=rendered.ctx.has_inline_secrets)
        where = str(root) if out is not None else "a temporary directory; --out keeps them"
        render_step = Step("render", [Case("render", True, time.perf_counter() - start)], note=f"{len(rendered.files)} files in {where}")
        render_step.seconds = time.perf_counter() - start
        progress.done(render_step)
        steps = [render_step]
        resolved = rendered.validated.resolved
        import yaml

        config = yaml.safe_load(rendered.files["alertmanager/alertmanager.yml"])
        from callalert.analysis.alertmanager.routing import build_route_tree

        tree = build_route_tree(config)
        scratch = tmp_path / "data"
        scratch.mkdir()
        files = sorted(rendered.files)
        runners: list[tuple[str, Callable[[], Step]]] = [
            ("promtool check rules", lambda: step_check_rules(root, files, promtool)),
            ("promtool test rules", lambda: step_test_rules(root, files, promtool, resolved)),
            ("amtool check-config", lambda: step_check_config(root, amtool)),
            ("amtool template render", lambda: step_templates(root, resolved, config, amtool, scratch)),
            ("routing tests (amtool)", lambda: step_routing_amtool(root, resolved, amtool)),
            ("routing tests (engine)", lambda: step_routing_engine(resolved, config, tree)),
            ("coverage", lambda: step_coverage(resolved, tree)),
        ]
        for name, runner in runners:
            progress.start(name)
            t0 = time.perf_counter()
            step = runner()
            step.seconds = time.perf_counter() - t0
            progress.done(step)
            steps.append(step)
        return CheckResult(steps, root), rendered, rendered.warnings


def failure_report(steps: Sequence[Step]) -> str:
    lines: list[str] = []
    for step in steps:
        for case in step.failed:
            lines.append(f"FAILED {step.name}: {case.name}: {case.message}")
            if case.output:
                lines.extend("    " + line for line in case.output.splitlines())
    return "\n".join(lines) + ("\n" if lines else "")


def _step_outcome(step: Step) -> tuple[str, str, str]:
    """(kind, result, details) of a step; kind is skipped, failed, warning or ok."""
    if step.skipped:
        return "skipped", "skipped", step.skipped
    if not step.ok:
        return "failed", "FAILED", f"{len(step.failed)} of {len(step.cases)} failed"
    if step.warnings:
        return "warning", f"{len(step.warnings)} warning(s)", step.note
    return "ok", "ok", step.note


def summary_table(steps: Sequence[Step]) -> str:
    rows = [("step", "result", "time", "details")]
    for step in steps:
        _, result, details = _step_outcome(step)
        rows.append((step.name, result, f"{step.seconds:.2f}s", details))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    out = []
    for r in rows:
        out.append("  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3])
    return "\n".join(line.rstrip() for line in out) + "\n"


def _rich_summary(steps: Sequence[Step], stream: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="callalert check")
    for col in ("step", "result", "time", "details"):
        table.add_column(col, justify="right" if col == "time" else "left")
    style = {"skipped": "dim", "failed": "bold red", "warning": "yellow", "ok": "green"}
    for step in steps:
        kind, result, details = _step_outcome(step)
        table.add_row(step.name, f"[{style[kind]}]{result}[/]", f"{step.seconds:.2f}s", details)
    Console(file=stream).print(table)


def cmd_check(specs: Sequence[Path], out: Path | None, junit: Path | None, secrets: str, overlays: Sequence[Path] = ()) -> int:
    from callalert.cli.commands import report
    from callalert.diagnostics import summary

    live = _is_live(sys.stderr)
    progress = Progress(sys.stderr, live)
    total = time.perf_counter()
    result, _rendered, problems = run_check(specs, out=out, secrets=secrets, progress=progress, overlays=overlays)
    report(problems, "text")
    if result is None:
        sys.stderr.write(f"{summary(problems)}; nothing checked\n")
        if junit is not None:
            from callalert.check.junit import write_junit

            write_junit(junit, [Step("render", [Case("render", False, 0.0, f"{len(problems)} problem(s) in the spec", "".join(p.format() + "\n" for p in problems))])])
        return EXIT_PROBLEMS
    steps = result.steps
    for step in steps:
        if step.name == "coverage":
            for warning in step.warnings[:COVERAGE_SHOWN]:
                sys.stdout.write(f"warning: coverage: {warning}\n")
            if len(step.warnings) > COVERAGE_SHOWN:
                sys.stdout.write(f"warning: coverage: ... and {len(step.warnings) - COVERAGE_SHOWN} more (see --junit for all)\n")
    sys.stdout.write(failure_report(steps))
    if live and sys.stdout.isatty():
        _rich_summary(steps, sys.stdout)
    else:
        sys.stdout.write(summary_table(steps))
    if junit is not None:
        from callalert.check.junit import write_junit

        write_junit(junit, steps)
    elapsed = time.perf_counter() - total
    failed = [s for s in steps if not s.ok]
    if failed:
        cases = sum(len(s.failed) for s in failed)
        sys.stderr.write(f"check failed: {cases} failure(s) in {', '.join(s.name for s in failed)} ({elapsed:.2f}s)\n")
        return EXIT_PROBLEMS
    where = f" in {result.out_dir}" if out is not None else ""
    sys.stderr.write(f"check passed{where} ({elapsed:.2f}s)\n")
    return EXIT_OK
