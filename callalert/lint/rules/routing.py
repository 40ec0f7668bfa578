"""Routing: declared policy vs effective routes, dead routes and receivers, paging, matcher traps,
deprecated matcher syntax."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from callalert.analysis.alertmanager.matchers import Matcher, MatcherError, format_matcher, matchers_str, parse_matchers
from callalert.analysis.alertmanager.matchset import UNSAT, Sat, new_cache, satisfiable
from callalert.analysis.alertmanager.routing import Route, depth, match_routes, path_conditions
from callalert.analysis.versions import am_go, am_matcher_mode
from callalert.diagnostics import KeyPath, Problem, Rule, did_you_mean
from callalert.lint.engine import LintRule, Options
from callalert.lint.rules import examples as ex
from callalert.lint.world import AlertRec, AMConfig, Source, World
from callalert.model import Route as SpecRoute

AREA = "routing"

_CONFIG = """\
route:
  receiver: chat
  group_by: [alertname]
  routes:
{routes}receivers:
  - name: chat
    webhook_configs:
      - url: http://chat.example.com/alertmanager
  - name: oncall
    pagerduty_configs:
      - routing_key_file: /etc/alertmanager/secrets/pagerduty-routing-key
{receivers}"""


def _config(routes: str, receivers: str = "") -> str:
    return _CONFIG.format(routes=routes, receivers=receivers)


def _route(matchers: str, receiver: str = "oncall", extra: str = "") -> str:
    return f"    - matchers: {matchers}\n      receiver: {receiver}\n{extra}"


_DB_CHAT = "  - name: db-chat\n    webhook_configs:\n      - url: http://chat.example.com/alertmanager/db\n"
_CRITICAL = """['severity="critical"']"""
_CONTINUE = "      continue: true\n"
_POLICY = """\
severities:
  critical: {notify: [pager, chat]}
  warning: {notify: [chat]}
"""
_SPEC_ROUTES = """\
routing:
  receiver: chat
  routes:
"""
_SPEC_CRITICAL_TO_PAGER = """\
    - matchers: ['severity="critical"']
      receiver: pager
