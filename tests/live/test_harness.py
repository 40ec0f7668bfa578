"""The harness proves itself: real Prometheus -> real Alertmanager -> each kind of receiver sink."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from .harness import (
    SYSTEM_TEMPLATES,
    AlertmanagerProcess,
    Exporter,
    HttpSink,
    NamespaceUnavailable,
    PrometheusProcess,
    SmtpSink,
    alertmanager_share,
    free_port,
    overlay_prefix,
    wait_until,
)

pytestmark = pytest.mark.live

RULES = """\
groups:
  - name: harness
    rules:
      - alert: HarnessAlwaysFiring
        expr: vector(1) > 0
        for: 0s
        labels:
          severity: critical
          category: availability
        annotations:
          summary: always firing
          description: "value is {{ $value }}"
      - alert: HarnessLowAudioQuality
        expr: avg(audio_quality_score) < 0.7
        for: 0s
        labels:
          severity: warning
          category: quality
        annotations:
          summary: "audio quality {{ $value }}"
"""


def alertmanager_config(sink: HttpSink, smtp: SmtpSink) -> str:
    return f"""\
route:
  receiver: webhook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - {{receiver: webhook, continue: true}}
    - {{receiver: slack, continue: true}}
    - {{receiver: email, continue: true}}
    - {{receiver: pagerduty-v2}}
receivers:
  - name: webhook
    webhook_configs:
      - url: {sink.url_for("/webhook")}
  - name: slack
    slack_configs:
      - api_url: {sink.url_for("/slack")}
        channel: "#alerts"
        title: '[{{{{ .Status | toUpper }}}}] {{{{ .CommonLabels.alertname }}}}'
        text: '{{{{ range .Alerts }}}}*Alerta:* {{{{ .Annotations.summary }}}}{{{{ end }}}}'
  - name: email
    email_configs:
      - to: alerts@example.com
        from: alertmanager@example.com
        smarthost: {smtp.address}
        require_tls: false
        headers:
          Subject: '[{{{{ .Status | toUpper }}}}] {{{{ .CommonLabels.alertname }}}}'
  - name: pagerduty-v2
    pagerduty_configs:
      - routing_key: abcdefabcdefabcdefabcdefabcdefab
        url: {sink.url_for("/pagerduty-v2")}
        details:
          severity: '{{{{ .CommonLabels.severity }}}}'
