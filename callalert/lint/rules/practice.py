"""Alerting practice: documented alerts, `for` and runbooks on critical alerts, silences that still do
what they were written for."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from callalert.analysis.alertmanager.matchers import Matcher, MatcherError, parse_matcher
from callalert.analysis.promql.smells import confirms_itself
from callalert.analysis.times import rfc3339
from callalert.analysis.versions import am_go, am_matcher_mode
from callalert.diagnostics import Problem, Rule
from callalert.lint.engine import LintRule, Options
from callalert.lint.rules import examples as ex
from callalert.lint.world import AlertRec, SilenceRec, World

AREA = "practice"

_RULES_FILE = """\
groups:
  - name: api
    rules:
      - alert: ApiDown
        expr: up{{job="api"}} == 0
        {for_}labels:
          severity: {severity}
        annotations:
{annotations}"""
_SUMMARY = "          summary: The API is down\n"
_DESCRIPTION = "          description: '{{ $labels.instance }} has not answered a scrape for 2 minutes.'\n"
_RUNBOOK_URL = "          runbook_url: https://runbooks.example.com/ApiDown.md\n"
_DASHBOARD = "          dashboard: https://grafana.example.com/d/api\n"


def _rules(
    *,
    for_: bool = True,
    severity: str = "critical",
    summary: str = _SUMMARY,
    description: str = _DESCRIPTION,
    runbook_url: str = _RUNBOOK_URL,
    dashboard: str = _DASHBOARD,
) -> str:
    return _RULES_FILE.format(
        for_="for: 2m\n        " if for_ else "",
        severity=severity,
        annotations=summary + description + runbook_url + dashboard,
    )


_SILENCE = """\
silences:
  - matchers: {matchers}
    starts_at: {starts_at}
    ends_at: {ends_at}
    created_by: alice
    comment: {comment}