"""

ROUTING_POLICY_MISMATCH = Rule(
    "routing-policy-mismatch",
    "warning",
    AREA,
    "routes deliver to other receivers than the severity/category table declares",
    "The table is what people read and promise; the routes are what Alertmanager does. When they differ, someone is not told.",
    bad=ex.spec(severities=_POLICY, routing=_SPEC_ROUTES + _SPEC_CRITICAL_TO_PAGER),
    good=ex.spec(
        severities=_POLICY,
        routing=_SPEC_ROUTES
        + _SPEC_CRITICAL_TO_PAGER
        + _CONTINUE
        + "    - matchers: ['severity=\"critical\"']\n      receiver: chat\n",
    ),
)
ROUTE_SHADOWED = Rule(
    "route-shadowed",
    "warning",
    AREA,
    "route no alert can reach (earlier siblings without continue take all of its alerts)",
    "Alertmanager stops at the first matching sibling unless it has `continue: true`; a later route whose alerts all "
    'match earlier siblings is dead. Decided exactly over what the matchers accept (`team=~"payments|search"` takes '
    'every alert of `team="search", env="prod"`; negations, anchors and absent labels count too), alone or by several '
    "earlier siblings together, and reported only when proved, with an example label set. This holds for a route with "
    "`active_time_intervals` or `mute_time_intervals` too: outside its window it still matches (and notifies nobody), "
    "so an out-of-hours sibling after it never gets the alert; give the time-bound route `continue: true`.",
    bad=_config(_route("""['team=~"payments|search"']""", "chat") + _route("""['team="search"', 'env="prod"']""")),
    good=_config(_route("""['team="search"', 'env="prod"']""") + _route("""['team=~"payments|search"']""", "chat")),
)
ROUTE_UNREACHABLE = Rule(
    "route-unreachable",
    "warning",
    AREA,
    "route whose matchers exclude every alert its parent receives",
    "A child route only sees the alerts its parent matched. When its own matchers contradict the ones on its path "
    '(severity="warning" under a severity="critical" route, team="db" under team=~"web|api"), no alert can match it: '
    "its receiver never hears anything. The finding names the matchers on the path.",
    bad=_config(
        "    - matchers: ['team=~\"web|api\"']\n      receiver: oncall\n      routes:\n"
        "        - matchers: ['team=\"db\"']\n          receiver: db-chat\n",
        _DB_CHAT,
    ),
    good=_config(
        "    - matchers: ['team=~\"web|api|db\"']\n      receiver: oncall\n      routes:\n"
        "        - matchers: ['team=\"db\"']\n          receiver: db-chat\n",
        _DB_CHAT,
    ),
)
ROUTE_CONTINUE_LAST = Rule(
    "route-continue-last",
    "info",
    AREA,
    "`continue: true` on the last of its siblings",
    "`continue` lets the next sibling try the alert; the last sibling has none, so the flag does nothing. Usually a "
    "route was removed or reordered and the flag stayed.",
    bad=_config(_route(_CRITICAL, extra=_CONTINUE)),
    good=_config(_route(_CRITICAL, extra=_CONTINUE) + _route(_CRITICAL, "chat")),
)
ROUTE_DEEP_NESTING = Rule(
    "route-deep-nesting",
    "info",
    AREA,
    "route tree nested more than 5 levels deep",
    "Every level multiplies the ways an alert can go; past five, nobody can say where an alert ends up without a tool "
    "(`callalert routes test`). Flatten it with matchers that say the whole condition.",
    bad=_config(
        "".join(
            "  " * i
            + f"    - matchers: ['level{i}=\"x\"']\n"
            + "  " * i
            + "      receiver: oncall\n"
            + "  " * i
            + "      routes:\n"
            for i in range(6)
        )
        + "  " * 6
        + "    - matchers: ['level6=\"x\"']\n"
        + "  " * 6
        + "      receiver: oncall\n"
    ),
    good=_config(
        _route("""['level0="x"', 'level1="x"', 'level2="x"', 'level3="x"', 'level4="x"', 'level5="x"', 'level6="x"']""")
    ),
)
RECEIVER_EMPTY = Rule(
    "receiver-empty",
    "warning",
    AREA,
    "route sends alerts to a receiver with no integration",
    "A receiver without any *_configs notifies nobody: the alerts routed to it are dropped without a trace. Receivers "
    "named to say so (null, blackhole, devnull, discard, drop, noop, void) are left alone: dropping is their job.",
    bad=_config(_route(_CRITICAL) + _route("""['team="db"']""", "db-chat"), "  - name: db-chat\n"),
    good=_config(_route(_CRITICAL) + _route("""['team="db"']""", "db-chat"), _DB_CHAT),
)
ROUTE_UNKNOWN_ALERTNAME = Rule(
    "route-unknown-alertname",
    "warning",
    AREA,
    "route matcher on an alertname no rule produces",
    "When the rules are known (a spec, or rule files given with the alertmanager.yml), a route for an alert name "
    "none of them has is a typo or a leftover of a renamed alert: the alerts it was written for go elsewhere.",
    bad=ex.spec(
        routing=_SPEC_ROUTES
        + _SPEC_CRITICAL_TO_PAGER
        + _CONTINUE
        + "    - matchers: ['alertname=\"HighErorRate\"']\n      receiver: pager\n"
    ),
    good=ex.spec(
        routing=_SPEC_ROUTES
        + _SPEC_CRITICAL_TO_PAGER
        + _CONTINUE
        + "    - matchers: ['alertname=\"HighErrorRate\"']\n      receiver: pager\n"
    ),
)
RECEIVER_UNUSED = Rule(
    "receiver-unused",
    "warning",
    AREA,
    "receiver no route uses",
    "A receiver nobody routes to is either dead configuration or a promise (like SMS for critical alerts) that is not kept.",
    bad=_config(_route("""['team="db"']"""), _DB_CHAT),
    good=_config(_route("""['team="db"']""", extra=_CONTINUE) + _route("""['team="db"']""", "db-chat"), _DB_CHAT),
)
RECEIVER_UNDEFINED = Rule(
    "receiver-undefined",
    "error",
    AREA,
    "route names a receiver that is not defined",
    "Alertmanager refuses to load the config.",
    bad=_config(_route("""['team="db"', 'severity="critical"']""") + _route("""['team="db"']""", "db-chat")),
    good=_config(_route("""['team="db"', 'severity="critical"']""") + _route("""['team="db"']""", "db-chat"), _DB_CHAT),
)
ALERT_DEFAULT_ONLY = Rule(
    "alert-default-only",
    "info",
    AREA,
    "alert that matches no route and only reaches the root receiver",
    "Usually a label typo or a forgotten route: the alert goes to the catch-all receiver.",
    bad=ex.spec(routing=_SPEC_ROUTES + _SPEC_CRITICAL_TO_PAGER, alerts=ex.alert(severity="warning")),
    good=ex.spec(
        routing=_SPEC_ROUTES + _SPEC_CRITICAL_TO_PAGER + "    - matchers: ['severity=\"warning\"']\n      receiver: chat\n",
        alerts=ex.alert(severity="warning"),
    ),
)
CRITICAL_NO_PAGING = Rule(
    "critical-no-paging",
    "warning",
    AREA,
    "critical alerts reach no paging receiver",
    "A paging receiver is one with pagerduty/opsgenie/victorops/pushover configs, or named like pager/paging/sms/phone/oncall. "
    "Critical alerts that only reach chat or email wait until someone looks.",
    bad=_config(_route(_CRITICAL, "chat") + _route("""['team="db"']""")),
    good=_config(_route(_CRITICAL, extra=_CONTINUE) + _route(_CRITICAL, "chat") + _route("""['team="db"']""")),
)
MATCHER_REGEX_LITERAL = Rule(
    "matcher-regex-literal",
    "info",
    AREA,
    "=~ with a value that has no regex characters",
    'Alertmanager anchors regexes (^(?:x)$): `=~"crit"` matches only `crit`, never `critical`. If exact is meant, `=` says so.',
    bad=_config(_route("""['team=~"db"']""")),
    good=_config(_route("""['team="db"']""")),
)
MATCHER_LITERAL_REGEX = Rule(
    "matcher-literal-regex",
    "warning",
    AREA,
    "= with a value that looks like a regex",
    '`=` compares literally: `team="db|storage"` matches only that exact string.',
    bad=_config(_route("""['team="db|storage"']""")),
    good=_config(_route("""['team=~"db|storage"']""")),
)
MATCHER_UNQUOTED_SPECIAL = Rule(
    "matcher-unquoted-special",
    "warning",
    AREA,
    "unquoted matcher value with special characters",
    "Newer Alertmanager matcher parsing (0.27+, UTF-8 mode) reads unquoted values with spaces, commas, braces or quotes differently or rejects them.",
    bad=_config(_route("""['team=db ops']""")),
    good=_config(_route("""['team="db ops"']""")),
)
MATCHER_SEVERAL_IN_ONE = Rule(
    "matcher-several-in-one",
    "info",
    AREA,
    "one matcher list item holds several matchers",
    "`a=1,b=2` in one item is two matchers joined by AND, not an alternative; one per item reads as what it does.",
    bad=_config(_route("""['team="db",env="prod"']""")),
    good=_config(_route("""['team="db"', 'env="prod"']""")),
)
AM_DEPRECATED_MATCH = Rule(
    "am-deprecated-match",
    "warning",
    AREA,
    "deprecated match/match_re/source_match/target_match",
    "They are deprecated since Alertmanager 0.22 in favour of `matchers`; new features only come to matchers.",
    bad=_config("    - match:\n        team: db\n      receiver: oncall\n"),
    good=_config(_route("""['team="db"']""")),
)

_REGEX_CHARS = re.compile(r"[.*+?|()\[\]{}^$\\]")
_LOOKS_REGEX = re.compile(r"\.\*|\.\+|\||^\^|\$$|\[[^\]]+\]|\\[dws.]")
_UNQUOTED_SPECIAL = re.compile(r"[\s,{}\"=!~]")
_PAGING_TYPES = ("pagerduty_configs", "opsgenie_configs", "victorops_configs", "pushover_configs")
_PAGING_NAME = re.compile(r"pager|paging|(^|[^a-z])page($|[^a-z])|sms|phone|on-?call|on_call|opsgenie|victorops|pushover", re.I)


def is_paging(name: str, receiver: dict[str, Any] | None) -> bool:
    if receiver and any(receiver.get(t) for t in _PAGING_TYPES):
        return True
    return bool(_PAGING_NAME.search(name))


def tree_of(world: World) -> tuple[AMConfig, Route] | None:
    """The config and its route tree, when there is a config and Alertmanager would build its tree."""
    am = world.am
    if am is None:
        return None
    root = am.route_tree()
    return None if isinstance(root, Exception) else (am, root)


class RouteMemo:
    """`match_routes(root, labels)`, found once per distinct value of the labels the tree's matchers
    read. A matcher reads the value of one label (an absent label is the empty string) and a route
    matches by its matchers alone, so two label sets equal on those names reach the same routes;
    alerts differ mostly in labels no route looks at (alertname, team ...)."""

    def __init__(self, root: Route) -> None:
        self.root = root
        self.names = tuple(sorted({m.name for node in root.walk() for m in node.matchers}))
        self._found: dict[tuple[str, ...], list[Route]] = {}

    def routes(self, labels: Mapping[str, str]) -> list[Route]:
        key = tuple(labels.get(name, "") for name in self.names)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = match_routes(self.root, labels)
        return found


# --- the route tree ------------------------------------------------------------------------------


def _receiver_undefined(world: World, options: Options) -> Iterator[Problem]:
    am = world.am
    if am is None or am.from_spec or not isinstance(am.data.get("receivers", []), list):
        return  # validate checks a spec's receivers; am-config-invalid reports receivers that are not a list
    receivers = am.receivers()

    def walk(raw: Any, key: KeyPath) -> Iterator[Problem]:
        if not isinstance(raw, dict):
            return
        name = raw.get("receiver")
        if name and str(name) not in receivers:
            yield am.src.problem(
                (*key, "receiver"),
                f"receiver {name!r} is not defined{did_you_mean(str(name), receivers)}",
                RECEIVER_UNDEFINED,
                fix=f"add `- name: {name}` under receivers, or fix the name",
            )
        for i, child in enumerate(raw.get("routes") or []):
            yield from walk(child, (*key, "routes", i))

    yield from walk(am.data.get("route"), ("route",))


def _muted_note(route: Route) -> str:
    if route.active_time_intervals or route.mute_time_intervals:
        return " (also outside its time intervals: a muted route still matches)"
    return ""


def _reach(world: World) -> Iterator[tuple[AMConfig, Route, str, Route | None, list[Route]]]:
    """For each route no alert can reach, the topmost only: (config, route, why, the parent whose
    alerts it cannot take or None, the earlier siblings that take them). `why` is "contradiction"
    (its matchers exclude every alert its parent receives) or "shadowed"."""
    tree = tree_of(world)
    if tree is None:
        return
    am, root = tree
    cache = new_cache()
    dead: set[int] = set()
    for node in root.walk():
        if node.parent is None or id(node.parent) in dead:
            if node.parent is not None:
                dead.add(id(node))
            continue
        required, excluded = path_conditions(node)
        reach = satisfiable(required, excluded, cache)
        if reach is not UNSAT:
            continue
        dead.add(id(node))
        parent_required, parent_excluded = path_conditions(node.parent)
        siblings = [e for e in node.parent.routes[: node.parent.routes.index(node)] if not e.continue_]
        own = satisfiable([*parent_required, *node.matchers], parent_excluded, cache)
        if own is UNSAT:
            yield am, node, "contradiction", node.parent, []
        elif isinstance(own, Sat):
            # the earlier siblings that take its alerts: one if one does, else a minimal set of them
            base = [*parent_required, *node.matchers]
            takers = list(siblings)
            for sibling in list(siblings):
                rest = [t for t in takers if t is not sibling]
                if satisfiable(base, [*parent_excluded, *(list(t.matchers) for t in rest)], cache) is UNSAT:
                    takers = rest
            yield am, node, "shadowed", node.parent, takers


def _example(world: World, node: Route) -> str:
    """A label set the route's own matchers (and its parent's) accept: what the earlier sibling takes."""
    required, excluded = path_conditions(node.parent) if node.parent is not None else ([], [])
    found = satisfiable([*required, *node.matchers], excluded)
    return f", e.g. {found.text()}" if isinstance(found, Sat) and found.labels else ""


def _route_shadowed(world: World, options: Options) -> Iterator[Problem]:
    for am, node, why, _parent, takers in _reach(world):
        if why != "shadowed" or not takers:
            continue
        if len(takers) == 1:
            taker = takers[0]
            by = (
                f"the earlier sibling {taker.matchers_text()} (receiver {taker.receiver}) takes every alert it matches "
                f"and does not continue{_muted_note(taker)}"
            )
        else:
            by = "the earlier siblings " + ", ".join(f"{t.matchers_text()} ({t.receiver})" for t in takers)
            by += " take every alert it matches between them and do not continue"
        yield am.src.problem(
            am.route_key(node.path),
            f"route {node.matchers_text()} (receiver {node.receiver}) is unreachable: {by}{_example(world, node)}",
            ROUTE_SHADOWED,
            fix="move the narrower route first, or add `continue: true` to the earlier one",
        )


def _route_unreachable(world: World, options: Options) -> Iterator[Problem]:
    for am, node, why, parent, _takers in _reach(world):
        if why != "contradiction" or parent is None:
            continue
        required, _ = path_conditions(parent)
        inherited = matchers_str([*required]) if required else "{}"
        yield am.src.problem(
            am.route_key(node.path),
            f"route {node.matchers_text()} (receiver {node.receiver}) can never match: no label set satisfies both its "
            f"matchers and the ones on its path {inherited}",
            ROUTE_UNREACHABLE,
            fix="a child route only sees the alerts its parent matched: move it, or fix the matchers",
        )


def _route_continue_last(world: World, options: Options) -> Iterator[Problem]:
    tree = tree_of(world)
    if tree is None or tree[0].routes_derived:
        return
    am, root = tree
    for node in root.walk():
        if node.routes and node.routes[-1].continue_:
            last = node.routes[-1]
            yield am.src.problem(
                (*am.route_key(last.path), "continue"),
                f"route {last.matchers_text()} (receiver {last.receiver}) has `continue: true` but no later sibling: "
                "the flag does nothing",
                ROUTE_CONTINUE_LAST,
                at_key=True,
                fix="remove `continue: true`, or add the route that was meant to come after it",
            )


MAX_DEPTH = 5


def _route_deep_nesting(world: World, options: Options) -> Iterator[Problem]:
    tree = tree_of(world)
    if tree is None:
        return
    am, root = tree
    for node in root.walk():
        if depth(node) == MAX_DEPTH + 1:
            yield am.src.problem(
                am.route_key(node.path),
                f"route {node.matchers_text()} is nested {MAX_DEPTH + 1} levels deep (more than {MAX_DEPTH})",
                ROUTE_DEEP_NESTING,
                fix="merge levels: a route's matchers can say the whole condition",
            )


_DISCARD_NAME = re.compile(
    r"(^|/)(null|nil|none|blackhole|black-hole|devnull|dev-null|discard|drop|noop|no-op|void|ignore|silent)$", re.I
)


def is_discard(name: str) -> bool:
    """A receiver named to drop what it gets (null, blackhole, ...; prometheus-operator prefixes a namespace/config)."""
    return bool(_DISCARD_NAME.search(name))


def notifies_nobody(world: World, matchers: Sequence[Matcher]) -> bool:
    """Proved: every alert `matchers` accepts ends at routes whose receivers notify nobody (named to
    discard, or without any integration). An undecided route counts as notifying someone."""
    tree = tree_of(world)
    if tree is None:
        return False
    am, root = tree
    receivers = am.receivers()
    cache = new_cache()
    for node in root.walk():
        required, excluded = path_conditions(node)
        final = satisfiable([*required, *matchers], [*excluded, *(list(c.matchers) for c in node.routes)], cache)
        if final is UNSAT:
            continue
        receiver = receivers.get(node.receiver)
        empty = receiver is not None and not any(str(k).endswith("_configs") and v for k, v in receiver.items())
        if not (is_discard(node.receiver) or empty):
            return False
    return True


def _receiver_empty(world: World, options: Options) -> Iterator[Problem]:
    tree = tree_of(world)
    if tree is None:
        return
    am, root = tree
    receivers = am.receivers()
    reported: set[str] = set()
    for node in root.walk():
        receiver = receivers.get(node.receiver)
        if receiver is None or node.receiver in reported or is_discard(node.receiver):
            continue
        if any(str(k).endswith("_configs") and v for k, v in receiver.items()):
            continue
        reported.add(node.receiver)
        yield am.src.problem(
            am.receiver_key(node.receiver),
            f"receiver {node.receiver!r} has no integration (no *_configs), so the alerts routed to it "
            f"({'the root route' if node.parent is None else 'route ' + node.matchers_text()}) are dropped",
            RECEIVER_EMPTY,
            at_key=am.from_spec,
            fix="add its webhook/slack/pagerduty/email config, or name it `null` if dropping is intended",
        )


def alertname_unknown(world: World, m: Matcher) -> bool:
    """A positive matcher on alertname that none of the known alerts' names satisfies."""
    if m.name != "alertname" or m.op not in ("=", "=~") or not world.alerts_known or not world.alerts:
        return False
    return not any(m.matches_value(alert.name) for alert in world.alerts)


