"""Asking the tools their versions: side by side, started early by check and import, only the
kinds a command runs, and never outliving the command (callalert.toolchain.discover)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from callalert.errors import UsageError
from callalert.toolchain import CHECKERS, KINDS, by_name, discover
from callalert.toolchain.discover import MAX_PROBES, _probes

SHELL_PATH = "/usr/bin:/bin"  # what the fake tools themselves run (ls, sleep)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for kind in KINDS:
        monkeypatch.delenv(f"CALLALERT_{kind.upper()}", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    yield
    _probes.stop()


def _tool(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    tool = folder / name
    tool.write_text(f"#!/bin/sh\nPATH={SHELL_PATH}\n{body}\n", encoding="utf-8")
    tool.chmod(0o755)
    return tool


def _suite(tools: Path, name: str) -> Path:
    bindir = tools / name / "usr/bin"
    bindir.mkdir(parents=True, exist_ok=True)
    (tools / name / ".complete").write_text("", encoding="utf-8")
    return bindir


def test_versions_are_asked_side_by_side(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # each fake tool answers only once all of them have started: asked one after another, the
    # first would wait for the others and give up (after 5 s) without a version
    tools, started = tmp_path / "tools", tmp_path / "started"
    started.mkdir()
    wait_for_all = (
        f'touch {started}/"$(basename "$0")-$(basename "$(dirname "$(dirname "$(dirname "$0")")")")"\n'
        "n=0\n"
        f'while [ "$(ls {started} | wc -l)" -lt 4 ]; do\n'
        "  n=$((n+1)); [ $n -gt 500 ] && { echo 'asked alone'; exit 0; }\n"
        "  sleep 0.01\n"
        "done\n"
    )
    for suite, (prom, am) in {"old": ("2.45.1", "0.26.0"), "new": ("3.5.3", "0.33.1")}.items():
        bindir = _suite(tools, suite)
        _tool(bindir, "promtool", wait_for_all + f"echo 'promtool, version {prom} (branch: HEAD)'")
        _tool(bindir, "amtool", wait_for_all + f"echo 'amtool, version {am} (branch: HEAD)'")
    monkeypatch.setenv("CALLALERT_TOOLS_DIR", str(tools))
    assert MAX_PROBES >= 4
    chains = discover()
    assert [str(t.version) for c in chains for t in c.tools.values()] == ["2.45.1", "0.26.0", "3.5.3", "0.33.1"]


def test_a_command_of_checkers_asks_no_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    tools, asked = tmp_path / "tools", tmp_path / "asked"
    asked.mkdir()
    bindir = _suite(tools, "full")
    _tool(bindir, "promtool", "echo 'promtool, version 3.5.3 (branch: HEAD)'")
    _tool(bindir, "amtool", "echo 'amtool, version 0.33.1 (branch: HEAD)'")
    _tool(bindir, "prometheus", f"touch {asked}/prometheus; echo 'prometheus, version 3.5.3 (branch: HEAD)'")
    _tool(bindir, "prometheus-alertmanager", f"touch {asked}/alertmanager; echo 'alertmanager, version 0.33.1 (branch: HEAD)'")
    servers = _suite(tools, "servers")
    _tool(servers, "prometheus", f"touch {asked}/prometheus; echo 'prometheus, version 2.53.3 (branch: HEAD)'")
    monkeypatch.setenv("CALLALERT_TOOLS_DIR", str(tools))

    checkers = discover(kinds=CHECKERS)
    assert [c.describe() for c in checkers] == ["servers: nothing", "full: promtool 3.5.3, amtool 0.33.1"]
    assert sorted(p.name for p in asked.iterdir()) == []
    # a toolchain of servers only is still known by its name (check --toolchain says what it lacks)
    assert by_name(checkers, "servers").tools == {}

    everything = discover()
    assert [c.describe() for c in everything] == [
        "full: promtool 3.5.3, amtool 0.33.1, prometheus 3.5.3, alertmanager 0.33.1",
        "servers: prometheus 2.53.3",
    ]
    assert sorted(p.name for p in asked.iterdir()) == ["alertmanager", "prometheus"]


def test_a_tool_that_cannot_run_is_named_in_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    tools = tmp_path / "tools"
    bindir = _suite(tools, "one")
    _tool(bindir, "promtool", "echo 'promtool, version 3.5.3 (branch: HEAD)'")
    broken = _tool(bindir, "amtool", "echo 'not a version'")
    monkeypatch.setenv("CALLALERT_TOOLS_DIR", str(tools))
    with pytest.raises(UsageError) as raised:
        discover()
    assert str(raised.value) == f"tools/one: {broken} does not look like amtool: `--version` printed 'not a version'"
    # a binary that cannot be started at all (a missing interpreter) is a usage error too
    broken.write_text("#!/nonexistent/interpreter\n", encoding="utf-8")
    os.utime(broken, ns=(1, 1))  # another modification time: asked again
    with pytest.raises(UsageError, match=rf"^cannot run {broken} --version: "):
        discover()


def test_probes_a_command_never_reads_end_with_it(tmp_path: Path) -> None:
    # check and import ask their tools first thing and may stop (an invalid spec) before they read
    # the answers: the probes must not outlive the command (each fake tool would answer in a minute)
    tools, pids = tmp_path / "tools", tmp_path / "pids"
    pids.mkdir()
    bindir = _suite(tools, "slow")
    for name in ("promtool", "amtool"):
        _tool(bindir, name, f"echo $$ > {pids}/.{name}; mv {pids}/.{name} {pids}/{name}\nwhile :; do sleep 0.05; done")
    env = {**os.environ, "CALLALERT_TOOLS_DIR": str(tools), "PATH": SHELL_PATH}
    for kind in KINDS:
        env.pop(f"CALLALERT_{kind.upper()}", None)
    command = (
        "import os, sys, time\n"
        "from callalert.toolchain import CHECKERS, start_probes\n"
        "start_probes(kinds=CHECKERS)\n"
        "deadline = time.monotonic() + 20\n"
        f"while len(os.listdir({str(pids)!r})) < 2 and time.monotonic() < deadline:\n"
        "    time.sleep(0.02)\n"
        "sys.exit(1)  # as a command that found problems\n"
    )
    proc = subprocess.run([sys.executable, "-c", command], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert (proc.returncode, proc.stderr) == (1, "")
    started = {p.name: int(p.read_text(encoding="utf-8")) for p in pids.iterdir()}
    assert sorted(started) == ["amtool", "promtool"]
    deadline = time.monotonic() + 10
    alive = set(started)
    while alive and time.monotonic() < deadline:
        alive = {name for name, pid in started.items() if _running(pid)}
        time.sleep(0.05)
    assert alive == set()


def test_check_asks_its_tools_before_it_validates(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from callalert.check import run as check_run
    from callalert.errors import ProblemsFound

    asked: list[tuple[object, object]] = []
    monkeypatch.setattr(check_run, "start_probes", lambda explicit, kinds: asked.append((explicit, kinds)))
    spec = tmp_path / "spec.yaml"
    spec.write_text("version: 1\nnot_a_key: 1\n", encoding="utf-8")
    with pytest.raises(ProblemsFound):
        check_run.run_check([spec], explicit={"amtool": "/x/amtool"})
    assert asked == [({"amtool": "/x/amtool"}, CHECKERS)]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (ended, not yet reaped) is not running
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
