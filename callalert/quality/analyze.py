"""From what Prometheus and Alertmanager recorded (collect.Observed) and what the spec says (the model,
its routing and inhibit rules), every figure of the report and the ranked "what to fix first" list.

Pure: no I/O, no clock. docs/report.md explains each figure; the constants below are the thresholds
it names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from callalert.analysis.alertmanager.inhibit import build_inhibit_rules, inhibiting_rule
from callalert.analysis.alertmanager.matchers import Matcher, all_match, parse_matcher
from callalert.analysis.alertmanager.routing import Route, build_route_tree, match_routes
from callalert.model import Alert, Model
from callalert.quality import spans as sp
from callalert.quality.collect import IntegrationCount, Observed, Silence
from callalert.quality.history import Episode, Instance, gaps, median_int
from callalert.quality.spans import duration_text
from callalert.spec.load import Merged

DAY = 86_400_000
WEEK = 7 * DAY
MINUTE = 60_000
DEFAULT_FLAP_THRESHOLD = 10 * MINUTE
PAGES_PER_WEEK_LIMIT = 2.0  # more pages a week than this from one alert is paging noise
NOISY_SHARE = 0.25  # an alert with this share of all notifications (and NOISY_MIN of them) is noisy
NOISY_MIN = 10
SILENCED_SHARE = 0.5  # silenced for at least this share of its firing time
OWNER_LABELS = ("team", "owner")

# Alertmanager's send_resolved default per integration (config/notifiers.go): true unless listed here.
_RESOLVED_OFF_BY_DEFAULT = frozenset({"email", "slack", "wechat", "rocketchat"})

# Order of the "what to fix first" list: kinds first, then each finding's weight.
KINDS = (
    "notifications-failing",
    "paging-noise",
    "flapping",
    "silenced",
    "noisy",
    "slow-response",
    "not-in-spec",
    "never-fired",
)


def _ms(text: str | None) -> int | None:
    from callalert.spec.v1 import duration_seconds

    if not text:
        return None
    try:
        return round(duration_seconds(text) * 1000)
    except ValueError:
        return None


def ceil_minutes(ms: int) -> int:
    return max(1, math.ceil(ms / MINUTE)) * MINUTE


@dataclass(frozen=True)
class EpisodeOut:
    labels: Mapping[str, str]
    start: int
    end: int
    pending: int | None
    open_start: bool
    open_end: bool
    silenced: int
    inhibited: int


@dataclass
class AlertFigures:
    name: str
    in_spec: bool
    severity: str | None
    category: str | None
    owner: str
    receivers: list[str]
    where: str | None  # file:line of the alert in the spec
    key: str | None  # its key path in the spec
    spec_for: str | None
    spec_keep_firing_for: str | None
    loaded: bool | None  # None: this Prometheus loads no alerting rules at all
    instances: int
    fired: int
    firing: int
    median_firing: int | None
    pending_median: int | None
    pending_max: int | None
    pending_only: int
    flaps: int
    flap_max_gap: int | None
    suggest_keep_firing_for: int | None
    suggest_for: int | None
    notifications: int
    share: float
    paging: bool
    pages: int | None
    pages_per_week: float | None
    response_time: int | None
    resolved_before_response: int | None
    outlasted_response: int | None
    silenced: int
    inhibited: int
    episodes: list[EpisodeOut]
    timeline_firing: list[sp.Span]
    timeline_pending: list[sp.Span]
    timeline_silenced: list[sp.Span]
    timeline_inhibited: list[sp.Span]

    @property
    def silenced_share(self) -> float:
        return self.silenced / self.firing if self.firing else 0.0


@dataclass(frozen=True)
class Finding:
    kind: str
    alert: str | None  # None: not about one alert (an integration)
    subject: str  # what it is about: the alert's name or "integration slack"
    owner: str
    evidence: str
    suggestion: str
    where: str | None
    weight: float


@dataclass
class Report:
    spec: str
    prometheus_url: str
    prometheus_version: str | None
    alertmanager_url: str | None
    alertmanager_version: str | None
    start: int
    end: int
    resolution: list[dict[str, Any]]
    flap_threshold: int
    silences_source: str
    alerts: list[AlertFigures]
    integrations: list[IntegrationCount] | None
    alertmanager_alerts: dict[str, int] | None
    alertmanager_silences: dict[str, int] | None
    fix_first: list[Finding]
    notes: list[str] = field(default_factory=list)

    @property
    def range_ms(self) -> int:
        return self.end - self.start


# --------------------------------------------------------------------------------------------


@dataclass
class _Group:
    route: Route
    members: list[tuple[str, list[sp.Span]]] = field(default_factory=list)  # (alertname, notifying spans)


def _sends_resolved(receiver: Mapping[str, Any] | None) -> bool:
    for key, configs in (receiver or {}).items():
        if not key.endswith("_configs") or not isinstance(configs, list):
            continue
        integration = key.removesuffix("_configs")
        for config in configs:
            default = integration not in _RESOLVED_OFF_BY_DEFAULT
            if isinstance(config, Mapping) and bool(config.get("send_resolved", default)):
                return True
    return False


def _silence_matchers(silence: Silence) -> list[Matcher]:
    return [parse_matcher(m) for m in silence.matchers]


def _owner(labels: Mapping[str, str], receivers: Sequence[str]) -> str:
    for name in OWNER_LABELS:
        if labels.get(name):
            return f"{name} {labels[name]}"
    return "receivers " + ", ".join(dict.fromkeys(receivers)) if receivers else "(no receiver)"


def _group_key(route: Route, labels: Mapping[str, str]) -> tuple[str, tuple[tuple[str, str], ...]]:
    if route.group_by_all:
        return route.path, tuple(sorted(labels.items()))
    return route.path, tuple((n, labels.get(n, "")) for n in route.group_by)


class _Context:
    """What every alert's figures need: routing, inhibition, silences, and the range."""

    def __init__(self, observed: Observed, model: Model, config: Mapping[str, Any], silences: Sequence[Silence]) -> None:
        self.observed = observed
        self.model = model
        self.config = config
        self.root = build_route_tree(config)
        self.inhibit_rules = build_inhibit_rules(config.get("inhibit_rules"))
        self.receivers = {str(r.get("name")): r for r in config.get("receivers") or []}
        self.silences = [(s, _silence_matchers(s)) for s in silences]
        self.external = observed.external_labels

    def labels(self, instance: Instance) -> dict[str, str]:
        # what Alertmanager sees: the alert's labels plus Prometheus' external labels (the alert's win)
        return {**self.external, **instance.label_map}

    def silenced(self, labels: Mapping[str, str], firing: Sequence[sp.Span]) -> list[sp.Span]:
        spans = [(s.start, s.end) for s, matchers in self.silences if matchers and all_match(matchers, labels)]
        return sp.intersect(firing, sp.union(spans))

    def inhibited(self, target: Instance, firing: Sequence[sp.Span], others: Sequence[Instance]) -> list[sp.Span]:
        if not self.inhibit_rules or not firing:
            return []
        labels = self.labels(target)
        sources: list[sp.Span] = []
        for other in others:
            if other is target or not other.firing_points:
                continue
            if inhibiting_rule(labels, [self.labels(other)], self.inhibit_rules) is not None:
                sources.extend(other.firing)
        return sp.intersect(firing, sp.union(sources))


