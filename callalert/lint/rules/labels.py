"""The label contract across layers: what PromQL produces, what rules add, what Alertmanager and
the templates read. Only provable absences are reported: a label that may come from the metrics
(an open label set) is never flagged."""

from __future__ import annotations

import re
from collections.abc import Iterator

from callalert.analysis.alertmanager.inhibit import build_inhibit_rules
from callalert.analysis.gotemplate import TemplateSyntaxError
from callalert.diagnostics import Level, Problem, Rule, iter_strings, problem
from callalert.lint.engine import LintRule, Options
from callalert.lint.rules import examples as ex
from callalert.lint.world import AlertRec, World

AREA = "labels"

_ERROR_RATE_RULES = """\
groups:
  - name: api
    rules:
      - alert: HighErrorRate
        expr: {expr}
        for: 10m
        labels:
          severity: warning
        annotations:
          summary: 'Requests fail on {{{{ $labels.instance }}}}'
          description: More than one request per second fails.
          runbook_url: https://runbooks.example.com/HighErrorRate.md
          dashboard: https://grafana.example.com/d/api
"""
_TEAM_RECEIVERS = """\
receivers:
  pager:
    pagerduty_configs:
      - routing_key: {file: /etc/alertmanager/secrets/pagerduty-routing-key}
        description: '{{ .CommonLabels.team }}: {{ .CommonAnnotations.summary }}'
  chat:
    webhook_configs:
      - url: http://chat.example.com/alertmanager
"""
_TEAM_LABEL = "        labels: {team: payments}\n"
_TEAM_ROUTES = """\
routing:
  receiver: chat
  routes:
    - matchers: ['team="payments"']
      receiver: payments
      continue: true
    - matchers: ['severity="critical"']
      receiver: pager
    - matchers: ['severity="warning"']
      receiver: chat
"""
_PAYMENTS_RECEIVERS = (
    ex.RECEIVERS
    + """\
  payments:
    webhook_configs:
      - url: http://payments-chat.example.com/alertmanager
"""
)
_INHIBIT = """\
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: {equal}
"""

_WARNING_ALERT = ex.alert(
    "HighLatency",
    'histogram_quantile(0.99, sum by (le, instance) (rate(http_request_duration_seconds_bucket{job="api"}[5m]))) > 1',
    severity="warning",
    summary="The API is slow",
    description="'{{ $labels.instance }} answers in more than a second.'",
)

ANNOTATION_LABEL_NEVER_SET = Rule(
    "annotation-label-never-set",
    "warning",
    AREA,
    "annotation reads a label the expression never returns",
    "`$labels` in an annotation holds the expression's output labels only (not the rule's own labels): "
    "a label aggregated away renders as an empty string.",
    bad=_ERROR_RATE_RULES.format(expr="sum(rate(http_request_errors_total[5m])) > 1"),
    good=_ERROR_RATE_RULES.format(expr="sum by (instance) (rate(http_request_errors_total[5m])) > 1"),
)
TEMPLATE_LABEL_NEVER_SET = Rule(
    "template-label-never-set",
    "warning",
    AREA,
    "notification template reads a label no alert carries",
    "`.CommonLabels.team` of a label no alert has is always empty: the message loses what it was meant to say.",
    bad=ex.spec(receivers=_TEAM_RECEIVERS),
    good=ex.spec(receivers=_TEAM_RECEIVERS, alerts=ex.alert(extra=_TEAM_LABEL)),
)
GROUP_BY_LABEL_NEVER_SET = Rule(
    "group-by-label-never-set",
    "warning",
    AREA,
    "group_by on a label no routed alert carries",
    "Grouping by an absent label groups nothing apart: all alerts share the empty value.",
    bad=ex.spec(defaults="defaults:\n  group_by: [alertname, cluster]\n"),
    good=ex.spec(defaults="defaults:\n  group_by: [alertname, cluster]\n  external_labels: {cluster: eu-west-1}\n"),
)
INHIBIT_EQUAL_NEVER_SET = Rule(
    "inhibit-equal-never-set",
    "warning",
    AREA,
    "inhibit rule `equal` on a label neither side carries",
    "Absent equals absent in Alertmanager: the rule then inhibits across everything it matches, far more than meant.",
    bad=ex.spec(extra=_INHIBIT.format(equal="[cluster]"), alerts=ex.alert() + _WARNING_ALERT),
    good=ex.spec(extra=_INHIBIT.format(equal="[instance]"), alerts=ex.alert() + _WARNING_ALERT),
)
ROUTE_MATCHER_LABEL_NEVER_SET = Rule(
    "route-matcher-label-never-set",
    "warning",
    AREA,
    "route matcher on a label no alert carries",
    "The route can never match, so the alerts meant for it go elsewhere.",
    bad=ex.spec(receivers=_PAYMENTS_RECEIVERS, routing=_TEAM_ROUTES),
    good=ex.spec(receivers=_PAYMENTS_RECEIVERS, routing=_TEAM_ROUTES, alerts=ex.alert(extra=_TEAM_LABEL)),
)


