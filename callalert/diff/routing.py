"""Who is notified differently: the routing of two Alertmanager configurations compared per label set.

The label sets: every combination of the label values either configuration's routes and inhibit
rules match on (each `=`/`!=` value, the literal alternatives of each regex, a value no matcher
names, and the label being absent), together with the values the alerts of both sides carry; when
that is more than LABEL_SET_LIMIT, each route's own label set and every one-label change of it,
and each alert's labels. Every label set goes through both route trees with the routing engine
(analysis/alertmanager, which `amtool config routes test` agrees with) and both sets of inhibit
rules; a label set whose receivers, matched routes (`continue`), grouping, timings, mute/active
time intervals or inhibiting rules differ is a change. Changes with the same description are
merged for display: a label that takes every value is shown as `*`.

Routes of the two trees are paired by their matchers and receiver in order (a route inserted
before another does not make every later one look changed), which also gives the structural
changes of the tree: routes added, removed and changed.
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from callalert.analysis.alertmanager.inhibit import InhibitRule, build_inhibit_rules
from callalert.analysis.alertmanager.matchers import Matcher
from callalert.analysis.alertmanager.routing import Route, build_route_tree, match_routes, named_time_intervals

LABEL_SET_LIMIT = 20_000  # every combination up to this many label sets; a covering sample beyond
OTHER = "other"  # a value no matcher names (shown as `(other)`)
ABSENT = ""
ANY = "*"
_META = re.compile(r"[\\^$()\[\]{}?*+|.]")


# --- one configuration, ready to route ---------------------------------------------------------


@dataclass
class Routing:
    """A side's route tree, inhibit rules and time interval definitions."""

    root: Route
    inhibit: list[InhibitRule]
    intervals: dict[str, str]  # name -> canonical JSON of its definition

    @classmethod
    def of(cls, config: Mapping[str, Any], version: str) -> Routing:
        root = build_route_tree({k: v for k, v in config.items() if k != "receivers"}, version)
        inhibit = build_inhibit_rules(config.get("inhibit_rules"), version)
        intervals = {name: json.dumps(spec, sort_keys=True, default=str) for name, spec in named_time_intervals(config).items()}
        return cls(root, inhibit, intervals)


@dataclass(frozen=True)
class Hop:
    """One route that takes the alert, with what it decides."""

    route: str  # the route's identity in both trees (the new tree's path; `old:<path>` for a route only the old tree has)
    path: str  # its path in its own tree
    receiver: str
    continue_: bool
    group_by: tuple[str, ...]
    group_wait: str
    group_interval: str
    repeat_interval: str
    mute: tuple[str, ...]
    active: tuple[str, ...]
    windows: tuple[str, ...]  # the definitions of mute+active intervals (a changed definition is a change)


@dataclass(frozen=True)
class Outcome:
    hops: tuple[Hop, ...]
    inhibited_by: tuple[str, ...]  # the inhibit rules that can mute it, as text

    @property
    def receivers(self) -> list[str]:
        return [h.receiver for h in self.hops]


def inhibit_text(rule: InhibitRule) -> str:
    source = "{" + ", ".join(sorted(str(m) for m in rule.source)) + "}"
    equal = f" with the same {', '.join(rule.equal)}" if rule.equal else ""
    return f"{source} fires{equal}"


def outcome(routing: Routing, labels: Mapping[str, str], ids: Mapping[str, str]) -> Outcome:
    hops = []
    for r in match_routes(routing.root, labels):
        windows = tuple(
            f"{name}={routing.intervals.get(name, '')}" for name in (*r.mute_time_intervals, *r.active_time_intervals)
        )
        hops.append(
            Hop(
                ids.get(r.path, r.path),
                r.path,
                r.receiver,
                r.continue_,
                r.group_by,
                r.group_wait,
                r.group_interval,
                r.repeat_interval,
                r.mute_time_intervals,
                r.active_time_intervals,
                windows,
            )
        )
    inhibited = tuple(sorted({inhibit_text(rule) for rule in routing.inhibit if all(m.matches(labels) for m in rule.target)}))
    return Outcome(tuple(hops), inhibited)


