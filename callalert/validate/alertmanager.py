"""The Alertmanager side of a model: matchers, label names, time intervals, silences, and the
receiver types and `*_file` fields the target Alertmanager has (from the verified feature table)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from callalert import diagnostics as d
from callalert.analysis.alertmanager.matchers import MatcherError, is_valid_label_name, parse_matcher
from callalert.analysis.alertmanager.timeinterval import TimeIntervalError, validate_time_interval
from callalert.analysis.versions import Version, am_feature, am_feature_min_version
from callalert.diagnostics import KeyPath, Problem
from callalert.model import Model, Secret
from callalert.spec.load import Merged


def check(model: Model, merged: Merged) -> Iterator[Problem]:
    yield from _matchers(model, merged)
    yield from _label_lists(model, merged)
    yield from _time_intervals(model, merged)
    yield from _versions(model, merged)
    yield from _silences(model, merged)


def _matcher_list(merged: Merged, key: KeyPath, texts: Sequence[str]) -> Iterator[Problem]:
    for i, text in enumerate(texts):
        try:
            parse_matcher(text)
        except MatcherError as exc:
            yield merged.problem(
                (*key, i),
                f"invalid matcher {text!r}: {exc}",
                d.MATCHER_SYNTAX,
                fix='write label="value", label!="value", label=~"regex" or label!~"regex"',
            )


def _matchers(model: Model, merged: Merged) -> Iterator[Problem]:
    for route in model.routing.walk():
        key = route.key if route.key is not None else ("severities",)
        yield from _matcher_list(merged, (*key, "matchers"), route.matchers)
    for rule in model.inhibit_rules:
        yield from _matcher_list(merged, (*rule.key, "source_matchers"), rule.source_matchers)
        yield from _matcher_list(merged, (*rule.key, "target_matchers"), rule.target_matchers)
        if not rule.source_matchers or not rule.target_matchers:
            side = "source_matchers" if not rule.source_matchers else "target_matchers"
            yield merged.problem(rule.key, f"inhibit rule without {side}: it matches every alert on that side", d.INHIBIT_RULE)
    for silence in model.silences:
        yield from _matcher_list(merged, (*silence.key, "matchers"), silence.matchers)


def _label_list(merged: Merged, key: KeyPath, names: Sequence[str], allow_all: bool) -> Iterator[Problem]:
    for i, name in enumerate(names):
        if allow_all and name == "...":
            if len(names) > 1:
                yield merged.problem((*key, i), "'...' (group by all labels) must be the only entry of group_by", d.LABEL_NAME)
            continue
        if not is_valid_label_name(name):
            yield merged.problem((*key, i), f"invalid label name {name!r}", d.LABEL_NAME)


def _label_lists(model: Model, merged: Merged) -> Iterator[Problem]:
    yield from _label_list(merged, model.routing.group_by_key, model.routing.group_by, True)
    for route in model.routing.walk():
        if route.key is not None and route.group_by is not None:
            yield from _label_list(merged, (*route.key, "group_by"), route.group_by, True)
    for rule in model.inhibit_rules:
        yield from _label_list(merged, (*rule.key, "equal"), rule.equal, False)


def _time_intervals(model: Model, merged: Merged) -> Iterator[Problem]:
    for named in model.time_intervals:
        for j, ti in enumerate(named.time_intervals):
            try:
                validate_time_interval(ti, "time interval")
            except TimeIntervalError as exc:
                # positioned at the bad field (and word), in Alertmanager's words without its prefix
                key = (*named.key, "time_intervals", j, *exc.key)
                message = (str(exc).split(": ", 1)[1] if ": " in str(exc) else str(exc)) + exc.suggestion
                if exc.offset is not None:
                    yield merged.problem_in_value(key, 1, exc.offset + 1, message, d.TIME_INTERVAL, fix=exc.fix)
                else:
                    yield merged.problem(key, message, d.TIME_INTERVAL, fix=exc.fix)


def _file_fields(
    model: Model, merged: Merged, key: KeyPath, section: str, data: Mapping[str, Any], prefix: str = ""
) -> Iterator[Problem]:
    target = Version.parse(model.am_version)
    for field, value in data.items():
        if not (isinstance(value, Secret) and value.file is not None):
            continue
        name = field[len(prefix) :] if prefix and field.startswith(prefix) else field
        feature = f"{section}.{prefix}{name}_file"
        if am_feature(feature) is None:
            yield merged.problem(
                (*key, name),
                f"Alertmanager has no `{prefix}{name}_file` option (in any version callalert knows), so this secret cannot come from a file",
                d.TARGET_VERSION,
                fix="use {env: NAME} and render with --secrets=env",
            )
            continue
        since = am_feature_min_version(feature)
        if since is not None and target < since:
            yield merged.problem(
                (*key, name),
                f"{name} from a file ({section} `{prefix}{name}_file`) needs Alertmanager ≥ {since.short}; the target is {model.am_version}",
                d.TARGET_VERSION,
                fix=f"use {{env: NAME}} with `render --secrets=env`, or raise defaults.targets.alertmanager to {since.short}",
            )


def _versions(model: Model, merged: Merged) -> Iterator[Problem]:
    target = Version.parse(model.am_version)
    for receiver in model.receivers.values():
        for kind, configs in receiver.config.items():
            if not kind.endswith("_configs") or not configs:
                continue
            since = am_feature_min_version(f"receivers.{kind}")
            if since is not None and target < since:
                yield merged.problem(
                    (*receiver.key, kind),
                    f"{kind} needs Alertmanager ≥ {since.short}; the target is {model.am_version}",
                    d.TARGET_VERSION,
                    at_key=True,
                    fix=f"raise defaults.targets.alertmanager to {since.short} or use webhook_configs",
                )
                continue
            for i, cfg in enumerate(configs):
                yield from _file_fields(model, merged, (*receiver.key, kind, i), kind, cfg)
    smtp = {k: v for k, v in model.global_.items() if k.startswith("smtp_")}
    rest = {k: v for k, v in model.global_.items() if not k.startswith("smtp_")}
    yield from _file_fields(model, merged, ("global",), "global", rest)
    yield from _file_fields(model, merged, ("global", "smtp"), "global", smtp, "smtp_")


def _silences(model: Model, merged: Merged) -> Iterator[Problem]:
    for silence in model.silences:
        if silence.ends_at <= silence.starts_at:
            yield merged.problem((*silence.key, "ends_at"), "`ends_at` must be after `starts_at`", d.SILENCE_WINDOW)
        for field in ("starts_at", "ends_at"):
            if getattr(silence, field).tzinfo is None:
                yield merged.problem(
                    (*silence.key, field),
                    "time without a time zone: write it in UTC with a Z (e.g. 2023-06-01T10:00:00Z)",
                    d.SILENCE_TIME,
                )
