"""Semantic checks of a resolved spec: syntax of what Prometheus and Alertmanager will parse
(PromQL, matchers, label names, templates, time intervals), target-version features, and
literal secrets. Each check yields positioned problems; `run_all` collects them all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from callalert.diagnostics import KeyPath, Problem
from callalert.spec.load import Merged
from callalert.model.resolve import Resolved, ResolvedRoute

def run_all(resolved: Resolved, merged: Merged) -> list[Problem]:
    problems: list[Problem] = []
    for check in (
        check_promql,
        check_matchers,
        check_label_lists,
        check_time_intervals,
        check_versions,
        check_literal_secrets,
        check_templates,
        check_silences,
    ):
        problems.extend(check(resolved, merged))
    from callalert.check.spec_tests import check_tests  # the `tests:` section (callalert check)

    problems.extend(check_tests(resolved, merged))
    return problems


def check_promql(resolved: Resolved, merged: Merged) -> Iterator[Problem]:
    from callalert.analysis.promql import check_syntax

    target = tuple(int(x) for x in resolved.prom_version.split(".")[:2])
    for group in resolved.groups:
        for ri, record in enumerate(group.spec.records):
            for sp in check_syntax(record.expr, target=target):
                yield merged.problem_in_value((*group.key, "records", ri, "expr"), sp.line, sp.col, f"invalid PromQL: {sp.message}", sp.rule)
        for alert in group.alerts:
            for sp in check_syntax(alert.expr, target=target):
                yield merged.problem_in_value((*alert.key, "expr"), sp.line, sp.col, f"invalid PromQL: {sp.message}", sp.rule)


def _matcher_list(merged: Merged, key: KeyPath, texts: list[str]) -> Iterator[Problem]:
    from callalert.analysis.alertmanager.matchers import MatcherError, parse_matcher

    for i, text in enumerate(texts):
        try:
            parse_matcher(text)
        except MatcherError as exc:
            yield merged.problem((*key, i), f"invalid matcher {text!r}: {exc}", "matcher-syntax",
                                 fix='write label="value", label!="value", label=~"regex" or label!~"regex"')


def _walk_routes(routes: list[ResolvedRoute] | tuple[ResolvedRoute, ...]) -> Iterator[ResolvedRoute]:
    for rr in routes:
        yield rr
        yield from _walk_routes(rr.children)


def check_matchers(resolved: Resolved, merged: Merged) -> Iterator[Problem]:
    spec = resolved.spec
    for rr in _walk_routes(resolved.routes):
        key = rr.key if rr.key is not None else ("severities",)
        yield from _matcher_list(merged, (*key, "matchers"), rr.route.matchers)
    for i, rule in enumerate(spec.inhibit_rules):
        yield from _matcher_list(merged, ("inhibit_rules", i, "source_matchers"), rule.source_matchers)
        yield from _matcher_list(merged, ("inhibit_rules", i, "target_matchers"), rule.target_matchers)
        if not rule.source_matchers or not rule.target_matchers:
            side = "source_matchers" if not rule.source_matchers else "target_matchers"
            yield merged.problem(
                ("inhibit_rules", i),
                f"inhibit rule without {side}: it matches every alert on that side",
                "inhibit-rule",
                level="warning",
            )
    for i, silence in enumerate(spec.silences):
        yield from _matcher_list(merged, ("silences", i, "matchers"), silence.matchers)


def _label_list(merged: Merged, key: KeyPath, names: list[str], allow_all: bool) -> Iterator[Problem]:
    from callalert.analysis.alertmanager.matchers import is_valid_label_name

    for i, name in enumerate(names):
        if allow_all and name == "...":
            if len(names) > 1:
                yield merged.problem((*key, i), "'...' (group by all labels) must be the only entry of group_by", "label-name")
            continue
        if not is_valid_label_name(name):
            yield merged.problem((*key, i), f"invalid label name {name!r}", "label-name")


def check_label_lists(resolved: Resolved, merged: Merged) -> Iterator[Problem]:
    spec = resolved.spec
    if spec.routing.group_by is not None:
        yield from _label_list(merged, ("routing", "group_by"), spec.routing.group_by, True)
    else:
        yield from _label_list(merged, ("defaults", "group_by"), spec.defaults.group_by, True)
    for rr in _walk_routes(resolved.routes):
        if rr.key is not None and rr.route.group_by is not None:
            yield from _label_list(merged, (*rr.key, "group_by"), rr.route.group_by, True)
    for i, rule in enumerate(spec.inhibit_rules):
        yield from _label_list(merged, ("inhibit_rules", i, "equal"), rule.equal, False)


def check_time_intervals(resolved: Resolved, merged: Merged) -> Iterator[Problem]:
    from callalert.render.alertmanager import _plain
    from callalert.render.context import RenderContext
    from callalert.analysis.alertmanager.routing import TimeIntervalError, validate_time_interval

    for i, named in enumerate(resolved.spec.time_intervals):
        for j, ti in enumerate(named.time_intervals):
            raw = _plain(ti, RenderContext(), ())
            try:
                validate_time_interval(raw, "time interval")
            except TimeIntervalError as exc:
                yield merged.problem(("time_intervals", i, "time_intervals", j), str(exc), "time-interval")


def check_versions(resolved: Resolved, merged: Merged) -> Iterator[Problem]:
    """Receiver types and `*_file` secret fields the target Alertmanager does not have
    (from the verified feature table in versions.py)."""
    from callalert.render.alertmanager import _RENAMES
    from callalert.spec.v1 import SecretRef
    from callalert.analysis.versions import Version, am_feature, am_feature_min_version

    target = Version.parse(resolved.am_version)
    spec = resolved.spec

    def file_field(key: KeyPath, section: str, obj: Any, prefix: str = "") -> Iterator[Problem]:
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if not (isinstance(value, SecretRef) and value.file is not None):
                continue
            field = _RENAMES.get(name, name)
            feature = f"{section}.{prefix}{field}_file"
            if am_feature(feature) is None:
                yield merged.problem(
                    (*key, field),
                    f"Alertmanager has no `{prefix}{field}_file` option (in any version callalert knows), so this secret cannot come from a file",
                    "target-version",
                    fix="use {env: NAME} and render with --secrets=env",
                )
                continue
            since = am_feature_min_version(feature)
            if since is not None and target < since:
                yield merged.problem(
                    (*key, field),
                    f"{field} from a file ({section} `{prefix}{field}_file`) needs Alertmanager ≥ {since.short}; the target is {resolved.am_version}",
                    "target-version",
                    fix=f"use {{env: NAME}} with `render --secrets=env`, or raise defaults.targets.alertmanager to {since.short}",
                )

    for name, receiver in spec.receivers.items():
        for kind in type(receiver).model_fields:
            configs = getattr(receiver, kind)
            if not kind.endswith("_configs") or not configs:
                continue
            since = am_feature_min_version(f"receivers.{kind}")
            if since is not None and target < since:
                yield merged.problem(
                    ("receivers", name, kind),
                    f"{kind} needs Alertmanager ≥ {since.short}; the target is {resolved.am_version}",
                    "target-version",
                    at_key=True,
                    fix=f"raise defaults.targets.alertmanager to {since.short} or use webhook_configs",
                )
                continue
            for i, cfg in enumerate(configs):
                yield from file_field(("receivers", name, kind, i), kind, cfg)
    if spec.global_ is not None:
        yield from file_field(("global",), "global", spec.global_)
        if spec.global_.smtp is not None:
            yield from file_field(("global", "smtp"), "global", spec.global_.smtp, "smtp_")


def check_literal_secrets(resolved: Resolved, merged: Merged) -> Iterator[Problem]:
    from callalert.validate import _strings, literal_secret_reason

    spec = resolved.spec
    sources: list[tuple[KeyPath, Any]] = [(("receivers", n), r) for n, r in spec.receivers.items()]
    if spec.global_ is not None:
        sources.append((("global",), spec.global_))
    for key, obj in sources:
        for skey, text in _strings(obj, key):
            reason = literal_secret_reason(text)
            if reason:
                yield merged.problem(
                    skey,
                    f"plaintext secret: this value is {reason}",
                    "plaintext-secret",
                    fix="move it to a file or environment variable and write {file: PATH} or {env: NAME}",
                )


def check_silences(resolved: Resolved, merged: Merged) -> Iterator[Problem]:
    for i, silence in enumerate(resolved.spec.silences):
        if silence.ends_at <= silence.starts_at:
            yield merged.problem(("silences", i, "ends_at"), "`ends_at` must be after `starts_at`", "silence-window")
        for field in ("starts_at", "ends_at"):
            value = getattr(silence, field)
            if value.tzinfo is None:
                yield merged.problem(
                    ("silences", i, field),
                    "time without a time zone: write it in UTC with a Z (e.g. 2023-06-01T10:00:00Z)",
                    "silence-time",
                )


def check_templates(resolved: Resolved, merged: Merged) -> Iterator[Problem]:
    from callalert.validate import templates as template_checks

    yield from template_checks.check(resolved, merged)
