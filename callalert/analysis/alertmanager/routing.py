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
    matchers_from_legacy,
    matchers_str,
    parse_matchers,
    sort_key,
)
from callalert.analysis.labels import is_valid_label_name
from callalert.analysis.versions import DEFAULT_ALERTMANAGER, Version, am_go, am_matcher_mode, am_supports, am_utf8_label_names
from callalert.diagnostics import kind_of
from callalert.errors import CallalertError
from callalert.limits import MAX_ROUTE_DEPTH, ensure_recursion_limit

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

    def lineage(self) -> Iterator[Route]:
        """This route, its parent, and so on up to the root."""
        node: Route | None = self
        while node is not None:
            yield node
            node = node.parent

    def path_matchers(self) -> list[Matcher]:
        """Every matcher an alert must meet to reach this route: its own and its parents'."""
        return [m for route in self.lineage() for m in route.matchers]

    def walk(self) -> Iterator[Route]:
        """This route and every route below it, depth first (iterative: trees can be deep)."""
        stack: list[Route] = [self]
        while stack:
            route = stack.pop()
            yield route
            stack.extend(reversed(route.routes))


def _kind(value: Any) -> str:
    return kind_of(value)


def str_list(value: Any, where: str) -> list[str]:
    """A list of strings in alertmanager.yml, each scalar read as Go's yaml.v2 reads it into a string."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise RoutingError(f"{where}: expected a list, got {_kind(value)}")
    out = []
    for i, item in enumerate(value):
        try:
            out.append(go_yaml_string(item))
        except MatcherError:
            raise RoutingError(f"{where}[{i}]: expected a string, got {_kind(item)}") from None
    return out


def mapping(value: Any, where: str) -> Mapping[str, Any]:
    """A mapping of alertmanager.yml (absent: empty); anything else is what amtool refuses to unmarshal."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RoutingError(f"{where}: expected a mapping, got {_kind(value)}")
    return value


