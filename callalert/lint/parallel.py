"""Work on the second core: a part of lint's per-rule analyses runs in a forked child.

Each rule's expression is analysed on its own (a pure function of the expression and of what the
whole world says: the kinds of metrics, the catalog), so the rules can be split between two
processes and the results put back in rule order: the findings are the same, in the same order,
as from one process (tests/unit/test_lint_parallel.py compares both ways).

The child is forked, so it starts with everything the parent has built; what the parent computes
while the child works can be handed over once (`send`, through a temporary file), and the child's
results come back, pickled, through a pipe. Where forking is not possible or not worth it
(no `os.fork`, one usable core, a small world), or the child fails in any way, the parent does all
the work itself. Ctrl-C kills the child (it takes SIGINT's default action; the parent also kills
and reaps it when anything interrupts the parent), so no process outlives the command.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

# Below this many rules the analyses take about a tenth of a second: a child saves little, and on a
# busy machine costs more than it saves.
MIN_PARALLEL_RULES = 2_000
# Characters of spec files whose position index is worth building ahead in a child (some 2,000 alerts).
MIN_PARALLEL_SPEC_CHARS = 800_000


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - every Linux has sched_getaffinity


def can_fork(work_items: int, minimum: int = MIN_PARALLEL_RULES) -> bool:
    """Whether `work_items` (rules, characters) are worth a forked child here (`minimum` of them)."""
    return hasattr(os, "fork") and work_items >= minimum and usable_cores() > 1


class Child:
    """A forked child computing `work(receive)`; `result()` waits for it: the value, or None when
    the child failed (the caller then does the work itself). `receive()`, called in the child, waits
    for the one object the parent hands over with `send()` (what the parent computes meanwhile); it
    comes through a temporary file, so neither side ever blocks on a full pipe."""

    def __init__(self, work: Callable[[Callable[[], Any]], Any]) -> None:
        read_fd, write_fd = os.pipe()  # the child's result
        ready_read, ready_write = os.pipe()  # the size of what `send` wrote to `inbox`
        inbox = tempfile.TemporaryFile()  # noqa: SIM115 - closed by result() or stop()
        # Ctrl-C between the fork and the child's own handler would run the parent's code in the
        # child: SIGINT waits (blocked) until each side is ready for it
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's side runs in another process (coverage does not follow it)
            code = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends the child at once
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
                os.close(read_fd)
                os.close(ready_write)

                def receive() -> Any:
                    size = int.from_bytes(_read_exactly(ready_read, 8), "big")
                    return pickle.loads(_pread_exactly(inbox.fileno(), size))

                data = pickle.dumps(work(receive), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_fd, "wb") as out:
                    out.write(data)
                code = 0
            except BaseException:  # any failure: exit 1, and the parent does the work itself
                pass
            finally:
                os._exit(code)  # no atexit handlers, no flush of the parent's buffered output
        os.close(write_fd)
        os.close(ready_read)
        self.pid = pid
        self._read_fd: int | None = read_fd
        self._ready_fd: int | None = ready_write
        self._inbox = inbox
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # a Ctrl-C that came meanwhile is raised here
        except BaseException:
            self.stop()
            raise

    def send(self, value: Any) -> None:
        """Hand `value` to the child's `receive()` (once); a child that is gone does not take it."""
        assert self._ready_fd is not None
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self._inbox.write(data)
            self._inbox.flush()
            os.write(self._ready_fd, len(data).to_bytes(8, "big"))
        except OSError:  # the child is gone (its result says so)
            pass
        os.close(self._ready_fd)
        self._ready_fd = None

    def result(self) -> Any:
        assert self._read_fd is not None
        try:
            with os.fdopen(self._read_fd, "rb") as pipe:
                self._read_fd = None
                data = pipe.read()
            _, status = os.waitpid(self.pid, 0)
        except BaseException:
            self.stop()
            raise
        self.pid = 0
        self._close()
        if os.waitstatus_to_exitcode(status) != 0 or not data:
            return None
        return pickle.loads(data)

    def stop(self) -> None:
        """Kill and reap the child (when the parent is interrupted, or fails itself)."""
        if self._read_fd is not None:
            os.close(self._read_fd)
            self._read_fd = None
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0
        self._close()

    def _close(self) -> None:
        if self._ready_fd is not None:
            os.close(self._ready_fd)
            self._ready_fd = None
        self._inbox.close()


def _read_exactly(fd: int, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            raise EOFError("the parent sent nothing")
        data += chunk
    return data


def _pread_exactly(fd: int, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = os.pread(fd, size - len(data), len(data))
        if not chunk:
            raise EOFError("the parent's data is cut short")
        data += chunk
    return data


@contextlib.contextmanager
def forked(work: Callable[[Callable[[], Any]], Any]) -> Iterator[Child]:
    """`work(receive)` in a forked child for the duration of the block; the child is killed and reaped if
    the block is left without its result (an exception, Ctrl-C)."""
    child = Child(work)
    try:
        yield child
    finally:
        child.stop()
