"""Prometheus rule groups → the spec's `groups`: alerts and recording rules in their order, what
the spec has fields for lifted into them (severity, category, summary, description, dashboard,
runbook_url), every other label and annotation kept."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from callalert.importer.build import Built
from callalert.importer.inputs import RuleSource
from callalert.importer.nodes import Y
from callalert.model.resolve import default_runbook_url, file_name_for_group, runbook_file_name
from callalert.spec import v1

GROUP_KEYS = ("name", "interval", "limit", "query_offset", "labels", "rules", "partial_response_strategy")
ALERT_KEYS = ("alert", "expr", "for", "keep_firing_for", "labels", "annotations")
RECORD_KEYS = ("record", "expr", "labels")
LIFTED_LABELS = ("severity", "category")
LIFTED_ANNOTATIONS = ("summary", "description", "dashboard", "runbook_url")
# Severity label values most severe first; values not listed follow in the order first seen.
SEVERITY_ORDER = (
    "emergency",
    "fatal",
    "critical",
    "page",
    "error",
    "high",
    "major",
    "p1",
    "p2",
    "warning",
    "warn",
    "medium",
    "minor",
    "p3",
    "low",
    "p4",
    "info",
    "informational",
    "notice",
    "p5",
    "debug",
    "none",
)


def _group_field(name: str) -> bool:
    return name in v1.Group.model_fields


def _strategy(value: Y, out: Built) -> str | None:
    """Thanos Ruler's partial_response_strategy as the spec writes it. Thanos reads it in any case,
    and an empty one as its default (abort), which is what the spec means without one."""
    text = value.text()
    if text.lower() in ("warn", "abort"):
        return text.lower()
    if text:
        out.loss(value, f"Thanos Ruler's partial_response_strategy is warn or abort, not {text!r}")
    return None


def import_rules(sources: list[RuleSource], out: Built) -> list[dict[str, Any]]:
    """The spec's `groups`, in input order."""
    groups: list[dict[str, Any]] = []
    alert_names: set[str] = set()
    placed: list[tuple[str, str]] = []  # (rule file, group name) of every group so far
    group_ys: list[Y] = []
    stems: list[str] = []
    for source in sources:
        if not source.groups.is_list:
            out.loss(source.groups, f"{source.label}: `groups` is not a list", at_key=False)
            continue
        for gy in source.groups:
            if not gy.is_map:
                out.loss(gy, "a rule group must be a mapping", at_key=False)
                continue
            group_ys.append(gy)
            stems.append(source.file_stem)
    files = [file_name_for_group(stem) for stem in stems]
    per_file = Counter(files)
    for gi, (gy, file_name) in enumerate(zip(group_ys, files, strict=True)):
        name_y = gy.get("name")
        name = name_y.text() if name_y is not None else ""
        group: dict[str, Any] = {"name": name}
        key = ("groups", gi)
        if name_y is not None:
            out.at((*key, "name"), name_y)
        explicit = per_file[file_name] > 1 or file_name != file_name_for_group(name)
        if explicit:
            chosen = file_name
            n = 2
            while (chosen, name) in placed:  # the same group name from another file of the same name
                chosen = f"{file_name}-{n}"
                n += 1
            group["file"] = chosen
            placed.append((chosen, name))
        else:
            placed.append((file_name, name))
        for field in ("interval", "limit", "query_offset", "partial_response_strategy"):
            value = gy.get(field)
            if value is None or value.is_null:
                continue
            if not _group_field(field):
                out.loss(value, f"the spec cannot express a rule group's `{field}` yet")
                continue
            if field == "partial_response_strategy":
                strategy = _strategy(value, out)
                if strategy is not None:
                    group[field] = strategy
                    out.at((*key, field), value)
                continue
            group[field] = value.typed() if field == "limit" else value.text()
            out.at((*key, field), value)
        labels = gy.get("labels")
        if labels is not None and len(labels):
            if _group_field("labels"):
                group["labels"] = {k: v.text() for k, v in sorted(labels.items())}
                out.at((*key, "labels"), labels)
            else:
                out.loss(labels, "the spec cannot express a rule group's `labels` yet (Prometheus ≥ 3.0 adds them to every rule)")
        for extra, value in gy.items():
            if extra not in GROUP_KEYS:
                out.loss(
                    value, f"rule group key `{extra}` is not Prometheus' (Mimir, Cortex or Thanos): the spec cannot express it"
                )
        rules = gy.get("rules")
        items: list[tuple[str, dict[str, Any], Y]] = []
        for ry in rules if rules is not None else []:
            if not ry.is_map:
                out.loss(ry, "a rule must be a mapping", at_key=False)
                continue
            if ry.get("record") is not None:
                items.append(("record", _record(ry, out), ry))
            else:
                items.append(("alert", _alert(ry, out, alert_names), ry))
        first_alert = next((i for i, (kind, _, _) in enumerate(items) if kind == "alert"), len(items))
        interleaved = any(kind == "record" for kind, _, _ in items[first_alert:])
        if interleaved:
            group["alerts_and_records"] = [data for _, data, _ in items]
            for i, (_, _, ry) in enumerate(items):
                _origins(out, (*key, "alerts_and_records", i), ry)
        else:
            records = [(data, ry) for kind, data, ry in items if kind == "record"]
            alerts = [(data, ry) for kind, data, ry in items if kind == "alert"]
            if records:
                group["records"] = [data for data, _ in records]
                for i, (_, ry) in enumerate(records):
                    _origins(out, (*key, "records", i), ry)
            if alerts:
                group["alerts"] = [data for data, _ in alerts]
                for i, (_, ry) in enumerate(alerts):
                    _origins(out, (*key, "alerts", i), ry)
        groups.append(group)
    _runbook_base(groups, out)
    return groups


