"""PromQL of rules and recording rules, and the rule-file keys of groups and alerts: what the target
Prometheus would refuse to load, or load and then evaluate to nothing."""

from __future__ import annotations

from collections.abc import Iterator

from callalert import diagnostics as d
from callalert.analysis.promql import analysis_limit_problem, check_syntax
from callalert.analysis.promql.functions import release_line
from callalert.analysis.promql.pitfalls import short_ranges
from callalert.analysis.promql.versions import (
    EXPERIMENTAL_FUNCTIONS,
    FLAGS,
    RULE_FIELDS,
    Dialect,
    prom_unproven_note,
    prom_unreleased,
    rule_field_problem,
)
from callalert.analysis.versions import Version
from callalert.diagnostics import RULES, KeyPath, Problem
from callalert.model import Group, Model
from callalert.spec.load import Merged
from callalert.spec.v1 import duration_seconds, label_name_problem

# Rule label and annotation names: legacy (letters, digits, _) up to Prometheus 2.55, any UTF-8
# from 3.0 (docs/versions: promtool 2.42 and 2.53 refuse `bad key`, 3.5 accepts it).
UTF8_RULE_LABEL_NAMES = Version.parse("3.0")

_TARGET_KEY = ("defaults", "targets", "prometheus")


def check(model: Model, merged: Merged) -> Iterator[Problem]:
    head, groups = check_head(model, merged)
    yield from head
    if groups:
        for index in range(len(model.groups)):
            yield from check_group(model, merged, index)


def check_head(model: Model, merged: Merged) -> tuple[list[Problem], bool]:
    """What `check` finds of the spec as a whole (its target, its features), and whether its
    groups are checked too (`check_group`, each on its own: validate shares them between two
    processes; not when the target is no Prometheus release)."""
    unreleased = prom_unreleased(model.prom_version)
    if unreleased is not None:
        fix = "target a Prometheus release from 2.0 to 3.14 (docs/versions.md)"
        return [merged.problem(_TARGET_KEY, unreleased, d.TARGET_VERSION, fix=fix)], False
    found = []
    note = prom_unproven_note(model.prom_version)
    if note is not None:
        found.append(merged.problem(_TARGET_KEY, note, d.TARGET_UNPROVEN, fix="`callalert versions` shows what each release has"))
    found.extend(_features(model, merged))
    return found, True


def check_group(model: Model, merged: Merged, index: int) -> Iterator[Problem]:
    """What `check` finds in the group `model.groups[index]`: its rule fields, its rules' PromQL
    and ranges, its label and annotation names."""
    group = model.groups[index]
    yield from _rule_fields(model, merged, group)
    yield from _syntax_and_ranges(model, merged, group)
    yield from _label_names(model, merged, group)


def _label_names(model: Model, merged: Merged, group: Group) -> Iterator[Problem]:
    """Rule label and annotation names the target Prometheus accepts: any UTF-8 from 3.0, when the
    spec names that target (a name only Prometheus 3 takes is a choice to write down, not a default)."""
    targets = model.defaults.targets
    utf8 = targets.prometheus_written and Version.parse(model.prom_version) >= UTF8_RULE_LABEL_NAMES
    named: list[tuple[KeyPath, str]] = [((*group.key, "labels", name), name) for name in group.labels]
    for record in group.records:
        named.extend(((*record.key, "labels", name), name) for name in record.labels)
    for alert in group.alerts:
        named.extend(((*alert.key, "labels", name), name) for name in alert.labels if name not in ("severity", "category"))
        named.extend(((*alert.key, "annotations", name), name) for name in alert.extra_annotations)
    for key, name in named:
        problem = label_name_problem(name, utf8=utf8)
        if problem is not None:
            yield merged.problem(key, problem, d.LABEL_NAME, at_key=True)


def _features(model: Model, merged: Merged) -> Iterator[Problem]:
    target = release_line(model.prom_version)
    for i, name in enumerate(model.defaults.targets.prometheus_features):
        flag = FLAGS[name]
        if target < flag.server_since:
            yield merged.problem(
                ("defaults", "targets", "prometheus_features", i),
                f"--enable-feature={name} needs Prometheus ≥ {flag.server_since.short}; the target is Prometheus {target.short}",
                d.TARGET_VERSION,
                fix=f"raise defaults.targets.prometheus to {flag.server_since.short}, or remove it",
            )


