"""Routing tests of the spec, evaluated with callalert's engine, and what the tests cover."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from callalert.analysis.alertmanager.delivery import deliver
from callalert.analysis.alertmanager.routing import Route, match_routes
from callalert.model import Model, RoutingTest
from callalert.render.silences import silence_windows

# --- routing tests ---------------------------------------------------------------------------


def routing_labels(model: Model, test: RoutingTest) -> dict[str, str]:
    labels: dict[str, str] = {}
    if test.alert is not None:
        alert = next((a for a in model.alerts if a.name == test.alert), None)
        if alert is not None:
            labels = {"alertname": alert.name, **alert.labels}
    labels.update(test.labels)
    return labels


def routing_test_name(index: int, test: RoutingTest, labels: Mapping[str, str]) -> str:
    if test.name:
        return test.name
    text = ", ".join(f"{k}={v}" for k, v in labels.items())
    return f"tests.routing[{index}] {{{text}}}"


def engine_only(test: RoutingTest) -> bool:
    """amtool's `config routes test` (every release) knows neither inhibition nor time nor silences."""
    return bool(test.firing) or test.at is not None


@dataclass
class RoutingOutcome:
    receivers: list[str]
    why: list[str]  # reasons receivers were dropped (inhibited, muted, silenced)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def evaluate_routing(model: Model, config: Mapping[str, Any], root: Route, test: RoutingTest) -> RoutingOutcome:
    labels = routing_labels(model, test)
    at = _utc(test.at) if test.at is not None else None
    result = deliver(
        config, labels, [dict(f) for f in test.firing], at, root=root, version=model.am_version, silences=silence_windows(model)
    )
    why: list[str] = []
    if result.inhibited_by is not None:
        rule, source = result.inhibited_by
        src = ", ".join(f"{k}={v}" for k, v in source.items())
        why.append(f"inhibited by {rule.path} (source alert {{{src}}})")
    for path, reason in result.muted.items():
        why.append(f"{path} {reason}")
    if result.silenced_by is not None:
        why.append(f"silenced by {result.silenced_by.path}")
    return RoutingOutcome(result.notified, why)


# --- coverage --------------------------------------------------------------------------------


def untested_alerts(model: Model) -> list[str]:
    tested = {t.alert for t in model.tests.rules}
    return [a.name for a in model.alerts if a.name not in tested]


def unreached_routes(model: Model, root: Route) -> list[Route]:
    reached: set[str] = set()
    for test in model.tests.routing:
        for route in match_routes(root, routing_labels(model, test)):
            # a matched route implies its parents were entered
            reached.update(node.path for node in route.lineage())
    # the root counts as reached only when some test falls through to it
    fell_through = any([r.path for r in match_routes(root, routing_labels(model, t))] == [root.path] for t in model.tests.routing)
    out = [r for r in root.walk() if r.path not in reached or (r is root and not fell_through)]
    return out


def labels_text(labels: Mapping[str, str]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


def receivers_text(receivers: Sequence[str]) -> str:
    return "[" + ", ".join(receivers) + "]"
