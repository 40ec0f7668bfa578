"""write_tree leaves a tree alone when it already is, byte for byte and mode for mode, what a swap
would put in place; anything else (an extra, missing, changed, linked or re-moded entry) is rewritten."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from callalert import parallel, treestate, write
from callalert.write import MARKER, TreeReader, write_tree

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


def _folder_moded(out: Path) -> None:
    (out / "runbooks").chmod(0o700)


def _folder_linked(out: Path) -> None:
    (out.parent / "rules").mkdir()
    (out / "prometheus/more").symlink_to(out.parent / "rules")


def _folder_is_a_link(out: Path) -> None:
    (out / "runbooks").rename(out.parent / "runbooks")
    (out / "runbooks").symlink_to(out.parent / "runbooks")


def _same_size(out: Path) -> None:
    (out / "prometheus/rules/a.yml").write_text("groups: {}\n")


CHANGES = [
    _extra,
    _missing,
    _changed,
    _moded,
    _linked,
    _folder,
    _symlink,
    _folder_moded,
    _folder_linked,
    _folder_is_a_link,
    _same_size,
]


@pytest.mark.parametrize("read_first", [False, True], ids=["read-now", "read-by-child"])
@pytest.mark.parametrize("change", CHANGES)
def test_any_difference_writes_a_new_tree(tmp_path: Path, change: Callable[[Path], None], read_first: bool) -> None:
    out = tmp_path / "out"
    write_tree(out, FILES)
    change(out)
    with TreeReader(out, write.READER_MIN_ALERTS) as reader:
        write_tree(out, FILES, reader=reader if read_first else None)
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


@pytest.mark.parametrize("private", [False, True])
@pytest.mark.parametrize("change", [None, *CHANGES])
def test_the_tree_read_beforehand_gives_the_answer_the_disk_gives(
    tmp_path: Path, change: Callable[[Path], None] | None, private: bool
) -> None:
    """_unchanged_state (what TreeReader's child read) and _unchanged (the disk) must agree."""
    out = tmp_path / "out"
    write_tree(out, FILES, private=private)
    if change is not None:
        change(out)
    state = treestate.read_state(out.resolve())
    if state is None:  # unreadable (a symlink where a file belongs): write_tree asks the disk itself
        assert change is _symlink
        return
    for files in (FILES, {**FILES, "runbooks/A.md": "# a\n"}, {k: v for k, v in FILES.items() if k != "runbooks/A.md"}):
        for as_private in (False, True):
            expected = write._unchanged(out.resolve(), files, as_private)
            assert write._unchanged_state(out.resolve(), state, files, as_private) == expected
    assert write._unchanged(out.resolve(), FILES, private) == (change is None)


def test_the_child_reads_the_tree_and_is_gone_after(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, FILES)
    with TreeReader(out, write.READER_MIN_ALERTS) as reader:
        pid = reader.pid
        if parallel.can_fork():
            assert pid, "another core, a tree of callalert's and a large spec: the tree is read by a child"
            assert reader.state(out.resolve()) == treestate.read_state(out.resolve())
    with TreeReader(out, write.READER_MIN_ALERTS) as reader:
        pid = reader.pid
    if pid:
        with pytest.raises(ProcessLookupError):  # killed and reaped, not a zombie
            os.kill(pid, 0)


def test_no_child_for_a_small_spec_or_a_tree_that_is_not_ours(tmp_path: Path) -> None:
    """Below READER_MIN_ALERTS, or for a folder without the marker, write_tree reads the disk itself."""
    out = tmp_path / "out"
    write_tree(out, FILES)
    with TreeReader(out, write.READER_MIN_ALERTS - 1) as reader:
        assert not reader.pid and reader.state(out.resolve()) is None
    (tmp_path / "other").mkdir()
    with TreeReader(tmp_path / "other", write.READER_MIN_ALERTS) as reader:
        assert not reader.pid


def test_a_reader_that_fails_leaves_the_answer_to_the_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    write_tree(out, FILES)
    monkeypatch.setattr(treestate, "__file__", str(tmp_path / "missing.py"))  # the interpreter exits 2
    with TreeReader(out, write.READER_MIN_ALERTS) as reader:
        assert reader.state(out.resolve()) is None
    before = _inodes(out)
    with TreeReader(out, write.READER_MIN_ALERTS) as reader:
        write_tree(out, FILES, reader=reader)
    assert _inodes(out) == before  # unchanged, as the disk says
    _changed(out)
    with TreeReader(out, write.READER_MIN_ALERTS) as reader:
        write_tree(out, FILES, reader=reader)
    assert (out / "runbooks/A.md").read_text() == FILES["runbooks/A.md"]