def _origins(out: Built, key: tuple[str | int, ...], ry: Y) -> None:
    out.at(key, ry)
    for name, value in ry.items():
        spec_name = {"alert": "name"}.get(name, name)
        out.at((*key, spec_name), value)
        if name in ("labels", "annotations") and value.is_map:
            for sub, sub_value in value.items():
                if (name == "labels" and sub in LIFTED_LABELS) or (name == "annotations" and sub in LIFTED_ANNOTATIONS):
                    out.at((*key, sub), sub_value)
                else:
                    out.at((*key, name, sub), sub_value)


def _labels(y: Y | None, out: Built, what: str) -> dict[str, str]:
    if y is None or y.is_null:
        return {}
    if not y.is_map:
        out.loss(y, f"{what} must be a mapping", at_key=False)
        return {}
    found: dict[str, str] = {}
    for name, value in y.items():
        if name.startswith("__"):
            out.loss(value, f"{what} name {name!r} starts with __ (Prometheus' own names): the spec refuses it")
            continue
        if not value.is_scalar:
            out.loss(value, f"{what} {name!r} is not a string", at_key=False)
            continue
        found[name] = value.text()
    return found


def _record(ry: Y, out: Built) -> dict[str, Any]:
    name = ry.get("record")
    record: dict[str, Any] = {"record": name.text() if name is not None else ""}
    expr = ry.get("expr")
    record["expr"] = expr.text() if expr is not None else ""
    labels = _labels(ry.get("labels"), out, "label")
    if labels:
        record["labels"] = dict(sorted(labels.items()))
    for extra, value in ry.items():
        if extra not in RECORD_KEYS:
            out.loss(value, f"a recording rule has no `{extra}` in Prometheus: the spec cannot express it")
    return record


