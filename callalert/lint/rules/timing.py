"""Timing: group_wait, group_interval and repeat_interval that do not do what their numbers say,
and time intervals that mute a route for good or are never active."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from callalert.analysis.alertmanager.routing import Route, named_time_intervals
from callalert.analysis.alertmanager.timeinterval import always_active, next_active_day
from callalert.analysis.times import model_duration_seconds, rfc3339
from callalert.diagnostics import KeyPath, Problem, Rule
from callalert.lint.engine import LintRule, Options
from callalert.lint.rules.routing import tree_of
from callalert.lint.world import AMConfig, World

AREA = "timing"

_CONFIG = """\
route:
  receiver: chat
  group_by: [alertname, cluster]
  group_wait: {wait}
  group_interval: {interval}
  repeat_interval: {repeat}
{routes}receivers:
  - name: chat
    webhook_configs:
      - url: http://chat.example.com/alertmanager
  - name: oncall
    pagerduty_configs:
      - routing_key_file: /etc/alertmanager/secrets/pagerduty-routing-key
{intervals}"""


_PLAIN_ROUTE = """\
  routes:
    - matchers: ['team="db"']
      receiver: oncall
"""


def _config(wait: str = "30s", interval: str = "5m", repeat: str = "4h", routes: str = _PLAIN_ROUTE, intervals: str = "") -> str:
    return _CONFIG.format(wait=wait, interval=interval, repeat=repeat, routes=routes, intervals=intervals)


_ROUTE_WITH = """\
  routes:
    - matchers: ['team="db"']
      receiver: oncall
      {field}: [{name}]
