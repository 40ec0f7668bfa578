"""One base class for every error a user can cause, and the exit codes they map to."""

from __future__ import annotations

from collections.abc import Sequence

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class CallalertError(Exception):
    """A user-facing error: printed without a traceback, exits with `exit_code`."""

    exit_code = EXIT_PROBLEMS


class UsageError(CallalertError):
    """Bad command line, missing input file, missing external tool."""

    exit_code = EXIT_USAGE


class ToolNotFound(UsageError):
    def __init__(self, tool: str, install_hint: str) -> None:
        super().__init__(f"{tool} not found on PATH; install it with: {install_hint}")
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
