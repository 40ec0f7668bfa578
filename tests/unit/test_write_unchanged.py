"""write_tree leaves a tree alone when it already is, byte for byte and mode for mode, what a swap
would put in place; anything else (an extra, missing, changed, linked or re-moded entry) is rewritten."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from callalert.write import MARKER, write_tree

FILES = {"prometheus/rules/a.yml": "groups: []\n", "runbooks/A.md": "# A\n", "alertmanager/alertmanager.yml": "route: {}\n"}


def _inodes(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_ino for p in sorted(out.rglob("*"))}


def test_an_unchanged_tree_is_not_touched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, FILES)
    before = _inodes(out)
    write_tree(out, FILES)
    assert _inodes(out) == before
    assert {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} == {*FILES, MARKER}


def test_a_private_tree_is_unchanged_only_with_its_private_modes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, FILES, private=True)
    before = _inodes(out)
    write_tree(out, FILES, private=True)
    assert _inodes(out) == before
    assert (out / "alertmanager").stat().st_mode & 0o777 == 0o700
    write_tree(out, FILES)  # the same bytes, not private: a new tree with the umask's modes
    assert (out / "alertmanager").stat().st_mode & 0o777 == 0o777 & ~_umask()
    assert (out / "alertmanager/alertmanager.yml").stat().st_mode & 0o777 == 0o666 & ~_umask()


def _extra(out: Path) -> None:
    (out / "runbooks/B.md").write_text("# B\n")


def _missing(out: Path) -> None:
    (out / "runbooks/A.md").unlink()


def _changed(out: Path) -> None:
    (out / "runbooks/A.md").write_text("# a\n")


def _moded(out: Path) -> None:
    (out / "runbooks/A.md").chmod(0o600)


def _linked(out: Path) -> None:
    os.link(out / "runbooks/A.md", out.parent / "elsewhere.md")


def _folder(out: Path) -> None:
    (out / "empty").mkdir()


def _symlink(out: Path) -> None:
    (out / "runbooks/A.md").unlink()
    (out.parent / "target.md").write_text("# A\n")
    (out / "runbooks/A.md").symlink_to(out.parent / "target.md")


@pytest.mark.parametrize("change", [_extra, _missing, _changed, _moded, _linked, _folder, _symlink])
def test_any_difference_writes_a_new_tree(tmp_path: Path, change: Callable[[Path], None]) -> None:
    out = tmp_path / "out"
    write_tree(out, FILES)
    change(out)
    write_tree(out, FILES)
    found = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() or p.is_symlink()}
    assert found == {*FILES, MARKER}
    for rel, text in FILES.items():
        path = out / rel
        assert not path.is_symlink()
        assert path.read_text() == text
        assert path.stat().st_nlink == 1
        assert path.stat().st_mode & 0o777 == 0o666 & ~_umask()
    assert not (out / "empty").exists()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