def _route_unknown_alertname(world: World, options: Options) -> Iterator[Problem]:
    tree = tree_of(world)
    if tree is None:
        return
    am, root = tree
    names = sorted({a.name for a in world.alerts})
    for node in root.walk():
        for m in node.matchers:
            if alertname_unknown(world, m):
                hint = did_you_mean(m.value, names) if m.op == "=" else ""
                yield am.src.problem(
                    am.route_key(node.path),
                    f"route matcher {m}: none of the alerts linted is named that{hint}",
                    ROUTE_UNKNOWN_ALERTNAME,
                    fix="fix the name, or remove the route if the alert is gone",
                )


def _receiver_unused(world: World, options: Options) -> Iterator[Problem]:
    tree = tree_of(world)
    if tree is None:
        return
    am, root = tree
    used = {node.receiver for node in root.walk()}
    for name in am.receivers():
        if name not in used:
            yield am.src.problem(
                am.receiver_key(name),
                f"receiver {name!r} is not used by any route",
                RECEIVER_UNUSED,
                at_key=am.from_spec,
                fix=f"route alerts to {name!r}, or remove it",
            )


def _alert_default_only(world: World, options: Options) -> Iterator[Problem]:
    tree = tree_of(world)
    if tree is None or not (world.alerts_known and world.alerts):
        return
    _am, root = tree
    if not root.routes:
        return
    matched = RouteMemo(root)
    for alert in world.alerts:
        if matched.routes(alert.labels) == [root]:
            # only provable when no route could match through labels the metrics might add
            if any(alert.can_have(m.name) is None for n in root.walk() for m in n.matchers if m.name not in alert.labels):
                continue
            yield alert.src.problem(
                alert.key,
                f"alert {alert.name} matches no route: only the default receiver {root.receiver!r} gets it",
                ALERT_DEFAULT_ONLY,
                fix="check its labels (severity, category, team ...) against the routes",
            )


