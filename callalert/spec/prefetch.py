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
- one core, no fork (not Linux), a small spec, CALLALERT_JOBS=1: no child at all; Ctrl-C and a
  parent that ends without taking: the child is killed and reaped (callalert/parallel.py).
"""

from __future__ import annotations

import marshal
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from callalert import parallel
    from callalert.spec.load import Document

COMMANDS = frozenset({"validate", "render", "lint", "check"})
MIN_BYTES = 1 << 20  # below this the whole read takes a few tens of milliseconds: not worth a process

_Identity = tuple[int, int, int, int]
_Loaded = dict[str, tuple[_Identity, str, Any]]
_Sent = _Loaded | bytes  # bytes: _Loaded in marshal's format (see _read)


class _State:
    def __init__(self) -> None:
        self.child: parallel.Child[_Sent] | None = None
        self.taken: _Loaded | None = None  # what the child sent, until taken


_state = _State()


def _identity(path: str) -> _Identity | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def candidates(argv: list[str]) -> list[str]:
    """The spec files `argv` may name: its arguments that are spec files, or directories holding
    them (their *.yaml and *.yml files, as spec.read.spec_files lists them)."""
    from callalert.spec.read import SPEC_SUFFIXES

    found: list[str] = []
    for arg in argv[1:]:
        if arg.startswith("-") or "\0" in arg:
            continue
        try:
            # named as the command will name them: str(Path(arg)), so `./spec.yaml` is `spec.yaml`
            if os.path.isfile(arg):
                if arg.endswith(SPEC_SUFFIXES):
                    found.append(str(Path(arg)))
            elif os.path.isdir(arg):
                with os.scandir(arg) as entries:
                    names = sorted(e.name for e in entries if not e.name.startswith(".") and e.name.endswith(SPEC_SUFFIXES))
                found.extend(str(Path(arg) / name) for name in names if os.path.isfile(os.path.join(arg, name)))
        except (OSError, ValueError):
            continue
    return found


def start(argv: list[str]) -> None:
    """Fork the child that reads the spec files `argv` names, when it pays (module doc)."""
    if _state.child is not None or not argv or argv[0] not in COMMANDS:
        return
    from callalert import parallel  # only for a command that reads a spec: the others start without it

    if not parallel.can_fork():
        return
    paths = candidates(argv)
    if sum(ident[2] for ident in map(_identity, paths) if ident) < MIN_BYTES:
        return
    from callalert.spec import load  # noqa: F401  (needed here later anyway: imported once, before the fork)

    _state.child = parallel.start(lambda: _read(paths))


def _read(paths: list[str]) -> _Sent:
    """In the child: each file's identity, text and data, for those the fast path reads whole. In
    marshal's format where it holds them (plain YAML data has only its types; a timestamp's
    datetime is the exception): written and read back in half the time pickle takes, which is
    time the parent waits."""
    import gc

    gc.disable()
    from callalert.spec import load
    from callalert.spec.read import read_text

    loaded: _Loaded = {}
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
    try:
        return marshal.dumps(loaded)
    except ValueError:  # a type marshal does not write (a datetime): pickled, as any child's result
        return loaded


def _unpack(sent: _Sent | None) -> _Loaded:
    """What `_read` sent, as it read it (nothing when the child failed)."""
    if isinstance(sent, bytes):
        loaded: _Loaded = marshal.loads(sent)
        return loaded
    return sent or {}


def pending() -> bool:
    """Whether a child is still reading: what the command needs later anyway is best done now."""
    return _state.child is not None and _state.child.running


def take(path: Path) -> Document | None:
    """`path` as spec.load.load_file reads it, from what the child read, if it did and the file is unchanged."""
    if _state.child is None:
        return None
    if _state.taken is None:
        _state.taken = _unpack(_state.child.result())
    found = _state.taken.pop(str(path), None)
    if found is None:
        return None
    identity, text, data = found
    if _identity(str(path)) != identity:
        return None
    from callalert.spec.load import Document

    return Document(str(path), data, None, [], text, fast=True)


def stop() -> None:
    """Stop the child without taking anything (tests; at exit parallel.py does it)."""
    if _state.child is not None:
        _state.child.stop()
