"""Reading the files of an earlier commit (`diff --base`, `lint --changed-since`): the spec's folder as it
was, whatever else that folder holds, on every Python 3.11 (Debian 12's 3.11.2 has no tar filters)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from callalert.toolchain.git import checkout_at
from tests.conftest import require_program


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", *args], cwd=repo, check=True, capture_output=True
    )


def test_the_folder_as_it_was_without_links_that_lead_out(tmp_path: Path) -> None:
    require_program("git", "apt-get install git")
    repo = tmp_path / "repo"
    (repo / "specs/templates").mkdir(parents=True)
    (repo / "specs/alerting.yaml").write_text("version: 1\n", encoding="utf-8")
    (repo / "specs/templates/chat.tmpl").write_text('{{ define "x" }}old{{ end }}\n', encoding="utf-8")
    (repo / "specs/passwd").symlink_to("/etc/passwd")  # a committed link out of the repository
    (repo / "specs/up").symlink_to("../../..")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    (repo / "specs/templates/chat.tmpl").write_text('{{ define "x" }}new{{ end }}\n', encoding="utf-8")
    (repo / "specs/new.yaml").write_text("version: 1\n", encoding="utf-8")
    with checkout_at("HEAD", [Path("specs/alerting.yaml"), Path("specs/new.yaml")], cwd=repo) as rev:
        assert rev.at(Path("specs/alerting.yaml")) == rev.root / "specs/alerting.yaml"
        assert rev.at(Path("specs/new.yaml")) is None  # not in that commit
        assert (rev.root / "specs/templates/chat.tmpl").read_text(encoding="utf-8") == '{{ define "x" }}old{{ end }}\n'
        assert sorted(p.name for p in (rev.root / "specs").iterdir()) == ["alerting.yaml", "templates"]
        root = rev.root
    assert not root.exists()
