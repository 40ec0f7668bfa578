"""The command line: typer parses (app.py), command modules do the work, errors.py maps every
error to an exit code. `callalert --version` answers without importing anything heavy; with `-v` it
also lists the tools found (cli/version.py)."""

from __future__ import annotations

import contextlib
import sys

from callalert import __version__
from callalert.errors import EXIT_OK


def main() -> None:
    argv = sys.argv[1:]
    if argv == ["--version"]:  # fast path: no typer, pydantic, jinja or rich
        sys.stdout.write(f"callalert {__version__}\n")
        sys.exit(EXIT_OK)
    from callalert.cli.errors import run

    if len(argv) == 2 and "--version" in argv and {"-v", "--verbose"} & set(argv):
        from callalert.cli.version import print_verbose_version

        sys.exit(run(print_verbose_version))
    from callalert.cli.app import build_app

    def invoke() -> object:
        app = build_app()
        return app(prog_name="callalert", standalone_mode=False)

    code = run(invoke)
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.flush()
    sys.exit(code)


__all__ = ["main"]
