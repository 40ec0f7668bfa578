"""The label contract across layers: what PromQL produces, what rules add, what Alertmanager and
the templates read. Only provable absences are reported: a label that may come from the metrics
(an open label set) is never flagged."""

from __future__ import annotations

from collections.abc import Iterator

from callalert.diagnostics import Problem
from callalert.lint.engine import Options, register
from callalert.lint.world import AlertRec, World
from callalert.lint.world import config_strings as _strings

register(
    "annotation-label-never-set",
    "warning",
    "labels",
    "annotation reads a label the expression never returns",
    "`$labels` in an annotation holds the expression's output labels only (not the rule's own labels): "
    "a label aggregated away renders as an empty string.",
    "expr: sum(rate(errors_total[5m])) > 1\nannotations:\n  summary: 'errors on {{ $labels.instance }}'",
    "expr: sum by (instance) (rate(errors_total[5m])) > 1\nannotations:\n  summary: 'errors on {{ $labels.instance }}'",
)
register(
    "template-label-never-set",
    "warning",
    "labels",
    "notification template reads a label no alert carries",
    "`.CommonLabels.team` of a label no alert has is always empty: the message loses what it was meant to say.",
    "text: 'team: {{ .CommonLabels.team }}'   # no alert sets team",
    "labels: {team: payments}   # on the alerts, or drop the field from the template",
)
register(
    "group-by-label-never-set",
    "warning",
    "labels",
    "group_by on a label no routed alert carries",
    "Grouping by an absent label groups nothing apart: all alerts share the empty value.",
    "group_by: [alertname, cluster]   # no alert has cluster",
    "group_by: [alertname]",
)
register(
    "inhibit-equal-never-set",
    "warning",
    "labels",
    "inhibit rule `equal` on a label neither side carries",
    "Absent equals absent in Alertmanager: the rule then inhibits across everything it matches, far more than meant.",
    "equal: [cluster]   # no alert has cluster",
    "equal: [alertname]",
)
register(
    "route-matcher-label-never-set",
    "warning",
    "labels",
    "route matcher on a label no alert carries",
    "The route can never match, so the alerts meant for it go elsewhere.",
    "matchers: ['team=\"db\"']   # no alert sets team",
    "labels: {team: db}   # on the alerts that belong to the db team",
)


def _never(world: World, label: str) -> bool:
    return world.any_alert_can_have(label) is False


def check(world: World, options: Options) -> Iterator[Problem]:
    yield from _annotations(world)
    if world.alerts_known and world.alerts:
        yield from _templates(world)
        yield from _am(world)


def _annotations(world: World) -> Iterator[Problem]:
    from callalert.analysis.gotemplate import TemplateSyntaxError

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
            f"annotation {annotation} of {alert.name} reads $labels.{label}, but the expression never returns a "
            f"{label} label (it is aggregated away), so it renders empty"
        )
        fix = f"keep the label: by ({label}) in the aggregation, or remove $labels.{label} from the text"
    yield alert.src.problem(key, message, "annotation-label-never-set", fix=fix)


_NOTIFICATION_MAPS = ("Labels", "CommonLabels", "GroupLabels")


def _notification_reads(world: World, text: str) -> list[tuple[str, str, int, int]]:
    """(map, label, line, col) of label reads; `.Labels` only where `.` is an alert (range .Alerts)."""
    from callalert.analysis.gotemplate import TemplateSyntaxError

    info = world.parse_template(text)
    if isinstance(info, TemplateSyntaxError):
        return []  # rules_templates reports it
    return [
        (r.via, r.name, r.pos.line, r.pos.col)
        for r in info.label_reads
        if r.kind == "label" and r.name != "*" and r.via in _NOTIFICATION_MAPS
    ]


def _templates(world: World) -> Iterator[Problem]:
    from callalert.diagnostics import Problem as P

    seen: set[tuple[str, int, str]] = set()
    for tf in world.templates:
        if tf.src is None or "{{" not in tf.text:
            continue
        for mapname, label, line, col in _notification_reads(world, tf.text):
            if (tf.path, line, label) in seen:
                continue
            seen.add((tf.path, line, label))
            if _never(world, label):
                yield P(
                    tf.path,
                    line,
                    col,
                    "warning",
                    f".{mapname}.{label}: no alert carries a {label} label, so this is always empty",
                    "template-label-never-set",
                    fix=f"set {label} on the alerts that need it, or remove the read",
                )
    am = world.am
    if am is None:
        return
    for name, receiver in am.receivers().items():
        for key, text in _strings(receiver, ()):
            if "{{" not in text:
                continue
            for mapname, label, _line, _col in _notification_reads(world, text):
                if _never(world, label):
                    rkey = (*am.receiver_key(name), *key)
                    yield am.src.problem(
                        rkey,
                        f"receiver {name}: .{mapname}.{label} reads a label no alert carries; it is always empty",
                        "template-label-never-set",
                        fix=f"set {label} on the alerts, or remove the read",
                    )


def _am(world: World) -> Iterator[Problem]:
    from callalert.analysis.alertmanager.inhibit import build_inhibit_rules
    from callalert.analysis.alertmanager.routing import RoutingError, build_route_tree

    am = world.am
    if am is None:
        return
    config = {k: v for k, v in am.data.items() if k != "receivers"}
    try:
        root = build_route_tree(config)
    except (RoutingError, Exception):
        return
    for node in root.walk():
        rkey = am.route_key(node.path)
        if "group_by" not in node.inherited and node.group_by and not node.group_by_all:
            for i, label in enumerate(node.group_by):
                if _never(world, label):
                    key = am.root_group_by_key if node.parent is None and am.from_spec else (*rkey, "group_by", i)
                    if am.from_spec and node.parent is None:
                        key = (*key, i)
                    yield am.src.problem(
                        key,
                        f"group_by {label!r}: no alert carries a {label} label, so it groups nothing apart",
                        "group-by-label-never-set",
                        fix=f"remove {label!r} from group_by",
                    )
        for m in node.matchers:
            if not m.matches({}) and _never(world, m.name):
                yield am.src.problem(
                    (*rkey, "matchers") if am.from_spec or "matchers" in _raw_route(am.data, node.path) else rkey,
                    f"route matcher {m}: no alert carries a {m.name} label, so this route never matches",
                    "route-matcher-label-never-set",
                    fix=f"set {m.name} on the alerts meant for this route, or fix the matcher",
                )
    try:
        rules = build_inhibit_rules(am.data.get("inhibit_rules"))
    except Exception:
        return
    for rule in rules:
        for j, label in enumerate(rule.equal):
            if _never(world, label):
                yield am.src.problem(
                    ("inhibit_rules", rule.index, "equal", j),
                    f"inhibit equal {label!r}: neither side carries {label}; absent equals absent, so every matching "
                    "source alert inhibits every matching target alert",
                    "inhibit-equal-never-set",
                    fix=f"use a label both sides carry (e.g. alertname, instance), or drop {label!r}",
                )


def _raw_route(data: dict[str, object], path: str) -> dict[str, object]:
    import re

    node: object = data.get("route")
    for index in re.findall(r"\[(\d+)\]", path):
        if not isinstance(node, dict):
            return {}
        node = (node.get("routes") or [None] * (int(index) + 1))[int(index)]
    return node if isinstance(node, dict) else {}
