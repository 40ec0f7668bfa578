"""AlertService: the reference design's in-app alerting interface, as an async library.

An application calls `send_alert` / `check_quality_thresholds`; each alert is logged (with the seed's
"ALERTA CRÍTICA: ..." / "ALERTA: ..." / "INFO: ..." messages), kept in a bounded history and posted to
Alertmanager's v2 API, so in-app alerts follow the same routes, inhibitions and silences as the ones
Prometheus sends. Labels: alertname, severity (= level), source="callalert-service", category when
known, plus the service's static labels. Alertmanager deduplicates by label set: sending the same
alertname/level/category again updates that alert instead of creating a second one.

Delivery never raises into the caller. Alerts wait in a bounded in-memory queue and a background task
posts them in batches, retrying with exponential backoff and jitter while Alertmanager is unreachable,
answers 5xx or 429. Guarantees:
  * within `queue_limit` queued alerts nothing is lost while the service stays open;
  * beyond it the OLDEST queued alerts are dropped, counted in `dropped_count`, and a warning is logged
    (once per overflow episode); newer alerts matter more to someone being paged now;
  * a batch Alertmanager rejects with another 4xx (a malformed alert) will never succeed: it is dropped,
    counted in `rejected_count`, and logged as an error;
  * memory holds at most queue_limit queued + batch_size in-flight alerts;
  * `aclose()` waits up to its timeout for the queue to drain; what is still pending then is logged as
    undelivered (the queue is not persisted).

Correlation (`correlate_alerts`): among warning-or-critical alerts in the history within `window`
(default 5 minutes, ending now):
  * "burst": at least `burst_threshold` (default 3) such alerts;
  * "multi-category": alerts of at least 2 distinct `category` labels (uncategorized ones don't count).
Each rule that holds yields one Pattern. `check_quality_thresholds` escalates a latency breach from
warning to critical when any pattern exists, as the seed does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import reprlib
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self

from callalert.analysis.labels import is_valid_label_name
from callalert.live.amapi import AlertmanagerError, AsyncAlertmanagerClient, check_url, display_url, format_time

if TYPE_CHECKING:
    import httpx

Level = Literal["info", "warning", "critical"]
LEVELS: tuple[str, ...] = ("info", "warning", "critical")
SOURCE = "callalert-service"
DEFAULT_ALERTNAME = "CallalertServiceAlert"

_log = logging.getLogger("callalert.service")


@dataclass(frozen=True)
class Thresholds:
    max_latency_ms: float = 5000
    min_audio_quality: float = 0.7
    max_error_rate: float = 0.05
    alert_retention_days: float = 7

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Thresholds:
        """Build from the seed's settings dict ({"MAX_LATENCY_MS": 5000, ...}); keys are case-insensitive."""
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, float] = {}
        unknown: list[str] = []
        for key, value in values.items():
            name = key.lower()
            if name not in known:
                unknown.append(key)
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"threshold {key} must be a number, got {value!r}")
            kwargs[name] = float(value)
        if unknown:
            raise ValueError(
                f"unknown threshold(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(k.upper() for k in known))}"
            )
        return cls(**kwargs)

    @classmethod
    def from_spec(
        cls,
        spec: str | Path | Sequence[str | Path],
        alerts: Mapping[str, tuple[str, float]] | None = None,
        **overrides: float,
    ) -> Thresholds:
        """Thresholds read from the spec's own alert rules, so the application and Prometheus
        can never disagree: each threshold is the number a named alert's expression compares
        against (`... > 0.05`), times a unit factor. `alerts` maps a threshold to
        (alert name, factor); the default is the reference design's:
        max_latency_ms ← HighCallLatency (seconds × 1000), min_audio_quality ← LowAudioQuality,
        max_error_rate ← HighCallErrorRate. An alert missing from the spec keeps the default."""
        from callalert.validate import validate

        paths = [Path(spec)] if isinstance(spec, (str, Path)) else [Path(p) for p in spec]
        result = validate(paths)
        if not result.ok or result.model is None:
            from callalert.errors import CallalertError

            raise CallalertError(f"{paths[0]} is not a valid spec: " + "; ".join(p.format() for p in result.problems[:3]))
        by_name = {a.name: a.expr for a in result.model.alerts}
        values: dict[str, float] = {}
        for threshold, (alert_name, factor) in (alerts or DEFAULT_SPEC_THRESHOLDS).items():
            expr = by_name.get(alert_name)
            if expr is None:
                continue
            number = comparison_threshold(expr)
            if number is None:
                raise ValueError(f"alert {alert_name}: cannot read a threshold from {expr!r} (expected `<expr> <op> <number>`)")
            values[threshold] = number * factor
        values.update(overrides)
        return cls(**values)