def _verdict(world: World, label: str, consequence: str) -> tuple[Level, str] | None:
    """The finding about a label read by the Alertmanager side: proved absent (the rule's level,
    with a did-you-mean against the labels the alerts can produce), or absent from every alert
    whose labels are known while a did-you-mean suggests a typo (info, naming the alerts whose
    label sets are open); None otherwise."""
    v = world.label_verdict(label)
    if v.can is False:
        return "warning", f"no alert carries the label {label!r}, so {consequence}{v.suggestion()}"
    if v.can is None and v.suggestion():
        why = (
            f"the metrics of {v.open_note()} may carry it, --metrics decides"
            if v.open_alerts
            else "it may be a Prometheus external label, --external-labels decides"
        )
        return "info", f"no alert sets the label {label!r} (not proved absent: {why}){v.suggestion()}"
    return None


def _labels_known(world: World) -> bool:
    return world.alerts_known and bool(world.alerts)


# --- annotation-label-never-set -------------------------------------------------------------


def _annotation_label_never_set(world: World, options: Options) -> Iterator[Problem]:
    for alert in world.alerts:
        for name, text in alert.annotations.items():
            if "{{" not in text or "labels" not in text.lower():
                continue
            info = world.parse_template(text, "prometheus")
            if isinstance(info, TemplateSyntaxError):
                continue  # validate (spec) or promtool (rule files) reports it
            # $labels.x, index $labels "x", .Labels.x: the alert's labels, not external ones
            reads = [r.name for r in info.label_reads if r.kind == "label" and r.name != "*"]
            for label in dict.fromkeys(reads):
                yield from _annotation_read(alert, name, label)


def _annotation_read(alert: AlertRec, annotation: str, label: str) -> Iterator[Problem]:
    if label == "__name__":
        return
    can = alert.expr_can_have(label)
    if can is not False:
        return
    key = alert.annotation_keys.get(annotation, alert.key)
    if label in alert.labels and label != "alertname":
        message = (
            f"annotation {annotation} of {alert.name} reads $labels.{label}, but {label} is a rule label, not a label "
            f"of the expression's result: $labels holds only the result's labels, so it renders empty"
        )
        fix = f"write the value itself ({alert.labels[label]!r}) or add {label} to the expression's by (...)"
    else:
        message = (
            f"annotation {annotation} of {alert.name} reads $labels.{label}, but the expression never returns the label "
            f"{label} (it is aggregated away), so it renders empty"
        )
        fix = f"keep the label: by ({label}) in the aggregation, or remove $labels.{label} from the text"
    yield alert.src.problem(key, message, ANNOTATION_LABEL_NEVER_SET, fix=fix)


# --- template-label-never-set ---------------------------------------------------------------

_NOTIFICATION_MAPS = ("Labels", "CommonLabels", "GroupLabels")


def _notification_reads(world: World, text: str) -> list[tuple[str, str, int, int]]:
    """(map, label, line, col) of label reads; `.Labels` only where `.` is an alert (range .Alerts)."""
    info = world.parse_template(text)
    if isinstance(info, TemplateSyntaxError):
        return []  # template-syntax reports it
    return [
        (r.via, r.name, r.pos.line, r.pos.col)
        for r in info.label_reads
        if r.kind == "label" and r.name != "*" and r.via in _NOTIFICATION_MAPS
    ]


