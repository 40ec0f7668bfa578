"""One base class for every error a user can cause, and the exit codes they map to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from callalert.diagnostics import Problem

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


class CallalertError(Exception):
    """A user-facing error: printed without a traceback, exits with `exit_code`."""

    exit_code = EXIT_PROBLEMS


class ProblemsFound(CallalertError):
    """Problems (positioned diagnostics) stop the command: the CLI prints them in the command's
    --format, then `note` (e.g. "nothing written") with the summary, and exits 1."""

    def __init__(self, problems: Sequence[Problem], note: str = "") -> None:
        self.problems = list(problems)
        self.note = note
        super().__init__(f"{len(self.problems)} problem(s)" + (f"; {note}" if note else ""))


class UsageError(CallalertError):
    """Bad command line, missing input file, missing external tool."""

    exit_code = EXIT_USAGE


class ToolNotFound(UsageError):
    def __init__(self, tool: str, install_hint: str) -> None:
        super().__init__(
            f"{tool} not found (options, CALLALERT_{tool.upper()}, tools folders, PATH); install it with: {install_hint}"
        )
        self.tool = tool


class ToolError(CallalertError):
    """An external command failed; carries everything needed to understand why."""

    def __init__(self, cmd: Sequence[str], rc: int, stdout: str, stderr: str, what: str = "") -> None:
        self.cmd = list(cmd)
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.what = what
        super().__init__(self.describe())

    def describe(self) -> str:
        import shlex

        parts = [f"{self.what or 'command'} failed (exit code {self.rc}): {shlex.join(self.cmd)}"]
        if self.stdout.strip():
            parts.append("stdout:\n" + self.stdout.rstrip())
        if self.stderr.strip():
            parts.append("stderr:\n" + self.stderr.rstrip())
        return "\n".join(parts)
