"""AlertService against a real Alertmanager: delivery, routing, outage at start, overflow."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from callalert.live.amapi import AlertmanagerClient
from callalert.live.service import AlertService

from .harness import AlertmanagerProcess, HttpSink, free_port

pytestmark = pytest.mark.live

NULL_CONFIG = "route: {receiver: 'null'}\nreceivers: [{name: 'null'}]\n"


def routing_config(sink: HttpSink) -> str:
    return f"""\
route:
  receiver: 'null'
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  routes:
    - matchers: ['severity="critical"']
      receiver: critical-webhook
receivers:
  - name: 'null'
  - name: critical-webhook
    webhook_configs:
      - url: {sink.url_for("/critical")}
"""


def names_in(am: AlertmanagerProcess) -> list[str]:
    with AlertmanagerClient(am.url) as client:
        return sorted(a["labels"]["alertname"] for a in client.get_alerts(['source="callalert-service"']))


def test_alert_reaches_alertmanager_and_follows_routes(
    start_alertmanager: Callable[..., AlertmanagerProcess], http_sink: HttpSink
) -> None:
    am = start_alertmanager(routing_config(http_sink))

    async def scenario() -> float:
        async with AlertService(am.url, labels={"service": "call-automation"}) as service:
            started = time.monotonic()
            await service.check_quality_thresholds({"error_rate": 0.2, "audio_quality": 0.4})
            assert await service.flush(5)
            return time.monotonic() - started

    elapsed = asyncio.run(scenario())
    with AlertmanagerClient(am.url) as client:
        alerts = {a["labels"]["alertname"]: a for a in client.get_alerts(['source="callalert-service"'])}
    assert sorted(alerts) == ["HighCallErrorRate", "LowAudioQuality"]
    assert alerts["HighCallErrorRate"]["labels"] == {
        "alertname": "HighCallErrorRate",
        "category": "errors",
        "service": "call-automation",
        "severity": "critical",
        "source": "callalert-service",
    }
    assert alerts["HighCallErrorRate"]["annotations"]["summary"] == "Alta tasa de error en llamadas: 20.00%"
    assert alerts["HighCallErrorRate"]["receivers"] == [{"name": "critical-webhook"}]
    assert alerts["LowAudioQuality"]["receivers"] == [{"name": "null"}]
    [request] = http_sink.wait_for_path("/critical", timeout=10)
    assert [a["labels"]["alertname"] for a in request.json["alerts"]] == ["HighCallErrorRate"]
    print(f"\nservice -> alertmanager: {elapsed:.3f}s")


def test_alertmanager_down_at_start_then_everything_delivered(
    start_alertmanager: Callable[..., AlertmanagerProcess],
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    holder: dict[str, AlertmanagerProcess] = {}

    async def scenario() -> tuple[float, int]:
        async with AlertService(url, backoff_initial=0.05, backoff_max=0.2, timeout=1) as service:
            for i in range(20):
                await service.send_alert("warning", f"alert {i}", name=f"Queued{i:02d}")
            assert not await service.flush(0.3)
            assert service.pending_count == 20
            assert service.delivered_count == 0
            assert service.last_error == f"Alertmanager at {url} is unreachable: All connection attempts failed"
            holder["am"] = await asyncio.to_thread(start_alertmanager, NULL_CONFIG, port=port)
            ready = time.monotonic()
            assert await service.flush(10)
            delivered_after = time.monotonic() - ready
            assert (service.pending_count, service.delivered_count, service.dropped_count) == (0, 20, 0)
            return delivered_after, service.delivered_count

    delivered_after, delivered = asyncio.run(scenario())
    assert delivered == 20
    assert names_in(holder["am"]) == [f"Queued{i:02d}" for i in range(20)]
    print(f"\nqueued alerts delivered {delivered_after:.3f}s after Alertmanager became ready")


def test_queue_overflow_drops_oldest_live(start_alertmanager: Callable[..., AlertmanagerProcess]) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    holder: dict[str, AlertmanagerProcess] = {}

    async def scenario() -> int:
        async with AlertService(url, queue_limit=5, backoff_initial=0.05, backoff_max=0.2, timeout=1) as service:
            for i in range(12):
                await service.send_alert("info", f"alert {i}", name=f"Overflow{i:02d}")
                await asyncio.sleep(0.01)
            assert service.pending_count == 5
            holder["am"] = await asyncio.to_thread(start_alertmanager, NULL_CONFIG, port=port)
            assert await service.flush(10)
            return service.dropped_count

    assert asyncio.run(scenario()) == 7
    assert names_in(holder["am"]) == [f"Overflow{i:02d}" for i in range(7, 12)]
