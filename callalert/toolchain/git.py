"""Reading an earlier version of files from git: `diff --base REF` and `lint --changed-since REF`.

`checkout_at(REF, paths)` writes what `paths` were at REF (each file's folder, so the templates and
spec files beside it come along) into a temporary folder, laid out as in the repository, and says
where each path is there (None: it did not exist at REF). Only git itself is run: `rev-parse`,
`ls-tree` and `archive`.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from callalert.errors import UsageError


def _git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False, timeout=120)
    except FileNotFoundError:
        raise UsageError("git not found: install it (apt-get install git) to read a git revision") from None


def _text(proc: subprocess.CompletedProcess[bytes]) -> str:
    return proc.stdout.decode("utf-8", "replace").strip()


def _error(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"exit code {proc.returncode}"


@dataclass(frozen=True)
class Revision:
    """`ref` as the user wrote it, the commit it names, and where each asked-for path is at that commit."""

    ref: str
    commit: str
    root: Path  # the temporary folder with the files as they were
    paths: dict[Path, Path | None]  # path as given -> its copy under root (None: not in that commit)

    def at(self, path: Path) -> Path | None:
        return self.paths.get(path)


def toplevel(start: Path) -> Path:
    proc = _git(["rev-parse", "--show-toplevel"], start)
    if proc.returncode != 0:
        raise UsageError(f"{start.resolve()} is not in a git repository: {_error(proc)}")
    return Path(_text(proc))


def resolve_commit(ref: str, repo: Path) -> str:
    proc = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], repo)
    if proc.returncode != 0:
        raise UsageError(f"{ref!r} is not a commit in {repo} (a branch, a tag, a commit id or HEAD~1)")
    return _text(proc)


def _exists(commit: str, rel: str, repo: Path) -> str | None:
    """'blob', 'tree' or None: what `rel` is in `commit`."""
    proc = _git(["ls-tree", commit, "--", rel.rstrip("/") or "."], repo)
    if proc.returncode != 0 or not proc.stdout.strip():
        return None
    kind = proc.stdout.decode("utf-8", "replace").split(None, 2)[1]
    return kind if kind in ("blob", "tree") else None


@contextmanager
def checkout_at(ref: str, paths: Sequence[Path], cwd: Path | None = None) -> Iterator[Revision]:
    """The files `paths` (and their folders) as they were at `ref`, in a temporary folder removed afterwards."""
    import tempfile

    cwd = cwd or Path.cwd()
    absolutes = [p if p.is_absolute() else cwd / p for p in paths]
    starts = [p if p.is_dir() else p.parent for p in absolutes] or [cwd]
    repo = toplevel(starts[0] if starts[0].exists() else cwd)
    commit = resolve_commit(ref, repo)
    rels: dict[Path, str] = {}
    for path in paths:
        absolute = path if path.is_absolute() else (cwd / path)
        rel = os.path.relpath(os.path.abspath(absolute), repo)
        if rel.startswith(".."):
            raise UsageError(f"{path} is outside the git repository {repo}")
        rels[path] = "" if rel == "." else rel
    with tempfile.TemporaryDirectory(prefix="callalert-git-") as tmp:
        root = Path(tmp)
        found: dict[Path, Path | None] = {}
        folders: set[str] = set()
        for path, rel in rels.items():
            kind = _exists(commit, rel, repo) if rel else "tree"
            if kind is None:
                found[path] = None
                continue
            found[path] = root / rel if rel else root
            folder = rel if kind == "tree" else os.path.dirname(rel)
            folders.add(folder)
        # a folder inside another one is already in it
        wanted = sorted(f for f in folders if not any(f != g and (g == "" or f.startswith(g + "/")) for g in folders))
        if wanted:
            proc = _git(["archive", "--format=tar", commit, "--", *(w or "." for w in wanted)], repo)
            if proc.returncode != 0:
                raise UsageError(f"git archive {ref} failed: {_error(proc)}")
            _extract(proc.stdout, root)
        yield Revision(ref, commit, root, found)


def _extract(tar: bytes, root: Path) -> None:
    """The folders and regular files of `git archive`'s tar under `root`. Written member by member, not
    with `extractall(filter=...)`, which Python 3.11 has only from 3.11.4 (Debian 12 ships 3.11.2);
    links, devices and any name that would land outside `root` are left out."""
    base = os.path.realpath(root)
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        for member in archive:
            target = os.path.realpath(os.path.join(base, member.name))
            if os.path.isabs(member.name) or not (target == base or target.startswith(base + os.sep)):
                continue
            if member.isdir():
                os.makedirs(target, exist_ok=True)
            elif member.isreg():
                data = archive.extractfile(member)
                if data is None:
                    continue
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with data, open(target, "wb") as out:
                    out.write(data.read())


def show(ref: str, path: Path, cwd: Path | None = None) -> str | None:
    """The text of one file at `ref` (None: it did not exist then)."""
    cwd = cwd or Path.cwd()
    absolute = path if path.is_absolute() else cwd / path
    repo = toplevel(absolute.parent if absolute.parent.exists() else cwd)
    commit = resolve_commit(ref, repo)
    rel = os.path.relpath(os.path.abspath(absolute), repo)
    proc = _git(["show", f"{commit}:{rel}"], repo)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace")