"""


@dataclass
class Stack:
    started: float
    exporter: Exporter
    sink: HttpSink
    smtp: SmtpSink
    alertmanager: AlertmanagerProcess
    prometheus: PrometheusProcess

    def since_start(self, at: float) -> float:
        return round(at - self.started, 2)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, prometheus_bin: str, alertmanager_bin: str) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("stack")
    rules = tmp / "rules.yml"
    rules.write_text(RULES)
    with Exporter() as exporter, HttpSink() as sink, SmtpSink() as smtp:
        exporter.set("audio_quality_score", 0.5)
        (tmp / "alertmanager.yml").write_text(alertmanager_config(sink, smtp))
        started = time.monotonic()
        with (
            AlertmanagerProcess(tmp / "alertmanager.yml", binary=alertmanager_bin) as am,
            PrometheusProcess(
                tmp / "prometheus",
                [rules],
                {"call-automation": exporter.address},
                am.url,
                binary=prometheus_bin,
            ) as prom,
        ):
            yield Stack(started, exporter, sink, smtp, am, prom)


def webhook_alertnames(request_json: dict[str, Any]) -> set[str]:
    return {a["labels"]["alertname"] for a in request_json["alerts"]}


def test_processes_start_fast(stack: Stack) -> None:
    assert stack.alertmanager.startup_seconds < 5
    assert stack.prometheus.startup_seconds < 5
    status = httpx.get(f"{stack.alertmanager.url}/api/v2/status").json()
    assert status["cluster"]["status"] == "disabled"
    print(
        f"\nstartup: alertmanager {stack.alertmanager.startup_seconds:.2f}s, prometheus {stack.prometheus.startup_seconds:.2f}s"
    )


def test_webhook_receives_prometheus_alert(stack: Stack) -> None:
    [request] = stack.sink.wait_for(
        lambda r: r.path == "/webhook" and "HarnessAlwaysFiring" in webhook_alertnames(r.json), timeout=15
    )
    payload = request.json
    assert request.method == "POST"
    assert payload["version"] == "4"
    assert payload["status"] == "firing"
    assert payload["receiver"] == "webhook"
    [alert] = payload["alerts"]
    assert alert["labels"] == {"alertname": "HarnessAlwaysFiring", "severity": "critical", "category": "availability"}
    assert alert["annotations"] == {"summary": "always firing", "description": "value is 1"}
    print(f"\nwebhook: {stack.since_start(request.received_at)}s after start")
    assert stack.since_start(request.received_at) < 10


def test_exporter_value_reaches_webhook(stack: Stack) -> None:
    [request] = stack.sink.wait_for(
        lambda r: r.path == "/webhook" and "HarnessLowAudioQuality" in webhook_alertnames(r.json), timeout=15
    )
    [alert] = request.json["alerts"]
    assert alert["annotations"]["summary"] == "audio quality 0.5"
    assert alert["labels"]["category"] == "quality"
    print(f"\nexporter->webhook: {stack.since_start(request.received_at)}s after start")


def test_slack_payload(stack: Stack) -> None:
    # channel, username and color come from the server's default.tmpl (slack.default.* names): with another
    # version's file at Debian's fixed path (0.33 reading 0.25's), Alertmanager silently drops them.
    [request] = stack.sink.wait_for(lambda r: r.path == "/slack" and "HarnessAlwaysFiring" in r.body.decode(), timeout=15)
    payload = request.json
    assert request.headers["content-type"] == "application/json"
    assert payload["channel"] == "#alerts"
    [attachment] = payload["attachments"]
    assert attachment["title"] == "[FIRING] HarnessAlwaysFiring"
    assert attachment["text"] == "*Alerta:* always firing"
    assert attachment["color"] == "danger"
    print(f"\nslack: {stack.since_start(request.received_at)}s after start")


def test_pagerduty_v2_payload(stack: Stack) -> None:
    [request] = stack.sink.wait_for(lambda r: r.path == "/pagerduty-v2" and "HarnessAlwaysFiring" in r.body.decode(), timeout=15)
    payload = request.json
    # Events API v2 (routing_key): event_action/dedup_key and a nested payload. Only v2 honours `url:`;
    # Alertmanager 0.25 posts v1 (service_key) events to events.pagerduty.com whatever `url` says,
    # so a v1 receiver cannot be pointed at a loopback sink.
    assert payload["routing_key"] == "abcdefabcdefabcdefabcdefabcdefab"
    assert payload["event_action"] == "trigger"
    assert payload["payload"]["summary"].startswith("[FIRING:1] HarnessAlwaysFiring")
    assert payload["payload"]["severity"] == "error"
    assert len(payload["dedup_key"]) == 64
    # Configured details are merged into Alertmanager's defaults (firing, num_firing, ...), not replacing them.
    assert payload["payload"]["custom_details"]["severity"] == "critical"
    # (the string "1" from Alertmanager 0.25 and 0.28; 0.33, whose details may be nested values, sends the number 1)
    assert str(payload["payload"]["custom_details"]["num_firing"]) == "1"
    print(f"\npagerduty v2: {stack.since_start(request.received_at)}s after start")


def test_email_reaches_smtp_sink(stack: Stack) -> None:
    [mail] = stack.smtp.wait_for(lambda m: "HarnessAlwaysFiring" in m.subject, timeout=15)
    assert mail.subject == "[FIRING] HarnessAlwaysFiring"
    assert mail.mail_from == "alertmanager@example.com"
    assert mail.rcpt_tos == ("alerts@example.com",)
    assert mail.html is not None and "always firing" in mail.html
    print(f"\nemail: {stack.since_start(mail.received_at)}s after start")


def test_prometheus_sees_exporter_metrics(stack: Stack) -> None:
    stack.prometheus.wait_for_targets_up(timeout=10)
    [up] = stack.prometheus.query('up{job="call-automation"}')
    assert up["value"][1] == "1"
    [quality] = stack.prometheus.query("audio_quality_score")
    assert quality["value"][1] == "0.5"


def test_rule_reload_waits_for_alertmanager_rediscovery(stack: Stack) -> None:
    stack.sink.wait_for_path("/webhook", timeout=15)  # the stack is warm: Alertmanager discovered
    extra = stack.prometheus.workdir / "extra.yml"
    extra.write_text(
        "groups:\n  - name: extra\n    rules:\n      - alert: HarnessReloaded\n        expr: vector(2)\n"
        "        labels: {severity: warning}\n"
    )
    started = time.monotonic()
    stack.prometheus.reconfigure(rule_files=[*stack.prometheus.rule_files, extra])
    stack.prometheus.wait_for_alert("HarnessReloaded", timeout=10)
    firing = time.monotonic() - started
    [request] = stack.sink.wait_for(
        lambda r: r.path == "/webhook" and "HarnessReloaded" in webhook_alertnames(r.json), timeout=10
    )
    elapsed = request.received_at - started
    print(f"\nrule reload -> firing in prometheus {firing:.2f}s, -> webhook {elapsed:.2f}s")
    # Rules apply within an evaluation interval; delivery waits for the notifier's rediscovery (<= 5s tick).
    assert firing < 2.5
    assert elapsed < 8


# ---------------------------------------------------------------------------------------------
# Exporter and sinks on their own (no servers needed)


def test_exporter_text_format() -> None:
    with Exporter() as exporter:
        exporter.set("audio_quality_score", 0.5)
        exporter.set("total_calls", 10, status="failed")
        exporter.inc("total_calls", 5, status="completed")
        exporter.inc("total_calls", 1, status="completed")
        exporter.observe("call_latency_seconds", 12.0, n=3)
        exporter.observe("call_latency_seconds", 0.3)
        text = httpx.get(f"{exporter.url}/metrics").text
    assert text == (
        "# HELP audio_quality_score Audio quality score (0-1).\n"
        "# TYPE audio_quality_score gauge\n"
        "audio_quality_score 0.5\n"
        "# HELP call_latency_seconds Call latency in seconds.\n"
        "# TYPE call_latency_seconds histogram\n"
        'call_latency_seconds_bucket{le="0.1"} 0\n'
        'call_latency_seconds_bucket{le="0.25"} 0\n'
        'call_latency_seconds_bucket{le="0.5"} 1\n'
        'call_latency_seconds_bucket{le="1.0"} 1\n'
        'call_latency_seconds_bucket{le="2.5"} 1\n'
        'call_latency_seconds_bucket{le="5.0"} 1\n'
        'call_latency_seconds_bucket{le="10.0"} 1\n'
        'call_latency_seconds_bucket{le="20.0"} 4\n'
        'call_latency_seconds_bucket{le="30.0"} 4\n'
        'call_latency_seconds_bucket{le="60.0"} 4\n'
        'call_latency_seconds_bucket{le="+Inf"} 4\n'
        "call_latency_seconds_sum 36.3\n"
        "call_latency_seconds_count 4\n"
        "# HELP total_calls Calls by final status.\n"
        "# TYPE total_calls counter\n"
        'total_calls{status="completed"} 6.0\n'
        'total_calls{status="failed"} 10.0\n'
    )


def test_exporter_set_histogram_and_rate() -> None:
    with Exporter(buckets={"ai_response_time_seconds": (1, 3, 5)}) as exporter:
        exporter.set_histogram("ai_response_time_seconds", {1: 2, 5: 7}, sum=20.5)
        exporter.set("elevenlabs_errors_total", 100)
        exporter.set_rate("elevenlabs_errors_total", 1000.0)
        time.sleep(0.05)
        text = exporter.render()
        exporter.healthy = False
        unhealthy = httpx.get(f"{exporter.url}/metrics")
    assert 'ai_response_time_seconds_bucket{le="1.0"} 2\n' in text
    assert 'ai_response_time_seconds_bucket{le="3.0"} 2\n' in text
    assert 'ai_response_time_seconds_bucket{le="5.0"} 7\n' in text
    assert 'ai_response_time_seconds_bucket{le="+Inf"} 7\n' in text
    assert "ai_response_time_seconds_sum 20.5\n" in text
    errors = float(next(line for line in text.splitlines() if line.startswith("elevenlabs_errors_total ")).split()[1])
    assert 140 <= errors < 1000
    assert unhealthy.status_code == 503


def test_http_sink_records_and_times_out() -> None:
    with HttpSink(status=202) as sink:
        response = httpx.post(sink.url_for("/hook"), json={"a": 1}, headers={"X-Test": "yes"})
        assert response.status_code == 202
        [request] = sink.wait_for_path("/hook", timeout=1)
        assert (request.method, request.json, request.headers["x-test"]) == ("POST", {"a": 1}, "yes")
        with pytest.raises(
            AssertionError, match=r"HttpSink: 0/1 matching item\(s\) after 0.1s; received:\n  HttpRequest\(POST /hook"
        ):
            sink.wait_for_path("/other", timeout=0.1)


def test_smtp_sink_decodes_mime() -> None:
    import smtplib
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"] = "[FIRING] Prueba"
    message["From"] = "a@example.com"
    message["To"] = "b@example.com"
    message.set_content("plain body")
    message.add_alternative("<p>Calidad bajá</p>", subtype="html")
    with SmtpSink() as smtp:
        with smtplib.SMTP(smtp.address.split(":")[0], smtp.port, timeout=5) as client:
            client.send_message(message)
        [mail] = smtp.wait_for(timeout=5)
    assert mail.subject == "[FIRING] Prueba"
    assert mail.html == "<p>Calidad bajá</p>\n"
    assert mail.text == "plain body\n"


def test_free_port_is_bindable() -> None:
    import socket

    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_a_cluster_port_taken_before_the_peer_binds_it_is_picked_again(tmp_path: Path, alertmanager_bin: str) -> None:
    # what a peer started earlier can do to a later one: take its cluster port before it binds
    import socket

    (tmp_path / "am.yml").write_text("route: {receiver: a}\nreceivers: [{name: a}]\n")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        peer = AlertmanagerProcess(tmp_path / "am.yml", binary=alertmanager_bin, cluster_port=port)
        with peer:
            assert peer.cluster_port != port
            assert peer.status()["cluster"]["status"] in ("ready", "settling")
    assert f":{port}: bind: address already in use" in peer.log()


def test_process_failure_shows_log(tmp_path: Path, alertmanager_bin: str) -> None:
    (tmp_path / "bad.yml").write_text("route: {receiver: nowhere}\nreceivers: []\n")
    with pytest.raises(RuntimeError) as info:
        AlertmanagerProcess(tmp_path / "bad.yml", binary=alertmanager_bin).start()
    assert "alertmanager exited with code 1 during startup" in str(info.value)
    assert 'err="undefined receiver \\"nowhere\\" used in route"' in str(info.value)


def test_alertmanager_fixture_and_reload(start_alertmanager: Callable[..., AlertmanagerProcess], http_sink: HttpSink) -> None:
    am = start_alertmanager("route: {receiver: a}\nreceivers: [{name: a}]\n")
    am.config_file.write_text(
        f"route: {{receiver: b, group_wait: 0s}}\nreceivers: [{{name: b, webhook_configs: [{{url: '{http_sink.url_for('/b')}'}}]}}]\n"
    )
    am.reload()
    httpx.post(f"{am.url}/api/v2/alerts", json=[{"labels": {"alertname": "Reloaded"}}]).raise_for_status()
    [request] = http_sink.wait_for_path("/b", timeout=10)
    assert request.json["receiver"] == "b"
    assert json.loads(request.body)["alerts"][0]["labels"] == {"alertname": "Reloaded"}
    wait_until(lambda: not am.alerts(filter='alertname="Nope"'), 1, "empty filter result")


def test_debian_alertmanager_runs_with_its_own_templates(
    start_alertmanager: Callable[..., AlertmanagerProcess], alertmanager_bin: str
) -> None:
    # A side-by-side Debian server reads /usr/share/prometheus/alertmanager/*.tmpl: unless the very same
    # files are there, the harness starts it with its own usr/share laid over /usr/share.
    share = alertmanager_share(alertmanager_bin)
    own = Path(os.path.realpath(alertmanager_bin)).parent.parent / "share/prometheus/alertmanager/default.tmpl"
    system = SYSTEM_TEMPLATES / "default.tmpl"
    needs_overlay = own.is_file() and (not system.is_file() or system.read_bytes() != own.read_bytes())
    assert (share is not None) == needs_overlay
    am = start_alertmanager("route: {receiver: a}\nreceivers: [{name: a}]\n")
    assert (am.args[0] == "unshare") == needs_overlay, am.args
    assert am.args[am.args.index(alertmanager_bin) + 1].startswith("--config.file=")


def test_overlay_that_cannot_work_is_explained(tmp_path: Path) -> None:
    # no prometheus/alertmanager/default.tmpl under tmp_path: the probe (cmp) fails in every variant
    with pytest.raises(NamespaceUnavailable) as info:
        overlay_prefix(str(tmp_path))
    text = str(info.value)
    assert text.startswith(
        "Debian's prometheus-alertmanager reads its templates from /usr/share/prometheus/alertmanager/, and this machine has "
    )
    assert f"the harness lays {tmp_path} over /usr/share in a private mount namespace, which failed here:\n$ unshare " in text
    assert text.endswith(
        "Run the live tests as root, enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, "
        "user.max_user_namespaces > 0), or install the same prometheus-alertmanager system-wide."
    )
