"""Routing: declared policy vs effective routes, dead routes and receivers, paging, matcher traps,
deprecated matcher syntax."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from callalert.analysis.alertmanager.matchers import Matcher, MatcherError, format_matcher, parse_matchers
from callalert.analysis.alertmanager.routing import Route, RoutingError, match_routes, receivers_for
from callalert.analysis.versions import am_go, am_matcher_mode
from callalert.diagnostics import KeyPath, Problem, Rule, did_you_mean
from callalert.lint.engine import LintRule, Options
from callalert.lint.rules import examples as ex
from callalert.lint.world import AMConfig, Source, World
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
    "route no alert can reach (an earlier sibling without continue takes all of its alerts)",
    "Alertmanager stops at the first matching sibling unless it has `continue: true`; a later route with the same or "
    "narrower matchers is dead. This holds for a route with `active_time_intervals` or `mute_time_intervals` too: outside "
    "its window it still matches (and notifies nobody), so an out-of-hours sibling after it never gets the alert; give "
    "the time-bound route `continue: true`.",
    bad=_config(_route("""['team="db"']""", "db-chat") + _route("""['team="db"', 'severity="critical"']"""), _DB_CHAT),
    good=_config(_route("""['team="db"', 'severity="critical"']""") + _route("""['team="db"']""", "db-chat"), _DB_CHAT),
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
AM_CONFIG_INVALID = Rule(
    "am-config-invalid",
    "error",
    AREA,
    "alertmanager.yml routing Alertmanager would reject",
    "Alertmanager keeps running the previous config (or does not start).",
    bad=_config(_route("""['team="db"']""")).replace("  group_by: [alertname]\n", "  matchers: ['env=\"prod\"']\n"),
    good=_config(_route("""['team="db"', 'env="prod"']""")),
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


def _tree(world: World) -> tuple[AMConfig, Route] | None:
    """The config and its route tree, when there is a config and Alertmanager would build its tree."""
    am = world.am
    if am is None:
        return None
    root = am.route_tree()
    return None if isinstance(root, Exception) else (am, root)


# --- the route tree ------------------------------------------------------------------------------


def _am_config_invalid(world: World, options: Options) -> Iterator[Problem]:
    bad_inhibit_matchers = False
    if world.spec is None:  # validate checks a spec's matchers
        for src, key, text, parsed in _matcher_sites(world):
            if isinstance(parsed, MatcherError):
                bad_inhibit_matchers = bad_inhibit_matchers or key[0] == "inhibit_rules"
                yield src.problem(
                    key,
                    f"invalid matcher {text!r}: {parsed}",
                    AM_CONFIG_INVALID,
                    fix='write label="value", label!="value", label=~"regex" or label!~"regex"',
                )
    am = world.am
    if am is None:
        return
    root = am.route_tree()
    if isinstance(root, RoutingError):
        if "undefined receiver" not in str(root):
            yield am.src.problem(
                ("route",),
                f"Alertmanager would reject this routing: {root}",
                AM_CONFIG_INVALID,
                fix="see https://prometheus.io/docs/alerting/latest/configuration/#route",
            )
    elif isinstance(root, Exception):
        yield am.src.problem(("route",), f"cannot read the route tree: {root}", AM_CONFIG_INVALID)
    if not am.from_spec and not bad_inhibit_matchers:  # a spec's inhibit rules are validated with the spec
        from callalert.analysis.alertmanager.inhibit import build_inhibit_rules

        try:
            build_inhibit_rules(am.data.get("inhibit_rules"), am.am_version)
        except RoutingError as exc:
            yield am.src.problem(
                ("inhibit_rules",),
                f"Alertmanager would reject these inhibit rules: {exc}",
                AM_CONFIG_INVALID,
                fix="see https://prometheus.io/docs/alerting/latest/configuration/#inhibit_rule",
            )


def _receiver_undefined(world: World, options: Options) -> Iterator[Problem]:
    am = world.am
    if am is None or am.from_spec:  # validate checks a spec's receivers
        return
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


def _route_shadowed(world: World, options: Options) -> Iterator[Problem]:
    tree = _tree(world)
    if tree is None:
        return
    am, root = tree
    for node in root.walk():
        for j, later in enumerate(node.routes):
            for earlier in node.routes[:j]:
                if earlier.continue_:
                    continue
                # every alert `later` matches also matches `earlier` when earlier's matchers are a subset
                if set(map(str, earlier.matchers)) <= set(map(str, later.matchers)):
                    yield am.src.problem(
                        am.route_key(later.path),
                        f"route {later.matchers_text()} (receiver {later.receiver}) is unreachable: the earlier sibling "
                        f"{earlier.matchers_text()} (receiver {earlier.receiver}) takes every alert it matches and does not continue"
                        + (
                            " (also outside its time intervals: a muted route still matches)"
                            if earlier.active_time_intervals or earlier.mute_time_intervals
                            else ""
                        ),
                        ROUTE_SHADOWED,
                        fix="move the narrower route first, or add `continue: true` to the earlier one",
                    )
                    break


def _receiver_unused(world: World, options: Options) -> Iterator[Problem]:
    tree = _tree(world)
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
    tree = _tree(world)
    if tree is None or not (world.alerts_known and world.alerts):
        return
    _am, root = tree
    if not root.routes:
        return
    cache: dict[tuple[tuple[str, str], ...], bool] = {}
    for alert in world.alerts:
        labels = tuple(sorted(alert.labels.items()))
        if labels not in cache:
            cache[labels] = match_routes(root, dict(labels)) == [root]
        if cache[labels]:
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


def _reached(root: Route, labels: dict[str, str]) -> list[str]:
    return list(dict.fromkeys(receivers_for(root, labels)))


def _categories(world: World) -> list[str | None]:
    assert world.spec is not None
    return [*world.spec.model.categories, None]


def _declared_and_reached(world: World, root: Route, severity: str) -> Iterator[tuple[str | None, list[str], list[str]]]:
    """(category, receivers the tables declare, receivers the routes reach) per category and none."""
    assert world.spec is not None
    spec = world.spec.model
    sev = spec.severities[severity]
    for cat in _categories(world):
        labels = {"alertname": "", "severity": severity}
        declared: list[str] = list(sev.notify)
        if cat is not None:
            labels["category"] = cat
            declared += [r for r in spec.categories[cat].notify if r not in declared]
        yield cat, declared, _reached(root, labels)


def _routing_policy_mismatch(world: World, options: Options) -> Iterator[Problem]:
    tree = _tree(world)
    if tree is None or world.spec is None:
        return
    am, root = tree
    if am.routes_derived:  # the routes are the tables
        return
    categories = _categories(world)
    for sev_name in world.spec.model.severities:
        outcomes: dict[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]], list[str]] = {}
        for cat, declared, got in _declared_and_reached(world, root, sev_name):
            if not declared:
                continue  # no declared policy to compare the explicit routes with (notify is optional then)
            missing = tuple(r for r in declared if r not in got)
            extra = tuple(r for r in got if r not in declared)
            if missing or extra:
                outcomes.setdefault((tuple(got), tuple(declared), missing, extra), []).append(
                    cat if cat is not None else "(none)"
                )
        for (got_t, declared_t, missing, extra), cats in outcomes.items():
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if extra:
                parts.append(f"not declared: {', '.join(extra)}")
            what = f"category {'|'.join(cats)}" if len(cats) < len(categories) else "every category"
            yield am.src.problem(
                ("severities", sev_name, "notify"),
                f"severity={sev_name}, {what}: the routes deliver to {', '.join(got_t) or 'nobody'}, but the severity/category "
                f"tables declare {', '.join(declared_t)} ({'; '.join(parts)})",
                ROUTING_POLICY_MISMATCH,
                fix="add routes (with continue: true) for the missing receivers, or change notify to what the routes do",
            )


def _critical_no_paging(world: World, options: Options) -> Iterator[Problem]:
    tree = _tree(world)
    if tree is None:
        return
    am, root = tree
    receivers = am.receivers()
    if world.spec is not None:
        for sev_name, sev in world.spec.model.severities.items():
            if not (sev.paging if sev.paging is not None else sev_name == "critical"):
                continue
            no_paging = [
                cat or "(none)"
                for cat, _declared, got in _declared_and_reached(world, root, sev_name)
                if not any(is_paging(r, receivers.get(r)) for r in got)
            ]
            if no_paging:
                yield am.src.problem(
                    ("severities", sev_name),
                    f"severity {sev_name} pages, but alerts of category {'|'.join(no_paging)} reach no paging receiver",
                    CRITICAL_NO_PAGING,
                    at_key=True,
                    fix="route it to a pagerduty/opsgenie receiver (or set paging: false)",
                )
        return
    # Routes written for critical alerts: a matcher on severity that accepts "critical".
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


def _matcher_sites(world: World) -> Iterator[_Site]:
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
    for src, key, text, parsed in _matcher_sites(world):
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
    LintRule(RECEIVER_UNUSED, "alertmanager", _receiver_unused),
    LintRule(RECEIVER_UNDEFINED, "alertmanager", _receiver_undefined),
    LintRule(AM_CONFIG_INVALID, "alertmanager", _am_config_invalid),
    LintRule(ALERT_DEFAULT_ONLY, "spec", _alert_default_only),
    LintRule(CRITICAL_NO_PAGING, "alertmanager", _critical_no_paging),
    LintRule(MATCHER_REGEX_LITERAL, "alertmanager", _matcher_regex_literal),
    LintRule(MATCHER_LITERAL_REGEX, "alertmanager", _matcher_literal_regex),
    LintRule(MATCHER_UNQUOTED_SPECIAL, "alertmanager", _matcher_unquoted_special),
    LintRule(MATCHER_SEVERAL_IN_ONE, "alertmanager", _matcher_several_in_one),
    LintRule(AM_DEPRECATED_MATCH, "alertmanager", _am_deprecated_match),
)
