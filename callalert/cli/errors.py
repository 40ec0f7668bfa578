"""The one error handler: every command's errors end here, mapped to the fixed exit codes.

0 ok · 1 problems found · 2 usage error or missing tool · 3 internal error (a bug: traceback)
· 130 interrupted (Ctrl-C). A user mistake or an environment error never shows a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO

from callalert import __version__
from callalert.diagnostics import Problem
from callalert.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_PROBLEMS, EXIT_USAGE, CallalertError, ProblemsFound


def emit(
    problems: Sequence[Problem], fmt: str, tool: str = "callalert", files: Sequence[str] = (), stream: TextIO | None = None
) -> None:
    """Problems to stdout (or `stream`) in `fmt`; SARIF describes every rule callalert has, lint's included;
    checkstyle and junit list the `files` checked, those without problems too."""
    from callalert import report

    if fmt == "sarif":
        from callalert.lint.rules import register

        register()
    report.emit(problems, fmt, stream=stream, tool=tool, files=files)


def report_problems(exc: ProblemsFound, fmt: str = "text") -> None:
    from callalert import report
    from callalert.diagnostics import summary

    emit(exc.problems, fmt if fmt in report.FORMATS else "text")
    sys.stderr.write(summary(exc.problems) + (f"; {exc.note}" if exc.note else "") + "\n")


@contextmanager
def problems_as(fmt: str, note: str = "") -> Iterator[None]:
    """Inside a command with --format: problems that stop it are printed in that format."""
    try:
        yield
    except ProblemsFound as exc:
        if note and not exc.note:
            exc.note = note
        report_problems(exc, fmt)
        raise SystemExit(EXIT_PROBLEMS) from None


def _is_click_error(exc: Exception) -> bool:
    # typer raises click's exceptions (its own vendored copy in newer releases): ClickException
    # subclasses know how to show themselves (usage line + message) and carry an exit code
    return any(cls.__name__ == "ClickException" for cls in type(exc).__mro__) and hasattr(exc, "show")


def run(app: Callable[[], object]) -> int:
    """Run the CLI; return its exit code. Only a bug prints a traceback."""
    try:
        result = app()
    except ProblemsFound as exc:
        report_problems(exc)
        return EXIT_PROBLEMS
    except CallalertError as exc:
        from callalert.diagnostics import escape
        from callalert.errors import ToolError

        # one line unless it is a tool's own output; never a raw control character from a spec
        sys.stderr.write(f"callalert: error: {escape(str(exc), keep_newlines=isinstance(exc, ToolError))}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("callalert: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `callalert ... | head`: the reader went away, nothing more to say
        return EXIT_PROBLEMS
    except OSError as exc:  # an environment error no command mapped (a full disk, stdout gone)
        from callalert.diagnostics import display_path

        where = f": {display_path(exc.filename)}" if exc.filename else ""
        sys.stderr.write(f"callalert: error: {exc.strerror or exc}{where}\n")
        return EXIT_USAGE
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_PROBLEMS)
    except Exception as exc:
        if _is_click_error(exc):  # usage errors: unknown option, missing argument, bad value
            exc.show()  # type: ignore[attr-defined]
            return EXIT_USAGE
        if type(exc).__name__ == "Abort":  # click's name for Ctrl-C (KeyboardInterrupt) and EOF at a prompt
            sys.stderr.write("callalert: interrupted\n")
            return EXIT_INTERRUPTED
        import traceback

        traceback.print_exc()
        sys.stderr.write(
            f"callalert: internal error (a bug in callalert {__version__}, not in your spec); please report it with the traceback above\n"
        )
        return EXIT_INTERNAL
    code = result if isinstance(result, int) else 0
    if code == EXIT_INTERRUPTED:  # typer turns Ctrl-C into a silent exit 130
        sys.stderr.write("callalert: interrupted\n")
    return code