def _duration_ms(text: str) -> int:
    return _ms(text) or 0


def _notifications(
    ctx: _Context, notifying: Mapping[int, list[sp.Span]], instances: Sequence[Instance]
) -> tuple[dict[str, int], dict[str, int]]:
    """Estimated notifications per alert name, and pages (first notifications of a group) per alert name."""
    groups: dict[tuple[str, Any], _Group] = {}
    for index, instance in enumerate(instances):
        spans = notifying[index]
        if not spans:
            continue
        labels = ctx.labels(instance)
        for route in match_routes(ctx.root, labels):
            group = groups.setdefault(_group_key(route, labels), _Group(route))
            group.members.append((instance.alertname, spans))
    counts: dict[str, int] = {}
    firsts: dict[tuple[str, str], int] = {}
    end = ctx.observed.end
    for key in sorted(groups, key=repr):
        group = groups[key]
        route = group.route
        wait, repeat = _duration_ms(route.group_wait), max(1, _duration_ms(route.repeat_interval))
        resolved = _sends_resolved(ctx.receivers.get(route.receiver))
        for start, stop in sp.union(s for _, spans in group.members for s in spans):
            length = stop - start
            if length < wait:
                continue  # over before Alertmanager's first flush of the group
            sent = 1 + (length - wait) // repeat + (1 if resolved and stop < end else 0)
            names = sorted({name for name, spans in group.members if sp.intersect(spans, [(start, stop)])})
            for name in names:
                counts[name] = counts.get(name, 0) + sent
                firsts[(name, route.receiver)] = firsts.get((name, route.receiver), 0) + 1
    pages: dict[str, int] = {}
    for (name, _receiver), count in firsts.items():
        pages[name] = max(pages.get(name, 0), count)
    return counts, pages