DEFAULT_SPEC_THRESHOLDS: dict[str, tuple[str, float]] = {
    "max_latency_ms": ("HighCallLatency", 1000.0),
    "min_audio_quality": ("LowAudioQuality", 1.0),
    "max_error_rate": ("HighCallErrorRate", 1.0),
}


def comparison_threshold(expr: str) -> float | None:
    """The number in `<expr> > N` / `N < <expr>` (top-level comparison), else None."""
    import promql_parser as pp

    node = pp.parse(expr)
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    if not isinstance(node, pp.BinaryExpr) or str(node.op).strip() not in {">", "<", ">=", "<=", "==", "!="}:
        return None
    for side in (node.rhs, node.lhs):
        inner = side
        while isinstance(inner, pp.ParenExpr):
            inner = inner.expr
        if isinstance(inner, pp.NumberLiteral):
            return float(inner.val)
    return None


@dataclass(frozen=True)
class Alert:
    level: str
    message: str
    context: Mapping[str, Any]
    timestamp: datetime
    labels: Mapping[str, str]
    annotations: Mapping[str, str]

    @property
    def name(self) -> str:
        return self.labels["alertname"]

    @property
    def category(self) -> str | None:
        return self.labels.get("category")

    def to_api(self, ttl: timedelta | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
            "startsAt": format_time(self.timestamp),
        }
        # Without endsAt Alertmanager resolves the alert after its resolve_timeout (5m by default).
        if ttl is not None:
            body["endsAt"] = format_time(self.timestamp + ttl)
        return body

    def to_dict(self) -> dict[str, Any]:
        """The seed's history entry shape."""
        return {
            "timestamp": self.timestamp.isoformat(),
            "level": self.level,
            "message": self.message,
            "context": dict(self.context),
        }


@dataclass(frozen=True)
class Pattern:
    kind: Literal["burst", "multi-category"]
    alert_count: int
    categories: tuple[str, ...]
    window_seconds: float
    first_at: datetime
    last_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "alert_count": self.alert_count,
            "categories": list(self.categories),
            "window_seconds": self.window_seconds,
            "first_at": self.first_at.isoformat(),
            "last_at": self.last_at.isoformat(),
        }


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Backoff:
    initial: float
    maximum: float
    multiplier: float
    jitter: float
    rng: random.Random
    attempt: int = field(default=0)

    def next_delay(self) -> float:
        try:
            base = min(self.maximum, self.initial * self.multiplier**self.attempt)
        except OverflowError:  # thousands of attempts in a long outage
            base = self.maximum
        self.attempt += 1
        # Jitter spreads retries of many service instances after a shared outage.
        return base * (1.0 - self.jitter * self.rng.random())