def _alert(ry: Y, out: Built, seen: set[str]) -> dict[str, Any]:
    name_y = ry.get("alert")
    name = name_y.text() if name_y is not None else ""
    alert: dict[str, Any] = {"name": name}
    if v1.alert_name_problem(name) is not None:
        out.text_alert_names = True
    expr = ry.get("expr")
    alert["expr"] = expr.text() if expr is not None else ""
    for field in ("for", "keep_firing_for"):
        value = ry.get(field)
        if value is not None and not value.is_null:
            alert[field] = value.text()
    labels = _labels(ry.get("labels"), out, "label")
    annotations = _labels(ry.get("annotations"), out, "annotation")
    for lifted in LIFTED_LABELS:
        if lifted in labels:
            lifted_value = labels.pop(lifted)
            alert[lifted] = lifted_value
            table = out.severities if lifted == "severity" else out.categories
            if lifted_value not in table:
                table.append(lifted_value)
                labels_at = ry.get("labels")
                label_y = labels_at.get(lifted) if labels_at is not None else None
                if label_y is not None:
                    out.at(("severities" if lifted == "severity" else "categories", lifted_value), label_y)
    if "alertname" in labels:
        labels_y = ry.get("labels")
        assert labels_y is not None
        at = labels_y.get("alertname")
        assert at is not None
        out.note(
            at,
            "label `alertname` is replaced by Prometheus with the alert's name: not carried",
            level="warning",
        )
        del labels["alertname"]
    for lifted in ("summary", "description", "dashboard", "runbook_url"):
        if lifted in annotations:
            alert[lifted] = annotations.pop(lifted)
    if labels:
        alert["labels"] = dict(sorted(labels.items()))
    if annotations:
        alert["annotations"] = dict(sorted(annotations.items()))
    if name in seen:
        alert["shares_name"] = True
    seen.add(name)
    for extra, value in ry.items():
        if extra not in ALERT_KEYS:
            out.loss(value, f"an alerting rule has no `{extra}` in Prometheus: the spec cannot express it")
    return _ordered(alert)


_ALERT_ORDER = (
    "name",
    "expr",
    "for",
    "keep_firing_for",
    "severity",
    "category",
    "summary",
    "description",
    "dashboard",
    "runbook_url",
    "labels",
    "annotations",
    "shares_name",
)


def _ordered(alert: dict[str, Any]) -> dict[str, Any]:
    return {k: alert[k] for k in _ALERT_ORDER if k in alert}


def _alerts(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for group in groups:
        out.extend(group.get("alerts", []))
        out.extend(item for item in group.get("alerts_and_records", []) if "record" not in item)
    return out


def _runbook_base(groups: list[dict[str, Any]], out: Built) -> None:
    """Runbook links the spec would write by itself are not repeated: `runbooks/<Alert>.md`, or
    `<base>/<Alert>.md` when every link of the input has that form (then `runbook_base_url: <base>`)."""
    alerts = _alerts(groups)
    linked = [a for a in alerts if "runbook_url" in a]
    base: str | None = None
    if linked:
        bases = set()
        for alert in linked:
            tail = "/" + runbook_file_name(alert["name"])
            url = alert["runbook_url"]
            bases.add(url[: -len(tail)] if url.endswith(tail) and len(url) > len(tail) else None)
        if len(bases) == 1 and None not in bases:
            candidate = bases.pop()
            if candidate is not None and re.match(r"^[a-z][a-z0-9+.-]*://", candidate):
                base = candidate
    if base is not None:
        out.spec.setdefault("defaults", {})["runbook_base_url"] = base
    for alert in alerts:
        url = alert.get("runbook_url")
        if url is not None and url == default_runbook_url(base, runbook_file_name(alert["name"])):
            del alert["runbook_url"]


def severity_table(values: list[str]) -> list[str]:
    """Severity values most severe first: known words by rank, the rest in name order (an order
    that does not depend on the order the inputs were read in)."""
    known = [v for v in SEVERITY_ORDER if any(s.lower() == v for s in values)]
    ranked = [next(s for s in sorted(values) if s.lower() == v) for v in known]
    return ranked + sorted(s for s in values if s not in ranked)
