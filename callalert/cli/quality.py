"""The body of `callalert report`: options in, exit code out.

Exit codes: 0 the report was produced (whatever it found: a report is information, its JSON is for
scripts that want to gate on it); 1 the spec has errors; 2 a bad option, or Prometheus/Alertmanager
unreachable, refusing us (401/403), not answering within --timeout, or without data in the range.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from callalert.errors import EXIT_OK, UsageError

if TYPE_CHECKING:
    from callalert.quality import Report


def _duration_ms(text: str, option: str) -> int:
    from callalert.spec.v1 import duration_seconds

    try:
        ms = round(duration_seconds(text) * 1000)
    except ValueError:
        raise UsageError(f"{option}: invalid duration {text!r} (e.g. 30m, 7d, 2w)") from None
    if ms <= 0:
        raise UsageError(f"{option}: must be longer than 0")
    return ms


def _end_ms(text: str | None) -> int:
    if text is None:
        return int(datetime.now(UTC).timestamp()) * 1000
    from callalert.analysis.times import parse_rfc3339

    try:
        return int(parse_rfc3339(text).timestamp() * 1000)
    except ValueError:
        raise UsageError(f"--end: invalid time {text!r} (e.g. 2025-01-13T00:00:00Z)") from None


def write_file(path: Path, text: str) -> None:
    """Replace `path` at once (a reader never sees half a report)."""
    path = path.resolve()
    if path.is_dir():
        raise UsageError(f"--out: {path} is a directory; give a file name")
    if not path.parent.is_dir():
        raise UsageError(f"--out: folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def progress_on_stderr() -> Iterator[Callable[[str], None] | None]:
    """A spinner with the current query on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.status import Status

    status = Status("callalert report: starting", console=Console(file=sys.stderr), spinner="dots")
    status.start()
    try:
        yield lambda message: status.update(f"callalert report: {message}")
    finally:
        status.stop()


def cmd_report(
    specs: Sequence[Path],
    overlays: Sequence[Path],
    prometheus_url: str,
    alertmanager_url: str | None,
    range_text: str,
    end_text: str | None,
    fmt: str,
    out: Path | None,
    flap_threshold_text: str,
    timeout: float,
) -> int:
    from callalert import pipeline
    from callalert.quality import build_report
    from callalert.quality.api import check_url
    from callalert.quality.output import FORMATS

    if fmt not in FORMATS:
        raise UsageError(f"unknown --format {fmt!r}; choose one of {', '.join(FORMATS)}")
    prometheus_url = check_url(prometheus_url, "--prometheus-url")
    if alertmanager_url is not None:
        alertmanager_url = check_url(alertmanager_url, "--alertmanager-url")
    span = _duration_ms(range_text, "--range")
    flap = _duration_ms(flap_threshold_text, "--flap-threshold")
    if not timeout > 0:
        raise UsageError("--timeout: must be more than 0 seconds")
    end = _end_ms(end_text)
    valid = pipeline.load_valid(specs, overlays, "no report")
    with progress_on_stderr() as progress:
        report = build_report(
            valid,
            spec_name=", ".join(str(s) for s in specs),
            prometheus_url=prometheus_url,
            alertmanager_url=alertmanager_url,
            start=end - span,
            end=end,
            timeout=timeout,
            flap_threshold=flap,
            progress=progress,
        )
    text = render(report, fmt, color=out is None and sys.stdout.isatty())
    if out is not None:
        write_file(out, text)
        sys.stderr.write(f"wrote the {fmt} report to {out}\n")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    from callalert.quality.html import render_html
    from callalert.quality.output import render_json, render_markdown, render_text

    if fmt == "json":
        return render_json(report)
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "html":
        return render_html(report)
    if color:
        import shutil

        return render_text(report, width=shutil.get_terminal_size((160, 40)).columns, color=True)
    return render_text(report)
