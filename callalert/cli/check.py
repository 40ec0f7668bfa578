"""The body of `callalert check`."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from callalert import report
from callalert.check.report import (
    Progress,
    failure_report,
    is_live,
    matrix_table,
    rich_summary,
    step_warnings,
    summary_table,
    write_junit,
)
from callalert.check.run import run_check
from callalert.check.steps import Case, Step
from callalert.cli.errors import emit
from callalert.errors import EXIT_OK, EXIT_PROBLEMS, ProblemsFound


def cmd_check(
    specs: Sequence[Path],
    out: Path | None,
    junit: Path | None,
    secrets: str,
    overlays: Sequence[Path] = (),
    fmt: str = "text",
    explicit: Mapping[str, str | None] | None = None,
    toolchain: str | None = None,
) -> int:
    report.check_format(fmt)
    from callalert.cli.importer import note_unread_parts

    note_unread_parts(specs)
    live = is_live(sys.stderr)
    progress = Progress(sys.stderr, live)
    total = time.perf_counter()
    try:
        result = run_check(
            specs, out=out, secrets=secrets, progress=progress, overlays=overlays, explicit=explicit, toolchain=toolchain
        )
    except ProblemsFound as exc:
        if junit is not None:
            details = "".join(p.format() + "\n" for p in exc.problems)
            write_junit(
                junit, [Step("render", [Case("render", False, 0.0, f"{len(exc.problems)} problem(s) in the spec", details)])]
            )
        raise
    # the spec's warnings, and the failures the tools reported positioned at the spec's lines
    # (`specs.yaml:120:7: error: tests.rules[3].expect[1]: ...`), in the chosen --format
    emit(result.rendered.warnings + result.problems, fmt, files=[str(s) for s in specs])
    # a machine format makes stdout one document a CI step parses: the human report goes to stderr then
    stream = sys.stderr if fmt in report.MACHINE_FORMATS else sys.stdout
    elapsed = time.perf_counter() - total
    if not result.matrix:
        steps = result.steps
        stream.write(step_warnings(steps))
        stream.write(failure_report(steps))
        if live and stream.isatty():
            rich_summary(steps, stream)
        else:
            stream.write(summary_table(steps))
        if junit is not None:
            write_junit(junit, steps, private=result.rendered.ctx.has_inline_secrets)
        failed = [s for s in steps if not s.ok]
        if failed:
            cases = sum(len(s.failed) for s in failed)
            sys.stderr.write(f"check failed: {cases} failure(s) in {', '.join(s.name for s in failed)} ({elapsed:.2f}s)\n")
            return EXIT_PROBLEMS
        where = f" in {result.out_dir}" if out is not None else ""
        sys.stderr.write(f"check passed{where} ({elapsed:.2f}s)\n")
        return EXIT_OK
    for index, run in enumerate(result.runs):
        # coverage and the engine do not depend on the tools: their warnings once
        shown = run.steps if index == 0 else [s for s in run.steps if s.tool is not None]
        stream.write(step_warnings(shown, run.label))
    for run in result.runs:
        stream.write(failure_report(run.steps, run.label))
    stream.write(matrix_table(result.runs, result.not_run))
    if junit is not None:
        write_junit(junit, [], result.runs, private=result.rendered.ctx.has_inline_secrets)
    failed_runs = [run for run in result.runs if not run.ok]
    names = ", ".join(run.label for run in result.runs)
    if failed_runs:
        parts = [
            f"{run.label}: {sum(len(s.failed) for s in run.steps)} failure(s) in {', '.join(s.name for s in run.steps if not s.ok)}"
            for run in failed_runs
        ]
        sys.stderr.write(
            f"check failed on {len(failed_runs)} of {len(result.runs)} toolchains ({'; '.join(parts)}) ({elapsed:.2f}s)\n"
        )
        return EXIT_PROBLEMS
    where = f" in {result.out_dir}" if out is not None else ""
    sys.stderr.write(f"check passed on {names}{where} ({elapsed:.2f}s)\n")
    return EXIT_OK
