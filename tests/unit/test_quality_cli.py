"""`callalert report` on the command line: usage errors, and every way a server can fail us, against
small fake servers on 127.0.0.1. Exit 2 with one clear line, never a traceback, never a credential."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.conftest import EXAMPLE_SPEC, CliResult

Reply = tuple[int, str, str]  # status, content type, body
Answer = Callable[[str], Reply]


class FakeServer:
    def __init__(self, answer: Answer, delay: float = 0.0) -> None:
        owner = self
        self.paths: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _reply(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                owner.paths.append(self.path.split("?")[0])
                time.sleep(delay)
                status, kind, body = answer(self.path.split("?")[0])
                data = body.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (the deadline test)
                    pass

            do_GET = do_POST = _reply

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[..., FakeServer]]:
    started: list[FakeServer] = []

    def start(answer: Answer, delay: float = 0.0) -> FakeServer:
        server = FakeServer(answer, delay)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


def ok(data: Any) -> Reply:
    return 200, "application/json", json.dumps({"status": "success", "data": data})


def empty_prometheus(path: str) -> Reply:
    """A Prometheus 2.42 with no rules and no samples at all."""
    answers = {
        "/api/v1/status/buildinfo": {"version": "2.42.0"},
        "/api/v1/status/config": {"yaml": "global:\n  evaluation_interval: 1m\n"},
        "/api/v1/rules": {"groups": []},
        "/api/v1/query_range": {"resultType": "matrix", "result": []},
        "/api/v1/query": {"resultType": "vector", "result": []},
        "/api/v1/labels": [],
        "/api/v1/status/runtimeinfo": {"storageRetention": "15d"},
    }
    return ok(answers[path]) if path in answers else (404, "text/plain", "404 page not found\n")


def report(run_cli: Callable[..., CliResult], url: str, *extra: str) -> CliResult:
    return run_cli("report", str(EXAMPLE_SPEC), "--prometheus-url", url, "--end", "2025-01-13T00:00:00Z", *extra)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_clean(result: CliResult, *secrets: str) -> None:
    assert "Traceback" not in result.stderr
    for secret in secrets:
        assert secret not in result.stdout + result.stderr


def test_unreachable_prometheus(run_cli: Callable[..., CliResult]) -> None:
    port = closed_port()
    result = report(run_cli, f"http://admin:s3cret@127.0.0.1:{port}")
    assert result.exit_code == 2, result
    assert result.stderr.startswith(f"callalert: error: Prometheus at http://***@127.0.0.1:{port} is unreachable: ")
    assert_clean(result, "s3cret", "admin")


def test_auth_failure(run_cli: Callable[..., CliResult], serve: Callable[..., FakeServer]) -> None:
    server = serve(lambda path: (401, "text/plain", "Unauthorized\n"))
    result = report(run_cli, f"http://admin:s3cret@127.0.0.1:{server.port}")
    assert (result.exit_code, result.stdout) == (2, ""), result
    assert result.stderr == (
        f"callalert: error: Prometheus at http://***@127.0.0.1:{server.port} refused GET /api/v1/status/buildinfo:"
        " HTTP 401 Unauthorized (check the credentials: http://user:password@host in the URL)\n"
    )
    assert_clean(result, "s3cret", "admin")


def test_a_call_that_takes_too_long_is_cut_at_the_deadline(
    run_cli: Callable[..., CliResult], serve: Callable[..., FakeServer]
) -> None:
    server = serve(empty_prometheus, delay=2.0)
    started = time.monotonic()
    result = report(run_cli, f"http://127.0.0.1:{server.port}", "--timeout", "0.5")
    assert time.monotonic() - started < 1.5
    assert result.exit_code == 2, result
    assert result.stderr == (
        f"callalert: error: Prometheus at http://127.0.0.1:{server.port} did not answer GET /api/v1/status/buildinfo"
        " within 0.5s (--timeout)\n"
    )


def test_not_a_prometheus(run_cli: Callable[..., CliResult], serve: Callable[..., FakeServer]) -> None:
    server = serve(lambda path: (200, "text/html", "<html>hello</html>"))
    result = report(run_cli, f"http://127.0.0.1:{server.port}")
    assert result.exit_code == 2, result
    assert result.stderr == (
        f"callalert: error: Prometheus at http://127.0.0.1:{server.port} answered GET /api/v1/status/buildinfo"
        " with something that is not JSON (is this the URL of Prometheus?)\n"
    )
    server = serve(lambda path: (404, "text/plain", "404 page not found\n"))
    result = report(run_cli, f"http://127.0.0.1:{server.port}/prometheus")
    assert result.exit_code == 2, result
    assert result.stderr == (
        f"callalert: error: Prometheus at http://127.0.0.1:{server.port}/prometheus answered GET /api/v1/rules with HTTP 404"
        " Not Found: 404 page not found (is this the base URL of Prometheus?)\n"
    )


def test_query_errors_are_shown_as_prometheus_says_them(
    run_cli: Callable[..., CliResult], serve: Callable[..., FakeServer]
) -> None:
    def answer(path: str) -> Reply:
        if path == "/api/v1/query_range":
            body = {"status": "error", "errorType": "execution", "error": "query timed out in expression evaluation"}
            return 503, "application/json", json.dumps(body)
        return empty_prometheus(path)

    server = serve(answer)
    result = report(run_cli, f"http://127.0.0.1:{server.port}")
    assert result.exit_code == 2, result
    assert result.stderr == (
        f"callalert: error: Prometheus at http://127.0.0.1:{server.port} answered POST /api/v1/query_range with HTTP 503"
        " Service Unavailable: execution: query timed out in expression evaluation\n"
    )


def test_a_range_without_data(run_cli: Callable[..., CliResult], serve: Callable[..., FakeServer]) -> None:
    server = serve(empty_prometheus)
    result = report(run_cli, f"http://127.0.0.1:{server.port}", "--range", "2d")
    assert result.exit_code == 2, result
    assert result.stderr == (
        f"callalert: error: Prometheus at http://127.0.0.1:{server.port} has no data between 2025-01-11T00:00:00Z"
        " and 2025-01-13T00:00:00Z; it keeps 15d (check --range and --end)\n"
    )
    # one query per metric and two-day range in 1m steps: 2,880 points, one request each
    assert server.paths.count("/api/v1/query_range") == 2


def test_unreachable_alertmanager(run_cli: Callable[..., CliResult], serve: Callable[..., FakeServer]) -> None:
    def with_data(path: str) -> Reply:  # no alert ever fired, but Prometheus has data
        return ok(["__name__", "job"]) if path == "/api/v1/labels" else empty_prometheus(path)

    prometheus = serve(with_data)
    port = closed_port()
    result = report(run_cli, f"http://127.0.0.1:{prometheus.port}", "--alertmanager-url", f"http://am:pw@127.0.0.1:{port}")
    assert result.exit_code == 2, result
    assert result.stderr.startswith(f"callalert: error: Alertmanager at http://***@127.0.0.1:{port} is unreachable: ")
    assert_clean(result, ":pw@")


def test_credentials_never_reach_the_report(run_cli: Callable[..., CliResult], serve: Callable[..., FakeServer]) -> None:
    server = serve(lambda path: ok(["__name__", "job"]) if path == "/api/v1/labels" else empty_prometheus(path))
    for fmt in ("json", "text", "markdown", "html"):
        result = report(run_cli, f"http://admin:s3cret@127.0.0.1:{server.port}", "--format", fmt)
        assert result.exit_code == 0, result
        assert f"http://***@127.0.0.1:{server.port}" in result.stdout, fmt
        assert_clean(result, "s3cret", "admin")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "pdf"), "unknown --format 'pdf'; choose one of text, markdown, html, json"),
        (("--range", "a week"), "--range: invalid duration 'a week' (e.g. 30m, 7d, 2w)"),
        (("--range", "0s"), "--range: must be longer than 0"),
        (("--flap-threshold", "10"), "--flap-threshold: invalid duration '10' (e.g. 30m, 7d, 2w)"),
        (("--end", "yesterday"), "--end: invalid time 'yesterday' (e.g. 2025-01-13T00:00:00Z)"),
        (("--timeout", "0"), "--timeout: must be more than 0 seconds"),
        (
            ("--alertmanager-url", "127.0.0.1:9093"),
            "--alertmanager-url: 127.0.0.1:9093 is not an http(s) URL (e.g. http://127.0.0.1:9090)",
        ),
    ],
)
def test_usage_errors(run_cli: Callable[..., CliResult], args: tuple[str, ...], message: str) -> None:
    result = run_cli("report", str(EXAMPLE_SPEC), "--prometheus-url", "http://127.0.0.1:9", *args)
    assert (result.exit_code, result.stderr) == (2, f"callalert: error: {message}\n"), result


def test_an_invalid_spec_exits_1_before_any_request(run_cli: Callable[..., CliResult], tmp_path: Any) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("version: 1\ngroups: nope\n")
    result = run_cli("report", str(spec), "--prometheus-url", "http://127.0.0.1:9")
    assert result.exit_code == 1, result
    assert "groups" in result.stdout and result.stderr.endswith("; no report\n")


def test_progress_is_shown_on_a_terminal_only(serve: Callable[..., FakeServer], tmp_path: Any) -> None:
    import os
    import pty
    import subprocess
    import sys

    def with_data(path: str) -> Reply:
        return ok(["__name__", "job"]) if path == "/api/v1/labels" else empty_prometheus(path)

    server = serve(with_data, delay=0.05)
    out = tmp_path / "report.json"
    command = [
        sys.executable,
        "-m",
        "callalert",
        "report",
        str(EXAMPLE_SPEC),
        "--prometheus-url",
        f"http://127.0.0.1:{server.port}",
    ]
    command += ["--end", "2025-01-13T00:00:00Z", "--format", "json", "--out", str(out)]
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "120"}

    primary, secondary = pty.openpty()
    run = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=secondary, env=env, timeout=60)
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO: the terminal's other side is closed and drained
            break
        if not chunk:
            break
        seen += chunk
    os.close(primary)
    assert run.returncode == 0, seen
    text = seen.decode(errors="replace")
    assert "callalert report: ALERTS every 1m: part 1/2" in text, text
    assert text.rstrip().endswith(f"wrote the json report to {out}"), text

    piped = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=60)
    assert (piped.returncode, piped.stderr) == (0, f"wrote the json report to {out}\n")