# --- pairing the routes of two trees -------------------------------------------------------------


def _pair(old: Sequence[Route], new: Sequence[Route]) -> list[tuple[int, int]]:
    """Siblings paired in order: first by matchers and receiver, then what is left by matchers alone."""
    pairs: list[tuple[int, int]] = []

    def match(keys_old: list[str], keys_new: list[str], idx_old: list[int], idx_new: list[int]) -> None:
        sm = difflib.SequenceMatcher(a=keys_old, b=keys_new, autojunk=False)
        for block in sm.get_matching_blocks():
            pairs.extend((idx_old[block.a + k], idx_new[block.b + k]) for k in range(block.size))

    all_old, all_new = list(range(len(old))), list(range(len(new)))
    match(
        [f"{r.matchers_text()}\0{r.receiver}" for r in old], [f"{r.matchers_text()}\0{r.receiver}" for r in new], all_old, all_new
    )
    rest_old = [i for i in all_old if i not in {a for a, _ in pairs}]
    rest_new = [j for j in all_new if j not in {b for _, b in pairs}]
    match([old[i].matchers_text() for i in rest_old], [new[j].matchers_text() for j in rest_new], rest_old, rest_new)
    # a route whose matchers were edited: what is left, paired by receiver in order
    rest_old = [i for i in all_old if i not in {a for a, _ in pairs}]
    rest_new = [j for j in all_new if j not in {b for _, b in pairs}]
    match([old[i].receiver for i in rest_old], [new[j].receiver for j in rest_new], rest_old, rest_new)
    return sorted(pairs)


def align(old: Route, new: Route) -> dict[str, str]:
    """Old route path -> the path of the route it became in the new tree."""
    out = {old.path: new.path}
    for a, b in _pair(old.routes, new.routes):
        out.update(align(old.routes[a], new.routes[b]))
    return out


@dataclass
class RouteChange:
    kind: str  # added, removed, changed
    path: str  # new path (old path for a removed route)
    title: str
    details: list[str] = field(default_factory=list)


_COMPARED = ("receiver", "continue_", "group_by", "group_wait", "group_interval", "repeat_interval")


def _value(route: Route, name: str) -> str:
    value = getattr(route, name)
    if name == "group_by":
        return "[...]" if route.group_by_all else "[" + ", ".join(value) + "]"
    if name == "continue_":
        return "true" if value else "false"
    return str(value)


def tree_changes(old: Route, new: Route, pairs: Mapping[str, str]) -> list[RouteChange]:
    """Routes added, removed and changed, in tree order (removed ones where they were)."""
    from callalert.render.routetree import route_title

    out: list[RouteChange] = []
    old_by_new = {n: o for o, n in pairs.items()}
    old_nodes = {r.path: r for r in old.walk()}
    for route in new.walk():
        before = old_nodes.get(old_by_new.get(route.path, "")) if route.path in old_by_new else None
        if before is None:
            out.append(RouteChange("added", route.path, route_title(route), [f"receiver: {route.receiver}"]))
            continue
        details = []
        if before.matchers_text() != route.matchers_text():
            details.append(f"matchers: {before.matchers_text()} → {route.matchers_text()}")
        for name in _COMPARED:
            own = name == "continue_" or name not in route.inherited or name not in before.inherited
            if own and _value(before, name) != _value(route, name):
                details.append(f"{name.rstrip('_')}: {_value(before, name)} → {_value(route, name)}")
        for name, text in (("mute_time_intervals", "muted during"), ("active_time_intervals", "active only during")):
            a, b = getattr(before, name), getattr(route, name)
            if a != b:
                details.append(f"{text}: {', '.join(a) or '-'} → {', '.join(b) or '-'}")
        if details:
            out.append(RouteChange("changed", route.path, route_title(route), details))
        # removed children of this route, at their old place
        kept = {o for o, _ in pairs.items()}
        for child in before.routes:
            if child.path not in kept:
                out.extend(RouteChange("removed", r.path, route_title(r), [f"receiver: {r.receiver}"]) for r in child.walk())
    return out


