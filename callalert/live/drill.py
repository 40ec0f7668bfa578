"""`callalert drill`: fire a synthetic copy of one spec alert at a real Alertmanager."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from callalert.analysis.times import rfc3339
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
        "startsAt": rfc3339(now, millis=True),
    }
    if resolve:
        alert["endsAt"] = rfc3339(now, millis=True)
    return alert