# --- the declared policy of a spec and paging ---------------------------------------------------
#
# Both are judged on the alerts that exist, with their real labels: static rule labels (severity,
# category, team, ...), the spec's external labels, and for every label the routes match on but an
# alert does not set itself, whether its expression can produce it. An alert whose route depends
# on such a label is not judged (proof or silence).


@dataclass(frozen=True)
class Delivery:
    alert: AlertRec
    labels: dict[str, str]
    receivers: tuple[str, ...]


def deliveries(world: World) -> tuple[list[Delivery], list[AlertRec]]:
    """Where each alert goes, for the alerts whose route is decided by labels known here; and the
    alerts whose route depends on labels only their metrics would tell."""
    tree = tree_of(world)
    if tree is None:
        return [], []
    _am, root = tree
    matched = RouteMemo(root)
    routed = set(matched.names)
    decided: list[Delivery] = []
    undecided: list[AlertRec] = []
    for alert in world.alerts:
        labels = _known_labels(world, alert, routed)
        if labels is None:
            undecided.append(alert)
            continue
        decided.append(Delivery(alert, labels, tuple(dict.fromkeys(r.receiver for r in matched.routes(labels)))))
    return decided, undecided


def _known_labels(world: World, alert: AlertRec, names: set[str]) -> dict[str, str] | None:
    """The alert's labels as far as `names` go, or None when one of them is not known."""
    labels = dict(alert.labels)
    external = world.external_labels or {}
    for name in names:
        if name in labels:
            continue
        if name in external and world.spec is not None:
            labels[name] = external[name]
        elif alert.can_have(name) is not False:
            return None
    return labels


