"""How `callalert check` shows its steps: progress while running, failures, a summary table, JUnit XML."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from callalert.check.steps import Case, Step

COVERAGE_SHOWN = 50  # coverage warnings printed; --junit has them all


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


def is_live(stream: TextIO) -> bool:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"} or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


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


def failure_report(steps: Sequence[Step]) -> str:
    """One block per distinct failure of a step: a template bug that breaks every render shows once,
    with how many renders it broke, not once per field × alert × status."""
    lines: list[str] = []
    for step in steps:
        groups: dict[str, list[Case]] = {}
        for case in step.failed:
            groups.setdefault(case.message or case.name, []).append(case)
        for cases in groups.values():
            first = cases[0]
            lines.append(f"FAILED {step.name}: {first.name}: {first.message}")
            if len(cases) > 1:
                lines.append("    " + _group_note(cases))
            detail = first.output + ("\n" + first.data if first.data else "")
            if detail:
                lines.extend("    " + line for line in detail.splitlines())
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


def junit_xml(steps: Sequence[Step]) -> str:
    root = ET.Element("testsuites", name="callalert check")
    total = failures = skipped = 0
    seconds = 0.0
    for step in steps:
        suite = ET.SubElement(root, "testsuite", name=step.name)
        s_fail = s_skip = 0
        cases = list(step.cases)
        if step.skipped:
            case_el = ET.SubElement(suite, "testcase", name=step.name, classname=step.name, time="0.000")
            ET.SubElement(case_el, "skipped", message=step.skipped)
            s_skip = 1
        for case in cases:
            case_el = ET.SubElement(suite, "testcase", name=case.name, classname=step.name, time=f"{case.seconds:.3f}")
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


def write_junit(path: Path, steps: Sequence[Step], *, private: bool = False) -> None:
    from callalert.write import write_file

    write_file(path, junit_xml(steps), what="--junit", private=private)
