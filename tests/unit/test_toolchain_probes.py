"""Asking the tools their versions: side by side, started early by check and import, only the
kinds a command runs, and never outliving the command (callalert.toolchain.discover)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from callalert.errors import UsageError
from callalert.toolchain import CHECKERS, KINDS, by_name, discover, start_probes
from callalert.toolchain.discover import MAX_PROBES, _probes
from tests.conftest import CliResult

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

    _suite(tools, "empty")  # complete, with no binary at all: no toolchain, as ever
    on_path = tmp_path / "bin"
    _tool(on_path, "prometheus", f"touch {asked}/on-path; echo 'prometheus, version 3.1.0 (branch: HEAD)'")
    monkeypatch.setenv("PATH", str(on_path))

    checkers = discover(kinds=CHECKERS)
    assert [c.describe() for c in checkers] == ["full: promtool 3.5.3, amtool 0.33.1", "servers: nothing", "PATH: nothing"]
    assert sorted(p.name for p in asked.iterdir()) == []
    # toolchains of servers only are still known by their names (check --toolchain says what they lack)
    assert by_name(checkers, "servers").tools == by_name(checkers, "PATH").tools == {}

    everything = discover()
    assert [c.describe() for c in everything] == [
        "full: promtool 3.5.3, amtool 0.33.1, prometheus 3.5.3, alertmanager 0.33.1",
        "servers: prometheus 2.53.3",
        "PATH: prometheus 3.1",
    ]
    assert sorted(p.name for p in asked.iterdir()) == ["alertmanager", "on-path", "prometheus"]


def test_at_most_max_probes_run_at_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # each fake tool marks itself running while it runs; the most marks seen at once bound the probes
    tools, running, seen = tmp_path / "tools", tmp_path / "running", tmp_path / "seen"
    running.mkdir()
    seen.mkdir()
    for n in range(3):
        bindir = _suite(tools, f"s{n}")
        for name, version in (("promtool", "3.5.3"), ("amtool", "0.33.1")):
            mark = f"{running}/s{n}-{name}"
            _tool(
                bindir,
                name,
                f"touch {mark}\nls {running} | wc -l > {seen}/s{n}-{name}\nsleep 0.1\nrm {mark}\necho '{name}, version {version}'",
            )
    monkeypatch.setenv("CALLALERT_TOOLS_DIR", str(tools))
    monkeypatch.setattr(sys.modules["callalert.toolchain.discover"], "MAX_PROBES", 2)
    assert len(discover(kinds=CHECKERS)) == 3
    counts = [int(p.read_text(encoding="utf-8")) for p in seen.iterdir()]
    assert len(counts) == 6 and max(counts) <= 2, counts
    assert _probes.running == {} and _probes.waiting == []


def test_starting_probes_never_fails_a_command(
    monkeypatch: pytest.MonkeyPatch, run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    # a tools folder that cannot be listed: check still reports the spec's own problems (exit 1),
    # and discover, when the command gets that far, says what is wrong
    def unreadable(explicit: object) -> object:
        raise PermissionError(13, "Permission denied", str(tmp_path / "tools/locked/.complete"))

    monkeypatch.setattr(sys.modules["callalert.toolchain.discover"], "_places", unreadable)
    start_probes()
    with pytest.raises(PermissionError):
        discover()
    spec = tmp_path / "spec.yaml"
    spec.write_text("version: 1\nnot_a_key: 1\n", encoding="utf-8")
    result = run_cli("check", str(spec))
    assert result.exit_code == 1, result
    assert "not_a_key" in result.stdout


def test_a_binary_changed_while_asked_is_asked_again(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    tools, runs = tmp_path / "tools", tmp_path / "runs"
    runs.mkdir()
    bindir = _suite(tools, "one")
    tool = _tool(bindir, "promtool", f"touch {runs}/$$; sleep 0.2; echo 'promtool, version 3.5.3 (branch: HEAD)'")
    monkeypatch.setenv("CALLALERT_TOOLS_DIR", str(tools))
    start_probes(kinds=CHECKERS)
    os.utime(tool, ns=(1, 1))  # replaced meanwhile: the answer of the old binary is not taken
    assert [c.describe() for c in discover(kinds=CHECKERS)] == ["one: promtool 3.5.3"]
    assert _probes.running == {}  # the old probe was ended, not left counting against MAX_PROBES


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
        # a pid file counts once it is renamed into place: the dot file may be empty still
        f"while len([n for n in os.listdir({str(pids)!r}) if not n.startswith('.')]) < 2 and time.monotonic() < deadline:\n"
        "    time.sleep(0.02)\n"
        "sys.exit(1)  # as a command that found problems\n"
    )
    proc = subprocess.run([sys.executable, "-c", command], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert (proc.returncode, proc.stderr) == (1, "")
    started = {p.name: int(p.read_text(encoding="utf-8")) for p in pids.iterdir() if not p.name.startswith(".")}
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


def test_a_forked_child_asks_for_itself(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # parallel.py forks while probes run: a child that needs the tools asks them itself, and the
    # parent still reads its own probes' answers
    from callalert import parallel

    tools = tmp_path / "tools"
    bindir = _suite(tools, "one")
    _tool(bindir, "promtool", "sleep 0.2; echo 'promtool, version 3.5.3 (branch: HEAD)'")
    _tool(bindir, "amtool", "sleep 0.2; echo 'amtool, version 0.33.1 (branch: HEAD)'")
    monkeypatch.setenv("CALLALERT_TOOLS_DIR", str(tools))
    monkeypatch.delenv(parallel.ENV, raising=False)
    if not parallel.can_fork():
        pytest.skip("needs fork and two cores")
    start_probes(kinds=CHECKERS)
    child = parallel.start(lambda: [c.describe() for c in discover(kinds=CHECKERS)])
    assert child is not None
    assert child.result() == ["one: promtool 3.5.3, amtool 0.33.1"]
    assert [c.describe() for c in discover(kinds=CHECKERS)] == ["one: promtool 3.5.3, amtool 0.33.1"]
