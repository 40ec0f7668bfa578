"""Running a tool: a failing run is a ToolError carrying the command, exit code, stdout and stderr."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from callalert.errors import ToolError, ToolNotFound

DEFAULT_TIMEOUT = 60.0


def find_tool(name: str, path: str | None = None) -> str:
    """`name` on PATH (or `path`), else a ToolNotFound naming the install command."""
    from callalert.toolchain.discover import install_hint

    found = shutil.which(name, path=path if path is not None else os.environ.get("PATH"))
    if found is None:
        raise ToolNotFound(name, install_hint())
    return found


def run_tool(
    cmd: Sequence[str],
    *,
    what: str = "",
    timeout: float = DEFAULT_TIMEOUT,
    cwd: Path | str | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run `cmd` (its first item a path from find_tool); raise ToolError when it fails."""
    try:
        proc = subprocess.run(
            list(cmd),
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode("utf-8", "replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        raise ToolError(cmd, -1, out, err + f"\n(timed out after {timeout:g}s)", what) from None
    except FileNotFoundError:
        from callalert.toolchain.discover import install_hint

        raise ToolNotFound(Path(cmd[0]).name, install_hint()) from None
    if check and proc.returncode != 0:
        raise ToolError(cmd, proc.returncode, proc.stdout, proc.stderr, what)
    return proc