class AlertService:
    def __init__(
        self,
        alertmanager_url: str | None = None,
        thresholds: Thresholds | None = None,
        *,
        labels: Mapping[str, str] | None = None,
        history_limit: int = 1000,
        queue_limit: int = 1000,
        batch_size: int = 64,
        timeout: float = 5.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        backoff_multiplier: float = 2.0,
        backoff_jitter: float = 0.5,
        alert_ttl: timedelta | None = None,
        correlation_window: timedelta = timedelta(minutes=5),
        burst_threshold: int = 3,
        default_alertname: str = DEFAULT_ALERTNAME,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] = _utcnow,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        if history_limit < 1 or queue_limit < 1 or batch_size < 1:
            raise ValueError("history_limit, queue_limit and batch_size must be at least 1")
        if not 0 <= backoff_jitter <= 1:
            raise ValueError("backoff_jitter must be between 0 and 1")
        if alertmanager_url:
            try:
                check_url(alertmanager_url)
            except ValueError as exc:
                raise ValueError(f"alertmanager_url {display_url(alertmanager_url)!r} is not a valid URL: {exc}") from None
        self.alertmanager_url = alertmanager_url.rstrip("/") if alertmanager_url else None
        self._shown_url = display_url(self.alertmanager_url) if self.alertmanager_url else None  # for logs
        self.thresholds = thresholds or Thresholds()
        self.static_labels = _check_labels(dict(labels or {}))
        self.queue_limit = queue_limit
        self.batch_size = batch_size
        self.timeout = timeout
        self.alert_ttl = alert_ttl
        self.correlation_window = correlation_window
        self.burst_threshold = burst_threshold
        self.default_alertname = default_alertname
        self._transport = transport
        self._clock = clock
        self._sleep = sleep
        self._log = logger or _log
        self._backoff = _Backoff(backoff_initial, backoff_max, backoff_multiplier, backoff_jitter, rng or random.Random())
        self._history: deque[Alert] = deque(maxlen=history_limit)
        self._queue: deque[Alert] = deque()
        self._inflight: list[Alert] = []
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._worker: asyncio.Task[None] | None = None
        self._client: AsyncAlertmanagerClient | None = None
        self._overflowing = False
        self._closed = False
        self.delivered_count = 0
        self.dropped_count = 0
        self.rejected_count = 0
        self.last_error: str | None = None

    # ------------------------------------------------------------------ public API

    @property
    def pending_count(self) -> int:
        return len(self._queue) + len(self._inflight)

    @property
    def history(self) -> tuple[Alert, ...]:
        self._prune_history()
        return tuple(self._history)

    async def send_alert(
        self,
        level: str,
        message: str,
        context: Mapping[str, Any] | None = None,
        *,
        name: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> Alert:
        if level not in LEVELS:
            raise ValueError(f"unknown alert level {level!r}; expected one of {', '.join(LEVELS)}")
        if self._closed:
            raise RuntimeError("AlertService is closed")
        given: Any = context  # callers are not type-checked: a list or a string is kept, not raised
        if given is not None and not isinstance(given, Mapping):
            context = {"context": given}
        alert = self._build(level, str(message), dict(context or {}), name, labels)

        if level == "critical":
            self._log.critical("ALERTA CRÍTICA: %s", message)
        elif level == "warning":
            self._log.warning("ALERTA: %s", message)
        else:
            self._log.info("INFO: %s", message)

        self._history.append(alert)
        self._prune_history()
        if self.alertmanager_url:
            self._enqueue(alert)
        return alert

    async def check_quality_thresholds(self, metrics: Mapping[str, float]) -> list[Alert]:
        """Check `latency` (ms), `audio_quality` (0-1) and `error_rate` (0-1); returns the alerts sent.

        Error rate and audio quality are checked before latency so that a latency breach arriving
        together with another category's breach is seen by the correlation and escalated.
        """
        sent: list[Alert] = []
        limits = self.thresholds
        error_rate = self._metric(metrics, "error_rate", 0.0)
        if error_rate > limits.max_error_rate:
            sent.append(
                await self.send_alert(
                    "critical",
                    f"Alta tasa de error en llamadas: {error_rate:.2%}",
                    {"category": "errors", **metrics},
                    name="HighCallErrorRate",
                )
            )
        audio_quality = self._metric(metrics, "audio_quality", 1.0)
        if audio_quality < limits.min_audio_quality:
            sent.append(
                await self.send_alert(
                    "warning",
                    f"Baja calidad de audio: {audio_quality}",
                    {"category": "quality", **metrics},
                    name="LowAudioQuality",
                )
            )
        latency = self._metric(metrics, "latency", 0.0)
        if latency > limits.max_latency_ms:
            patterns = await self.correlate_alerts()
            sent.append(
                await self.send_alert(
                    "critical" if patterns else "warning",
                    f"Alta latencia detectada: {latency}ms",
                    {"category": "performance", "patterns": [p.to_dict() for p in patterns], **metrics},
                    name="HighCallLatency",
                )
            )
        return sent

    async def correlate_alerts(self, window: timedelta | None = None) -> list[Pattern]:
        window = window or self.correlation_window
        now = self._clock()
        recent = [a for a in self.history if a.level in ("warning", "critical") and now - window <= a.timestamp <= now]
        if not recent:
            return []
        first, last = recent[0].timestamp, recent[-1].timestamp
        categories = tuple(sorted({a.category for a in recent if a.category}))
        patterns: list[Pattern] = []
        seconds = window.total_seconds()
        if len(recent) >= self.burst_threshold:
            patterns.append(Pattern("burst", len(recent), categories, seconds, first, last))
        if len(categories) >= 2:
            patterns.append(Pattern("multi-category", len(recent), categories, seconds, first, last))
        return patterns

    async def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued alert was delivered (or rejected); False if `timeout` ran out first."""
        if not self.pending_count:
            return True
        self._ensure_worker()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def aclose(self, timeout: float = 5.0) -> None:
        if self._closed:
            return
        self._closed = True
        if self.pending_count:
            await self.flush(timeout)
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        if self._inflight:
            self._queue.extendleft(reversed(self._inflight))
            self._inflight = []
        if self._queue:
            self._log.warning(
                "%d alert(s) not delivered to Alertmanager at %s before close (last error: %s)",
                len(self._queue),
                self._shown_url,
                self.last_error,
            )
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ internals

    def _metric(self, metrics: Mapping[str, Any], name: str, default: float) -> float:
        # the value as given (an int stays an int: messages show 6000ms, not 6000.0ms)
        """A metric as a number; a value that is not one (None, a string) is logged and skipped,
        never raised into the caller."""
        value: object = metrics.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self._log.warning("check_quality_thresholds: metrics[%r] is %r, not a number; not checked", name, value)
            return default
        return value

    def _build(
        self, level: str, message: str, context: dict[str, Any], name: str | None, labels: Mapping[str, str] | None
    ) -> Alert:
        alertname = name or str(context.get("alertname") or self.default_alertname)
        derived: dict[str, str] = {"alertname": alertname}
        if context.get("category"):
            derived["category"] = str(context["category"])
        merged = {**self.static_labels, **derived, **_check_labels(dict(labels or {}))}
        # severity and source identify in-app alerts for routing; a caller cannot override them.
        merged["severity"] = level
        merged["source"] = SOURCE
        annotations = {"summary": _text(message), "description": _text(_describe_context(context))}
        merged = {name: _text(value) for name, value in merged.items()}
        return Alert(level, message, context, self._clock(), merged, annotations)

    def _prune_history(self) -> None:
        cutoff = self._clock() - timedelta(days=self.thresholds.alert_retention_days)
        while self._history and self._history[0].timestamp < cutoff:
            self._history.popleft()

    def _enqueue(self, alert: Alert) -> None:
        self._queue.append(alert)
        self._trim_queue()
        self._idle.clear()
        self._wakeup.set()
        self._ensure_worker()

    def _trim_queue(self) -> None:
        dropped = 0
        while len(self._queue) > self.queue_limit:
            self._queue.popleft()
            dropped += 1
        if not dropped:
            return
        self.dropped_count += dropped
        if not self._overflowing:
            self._overflowing = True
            self._log.warning(
                "Alertmanager delivery queue full (%d alerts, Alertmanager at %s: %s); dropping the oldest"
                " (%d dropped so far, see dropped_count)",
                self.queue_limit,
                self._shown_url,
                self.last_error or "slow",
                self.dropped_count,
            )

    def _ensure_worker(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._deliver(), name="callalert-alert-delivery")

    async def _deliver(self) -> None:
        assert self.alertmanager_url is not None
        if self._client is None:
            self._client = AsyncAlertmanagerClient(self.alertmanager_url, timeout=self.timeout, transport=self._transport)
        while True:
            if not self._queue:
                self._overflowing = False
                self._idle.set()
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            batch = [self._queue.popleft() for _ in range(min(self.batch_size, len(self._queue)))]
            batch = [a for a in batch if self._sendable(a)]
            if not batch:
                continue
            self._inflight = batch
            try:
                await self._client.post_alerts([a.to_api(self.alert_ttl) for a in batch])
            except AlertmanagerError as exc:
                self._inflight = []
                if not exc.retryable:
                    self.rejected_count += len(batch)
                    self._log.error("Alertmanager rejected %d alert(s); dropping them: %s", len(batch), exc)
                    continue
                await self._retry_later(batch, str(exc))
                continue
            except Exception as exc:  # not Alertmanager's answer: retrying the same batch cannot help
                self._inflight = []
                self.rejected_count += len(batch)
                self._log.error("could not send %d alert(s); dropping them: %s: %s", len(batch), type(exc).__name__, exc)
                continue
            self._inflight = []
            self.delivered_count += len(batch)
            if self._backoff.attempt:
                self._log.info("Alertmanager at %s reachable again; delivered %d queued alert(s)", self._shown_url, len(batch))
                self._backoff.attempt = 0
                self.last_error = None

    def _sendable(self, alert: Alert) -> bool:
        """Whether `alert` can be sent at all (JSON in UTF-8); one that cannot is dropped and
        counted as rejected, so it never holds up the alerts queued behind it."""
        try:
            json.dumps(alert.to_api(self.alert_ttl), ensure_ascii=False).encode("utf-8")
        except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
            self.rejected_count += 1
            self._log.error("alert %s cannot be sent (%s); dropping it", alert.labels.get("alertname"), exc)
            return False
        return True

    async def _retry_later(self, batch: list[Alert], error: str) -> None:
        self._queue.extendleft(reversed(batch))
        self._trim_queue()
        if not self._backoff.attempt:
            self._log.warning(
                "Alertmanager delivery failed, %d alert(s) queued, retrying with backoff: %s", self.pending_count, error
            )
        self.last_error = error
        await self._sleep(self._backoff.next_delay())


def _check_labels(labels: dict[str, str]) -> dict[str, str]:
    for key, value in labels.items():
        if not isinstance(key, str) or not is_valid_label_name(key):
            raise ValueError(f"invalid label name {key!r}: must match [a-zA-Z_][a-zA-Z0-9_]*")
        if value is None:
            raise ValueError(f"label {key!r} is None: give it a value, or leave it out")
        labels[key] = str(value)
    return labels


def _text(value: str) -> str:
    """`value` as valid UTF-8: a lone surrogate (a file name decoded with surrogateescape) becomes
    a visible escape instead of an alert that cannot be encoded."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def _describe_context(context: Mapping[Any, Any]) -> str:
    """The context as JSON for the description; keys of mixed types or a context that contains
    itself are shown anyway, never raised into the caller."""
    try:
        return json.dumps(context, sort_keys=True, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        pass
    try:
        return json.dumps({str(k): v for k, v in context.items()}, sort_keys=True, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return reprlib.repr(dict(context))