"""
_INTERVALS = """\
time_intervals:
  - name: {name}
    time_intervals:
{entries}"""

REPEAT_BEFORE_GROUP = Rule(
    "repeat-before-group",
    "warning",
    AREA,
    "repeat_interval shorter than group_interval",
    "A group is only looked at every group_interval, so a repeat_interval below it repeats at group_interval: the "
    "number says 1m, Alertmanager does 5m.",
    bad=_config(repeat="1m"),
    good=_config(repeat="1h"),
)
WAIT_EXCEEDS_INTERVAL = Rule(
    "wait-exceeds-interval",
    "info",
    AREA,
    "group_wait longer than group_interval",
    "group_wait delays the first notification of a new group; group_interval spaces the updates. Waiting longer for "
    "the first than for the next ones is rarely meant: the first page of an incident comes last.",
    bad=_config(wait="10m"),
    good=_config(wait="30s"),
)
ROUTE_ALWAYS_MUTED = Rule(
    "route-always-muted",
    "warning",
    AREA,
    "route whose time intervals leave no time to notify",
    "Decided over the whole calendar (every weekday, day of month and month, local times in the interval's location): "
    "when its mute_time_intervals together cover every instant, or its active_time_intervals are never active again, "
    "the route matches alerts and notifies nobody, for good.",
    bad=_config(
        routes=_ROUTE_WITH.format(field="mute_time_intervals", name="nights-and-days"),
        intervals=_INTERVALS.format(
            name="nights-and-days",
            entries="      - times: [{start_time: '00:00', end_time: '12:00'}]\n"
            "      - times: [{start_time: '12:00', end_time: '24:00'}]\n",
        ),
    ),
    good=_config(
        routes=_ROUTE_WITH.format(field="mute_time_intervals", name="nights"),
        intervals=_INTERVALS.format(name="nights", entries="      - times: [{start_time: '00:00', end_time: '07:00'}]\n"),
    ),
)
TIME_INTERVAL_NEVER_ACTIVE = Rule(
    "time-interval-never-active",
    "warning",
    AREA,
    "time interval a route uses that is never active from now on",
    "Years that are over, or dates that do not exist (February 30th, the 31st of a 30-day month): as an active "
    "interval the route never notifies, as a mute interval it mutes nothing. Checked from --now (default: now).",
    bad=_config(
        routes=_ROUTE_WITH.format(field="mute_time_intervals", name="maintenance"),
        intervals=_INTERVALS.format(name="maintenance", entries="      - months: ['february']\n        days_of_month: ['30']\n"),
    ),
    good=_config(
        routes=_ROUTE_WITH.format(field="mute_time_intervals", name="maintenance"),
        intervals=_INTERVALS.format(name="maintenance", entries="      - months: ['february']\n        days_of_month: ['-1']\n"),
    ),
)

_TIMING = ("group_wait", "group_interval", "repeat_interval")


def _field_key(am: AMConfig, node: Route, field: str) -> KeyPath:
    """Where `field` of `node` is set: the route itself, or (a spec's root) defaults."""
    if am.from_spec and node.parent is None:
        return ("defaults", field)
    if field in node.inherited and node.parent is not None:
        return _field_key(am, node.parent, field)
    return (*am.route_key(node.path), field)


def _own(node: Route, *fields: str) -> bool:
    return node.parent is None or any(f not in node.inherited for f in fields)


def _repeat_before_group(world: World, options: Options) -> Iterator[Problem]:
    tree = tree_of(world)
    if tree is None:
        return
    am, root = tree
    for node in root.walk():
        if not _own(node, "group_interval", "repeat_interval"):
            continue
        group = model_duration_seconds(node.group_interval)
        repeat = model_duration_seconds(node.repeat_interval)
        if group is not None and repeat is not None and repeat < group:
            field = "repeat_interval" if "repeat_interval" not in node.inherited else "group_interval"
            yield am.src.problem(
                _field_key(am, node, field),
                f"{'the root route' if node.parent is None else 'route ' + node.matchers_text()}: repeat_interval "
                f"{node.repeat_interval} is shorter than group_interval {node.group_interval}, so notifications repeat "
                f"every {node.group_interval} at the earliest",
                REPEAT_BEFORE_GROUP,
                fix=f"set repeat_interval to {node.group_interval} or more (hours are usual)",
            )


def _wait_exceeds_interval(world: World, options: Options) -> Iterator[Problem]:
    tree = tree_of(world)
    if tree is None:
        return
    am, root = tree
    for node in root.walk():
        if not _own(node, "group_wait", "group_interval"):
            continue
        wait = model_duration_seconds(node.group_wait)
        group = model_duration_seconds(node.group_interval)
        if wait is not None and group is not None and wait > group:
            field = "group_wait" if "group_wait" not in node.inherited else "group_interval"
            yield am.src.problem(
                _field_key(am, node, field),
                f"{'the root route' if node.parent is None else 'route ' + node.matchers_text()}: group_wait "
                f"{node.group_wait} is longer than group_interval {node.group_interval}: the first notification of a "
                "group waits longer than every update after it",
                WAIT_EXCEEDS_INTERVAL,
                fix="shorten group_wait (30s is Alertmanager's default)",
            )


def _intervals(am: AMConfig) -> tuple[dict[str, list[Mapping[str, Any]]], dict[str, int]]:
    named = named_time_intervals(am.data)
    index: dict[str, int] = {}
    for i, entry in enumerate(am.data.get("time_intervals") or []):
        if isinstance(entry, Mapping):
            index.setdefault(str(entry.get("name")), i)
    return named, index


def _safe(check: Any, *args: Any) -> Any:
    try:
        return check(*args)
    except Exception:
        return None  # a time interval Alertmanager refuses: am-config-invalid / validate report it


def _route_always_muted(world: World, options: Options) -> Iterator[Problem]:
    tree = tree_of(world)
    if tree is None:
        return
    am, root = tree
    named, _ = _intervals(am)
    for node in root.walk():
        mute = [entry for name in node.mute_time_intervals for entry in named.get(name, [])]
        if node.mute_time_intervals and _safe(always_active, mute) is True:
            yield am.src.problem(
                (*am.route_key(node.path), "mute_time_intervals"),
                f"route {node.matchers_text()} (receiver {node.receiver}): its mute_time_intervals "
                f"{', '.join(node.mute_time_intervals)} together cover every instant, so it never notifies",
                ROUTE_ALWAYS_MUTED,
                at_key=True,
                fix="narrow the mute intervals, or remove the route",
            )
        elif node.active_time_intervals and all(
            _safe(next_active_day, named.get(name, []), options.now) is False for name in node.active_time_intervals
        ):
            yield am.src.problem(
                (*am.route_key(node.path), "active_time_intervals"),
                f"route {node.matchers_text()} (receiver {node.receiver}): none of its active_time_intervals "
                f"{', '.join(node.active_time_intervals)} is active after {rfc3339(options.now)}, so it never notifies",
                ROUTE_ALWAYS_MUTED,
                at_key=True,
                fix="fix the interval's dates, or remove the route",
            )


def _time_interval_never_active(world: World, options: Options) -> Iterator[Problem]:
    tree = tree_of(world)
    if tree is None:
        return
    am, root = tree
    named, index = _intervals(am)
    used: dict[str, list[str]] = {}
    for node in root.walk():
        for name in (*node.mute_time_intervals, *node.active_time_intervals):
            used.setdefault(name, []).append(node.path)
    for name in used:
        entries: Sequence[Mapping[str, Any]] = named.get(name, [])
        if entries and _safe(next_active_day, entries, options.now) is False:
            yield am.src.problem(
                ("time_intervals", index.get(name, 0)),
                f"time interval {name!r} is never active after {rfc3339(options.now)} (its years are over, or its dates "
                "do not exist): routes that use it are muted never / active never",
                TIME_INTERVAL_NEVER_ACTIVE,
                fix="fix the dates, or remove the interval and its uses",
            )


RULES: tuple[LintRule, ...] = (
    LintRule(REPEAT_BEFORE_GROUP, "alertmanager", _repeat_before_group),
    LintRule(WAIT_EXCEEDS_INTERVAL, "alertmanager", _wait_exceeds_interval),
    LintRule(ROUTE_ALWAYS_MUTED, "alertmanager", _route_always_muted),
    LintRule(TIME_INTERVAL_NEVER_ACTIVE, "alertmanager", _time_interval_never_active),
)
