"""The one error handler: every command's errors end here, mapped to the fixed exit codes.

0 ok · 1 problems found · 2 usage error or missing tool · 3 internal error (a bug: traceback)
· 130 interrupted (Ctrl-C). A user mistake or an environment error never shows a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from callalert import __version__
from callalert.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_PROBLEMS, EXIT_USAGE, CallalertError, ProblemsFound


def report_problems(exc: ProblemsFound, fmt: str = "text") -> None:
    from callalert import report
    from callalert.diagnostics import summary

    report.emit(exc.problems, fmt if fmt in report.FORMATS else "text")
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


def run(app: Callable[[], object]) -> int:
    """Run the CLI; return its exit code. Only a bug prints a traceback."""
    import click

    try:
        result = app()
    except ProblemsFound as exc:
        report_problems(exc)
        return EXIT_PROBLEMS
    except CallalertError as exc:
        sys.stderr.write(f"callalert: error: {exc}\n")
        return exc.exit_code
    except click.exceptions.Abort:  # click's name for Ctrl-C (KeyboardInterrupt) and EOF at a prompt
        sys.stderr.write("callalert: interrupted\n")
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        sys.stderr.write("callalert: interrupted\n")
        return EXIT_INTERRUPTED
    except click.exceptions.ClickException as exc:  # usage errors: bad option, missing argument
        exc.show()
        return EXIT_USAGE
    except BrokenPipeError:  # `callalert ... | head`: the reader went away, nothing more to say
        return EXIT_PROBLEMS
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_PROBLEMS)
    except Exception:
        import traceback

        traceback.print_exc()
        sys.stderr.write(
            f"callalert: internal error (a bug in callalert {__version__}, not in your spec); please report it with the traceback above\n"
        )
        return EXIT_INTERNAL
    return result if isinstance(result, int) else 0
