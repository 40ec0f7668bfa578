"""Sample data for template renders: what an alert of the spec looks like when it fires.

Labels come from the rule and from what its expression keeps; the value from its final
comparison; annotations are filled the way Prometheus would fill them for that value.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from callalert.analysis.alertmanager.routing import Route, match_routes
from callalert.analysis.promql import output_labels
from callalert.model import Alert, Model

STARTS_AT = "2024-01-15T10:00:00Z"
ENDS_AT = "2024-01-15T10:30:00Z"
ZERO_TIME = "0001-01-01T00:00:00Z"
EXTERNAL_URL = "http://alertmanager.example.com:9093"

_ACTION_RE = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
_COMPARISON_RE = re.compile(r"(>=|<=|==|!=|>|<)\s*(?:bool\s+)?([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*\)*\s*$")
_MATCHER_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')
_LABEL_READ_RE = re.compile(r"(?:\$labels|\.Labels)\.([a-zA-Z_][a-zA-Z0-9_]*)")


def plausible_value(expr: str) -> float:
    """A value the alert's expression would return while firing, from its final comparison."""
    match = _COMPARISON_RE.search(expr)
    if match is None:
        return 1.0
    op, number = match.group(1), float(match.group(2))
    if op in (">", ">="):
        return number * 1.5 if number > 0 else number + 1
    if op in ("<", "<="):
        return number * 0.5 if number > 0 else (number * 1.5 if number < 0 else -1.0)
    if op == "==":
        return number
    return number + 1


def _go_float(value: float) -> str:
    # Go's %v of a float64 (strconv 'g' with the shortest repr, no exponent for ordinary values)
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def _humanize(value: float) -> str:
    prefixes = [(1e24, "Y"), (1e21, "Z"), (1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
    if value == 0 or abs(value) >= 1:
        for factor, prefix in prefixes:
            if abs(value) >= factor:
                return f"{value / factor:.4g}{prefix}"
        return f"{value:.4g}"
    for factor, prefix in [(1e-3, "m"), (1e-6, "u"), (1e-9, "n"), (1e-12, "p")]:
        if abs(value) >= factor:
            return f"{value / factor:.4g}{prefix}"
    return f"{value:.4g}"


def render_prometheus_text(text: str, value: float, labels: Mapping[str, str], external: Mapping[str, str]) -> str:
    """Fill an annotation the way Prometheus would for sample data: `$value` (with humanize,
    humanizePercentage, printf), `$labels.x`, `$externalLabels.x`. Other actions become ""."""

    def action(match: re.Match[str]) -> str:
        body = match.group(1).strip()
        if body.startswith("/*"):
            return ""
        parts = [p.strip() for p in body.split("|")]
        head = parts[0]
        label = re.fullmatch(r"(?:\$labels|\.Labels)\.([a-zA-Z_]\w*)", head)
        if label:
            return labels.get(label.group(1), "")
        ext = re.fullmatch(r"\$externalLabels\.([a-zA-Z_]\w*)", head)
        if ext:
            return external.get(ext.group(1), "")
        printf = re.fullmatch(r'printf\s+"([^"]*)"\s+(?:\$value|\.Value)', head)
        if printf:
            try:
                return printf.group(1) % value
            except (TypeError, ValueError):
                return _go_float(value)
        if head not in ("$value", ".Value"):
            return ""
        out: str | float = value
        for fn in parts[1:]:
            if fn == "humanize":
                out = _humanize(float(out))
            elif fn == "humanizePercentage":
                out = f"{float(out) * 100:.4g}%"
            elif fn == "humanize1024":
                out = f"{float(out):.4g}"
            elif fn == "humanizeDuration":
                out = f"{float(out):.4g}s"
            elif fn.startswith("printf"):
                fmt = re.fullmatch(r'printf\s+"([^"]*)"', fn)
                out = fmt.group(1) % float(out) if fmt else out
        return _go_float(out) if isinstance(out, float) else out

    return _ACTION_RE.sub(action, text)


def alert_labels(model: Model, alert: Alert) -> dict[str, str]:
    """Plausible labels of a firing instance: the rule's labels plus what its expression keeps."""
    labels: dict[str, str] = {"alertname": alert.name, **alert.labels}
    try:
        info = output_labels(alert.expr)
        keep: Callable[[str], bool] = lambda name: info.can_have(name) is not False  # noqa: E731
        open_ = info.open
        certain = set(info.certain)
    except Exception:  # an expression the analyser does not know: assume its labels pass through
        keep, open_, certain = (lambda name: True), True, set()
    candidates: dict[str, str] = {}
    for name, value in _MATCHER_RE.findall(alert.expr):
        if name != "__name__":
            candidates.setdefault(name, value)
    if open_:
        candidates.setdefault("instance", "app-server-01:9100")
        candidates.setdefault("job", "node")
    for text in alert.annotations.values():
        for name in _LABEL_READ_RE.findall(text):
            candidates.setdefault(name, f"example-{name}")
    for name in certain:
        candidates.setdefault(name, f"example-{name}")
    for name, value in candidates.items():
        if name not in labels and not name.startswith("__") and keep(name):  # alerts never carry __name__
            labels[name] = value
    return labels


def template_data(model: Model, alert: Alert, receiver: str, root: Route, status: str) -> dict[str, Any]:
    labels = alert_labels(model, alert)
    external = model.defaults.external_labels
    value = plausible_value(alert.expr)
    annotations = {k: render_prometheus_text(v, value, labels, external) for k, v in alert.annotations.items()}
    routes = match_routes(root, labels)
    route = next((r for r in routes if r.receiver == receiver), root)
    group_labels = dict(labels) if route.group_by_all else {k: labels[k] for k in route.group_by if k in labels}
    firing = status == "firing"
    item = {
        "status": status,
        "labels": labels,
        "annotations": annotations,
        "startsAt": STARTS_AT,
        "endsAt": ZERO_TIME if firing else ENDS_AT,
        "generatorURL": "http://prometheus.example.com:9090/graph?g0.expr=" + _url_quote(alert.expr),
        "fingerprint": hashlib.sha256(f"{alert.name}{sorted(labels.items())}".encode()).hexdigest()[:16],
    }
    return {
        "receiver": receiver,
        "status": status,
        "alerts": [item],
        "groupLabels": group_labels,
        "commonLabels": labels,
        "commonAnnotations": annotations,
        "externalURL": EXTERNAL_URL,
    }


def _url_quote(text: str) -> str:
    return quote(text, safe="")
