"""Prometheus rule files: one per group, `prometheus/rules/<group>.yml`."""

from __future__ import annotations

from typing import Any

from callalert.model import Alert, Group, Model
from callalert.render.yamlout import dump, header


def alert_rule(alert: Alert) -> dict[str, Any]:
    rule: dict[str, Any] = {"alert": alert.name, "expr": alert.expr}
    if alert.for_:
        rule["for"] = alert.for_
    if alert.keep_firing_for:
        rule["keep_firing_for"] = alert.keep_firing_for
    rule["labels"] = dict(alert.labels)
    rule["annotations"] = dict(alert.annotations)
    return rule


def group_data(group: Group, alert_rules: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A rule group as Prometheus reads it: recording rules first, then `alert_rules`
    (by default every alert of the group)."""
    data: dict[str, Any] = {"name": group.name}
    if group.interval:
        data["interval"] = group.interval
    if group.query_offset:
        data["query_offset"] = group.query_offset
    if group.limit is not None:
        data["limit"] = group.limit
    if group.labels:
        data["labels"] = dict(group.labels)
    rules: list[dict[str, Any]] = []
    for record in group.records:
        entry: dict[str, Any] = {"record": record.record, "expr": record.expr}
        if record.labels:
            entry["labels"] = dict(record.labels)
        rules.append(entry)
    rules.extend(alert_rules if alert_rules is not None else [alert_rule(a) for a in group.alerts])
    data["rules"] = rules
    return data


def render(model: Model) -> dict[str, str]:
    head = header(model.source_name)
    return {f"prometheus/rules/{group.file_name}": head + dump({"groups": [group_data(group)]}) for group in model.groups}
