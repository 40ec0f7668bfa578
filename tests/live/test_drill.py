"""`callalert drill` against a real Alertmanager 0.25."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from callalert.live.drill import render_annotation
from tests.conftest import CliResult

from .harness import AlertmanagerProcess, free_port

AM_CONFIG = "route: {receiver: 'null'}\nreceivers: [{name: 'null'}]\n"


def test_render_annotation() -> None:
    labels = {"instance": "app-1"}
    assert render_annotation("{{ $value | humanizePercentage }} on {{ $labels.instance }}", labels) == "42 on app-1"
    assert render_annotation("{{$labels.job}} at {{ $value }}", labels) == "<job> at 42"


@pytest.fixture
def spec(tmp_path: Path, run_cli: Callable[..., CliResult]) -> Path:
    path = tmp_path / "spec.yaml"
    assert run_cli("init", str(path)).exit_code == 0
    return path


@pytest.mark.live
def test_drill_fires_then_resolves(
    spec: Path, start_alertmanager: Callable[..., AlertmanagerProcess], run_cli: Callable[..., CliResult]
) -> None:
    am = start_alertmanager(AM_CONFIG)
    result = run_cli("drill", "MyServiceDown", str(spec), "--alertmanager-url", am.url, "--label", "instance=app-1")
    assert result.exit_code == 0, result
    assert result.stdout.splitlines() == [
        'alert: {alertname="MyServiceDown", category="availability", drill="true", instance="app-1", severity="critical"}',
        "receivers (per the spec's routing): oncall",
        f"accepted by Alertmanager at {am.url} (state active)",
    ]
    (alert,) = am.alerts(filter='drill="true"')
    assert alert["labels"] == {
        "alertname": "MyServiceDown",
        "category": "availability",
        "drill": "true",
        "instance": "app-1",
        "severity": "critical",
    }
    assert alert["annotations"]["description"] == "Target app-1 of job my-service has been unreachable for 2 minutes."
    assert alert["annotations"]["summary"] == "my-service is down"

    resolved = run_cli(
        "drill", "MyServiceDown", str(spec), "--alertmanager-url", am.url, "--label", "instance=app-1", "--resolve"
    )
    assert resolved.exit_code == 0, resolved
    assert resolved.stdout.splitlines()[-1] == f"resolved at {am.url}; Alertmanager no longer lists it as active"
    assert am.alerts(filter='drill="true"') == []


def test_drill_unknown_alert_suggests(spec: Path, run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("drill", "MyServiceDwn", str(spec), "--alertmanager-url", "http://127.0.0.1:9")
    assert result.exit_code == 1
    assert (
        result.stderr
        == "callalert: error: no alert named 'MyServiceDwn' in the spec; did you mean MyServiceDown or MyServiceErrors?\n"
    )


def test_drill_unreachable_alertmanager(spec: Path, run_cli: Callable[..., CliResult]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run_cli("drill", "MyServiceDown", str(spec), "--alertmanager-url", url)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"callalert: error: Alertmanager at {url} is unreachable: ")