def _rule_fields(model: Model, merged: Merged, group: Group) -> Iterator[Problem]:
    target = model.prom_version
    present = {"group.labels": bool(group.labels), "group.query_offset": group.query_offset is not None}
    present["group.limit"] = group.limit is not None
    for key, used in present.items():
        why = rule_field_problem(key, target) if used else None
        if why is not None:
            since = RULE_FIELDS[key].since.short
            yield merged.problem(
                (*group.key, RULE_FIELDS[key].yaml),
                why,
                d.TARGET_VERSION,
                at_key=True,
                fix=f"raise defaults.targets.prometheus to {since}, or remove it",
            )
    for alert in group.alerts:
        why = rule_field_problem("alert.keep_firing_for", target) if alert.keep_firing_for else None
        if why is not None:
            yield merged.problem(
                (*alert.key, "keep_firing_for"),
                why,
                d.TARGET_VERSION,
                at_key=True,
                fix=f"raise defaults.targets.prometheus to {RULE_FIELDS['alert.keep_firing_for'].since.short}, or remove it",
            )


def _syntax_and_ranges(model: Model, merged: Merged, group: Group) -> Iterator[Problem]:
    target = release_line(model.prom_version)
    experimental = EXPERIMENTAL_FUNCTIONS in model.defaults.targets.prometheus_features
    scrape = duration_seconds(model.defaults.scrape_interval)
    test_intervals: dict[str, list[tuple[KeyPath, float]]] = {}
    for test in model.tests.rules:
        test_intervals.setdefault(test.alert, []).append(((*test.key, "interval"), duration_seconds(test.interval)))
    evaluation = duration_seconds(group.interval or model.defaults.evaluation_interval or "1m")
    rules: list[tuple[KeyPath, str, str | None]] = [(record.key, record.expr, None) for record in group.records]
    rules += [(alert.key, alert.expr, alert.name) for alert in group.alerts]
    for key, expr, alert in rules:
        problems = check_syntax(expr, target=target, experimental=experimental)
        for sp in problems:
            rule = RULES.get(sp.rule)
            assert rule is not None, sp.rule
            yield merged.problem_in_value((*key, "expr"), sp.line, sp.col, f"invalid PromQL: {sp.message}", rule)
        too_large = None if problems else analysis_limit_problem(expr)
        if too_large is not None:
            yield merged.problem(
                (*key, "expr"),
                f"expression too large for callalert's analysis ({too_large}): its syntax is checked, "
                "but lint's label and pitfall checks skip it (promtool has no such limit)",
                d.PROMQL_TOO_LARGE,
                level="warning",
            )
        if problems or not Dialect.of(target).left_open_ranges:
            continue  # before 3.0 a short range is lint's warning (promql-range-too-short), not an error
        reported: set[tuple[str, float]] = set()
        for short in short_ranges(expr, scrape_interval=scrape, evaluation_interval=evaluation, target=target):
            reported.add((short.function, short.range))
            yield merged.problem((*key, "expr"), short.message(target), d.PROMQL_RANGE_LEFT_OPEN, fix=short.fix)
        for test_key, interval in test_intervals.get(alert or "", []):
            if interval <= scrape:
                continue
            for short in short_ranges(expr, scrape_interval=interval, evaluation_interval=evaluation, target=target):
                if (short.function, short.range) in reported or short.subquery:
                    continue
                never = "sees at most one sample" if short.never else "holds two samples only at some evaluations"
                yield merged.problem(
                    test_key,
                    f"this test's series have a sample every {_text(interval)}: {alert}'s {short.function}() over "
                    f"[{_text(short.range)}] {never} at that interval under Prometheus 3's left-open range selectors "
                    f"(3.0), so the test cannot see what the alert does; the target is Prometheus {target.short}",
                    d.PROMQL_RANGE_LEFT_OPEN,
                    fix=short.fix,
                )


def _text(seconds: float) -> str:
    return f"{int(seconds // 60)}m" if seconds >= 60 and seconds % 60 == 0 else f"{seconds:g}s"
