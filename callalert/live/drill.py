"""`callalert drill`: fire a synthetic copy of one spec alert at a real Alertmanager."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from callalert.analysis.promql.sample import plausible_value, render_prometheus_text
from callalert.analysis.times import rfc3339
from callalert.errors import CallalertError, UsageError

DRILL_LABEL = "drill"


class DrillError(CallalertError):
    pass


def render_annotation(text: str, labels: Mapping[str, str], value: float, external: Mapping[str, str] | None = None) -> str:
    """Prometheus template text filled as Prometheus would for `value` (`{{ $value | humanizePercentage }}`
    of 0.03 is `3%`); a label the drill does not carry shows as `<name>`, so the text says what is missing."""
    return render_prometheus_text(text, value, labels, external or {}, missing=lambda name: f"<{name}>")


def drill_labels(name: str, labels: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """The labels the drill sends: the alert's, `alertname`, `drill="true"`, then `--label` values.
    An empty value removes the label (Alertmanager drops empty-valued labels itself)."""
    if DRILL_LABEL in extra:
        raise UsageError(
            f"--label {DRILL_LABEL}={extra[DRILL_LABEL]}: the {DRILL_LABEL} label marks the alert as a drill "
            "(receivers and silences can tell it from a real one) and cannot be overridden"
        )
    final = {**labels, "alertname": name, DRILL_LABEL: "true", **extra}
    return {k: v for k, v in final.items() if v != ""}


def drill_alert(
    name: str,
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    extra: Mapping[str, str],
    now: datetime,
    resolve: bool,
    expr: str = "",
    external: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    final = drill_labels(name, labels, extra)
    value = plausible_value(expr) if expr else 1.0
    alert: dict[str, Any] = {
        "labels": final,
        "annotations": {k: render_annotation(v, final, value, external) for k, v in annotations.items()},
        "startsAt": rfc3339(now, millis=True),
    }
    if resolve:
        alert["endsAt"] = rfc3339(now, millis=True)
    return alert
