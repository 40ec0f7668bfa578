"""Reading a large spec on another core while the command line starts.

Before `callalert validate|render|lint|check` reads its spec, the process spends about 0.2 s
importing the spec models (pydantic), the checks and the command line. For a large spec (a
megabyte and more: thousands of alerts) `start` forks a child at the very beginning that reads
and parses the spec files in the meantime (spec.load's fast path, nothing else) and hands the data
back over a pipe; `take` gives it to validate.load_documents as the Document load_file would make.

The child is only a head start, never an authority:
- the command line is not parsed yet, so the files are a guess: arguments that are existing spec
  files or directories of them; a guess the command never asks for costs nothing but the child;
- the parent takes a file only for the same path, unchanged since the child read it (device,
  inode, size, modification time, checked before and after the child's read and again by the
  parent); a file the fast path leaves (an anchor, a tag, a duplicate key, a syntax error, …)
  comes back as nothing, and the parent reads it itself, with positions and problems as always;
- one core, no fork (not Linux), a small spec, CALLALERT_PREFETCH=0: no child at all;
- the child ignores nothing and writes nothing but the pipe; Ctrl-C ends it with the parent
  (default SIGINT), and a parent that ends without taking kills and reaps it (atexit).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from callalert.spec.load import Document

COMMANDS = frozenset({"validate", "render", "lint", "check"})
MIN_BYTES = 1 << 20  # below this the whole read takes a few tens of milliseconds: not worth a process
ENV = "CALLALERT_PREFETCH"

_Identity = tuple[int, int, int, int]


class _State:
    def __init__(self) -> None:
        self.child: tuple[int, int] | None = None  # (pid, read end of the pipe)
        self.taken: dict[str, tuple[_Identity, str, Any]] | None = None  # what it sent, until taken


_state = _State()


def _identity(path: str) -> _Identity | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def candidates(argv: list[str]) -> list[str]:
    """The spec files `argv` may name: its arguments that are spec files, or directories holding
    them (their *.yaml and *.yml files, as spec.read.spec_files lists them)."""
    from callalert.spec.read import SPEC_SUFFIXES

    found: list[str] = []
    for arg in argv[1:]:
        if arg.startswith("-") or "\0" in arg:
            continue
        try:
            if os.path.isfile(arg):
                if arg.endswith(SPEC_SUFFIXES):
                    found.append(arg)
            elif os.path.isdir(arg):
                with os.scandir(arg) as entries:
                    names = sorted(e.name for e in entries if not e.name.startswith(".") and e.name.endswith(SPEC_SUFFIXES))
                found.extend(os.path.join(arg, name) for name in names if os.path.isfile(os.path.join(arg, name)))
        except (OSError, ValueError):
            continue
    return found


def start(argv: list[str]) -> None:
    """Fork the child that reads the spec files `argv` names, when it pays (module doc)."""
    if _state.child is not None or not argv or argv[0] not in COMMANDS or os.environ.get(ENV, "1") == "0":
        return
    if not sys.platform.startswith("linux") or _cores() < 2:
        return
    paths = candidates(argv)
    total = 0
    for path in paths:
        ident = _identity(path)
        total += ident[2] if ident else 0
    if total < MIN_BYTES:
        return
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return
    if pid == 0:  # the child: parse, send, leave without running anything of the parent's
        os.close(read_end)
        _serve(paths, write_end)
    os.close(write_end)
    _state.child = (pid, read_end)
    atexit.register(_stop)


def _serve(paths: list[str], fd: int) -> NoReturn:
    code = 0
    try:
        import gc

        signal.signal(signal.SIGINT, signal.SIG_DFL)
        gc.disable()
        from callalert.spec import load
        from callalert.spec.read import read_text

        loaded: dict[str, tuple[_Identity, str, Any]] = {}
        if load.HAVE_LIBYAML:
            for path in paths:
                before = _identity(path)
                try:
                    text = read_text(Path(path))
                except Exception:
                    continue
                data = load._fast_data(text)
                if data is not load._SLOW and before is not None and _identity(path) == before:
                    loaded[path] = (before, text, data)
        payload = memoryview(pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL))
        while payload:
            payload = payload[os.write(fd, payload) :]
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _collect() -> dict[str, tuple[_Identity, str, Any]]:
    if _state.taken is not None:
        return _state.taken
    _state.taken = {}
    if _state.child is None:
        return _state.taken
    pid, fd = _state.child
    _state.child = None
    chunks: list[bytes] = []
    try:
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        os.close(fd)
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) == 0:
            loaded = pickle.loads(b"".join(chunks))
            if isinstance(loaded, dict):
                _state.taken = loaded
    except (OSError, pickle.UnpicklingError, EOFError, ValueError):
        _stop_child(pid, fd)
    return _state.taken


def pending() -> bool:
    """Whether a child is still reading: what the command needs later anyway is best done now."""
    return _state.child is not None


def take(path: Path) -> Document | None:
    """`path` as spec.load.load_file reads it, from what the child read, if it did and the file is unchanged."""
    if _state.child is None and not _state.taken:
        return None
    found = _collect().pop(str(path), None)
    if found is None:
        return None
    identity, text, data = found
    if _identity(str(path)) != identity:
        return None
    from callalert.spec.load import Document

    return Document(str(path), data, None, [], text, fast=True)


def _stop_child(pid: int, fd: int) -> None:
    for step in (lambda: os.close(fd), lambda: os.kill(pid, signal.SIGKILL), lambda: os.waitpid(pid, 0)):
        with contextlib.suppress(OSError):  # ChildProcessError included
            step()


def _stop() -> None:
    if _state.child is not None:
        pid, fd = _state.child
        _state.child = None
        _stop_child(pid, fd)
