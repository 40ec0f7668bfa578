"""Everything the report reads from Prometheus (and Alertmanager), and nothing it computes.

The step: every alert's history is read on a grid whose step is its rule group's evaluation interval,
taken from the first of: the group as the running Prometheus reports it (/api/v1/rules), the spec
(`groups[].interval`, else `defaults.evaluation_interval`), Prometheus' global `evaluation_interval`
(/api/v1/status/config), Prometheus' default 1m. Alerts with different intervals are read by separate
queries. The query is `last_over_time(ALERTS[w])` with the window w one step long, so each grid point
sees exactly the one evaluation inside its window: neither Prometheus' 5m look-back nor missing stale
markers (backfilled data has none) stretch an alert. Range selectors are closed [t - w, t] before
Prometheus 3.0 and left-open (t - w, t] from 3.0 on, so w is the step minus 1ms before 3.0.

Points are bounded: more than MAX_POINTS per series coarsens the step to a multiple of the interval
(the report says so), and each request asks for at most CHUNK_POINTS (Prometheus refuses more than
11,000 per series).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from callalert.analysis.times import rfc3339
from callalert.analysis.versions import Version
from callalert.model import Model
from callalert.quality.api import JsonApi, ServerError
from callalert.quality.history import Grid, Instance, label_set
from callalert.quality.spans import duration_text

MAX_POINTS = 100_000
CHUNK_POINTS = 10_000
DEFAULT_EVALUATION_INTERVAL = 60.0  # Prometheus' default global evaluation_interval
ALIGN_LIMIT = 3_600_000  # grids of different steps end together when their steps' common multiple is at most 1h
LEFT_OPEN_RANGES = Version(3, 0)  # Prometheus 3.0: range selectors exclude their start

Progress = Callable[[str], None]
RULE_GROUP = "Prometheus' rule group "


@dataclass(frozen=True)
class LoadedRule:
    group: str
    interval: float  # seconds
    for_: float
    keep_firing_for: float


@dataclass(frozen=True)
class Plan:
    """One query: the alerts it covers (None: all the other alerts), their grid and why that step."""

    names: tuple[str, ...] | None
    exclude: tuple[str, ...]
    interval_ms: int
    grid: Grid
    window_ms: int
    source: str

    @property
    def selector(self) -> str:
        if self.names is not None:
            return "{alertname=~" + _promql_string("|".join(_re_escape(n) for n in self.names)) + "}"
        if self.exclude:
            return "{alertname!~" + _promql_string("|".join(_re_escape(n) for n in self.exclude)) + "}"
        return ""

    def query(self, metric: str) -> str:
        return f"last_over_time({metric}{self.selector}[{self.window_ms}ms])"

    @property
    def chunks(self) -> list[tuple[int, int]]:
        out = []
        first = 0
        while first < self.grid.n:
            last = min(self.grid.n - 1, first + CHUNK_POINTS - 1)
            out.append((first, last))
            first = last + 1
        return out


@dataclass(frozen=True)
class Silence:
    id: str
    matchers: tuple[str, ...]
    start: int  # ms
    end: int
    created_by: str
    comment: str
    state: str  # active, pending, expired; "spec" for the spec's own list


@dataclass(frozen=True)
class IntegrationCount:
    integration: str
    sent: int
    failed: int
    reasons: tuple[tuple[str, int], ...]


@dataclass
class AlertmanagerNow:
    url: str
    version: str | None
    silences: list[Silence]
    alerts: list[dict[str, Any]]  # GET /api/v2/alerts as it answered


@dataclass
class Observed:
    prometheus_url: str
    prometheus_version: str | None
    start: int
    end: int
    plans: list[Plan]
    instances: list[Instance]
    loaded: dict[str, LoadedRule] | None  # None: this Prometheus loads no alerting rule at all
    external_labels: dict[str, str]
    integrations: list[IntegrationCount] | None  # None: Alertmanager's metrics are not scraped
    alertmanager: AlertmanagerNow | None
    notes: list[str] = field(default_factory=list)


def _re_escape(name: str) -> str:
    return re.sub(r"([\\.^$*+?()\[\]{}|])", r"\\\1", name)


def _promql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.3f}"


def _duration(text: Any) -> float | None:
    from callalert.spec.v1 import duration_seconds

    try:
        return duration_seconds(str(text))
    except ValueError:
        return None


def parse_version(text: str | None) -> Version | None:
    if not text:
        return None
    try:
        return Version.parse(text.split("+", 1)[0])
    except ValueError:
        return None


def spec_intervals(model: Model) -> dict[str, tuple[float, str]]:
    """alertname -> (evaluation interval in seconds, where the spec says so), for the spec's alerts."""
    out: dict[str, tuple[float, str]] = {}
    for group in model.groups:
        text = group.interval or model.defaults.evaluation_interval
        seconds = _duration(text) if text else None
        if seconds:
            where = f"the spec's group {group.name}" if group.interval else "the spec's defaults.evaluation_interval"
            for alert in group.alerts:
                out[alert.name] = (seconds, where)
    return out


