"""The one guarded reader: every input file callalert reads (spec, overlay, template, `--config`,
`--metrics`, a linted file) goes through `read_text`.

It opens first and asks questions after (no `exists()` that raises on a long name), reads at most
`MAX_INPUT_BYTES` (so /dev/zero or a runaway file cannot fill memory), and turns every way a read
can fail into one `InputError`: a missing file, a directory, a NUL in the path, a name too long,
no permission, an I/O error, text that is not UTF-8 (with the line and column of the bad byte).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from callalert import diagnostics as d
from callalert.diagnostics import Problem, Rule, display_path
from callalert.errors import UsageError
from callalert.limits import MAX_INPUT_BYTES

_CHUNK = 1 << 20


display = display_path  # the name the readers' callers import


class InputError(UsageError):
    """An input file that cannot be read or decoded (exit 2 unless a caller positions it).

    `kind` is "missing", "directory", "unreadable", "too-large" or "encoding"; for "encoding",
    `line` and `col` point at the first byte that is not UTF-8."""

    def __init__(self, path: Path | str, reason: str, kind: str, line: int = 1, col: int = 1) -> None:
        self.path = str(path)
        self.reason = reason
        self.kind = kind
        self.line = line
        self.col = col
        where = f" (line {line}, column {col})" if kind == "encoding" else ""
        super().__init__(f"cannot read {display(path)}: {reason}{where}")

    def problem(self, rule: Rule = d.YAML_SYNTAX, shown_path: str | None = None) -> Problem:
        """The failure as a positioned problem in the file itself (e.g. a lint input, a spec file)."""
        message = self.reason if self.kind == "encoding" else f"cannot read the file: {self.reason}"
        return d.problem(shown_path or self.path, self.line, self.col, message, rule)


def _os_reason(exc: OSError) -> tuple[str, str]:
    if exc.errno == errno.ENOENT:
        return "no such file", "missing"
    if exc.errno == errno.EISDIR:
        return "it is a directory", "directory"
    return exc.strerror or str(exc), "unreadable"


def read_bytes(path: Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except ValueError:  # "embedded null byte"
        raise InputError(path, "the path contains a NUL byte", "unreadable") from None
    except OSError as exc:
        reason, kind = _os_reason(exc)
        raise InputError(path, reason, kind) from None
    try:
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise InputError(path, f"larger than {limit // (1024 * 1024)} MiB, the input size limit", "too-large")
    except OSError as exc:
        reason, kind = _os_reason(exc)
        raise InputError(path, reason, kind) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def decode(data: bytes, path: Path | str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = exc.start
        line_start = data.rfind(b"\n", 0, start) + 1
        line = data.count(b"\n", 0, start) + 1
        col = len(data[line_start:start].decode("utf-8", "replace")) + 1
        raise InputError(path, f"not UTF-8 text: byte 0x{data[start]:02x} ({exc.reason})", "encoding", line, col) from None


def read_text(path: Path, limit: int = MAX_INPUT_BYTES) -> str:
    """The file's text (UTF-8), or InputError."""
    return decode(read_bytes(path, limit), path)


SPEC_SUFFIXES = (".yaml", ".yml")
# The files `callalert import` last wrote into a folder, one relative path a line (a split spec's
# `groups/` or `teams/` files among them): import removes the stale ones; lint reads them as one spec.
IMPORT_MARKER = ".callalert-import"


def import_listing(folder: Path, name: str = IMPORT_MARKER) -> list[str]:
    """The relative paths `callalert import` last wrote into `folder`, as its marker file `name`
    lists them ([] without a marker). InputError when the marker is there but is no text it can read."""
    try:
        return read_text(folder / name).splitlines()
    except InputError as exc:
        if exc.kind == "missing":
            return []
        raise


def spec_files(path: Path) -> list[Path]:
    """The spec files of a directory: its *.yaml and *.yml files (not those of its subdirectories,
    not hidden ones), sorted by name, so the first is the one whose defaults apply to the whole spec.
    An empty directory is a usage error: a spec of nothing is a mistake."""
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError as exc:
        raise InputError(path, _os_reason(exc)[0], "unreadable") from None
    found: list[Path] = []
    for entry in entries:
        if entry.name.startswith(".") or not entry.name.endswith(SPEC_SUFFIXES):
            continue
        try:
            if entry.is_file():
                found.append(path / entry.name)
        except OSError:
            found.append(path / entry.name)  # read_text says what is wrong with it
    if not found:
        raise UsageError(f"{display(path)} is a directory without spec files (*.yaml, *.yml)")
    return found


def expand_spec_paths(paths: list[Path] | tuple[Path, ...]) -> list[Path]:
    """Spec arguments as files: a directory stands for its spec files (`spec_files`), in place."""
    out: list[Path] = []
    for path in paths:
        try:
            is_dir = path.is_dir()
        except (OSError, ValueError):
            is_dir = False  # read_text reports the path's problem
        out.extend(spec_files(path) if is_dir else [path])
    return out