# --- the label sets ---------------------------------------------------------------------------------


def _literal(alternative: str) -> str:
    text = alternative.replace(".*", "").replace(".+", "x").replace("\\.", ".")
    text = re.sub(r"\\(.)", r"\1", text)
    return _META.sub("", text)


def regex_values(m: Matcher) -> set[str]:
    """Values a regex matcher takes (its literal alternatives, where they do match)."""
    found = set()
    body = m.value
    for candidate in {body, body.strip("()"), *body.split("|"), *body.strip("()").split("|")}:
        literal = _literal(candidate)
        if literal and Matcher(m.name, "=~", m.value, m.go).matches_value(literal):
            found.add(literal)
    return found


def candidate_values(
    matchers: Iterable[Matcher], alert_labels: Iterable[Mapping[str, str]], names: Sequence[str]
) -> dict[str, list[str]]:
    """Per label name: the values that decide something, a value nothing names, and absent."""
    values: dict[str, set[str]] = {name: set() for name in names}
    for m in matchers:
        if m.name not in values:
            continue
        values[m.name].update({m.value} if m.op in ("=", "!=") else regex_values(m))
    for labels in alert_labels:
        for name, value in labels.items():
            if name in values:
                values[name].add(value)
    out: dict[str, list[str]] = {}
    for name in names:
        named = sorted(v for v in values[name] if v != ABSENT)
        other = OTHER
        while other in named:
            other = "x" + other
        out[name] = [*named, other, ABSENT]
    return out


def _routes(root: Route) -> list[Route]:
    return list(root.walk())


def _satisfy(matchers: Sequence[Matcher], pool: Mapping[str, Sequence[str]]) -> dict[str, str] | None:
    chosen: dict[str, str] = {}
    for name in dict.fromkeys(m.name for m in matchers):
        ms = [m for m in matchers if m.name == name]
        value = next((v for v in pool.get(name, [ABSENT]) if all(m.matches_value(v) for m in ms)), None)
        if value is None:
            return None
        chosen[name] = value
    return chosen


@dataclass
class LabelSpace:
    names: list[str]
    values: dict[str, list[str]]
    sets: list[tuple[str, ...]]  # one value per name (ABSENT: the label is not set)
    exhaustive: bool

    def labels(self, values: Sequence[str]) -> dict[str, str]:
        return {n: v for n, v in zip(self.names, values, strict=True) if v != ABSENT}


def label_space(sides: Sequence[Routing], alert_labels: Sequence[Mapping[str, str]], limit: int = LABEL_SET_LIMIT) -> LabelSpace:
    matchers: list[Matcher] = []
    for routing in sides:
        for route in routing.root.walk():
            matchers.extend(route.matchers)
        for rule in routing.inhibit:
            matchers.extend(rule.target)
    names = list(dict.fromkeys(m.name for m in matchers))
    values = candidate_values(matchers, alert_labels, names)
    total = 1
    for name in names:
        total *= len(values[name])
    if total <= limit:
        sets = list(itertools.product(*(values[n] for n in names)))
        return LabelSpace(names, values, sets, True)
    found: dict[tuple[str, ...], None] = {}

    def add(labels: Mapping[str, str]) -> None:
        found.setdefault(tuple(labels.get(n, ABSENT) for n in names), None)

    bases: list[dict[str, str]] = []
    for routing in sides:
        for route in _routes(routing.root):
            chosen = _satisfy(route.path_matchers(), values)
            if chosen is not None:
                bases.append(chosen)
    bases.extend({n: v for n, v in labels.items() if n in values} for labels in alert_labels)
    for base in bases:
        add(base)
        for name in names:
            for value in values[name]:
                add({**base, name: value})
    return LabelSpace(names, values, list(found), False)


# --- comparing outcomes ----------------------------------------------------------------------------


