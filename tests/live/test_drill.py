"""`callalert drill` against a real Alertmanager 0.25."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from callalert.live.drill import drill_alert, render_annotation
from tests.conftest import CliResult

from .harness import AlertmanagerProcess, HttpSink, free_port

AM_CONFIG = "route: {receiver: 'null'}\nreceivers: [{name: 'null'}]\n"


def test_render_annotation_fills_values_as_prometheus_would() -> None:
    labels = {"instance": "app-1"}
    assert render_annotation("{{ $value | humanizePercentage }} on {{ $labels.instance }}", labels, 0.03) == "3% on app-1"
    assert render_annotation("{{$labels.job}} at {{ $value }}", labels, 42.0) == "<job> at 42"
    assert render_annotation("lag {{ $value | humanizeDuration }}", labels, 45.0) == "lag 45s"


def test_drill_alert_takes_its_value_from_the_expression_and_drops_empty_labels() -> None:
    from datetime import UTC, datetime

    alert = drill_alert(
        "ErrorsHigh",
        {"severity": "critical", "team": "payments"},
        {"description": "Error ratio is {{ $value | humanizePercentage }}."},
        {"team": "", "instance": "app-1"},
        datetime(2030, 3, 13, 10, 0, tzinfo=UTC),
        False,
        "sum(rate(errors[5m])) / sum(rate(requests[5m])) > 0.02",
    )
    assert alert == {
        "labels": {"severity": "critical", "alertname": "ErrorsHigh", "drill": "true", "instance": "app-1"},
        "annotations": {"description": "Error ratio is 3%."},
        "startsAt": "2030-03-13T10:00:00.000Z",
    }


def test_drill_label_cannot_be_overridden(spec: Path, run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("drill", "MyServiceDown", str(spec), "--alertmanager-url", "http://127.0.0.1:9", "--label", "drill=false")
    assert result.exit_code == 2, result
    assert result.stderr == (
        "callalert: error: --label drill=false: the drill label marks the alert as a drill (receivers and silences can "
        "tell it from a real one) and cannot be overridden\n"
    )


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
        "receivers now (per the spec's routing): oncall",
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


@pytest.mark.live
def test_drill_says_which_receivers_alertmanager_mutes_now_and_accepts_other_alertnames(
    tmp_path: Path,
    start_alertmanager: Callable[..., AlertmanagerProcess],
    http_sink: HttpSink,
    run_cli: Callable[..., CliResult],
) -> None:
    from datetime import UTC, datetime

    days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    not_today = days[(datetime.now(UTC).weekday() + 3) % 7]
    spec = tmp_path / "drill.yaml"
    spec.write_text(
        f"""version: 1
defaults: {{group_by: [alertname], group_wait: 1s, group_interval: 2s, repeat_interval: 1h}}
severities: {{warning: {{description: today}}}}
receivers:
  default: {{webhook_configs: [{{url: '{http_sink.url_for("/default")}'}}]}}
  chat: {{webhook_configs: [{{url: '{http_sink.url_for("/chat")}'}}]}}
  email: {{webhook_configs: [{{url: '{http_sink.url_for("/email")}'}}]}}
time_intervals:
  - name: not-now
    time_intervals: [{{weekdays: [{not_today}]}}]
routing:
  receiver: default
  routes:
    - {{matchers: ['severity="warning"'], receiver: chat, active_time_intervals: [not-now], continue: true}}
    - {{matchers: ['severity="warning"'], receiver: email}}
groups:
  - name: g
    alerts:
      - {{name: LatencyHigh, expr: 'vector(1) > 0', severity: warning, summary: s, description: d}}
"""
    )
    out = tmp_path / "out"
    assert run_cli("render", str(spec), "--out", str(out)).exit_code == 0
    am = start_alertmanager(out / "alertmanager/alertmanager.yml")
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("alerts: {LatencyHigh: {summary: from the overlay}}\n")
    result = run_cli(
        "drill", "LatencyHigh", str(spec), "--alertmanager-url", am.url, "--label", "alertname=Other", "--overlay", str(overlay)
    )
    assert result.exit_code == 0, result
    assert result.stdout.splitlines() == [
        'alert: {alertname="Other", drill="true", severity="warning"}',
        "receivers now (per the spec's routing): email",
        "muted now: chat (route.routes[0] outside its active_time_intervals 'not-now')",
        f"accepted by Alertmanager at {am.url} (state active)",
    ]
    (alert,) = am.alerts(filter='drill="true"')
    assert alert["annotations"]["summary"] == "from the overlay"
    http_sink.wait_for_path("/email")
    assert http_sink.requests_to("/chat") == []  # Alertmanager agrees: the chat route is muted now
