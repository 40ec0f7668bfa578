"""Work on the second core: a part of lint's per-rule analyses runs in a forked child.

Each rule's expression is analysed on its own (a pure function of the expression and of what the
whole world says: the kinds of metrics, the catalog), so the rules can be split between two
processes and the results put back in rule order: the findings are the same, in the same order,
as from one process (tests/unit/test_lint_parallel.py compares both ways).

The child is forked, so it starts with everything the parent has built and nothing is sent to it;
only its results come back, pickled, through a pipe. Where forking is not possible or not worth it
(no `os.fork`, one usable core, a small world), or the child fails in any way, the parent does all
the work itself. Ctrl-C kills the child (it takes SIGINT's default action; the parent also kills
and reaps it when anything interrupts the parent), so no process outlives the command.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable, Iterator
from typing import Any

# Below this many rules the analyses take a few milliseconds: a child costs more than it saves.
MIN_PARALLEL_RULES = 1_000
# Characters of spec files whose position index is worth building ahead in a child (some 1,000 alerts).
MIN_PARALLEL_SPEC_CHARS = 400_000


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - every Linux has sched_getaffinity


def can_fork(work_items: int, minimum: int = MIN_PARALLEL_RULES) -> bool:
    """Whether `work_items` (rules, characters) are worth a forked child here (`minimum` of them)."""
    return hasattr(os, "fork") and work_items >= minimum and usable_cores() > 1


class Child:
    """A forked child computing `work()`; `result()` waits for it: the value, or None when the
    child failed (the caller then does the work itself)."""

    def __init__(self, work: Callable[[], Any]) -> None:
        read_fd, write_fd = os.pipe()
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
                data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_fd, "wb") as out:
                    out.write(data)
                code = 0
            except BaseException:  # any failure: exit 1, and the parent does the work itself
                pass
            finally:
                os._exit(code)  # no atexit handlers, no flush of the parent's buffered output
        os.close(write_fd)
        self.pid = pid
        self._read_fd: int | None = read_fd
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # a Ctrl-C that came meanwhile is raised here
        except BaseException:
            self.stop()
            raise

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


@contextlib.contextmanager
def forked(work: Callable[[], Any]) -> Iterator[Child]:
    """`work()` in a forked child for the duration of the block; the child is killed and reaped if
    the block is left without its result (an exception, Ctrl-C)."""
    child = Child(work)
    try:
        yield child
    finally:
        child.stop()
