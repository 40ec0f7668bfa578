"""How `callalert check` shows its steps: progress while running, failures, a summary table, JUnit XML."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from callalert.check.steps import Case, Step, ToolchainRun, tool_label
from callalert.toolchain import Tool

COVERAGE_SHOWN = 50  # coverage warnings printed; --junit has them all


class Progress:
    """Live progress on a TTY (rich spinner), plain lines otherwise (CI, pipes, tests)."""

    def __init__(self, stream: TextIO, live: bool) -> None:
        self.stream = stream
        self.live = live
        self._status: Any = None
        self._console: Any = None
        self.prefix = ""
        if live:
            from rich.console import Console

            self._console = Console(file=stream, highlight=False)

    def begin_run(self, toolchain: str, tools: str) -> None:
        """A run's tools; `toolchain` (with `--toolchain all`) prefixes each of its lines."""
        self.prefix = f"[{toolchain}] " if toolchain else ""
        self._line(f"{self.prefix}tools: {tools}", "dim")

    def _line(self, line: str, style: str) -> None:
        if self._console is not None:
            self._console.print(f"[{style}]{line}[/]", markup=True, highlight=False)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()

    def start(self, name: str) -> None:
        if self._console is not None:
            self._status = self._console.status(f"{self.prefix}{name} …")
            self._status.start()

    def done(self, step: Step) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
        mark = {"ok": "ok", "warning": "ok (warnings)", "FAILED": "FAILED", "skipped": "skipped"}[step.status]
        extra = step.skipped or step.note
        line = f"{self.prefix}{step.name}: {mark} in {step.seconds:.2f}s" + (f" ({extra})" if extra else "")
        self._line(line, {"ok": "green", "warning": "yellow", "FAILED": "bold red", "skipped": "dim"}[step.status])


def is_live(stream: TextIO) -> bool:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"} or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _patch_note(tool: Tool, output: str) -> list[str]:
    """The distribution patches of `tool` that its failure output points at."""
    patches = [p for p in tool.build.patches if p.explains(output)]
    if not patches:
        return []
    lines = [f"note: {tool_label(tool)} is a {tool.build.describe()} with a distribution patch:"]
    lines += [f"  {patch.name}: {patch.effect}" for patch in patches]
    return lines


SHOWN_NAMES = 5


def _names(items: Sequence[str]) -> str:
    shown = ", ".join(items[:SHOWN_NAMES])
    return shown + (f", … ({len(items)} in all)" if len(items) > SHOWN_NAMES else "")


def _group_note(cases: Sequence[Case]) -> str:
    """What else failed the same way: `31 more: 2 fields × 8 alerts × firing/resolved (fields: ...; alerts: ...)`."""
    subjects = list(dict.fromkeys(c.subject for c in cases if c.subject))
    samples = list(dict.fromkeys(c.sample for c in cases if c.sample))
    if not subjects or not samples:
        return f"and {len(cases) - 1} more with the same error: " + _names([c.name for c in cases[1:]])
    alerts = list(dict.fromkeys(s.rsplit(" (", 1)[0] for s in samples))
    statuses = list(dict.fromkeys(s.rsplit(" (", 1)[-1].rstrip(")") for s in samples))
    shape = " × ".join(
        [
            f"{len(subjects)} field{'s' if len(subjects) != 1 else ''}",
            f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}",
            "/".join(statuses),
        ]
    )
    return f"and {len(cases) - 1} more with the same error ({shape}): fields {_names(subjects)}; alerts {_names(alerts)}"


def failure_report(steps: Sequence[Step], toolchain: str = "") -> str:
    """One block per distinct failure of a step: a template bug that breaks every render shows once,
    with how many renders it broke, not once per field × alert × status. With `toolchain` (`--toolchain
    all`), each block names the toolchain it failed on."""
    lines: list[str] = []
    tag = f" [{toolchain}]" if toolchain else ""
    for step in steps:
        groups: dict[str, list[Case]] = {}
        for case in step.failed:
            groups.setdefault(case.message or case.name, []).append(case)
        for cases in groups.values():
            first = cases[0]
            lines.append(f"FAILED {step.name}{tag}: {first.name}: {first.message}")
            if len(cases) > 1:
                lines.append("    " + _group_note(cases))
            detail = first.output + ("\n" + first.data if first.data else "")
            if detail:
                lines.extend("    " + line for line in detail.splitlines())
        if step.failed and step.tool is not None:
            output = "\n".join(f"{case.message}\n{case.output}" for case in step.failed)
            lines.extend("    " + line for line in _patch_note(step.tool, output))
    return "\n".join(lines) + ("\n" if lines else "")


