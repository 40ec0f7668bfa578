"""Alertmanager routing on a plain alertmanager.yml dict: the route tree and which routes an
alert matches. Mirrors dispatch.NewRoute and Route.Match of the release named by `version`
(0.25 unless told: its classic matcher parser; from 0.27 the UTF-8 parser in fallback mode and
UTF-8 `group_by` names, with regexes by the Go of the release); `amtool config routes test`
evaluates the same tree (tests/tools/test_routing_differential.py compares the two).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

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
from callalert.analysis.versions import DEFAULT_ALERTMANAGER, Version, am_go, am_matcher_mode, am_supports, am_utf8_label_names
from callalert.errors import CallalertError

DEFAULT_GROUP_WAIT = "30s"
DEFAULT_GROUP_INTERVAL = "5m"
DEFAULT_REPEAT_INTERVAL = "4h"

ROUTE_KEYS = frozenset(
    {
        "receiver",
        "group_by",
        "continue",
        "match",
        "match_re",
        "matchers",
        "mute_time_intervals",
        "active_time_intervals",
        "group_wait",
        "group_interval",
        "repeat_interval",
        "routes",
    }
)
# Route keys added after 0.25, by the feature table ("route.<key>").
LATER_ROUTE_KEYS = ("labels",)
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


def str_list(value: Any, where: str) -> list[str]:
    """A list of strings in alertmanager.yml, each scalar read as Go's yaml.v2 reads it into a string."""
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


def read_matchers(
    raw: Mapping[str, Any], prefix: str, where: str, version: str | Version = DEFAULT_ALERTMANAGER
) -> list[Matcher]:
    """The `{prefix}match`, `{prefix}match_re` and `{prefix}matchers` of a route (prefix "") or an
    inhibit rule side ("source_", "target_"), in Alertmanager's order (labels.Matchers.Less), as
    Alertmanager `version` parses them (`match*` keys stay classic in every release)."""
    go = am_go(version)
    try:
        match_re = raw.get(f"{prefix}match_re") or {}
        for name, value in match_re.items():
            if value is None:
                raise MatcherError(f'invalid regexp value for "{name}"')
        out = matchers_from_legacy(raw.get(f"{prefix}match"), match_re, go)
        for line in str_list(raw.get(f"{prefix}matchers"), f"{where}.{prefix}matchers"):
            out.extend(parse_matchers(line, am_matcher_mode(version), go))
    except MatcherError as exc:
        raise RoutingError(f"{where}: {exc}") from None
    return sorted(out, key=sort_key)


def _group_by(raw: Mapping[str, Any], where: str, version: Version) -> tuple[str, ...] | None:
    names = str_list(raw.get("group_by"), f"{where}.group_by")
    if not names:
        return None  # absent or [] both inherit: config.Route leaves GroupBy nil
    if "..." in names:
        if len(names) > 1:
            raise RoutingError(f"{where}.group_by: cannot have wildcard group_by (`...`) and other other labels at the same time")
        return ("...",)
    for name in names:
        if not is_valid_label_name(name, utf8=am_utf8_label_names("group_by", version)):
            raise RoutingError(f'{where}.group_by: invalid label name "{name}" in group_by list')
    return tuple(names)


def _build(raw: Mapping[str, Any], path: str, parent: Route | None, version: Version) -> Route:
    if not isinstance(raw, Mapping):
        raise RoutingError(f"{path}: expected a mapping, got {type(raw).__name__}")
    known = ROUTE_KEYS | {k for k in LATER_ROUTE_KEYS if am_supports(f"route.{k}", version)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise RoutingError(f"{path}: unknown field {unknown[0]!r} (Alertmanager {version.short} rejects it)")
    own: dict[str, Any] = {}
    if raw.get("receiver"):
        own["receiver"] = go_yaml_string(raw["receiver"])
    group_by = _group_by(raw, path, version)
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
        matchers=read_matchers(raw, "", path, version),
        continue_=bool(raw.get("continue", False)),
        group_by=values["group_by"],
        group_wait=values["group_wait"],
        group_interval=values["group_interval"],
        repeat_interval=values["repeat_interval"],
        # Not inherited: dispatch.NewRoute sets these from the route's own config only.
        mute_time_intervals=tuple(str_list(raw.get("mute_time_intervals"), f"{path}.mute_time_intervals")),
        active_time_intervals=tuple(str_list(raw.get("active_time_intervals"), f"{path}.active_time_intervals")),
        inherited=inherited,
        parent=parent,
    )
    children = raw.get("routes") or []
    if not isinstance(children, list):
        raise RoutingError(f"{path}.routes: expected a list, got {type(children).__name__}")
    route.routes = [_build(child, f"{path}.routes[{i}]", route, version) for i, child in enumerate(children)]
    return route


def build_route_tree(config: Mapping[str, Any], version: str | Version = DEFAULT_ALERTMANAGER) -> Route:
    """The route tree of `config` as Alertmanager `version` builds it; RoutingError as it refuses it."""
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
    root = _build(raw, "route", None, Version.parse(version))
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


def named_time_intervals(config: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    """The config's time intervals by name; routes refer to them by these names."""
    out: dict[str, list[Mapping[str, Any]]] = {}
    for key in ("mute_time_intervals", "time_intervals"):  # the old top-level name is still read
        for entry in config.get(key) or []:
            out[str(entry.get("name"))] = list(entry.get("time_intervals") or [])
    return out
