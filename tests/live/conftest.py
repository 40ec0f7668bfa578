"""Fixtures for tests that start real Prometheus/Alertmanager servers on loopback."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_tool  # pytest 9 imports the rootdir conftest as tests.conftest

from .harness import AlertmanagerProcess, Exporter, HttpSink, ManagedProcess, PrometheusProcess, SmtpSink, show_logs


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(autouse=True)
def _show_server_logs_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    """When a live test fails, print the logs of every server it started or used (shown by pytest)."""
    before = time.monotonic()
    yield
    failed = any(getattr(getattr(request.node, f"rep_{when}", None), "failed", False) for when in ("setup", "call"))
    if failed:
        relevant = [p for p in dict.fromkeys(ManagedProcess.started) if p.started_at >= before or p.running]
        if relevant:
            sys.stdout.write(show_logs(relevant) + "\n")


@pytest.fixture(scope="session")
def prometheus_bin() -> str:
    return require_tool("prometheus")


@pytest.fixture(scope="session")
def alertmanager_bin() -> str:
    return require_tool("prometheus-alertmanager")


@pytest.fixture
def exporter() -> Iterator[Exporter]:
    with Exporter() as exp:
        yield exp


@pytest.fixture
def http_sink() -> Iterator[HttpSink]:
    with HttpSink() as sink:
        yield sink


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def start_alertmanager(alertmanager_bin: str, tmp_path: Path) -> Iterator[Callable[..., AlertmanagerProcess]]:
    """start_alertmanager(config_text_or_path, port=None) -> a running AlertmanagerProcess, stopped at teardown."""
    with ExitStack() as stack:
        counter = iter(range(1000))

        def start(config: str | Path, *, port: int | None = None, **kwargs: Any) -> AlertmanagerProcess:
            workdir = tmp_path / f"alertmanager-{next(counter)}"
            workdir.mkdir()
            if isinstance(config, str):
                path = workdir / "alertmanager.yml"
                path.write_text(config)
            else:
                path = config
            proc = AlertmanagerProcess(path, workdir=workdir, port=port, binary=alertmanager_bin, **kwargs)
            return stack.enter_context(proc)

        yield start


@pytest.fixture
def start_prometheus(prometheus_bin: str, tmp_path: Path) -> Iterator[Callable[..., PrometheusProcess]]:
    """start_prometheus(rule_files, scrape_targets, alertmanager_url, ...) -> a running PrometheusProcess."""
    with ExitStack() as stack:
        counter = iter(range(1000))

        def start(*args: Any, **kwargs: Any) -> PrometheusProcess:
            workdir = tmp_path / f"prometheus-{next(counter)}"
            proc = PrometheusProcess(workdir, *args, binary=prometheus_bin, **kwargs)
            return stack.enter_context(proc)

        yield start
