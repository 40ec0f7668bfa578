"""The CLI's contract: exit codes from the one handler, tracebacks only for bugs, deterministic bytes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from callalert.write import read_tree
from tests.conftest import EXAMPLE_SPEC, ROOT, CliResult

MULTI_FILE = sorted((ROOT / "tests/golden/cases/multi-file/specs").glob("*.yaml"))


def test_internal_error_exits_3_with_a_traceback(run_cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> None:
    import callalert.cli.commands

    def broken(*_: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(callalert.cli.commands, "cmd_validate", broken)
    result = run_cli("validate", str(EXAMPLE_SPEC))
    assert result.exit_code == 3, result
    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: boom" in result.stderr
    assert result.stderr.endswith(
        "callalert: internal error (a bug in callalert "
        f"{__import__('callalert').__version__}, not in your spec); please report it with the traceback above\n"
    )


def test_interrupt_exits_130_without_a_traceback(run_cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> None:
    import callalert.cli.commands

    def interrupted(*_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(callalert.cli.commands, "cmd_render", interrupted)
    result = run_cli("render", str(EXAMPLE_SPEC), "--out", "/nonexistent/never-written")
    assert (result.exit_code, result.stderr) == (130, "callalert: interrupted\n"), result


def test_usage_errors_exit_2(run_cli: Callable[..., CliResult]) -> None:
    assert run_cli("validate", "--format", "xml", str(EXAMPLE_SPEC)).exit_code == 2
    assert run_cli("render", "--no-such-option").exit_code == 2
    assert run_cli("validate", "does-not-exist.yaml").stderr == "callalert: error: spec file not found: does-not-exist.yaml\n"


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_every_problem_command_offers_the_same_formats(run_cli: Callable[..., CliResult], tmp_path: Path, fmt: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nseverities: {}\nreceivers: {}\nbogus: 1\n", encoding="utf-8")
    for command in (["validate"], ["render", "--out", str(tmp_path / "out")], ["check"], ["lint"]):
        result = run_cli(*command, str(bad), "--format", fmt)
        assert result.exit_code == 1, (command, result)
        assert "bogus" in result.stdout, (command, result)
    assert not (tmp_path / "out").exists()


def _render_in_subprocess(specs: list[Path], out: Path, seed: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    cmd = [sys.executable, "-m", "callalert", "render", *map(str, specs), "--out", str(out)]
    subprocess.run(cmd, check=True, env=env, cwd=ROOT, capture_output=True)
    return read_tree(out)


@pytest.mark.parametrize("specs", [[EXAMPLE_SPEC], MULTI_FILE], ids=["call-automation", "multi-file"])
def test_same_bytes_in_every_process(tmp_path: Path, specs: list[Path]) -> None:
    first = _render_in_subprocess(specs, tmp_path / "a", "0")
    second = _render_in_subprocess(specs, tmp_path / "b", "4242")
    assert first and first == second


def test_ctrl_c_on_a_real_process_exits_130(tmp_path: Path) -> None:
    import signal
    import socket
    import time

    # an "Alertmanager" that accepts connections and never answers: drill waits on it
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    url = f"http://127.0.0.1:{server.getsockname()[1]}"
    cmd = [sys.executable, "-m", "callalert", "drill", "HighCPUUsage", str(EXAMPLE_SPEC), "--alertmanager-url", url]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        conn, _ = server.accept()  # drill is now waiting for the answer
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        conn.close()
    finally:
        proc.kill()
        server.close()
    assert proc.returncode == 130, err
    assert err.endswith("callalert: interrupted\n") and "Traceback" not in err, err
