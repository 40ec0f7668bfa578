"""The spec's `tests:` section: rule tests compiled to promtool unit-test files, routing tests
evaluated with callalert.routing, their validation, and test coverage.

promtool compares the *whole* annotation set of an alert, while a spec test names only the
annotations it cares about. Rendering the unnamed annotations ourselves would mean
re-implementing Prometheus' template engine (humanize, printf, query...). Instead each test
runs against a generated copy of the alert's rule group under `prometheus/tests/rules/` whose
alert keeps only the annotations the test names. The expression, `for`, the labels and the
group's recording rules are unchanged, so a passing test still proves the rule that ships.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from callalert.diagnostics import Problem, did_you_mean

if TYPE_CHECKING:
    from callalert.spec.load import Merged
    from callalert.model.resolve import Resolved, ResolvedAlert
    from callalert.analysis.alertmanager.routing import Route
    from callalert.spec.v1 import RoutingTest, RuleExpectation, RuleTest

TESTS_DIR = "prometheus/tests"
_SERIES_RE = re.compile(r"^(?:[a-zA-Z_:][a-zA-Z0-9_:]*\s*(?:\{.*\})?|\{.*\})$", re.S)


# --- rule tests → promtool files ------------------------------------------------------------


@dataclass
class PromtoolFile:
    """One promtool unit-test file and the trimmed rule-group copy it runs against."""

    alert: str
    path: str  # relative to the output root
    rules_path: str
    annotations: tuple[str, ...]
    cases: list[tuple[int, RuleTest, list[RuleExpectation]]] = field(default_factory=list)  # (index in tests.rules, test, expectations)


def expectation_annotations(exp: RuleExpectation) -> tuple[str, ...] | None:
    """The annotation names an expectation compares (None: no alerts, fits any file)."""
    if not exp.alerts:
        return None
    names: list[str] = []
    for alert in exp.alerts:
        for name in alert.annotations:
            if name not in names:
                names.append(name)
    return tuple(sorted(names))


def plan(resolved: Resolved) -> list[PromtoolFile]:
    """Which promtool files the rule tests compile to (one per alert and compared annotation set)."""
    by_alert: dict[str, list[PromtoolFile]] = {}
    known = {a.name for a in resolved.alerts}
    rule_tests = list(enumerate(resolved.spec.tests.rules))
    # tests that only assert silence compare no annotations: they join the alert's first file,
    # so they go last and an alert's tests usually share one file
    rule_tests.sort(key=lambda it: all(not e.alerts for e in it[1].expect))
    for index, test in rule_tests:
        if test.alert not in known:
            continue
        files = by_alert.setdefault(test.alert, [])
        if files and all(not e.alerts for e in test.expect):
            files[0].cases.append((index, test, list(test.expect)))
            continue
        groups: dict[tuple[str, ...], list[RuleExpectation]] = {}
        pending_empty: list[RuleExpectation] = []
        for exp in test.expect:
            names = expectation_annotations(exp)
            if names is None:
                pending_empty.append(exp)
            else:
                groups.setdefault(names, []).append(exp)
        if pending_empty:
            # "does not fire" checks compare nothing: run them with the test's first annotation set
            first = next(iter(groups), ())
            groups.setdefault(first, [])
            groups[first] = sorted(groups[first] + pending_empty, key=lambda e: test.expect.index(e))
        for names, exps in groups.items():
            target = next((f for f in files if f.annotations == names), None)
            if target is None:
                n = len(files) + 1
                suffix = "" if n == 1 else f".{n}"
                target = PromtoolFile(
                    test.alert,
                    f"{TESTS_DIR}/{test.alert}{suffix}.test.yml",
                    f"{TESTS_DIR}/rules/{test.alert}{suffix}.yml",
                    names,
                )
                files.append(target)
            target.cases.append((index, test, exps))
    out = [f for files in by_alert.values() for f in files]
    for pf in out:
        pf.cases.sort(key=lambda case: case[0])
    return sorted(out, key=lambda f: f.path)


def _test_name(index: int, test: RuleTest) -> str:
    return test.name or f"tests.rules[{index}] {test.alert}"


def compile_file(resolved: Resolved, pf: PromtoolFile) -> tuple[dict[str, Any], dict[str, Any]]:
    """(promtool test file data, rule file data) for one planned file."""
    from callalert.render.prometheus import alert_rule, group_data

    alert = next(a for a in resolved.alerts if a.name == pf.alert)
    group = next(g for g in resolved.groups if g.name == alert.group)
    rule = alert_rule(alert)
    rule["annotations"] = {k: v for k, v in alert.annotations.items() if k in pf.annotations}
    if not rule["annotations"]:
        del rule["annotations"]
    group_rules = group_data(group, [rule])

    tests: list[dict[str, Any]] = []
    for index, test, exps in pf.cases:
        case: dict[str, Any] = {"name": _test_name(index, test), "interval": test.interval}
        case["input_series"] = [{"series": s.series, "values": s.values} for s in test.series]
        checks = []
        for exp in exps:
            exp_alerts = []
            for expected in exp.alerts:
                item: dict[str, Any] = {"exp_labels": {**alert.labels, **expected.labels}}
                if expected.annotations:
                    item["exp_annotations"] = dict(expected.annotations)
                exp_alerts.append(item)
            checks.append({"eval_time": exp.eval_time, "alertname": alert.name, "exp_alerts": exp_alerts})
        case["alert_rule_test"] = checks
        tests.append(case)
    rules_rel = pf.rules_path[len(TESTS_DIR) + 1:]
    test_data = {"rule_files": [rules_rel], "evaluation_interval": group.interval or "1m", "tests": tests}
    return test_data, {"groups": [group_rules]}


def render(resolved: Resolved) -> dict[str, str]:
    from callalert.render.yamlout import dump, header

    files: dict[str, str] = {}
    head = header(resolved.source_name)
    for pf in plan(resolved):
        test_data, rule_data = compile_file(resolved, pf)
        kept = ", ".join(pf.annotations) or "none"
        note = (
            f"# Rule group {rule_data['groups'][0]['name']!r} for the tests of {pf.alert}: the alert keeps only the "
            f"annotations its tests compare ({kept}); expr, for and labels are those of prometheus/rules/.\n"
        )
        files[pf.rules_path] = head + note + dump(rule_data)
        files[pf.path] = head + f"# Run: promtool test rules {pf.path}\n" + dump(test_data)
    return files


# --- routing tests ---------------------------------------------------------------------------


def routing_labels(resolved: Resolved, test: RoutingTest) -> dict[str, str]:
    labels: dict[str, str] = {}
    if test.alert is not None:
        alert = next((a for a in resolved.alerts if a.name == test.alert), None)
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
    """amtool 0.25 `config routes test` knows neither inhibition nor time nor silences."""
    return bool(test.firing) or test.at is not None


@dataclass
class RoutingOutcome:
    receivers: list[str]
    why: list[str]  # reasons receivers were dropped (inhibited, muted, silenced)


def silenced_by(resolved: Resolved, labels: Mapping[str, str], at: datetime) -> int | None:
    from datetime import timezone

    from callalert.analysis.alertmanager.matchers import parse_matcher

    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    for i, silence in enumerate(resolved.spec.silences):
        starts = silence.starts_at if silence.starts_at.tzinfo else silence.starts_at.replace(tzinfo=timezone.utc)
        ends = silence.ends_at if silence.ends_at.tzinfo else silence.ends_at.replace(tzinfo=timezone.utc)
        if starts <= at < ends and all(parse_matcher(m).matches(labels) for m in silence.matchers):
            return i
    return None


def evaluate_routing(resolved: Resolved, config: Mapping[str, Any], root: Route, test: RoutingTest) -> RoutingOutcome:
    from callalert.analysis.alertmanager.routing import deliver

    labels = routing_labels(resolved, test)
    result = deliver(config, labels, [dict(f) for f in test.firing], test.at, root=root)
    why: list[str] = []
    if result.inhibited_by is not None:
        rule, source = result.inhibited_by
        src = ", ".join(f"{k}={v}" for k, v in source.items())
        why.append(f"inhibited by {rule.path} (source alert {{{src}}})")
    for path, reason in result.muted.items():
        why.append(f"{path} {reason}")
    receivers = result.notified
    if test.at is not None:
        index = silenced_by(resolved, labels, test.at)
        if index is not None:
            why.append(f"silenced by silences[{index}]")
            receivers = []
    return RoutingOutcome(receivers, why)


# --- coverage --------------------------------------------------------------------------------


def untested_alerts(resolved: Resolved) -> list[str]:
    tested = {t.alert for t in resolved.spec.tests.rules}
    return [a.name for a in resolved.alerts if a.name not in tested]


def unreached_routes(resolved: Resolved, root: Route) -> list[Route]:
    from callalert.analysis.alertmanager.routing import match_routes

    reached: set[str] = set()
    for test in resolved.spec.tests.routing:
        for route in match_routes(root, routing_labels(resolved, test)):
            node: Route | None = route
            while node is not None:  # a matched route implies its parents were entered
                reached.add(node.path)
                node = node.parent
    # the root counts as reached only when some test falls through to it
    fell_through = any(
        [r.path for r in match_routes(root, routing_labels(resolved, t))] == [root.path] for t in resolved.spec.tests.routing
    )
    out = [r for r in root.walk() if r.path not in reached or (r is root and not fell_through)]
    return out


# --- validation ------------------------------------------------------------------------------


def check_tests(resolved: Resolved, merged: Merged) -> Iterator[Problem]:
    """Positioned problems of the `tests:` section (registered in callalert.checks.run_all)."""
    tests = resolved.spec.tests
    alerts: dict[str, ResolvedAlert] = {a.name: a for a in resolved.alerts}
    for i, test in enumerate(tests.rules):
        key = ("tests", "rules", i)
        alert = alerts.get(test.alert)
        if alert is None:
            yield merged.problem(
                (*key, "alert"),
                f"unknown alert {test.alert!r}{did_you_mean(test.alert, alerts)} (rule tests test alerts of `groups`)",
                "unknown-alert",
            )
        for j, series in enumerate(test.series):
            yield from _series_problems(merged, (*key, "series", j, "series"), series.series)
        if not test.expect:
            yield merged.problem((*key, "expect"), "a rule test needs at least one expectation (eval_time and alerts)", "rule-test")
        for j, exp in enumerate(test.expect):
            names = expectation_annotations(exp) or ()
            for k, expected in enumerate(exp.alerts):
                akey = (*key, "expect", j, "alerts", k)
                missing = [n for n in names if n not in expected.annotations]
                if missing:
                    yield merged.problem(
                        (*akey, "annotations") if expected.annotations else akey,
                        f"name the same annotations in every alert of one expectation (missing: {', '.join(missing)}): "
                        "promtool compares each alert's whole annotation set",
                        "rule-test",
                    )
                if alert is None:
                    continue
                for name in expected.annotations:
                    if name not in alert.annotations:
                        yield merged.problem(
                            (*akey, "annotations", name),
                            f"alert {alert.name} has no annotation {name!r}{did_you_mean(name, alert.annotations)} "
                            f"(it has: {', '.join(alert.annotations)})",
                            "rule-test",
                            at_key=True,
                        )
    receivers = set(resolved.spec.receivers)
    for i, rtest in enumerate(tests.routing):
        key = ("tests", "routing", i)
        if rtest.alert is not None and rtest.alert not in alerts:
            yield merged.problem(
                (*key, "alert"), f"unknown alert {rtest.alert!r}{did_you_mean(rtest.alert, alerts)}", "unknown-alert"
            )
        if rtest.alert is None and not rtest.labels:
            yield merged.problem(key, "a routing test needs `alert` or `labels` (the label set to route)", "routing-test")
        for j, name in enumerate(rtest.receivers):
            if name not in receivers:
                yield merged.problem(
                    (*key, "receivers", j),
                    f"unknown receiver {name!r}{did_you_mean(name, receivers)} (defined: {', '.join(sorted(receivers))})",
                    "unknown-receiver",
                )


def _series_problems(merged: Merged, key: tuple[str | int, ...], text: str) -> Iterator[Problem]:
    try:
        from callalert.analysis.promql import check_syntax
    except ImportError:  # pragma: no cover - promql support is optional at import time
        return
    found = list(check_syntax(text))
    if found:
        yield merged.problem(key, f"invalid series {text!r}: {found[0].message} (write metric{{label=\"value\"}})", "series-syntax")
        return
    if not _SERIES_RE.match(text.strip()):
        yield merged.problem(key, f"invalid series {text!r}: write one series, metric{{label=\"value\"}}", "series-syntax")


def labels_text(labels: Mapping[str, str]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


def receivers_text(receivers: Sequence[str]) -> str:
    return "[" + ", ".join(receivers) + "]"
