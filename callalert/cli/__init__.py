"""The command line: typer parses (app.py), command modules do the work, errors.py maps every
error to an exit code. `callalert --version` answers without importing anything heavy; with `-v` it
also lists the tools found (cli/version.py)."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys

from callalert import __version__
from callalert.errors import EXIT_OK, EXIT_USAGE


def main() -> None:
    argv = sys.argv[1:]
    if argv == ["--version"]:  # fast path: no typer, pydantic, jinja or rich
        sys.stdout.write(f"callalert {__version__}\n")
        sys.exit(EXIT_OK)
    for stream in (sys.stdout, sys.stderr):
        # a message must reach the reader whatever the locale (PYTHONIOENCODING=ascii, a lone surrogate)
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    from callalert.spec import prefetch

    prefetch.start(argv)  # a large spec is read on another core while the rest starts (spec/prefetch.py)
    from callalert.cli.errors import run
    from callalert.limits import ensure_recursion_limit, pause_gc

    ensure_recursion_limit()
    pause_gc()

    if len(argv) == 2 and "--version" in argv and {"-v", "--verbose"} & set(argv):
        from callalert.cli.version import print_verbose_version

        sys.exit(run(print_verbose_version))
    from callalert.cli.app import build_app

    def invoke() -> object:
        app = build_app()
        return app(prog_name="callalert", standalone_mode=False)

    code = run(invoke)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _drop_stdout()
    except OSError as exc:  # a full disk behind `> file`, /dev/full
        _drop_stdout()
        sys.stderr.write(f"callalert: error: cannot write to standard output: {exc.strerror or exc}\n")
        code = max(code, EXIT_USAGE)
    sys.exit(code)


def entry() -> None:
    """The `callalert` program (console script, `python -m callalert`): `main`, then a quick exit.

    After a large spec, freeing every object one by one at interpreter shutdown takes about 0.1 s
    for nothing: the operating system takes the memory back at once. So, once the command is
    done, the output streams are flushed and the exit handlers run (children stopped, temporary
    files removed), then the process leaves without the shutdown. `main` itself raises SystemExit
    as usual (tests run it in-process)."""
    try:
        main()
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:  # sys.exit("message"): Python prints it and exits 1
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write(f"{exc.code}\n")
            code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            pass  # the reader is gone: main already said what it could
        except (OSError, ValueError):
            code = max(code, EXIT_USAGE)
    atexit._run_exitfuncs()
    os._exit(code)


def _drop_stdout() -> None:
    # what could not be written is gone; keep Python's exit-time flush from failing again
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


__all__ = ["entry", "main"]