def receivers_change(old: Sequence[str], new: Sequence[str]) -> str:
    text = f"{', '.join(old) or 'nobody'} → {', '.join(new) or 'nobody'}"
    lost = [r for r in dict.fromkeys(old) if r not in new]
    gained = [r for r in dict.fromkeys(new) if r not in old]
    notes = [f"{', '.join(lost)} lost"] if lost else []
    if gained:
        notes.append(f"{', '.join(gained)} gained")
    if not notes:
        notes.append("same receivers, another order or count")
    return f"{text} ({'; '.join(notes)})"


def _group_text(hop: Hop) -> str:
    return "[...]" if hop.group_by == ("...",) else "[" + ", ".join(hop.group_by) + "]"


def _windows_text(hop: Hop) -> str:
    parts = []
    if hop.mute:
        parts.append("muted during " + ", ".join(hop.mute))
    if hop.active:
        parts.append("active only during " + ", ".join(hop.active))
    return "; ".join(parts) or "always"


@dataclass(frozen=True)
class Aspects:
    """What changed for one label set (or one alert): each item one phrase."""

    items: tuple[str, ...]
    kinds: frozenset[str]  # receivers, routes, grouping, timings, intervals, inhibition

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def text(self) -> str:
        return "; ".join(self.items)


def compare(old: Outcome, new: Outcome) -> Aspects:
    items: list[str] = []
    kinds: set[str] = set()
    if old.receivers != new.receivers:
        items.append(receivers_change(old.receivers, new.receivers))
        kinds.add("receivers")
    else:
        if [h.route for h in old.hops] != [h.route for h in new.hops]:
            items.append(
                "same receivers through other routes: "
                f"{', '.join(h.path for h in old.hops)} → {', '.join(h.path for h in new.hops)}"
                + (" (continue changed)" if [h.continue_ for h in old.hops] != [h.continue_ for h in new.hops] else "")
            )
            kinds.add("routes")
        for a, b in zip(old.hops, new.hops, strict=True):
            if a.group_by != b.group_by:
                items.append(f"{b.receiver}: group_by {_group_text(a)} → {_group_text(b)}")
                kinds.add("grouping")
            for name in ("group_wait", "group_interval", "repeat_interval"):
                if getattr(a, name) != getattr(b, name):
                    items.append(f"{b.receiver}: {name} {getattr(a, name)} → {getattr(b, name)}")
                    kinds.add("timings")
            if (a.mute, a.active) != (b.mute, b.active):
                items.append(f"{b.receiver}: {_windows_text(a)} → {_windows_text(b)}")
                kinds.add("intervals")
            elif a.windows != b.windows:
                changed = [w.split("=", 1)[0] for w in b.windows if w not in a.windows]
                items.append(f"{b.receiver}: time interval {', '.join(changed)} defined differently")
                kinds.add("intervals")
    if old.inhibited_by != new.inhibited_by:
        gone = [t for t in old.inhibited_by if t not in new.inhibited_by]
        added = [t for t in new.inhibited_by if t not in old.inhibited_by]
        if added:
            items.append("now muted while " + " or ".join(added))
        if gone:
            items.append("no longer muted while " + " or ".join(gone))
        kinds.add("inhibition")
    return Aspects(tuple(items), frozenset(kinds))


@dataclass
class LabelSetChange:
    labels: dict[str, str]
    old: Outcome
    new: Outcome
    aspects: Aspects


@dataclass
class Row:
    """Label sets with the same change, merged: per label name the values it covers (every
    candidate value: any value)."""

    values: tuple[frozenset[str], ...]
    text: str
    kinds: frozenset[str]
    count: int  # label sets merged into this row's text


