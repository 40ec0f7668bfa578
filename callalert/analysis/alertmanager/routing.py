"""Alertmanager 0.25 routing, inhibition and time-interval semantics, on a plain alertmanager.yml dict.

Mirrors dispatch.NewRoute / Route.Match, inhibit.Inhibitor.Mutes and timeinterval.ContainsTime.
amtool 0.25 `config routes test` evaluates only the route tree: inhibition and time intervals
are answered here so callalert can explain what a live Alertmanager would do with them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from typing import Any

from callalert.errors import CallalertError
from callalert.analysis.alertmanager.matchers import (
    Matcher,
    MatcherError,
    all_match,
    go_yaml_string,
    is_valid_label_name,
    matchers_from_legacy,
    matchers_str,
    parse_matchers,
    sort_key,
)

DEFAULT_GROUP_WAIT = "30s"
DEFAULT_GROUP_INTERVAL = "5m"
DEFAULT_REPEAT_INTERVAL = "4h"

ROUTE_KEYS = frozenset(
    {
        "receiver", "group_by", "continue", "match", "match_re", "matchers", "mute_time_intervals",
        "active_time_intervals", "group_wait", "group_interval", "repeat_interval", "routes",
    }
)
INHERITABLE = ("receiver", "group_by", "group_wait", "group_interval", "repeat_interval")
_DURATION_RE = re.compile(r"(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?")


class RoutingError(CallalertError):
    """An alertmanager.yml whose routing part Alertmanager would reject."""


@dataclass(eq=False)
class Route:
    path: str
    receiver: str
    matchers: list[Matcher]
    continue_: bool
    group_by: tuple[str, ...]  # ("...",) groups by all labels
    group_wait: str
    group_interval: str
    repeat_interval: str
    mute_time_intervals: tuple[str, ...] = ()
    active_time_intervals: tuple[str, ...] = ()
    routes: list[Route] = field(default_factory=list)
    inherited: frozenset[str] = frozenset()
    parent: Route | None = field(default=None, repr=False)

    @property
    def group_by_all(self) -> bool:
        return self.group_by == ("...",)

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all_match(self.matchers, labels)

    def matchers_text(self) -> str:
        return matchers_str(self.matchers)

    def walk(self) -> Iterator[Route]:
        yield self
        for child in self.routes:
            yield from child.walk()


def _str_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RoutingError(f"{where}: expected a list, got {type(value).__name__}")
    return [go_yaml_string(v) for v in value]


def _duration(value: Any, where: str) -> str:
    text = go_yaml_string(value)
    if text == "0" or (text and _DURATION_RE.fullmatch(text)):
        return text
    raise RoutingError(f'{where}: not a valid duration string: "{text}"')


def _route_matchers(raw: Mapping[str, Any], where: str) -> list[Matcher]:
    try:
        match_re = raw.get("match_re") or {}
        for name, value in match_re.items():
            if value is None:
                raise MatcherError(f'invalid regexp value for "{name}"')
        out = matchers_from_legacy(raw.get("match"), match_re)
        for line in _str_list(raw.get("matchers"), f"{where}.matchers"):
            out.extend(parse_matchers(line))
    except MatcherError as exc:
        raise RoutingError(f"{where}: {exc}") from None
    return sorted(out, key=sort_key)


def _group_by(raw: Mapping[str, Any], where: str) -> tuple[str, ...] | None:
    names = _str_list(raw.get("group_by"), f"{where}.group_by")
    if not names:
        return None  # absent or [] both inherit: config.Route leaves GroupBy nil
    if "..." in names:
        if len(names) > 1:
            raise RoutingError(f"{where}.group_by: cannot have wildcard group_by (`...`) and other other labels at the same time")
        return ("...",)
    for name in names:
        if not is_valid_label_name(name):
            raise RoutingError(f'{where}.group_by: invalid label name "{name}" in group_by list')
    return tuple(names)


def _build(raw: Mapping[str, Any], path: str, parent: Route | None) -> Route:
    if not isinstance(raw, Mapping):
        raise RoutingError(f"{path}: expected a mapping, got {type(raw).__name__}")
    unknown = sorted(set(raw) - ROUTE_KEYS)
    if unknown:
        raise RoutingError(f"{path}: unknown field {unknown[0]!r} (Alertmanager 0.25 rejects it)")
    own: dict[str, Any] = {}
    if raw.get("receiver"):
        own["receiver"] = go_yaml_string(raw["receiver"])
    group_by = _group_by(raw, path)
    if group_by is not None:
        own["group_by"] = group_by
    for key in ("group_wait", "group_interval", "repeat_interval"):
        if raw.get(key) is not None:
            own[key] = _duration(raw[key], f"{path}.{key}")
    if parent is None:
        base: dict[str, Any] = {
            "receiver": "",
            "group_by": (),
            "group_wait": DEFAULT_GROUP_WAIT,
            "group_interval": DEFAULT_GROUP_INTERVAL,
            "repeat_interval": DEFAULT_REPEAT_INTERVAL,
        }
    else:
        base = {key: getattr(parent, key) for key in INHERITABLE}
    values = {**base, **own}
    inherited = frozenset(k for k in INHERITABLE if k not in own) if parent is not None else frozenset()
    route = Route(
        path=path,
        receiver=values["receiver"],
        matchers=_route_matchers(raw, path),
        continue_=bool(raw.get("continue", False)),
        group_by=values["group_by"],
        group_wait=values["group_wait"],
        group_interval=values["group_interval"],
        repeat_interval=values["repeat_interval"],
        # Not inherited: dispatch.NewRoute sets these from the route's own config only.
        mute_time_intervals=tuple(_str_list(raw.get("mute_time_intervals"), f"{path}.mute_time_intervals")),
        active_time_intervals=tuple(_str_list(raw.get("active_time_intervals"), f"{path}.active_time_intervals")),
        inherited=inherited,
        parent=parent,
    )
    children = raw.get("routes") or []
    if not isinstance(children, list):
        raise RoutingError(f"{path}.routes: expected a list, got {type(children).__name__}")
    route.routes = [_build(child, f"{path}.routes[{i}]", route) for i, child in enumerate(children)]
    return route


def build_route_tree(config: Mapping[str, Any]) -> Route:
    raw = config.get("route")
    if raw is None:
        raise RoutingError("no routes provided")
    if not isinstance(raw, Mapping):
        raise RoutingError(f"route: expected a mapping, got {type(raw).__name__}")
    if not raw.get("receiver"):
        raise RoutingError("root route must specify a default receiver")
    if raw.get("match") or raw.get("match_re") or raw.get("matchers"):
        raise RoutingError("root route must not have any matchers")
    if raw.get("continue"):
        raise RoutingError("cannot have continue in root route")
    if raw.get("mute_time_intervals"):
        raise RoutingError("root route must not have any mute time intervals")
    if raw.get("active_time_intervals"):
        raise RoutingError("root route must not have any active time intervals")
    root = _build(raw, "route", None)
    receivers = config.get("receivers")
    if receivers is not None:
        names = {str(r.get("name")) for r in receivers if isinstance(r, Mapping)}
        for node in root.walk():
            if node.receiver and node.receiver not in names:
                raise RoutingError(f'undefined receiver "{node.receiver}" used in route')
    defined = set(named_time_intervals(config))
    for node in root.walk():
        for name in (*node.mute_time_intervals, *node.active_time_intervals):
            if name not in defined:
                kind = "mute" if name in node.mute_time_intervals else "active"
                raise RoutingError(f'undefined time interval "{name}" used in route ({node.path}, {kind})')
    return root


def match_routes(root: Route, labels: Mapping[str, str]) -> list[Route]:
    if not root.matches(labels):
        return []
    found: list[Route] = []
    for child in root.routes:
        matched = match_routes(child, labels)
        found.extend(matched)
        if matched and not child.continue_:
            break
    return found or [root]


def receivers_for(root: Route, labels: Mapping[str, str]) -> list[str]:
    # amtool prints these joined by ",", in tree order, duplicates kept.
    return [r.receiver for r in match_routes(root, labels)]


def find_route(root: Route, path: str) -> Route:
    for node in root.walk():
        if node.path == path:
            return node
    raise KeyError(path)


# ---------------------------------------------------------------- inhibition


@dataclass(frozen=True)
class InhibitRule:
    index: int
    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"inhibit_rules[{self.index}]"


def _side(raw: Mapping[str, Any], side: str, where: str) -> tuple[Matcher, ...]:
    try:
        match_re = raw.get(f"{side}_match_re") or {}
        for name, value in match_re.items():
            if value is None:
                raise MatcherError(f'invalid regexp value for "{name}"')
        out = matchers_from_legacy(raw.get(f"{side}_match"), match_re)
        for line in _str_list(raw.get(f"{side}_matchers"), f"{where}.{side}_matchers"):
            out.extend(parse_matchers(line))
    except MatcherError as exc:
        raise RoutingError(f"{where}: {exc}") from None
    return tuple(sorted(out, key=sort_key))


def build_inhibit_rules(raw_rules: Sequence[Mapping[str, Any]] | None) -> list[InhibitRule]:
    rules: list[InhibitRule] = []
    for i, raw in enumerate(raw_rules or []):
        where = f"inhibit_rules[{i}]"
        equal = tuple(_str_list(raw.get("equal"), f"{where}.equal"))
        for name in equal:
            if not is_valid_label_name(name):
                raise RoutingError(f'{where}.equal: "{name}" is not a valid label name')
        rules.append(InhibitRule(i, _side(raw, "source", where), _side(raw, "target", where), equal))
    return rules


def inhibiting_rule(
    alert_labels: Mapping[str, str],
    firing: Sequence[Mapping[str, str]],
    inhibit_rules: Sequence[Mapping[str, Any]] | Sequence[InhibitRule],
) -> tuple[InhibitRule, Mapping[str, str]] | None:
    """The first rule (and source alert) that mutes `alert_labels`, as inhibit.Inhibitor.Mutes finds it."""
    rules = [r for r in inhibit_rules if isinstance(r, InhibitRule)]
    if len(rules) != len(inhibit_rules):
        rules = build_inhibit_rules(inhibit_rules)  # type: ignore[arg-type]
    for rule in rules:
        if not all_match(list(rule.target), alert_labels):
            continue
        # An alert matching both sides cannot be inhibited by alerts that also match both sides;
        # that is what keeps an alert from inhibiting itself.
        two_sided = all_match(list(rule.source), alert_labels)
        for source in firing:
            if not all_match(list(rule.source), source):
                continue
            # absent == absent and absent == "" (Go map lookups give "").
            if any(source.get(n, "") != alert_labels.get(n, "") for n in rule.equal):
                continue
            if two_sided and all_match(list(rule.target), source):
                continue
            return rule, source
    return None


def is_inhibited(
    alert_labels: Mapping[str, str],
    firing: Sequence[Mapping[str, str]],
    inhibit_rules: Sequence[Mapping[str, Any]] | Sequence[InhibitRule],
) -> bool:
    return inhibiting_rule(alert_labels, firing, inhibit_rules) is not None


# ---------------------------------------------------------------- time intervals

_WEEKDAYS = {d: i for i, d in enumerate(["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"])}
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
    )
}
_TIME_RE = re.compile(r"(([01][0-9]|2[0-3]):[0-5][0-9])|(24:00)")


class TimeIntervalError(RoutingError):
    pass


def _ranges(values: Any, where: str, parse_one: Any) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for raw in _str_list(values, where):
        parts = raw.split(":")
        if len(parts) > 2:
            raise TimeIntervalError(f"{where}: invalid range {raw!r}")
        begin = parse_one(parts[0].strip(), where)
        end = parse_one(parts[-1].strip(), where)
        out.append((begin, end))
    return out


def _weekday(text: str, where: str) -> int:
    try:
        return _WEEKDAYS[text.lower()]
    except KeyError:
        raise TimeIntervalError(f"{where}: {text!r} is not a valid weekday") from None


def _month(text: str, where: str) -> int:
    if text.lower() in _MONTHS:
        return _MONTHS[text.lower()]
    if text.lstrip("-").isdigit() and 1 <= int(text) <= 12:
        return int(text)
    raise TimeIntervalError(f"{where}: {text!r} is not a valid month")


def _int(text: str, where: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise TimeIntervalError(f"{where}: {text!r} is not an integer") from None


def _minutes(text: str, where: str) -> int:
    if not _TIME_RE.fullmatch(text):
        raise TimeIntervalError(f"{where}: couldn't parse timestamp {text}, invalid format")
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _location(name: Any, where: str) -> tzinfo:
    if name is None or name == "" or name == "UTC":
        return timezone.utc
    if name == "Local":
        local = datetime.now().astimezone().tzinfo
        return local if local is not None else timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeIntervalError(f"{where}.location: unknown time zone {name}") from None


def _days_in_month(year: int, month: int) -> int:
    import calendar

    return calendar.monthrange(year, month)[1]


def validate_time_interval(spec: Mapping[str, Any], where: str = "time_interval") -> None:
    """Raise TimeIntervalError where Alertmanager 0.25 refuses to load the entry (its messages).

    Checked eagerly and for every field, so an error is found even where evaluation at some
    instant would stop early (e.g. weekdays never looked at because `times` did not match)."""
    for j, span in enumerate(spec.get("times") or []):
        start = _minutes(go_yaml_string(span.get("start_time", "")), f"{where}.times[{j}].start_time")
        end = _minutes(go_yaml_string(span.get("end_time", "")), f"{where}.times[{j}].end_time")
        if start >= end:
            raise TimeIntervalError(f"{where}.times[{j}]: start time cannot be equal or greater than end time")
    for begin, end in _ranges(spec.get("weekdays"), f"{where}.weekdays", _weekday):
        if begin > end:
            raise TimeIntervalError(f"{where}.weekdays: start day cannot be before end day (weeks start on sunday)")
    for begin, end in _ranges(spec.get("days_of_month"), f"{where}.days_of_month", _int):
        for day in (begin, end):
            if day == 0 or not -31 <= day <= 31:
                raise TimeIntervalError(f"{where}.days_of_month: {day} is not a valid day of the month: out of range")
        if begin < 0 < end:
            raise TimeIntervalError(f"{where}.days_of_month: end day must be negative if start day is negative")
        # as Alertmanager: catch ranges that are empty in every month (28-day minimum)
        check_begin = 28 + begin if begin < 0 else begin
        check_end = 28 + end if end < 0 else end
        if check_begin > check_end:
            raise TimeIntervalError(f"{where}.days_of_month: end day {end} is always before start day {begin}")
    for begin, end in _ranges(spec.get("months"), f"{where}.months", _month):
        if begin > end:
            raise TimeIntervalError(f"{where}.months: end month is before start month")
    for begin, end in _ranges(spec.get("years"), f"{where}.years", _int):
        if begin > end:
            raise TimeIntervalError(f"{where}.years: end year {end} is before start year {begin}")
    _location(spec.get("location"), where)


def _one_interval_active(spec: Mapping[str, Any], at: datetime, where: str) -> bool:
    validate_time_interval(spec, where)
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    # Without a location Alertmanager compares in UTC (the server clock converted to UTC).
    at = at.astimezone(_location(spec.get("location"), where))
    times = spec.get("times") or []
    if times:
        minute = at.hour * 60 + at.minute
        ok = False
        for j, span in enumerate(times):
            start = _minutes(go_yaml_string(span.get("start_time", "")), f"{where}.times[{j}].start_time")
            end = _minutes(go_yaml_string(span.get("end_time", "")), f"{where}.times[{j}].end_time")
            if start >= end:
                raise TimeIntervalError(f"{where}.times[{j}]: start time cannot be equal or greater than end time")
            if start <= minute < end:
                ok = True
                break
        if not ok:
            return False
    days = _ranges(spec.get("days_of_month"), f"{where}.days_of_month", _int)
    if days:
        in_month = _days_in_month(at.year, at.month)
        ok = False
        for begin, end in days:
            if begin == 0 or end == 0 or not -31 <= begin <= 31 or not -31 <= end <= 31:
                raise TimeIntervalError(f"{where}.days_of_month: {begin}:{end} is not a valid day of month range")
            b = in_month + begin + 1 if begin < 0 else begin
            e = in_month + end + 1 if end < 0 else end
            if b > in_month:  # days that do not exist this month
                continue
            b = max(-in_month, min(b, in_month))
            e = max(-in_month, min(e, in_month))
            if b <= at.day <= e:
                ok = True
                break
        if not ok:
            return False
    for key, value, parse in (
        ("weekdays", (at.isoweekday() % 7), _weekday),
        ("months", at.month, _month),
        ("years", at.year, _int),
    ):
        spans = _ranges(spec.get(key), f"{where}.{key}", parse)
        if spans and not any(begin <= value <= end for begin, end in spans):
            return False
    return True


def interval_active(time_intervals: Sequence[Mapping[str, Any]], at: datetime, where: str = "time_intervals") -> bool:
    """Any of the entries contains `at` (the list under one named time interval)."""
    return any(_one_interval_active(spec, at, f"{where}[{i}]") for i, spec in enumerate(time_intervals))


def named_time_intervals(config: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = {}
    for key in ("mute_time_intervals", "time_intervals"):  # the old top-level name is still read
        for entry in config.get(key) or []:
            out[str(entry.get("name"))] = list(entry.get("time_intervals") or [])
    return out


def route_muted_reason(route: Route, named: Mapping[str, Sequence[Mapping[str, Any]]], at: datetime) -> str | None:
    for name in route.mute_time_intervals:
        if interval_active(named[name], at, f"time interval {name!r}"):
            return f"muted by mute_time_intervals {name!r}"
    if route.active_time_intervals and not any(
        interval_active(named[name], at, f"time interval {name!r}") for name in route.active_time_intervals
    ):
        return "outside its active_time_intervals " + ", ".join(repr(n) for n in route.active_time_intervals)
    return None


@dataclass
class Delivery:
    """What a live Alertmanager does with one alert: routes matched, who is notified, and why not."""

    labels: dict[str, str]
    routes: list[Route]
    inhibited_by: tuple[InhibitRule, Mapping[str, str]] | None = None
    muted: dict[str, str] = field(default_factory=dict)  # route path -> reason

    @property
    def receivers(self) -> list[str]:
        return [r.receiver for r in self.routes]

    @property
    def notified(self) -> list[str]:
        if self.inhibited_by is not None:
            return []
        return [r.receiver for r in self.routes if r.path not in self.muted]


def deliver(
    config: Mapping[str, Any],
    labels: Mapping[str, str],
    firing: Sequence[Mapping[str, str]] = (),
    at: datetime | None = None,
    root: Route | None = None,
) -> Delivery:
    root = root if root is not None else build_route_tree(config)
    routes = match_routes(root, labels)
    result = Delivery(dict(labels), routes)
    if firing:
        result.inhibited_by = inhibiting_rule(labels, firing, build_inhibit_rules(config.get("inhibit_rules")))
    if at is not None:
        named = named_time_intervals(config)
        for route in routes:
            reason = route_muted_reason(route, named, at)
            if reason is not None:
                result.muted[route.path] = reason
    return result
