"""`callalert drill`: fire a synthetic copy of one spec alert at a real Alertmanager."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from callalert.errors import CallalertError

SAMPLE_VALUE = "42"
_VALUE_RE = re.compile(r"\{\{-?\s*\$value\b[^}]*-?\}\}")
_LABEL_RE = re.compile(r"\{\{-?\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)[^}]*-?\}\}")


class DrillError(CallalertError):
    pass


def render_annotation(text: str, labels: Mapping[str, str], value: str = SAMPLE_VALUE) -> str:
    """Prometheus template text, simply: `$value` → a sample, `$labels.x` → the label or `<x>`."""
    text = _VALUE_RE.sub(value, text)
    return _LABEL_RE.sub(lambda m: labels.get(m.group(1), f"<{m.group(1)}>"), text)


def drill_alert(
    name: str, labels: Mapping[str, str], annotations: Mapping[str, str], extra: Mapping[str, str], now: datetime, resolve: bool
) -> dict[str, Any]:
    final = {**labels, "alertname": name, "drill": "true", **extra}
    alert: dict[str, Any] = {
        "labels": final,
        "annotations": {k: render_annotation(v, final) for k, v in annotations.items()},
        "startsAt": _iso(now),
    }
    if resolve:
        alert["endsAt"] = _iso(now)
    return alert


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def cmd_drill(specs: Sequence[Path], alertname: str, url: str, resolve: bool, label_args: Sequence[str]) -> int:
    import difflib

    from callalert.live.amapi import AlertmanagerClient
    from callalert.cli.commands import report
    from callalert.diagnostics import summary
    from callalert.cli.routes import parse_label_args
    from callalert.analysis.alertmanager.routing import deliver
    from callalert.validate import validate

    validated = validate(specs)
    if not validated.ok:
        report(validated.problems, "text")
        sys.stderr.write(f"{summary(validated.problems)}\n")
        return 1
    alerts = {a.name: a for a in validated.resolved.alerts}
    found = alerts.get(alertname)
    if found is None:
        close = difflib.get_close_matches(alertname, list(alerts), n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        sys.stderr.write(f"callalert: error: no alert named {alertname!r} in the spec{hint}\n")
        return 1
    extra = parse_label_args(list(label_args))
    alert = drill_alert(found.name, found.labels, found.annotations, extra, datetime.now(UTC), resolve)
    labels: dict[str, str] = alert["labels"]

    from callalert.pipeline import alertmanager_config

    delivery = deliver(alertmanager_config(specs), labels)
    shown = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    sys.stdout.write(f"alert: {{{shown}}}\n")
    sys.stdout.write(f"receivers (per the spec's routing): {', '.join(delivery.notified) or '(none)'}\n")
    with AlertmanagerClient(url) as client:
        client.post_alerts([alert])
        present = [a for a in client.get_alerts([f'alertname="{found.name}"', 'drill="true"']) if a["labels"] == labels]
    if resolve:
        if present:
            sys.stdout.write(f"resolved at {url}; Alertmanager still lists it (state {present[0]['status']['state']})\n")
        else:
            sys.stdout.write(f"resolved at {url}; Alertmanager no longer lists it as active\n")
        return 0
    if not present:
        raise DrillError(f"Alertmanager at {url} accepted the alert but does not list it in GET /api/v2/alerts")
    sys.stdout.write(f"accepted by Alertmanager at {url} (state {present[0]['status']['state']})\n")
    return 0
