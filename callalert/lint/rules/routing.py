"""Routing: declared policy vs effective routes, dead routes and receivers, paging, matcher traps."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from callalert.diagnostics import KeyPath, Problem
from callalert.lint.engine import Options, register
from callalert.lint.world import AMConfig, World

register(
    "routing-policy-mismatch",
    "warning",
    "routing",
    "routes deliver to other receivers than the severity/category table declares",
    "The table is what people read and promise; the routes are what Alertmanager does. When they differ, someone is not told.",
    "severities:\n  critical: {notify: [pagerduty, sms]}\nrouting:\n  routes:\n    - {matchers: ['severity=\"critical\"'], receiver: pagerduty}",
    "routing:\n  routes:\n    - {matchers: ['severity=\"critical\"'], receiver: pagerduty, continue: true}\n    - {matchers: ['severity=\"critical\"'], receiver: sms}",
)
register(
    "route-shadowed",
    "warning",
    "routing",
    "route no alert can reach (an earlier sibling without continue takes all of its alerts)",
    "Alertmanager stops at the first matching sibling unless it has `continue: true`; a later route with the same or "
    "narrower matchers is dead. This holds for a route with `active_time_intervals` or `mute_time_intervals` too: outside "
    "its window it still matches (and notifies nobody), so an out-of-hours sibling after it never gets the alert; give "
    "the time-bound route `continue: true`.",
    "routes:\n  - {matchers: ['severity=\"critical\"'], receiver: a}\n  - {matchers: ['severity=\"critical\"', 'team=\"db\"'], receiver: b}",
    "routes:\n  - {matchers: ['severity=\"critical\"', 'team=\"db\"'], receiver: b}\n  - {matchers: ['severity=\"critical\"'], receiver: a}",
)
register(
    "receiver-unused",
    "warning",
    "routing",
    "receiver no route uses",
    "A receiver nobody routes to is either dead configuration or a promise (like SMS for critical alerts) that is not kept.",
    "receivers: [{name: sms, webhook_configs: [...]}]   # in no route",
    "routes: [{matchers: ['severity=\"critical\"'], receiver: sms}]",
)
register(
    "receiver-undefined",
    "error",
    "routing",
    "route names a receiver that is not defined",
    "Alertmanager refuses to load the config.",
    "route: {receiver: team-x}   # no receiver team-x",
    "receivers: [{name: team-x, ...}]",
)
register(
    "am-config-invalid",
    "error",
    "routing",
    "alertmanager.yml routing Alertmanager would reject",
    "Alertmanager keeps running the previous config (or does not start).",
    "route: {receiver: a, matchers: [...]}  # root with matchers",
    "route: {receiver: a}",
)
register(
    "alert-default-only",
    "info",
    "routing",
    "alert that matches no route and only reaches the root receiver",
    "Usually a label typo or a forgotten route: the alert goes to the catch-all receiver.",
    "labels: {severity: crtical}",
    "labels: {severity: critical}",
)
register(
    "critical-no-paging",
    "warning",
    "routing",
    "critical alerts reach no paging receiver",
    "A paging receiver is one with pagerduty/opsgenie/victorops/pushover configs, or named like pager/paging/sms/phone/oncall. "
    "Critical alerts that only reach chat or email wait until someone looks.",
    "routes: [{matchers: ['severity=\"critical\"'], receiver: slack}]",
    "routes: [{matchers: ['severity=\"critical\"'], receiver: pagerduty, continue: true}, {matchers: ['severity=\"critical\"'], receiver: slack}]",
)
register(
    "matcher-regex-literal",
    "info",
    "routing",
    "=~ with a value that has no regex characters",
    'Alertmanager anchors regexes (^(?:x)$): `=~"crit"` matches only `crit`, never `critical`. If exact is meant, `=` says so.',
    "matchers: ['severity=~\"crit\"']",
    'matchers: [\'severity="critical"\']  # or severity=~"crit.*"',
)
register(
    "matcher-literal-regex",
    "warning",
    "routing",
    "= with a value that looks like a regex",
    '`=` compares literally: `category="availability|errors"` matches only that exact string.',
    "matchers: ['category=\"availability|errors\"']",
    "matchers: ['category=~\"availability|errors\"']",
)
register(
    "matcher-unquoted-special",
    "warning",
    "routing",
    "unquoted matcher value with special characters",
    "Newer Alertmanager matcher parsing (0.27+, UTF-8 mode) reads unquoted values with spaces, commas, braces or quotes differently or rejects them.",
    "matchers: ['team=db ops']",
    "matchers: ['team=\"db ops\"']",
)
register(
    "matcher-several-in-one",
    "info",
    "routing",
    "one matcher list item holds several matchers",
    "`a=1,b=2` in one item is two matchers joined by AND, not an alternative; one per item reads as what it does.",
    "matchers: ['severity=critical,team=db']",
    "matchers: ['severity=\"critical\"', 'team=\"db\"']",
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


def check(world: World, options: Options) -> Iterator[Problem]:
    yield from _matcher_texts(world)
    am = world.am
    if am is None:
        return
    from callalert.analysis.alertmanager.routing import RoutingError, build_route_tree

    receivers = am.receivers()
    if not am.from_spec:
        yield from _undefined_receivers(am, receivers)
    config = {k: v for k, v in am.data.items() if k != "receivers"}
    try:
        root = build_route_tree(config)
    except RoutingError as exc:
        if "undefined receiver" not in str(exc):
            yield am.src.problem(
                ("route",),
                f"Alertmanager would reject this routing: {exc}",
                "am-config-invalid",
                fix="see https://prometheus.io/docs/alerting/latest/configuration/#route",
            )
        return
    except Exception as exc:
        yield am.src.problem(("route",), f"cannot read the route tree: {exc}", "am-config-invalid")
        return
    yield from _shadowed(am, root)
    used = {node.receiver for node in root.walk()}
    for name in receivers:
        if name not in used:
            yield am.src.problem(
                am.receiver_key(name),
                f"receiver {name!r} is not used by any route",
                "receiver-unused",
                at_key=am.from_spec,
                fix=f"route alerts to {name!r}, or remove it",
            )
    if world.alerts_known and world.alerts:
        yield from _default_only(world, root)
    if am.from_spec:
        yield from _policy(world, root, receivers)
    else:
        yield from _plain_paging(world, am, root, receivers)


def _undefined_receivers(am: AMConfig, receivers: dict[str, Any]) -> Iterator[Problem]:
    def walk(raw: Any, key: KeyPath) -> Iterator[Problem]:
        if not isinstance(raw, dict):
            return
        name = raw.get("receiver")
        if name and str(name) not in receivers:
            from callalert.diagnostics import did_you_mean

            yield am.src.problem(
                (*key, "receiver"),
                f"receiver {name!r} is not defined{did_you_mean(str(name), receivers)}",
                "receiver-undefined",
                fix=f"add `- name: {name}` under receivers, or fix the name",
            )
        for i, child in enumerate(raw.get("routes") or []):
            yield from walk(child, (*key, "routes", i))

    yield from walk(am.data.get("route"), ("route",))


def _shadowed(am: AMConfig, root: Any) -> Iterator[Problem]:
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
                        "route-shadowed",
                        fix="move the narrower route first, or add `continue: true` to the earlier one",
                    )
                    break


def _default_only(world: World, root: Any) -> Iterator[Problem]:
    from callalert.analysis.alertmanager.routing import match_routes

    if not root.routes:
        return
    cache: dict[tuple[tuple[str, str], ...], bool] = {}
    for alert in world.alerts:
        labels = tuple(sorted(alert.labels.items()))
        if labels not in cache:
            routes = match_routes(root, dict(labels))
            cache[labels] = routes == [root]
        if cache[labels]:
            # only provable when no route could match through labels the metrics might add
            if any(alert.can_have(m.name) is None for n in root.walk() for m in n.matchers if m.name not in alert.labels):
                continue
            yield alert.src.problem(
                alert.key,
                f"alert {alert.name} matches no route: only the default receiver {root.receiver!r} gets it",
                "alert-default-only",
                fix="check its labels (severity, category, team ...) against the routes",
            )


def _reached(root: Any, labels: dict[str, str]) -> list[str]:
    from callalert.analysis.alertmanager.routing import receivers_for

    return list(dict.fromkeys(receivers_for(root, labels)))


def _policy(world: World, root: Any, receivers: dict[str, Any]) -> Iterator[Problem]:
    assert world.spec is not None
    spec = world.spec.model
    categories: list[str | None] = [*spec.categories, None]
    for sev_name, sev in spec.severities.items():
        paging = sev.paging if sev.paging is not None else sev_name == "critical"
        outcomes: dict[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]], list[str]] = {}
        no_paging: list[str] = []
        for cat in categories:
            labels = {"alertname": "", "severity": sev_name}
            declared: list[str] = list(sev.notify)
            if cat is not None:
                labels["category"] = cat
                declared += [r for r in spec.categories[cat].notify if r not in declared]
            got = _reached(root, labels)
            if paging and not any(is_paging(r, receivers.get(r)) for r in got):
                no_paging.append(cat or "(none)")
            if world.am is not None and world.am.routes_derived:
                continue
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
            yield world.am.src.problem(  # type: ignore[union-attr]
                ("severities", sev_name, "notify"),
                f"severity={sev_name}, {what}: the routes deliver to {', '.join(got_t) or 'nobody'}, but the severity/category "
                f"tables declare {', '.join(declared_t)} ({'; '.join(parts)})",
                "routing-policy-mismatch",
                fix="add routes (with continue: true) for the missing receivers, or change notify to what the routes do",
            )
        if no_paging:
            yield world.am.src.problem(  # type: ignore[union-attr]
                ("severities", sev_name),
                f"severity {sev_name} pages, but alerts of category {'|'.join(no_paging)} reach no paging receiver",
                "critical-no-paging",
                at_key=True,
                fix="route it to a pagerduty/opsgenie receiver (or set paging: false)",
            )


def _plain_paging(world: World, am: AMConfig, root: Any, receivers: dict[str, Any]) -> Iterator[Problem]:
    # Routes written for critical alerts: a matcher on severity that accepts "critical".
    critical = [n for n in root.walk() if any(m.name == "severity" and m.matches({"severity": "critical"}) for m in n.matchers)]
    if not critical:
        return  # the config does not route by severity=critical: nothing to hold it to
    reached = {r.receiver for n in critical for r in n.walk()}
    if not any(is_paging(r, receivers.get(r)) for r in reached):
        node = critical[0]
        yield am.src.problem(
            am.route_key(node.path),
            f"the routes for severity=critical deliver to {', '.join(sorted(reached))}, none of them a paging receiver",
            "critical-no-paging",
            fix='route severity="critical" to a pagerduty/opsgenie receiver',
        )


# --- matcher texts ------------------------------------------------------------------------


def _matcher_sites(world: World) -> Iterator[tuple[Any, KeyPath, str]]:
    if world.spec is not None:
        from callalert.lint.world import Source

        merged = world.spec.merged
        src = Source(lambda key, at_key: merged.locate(key, at_key=at_key))
        spec = world.spec.model

        def routes(rs: Sequence[Any], key: KeyPath) -> Iterator[tuple[Any, KeyPath, str]]:
            for i, r in enumerate(rs):
                for j, m in enumerate(r.matchers):
                    yield src, (*key, i, "matchers", j), m
                yield from routes(r.routes, (*key, i, "routes"))

        raw_routes = (merged.data.get("routing") or {}).get("routes") if isinstance(merged.data.get("routing"), dict) else None
        if not spec.routing.derived and isinstance(raw_routes, list):
            yield from routes(spec.routing.routes, ("routing", "routes"))
        for i, rule in enumerate(spec.inhibit_rules):
            for side in ("source_matchers", "target_matchers"):
                for j, m in enumerate(getattr(rule, side)):
                    yield src, ("inhibit_rules", i, side, j), m
        for i, silence in enumerate(spec.silences):
            for j, m in enumerate(silence.matchers):
                yield src, ("silences", i, "matchers", j), m
        return
    am = world.am
    if am is None:
        return

    def walk(raw: Any, key: KeyPath) -> Iterator[tuple[Any, KeyPath, str]]:
        if not isinstance(raw, dict):
            return
        for j, m in enumerate(raw.get("matchers") or []):
            if isinstance(m, str):
                yield am.src, (*key, "matchers", j), m
        for name, value in (raw.get("match_re") or {}).items() if isinstance(raw.get("match_re"), dict) else ():
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


def _matcher_texts(world: World) -> Iterator[Problem]:
    from callalert.analysis.alertmanager.matchers import MatcherError, parse_matchers

    for src, key, text in _matcher_sites(world):
        try:
            parsed = parse_matchers(text)
        except MatcherError as exc:
            if world.spec is None:
                yield src.problem(
                    key,
                    f"invalid matcher {text!r}: {exc}",
                    "am-config-invalid",
                    fix='write label="value", label!="value", label=~"regex" or label!~"regex"',
                )
            continue
        if len(parsed) > 1:
            yield src.problem(
                key,
                f"{text!r} holds {len(parsed)} matchers (joined by AND) in one item",
                "matcher-several-in-one",
                fix="write one matcher per list item: " + ", ".join(repr(str(m)) for m in parsed),
            )
        for m in parsed:
            raw_value = text.split(m.op, 1)[1].strip() if m.op in text else ""
            quoted = raw_value.startswith('"')
            if m.op in ("=~", "!~") and m.value and not _REGEX_CHARS.search(m.value):
                yield src.problem(
                    key,
                    f"{m.name}{m.op}{m.value!r}: the regex has no special characters and is anchored, so it "
                    f"matches exactly {m.value!r}",
                    "matcher-regex-literal",
                    fix=f'write {m.name}{"=" if m.op == "=~" else "!="}"{m.value}" (or {m.name}{m.op}".*{m.value}.*" for a substring)',
                )
            if m.op in ("=", "!=") and _LOOKS_REGEX.search(m.value):
                yield src.problem(
                    key,
                    f"{m.name}{m.op}{m.value!r} compares literally, but the value looks like a regex",
                    "matcher-literal-regex",
                    fix=f'write {m.name}{"=~" if m.op == "=" else "!~"}"{m.value}"',
                )
            if len(parsed) == 1 and not quoted and _UNQUOTED_SPECIAL.search(m.value):
                yield src.problem(
                    key,
                    f"unquoted value {m.value!r} contains spaces or special characters",
                    "matcher-unquoted-special",
                    fix=f'quote it: {m.name}{m.op}"{m.value}"',
                )
