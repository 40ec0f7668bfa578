"""Work on another core: a function run in a forked child, its result pickled back through a pipe.

promtool checks rules on every core; callalert is a Python process, so where its work splits into
independent parts (reading a large spec while the command starts, one check of the model while
another runs) it forks. The child starts with everything the parent has built, so nothing is sent
to it; only its result comes back. It is an optimisation only, never a second authority:
- where forking is not possible or not worth it (not Linux, one usable core, CALLALERT_JOBS=1, a
  small input) there is no child and the caller does the work itself;
- a child that fails in any way gives None, and the caller does the work itself (a real error
  then surfaces in the parent, with its normal report);
- Ctrl-C ends the child at once (SIGINT's default action); a parent that leaves without the
  result kills and reaps it (`stop`, also at exit), so no process outlives the command;
- the child writes nothing but the pipe and leaves with os._exit: no atexit handlers, no flush of
  the parent's buffered output.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import mmap
import os
import pickle
import signal
import struct
import sys
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

ENV = "CALLALERT_JOBS"  # 1: everything in one process

T = TypeVar("T")


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether a forked child can run beside this process here."""
    return sys.platform.startswith("linux") and usable_cores() > 1 and os.environ.get(ENV, "").strip() != "1"


_live: set[Child[Any]] = set()  # children not yet reaped: stopped at exit


class Child(Generic[T]):
    """`work()` computed in a forked child; `result()` waits for it: the value, or None when the
    child failed (the caller then does the work itself)."""

    def __init__(self, work: Callable[[], T]) -> None:
        read_fd, write_fd = os.pipe()
        # Ctrl-C between the fork and the child's own SIGINT setting must not run the parent's
        # handling in the child: SIGINT waits (blocked) across the fork, in both processes
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            pid = os.fork()
        except OSError:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            os.close(read_fd)
            os.close(write_fd)
            raise
        if pid == 0:  # pragma: no cover - runs in the child (coverage does not follow it)
            code = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends the child at once
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
                os.close(read_fd)
                payload = memoryview(pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL))
                while payload:
                    payload = payload[os.write(write_fd, payload) :]
                code = 0
            except BaseException:  # any failure: exit 1, and the parent does the work itself
                pass
            finally:
                os._exit(code)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # a Ctrl-C that came meanwhile is handled now
        os.close(write_fd)
        self.pid = pid
        self._read_fd: int | None = read_fd
        if not _live:
            atexit.register(_stop_all)
        _live.add(self)

    @property
    def running(self) -> bool:
        return self._read_fd is not None

    def result(self) -> T | None:
        """The child's value (waiting for it), or None when it failed; once."""
        if self._read_fd is None:
            return None
        chunks: list[bytes] = []
        try:
            while chunk := os.read(self._read_fd, 1 << 20):
                chunks.append(chunk)
            os.close(self._read_fd)
            self._read_fd = None
            _, status = os.waitpid(self.pid, 0)
            self.pid = 0
            _live.discard(self)
        except BaseException:
            self.stop()
            raise
        if os.waitstatus_to_exitcode(status) != 0 or not chunks:
            return None
        try:
            value: T = pickle.loads(b"".join(chunks))
        except Exception:
            return None
        return value

    def stop(self) -> None:
        """Kill and reap the child (its result no longer wanted, or the parent interrupted)."""
        if self._read_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._read_fd)
            self._read_fd = None
        if self.pid:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):  # ChildProcessError included
                os.waitpid(self.pid, 0)
            self.pid = 0
        _live.discard(self)


def _stop_all() -> None:
    for child in list(_live):
        child.stop()


class Claims:
    """Who takes which task (a rule to analyse, a lint rule to run, a group to check): this process
    takes tasks from the front, its child from the back, `chunk` at a time, until they meet, so the
    faster one does more (the other core may be busy with anything else). Two counters in memory
    shared across the fork, changed under a lock of a temporary file (a POSIX record lock: one per
    process, let go when the process ends)."""

    def __init__(self, count: int, chunk: int) -> None:
        self.chunk = chunk  # items per claim
        self._shared = mmap.mmap(-1, 16)  # anonymous and shared: the child sees the parent's writes
        self._shared[:] = struct.pack("<qq", 0, count)
        import tempfile  # here: a command that forks nothing does not import it

        self._lock = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()

    def front(self) -> range:
        """The next tasks from the front (this process): empty when none is left."""
        with self._locked():
            start, end = struct.unpack("<qq", self._shared[:])
            stop = min(start + self.chunk, end)
            self._shared[:8] = struct.pack("<q", stop)
        return range(start, stop)

    def back(self) -> range:
        """The next tasks from the back (the child): empty when none is left."""
        with self._locked():
            start, end = struct.unpack("<qq", self._shared[:])
            first = max(end - self.chunk, start)
            self._shared[8:] = struct.pack("<q", first)
        return range(end - 1, first - 1, -1)

    @contextlib.contextmanager
    def _locked(self) -> Any:
        fcntl.lockf(self._lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.lockf(self._lock.fileno(), fcntl.LOCK_UN)

    def close(self) -> None:
        self._lock.close()
        self._shared.close()


def share(
    tasks: Sequence[Callable[[], T]],
    *,
    chunk: int = 1,
    pack: Callable[[dict[int, T]], dict[int, T]] | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> list[T]:
    """What each of `tasks` returns, in their order: this process runs tasks from the front and a
    forked child from the back, `chunk` at a time, until they meet (`Claims`); a task the child does
    not give back (it failed) runs here, so a real error surfaces here. `pack`: what the child's
    results become before they are sent (to pickle smaller). `meanwhile`: other work of this
    process, done first while the child starts on the tasks (then even one task is worth a child).
    Without a child (one task and nothing meanwhile, no fork here) every task runs here, after
    `meanwhile`."""
    worth = len(tasks) > 1 or (len(tasks) == 1 and meanwhile is not None)
    claims = Claims(len(tasks), chunk) if worth and can_fork() else None
    child = None
    if claims is not None:

        def work() -> dict[int, T]:
            done: dict[int, T] = {}
            while taken := claims.back():
                for i in taken:
                    done[i] = tasks[i]()
            return done if pack is None else pack(done)

        child = start(work)
    try:
        if meanwhile is not None:
            meanwhile()
        if child is None or claims is None:
            return [task() for task in tasks]
        mine: dict[int, T] = {}
        while taken := claims.front():
            for i in taken:
                mine[i] = tasks[i]()
        theirs = child.result() or {}
    finally:
        if claims is not None:
            claims.close()
        if child is not None:
            child.stop()
    return [mine[i] if i in mine else theirs[i] if i in theirs else task() for i, task in enumerate(tasks)]


def start(work: Callable[[], T]) -> Child[T] | None:
    """A child computing `work()`, or None where forking is not possible (can_fork) or fails."""
    if not can_fork():
        return None
    try:
        return Child(work)
    except OSError:
        return None