def mapping_list(value: Any, where: str) -> list[Mapping[str, Any]]:
    """A list of mappings of alertmanager.yml (absent: empty)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise RoutingError(f"{where}: expected a list, got {_kind(value)}")
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise RoutingError(f"{where}[{i}]: expected a mapping, got {_kind(item)}")
    return value


_UNIT_MS = (365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000, 1)
_MAX_MS = (2**63 - 1) // 1_000_000  # Go's time.Duration: int64 nanoseconds


def _duration(value: Any, where: str) -> str:
    try:
        text = go_yaml_string(value)
    except MatcherError:
        raise RoutingError(f"{where}: expected a duration, got {_kind(value)}") from None
    if text == "0":
        return text
    match = _DURATION_RE.fullmatch(text) if text and len(text) < 200 else None
    if match is None:
        raise RoutingError(f'{where}: not a valid duration string: "{text[:80]}"')
    if sum(int(n) * unit for n, unit in zip(match.groups()[1::2], _UNIT_MS, strict=True) if n) > _MAX_MS:
        raise RoutingError(f"{where}: duration out of range")
    return text


def read_matchers(
    raw: Mapping[str, Any], prefix: str, where: str, version: str | Version = DEFAULT_ALERTMANAGER
) -> list[Matcher]:
    """The `{prefix}match`, `{prefix}match_re` and `{prefix}matchers` of a route (prefix "") or an
    inhibit rule side ("source_", "target_"), in Alertmanager's order (labels.Matchers.Less), as
    Alertmanager `version` parses them (`match*` keys stay classic in every release)."""
    go = am_go(version)
    match = mapping(raw.get(f"{prefix}match"), f"{where}.{prefix}match")
    match_re = mapping(raw.get(f"{prefix}match_re"), f"{where}.{prefix}match_re")
    try:
        for name, value in match_re.items():
            if value is None:
                raise MatcherError(f'invalid regexp value for "{name}"')
        out = matchers_from_legacy(match, match_re, go)
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


def _build(raw: Mapping[str, Any], path: str, parent: Route | None, version: Version, depth: int = 0) -> Route:
    try:
        return _build_route(raw, path, parent, version, depth)
    except MatcherError as exc:  # a value Go would not read into a string (a list, a mapping)
        raise RoutingError(f"{path}: {exc}") from None


def _build_route(raw: Mapping[str, Any], path: str, parent: Route | None, version: Version, depth: int) -> Route:
    if depth > MAX_ROUTE_DEPTH:
        raise RoutingError(
            f"route tree nested more than {MAX_ROUTE_DEPTH} levels deep (callalert's limit; amtool 0.25 reads 1,500)"
        )
    if not isinstance(raw, Mapping):
        raise RoutingError(f"{path}: expected a mapping, got {_kind(raw)}")
    known = ROUTE_KEYS | {k for k in LATER_ROUTE_KEYS if am_supports(f"route.{k}", version)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise RoutingError(f"{path}: unknown field {unknown[0]!r} (Alertmanager {version.short} rejects it)")
    own: dict[str, Any] = {}
    if raw.get("receiver"):
        if isinstance(raw["receiver"], list | Mapping):
            raise RoutingError(f"{path}.receiver: expected a string, got {_kind(raw['receiver'])}")
        own["receiver"] = go_yaml_string(raw["receiver"])
    group_by = _group_by(raw, path, version)
    if group_by is not None:
        own["group_by"] = group_by
    for key in ("group_wait", "group_interval", "repeat_interval"):
        if raw.get(key) is not None:
            own[key] = _duration(raw[key], f"{path}.{key}")
    for key in ("group_interval", "repeat_interval"):
        if key in own and not any(ch in "123456789" for ch in own[key]):
            raise RoutingError(f"{path}.{key}: {key} cannot be zero")
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
    cont = raw.get("continue", False)
    if not isinstance(cont, bool):
        raise RoutingError(f"{path}.continue: expected true or false, got {_kind(cont)}")
    route = Route(
        path=path,
        receiver=values["receiver"],
        matchers=read_matchers(raw, "", path, version),
        continue_=cont,
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
        raise RoutingError(f"{path}.routes: expected a list, got {_kind(children)}")
    route.routes = [_build(child, f"{path}.routes[{i}]", route, version, depth + 1) for i, child in enumerate(children)]
    return route


def build_route_tree(config: Mapping[str, Any], version: str | Version = DEFAULT_ALERTMANAGER) -> Route:
    """The route tree of `config` as Alertmanager `version` builds it; RoutingError as it refuses it."""
    ensure_recursion_limit()  # up to MAX_ROUTE_DEPTH levels
    raw = config.get("route")
    if raw is None:
        raise RoutingError("no routes provided")
    if not isinstance(raw, Mapping):
        raise RoutingError(f"route: expected a mapping, got {_kind(raw)}")
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
        names = {str(r.get("name")) for r in mapping_list(receivers, "receivers")}
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
        for i, entry in enumerate(mapping_list(config.get(key), key)):
            out[str(entry.get("name"))] = mapping_list(entry.get("time_intervals"), f"{key}[{i}].time_intervals")
    return out


def path_conditions(route: Route) -> tuple[list[Matcher], list[list[Matcher]]]:
    """What an alert must satisfy to reach `route`: every matcher on the path from the root
    (required), and no earlier sibling without `continue` along that path may match it in full
    (excluded: one matcher list per such sibling)."""
    required: list[Matcher] = []
    excluded: list[list[Matcher]] = []
    node: Route | None = route
    while node is not None and node.parent is not None:
        required.extend(node.matchers)
        siblings = node.parent.routes
        for earlier in siblings[: siblings.index(node)]:
            if not earlier.continue_:
                excluded.append(list(earlier.matchers))
        node = node.parent
    return required, excluded


def depth(route: Route) -> int:
    """0 for the root."""
    return sum(1 for _ in route.lineage()) - 1