def step_warnings(steps: Sequence[Step], toolchain: str = "", shown: int = COVERAGE_SHOWN) -> str:
    """`warning: <step>: <text>` lines; coverage (long on big specs) is cut at `shown`."""
    out: list[str] = []
    tag = f" [{toolchain}]" if toolchain else ""
    for step in steps:
        limit = shown if step.name == "coverage" else len(step.warnings)
        name = step.name if step.tool is None else step.name + tag
        out.extend(f"warning: {name}: {warning}\n" for warning in step.warnings[:limit])
        if len(step.warnings) > limit:
            out.append(f"warning: {name}: ... and {len(step.warnings) - limit} more (see --junit for all)\n")
    return "".join(out)


def matrix_table(runs: Sequence[ToolchainRun], not_run: Sequence[tuple[str, Sequence[str]]] = ()) -> str:
    """Step × toolchain: ok, N warning(s), FAILED or skipped; then the toolchains not run and why."""
    header = ["step", *(run.label for run in runs)]
    rows = [header]
    rows.append(["promtool", *(str(run.promtool.version) for run in runs)])
    rows.append(["amtool", *(str(run.amtool.version) for run in runs)])
    for i, step in enumerate(runs[0].steps):
        rows.append([step.name, *(_step_outcome(run.steps[i])[1] for run in runs)])
    widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[c]) for c, cell in enumerate(row)).rstrip() for row in rows]
    for name, reasons in not_run:
        lines.append(f"{name}: not run: {', '.join(reasons)}")
    return "\n".join(lines) + "\n"


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


def rich_summary(steps: Sequence[Step], stream: TextIO) -> None:
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


def junit_xml(steps: Sequence[Step], runs: Sequence[ToolchainRun] = ()) -> str:
    """One <testsuite> per step; with `runs` (`--toolchain all`), one per toolchain × step."""
    root = ET.Element("testsuites", name="callalert check")
    total = failures = skipped = 0
    seconds = 0.0
    tagged: list[tuple[str, Step]] = [(f"{step.name} [{run.label}]", step) for run in runs for step in run.steps]
    for suite_name, step in tagged or [(step.name, step) for step in steps]:
        suite = ET.SubElement(root, "testsuite", name=suite_name)
        if step.tool is not None:
            props = ET.SubElement(suite, "properties")
            ET.SubElement(props, "property", name="tool", value=f"{tool_label(step.tool)} ({step.tool.path})")
        s_fail = s_skip = 0
        cases = list(step.cases)
        if step.skipped:
            case_el = ET.SubElement(suite, "testcase", name=step.name, classname=suite_name, time="0.000")
            ET.SubElement(case_el, "skipped", message=step.skipped)
            s_skip = 1
        for case in cases:
            case_el = ET.SubElement(suite, "testcase", name=case.name, classname=suite_name, time=f"{case.seconds:.3f}")
            if not case.ok:
                s_fail += 1
                failure = ET.SubElement(case_el, "failure", message=case.message or "failed")
                failure.text = "\n".join(part for part in (case.output or case.message, case.data) if part)
            elif case.output:
                ET.SubElement(case_el, "system-out").text = case.output
        count = len(cases) + (1 if step.skipped else 0)
        suite.set("tests", str(count))
        suite.set("failures", str(s_fail))
        suite.set("errors", "0")
        suite.set("skipped", str(s_skip))
        suite.set("time", f"{step.seconds:.3f}")
        if step.warnings:
            ET.SubElement(suite, "system-out").text = "\n".join(f"warning: {w}" for w in step.warnings)
        total += count
        failures += s_fail
        skipped += s_skip
        seconds += step.seconds
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", "0")
    root.set("skipped", str(skipped))
    root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(path: Path, steps: Sequence[Step], runs: Sequence[ToolchainRun] = (), *, private: bool = False) -> None:
    from callalert.write import write_file

    write_file(path, junit_xml(steps, runs), what="--junit", private=private)
