"""What a live Alertmanager 0.25 does with one alert: the routes it matches, who is notified, and
why not (inhibited by a firing alert, silenced, muted by a time interval)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from callalert.analysis.alertmanager.inhibit import InhibitRule, build_inhibit_rules, inhibiting_rule
from callalert.analysis.alertmanager.matchers import MatcherMode, parse_matcher
from callalert.analysis.alertmanager.routing import Route, build_route_tree, match_routes, named_time_intervals
from callalert.analysis.alertmanager.timeinterval import interval_active
from callalert.analysis.versions import DEFAULT_ALERTMANAGER, GO_DEFAULT, Version


def route_muted_reason(route: Route, named: Mapping[str, Sequence[Mapping[str, Any]]], at: datetime) -> str | None:
    for name in route.mute_time_intervals:
        if interval_active(named[name], at, f"time interval {name!r}"):
            return f"muted by mute_time_intervals {name!r}"
    if route.active_time_intervals and not any(
        interval_active(named[name], at, f"time interval {name!r}") for name in route.active_time_intervals
    ):
        return "outside its active_time_intervals " + ", ".join(repr(n) for n in route.active_time_intervals)
    return None


@dataclass(frozen=True)
class SilenceWindow:
    """A silence as Alertmanager applies it: every matcher matches and starts_at <= at < ends_at
    (types.CalcSilenceState: pending before the start, expired from the end)."""

    path: str  # where it is defined, e.g. silences[0]
    matchers: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    mode: MatcherMode = "classic"  # how the target Alertmanager parses the matchers
    go: Version = GO_DEFAULT

    def silences(self, labels: Mapping[str, str], at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at and all(
            parse_matcher(m, self.mode, self.go).matches(labels) for m in self.matchers
        )


@dataclass
class Delivery:
    """What a live Alertmanager does with one alert: routes matched, who is notified, and why not."""

    labels: dict[str, str]
    routes: list[Route]
    inhibited_by: tuple[InhibitRule, Mapping[str, str]] | None = None
    silenced_by: SilenceWindow | None = None
    muted: dict[str, str] = field(default_factory=dict)  # route path -> reason

    @property
    def receivers(self) -> list[str]:
        return [r.receiver for r in self.routes]

    @property
    def notified(self) -> list[str]:
        if self.inhibited_by is not None or self.silenced_by is not None:
            return []
        return [r.receiver for r in self.routes if r.path not in self.muted]


def deliver(
    config: Mapping[str, Any],
    labels: Mapping[str, str],
    firing: Sequence[Mapping[str, str]] = (),
    at: datetime | None = None,
    root: Route | None = None,
    version: str | Version = DEFAULT_ALERTMANAGER,
    silences: Sequence[SilenceWindow] = (),
) -> Delivery:
    """Where an alert with `labels` goes in Alertmanager `version` with `config`: `firing` alerts apply
    the inhibit rules, `at` applies time intervals and `silences`."""
    root = root if root is not None else build_route_tree(config, version)
    routes = match_routes(root, labels)
    result = Delivery(dict(labels), routes)
    if firing:
        result.inhibited_by = inhibiting_rule(labels, firing, build_inhibit_rules(config.get("inhibit_rules"), version))
    if at is not None:
        result.silenced_by = next((s for s in silences if s.silences(labels, at)), None)
        named = named_time_intervals(config)
        for route in routes:
            reason = route_muted_reason(route, named, at)
            if reason is not None:
                result.muted[route.path] = reason
    return result
