"""The seed's best practices: documented alerts, `for` and runbooks on critical alerts, sane silences."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from callalert.diagnostics import Problem
from callalert.lint.engine import Options, register
from callalert.lint.world import AlertRec, World

register(
    "alert-missing-annotation",
    "warning",
    "practice",
    "alert without summary or description",
    "The notification is all the on-call person sees at 3 a.m.; without a summary and description it says nothing.",
    "- alert: HighLatency\n  expr: ...",
    "- alert: HighLatency\n  expr: ...\n  annotations:\n    summary: ...\n    description: ...",
)
register(
    "alert-missing-runbook",
    "warning",
    "practice",
    "alert without a runbook",
    "A runbook turns an alert into steps; the seed asks for one per alert.",
    "annotations: {summary: ..., description: ...}",
    "annotations: {summary: ..., description: ..., runbook_url: https://runbooks.example.com/HighLatency.md}",
)
register(
    "alert-missing-dashboard",
    "info",
    "practice",
    "alert without a dashboard link",
    "A dashboard link saves the first minutes of every investigation.",
    "annotations: {summary: ...}",
    "annotations: {summary: ..., dashboard: https://grafana.example.com/d/x}",
)
register(
    "critical-without-for",
    "warning",
    "practice",
    "critical alert without `for`",
    "A critical alert pages someone; without `for` a single bad scrape wakes them up.",
    "- alert: ServiceDown\n  expr: up == 0\n  labels: {severity: critical}",
    "- alert: ServiceDown\n  expr: up == 0\n  for: 2m\n  labels: {severity: critical}",
)
register(
    "critical-runbook-steps",
    "warning",
    "practice",
    "critical alert whose runbook lacks investigation or mitigation steps",
    "Whoever is paged needs to know what to check and what to do, not only what broke.",
    "runbook: {description: ...}",
    "runbook: {description: ..., investigation: [...], mitigation: [...]}",
)
register(
    "silence-expired",
    "warning",
    "practice",
    "silence that already ended",
    "An expired silence does nothing but mislead readers of the spec; remove it.",
    "ends_at: 2023-06-01T12:00:00Z",
    "(remove the silence)",
)
register(
    "silence-matches-nothing",
    "warning",
    "practice",
    "silence no alert can match",
    "A silence that matches no alert is a typo or a leftover: the noise it was meant to stop is not stopped.",
    "matchers: ['alertname=\"HighMemUsage\"']",
    "matchers: ['alertname=\"HighMemoryUsage\"']",
)
register(
    "silence-all-critical",
    "warning",
    "practice",
    "silence that mutes every critical alert",
    "While it lasts, nothing pages anyone.",
    "matchers: ['severity=\"critical\"']",
    "matchers: ['alertname=\"ServiceDown\"', 'instance=\"app-server-01\"']",
)

_RUNBOOK_ANNOTATIONS = ("runbook_url", "runbook", "runbook_link", "playbook", "playbook_url")
_DASHBOARD_ANNOTATIONS = ("dashboard", "dashboard_url", "grafana", "grafana_url", "dashboard_link")


def _is_critical(alert: AlertRec) -> bool:
    return (alert.severity or "").lower() in ("critical", "page", "p1")


def check(world: World, options: Options) -> Iterator[Problem]:
    for alert in world.alerts:
        missing = [a for a in ("summary", "description") if not alert.annotations.get(a)]
        if missing and not alert.from_spec:
            what = " and ".join(missing)
            yield alert.src.problem(
                (*alert.key, "annotations") if alert.annotations else alert.key,
                f"alert {alert.name} has no {what} annotation",
                "alert-missing-annotation",
                fix=f"add annotations: {', '.join(f'{m}: ...' for m in missing)}",
            )
        if alert.from_spec:
            if alert.runbook is None:
                yield alert.src.problem(
                    alert.key,
                    f"alert {alert.name} has no runbook",
                    "alert-missing-runbook",
                    fix="add runbook: {description: ..., investigation: [...], mitigation: [...]}",
                )
            if "dashboard" not in alert.annotations:
                yield alert.src.problem(
                    alert.key,
                    f"alert {alert.name} has no dashboard",
                    "alert-missing-dashboard",
                    fix="add dashboard: /d/<uid>/<name> (relative to defaults.dashboard_base_url) or a full URL",
                )
        else:
            if not any(alert.annotations.get(a) for a in _RUNBOOK_ANNOTATIONS):
                yield alert.src.problem(
                    alert.key,
                    f"alert {alert.name} has no runbook_url annotation",
                    "alert-missing-runbook",
                    fix="add annotations: {runbook_url: https://...}",
                )
            if not any(alert.annotations.get(a) for a in _DASHBOARD_ANNOTATIONS):
                yield alert.src.problem(
                    alert.key,
                    f"alert {alert.name} has no dashboard annotation",
                    "alert-missing-dashboard",
                    fix="add annotations: {dashboard: https://grafana.example.com/d/...}",
                )
        if _is_critical(alert):
            if not alert.for_ or alert.for_ in ("0", "0s"):
                yield alert.src.problem(
                    alert.key,
                    f"critical alert {alert.name} has no `for`: one bad evaluation pages someone",
                    "critical-without-for",
                    fix="add for: 2m (or longer)",
                )
            if alert.from_spec and alert.runbook is not None:
                lacking = [s for s in ("investigation", "mitigation") if not getattr(alert.runbook, s)]
                if lacking:
                    yield alert.src.problem(
                        (*alert.key, "runbook"),
                        f"critical alert {alert.name}: the runbook has no {' or '.join(lacking)} steps",
                        "critical-runbook-steps",
                        fix=f"add runbook.{lacking[0]}: [step, step, ...]",
                    )
    yield from _silences(world, options)


def _silences(world: World, options: Options) -> Iterator[Problem]:
    if world.spec is None:
        return
    from callalert.analysis.alertmanager.matchers import MatcherError, parse_matcher

    spec = world.spec.model
    src = world.alerts[0].src if world.alerts else None
    from callalert.lint.world import Source

    merged = world.spec.merged
    src = Source(lambda key, at_key: merged.locate(key, at_key=at_key))
    critical = [a for a in world.alerts if _is_critical(a)]
    for i, silence in enumerate(spec.silences):
        key = ("silences", i)
        end = silence.ends_at
        now = options.now
        if end.tzinfo is None:
            end = end.replace(tzinfo=now.tzinfo)
        if end <= now:
            yield src.problem(
                (*key, "ends_at"),
                f"silence ended at {silence.ends_at.isoformat().replace('+00:00', 'Z')}; it no longer silences anything",
                "silence-expired",
                fix="remove it from silences",
            )
            continue
        try:
            matchers = [parse_matcher(m) for m in silence.matchers]
        except MatcherError:
            continue  # validation reports it
        could = certain_critical = 0
        for alert in world.alerts:
            verdict = _silence_verdict(matchers, alert)
            if verdict is not False:
                could += 1
            if verdict is True and _is_critical(alert):
                certain_critical += 1
        if world.alerts and not could:
            yield src.problem(
                (*key, "matchers"),
                "this silence matches no alert of the spec",
                "silence-matches-nothing",
                fix="check the label names and values against the alerts' labels",
            )
        if len(critical) > 1 and certain_critical == len(critical):
            yield src.problem(
                (*key, "matchers"),
                f"this silence mutes every critical alert ({len(critical)})",
                "silence-all-critical",
                fix="narrow it with alertname=... or instance=... matchers",
            )


def _silence_verdict(matchers: Sequence[Any], alert: AlertRec) -> bool | None:
    """True: certainly matches; False: cannot match; None: depends on labels known only at runtime."""
    certain = True
    for m in matchers:
        name = m.name
        if name in alert.labels:
            if not m.matches(alert.labels):
                return False
            continue
        can = alert.can_have(name)
        if can is False:
            if not m.matches({}):
                return False
            continue
        certain = False
    return True if certain else None