def _sources_text(texts: set[str]) -> str:
    """Where one evaluation interval comes from: one source by name, several rule groups together."""
    if len(texts) == 1:
        return next(iter(texts))
    groups = sorted(t.removeprefix(RULE_GROUP) for t in texts if t.startswith(RULE_GROUP))
    others = sorted(t for t in texts if not t.startswith(RULE_GROUP))
    parts = ([f"Prometheus' rule groups {', '.join(groups)}"] if len(groups) > 1 else [RULE_GROUP + g for g in groups]) + others
    return " and ".join(parts)


def make_plans(
    start: int,
    end: int,
    known: Mapping[str, tuple[float, str]],
    fallback: tuple[float, str],
    left_open: bool,
) -> list[Plan]:
    """One plan per evaluation interval; the fallback's plan reads every alert not named elsewhere."""
    by_interval: dict[int, list[str]] = {}
    found: dict[int, set[str]] = {}
    for name, (seconds, source) in sorted(known.items()):
        ms = round(seconds * 1000)
        by_interval.setdefault(ms, []).append(name)
        found.setdefault(ms, set()).add(source)
    sources = {ms: _sources_text(texts) for ms, texts in found.items()}
    fallback_ms = round(fallback[0] * 1000)
    others = sorted(n for ms, names in by_interval.items() if ms != fallback_ms for n in names)
    intervals = sorted(set(by_interval) | {fallback_ms})
    steps = {ms: ms * max(1, math.ceil(max(1, (end - start) // ms) / MAX_POINTS)) for ms in intervals}
    # every grid ends at the same time, so "still firing at the end" means the same for all alerts
    common = math.lcm(*steps.values())
    aligned_end = (end // common) * common if common <= ALIGN_LIMIT else end
    plans = []
    for interval_ms in intervals:
        if interval_ms == fallback_ms:
            names: tuple[str, ...] | None = None
            source = sources.get(interval_ms, fallback[1]) if len(by_interval) <= 1 else fallback[1]
        else:
            names = tuple(by_interval[interval_ms])
            source = sources[interval_ms]
        step = steps[interval_ms]
        grid_end = (aligned_end // step) * step
        n = max(1, (grid_end - start) // step)
        grid = Grid(grid_end - n * step, step, n)
        window = step if left_open else step - 1
        plans.append(Plan(names, tuple(others) if names is None else (), interval_ms, grid, window, source))
    return plans


async def _prometheus_facts(prom: JsonApi) -> tuple[str | None, dict[str, Any], dict[str, LoadedRule] | None, list[str]]:
    notes: list[str] = []
    version = None
    try:
        version = str((await prom.get("/api/v1/status/buildinfo"))["data"]["version"])
    except ServerError as exc:
        if exc.status is None or exc.status in (401, 403):
            raise
        notes.append("Prometheus did not say its version (/api/v1/status/buildinfo); range windows assume Prometheus 2")
    config: dict[str, Any] = {}
    try:
        import yaml

        text = (await prom.get("/api/v1/status/config"))["data"]["yaml"]
        loaded_config = yaml.safe_load(text) or {}
        config = loaded_config if isinstance(loaded_config, dict) else {}
    except ServerError as exc:
        if exc.status is None or exc.status in (401, 403):
            raise
        notes.append(
            "Prometheus did not show its configuration (/api/v1/status/config): no external labels, 1m evaluation interval"
        )
    rules: dict[str, LoadedRule] | None = None
    data = (await prom.get("/api/v1/rules", {"type": "alert"}))["data"]
    for group in data.get("groups") or []:
        for rule in group.get("rules") or []:
            if rule.get("type", "alerting") != "alerting":
                continue
            rules = rules if rules is not None else {}
            rules.setdefault(
                str(rule["name"]),
                LoadedRule(
                    str(group.get("name", "")),
                    float(group.get("interval") or 0),
                    float(rule.get("duration") or 0),
                    float(rule.get("keepFiringFor") or 0),
                ),
            )
    return version, config, rules, notes


async def _matrix(prom: JsonApi, query: str, grid: Grid, first: int, last: int) -> list[dict[str, Any]]:
    form = {
        "query": query,
        "start": _seconds(grid.time(first)),
        "end": _seconds(grid.time(last)),
        "step": _seconds(grid.step),
    }
    data = (await prom.post_form("/api/v1/query_range", form))["data"]
    return list(data.get("result") or [])


async def _instant(prom: JsonApi, query: str, at: int) -> list[dict[str, Any]]:
    data = (await prom.post_form("/api/v1/query", {"query": query, "time": _seconds(at)}))["data"]
    return list(data.get("result") or [])


async def _integrations(prom: JsonApi, start: int, end: int) -> list[IntegrationCount] | None:
    window = f"{end - start}ms"
    sent = await _instant(prom, f"sum by (integration) (increase(alertmanager_notifications_total[{window}]))", end)
    if not sent:
        return None
    failed = await _instant(
        prom, f"sum by (integration, reason) (increase(alertmanager_notifications_failed_total[{window}]))", end
    )
    failures: dict[str, dict[str, int]] = {}
    for series in failed:
        count = _count(series["value"][1])
        integration = str(series["metric"].get("integration", ""))
        reason = str(series["metric"].get("reason", ""))
        failures.setdefault(integration, {})
        failures[integration][reason] = failures[integration].get(reason, 0) + count
    out = []
    for series in sent:
        name = str(series["metric"].get("integration", ""))
        reasons = failures.get(name, {})
        out.append(
            IntegrationCount(
                name,
                _count(series["value"][1]),
                sum(reasons.values()),
                tuple(sorted(((r, c) for r, c in reasons.items() if c and r), key=lambda rc: (-rc[1], rc[0]))),
            )
        )
    return sorted(out, key=lambda i: i.integration)


def _count(text: str) -> int:
    value = float(text)
    return 0 if math.isnan(value) else math.floor(value + 0.5)


def _silence(data: Mapping[str, Any]) -> Silence:
    from callalert.analysis.alertmanager.matchers import Op, format_matcher
    from callalert.analysis.times import parse_rfc3339

    ops: dict[tuple[bool, bool], Op] = {(False, True): "=", (False, False): "!=", (True, True): "=~", (True, False): "!~"}
    matchers = tuple(
        format_matcher(str(m["name"]), ops[(bool(m.get("isRegex")), bool(m.get("isEqual", True)))], str(m["value"]))
        for m in data.get("matchers") or []
    )
    start = int(parse_rfc3339(str(data["startsAt"])).timestamp() * 1000)
    end = int(parse_rfc3339(str(data["endsAt"])).timestamp() * 1000)
    return Silence(
        str(data.get("id", "")),
        matchers,
        start,
        end,
        str(data.get("createdBy", "")),
        str(data.get("comment", "")),
        str((data.get("status") or {}).get("state", "")),
    )


async def alertmanager_now(am: JsonApi) -> AlertmanagerNow:
    status = await am.get("/api/v2/status")
    version = (status.get("versionInfo") or {}).get("version") if isinstance(status, dict) else None
    silences = [_silence(s) for s in await am.get("/api/v2/silences") or []]
    alerts = list(await am.get("/api/v2/alerts") or [])
    return AlertmanagerNow(am.shown, str(version) if version else None, sorted(silences, key=lambda s: (s.start, s.id)), alerts)


def _add(instances: dict[tuple[str, Any], Instance], plan: Plan, result: Sequence[Mapping[str, Any]], for_state: bool) -> None:
    for series in result:
        metric = series["metric"]
        name = str(metric.get("alertname", ""))
        key = (name, label_set(metric))
        instance = instances.get(key)
        if instance is None:
            instance = instances[key] = Instance(name, key[1], plan.grid)
        for ts, value in series["values"]:
            index = plan.grid.index(float(ts))
            if for_state:
                instance.active_at[index] = float(value)
            elif metric.get("alertstate") == "firing":
                instance.firing_points.add(index)
            elif metric.get("alertstate") == "pending":
                instance.pending_points.add(index)


async def collect(
    prom: JsonApi,
    am: JsonApi | None,
    model: Model,
    start: int,
    end: int,
    progress: Progress | None = None,
) -> Observed:
    say = progress or (lambda _: None)
    say(f"asking Prometheus at {prom.shown} about itself")
    version_text, config, loaded, notes = await _prometheus_facts(prom)
    version = parse_version(version_text)
    left_open = version is not None and version >= LEFT_OPEN_RANGES
    glob = config.get("global") or {}
    external = {str(k): str(v) for k, v in (glob.get("external_labels") or {}).items()}
    seconds = _duration(glob.get("evaluation_interval")) if glob.get("evaluation_interval") else None
    fallback = (
        (seconds, "Prometheus' global evaluation_interval") if seconds else (DEFAULT_EVALUATION_INTERVAL, "Prometheus' default")
    )
    known = {name: (v, w) for name, (v, w) in spec_intervals(model).items()}
    for name, rule in (loaded or {}).items():
        if rule.interval > 0:
            known[name] = (rule.interval, RULE_GROUP + rule.group)
    plans = make_plans(start, end, known, fallback, left_open)

    instances: dict[tuple[str, Any], Instance] = {}
    for plan in plans:
        chunks = plan.chunks
        for metric in ("ALERTS", "ALERTS_FOR_STATE"):
            for number, (first, last) in enumerate(chunks, 1):
                say(f"{metric} every {duration_text(plan.grid.step)}: part {number}/{len(chunks)}")
                _add(instances, plan, await _matrix(prom, plan.query(metric), plan.grid, first, last), metric != "ALERTS")
    found = [i for i in instances.values() if i.firing_points or i.pending_points]
    if not found:
        labels = await prom.get("/api/v1/labels", [("start", _seconds(start)), ("end", _seconds(end))])
        if not labels.get("data"):
            retention = ""
            try:
                info = (await prom.get("/api/v1/status/runtimeinfo"))["data"]
                retention = f"; it keeps {info['storageRetention']}" if info.get("storageRetention") else ""
            except ServerError:
                pass
            raise ServerError(
                f"Prometheus at {prom.shown} has no data between {rfc3339(_dt(start))} and {rfc3339(_dt(end))}"
                f"{retention} (check --range and --end)"
            )
    say("Alertmanager's notification counters")
    integrations = await _integrations(prom, start, end)
    now = None
    if am is not None:
        say(f"silences and alerts of Alertmanager at {am.shown}")
        now = await alertmanager_now(am)
    return Observed(
        prom.shown,
        version_text,
        min(p.grid.start for p in plans),
        max(p.grid.end for p in plans),
        plans,
        sorted(found, key=lambda i: (i.alertname, i.labels)),
        loaded,
        external,
        integrations,
        now,
        notes,
    )


def _dt(ms: int) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC)