def merge_rows(space: LabelSpace, changes: Sequence[LabelSetChange]) -> list[Row]:
    """Changes with the same text merged label by label: label sets that differ in one label only
    become one row listing that label's values (greedy, in label order; deterministic)."""
    by_text: dict[str, list[tuple[str, ...]]] = {}
    kinds: dict[str, frozenset[str]] = {}
    for change in changes:
        by_text.setdefault(change.aspects.text, []).append(tuple(change.labels.get(n, ABSENT) for n in space.names))
        kinds[change.aspects.text] = change.aspects.kinds
    order = {n: {v: k for k, v in enumerate(space.values[n])} for n in space.names}
    rows: list[Row] = []
    for text, sets in by_text.items():
        cubes = {tuple(frozenset([v]) for v in values) for values in sets}
        if space.exhaustive:  # a sample cannot say "every value"; merging it would claim more than was seen
            for i in range(len(space.names)):
                groups: dict[tuple[frozenset[str], ...], set[str]] = {}
                for cube in cubes:
                    groups.setdefault(cube[:i] + cube[i + 1 :], set()).update(cube[i])
                cubes = {(*rest[:i], frozenset(seen), *rest[i:]) for rest, seen in groups.items()}
        for cube in sorted(
            cubes, key=lambda c: [min(order[n].get(v, 0) for v in vs) for n, vs in zip(space.names, c, strict=True)]
        ):
            rows.append(Row(cube, text, kinds[text], len(sets)))
    return rows


def row_values(space: LabelSpace, row: Row) -> list[str]:
    """How a row shows each label: `*` any value, `-` absent, `(other)` a value no matcher names, `a|b` either."""
    out = []
    for name, values in zip(space.names, row.values, strict=True):
        if space.exhaustive and len(values) == len(space.values[name]) and len(values) > 1:
            out.append(ANY)
            continue
        other = space.values[name][-2]
        shown = [("(other)" if v == other else value_text(v)) for v in sorted(values, key=space.values[name].index)]
        out.append("|".join(shown))
    return out


def value_text(value: str) -> str:
    if value == ABSENT:
        return "-"
    if value == ANY:
        return "*"
    return value


@dataclass
class AlertChange:
    name: str
    old_labels: dict[str, str]
    new_labels: dict[str, str]
    old: Outcome
    new: Outcome
    aspects: Aspects


@dataclass
class RoutingDiff:
    space: LabelSpace | None
    changes: list[LabelSetChange]
    rows: list[Row]
    alerts: list[AlertChange]
    tree: list[RouteChange]
    pairs: dict[str, str]  # old path -> new path
    errors: list[str]  # a side whose routing Alertmanager would reject
    old_root: Route | None = None
    new_root: Route | None = None

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.alerts or self.tree)


def first_by_name(alerts: Sequence[tuple[str, Mapping[str, str]]]) -> dict[str, Mapping[str, str]]:
    out: dict[str, Mapping[str, str]] = {}
    for name, labels in alerts:
        out.setdefault(name, labels)
    return out


def diff_routing(
    old: Routing | None,
    new: Routing | None,
    old_alerts: Sequence[tuple[str, Mapping[str, str]]],
    new_alerts: Sequence[tuple[str, Mapping[str, str]]],
    limit: int = LABEL_SET_LIMIT,
) -> RoutingDiff:
    """Compare two routings; the alerts are (name, labels) of each side (first rule of each name)."""
    if old is None or new is None:
        return RoutingDiff(None, [], [], [], [], {}, [])
    pairs = align(old.root, new.root)
    new_ids = {r.path: r.path for r in new.root.walk()}
    old_ids = {r.path: pairs.get(r.path, f"old:{r.path}") for r in old.root.walk()}
    space = label_space([old, new], [labels for _, labels in (*old_alerts, *new_alerts)], limit)
    changes = []
    for values in space.sets:
        labels = space.labels(values)
        a = outcome(old, labels, old_ids)
        b = outcome(new, labels, new_ids)
        aspects = compare(a, b)
        if aspects:
            changes.append(LabelSetChange(labels, a, b, aspects))
    alerts = []
    new_by_name = first_by_name(new_alerts)
    for name, old_labels in first_by_name(old_alerts).items():
        new_labels = new_by_name.get(name)
        if new_labels is None:
            continue
        a = outcome(old, old_labels, old_ids)
        b = outcome(new, new_labels, new_ids)
        aspects = compare(a, b)
        if aspects:
            alerts.append(AlertChange(name, dict(old_labels), dict(new_labels), a, b, aspects))
    tree = tree_changes(old.root, new.root, pairs)
    return RoutingDiff(space, changes, merge_rows(space, changes), alerts, tree, pairs, [], old.root, new.root)