def _template_label_never_set(world: World, options: Options) -> Iterator[Problem]:
    if not _labels_known(world):
        return
    seen: set[tuple[str, int, str]] = set()
    for tf in world.templates:
        if tf.src is None or "{{" not in tf.text:
            continue
        for mapname, label, line, col in _notification_reads(world, tf.text):
            if (tf.path, line, label) in seen:
                continue
            seen.add((tf.path, line, label))
            found = _verdict(world, label, "this is always empty")
            if found is not None:
                yield problem(
                    tf.path,
                    line,
                    col,
                    f".{mapname}.{label}: {found[1]}",
                    TEMPLATE_LABEL_NEVER_SET,
                    level=found[0],
                    fix=f"set {label} on the alerts that need it, or fix the name",
                )
    am = world.am
    if am is None:
        return
    for name, receiver in am.receivers().items():
        for key, text in iter_strings({k: v for k, v in receiver.items() if k != "name"}):
            if "{{" not in text:
                continue
            for mapname, label, _line, _col in _notification_reads(world, text):
                found = _verdict(world, label, "it is always empty")
                if found is not None:
                    yield am.src.problem(
                        (*am.receiver_key(name), *key),
                        f"receiver {name}: .{mapname}.{label}: {found[1]}",
                        TEMPLATE_LABEL_NEVER_SET,
                        level=found[0],
                        fix=f"set {label} on the alerts, or fix the name",
                    )


# --- group_by, route matchers, inhibit equal -------------------------------------------------


def _group_by_label_never_set(world: World, options: Options) -> Iterator[Problem]:
    am = world.am
    if am is None or not _labels_known(world):
        return
    root = am.route_tree()
    if isinstance(root, Exception):
        return
    for node in root.walk():
        if "group_by" in node.inherited or not node.group_by or node.group_by_all:
            continue
        rkey = am.route_key(node.path)
        for i, label in enumerate(node.group_by):
            found = _verdict(world, label, "it groups nothing apart")
            if found is not None:
                key = (*am.root_group_by_key, i) if node.parent is None and am.from_spec else (*rkey, "group_by", i)
                yield am.src.problem(
                    key,
                    f"group_by {label!r}: {found[1]}",
                    GROUP_BY_LABEL_NEVER_SET,
                    level=found[0],
                    fix=f"fix the name, or remove {label!r} from group_by",
                )


def _route_matcher_label_never_set(world: World, options: Options) -> Iterator[Problem]:
    am = world.am
    if am is None or not _labels_known(world):
        return
    root = am.route_tree()
    if isinstance(root, Exception):
        return
    for node in root.walk():
        rkey = am.route_key(node.path)
        for m in node.matchers:
            found = None if m.matches({}) else _verdict(world, m.name, "this route never matches")
            if found is not None:
                yield am.src.problem(
                    (*rkey, "matchers") if am.from_spec or "matchers" in _raw_route(am.data, node.path) else rkey,
                    f"route matcher {m}: {found[1]}",
                    ROUTE_MATCHER_LABEL_NEVER_SET,
                    level=found[0],
                    fix=f"set {m.name} on the alerts meant for this route, or fix the matcher",
                )


def _inhibit_equal_never_set(world: World, options: Options) -> Iterator[Problem]:
    am = world.am
    if am is None or not _labels_known(world) or isinstance(am.route_tree(), Exception):
        return
    try:
        rules = build_inhibit_rules(am.data.get("inhibit_rules"), am.am_version)
    except Exception:
        return
    for rule in rules:
        for j, label in enumerate(rule.equal):
            found = _verdict(
                world, label, "absent equals absent: every matching source alert inhibits every matching target alert"
            )
            if found is not None:
                yield am.src.problem(
                    ("inhibit_rules", rule.index, "equal", j),
                    f"inhibit equal {label!r}: {found[1]}",
                    INHIBIT_EQUAL_NEVER_SET,
                    level=found[0],
                    fix=f"use a label both sides carry (e.g. alertname, instance), or drop {label!r}",
                )


def _raw_route(data: dict[str, object], path: str) -> dict[str, object]:
    node: object = data.get("route")
    for index in re.findall(r"\[(\d+)\]", path):
        if not isinstance(node, dict):
            return {}
        node = (node.get("routes") or [None] * (int(index) + 1))[int(index)]
    return node if isinstance(node, dict) else {}


RULES: tuple[LintRule, ...] = (
    LintRule(ANNOTATION_LABEL_NEVER_SET, "rules", _annotation_label_never_set),
    LintRule(TEMPLATE_LABEL_NEVER_SET, "spec", _template_label_never_set),
    LintRule(GROUP_BY_LABEL_NEVER_SET, "spec", _group_by_label_never_set),
    LintRule(INHIBIT_EQUAL_NEVER_SET, "spec", _inhibit_equal_never_set),
    LintRule(ROUTE_MATCHER_LABEL_NEVER_SET, "spec", _route_matcher_label_never_set),
)