def _paging(model: Model, severity: str | None) -> bool:
    if severity is None:
        return False
    declared = model.severities.get(severity)
    if declared is not None and declared.paging is not None:
        return declared.paging
    return severity == "critical"


def analyze(
    observed: Observed,
    model: Model,
    merged: Merged,
    config: Mapping[str, Any],
    *,
    spec_name: str,
    flap_threshold: int = DEFAULT_FLAP_THRESHOLD,
) -> Report:
    silences_source = "alertmanager" if observed.alertmanager is not None else "spec"
    if observed.alertmanager is not None:
        silences = observed.alertmanager.silences
    else:
        silences = [
            Silence(
                f"spec:{i}",
                s.matchers,
                int(s.starts_at.timestamp() * 1000),
                int(s.ends_at.timestamp() * 1000),
                s.created_by,
                s.comment,
                "spec",
            )
            for i, s in enumerate(model.silences)
        ]
    ctx = _Context(observed, model, config, silences)
    instances = observed.instances

    firing = {i: inst.firing for i, inst in enumerate(instances)}
    silenced = {i: ctx.silenced(ctx.labels(inst), firing[i]) for i, inst in enumerate(instances)}
    inhibited = {i: ctx.inhibited(inst, firing[i], instances) for i, inst in enumerate(instances)}
    notifying = {i: sp.subtract(sp.subtract(firing[i], silenced[i]), sp.union(inhibited[i])) for i in firing}
    counts, pages = _notifications(ctx, notifying, instances)
    total_notifications = sum(counts.values())

    by_name: dict[str, list[int]] = {}
    for i, inst in enumerate(instances):
        by_name.setdefault(inst.alertname, []).append(i)
    names = [a.name for a in model.alerts] + sorted(n for n in by_name if model.alert(n) is None)

    figures = []
    for name in names:
        alert = model.alert(name)
        members = by_name.get(name, [])
        figures.append(
            _figures(
                name,
                alert,
                [instances[i] for i in members],
                {i: silenced[i] for i in members},
                {i: inhibited[i] for i in members},
                members,
                ctx,
                merged,
                counts.get(name, 0),
                total_notifications,
                pages.get(name, 0),
                flap_threshold,
            )
        )

    am = observed.alertmanager
    am_alerts: dict[str, int] | None = None
    am_silences: dict[str, int] | None = None
    if am is not None:
        am_alerts = {}
        for entry in am.alerts:
            state = str((entry.get("status") or {}).get("state", "unknown"))
            am_alerts[state] = am_alerts.get(state, 0) + 1
        am_silences = {}
        for silence in am.silences:
            am_silences[silence.state] = am_silences.get(silence.state, 0) + 1

    resolution = [
        {
            "alerts": list(plan.names) if plan.names is not None else None,
            "evaluation_interval": plan.interval_ms,
            "step": plan.grid.step,
            "source": plan.source,
        }
        for plan in observed.plans
    ]
    notes = list(observed.notes)
    report = Report(
        spec_name,
        observed.prometheus_url,
        observed.prometheus_version,
        am.url if am else None,
        am.version if am else None,
        observed.start,
        observed.end,
        resolution,
        flap_threshold,
        silences_source,
        figures,
        observed.integrations,
        dict(sorted(am_alerts.items())) if am_alerts is not None else None,
        dict(sorted(am_silences.items())) if am_silences is not None else None,
        [],
        notes,
    )
    report.fix_first = findings(report, ctx)
    return report