def _names(alerts: Sequence[AlertRec], limit: int = 4) -> str:
    unique = list(dict.fromkeys(a.name for a in alerts))
    more = f" and {len(unique) - limit} more" if len(unique) > limit else ""
    return ", ".join(unique[:limit]) + more


def _selects(world: World, matchers: Sequence[Matcher], delivery: Delivery) -> bool | None:
    labels = _known_labels(world, delivery.alert, {m.name for m in matchers})
    if labels is None:
        return None
    return all(m.matches({**delivery.labels, **labels}) for m in matchers)


def _routing_policy_mismatch(world: World, options: Options) -> Iterator[Problem]:
    tree = tree_of(world)
    if tree is None or world.spec is None:
        return
    am, _root = tree
    if am.routes_derived:  # the routes are the tables
        return
    decided, _undecided = deliveries(world)
    spec = world.spec.model
    if spec.policy:
        yield from _policy_entries(world, am, decided)
        return
    yield from _policy_tables(world, am, decided)


def _policy_entries(world: World, am: AMConfig, decided: list[Delivery]) -> Iterator[Problem]:
    assert world.spec is not None
    mode, go = am_matcher_mode(world.am_version), am_go(world.am_version)
    for entry in world.spec.model.policy:
        try:
            matchers = [m for text in entry.matchers for m in parse_matchers(text, mode, go)]
        except MatcherError:
            continue  # validate reports it
        selected = [d for d in decided if _selects(world, matchers, d)]
        what = "every alert" if not matchers else f"the alerts {matchers_str(matchers)}"
        findings: dict[str, list[Delivery]] = {}
        for dl in selected:
            got = set(dl.receivers)
            missing = [r for r in entry.notify if r not in got]
            if missing:
                findings.setdefault(f"miss {', '.join(missing)}, which `notify` requires", []).append(dl)
            if entry.notify_any and not got & set(entry.notify_any):
                findings.setdefault(f"reach none of {', '.join(entry.notify_any)} (`notify_any`)", []).append(dl)
            extra = [r for r in dl.receivers if entry.only is not None and r not in entry.only]
            if extra:
                findings.setdefault(f"also reach {', '.join(extra)}, outside `only`", []).append(dl)
            banned = [r for r in dl.receivers if r in entry.never]
            if banned:
                findings.setdefault(f"reach {', '.join(banned)}, which `never` forbids", []).append(dl)
        for why, dls in findings.items():
            reached = sorted({r for dl in dls for r in dl.receivers})
            yield am.src.problem(
                entry.key,
                f"policy for {what}: {_names([dl.alert for dl in dls])} {why} (the routes deliver them to "
                f"{', '.join(reached) or 'nobody'})",
                ROUTING_POLICY_MISMATCH,
                fix="change the routes (add a route, or continue: true), or the policy entry",
            )


