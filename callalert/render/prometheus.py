"""Prometheus rule files: one per group, `prometheus/rules/<group>.yml`."""

from __future__ import annotations

from typing import Any

from callalert.model import Alert, Group, Model, Record
from callalert.render.yamlout import dump, header


def alert_rule(alert: Alert) -> dict[str, Any]:
    rule: dict[str, Any] = {"alert": alert.name, "expr": alert.expr}
    if alert.for_:
        rule["for"] = alert.for_
    if alert.keep_firing_for:
        rule["keep_firing_for"] = alert.keep_firing_for
    if alert.labels:
        rule["labels"] = dict(alert.labels)
    rule["annotations"] = dict(alert.annotations)
    return rule


def record_rule(record: Record) -> dict[str, Any]:
    entry: dict[str, Any] = {"record": record.record, "expr": record.expr}
    if record.labels:
        entry["labels"] = dict(record.labels)
    return entry


def group_data(group: Group, alert_rules: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A rule group as Prometheus reads it: its rules in evaluation order (recording rules first
    unless the spec orders them), or its recording rules then `alert_rules`."""
    data: dict[str, Any] = {"name": group.name}
    if group.interval:
        data["interval"] = group.interval
    if group.query_offset:
        data["query_offset"] = group.query_offset
    if group.limit is not None:
        data["limit"] = group.limit
    if group.labels:
        data["labels"] = dict(group.labels)
    if alert_rules is not None:
        data["rules"] = [record_rule(r) for r in group.records] + alert_rules
    else:
        data["rules"] = [record_rule(r) if isinstance(r, Record) else alert_rule(r) for r in group.ordered()]
    return data


def rule_files(model: Model) -> dict[str, dict[str, Any]]:
    """Each rule file `render` writes (`prometheus/rules/<file>.yml`), as the data it dumps."""
    files: dict[str, list[dict[str, Any]]] = {}
    for group in model.groups:  # groups naming one file share it, in spec order
        files.setdefault(group.file_name, []).append(group_data(group))
    return {f"prometheus/rules/{name}": {"groups": groups} for name, groups in files.items()}


def render(model: Model) -> dict[str, str]:
    head = header(model.source_name)
    return {name: head + dump(data) for name, data in rule_files(model).items()}
