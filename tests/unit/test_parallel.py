"""callalert/parallel.py and what uses it besides the prefetch (test_prefetch.py): the PromQL
check of a large spec on another core gives exactly what one process gives."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from callalert import parallel
from callalert.diagnostics import Problem
from callalert.model import Model
from callalert.spec.load import Merged
from callalert.validate import validate
from tests.unit.test_prefetch import big_spec

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forking is Linux only")


@pytest.fixture(autouse=True)
def two_cores(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    monkeypatch.delenv(parallel.ENV, raising=False)
    yield


def test_a_child_returns_its_value() -> None:
    child = parallel.start(lambda: {"pid": os.getpid(), "squares": [i * i for i in range(5)]})
    assert child is not None
    got = child.result()
    assert got is not None
    assert got["squares"] == [0, 1, 4, 9, 16]
    assert got["pid"] != os.getpid()
    assert child.result() is None  # once


def test_a_failing_child_gives_none() -> None:
    def fail() -> int:
        raise RuntimeError("boom")

    child = parallel.start(fail)
    assert child is not None
    assert child.result() is None


def test_a_child_is_stopped_and_reaped() -> None:
    child = parallel.start(lambda: time.sleep(60))
    assert child is not None
    pid = child.pid
    child.stop()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_ctrl_c_ends_the_child_at_once() -> None:
    child = parallel.start(lambda: time.sleep(60))
    assert child is not None
    time.sleep(0.2)  # the child has set SIGINT's default action
    os.kill(child.pid, signal.SIGINT)
    started = time.monotonic()
    assert child.result() is None
    assert time.monotonic() - started < 30


def test_no_child_with_one_job(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.ENV, "1")
    assert parallel.start(lambda: 1) is None
    monkeypatch.delenv(parallel.ENV)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 1)
    assert parallel.start(lambda: 1) is None


def test_validate_split_reports_what_one_process_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = big_spec(1200, bad_receiver_at=900)
    # PromQL problems (the split-off check) and others (an unknown severity, a plaintext secret)
    text = text.replace('up{job="svc7"} == 0', 'rate(up{job="svc7"}[5m) > 0', 1)
    text = text.replace('up{job="svc1100"} == 0', 'sum by (job) (up{job="svc1100"}) > bool', 1)
    text = text.replace(
        "summary: Service 3 is down", "summary: see https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX", 1
    )
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    one = validate([spec])
    children: list[parallel.Child[object]] = []
    start = parallel.start
    monkeypatch.setattr(parallel, "start", lambda work: children.append(start(work)) or children[-1])
    split = validate([spec], split=True)
    assert len(children) == 1 and children[0] is not None  # the PromQL check ran in a child
    assert [str(p) for p in split.problems] == [str(p) for p in one.problems]
    messages = " ".join(p.message for p in one.problems)
    assert "unknown severity 'critial'" in messages
    assert "plaintext secret" in messages
    assert sum(p.rule.startswith("promql") for p in one.problems) >= 2


def test_validate_split_shares_the_groups_and_reports_what_one_process_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PromQL check of a spec of many groups: the child checks groups from the last, this process
    from the first once its other checks are done; the problems are those of one process."""
    text = big_spec(1200).replace("  - name: many\n    alerts:\n", "")
    lines = text.split("\n")
    start = lines.index("groups:") + 1
    out, n = lines[:start], 0
    for line in lines[start:]:
        if line.startswith("      - name: Alert"):
            if n % 50 == 0:
                out += [f"  - name: g{n // 50}", "    alerts:"]
            n += 1
        out.append(line)
    text = "\n".join(out)
    for i in (3, 420, 777, 1190):  # invalid PromQL, and a label name Prometheus refuses, in several groups
        text = text.replace(f'up{{job="svc{i}"}} == 0', f'rate(up{{job="svc{i}"}}[5m) > 0', 1)
    text = text.replace("labels: {team: core}", "labels: {team: core, bad-name: x}", 1)
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    one = validate([spec])
    from callalert.validate import promql

    checked = tmp_path / "checked"  # the process that checked each group, one line per group
    check_group = promql.check_group

    def recorded(model: Model, merged: Merged, index: int) -> Iterator[Problem]:
        time.sleep(0.002)  # a group takes a moment, so both processes get some
        with checked.open("a") as out:
            out.write(f"{os.getpid()} {index}\n")
        return check_group(model, merged, index)

    monkeypatch.setattr(promql, "check_group", recorded)
    split = validate([spec], split=True)
    by = [line.split() for line in checked.read_text().splitlines()]
    assert sorted(int(i) for _, i in by) == list(range(24))  # each group once
    assert len({pid for pid, _ in by}) == 2  # by both processes
    assert [str(p) for p in split.problems] == [str(p) for p in one.problems]
    assert sum(p.rule.startswith("promql") for p in one.problems) == 4
    assert any(p.rule == "label-name" for p in one.problems)


def test_validate_split_falls_back_when_the_child_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(big_spec(1100).replace('up{job="svc7"} == 0', 'rate(up{job="svc7"}[5m) > 0', 1))
    one = validate([spec])

    class Failed:
        """A child that takes every group (from the back) and then fails: the parent checks them all."""

        def __init__(self, work: Callable[[], object]) -> None:
            work()

        def result(self) -> None:
            return None

        def stop(self) -> None:
            pass

    monkeypatch.setattr(parallel, "start", Failed)
    split = validate([spec], split=True)
    assert [str(p) for p in split.problems] == [str(p) for p in one.problems]
    assert any(p.rule.startswith("promql") for p in split.problems)