def _policy_tables(world: World, am: AMConfig, decided: list[Delivery]) -> Iterator[Problem]:
    """Without `policy:`, explicit routes are held to the severity and category `notify` tables:
    each alert reaches at least one receiver its severity (and category) declares, and each
    declared receiver can be reached by some label set with that severity (category)."""
    assert world.spec is not None
    spec = world.spec.model
    none_declared: dict[tuple[str, str | None], list[Delivery]] = {}
    for dl in decided:
        sev = spec.severities.get(dl.labels.get("severity", ""))
        if sev is None:
            continue
        cat_name = dl.labels.get("category")
        cat = spec.categories.get(cat_name or "")
        declared = [*sev.notify, *(cat.notify if cat is not None else ())]
        if declared and not set(dl.receivers) & set(declared):
            none_declared.setdefault((sev.name, cat.name if cat is not None else None), []).append(dl)
    for (sev_name, cat_name), dls in none_declared.items():
        sev = spec.severities[sev_name]
        declared = [*sev.notify, *(spec.categories[cat_name].notify if cat_name else ())]
        reached = sorted({r for dl in dls for r in dl.receivers})
        where = f"severity={sev_name}" + (f", category={cat_name}" if cat_name else "")
        yield am.src.problem(
            ("severities", sev_name, "notify"),
            f"{where}: {_names([dl.alert for dl in dls])} reach {', '.join(reached) or 'nobody'}, none of the receivers "
            f"the tables declare ({', '.join(declared)})",
            ROUTING_POLICY_MISMATCH,
            fix="add routes (with continue: true) to a declared receiver, or change notify to what the routes do",
        )
    tree = tree_of(world)
    assert tree is not None
    _am, root = tree
    cache = new_cache()
    for table, entries, label in (("severities", spec.severities, "severity"), ("categories", spec.categories, "category")):
        for name, entry in entries.items():
            for i, receiver in enumerate(entry.notify):
                if _can_reach(root, receiver, [Matcher(label, "=", name)], cache) is False:
                    yield am.src.problem(
                        (table, name, "notify", i),
                        f"{label} {name} declares {receiver}, but no alert with {label}={name!r} can reach it: no route "
                        f"that delivers to {receiver} matches {label}={name!r}",
                        ROUTING_POLICY_MISMATCH,
                        fix=f"route {label}={name!r} alerts to {receiver} (continue: true keeps the other routes), or drop it from notify",
                    )


def _can_reach(root: Route, receiver: str, matchers: Sequence[Matcher], cache: object) -> bool | None:
    """Whether some label set that `matchers` accept is delivered to `receiver` (proved either way), or None."""
    unknown = False
    for node in root.walk():
        if node.receiver != receiver:
            continue
        required, excluded = path_conditions(node)
        final = satisfiable([*required, *matchers], [*excluded, *(list(c.matchers) for c in node.routes)], cache)  # type: ignore[arg-type]
        if isinstance(final, Sat):
            return True
        if final is not UNSAT:
            unknown = True
    return None if unknown else False