def _figures(
    name: str,
    alert: Alert | None,
    instances: Sequence[Instance],
    silenced: Mapping[int, list[sp.Span]],
    inhibited: Mapping[int, list[sp.Span]],
    members: Sequence[int],
    ctx: _Context,
    merged: Merged,
    notifications: int,
    total_notifications: int,
    pages: int,
    flap_threshold: int,
) -> AlertFigures:
    model = ctx.model
    observed = ctx.observed
    if alert is not None:
        labels = {**ctx.external, **alert.labels, "alertname": alert.name}
    else:
        labels = {**ctx.external, **(instances[0].label_map if instances else {"alertname": name})}
    severity = labels.get("severity")
    category = labels.get("category")
    receivers = [r.receiver for r in match_routes(ctx.root, labels)]

    episodes: list[EpisodeOut] = []
    flap_gaps: list[int] = []
    short_flaps: list[int] = []  # condition-true time of short firings that took part in flapping
    pending_only = 0
    all_episodes: list[Episode] = []
    for index, instance in zip(members, instances, strict=True):
        own = instance.episodes()
        all_episodes.extend(own)
        starts = {e.start for e in own}
        pending_only += sum(1 for s, e in instance.pending if e not in starts and e < instance.grid.end)
        for episode in own:
            window = [(episode.start, episode.end)]
            episodes.append(
                EpisodeOut(
                    instance.label_map,
                    episode.start,
                    episode.end,
                    episode.pending,
                    episode.open_start,
                    episode.open_end,
                    sp.total(sp.intersect(window, silenced[index])),
                    sp.total(sp.intersect(window, sp.union(inhibited[index]))),
                )
            )
        for k, gap in enumerate(gaps(own)):
            if gap < flap_threshold:
                flap_gaps.append(gap)
                for episode in (own[k], own[k + 1]):
                    if episode.duration < flap_threshold:
                        short_flaps.append(episode.duration + (episode.pending or 0))
    episodes.sort(key=lambda e: (e.start, sorted(e.labels.items())))

    durations = [e.duration for e in all_episodes]
    pendings = [e.pending for e in all_episodes if e.pending is not None]
    firing_total = sum(durations)
    severity_decl = model.severities.get(severity) if severity else None
    response = _ms(severity_decl.response_time) if severity_decl else None
    paging = _paging(model, severity)
    range_ms = observed.end - observed.start

    spec_for = alert.for_ if alert else None
    current_for = _ms(spec_for) or 0
    suggest_for = None
    if short_flaps:
        candidate = ceil_minutes(max(short_flaps))
        suggest_for = candidate if candidate > current_for else None

    where = key = None
    if alert is not None:
        from callalert.diagnostics import format_key

        path, line, _col = merged.locate(alert.key)
        where, key = f"{path}:{line}", format_key(alert.key)
    loaded = None if observed.loaded is None else name in observed.loaded

    all_firing = sp.union(s for inst in instances for s in inst.firing)
    return AlertFigures(
        name=name,
        in_spec=alert is not None,
        severity=severity,
        category=category,
        owner=_owner(labels, receivers),
        receivers=list(dict.fromkeys(receivers)),
        where=where,
        key=key,
        spec_for=spec_for,
        spec_keep_firing_for=alert.keep_firing_for if alert else None,
        loaded=loaded,
        instances=len(instances),
        fired=len(all_episodes),
        firing=firing_total,
        median_firing=median_int(durations),
        pending_median=median_int(pendings),
        pending_max=max(pendings) if pendings else None,
        pending_only=pending_only,
        flaps=len(flap_gaps),
        flap_max_gap=max(flap_gaps) if flap_gaps else None,
        suggest_keep_firing_for=ceil_minutes(max(flap_gaps)) if flap_gaps else None,
        suggest_for=suggest_for,
        notifications=notifications,
        share=notifications / total_notifications if total_notifications else 0.0,
        paging=paging,
        pages=pages if paging else None,
        # a rate over less than a day says little about a week
        pages_per_week=round(pages * WEEK / range_ms, 1) if paging and range_ms >= DAY else None,
        response_time=response,
        resolved_before_response=(
            sum(1 for e in all_episodes if not (e.open_start or e.open_end) and e.duration < response)
            if response is not None
            else None
        ),
        outlasted_response=sum(1 for e in all_episodes if e.duration > response) if response is not None else None,
        silenced=sum(sp.total(silenced[i]) for i in members),
        inhibited=sum(sp.total(sp.union(inhibited[i])) for i in members),
        episodes=episodes,
        timeline_firing=all_firing,
        timeline_pending=sp.subtract(sp.union(s for inst in instances for s in inst.pending), all_firing),
        timeline_silenced=sp.union(s for i in members for s in silenced[i]),
        timeline_inhibited=sp.union(s for i in members for s in inhibited[i]),
    )


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def _range_text(ms: int) -> str:
    return duration_text(ms)


