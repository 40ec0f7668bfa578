"""Fixtures for tests that start real Prometheus/Alertmanager servers on loopback.

Which servers: the toolchains of `installed_toolchains()` that have both. A module runs on the
newest by default; one that sets `LIVE_TOOLCHAINS = "oldest-and-newest"` (the end-to-end suite)
runs once on the oldest and once on the newest. Tests name the toolchain they ran on (`[sid]`) and
ask `live_chain` for versions instead of assuming one.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import installed_toolchains, require_in  # pytest 9 imports the rootdir conftest as tests.conftest

from .harness import AlertmanagerProcess, Exporter, HttpSink, ManagedProcess, PrometheusProcess, SmtpSink, show_logs

if TYPE_CHECKING:
    from callalert.toolchain import Toolchain


def live_toolchains(which: str) -> list[Toolchain | None]:
    """The toolchains a live module runs on: [newest], or [oldest, newest] (one when they are the same)."""
    chains = [c for c in installed_toolchains() if c.get("prometheus") and c.get("alertmanager")]
    if not chains:
        return [None]  # require_in skips (or fails in CI) with the install command
    picked = [chains[0], chains[-1]] if which == "oldest-and-newest" and len(chains) > 1 else [chains[-1]]
    return list(picked)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "live_chain" in metafunc.fixturenames:
        chains = live_toolchains(getattr(metafunc.module, "LIVE_TOOLCHAINS", "newest"))
        ids = [c.name if c is not None else "no-toolchain" for c in chains]
        metafunc.parametrize("live_chain", chains, ids=ids, scope="session")


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
def prometheus_bin(live_chain: Toolchain | None) -> str:
    return require_in(live_chain, "prometheus").path


@pytest.fixture(scope="session")
def alertmanager_bin(live_chain: Toolchain | None) -> str:
    return require_in(live_chain, "alertmanager").path


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