def _paging_severities(world: World) -> set[str]:
    if world.spec is not None:
        return {n for n, s in world.spec.model.severities.items() if (s.paging if s.paging is not None else n == "critical")}
    return {"critical", "page", "p1"}


def _critical_no_paging(world: World, options: Options) -> Iterator[Problem]:
    tree = tree_of(world)
    if tree is None:
        return
    am, root = tree
    receivers = am.receivers()
    if world.alerts_known and world.alerts:
        paging = _paging_severities(world)
        decided, _undecided = deliveries(world)
        for dl in decided:
            severity = dl.labels.get("severity", "")
            if severity.lower() in paging and not any(is_paging(r, receivers.get(r)) for r in dl.receivers):
                yield dl.alert.src.problem(
                    dl.alert.key,
                    f"alert {dl.alert.name} (severity {severity}) reaches {', '.join(dl.receivers) or 'nobody'}, "
                    "none of them a paging receiver",
                    CRITICAL_NO_PAGING,
                    fix="route it to a pagerduty/opsgenie receiver (or, in a spec, set paging: false on its severity)",
                )
        return
    # No alerts known: the routes written for critical alerts (a matcher on severity that accepts "critical").
    critical = [n for n in root.walk() if any(m.name == "severity" and m.matches({"severity": "critical"}) for m in n.matchers)]
    if not critical:
        return  # the config does not route by severity=critical: nothing to hold it to
    reached = {r.receiver for n in critical for r in n.walk()}
    if not any(is_paging(r, receivers.get(r)) for r in reached):
        yield am.src.problem(
            am.route_key(critical[0].path),
            f"the routes for severity=critical deliver to {', '.join(sorted(reached))}, none of them a paging receiver",
            CRITICAL_NO_PAGING,
            fix='route severity="critical" to a pagerduty/opsgenie receiver',
        )


# --- matcher texts --------------------------------------------------------------------------------

_Site = tuple[Source, KeyPath, str, list[Matcher] | MatcherError]


def matcher_sites(world: World) -> Iterator[_Site]:
    """Every matcher text of the routes, inhibit rules (and a spec's silences), parsed."""
    mode, go = am_matcher_mode(world.am_version), am_go(world.am_version)
    for src, key, text in _matcher_texts(world):
        try:
            yield src, key, text, parse_matchers(text, mode, go)
        except MatcherError as exc:
            yield src, key, text, exc


def _matcher_texts(world: World) -> Iterator[tuple[Source, KeyPath, str]]:
    src = world.spec_source()
    if world.spec is not None and src is not None:
        merged = world.spec.merged
        spec = world.spec.model

        def routes(rs: Sequence[SpecRoute], key: KeyPath) -> Iterator[tuple[Source, KeyPath, str]]:
            for i, r in enumerate(rs):
                for j, m in enumerate(r.matchers):
                    yield src, (*key, i, "matchers", j), m
                yield from routes(r.routes, (*key, i, "routes"))

        raw_routes = (merged.data.get("routing") or {}).get("routes") if isinstance(merged.data.get("routing"), dict) else None
        if not spec.routing.derived and isinstance(raw_routes, list):
            yield from routes(spec.routing.routes, ("routing", "routes"))
        for i, rule in enumerate(spec.inhibit_rules):
            for side, texts in (("source_matchers", rule.source_matchers), ("target_matchers", rule.target_matchers)):
                for j, m in enumerate(texts):
                    yield src, ("inhibit_rules", i, side, j), m
        for i, silence in enumerate(spec.silences):
            for j, m in enumerate(silence.matchers):
                yield src, ("silences", i, "matchers", j), m
        return
    am = world.am
    if am is None:
        return

    def walk(raw: Any, key: KeyPath) -> Iterator[tuple[Source, KeyPath, str]]:
        if not isinstance(raw, dict):
            return
        for j, m in enumerate(raw.get("matchers") or []):
            if isinstance(m, str):
                yield am.src, (*key, "matchers", j), m
        for name, value in raw["match_re"].items() if isinstance(raw.get("match_re"), dict) else ():
            if isinstance(value, str):
                yield am.src, (*key, "match_re", name), f'{name}=~"{value}"'
        for i, child in enumerate(raw.get("routes") or []):
            yield from walk(child, (*key, "routes", i))

    yield from walk(am.data.get("route"), ("route",))
    for i, rule in enumerate(am.data.get("inhibit_rules") or []):
        if isinstance(rule, dict):
            for side in ("source_matchers", "target_matchers"):
                for j, m in enumerate(rule.get(side) or []):
                    if isinstance(m, str):
                        yield am.src, ("inhibit_rules", i, side, j), m


def _parsed(world: World) -> Iterator[tuple[Source, KeyPath, str, list[Matcher]]]:
    for src, key, text, parsed in matcher_sites(world):
        if not isinstance(parsed, MatcherError):
            yield src, key, text, parsed


def _matcher_several_in_one(world: World, options: Options) -> Iterator[Problem]:
    for src, key, text, parsed in _parsed(world):
        if len(parsed) > 1:
            yield src.problem(
                key,
                f"{text!r} holds {len(parsed)} matchers (joined by AND) in one item",
                MATCHER_SEVERAL_IN_ONE,
                fix="write one matcher per list item: " + ", ".join(repr(str(m)) for m in parsed),
            )