"""


def _silence(
    matchers: str = """['alertname="HighErrorRate"', 'instance="api-1:8080"']""",
    *,
    starts_at: str = "2024-05-01T08:00:00Z",
    ends_at: str = "2024-05-01T12:00:00Z",
    comment: str = "Planned maintenance of api-1",
) -> str:
    return _SILENCE.format(matchers=matchers, starts_at=starts_at, ends_at=ends_at, comment=comment)


_TWO_CRITICAL = ex.alert() + ex.alert(
    "ApiNoTraffic",
    'sum(rate(http_requests_total{job="api"}[5m])) == 0',
    for_="10m",
    summary="The API gets no requests",
    description="No request reached the API for 10 minutes.",
)

ALERT_MISSING_ANNOTATION = Rule(
    "alert-missing-annotation",
    "warning",
    AREA,
    "alert without summary or description",
    "The notification is all the on-call person sees at 3 a.m.; without a summary and description it says nothing.",
    bad=_rules(description=""),
    good=_rules(),
)
ALERT_MISSING_RUNBOOK = Rule(
    "alert-missing-runbook",
    "warning",
    AREA,
    "alert without a runbook",
    "A runbook turns an alert into steps: what to check and what to do, written before the night it is needed. "
    "In a spec, `runbook:`; in a rule file, a runbook_url annotation.",
    bad=_rules(runbook_url=""),
    good=_rules(),
)
ALERT_MISSING_DASHBOARD = Rule(
    "alert-missing-dashboard",
    "info",
    AREA,
    "alert without a dashboard link",
    "A dashboard link saves the first minutes of every investigation.",
    bad=_rules(dashboard=""),
    good=_rules(),
)
CRITICAL_WITHOUT_FOR = Rule(
    "critical-without-for",
    "warning",
    AREA,
    "critical alert without `for`",
    "A critical alert pages someone; without `for` a single bad scrape wakes them up. An expression that requires two "
    "conditions at once (`short window > x and long window > x`, the multiwindow burn-rate alerts Sloth and the SRE "
    "workbook write) confirms itself and needs no `for`.",
    bad=_rules(for_=False),
    good=_rules(),
)
CRITICAL_RUNBOOK_STEPS = Rule(
    "critical-runbook-steps",
    "warning",
    AREA,
    "critical alert whose runbook lacks investigation or mitigation steps",
    "Whoever is paged needs to know what to check and what to do, not only what broke.",
    bad=ex.spec(alerts=ex.alert(runbook="        runbook:\n          description: Calls to the API fail; users see errors.\n")),
    good=ex.spec(),
)
SILENCE_EXPIRED = Rule(
    "silence-expired",
    "warning",
    AREA,
    "silence that already ended",
    "An expired silence does nothing but mislead readers of the spec; remove it.",
    bad=ex.spec(extra=_silence(starts_at="2024-03-04T08:00:00Z", ends_at="2024-03-04T12:00:00Z")),
    good=ex.spec(extra=_silence()),
)
SILENCE_MATCHES_NOTHING = Rule(
    "silence-matches-nothing",
    "warning",
    AREA,
    "silence no alert can match",
    "A silence that matches no alert is a typo or a leftover: the noise it was meant to stop is not stopped.",
    bad=ex.spec(extra=_silence("""['alertname="HighErorRate"', 'instance="api-1:8080"']""")),
    good=ex.spec(extra=_silence()),
)
SILENCE_ALL_CRITICAL = Rule(
    "silence-all-critical",
    "warning",
    AREA,
    "silence that mutes every critical alert",
    "While it lasts, nothing pages anyone.",
    bad=ex.spec(alerts=_TWO_CRITICAL, extra=_silence("""['severity="critical"']""", comment="Planned maintenance")),
    good=ex.spec(alerts=_TWO_CRITICAL, extra=_silence()),
)

_RUNBOOK_ANNOTATIONS = ("runbook_url", "runbook", "runbook_link", "playbook", "playbook_url")
_DASHBOARD_ANNOTATIONS = ("dashboard", "dashboard_url", "grafana", "grafana_url", "dashboard_link")


def _is_critical(alert: AlertRec) -> bool:
    return (alert.severity or "").lower() in ("critical", "page", "p1")


# --- alerts --------------------------------------------------------------------------------


def _alert_missing_annotation(world: World, options: Options) -> Iterator[Problem]:
    for alert in world.alerts:
        missing = [a for a in ("summary", "description") if not alert.annotations.get(a)]
        if missing and alert.from_spec:
            yield alert.src.problem(
                alert.key,
                f"alert {alert.name} has no {' and '.join(missing)}",
                ALERT_MISSING_ANNOTATION,
                fix=f"add {', '.join(f'{m}: ...' for m in missing)}",
            )
        elif missing:
            yield alert.src.problem(
                (*alert.key, "annotations") if alert.annotations else alert.key,
                f"alert {alert.name} has no {' and '.join(missing)} annotation",
                ALERT_MISSING_ANNOTATION,
                fix=f"add annotations: {', '.join(f'{m}: ...' for m in missing)}",
            )


def _alert_missing_runbook(world: World, options: Options) -> Iterator[Problem]:
    for alert in world.alerts:
        if alert.from_spec:
            if alert.runbook is None and "runbook_url" not in alert.annotation_keys:  # its own runbook_url: elsewhere
                yield alert.src.problem(
                    alert.key,
                    f"alert {alert.name} has no runbook",
                    ALERT_MISSING_RUNBOOK,
                    fix="add runbook: {description: ..., investigation: [...], mitigation: [...]}",
                )
        elif not any(alert.annotations.get(a) for a in _RUNBOOK_ANNOTATIONS):
            yield alert.src.problem(
                alert.key,
                f"alert {alert.name} has no runbook_url annotation",
                ALERT_MISSING_RUNBOOK,
                fix="add annotations: {runbook_url: https://...}",
            )


def _alert_missing_dashboard(world: World, options: Options) -> Iterator[Problem]:
    for alert in world.alerts:
        if alert.from_spec:
            if "dashboard" not in alert.annotations:
                yield alert.src.problem(
                    alert.key,
                    f"alert {alert.name} has no dashboard",
                    ALERT_MISSING_DASHBOARD,
                    fix="add dashboard: /d/<uid>/<name> (relative to defaults.dashboard_base_url) or a full URL",
                )
        elif not any(alert.annotations.get(a) for a in _DASHBOARD_ANNOTATIONS):
            yield alert.src.problem(
                alert.key,
                f"alert {alert.name} has no dashboard annotation",
                ALERT_MISSING_DASHBOARD,
                fix="add annotations: {dashboard: https://grafana.example.com/d/...}",
            )


def _critical_without_for(world: World, options: Options) -> Iterator[Problem]:
    for alert in world.alerts:
        if _is_critical(alert) and (not alert.for_ or alert.for_ in ("0", "0s")) and not confirms_itself(alert.expr):
            yield alert.src.problem(
                alert.key,
                f"critical alert {alert.name} has no `for`: one bad evaluation pages someone",
                CRITICAL_WITHOUT_FOR,
                fix="add for: 2m (or longer)",
            )


def _critical_runbook_steps(world: World, options: Options) -> Iterator[Problem]:
    for alert in world.alerts:
        if not (_is_critical(alert) and alert.from_spec and alert.runbook is not None):
            continue
        runbook = alert.runbook
        lacking = [
            step for step, given in (("investigation", runbook.investigation), ("mitigation", runbook.mitigation)) if not given
        ]
        if lacking:
            yield alert.src.problem(
                (*alert.key, "runbook"),
                f"critical alert {alert.name}: the runbook has no {' or '.join(lacking)} steps",
                CRITICAL_RUNBOOK_STEPS,
                fix=f"add runbook.{lacking[0]}: [step, step, ...]",
            )


# --- silences (specs) ------------------------------------------------------------------------


def _silence_expired(world: World, options: Options) -> Iterator[Problem]:
    for silence in world.silences:
        if _ended(silence.ends_at, options):
            yield silence.src.problem(
                silence.ends_key,
                f"silence ended at {rfc3339(silence.ends_at)}; it no longer silences anything",
                SILENCE_EXPIRED,
                fix="remove it",
            )


def _ended(end: datetime, options: Options) -> bool:
    if end.tzinfo is None:
        end = end.replace(tzinfo=options.now.tzinfo)
    return end <= options.now


def _active_silences(world: World, options: Options) -> Iterator[tuple[SilenceRec, list[Matcher]]]:
    """Silences that have not ended, with their parsed matchers (validation reports unparsable ones)."""
    for silence in world.silences:
        if _ended(silence.ends_at, options):
            continue  # silence-expired says so
        try:
            mode, go = am_matcher_mode(world.am_version), am_go(world.am_version)
            matchers = [parse_matcher(m, mode, go) for m in silence.matchers]
        except MatcherError:
            continue
        yield silence, matchers


def _silence_matches_nothing(world: World, options: Options) -> Iterator[Problem]:
    if not (world.alerts_known and world.alerts):
        return
    for silence, matchers in _active_silences(world, options):
        if all(_silence_verdict(matchers, alert) is False for alert in world.alerts):
            yield silence.src.problem(
                silence.matchers_key,
                "this silence matches none of the alerts linted",
                SILENCE_MATCHES_NOTHING,
                fix="check the label names and values against the alerts' labels",
            )


def _silence_all_critical(world: World, options: Options) -> Iterator[Problem]:
    critical = [a for a in world.alerts if _is_critical(a)]
    if len(critical) <= 1:
        return
    for silence, matchers in _active_silences(world, options):
        if all(_silence_verdict(matchers, alert) is True for alert in critical):
            yield silence.src.problem(
                silence.matchers_key,
                f"this silence mutes every critical alert ({len(critical)})",
                SILENCE_ALL_CRITICAL,
                fix="narrow it with alertname=... or instance=... matchers",
            )


def _silence_verdict(matchers: Sequence[Matcher], alert: AlertRec) -> bool | None:
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


RULES: tuple[LintRule, ...] = (
    LintRule(ALERT_MISSING_ANNOTATION, "rules", _alert_missing_annotation),
    LintRule(ALERT_MISSING_RUNBOOK, "rules", _alert_missing_runbook),
    LintRule(ALERT_MISSING_DASHBOARD, "rules", _alert_missing_dashboard),
    LintRule(CRITICAL_WITHOUT_FOR, "rules", _critical_without_for),
    LintRule(CRITICAL_RUNBOOK_STEPS, "spec", _critical_runbook_steps),
    LintRule(SILENCE_EXPIRED, "spec", _silence_expired),
    LintRule(SILENCE_MATCHES_NOTHING, "spec", _silence_matches_nothing),
    LintRule(SILENCE_ALL_CRITICAL, "spec", _silence_all_critical),
)