def findings(report: Report, ctx: _Context | None = None) -> list[Finding]:
    out: list[Finding] = []
    range_text = _range_text(report.range_ms)
    for integration in report.integrations or []:
        if integration.failed <= 0:
            continue
        users = []
        if ctx is not None:
            users = sorted(name for name, r in ctx.receivers.items() if f"{integration.integration}_configs" in r)
        reasons = ", ".join(f"{reason} {count}" for reason, count in integration.reasons)
        share = integration.failed / integration.sent if integration.sent else 1.0
        out.append(
            Finding(
                "notifications-failing",
                None,
                f"integration {integration.integration}",
                "receivers " + ", ".join(users) if users else "(no receiver of the spec uses it)",
                f"{integration.failed} of {integration.sent} notifications failed ({_percent(share)})"
                + (f"; reasons: {reasons}" if reasons else ""),
                "fix the receiver's address or credentials (Alertmanager's log names each failure), "
                "then `callalert drill ALERT --alertmanager-url URL` to see one arrive",
                None,
                float(integration.failed),
            )
        )
    for a in report.alerts:
        label = a.name
        if a.paging and a.pages:
            self_resolved = a.resolved_before_response or 0
            too_many = a.pages_per_week is not None and a.pages_per_week > PAGES_PER_WEEK_LIMIT
            if too_many or self_resolved:
                rate = f" ({a.pages_per_week:g}/week)" if a.pages_per_week is not None else ""
                evidence = f"{a.pages} page(s) in {range_text}{rate}"
                if self_resolved and a.response_time is not None:
                    evidence += f"; {self_resolved} of {a.fired} firing(s) resolved on their own within its {duration_text(a.response_time)} response time"
                suggestion = _paging_suggestion(a)
                weight = a.pages_per_week if a.pages_per_week is not None else float(a.pages)
                out.append(Finding("paging-noise", a.name, label, a.owner, evidence, suggestion, a.where, weight))
        if a.flaps:
            evidence = (
                f"{a.flaps} time(s) resolved and fired again within {duration_text(report.flap_threshold)}"
                f" (longest gap {duration_text(a.flap_max_gap)})"
            )
            suggestion = f"keep_firing_for: {duration_text(a.suggest_keep_firing_for)} (would have merged every one of them)"
            if a.suggest_for is not None:
                suggestion += (
                    f", or for: {duration_text(a.suggest_for)} (would have dropped the short firings; now {a.spec_for or '0s'})"
                )
            out.append(Finding("flapping", a.name, label, a.owner, evidence, suggestion, a.where, float(a.flaps)))
        if a.firing and a.silenced_share >= SILENCED_SHARE:
            evidence = f"silenced {_percent(a.silenced_share)} of its {duration_text(a.firing)} firing ({report.silences_source} silences)"
            suggestion = (
                "fix the cause, or remove the alert or lower its severity if nobody needs it; "
                "for planned windows use a mute time interval on its route instead of silences"
            )
            out.append(Finding("silenced", a.name, label, a.owner, evidence, suggestion, a.where, a.silenced_share))
        if a.share >= NOISY_SHARE and a.notifications >= NOISY_MIN:
            evidence = f"about {a.notifications} notifications, {_percent(a.share)} of all ({a.fired} firing(s))"
            suggestion = "raise its threshold or its `for`, or group its instances (group_by) so one notification covers them"
            out.append(Finding("noisy", a.name, label, a.owner, evidence, suggestion, a.where, a.share))
        if a.outlasted_response and a.response_time is not None and a.outlasted_response * 2 >= a.fired:
            evidence = (
                f"{a.outlasted_response} of {a.fired} firing(s) lasted longer than its {duration_text(a.response_time)}"
                f" response time (median {duration_text(a.median_firing)})"
            )
            suggestion = "if nobody acts on it within the response time, lower its severity or fix the cause"
            out.append(
                Finding("slow-response", a.name, label, a.owner, evidence, suggestion, a.where, float(a.outlasted_response))
            )
        if not a.in_spec and (a.fired or a.pending_only):
            evidence = f"fired {a.fired} time(s) ({duration_text(a.firing)} in all) but is not in the spec"
            suggestion = "add it to the spec (severity, owner, runbook) or delete its rule"
            out.append(Finding("not-in-spec", a.name, label, a.owner, evidence, suggestion, None, float(a.fired)))
        if a.in_spec and a.fired == 0:
            evidence = f"never fired in {range_text}"
            if a.pending_only:
                evidence += f" (pending {a.pending_only} time(s), never for its full `for`)"
            if a.loaded is False:
                evidence += "; this Prometheus does not load it"
                suggestion = f"deploy its rules (`callalert render`), then `callalert drill {a.name} --alertmanager-url URL`"
            else:
                suggestion = (
                    f"prove it still works: `callalert drill {a.name} --alertmanager-url URL` for its route"
                    " and a rule test (tests.rules) for its expression"
                )
            out.append(Finding("never-fired", a.name, label, a.owner, evidence, suggestion, a.where, 0.0))
    return sorted(out, key=lambda f: (KINDS.index(f.kind), -f.weight, f.subject))


def _paging_suggestion(a: AlertFigures) -> str:
    short = [
        e.end - e.start + (e.pending or 0)
        for e in a.episodes
        if a.response_time is not None and not (e.open_start or e.open_end) and e.end - e.start < a.response_time
    ]
    if short:
        new_for = ceil_minutes(max(short))
        return (
            f"for: {duration_text(new_for)} (would have kept the {len(short)} self-resolving page(s) quiet; now {a.spec_for or '0s'})"
            ", or severity warning if it needs no one at once"
        )
    return "raise its threshold or its `for`, or make it a warning if it needs no one at once"
