"""AlertService with httpx.MockTransport, a fake clock and a fake sleep (no network, no real waiting)."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest

from callalert.live.service import AlertService, Pattern, Thresholds

T = TypeVar("T")
URL = "http://127.0.0.1:9093"
START = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


class FakeAlertmanager:
    """A MockTransport handler: records posted alert batches; `down` makes it refuse connections."""

    def __init__(self) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self.down = False
        self.status = 200
        self.attempts = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self.down:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        assert (request.method, request.url.path) == ("POST", "/api/v2/alerts")
        if self.status != 200:
            return httpx.Response(self.status, text="bad alert")
        self.batches.append(json.loads(request.content))
        return httpx.Response(200)

    @property
    def alerts(self) -> list[dict[str, Any]]:
        return [alert for batch in self.batches for alert in batch]

    @property
    def summaries(self) -> list[str]:
        return [a["annotations"]["summary"] for a in self.alerts]


class Harness:
    def __init__(self, **kwargs: Any) -> None:
        self.clock = FakeClock()
        self.am = FakeAlertmanager()
        self.delays: list[float] = []
        options: dict[str, Any] = {
            "transport": httpx.MockTransport(self.am),
            "clock": self.clock,
            "sleep": self.sleep,
            "backoff_jitter": 0.0,
        }
        options.update(kwargs)
        self.service = AlertService(options.pop("url", URL), options.pop("thresholds", None), **options)

    async def sleep(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


def run(factory: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(factory())  # type: ignore[arg-type]


# ------------------------------------------------------------------------------- thresholds


def test_threshold_defaults_are_the_seeds() -> None:
    assert Thresholds() == Thresholds(max_latency_ms=5000, min_audio_quality=0.7, max_error_rate=0.05, alert_retention_days=7)


def test_thresholds_from_seed_settings() -> None:
    settings = {"MAX_LATENCY_MS": 3000, "MIN_AUDIO_QUALITY": 0.8, "MAX_ERROR_RATE": 0.1, "ALERT_RETENTION_DAYS": 2}
    assert Thresholds.from_mapping(settings) == Thresholds(3000, 0.8, 0.1, 2)
    assert Thresholds.from_mapping({"max_latency_ms": 100}) == Thresholds(max_latency_ms=100)


def test_thresholds_from_mapping_errors() -> None:
    with pytest.raises(
        ValueError,
        match=r"^unknown threshold\(s\) MAX_LATENCY; known: ALERT_RETENTION_DAYS, MAX_ERROR_RATE, MAX_LATENCY_MS, MIN_AUDIO_QUALITY$",
    ):
        Thresholds.from_mapping({"MAX_LATENCY": 1})
    with pytest.raises(ValueError, match=r"^threshold MIN_AUDIO_QUALITY must be a number, got '0.7'$"):
        Thresholds.from_mapping({"MIN_AUDIO_QUALITY": "0.7"})


# ------------------------------------------------------------------------------- send_alert


def test_send_alert_logs_like_the_seed(caplog: pytest.LogCaptureFixture) -> None:
    h = Harness(url=None)

    async def scenario() -> None:
        await h.service.send_alert("critical", "Servicio caído")
        await h.service.send_alert("warning", "Latencia alta")
        await h.service.send_alert("info", "Despliegue terminado")

    with caplog.at_level(logging.INFO, logger="callalert.service"):
        run(scenario)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("CRITICAL", "ALERTA CRÍTICA: Servicio caído"),
        ("WARNING", "ALERTA: Latencia alta"),
        ("INFO", "INFO: Despliegue terminado"),
    ]
    assert next(a.to_dict() for a in h.service.history) == {
        "timestamp": "2024-05-01T12:00:00+00:00",
        "level": "critical",
        "message": "Servicio caído",
        "context": {},
    }
    assert h.service.pending_count == 0
    assert h.am.attempts == 0


def test_send_alert_posts_labels_and_annotations() -> None:
    h = Harness(labels={"service": "call-automation", "job": "call-automation"})

    async def scenario() -> None:
        async with h.service as service:
            alert = await service.send_alert(
                "warning", "Baja calidad", {"category": "quality", "audio_quality": 0.5, "call": "c-1"}
            )
            assert alert.name == "CallalertServiceAlert"
            assert await service.flush(1)

    run(scenario)
    assert h.am.alerts == [
        {
            "labels": {
                "alertname": "CallalertServiceAlert",
                "category": "quality",
                "job": "call-automation",
                "service": "call-automation",
                "severity": "warning",
                "source": "callalert-service",
            },
            "annotations": {
                "summary": "Baja calidad",
                "description": '{"audio_quality": 0.5, "call": "c-1", "category": "quality"}',
            },
            "startsAt": "2024-05-01T12:00:00.000Z",
        }
    ]


def test_alert_name_and_label_precedence() -> None:
    h = Harness(labels={"team": "voice", "severity": "ignored"}, alert_ttl=timedelta(minutes=10))

    async def scenario() -> None:
        async with h.service as service:
            await service.send_alert("info", "a", {"alertname": "FromContext"})
            await service.send_alert(
                "critical", "b", {"alertname": "FromContext"}, name="Explicit", labels={"team": "calls", "source": "x"}
            )

    run(scenario)
    first, second = h.am.alerts
    assert first["labels"] == {"alertname": "FromContext", "severity": "info", "source": "callalert-service", "team": "voice"}
    assert second["labels"] == {"alertname": "Explicit", "severity": "critical", "source": "callalert-service", "team": "calls"}
    assert second["endsAt"] == "2024-05-01T12:10:00.000Z"


def test_send_alert_rejects_bad_input() -> None:
    h = Harness()

    async def bad_level() -> None:
        await h.service.send_alert("fatal", "x")

    async def bad_label() -> None:
        await h.service.send_alert("info", "x", labels={"bad-name": "v"})

    with pytest.raises(ValueError, match=r"^unknown alert level 'fatal'; expected one of info, warning, critical$"):
        run(bad_level)
    with pytest.raises(ValueError, match=r"^invalid label name 'bad-name': must match \[a-zA-Z_\]\[a-zA-Z0-9_\]\*$"):
        run(bad_label)


def test_history_retention_and_limit() -> None:
    h = Harness(url=None, history_limit=3, thresholds=Thresholds(alert_retention_days=7))

    async def scenario() -> list[str]:
        for i in range(4):
            await h.service.send_alert("info", f"m{i}")
            h.clock.advance(days=2)
        return [a.message for a in h.service.history]

    # m0 fell off the 3-entry limit; m1 (6 days before "now"+2) ages out once the clock passes 7 days.
    assert run(scenario) == ["m1", "m2", "m3"]
    h.clock.advance(days=2)
    assert [a.message for a in h.service.history] == ["m2", "m3"]


# ------------------------------------------------------------------------------- delivery


def test_outage_queues_then_delivers_everything_in_order(caplog: pytest.LogCaptureFixture) -> None:
    h = Harness(backoff_initial=0.5, backoff_max=2.0)
    h.am.down = True

    async def scenario() -> None:
        service = h.service
        for i in range(5):
            await service.send_alert("warning", f"alert {i}", name=f"A{i}")
        assert not await service.flush(0.05)
        assert service.pending_count == 5
        assert service.delivered_count == 0
        h.am.down = False
        assert await service.flush(1)
        assert service.pending_count == 0
        await service.aclose()

    with caplog.at_level(logging.INFO, logger="callalert.service"):
        run(scenario)
    assert h.am.summaries == [f"alert {i}" for i in range(5)]
    assert h.service.delivered_count == 5
    assert h.service.dropped_count == 0
    assert h.delays[:5] == [0.5, 1.0, 2.0, 2.0, 2.0]
    messages = [r.getMessage() for r in caplog.records if r.levelno != logging.WARNING or "ALERTA" not in r.getMessage()]
    assert messages == [
        "Alertmanager delivery failed, 5 alert(s) queued, retrying with backoff: "
        "Alertmanager at http://127.0.0.1:9093 is unreachable: [Errno 111] Connection refused",
        "Alertmanager at http://127.0.0.1:9093 reachable again; delivered 5 queued alert(s)",
    ]


def test_overflow_drops_oldest_and_counts(caplog: pytest.LogCaptureFixture) -> None:
    h = Harness(queue_limit=3, batch_size=2)
    h.am.down = True

    async def scenario() -> None:
        service = h.service
        for i in range(7):
            await service.send_alert("info", f"alert {i}", name=f"A{i}")
            await asyncio.sleep(0)
        assert service.pending_count == 3
        h.am.down = False
        assert await service.flush(1)
        await service.aclose()

    with caplog.at_level(logging.WARNING, logger="callalert.service"):
        run(scenario)
    assert h.am.summaries == ["alert 4", "alert 5", "alert 6"]
    assert h.service.dropped_count == 4
    overflow = [r.getMessage() for r in caplog.records if "queue full" in r.getMessage()]
    assert overflow == [
        "Alertmanager delivery queue full (3 alerts, Alertmanager at http://127.0.0.1:9093: "
        "Alertmanager at http://127.0.0.1:9093 is unreachable: [Errno 111] Connection refused); "
        "dropping the oldest (1 dropped so far, see dropped_count)"
    ]


def test_rejected_batch_is_not_retried(caplog: pytest.LogCaptureFixture) -> None:
    h = Harness()
    h.am.status = 400

    async def scenario() -> None:
        async with h.service as service:
            await service.send_alert("info", "x")
            assert await service.flush(1)

    with caplog.at_level(logging.ERROR, logger="callalert.service"):
        run(scenario)
    assert h.service.rejected_count == 1
    assert h.am.attempts == 1
    assert h.delays == []
    assert [r.getMessage() for r in caplog.records] == [
        "Alertmanager rejected 1 alert(s); dropping them: Alertmanager at http://127.0.0.1:9093 answered "
        "POST /api/v2/alerts with HTTP 400 Bad Request: bad alert"
    ]


def test_server_errors_are_retried() -> None:
    h = Harness()
    h.am.status = 503

    async def scenario() -> None:
        await h.service.send_alert("info", "x")
        assert not await h.service.flush(0.05)
        h.am.status = 200
        assert await h.service.flush(1)
        await h.service.aclose()

    run(scenario)
    assert h.am.summaries == ["x"]
    assert h.am.attempts > 2


def test_aclose_reports_undelivered(caplog: pytest.LogCaptureFixture) -> None:
    h = Harness()
    h.am.down = True

    async def scenario() -> None:
        await h.service.send_alert("info", "never delivered")
        await h.service.aclose(timeout=0.05)

    with caplog.at_level(logging.WARNING, logger="callalert.service"):
        run(scenario)
    assert h.service.pending_count == 1
    assert caplog.records[-1].getMessage() == (
        "1 alert(s) not delivered to Alertmanager at http://127.0.0.1:9093 before close "
        "(last error: Alertmanager at http://127.0.0.1:9093 is unreachable: [Errno 111] Connection refused)"
    )

    async def after_close() -> None:
        await h.service.send_alert("info", "late")

    with pytest.raises(RuntimeError, match=r"^AlertService is closed$"):
        run(after_close)


def test_backoff_jitter_stays_within_bounds() -> None:
    h = Harness(backoff_initial=1.0, backoff_max=8.0, backoff_jitter=0.5, rng=random.Random(7))
    h.am.down = True

    async def scenario() -> None:
        await h.service.send_alert("info", "x")
        await h.service.flush(0.05)
        await h.service.aclose(timeout=0)

    run(scenario)
    for attempt, delay in enumerate(h.delays[:6]):
        base = min(8.0, 2.0**attempt)
        assert base * 0.5 <= delay <= base
    assert len(set(h.delays[:6])) == 6


# ------------------------------------------------------------------------------- correlation & thresholds


def test_correlation_rules() -> None:
    h = Harness(url=None)

    async def scenario() -> list[list[Pattern]]:
        s = h.service
        results = []
        await s.send_alert("warning", "a", {"category": "quality"})
        await s.send_alert("info", "ignored", {"category": "errors"})
        results.append(await s.correlate_alerts())
        h.clock.advance(minutes=1)
        await s.send_alert("critical", "b", {"category": "errors"})
        results.append(await s.correlate_alerts())
        h.clock.advance(minutes=1)
        await s.send_alert("warning", "c", {"category": "errors"})
        results.append(await s.correlate_alerts())
        h.clock.advance(minutes=3, seconds=30)  # "a" leaves the 5-minute window
        results.append(await s.correlate_alerts())
        results.append(await s.correlate_alerts(window=timedelta(seconds=10)))
        return results

    none, multi, both, later, narrow = run(scenario)
    assert none == []
    assert [(p.kind, p.alert_count, p.categories) for p in multi] == [("multi-category", 2, ("errors", "quality"))]
    assert [(p.kind, p.alert_count, p.categories) for p in both] == [
        ("burst", 3, ("errors", "quality")),
        ("multi-category", 3, ("errors", "quality")),
    ]
    assert both[0].to_dict() == {
        "kind": "burst",
        "alert_count": 3,
        "categories": ["errors", "quality"],
        "window_seconds": 300.0,
        "first_at": "2024-05-01T12:00:00+00:00",
        "last_at": "2024-05-01T12:02:00+00:00",
    }
    assert later == []  # b and c: 2 alerts, one category
    assert narrow == []


def test_latency_alone_is_a_warning() -> None:
    h = Harness(url=None)

    async def scenario() -> list[tuple[str, str, str]]:
        sent = await h.service.check_quality_thresholds({"latency": 6000, "audio_quality": 0.9, "error_rate": 0.01})
        return [(a.level, a.name, a.message) for a in sent]

    assert run(scenario) == [("warning", "HighCallLatency", "Alta latencia detectada: 6000ms")]


def test_thresholds_are_strict_comparisons() -> None:
    h = Harness(url=None)

    async def scenario() -> int:
        return len(await h.service.check_quality_thresholds({"latency": 5000, "audio_quality": 0.7, "error_rate": 0.05}))

    assert run(scenario) == 0


def test_latency_with_other_breaches_escalates_to_critical() -> None:
    h = Harness()

    async def scenario() -> list[tuple[str, str, str, str | None]]:
        async with h.service as service:
            sent = await service.check_quality_thresholds({"latency": 7000, "audio_quality": 0.5, "error_rate": 0.2})
            assert await service.flush(1)
        return [(a.level, a.name, a.message, a.category) for a in sent]

    assert run(scenario) == [
        ("critical", "HighCallErrorRate", "Alta tasa de error en llamadas: 20.00%", "errors"),
        ("warning", "LowAudioQuality", "Baja calidad de audio: 0.5", "quality"),
        ("critical", "HighCallLatency", "Alta latencia detectada: 7000ms", "performance"),
    ]
    latency = json.loads(h.am.alerts[2]["annotations"]["description"])
    assert [p["kind"] for p in latency["patterns"]] == ["multi-category"]
    assert latency["patterns"][0]["categories"] == ["errors", "quality"]
    assert (latency["latency"], latency["audio_quality"], latency["error_rate"]) == (7000, 0.5, 0.2)
    assert [a["labels"]["severity"] for a in h.am.alerts] == ["critical", "warning", "critical"]


def test_repeated_latency_breaches_escalate_by_burst() -> None:
    h = Harness(url=None)

    async def scenario() -> list[str]:
        levels = []
        for _ in range(4):
            [alert] = await h.service.check_quality_thresholds({"latency": 9000})
            levels.append(alert.level)
            h.clock.advance(seconds=30)
        return levels

    # Third check: two earlier latency warnings in the window are not a burst yet (needs 3).
    assert run(scenario) == ["warning", "warning", "warning", "critical"]


def test_constructor_validation() -> None:
    with pytest.raises(ValueError, match=r"^history_limit, queue_limit and batch_size must be at least 1$"):
        AlertService(URL, queue_limit=0)
    with pytest.raises(ValueError, match=r"^backoff_jitter must be between 0 and 1$"):
        AlertService(URL, backoff_jitter=2)


def test_backoff_survives_a_long_outage() -> None:
    # thousands of failed attempts (hours of outage at the maximum delay) must not overflow
    from callalert.live.service import _Backoff

    backoff = _Backoff(1.0, 8.0, 2.0, 0.0, random.Random(1))
    delays = [backoff.next_delay() for _ in range(5000)]
    assert delays[:4] == [1.0, 2.0, 4.0, 8.0]
    assert delays[-1] == 8.0
