"""spec/prefetch.py: a large spec read on another core while the command starts.

The child is a head start only: what it hands over must be exactly what the parent would have
read itself, and anything else (a changed file, a document for the slow path, a file never asked
for) must leave the parent reading the file the normal way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from callalert import parallel
from callalert.spec import prefetch
from callalert.spec.load import load_file
from callalert.validate import load_documents, validate
from tests.conftest import EXAMPLE_SPEC, ROOT

REAL_MIN_BYTES = prefetch.MIN_BYTES

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the prefetch child is Linux only")


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts without a child, on a machine with two cores, for specs of any size."""
    monkeypatch.setattr(prefetch, "_state", prefetch._State())
    monkeypatch.setattr(prefetch, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    monkeypatch.delenv(parallel.ENV, raising=False)
    yield
    prefetch.stop()


def big_spec(alerts: int, bad_receiver_at: int | None = None) -> str:
    lines = [
        "version: 1",
        "severities:",
        "  critical: {notify: [pager]}",
        "  warning: {notify: [chat]}",
        "categories: {availability: {}, errors: {}}",
        "receivers:",
        "  default: {webhook_configs: [{url: 'http://127.0.0.1:9/default'}]}",
        "  pager: {webhook_configs: [{url: 'http://127.0.0.1:9/pager'}]}",
        "  chat: {webhook_configs: [{url: 'http://127.0.0.1:9/chat'}]}",
        "groups:",
        "  - name: many",
        "    alerts:",
    ]
    for i in range(alerts):
        severity = "critial" if i == bad_receiver_at else ("critical" if i % 3 == 0 else "warning")
        lines += [
            f"      - name: Alert{i}",
            f'        expr: up{{job="svc{i}"}} == 0',
            "        for: 5m",
            f"        severity: {severity}",
            f"        category: {'availability' if i % 2 else 'errors'}",
            f"        summary: Service {i} is down",
            "        description: 'Value is {{ $value }} on {{ $labels.instance }}'",
            "        labels: {team: core}",
        ]
    return "\n".join(lines) + "\n"


def test_the_child_hands_over_what_the_parent_would_read(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(big_spec(200))
    prefetch.start(["validate", str(spec)])
    assert prefetch.pending()
    ahead = prefetch.take(spec)
    own = load_file(spec)
    assert ahead is not None
    assert (ahead.path, ahead.data, ahead.text, ahead.problems) == (own.path, own.data, own.text, own.problems)
    # positions come from the text, as for any document of the fast path
    assert ahead.position(("groups", 0, "alerts", 150, "severity")) == own.position(("groups", 0, "alerts", 150, "severity"))
    assert not prefetch.pending()
    assert prefetch.take(spec) is None  # handed over once


def test_data_marshal_cannot_write_is_handed_over_too(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(big_spec(50) + "x-since: 2024-01-02T03:04:05Z\nx-day: 2024-01-02\n")
    prefetch.start(["validate", str(spec)])
    ahead = prefetch.take(spec)
    assert ahead is not None
    assert ahead.data == load_file(spec).data
    assert type(ahead.data["x-day"]).__name__ == "date"


def test_validate_takes_the_prefetched_spec_and_reports_the_same(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(big_spec(300, bad_receiver_at=250))
    own = validate([spec])
    prefetch.start(["validate", str(spec)])
    assert prefetch.pending()
    ahead = validate([spec])
    assert prefetch._state.taken == {}  # taken  # the child's document was taken, not read again
    assert [str(p) for p in ahead.problems] == [str(p) for p in own.problems]
    assert [(p.line, p.col) for p in ahead.problems] == [(p.line, p.col) for p in own.problems]
    assert any("unknown severity 'critial'" in p.message for p in ahead.problems)


def test_a_path_written_another_way_is_the_same_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "spec.yaml").write_text(big_spec(50))
    prefetch.start(["validate", "./team//spec.yaml"])
    assert prefetch.take(Path("./team//spec.yaml")) is not None  # the command's Path("./team//spec.yaml")
    monkeypatch.setattr(prefetch, "_state", prefetch._State())  # another command
    prefetch.start(["validate", "team/"])
    assert prefetch.take(Path("team/") / "spec.yaml") is not None  # a directory's file, as spec_files names it


def test_a_file_changed_after_the_child_read_it_is_read_again(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(big_spec(50))
    prefetch.start(["validate", str(spec)])
    assert prefetch._state.child is not None
    prefetch._state.taken = prefetch._unpack(prefetch._state.child.result())  # the child is done
    spec.write_text(big_spec(60))
    os.utime(spec, ns=(1, 1))  # a different modification time whatever the clock's resolution
    assert prefetch.take(spec) is None
    assert len(load_documents([spec]).data["groups"][0]["alerts"]) == 60


def test_a_document_for_the_slow_path_is_left_to_the_parent(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(big_spec(20).replace("  warning: {notify: [chat]}", "  warning: &w {notify: [chat]}\n  info: *w"))
    prefetch.start(["lint", str(spec)])
    assert prefetch.take(spec) is None  # an anchor: the node tree reads it, with its positions
    merged = load_documents([spec])
    assert merged.data["severities"]["info"] == {"notify": ["chat"]}


def test_a_spec_with_a_duplicate_key_keeps_its_problem(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(big_spec(20).replace("        for: 5m\n", "        for: 5m\n        for: 1m\n", 1))
    prefetch.start(["validate", str(spec)])
    assert prefetch.take(spec) is None
    assert any("duplicate key 'for'" in p.message for p in load_documents([spec]).problems)


def test_no_child_where_it_cannot_pay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(big_spec(20))
    prefetch.start(["routes", "show", str(spec)])  # not a command that reads the whole spec first
    assert not prefetch.pending()
    monkeypatch.setenv(parallel.ENV, "1")
    prefetch.start(["validate", str(spec)])
    assert not prefetch.pending()
    monkeypatch.delenv(parallel.ENV)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 1)
    prefetch.start(["validate", str(spec)])
    assert not prefetch.pending()
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    monkeypatch.setattr(prefetch, "MIN_BYTES", spec.stat().st_size + 1)
    prefetch.start(["validate", str(spec)])
    assert not prefetch.pending()


def test_candidates_are_the_spec_files_the_arguments_name(tmp_path: Path) -> None:
    (tmp_path / "team").mkdir()
    for name in ("b.yaml", "a.yml", ".hidden.yaml", "notes.txt"):
        (tmp_path / "team" / name).write_text("version: 1\n")
    (tmp_path / "one.yaml").write_text("version: 1\n")
    (tmp_path / "rules.json").write_text("{}")
    argv = [
        "render",
        str(tmp_path / "one.yaml"),
        "--out",
        str(tmp_path / "missing"),
        str(tmp_path / "team"),
        str(tmp_path / "rules.json"),
    ]
    assert prefetch.candidates(argv) == [
        str(tmp_path / "one.yaml"),
        str(tmp_path / "team" / "a.yml"),
        str(tmp_path / "team" / "b.yaml"),
    ]


def test_a_child_never_asked_is_stopped_and_reaped(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(big_spec(2000))
    prefetch.start(["validate", str(spec)])
    assert prefetch._state.child is not None
    pid = prefetch._state.child.pid
    prefetch.stop()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no zombie left behind


def test_the_cli_answers_the_same_with_and_without_the_child(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(big_spec(6000, bad_receiver_at=5000))
    assert spec.stat().st_size > REAL_MIN_BYTES  # large enough for the real threshold
    runs = []
    for value in ("2", "1"):
        env = {**os.environ, parallel.ENV: value}
        runs.append(
            subprocess.run(
                [sys.executable, "-m", "callalert", "validate", str(spec), "--format", "json"],
                capture_output=True,
                text=True,
                env=env,
                cwd=ROOT,
                timeout=120,
            )
        )
    with_child, without = runs
    assert with_child.returncode == without.returncode == 1
    assert with_child.stdout == without.stdout
    assert with_child.stderr == without.stderr
    assert "unknown severity 'critial'" in with_child.stdout
    # `python -m callalert` leaves without the interpreter's shutdown (cli.entry): nothing of the
    # output may be lost on the way out
    assert json.loads(with_child.stdout)


def test_the_bundled_spec_reads_the_same(tmp_path: Path) -> None:
    prefetch.start(["check", str(EXAMPLE_SPEC)])
    ahead = prefetch.take(EXAMPLE_SPEC)
    own = load_file(EXAMPLE_SPEC)
    if ahead is None:  # the fast path leaves it (an anchor, a tag): then the parent reads it, as it must
        assert own.root is not None
    else:
        assert (ahead.data, ahead.text) == (own.data, own.text)


def test_lint_of_a_plain_rule_file_takes_it_too(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from callalert.lint import lint_paths
    from callalert.lint.engine import Options

    options = Options(datetime(2026, 1, 1, tzinfo=UTC))

    rules = tmp_path / "rules.yml"
    body = "".join(
        f'      - alert: A{i}\n        expr: up{{job="j{i}"}} == 0\n        for: 5m\n        labels: {{severity: page}}\n'
        for i in range(300)
    )
    rules.write_text("groups:\n  - name: g\n    rules:\n" + body)
    own = lint_paths([rules], options)
    prefetch.start(["lint", str(rules)])
    ahead = lint_paths([rules], options)
    assert prefetch._state.taken == {}  # taken
    assert [str(p) for p in ahead.problems] == [str(p) for p in own.problems]
