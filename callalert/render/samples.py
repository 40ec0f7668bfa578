"""Sample data for template renders: what an alert looks like when it fires.

Labels come from the rule and from what its expression keeps; the value from its final
comparison; annotations are filled the way Prometheus would fill them for that value. `check`
renders every receiver template with it; `diff` renders both sides' templates with the same data.
An alert is anything with a name, an expression, labels and annotations: a spec's alert or an
alerting rule read from a plain rule file.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from callalert.analysis.alertmanager.routing import Route, match_routes
from callalert.analysis.promql import output_labels
from callalert.analysis.promql.sample import plausible_value, render_prometheus_text


class SampleAlert(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def expr(self) -> str: ...
    @property
    def labels(self) -> Mapping[str, str]: ...
    @property
    def annotations(self) -> Mapping[str, str]: ...


STARTS_AT = "2024-01-15T10:00:00Z"
ENDS_AT = "2024-01-15T10:30:00Z"
ZERO_TIME = "0001-01-01T00:00:00Z"
EXTERNAL_URL = "http://alertmanager.example.com:9093"

_MATCHER_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')
_LABEL_READ_RE = re.compile(r"(?:\$labels|\.Labels)\.([a-zA-Z_][a-zA-Z0-9_]*)")


def alert_labels(alert: SampleAlert) -> dict[str, str]:
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


@dataclass(frozen=True)
class AlertSample:
    """What one alert looks like when it fires, computed once and shared by every receiver and
    status it is rendered with."""

    labels: dict[str, str]
    annotations: dict[str, str]
    routes: list[Route]  # the routes its labels match, in Alertmanager's order
    generator_url: str
    fingerprint: str

    @property
    def receivers(self) -> list[str]:
        """The receivers its labels reach, each once."""
        return list(dict.fromkeys(r.receiver for r in self.routes))


def alert_sample(alert: SampleAlert, root: Route, external: Mapping[str, str] | None = None) -> AlertSample:
    """`alert` firing (`external`: Prometheus' external labels, which `$externalLabels` reads in annotations)."""
    labels = alert_labels(alert)
    value = plausible_value(alert.expr)
    annotations = {k: render_prometheus_text(v, value, labels, external or {}) for k, v in alert.annotations.items()}
    return AlertSample(
        labels,
        annotations,
        match_routes(root, labels),
        "http://prometheus.example.com:9090/graph?g0.expr=" + _url_quote(alert.expr),
        hashlib.sha256(f"{alert.name}{sorted(labels.items())}".encode()).hexdigest()[:16],
    )


def sample_data(sample: AlertSample, receiver: str, root: Route, status: str) -> dict[str, Any]:
    """Alertmanager's template data (template.Data) of `sample` notified to `receiver`, firing or resolved."""
    labels = sample.labels
    route = next((r for r in sample.routes if r.receiver == receiver), root)
    group_labels = dict(labels) if route.group_by_all else {k: labels[k] for k in route.group_by if k in labels}
    firing = status == "firing"
    item = {
        "status": status,
        "labels": labels,
        "annotations": sample.annotations,
        "startsAt": STARTS_AT,
        "endsAt": ZERO_TIME if firing else ENDS_AT,
        "generatorURL": sample.generator_url,
        "fingerprint": sample.fingerprint,
    }
    return {
        "receiver": receiver,
        "status": status,
        "alerts": [item],
        "groupLabels": group_labels,
        "commonLabels": labels,
        "commonAnnotations": sample.annotations,
        "externalURL": EXTERNAL_URL,
    }


def template_data(
    alert: SampleAlert, receiver: str, root: Route, status: str, external: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Alertmanager's template data for one alert notified to `receiver` (`external`: Prometheus'
    external labels, which `$externalLabels` reads in annotations)."""
    return sample_data(alert_sample(alert, root, external), receiver, root, status)


def _url_quote(text: str) -> str:
    return quote(text, safe="")


__all__ = [
    "AlertSample",
    "SampleAlert",
    "alert_labels",
    "alert_sample",
    "plausible_value",
    "render_prometheus_text",
    "sample_data",
    "template_data",
]