def _matcher_regex_literal(world: World, options: Options) -> Iterator[Problem]:
    for src, key, _text, parsed in _parsed(world):
        for m in parsed:
            if m.op in ("=~", "!~") and m.value and not _REGEX_CHARS.search(m.value):
                yield src.problem(
                    key,
                    f"{m.name}{m.op}{m.value!r}: the regex has no special characters and is anchored, so it "
                    f"matches exactly {m.value!r}",
                    MATCHER_REGEX_LITERAL,
                    fix=f'write {m.name}{"=" if m.op == "=~" else "!="}"{m.value}" (or {m.name}{m.op}".*{m.value}.*" for a substring)',
                )


def _matcher_literal_regex(world: World, options: Options) -> Iterator[Problem]:
    for src, key, _text, parsed in _parsed(world):
        for m in parsed:
            if m.op in ("=", "!=") and _LOOKS_REGEX.search(m.value):
                yield src.problem(
                    key,
                    f"{m.name}{m.op}{m.value!r} compares literally, but the value looks like a regex",
                    MATCHER_LITERAL_REGEX,
                    fix=f'write {m.name}{"=~" if m.op == "=" else "!~"}"{m.value}"',
                )


def _matcher_unquoted_special(world: World, options: Options) -> Iterator[Problem]:
    for src, key, text, parsed in _parsed(world):
        if len(parsed) != 1:
            continue
        m = parsed[0]
        raw_value = text.split(m.op, 1)[1].strip() if m.op in text else ""
        if not raw_value.startswith('"') and _UNQUOTED_SPECIAL.search(m.value):
            yield src.problem(
                key,
                f"unquoted value {m.value!r} contains spaces or special characters",
                MATCHER_UNQUOTED_SPECIAL,
                fix=f'quote it: {m.name}{m.op}"{m.value}"',
            )


# --- am-deprecated-match --------------------------------------------------------------------------


def _equivalent(match: object, match_re: object) -> list[str]:
    out = []
    for name, value in match.items() if isinstance(match, dict) else ():
        out.append(format_matcher(str(name), "=", str(value)))
    for name, value in match_re.items() if isinstance(match_re, dict) else ():
        out.append(format_matcher(str(name), "=~", str(value)))
    return out


def _am_deprecated_match(world: World, options: Options) -> Iterator[Problem]:
    am = world.am
    if am is None or am.from_spec:
        return

    def one(raw: dict[str, Any], key: KeyPath, prefix: str, new: str) -> Iterator[Problem]:
        old = [f"{prefix}match", f"{prefix}match_re"]
        present = [o for o in old if raw.get(o) is not None]
        if not present:
            return
        lines = _equivalent(raw.get(old[0]), raw.get(old[1]))
        yield am.src.problem(
            (*key, present[0]),
            f"{' and '.join(present)} {'is' if len(present) == 1 else 'are'} deprecated",
            AM_DEPRECATED_MATCH,
            at_key=True,
            fix=f"{new}: [{', '.join(repr(x) for x in lines)}]",
        )

    def walk(raw: Any, key: KeyPath) -> Iterator[Problem]:
        if not isinstance(raw, dict):
            return
        yield from one(raw, key, "", "matchers")
        for i, child in enumerate(raw.get("routes") or []):
            yield from walk(child, (*key, "routes", i))

    yield from walk(am.data.get("route"), ("route",))
    for i, rule in enumerate(am.data.get("inhibit_rules") or []):
        if isinstance(rule, dict):
            yield from one(rule, ("inhibit_rules", i), "source_", "source_matchers")
            yield from one(rule, ("inhibit_rules", i), "target_", "target_matchers")


RULES: tuple[LintRule, ...] = (
    LintRule(ROUTING_POLICY_MISMATCH, "spec", _routing_policy_mismatch),
    LintRule(ROUTE_SHADOWED, "alertmanager", _route_shadowed),
    LintRule(ROUTE_UNREACHABLE, "alertmanager", _route_unreachable),
    LintRule(ROUTE_CONTINUE_LAST, "alertmanager", _route_continue_last),
    LintRule(ROUTE_DEEP_NESTING, "alertmanager", _route_deep_nesting),
    LintRule(RECEIVER_EMPTY, "alertmanager", _receiver_empty),
    LintRule(ROUTE_UNKNOWN_ALERTNAME, "spec", _route_unknown_alertname),
    LintRule(RECEIVER_UNUSED, "alertmanager", _receiver_unused),
    LintRule(RECEIVER_UNDEFINED, "alertmanager", _receiver_undefined),
    LintRule(ALERT_DEFAULT_ONLY, "spec", _alert_default_only),
    LintRule(CRITICAL_NO_PAGING, "alertmanager", _critical_no_paging),
    LintRule(MATCHER_REGEX_LITERAL, "alertmanager", _matcher_regex_literal),
    LintRule(MATCHER_LITERAL_REGEX, "alertmanager", _matcher_literal_regex),
    LintRule(MATCHER_UNQUOTED_SPECIAL, "alertmanager", _matcher_unquoted_special),
    LintRule(MATCHER_SEVERAL_IN_ONE, "alertmanager", _matcher_several_in_one),
    LintRule(AM_DEPRECATED_MATCH, "alertmanager", _am_deprecated_match),
)
