"""What an output tree holds, read by a separate small process (callalert.write.TreeReader).

Deciding that the tree a render would swap in is already in place means reading every file of it
(10,000 runbooks: 0.1 s of open, fstat, read, close). write.TreeReader runs this file as a script
in a fresh interpreter (`python -I -S -B treestate.py DIR`: the standard library only, started in
about 20 ms without copying this process's memory) on another core while callalert renders; it
prints the tree's entries, each file with a SHA-256 digest of its bytes (not the bytes: 15 MB at
10,000 alerts), marshalled. write._unchanged_state asks of them what write._unchanged asks of the
disk; tests/unit/test_write_unchanged.py holds the two to the same answers.

This module imports nothing of callalert's, so the script starts with nothing but what it needs.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import stat
import sys

# a folder: its relative path and "/", mode, uid, gid, whether it is one, its subfolders (name, is a link)
Folder = tuple[str, int, int, int, bool, list[tuple[str, bool]]]
# a file: whether it is a regular one, links, size, mode, uid, gid, digest
Entry = tuple[bool, int, int, int, int, int, bytes]
# the root's device and inode, its folders and files
TreeState = tuple[int, int, list[Folder], dict[str, Entry]]

READ_MAX_BYTES = 64 * 1024 * 1024  # a larger file is left to write_tree (which reads only what it compares)


def digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()  # SHA-NI where the processor has it: faster than BLAKE2b here


def read_state(out_dir: str | os.PathLike[str]) -> TreeState | None:
    """Every entry of the tree at `out_dir` with what write._unchanged looks at; None when it cannot
    be read."""
    folders: list[Folder] = []
    found: dict[str, Entry] = {}
    try:
        top = os.stat(out_dir)
        for root, dirnames, filenames in os.walk(out_dir):
            base = os.path.relpath(root, out_dir)
            base = "" if base == "." else base + "/"
            info = os.lstat(root)
            subdirs = [(name, os.path.islink(os.path.join(root, name))) for name in dirnames]
            folders.append((base, info.st_mode, info.st_uid, info.st_gid, stat.S_ISDIR(info.st_mode), subdirs))
            for name in filenames:
                fd = os.open(os.path.join(root, name), os.O_RDONLY | os.O_NOFOLLOW)
                try:
                    info = os.fstat(fd)
                    regular = stat.S_ISREG(info.st_mode)
                    if regular and info.st_size > READ_MAX_BYTES:
                        return None  # write_tree reads what it needs of it itself
                    sha = digest(os.read(fd, info.st_size + 1)) if regular else b""
                finally:
                    os.close(fd)
                found[base + name] = (regular, info.st_nlink, info.st_size, info.st_mode, info.st_uid, info.st_gid, sha)
    except OSError:
        return None
    return (top.st_dev, top.st_ino, folders, found)


if __name__ == "__main__":
    sys.stdout.buffer.write(marshal.dumps(read_state(sys.argv[1])))
