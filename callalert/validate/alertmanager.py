"""The Alertmanager side of a model: matchers, label names, time intervals, silences, and every
receiver type, option and `*_file` secret against what the target Alertmanager has (the feature
table in analysis/versions.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from callalert import diagnostics as d
from callalert.analysis.alertmanager.matchers import (
    MatcherError,
    is_valid_label_name,
    parse_matcher,
    parse_matchers_in,
)
from callalert.analysis.alertmanager.timeinterval import TimeIntervalError, validate_time_interval
from callalert.analysis.versions import (
    AM_FEATURES,
    AM_RELEASES,
    Version,
    am_feature,
    am_feature_min_version,
    am_go,
    am_matcher_mode,
    am_unproven_note,
    am_unreleased,
    am_utf8_label_names,
    secret_file_feature,
)
from callalert.diagnostics import KeyPath, Problem
from callalert.model import Model, Secret
from callalert.spec.load import Merged

_TARGET_KEY: KeyPath = ("defaults", "targets", "alertmanager")


def check(model: Model, merged: Merged) -> Iterator[Problem]:
    yield from _target(model, merged)
    yield from _matchers(model, merged)
    yield from _label_lists(model, merged)
    yield from _time_intervals(model, merged)
    yield from _versions(model, merged)
    yield from _silences(model, merged)


def _target(model: Model, merged: Merged) -> Iterator[Problem]:
    unreleased = am_unreleased(model.am_version)
    if unreleased is not None:
        yield merged.problem(
            _TARGET_KEY, unreleased, d.TARGET_VERSION, fix="target a released Alertmanager (docs/versions.md lists them)"
        )
        return
    note = am_unproven_note(model.am_version)
    if note is not None:
        yield merged.problem(_TARGET_KEY, note, d.TARGET_UNPROVEN, fix="`callalert versions` shows what each release has")


def _utf8_hint(name: str, where: Literal["matchers", "group_by", "equal"], target: Version) -> str:
    """'; any UTF-8 label name needs Alertmanager ≥ 0.27 (the target is 0.25)' when a later release takes it."""
    if is_valid_label_name(name, utf8=True) and not am_utf8_label_names(where, target):
        since = am_feature_min_version(
            {"matchers": "matchers.utf8_parser", "group_by": "matchers.group_by_utf8"}.get(where, "matchers.equal_utf8")
        )
        assert since is not None
        return f"; label names beyond [a-zA-Z_][a-zA-Z0-9_]* need Alertmanager ≥ {since.short} (the target is {target.short})"
    return ""


def _go_hint(text: str, target: Version) -> str:
    """For a regex the Go of `target` rejects: the first release whose Go accepts it."""
    for release in sorted(AM_RELEASES):
        if release <= target or release.patch:
            continue
        try:
            parse_matchers_in(text, am_matcher_mode(release), am_go(release))
        except MatcherError:
            continue
        return (
            f" (Alertmanager {target.short} is built with Go {am_go(target).short}; Alertmanager ≥ {release.short}, "
            f"built with Go {am_go(release).short}, accepts it)"
        )
    return ""


def _matcher_list(merged: Merged, key: KeyPath, texts: Sequence[str], target: Version) -> Iterator[Problem]:
    mode, go = am_matcher_mode(target), am_go(target)
    for i, text in enumerate(texts):
        try:
            if mode == "classic":
                parse_matcher(text, mode, go)
                continue
            parsed = parse_matchers_in(text, mode, go)
        except MatcherError as exc:
            hint = _go_hint(text, target) if "error parsing regexp" in str(exc) else ""
            if mode == "classic" and not hint:
                try:
                    later = parse_matchers_in(text, "fallback", go)
                    if len(later.matchers) == 1:
                        hint = _utf8_hint(later.matchers[0].name, "matchers", target)
                except MatcherError:
                    pass
            yield merged.problem(
                (*key, i),
                f"invalid matcher {text!r}: {exc}{hint}",
                d.MATCHER_SYNTAX,
                fix='write label="value", label!="value", label=~"regex" or label!~"regex"',
            )
            continue
        if len(parsed.matchers) != 1:
            yield merged.problem(
                (*key, i),
                f"invalid matcher {text!r}: {len(parsed.matchers)} matchers in one entry; write one matcher per entry",
                d.MATCHER_SYNTAX,
            )
        elif parsed.utf8_error is not None:
            yield merged.problem(
                (*key, i),
                f"matcher {text!r} is read by Alertmanager's classic parser only ({parsed.utf8_error}): Alertmanager "
                f"{target.short} logs a warning for it, and refuses it in UTF-8 strict mode",
                d.MATCHER_FALLBACK,
                fix=f"write {parsed.suggestion}",
            )


def _matchers(model: Model, merged: Merged) -> Iterator[Problem]:
    target = Version.parse(model.am_version)
    for route in model.routing.walk():
        key = route.key if route.key is not None else ("severities",)
        yield from _matcher_list(merged, (*key, "matchers"), route.matchers, target)
    for rule in model.inhibit_rules:
        yield from _matcher_list(merged, (*rule.key, "source_matchers"), rule.source_matchers, target)
        yield from _matcher_list(merged, (*rule.key, "target_matchers"), rule.target_matchers, target)
        if not rule.source_matchers or not rule.target_matchers:
            side = "source_matchers" if not rule.source_matchers else "target_matchers"
            yield merged.problem(rule.key, f"inhibit rule without {side}: it matches every alert on that side", d.INHIBIT_RULE)
    for silence in model.silences:
        yield from _matcher_list(merged, (*silence.key, "matchers"), silence.matchers, target)


def _label_list(
    merged: Merged, key: KeyPath, names: Sequence[str], where: Literal["group_by", "equal"], target: Version
) -> Iterator[Problem]:
    utf8 = am_utf8_label_names(where, target)
    for i, name in enumerate(names):
        if where == "group_by" and name == "...":
            if len(names) > 1:
                yield merged.problem((*key, i), "'...' (group by all labels) must be the only entry of group_by", d.LABEL_NAME)
            continue
        if not is_valid_label_name(name, utf8=utf8):
            yield merged.problem((*key, i), f"invalid label name {name!r}{_utf8_hint(name, where, target)}", d.LABEL_NAME)


def _label_lists(model: Model, merged: Merged) -> Iterator[Problem]:
    target = Version.parse(model.am_version)
    yield from _label_list(merged, model.routing.group_by_key, model.routing.group_by, "group_by", target)
    for route in model.routing.walk():
        if route.key is not None and route.group_by is not None:
            yield from _label_list(merged, (*route.key, "group_by"), route.group_by, "group_by", target)
    for rule in model.inhibit_rules:
        yield from _label_list(merged, (*rule.key, "equal"), rule.equal, "equal", target)


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


def _newer(merged: Merged, key: KeyPath, what: str, since: Version, model: Model, *, at_key: bool = False) -> Problem:
    return merged.problem(
        key,
        f"{what} needs Alertmanager ≥ {since.short}; the target is {model.am_version}",
        d.TARGET_VERSION,
        at_key=at_key,
        fix=f"raise defaults.targets.alertmanager to {since.short}, or remove it",
    )


def _secret(model: Model, merged: Merged, key: KeyPath, section: str, path: str, name: str, secret: Secret) -> Iterator[Problem]:
    """A secret reference at `path` (Alertmanager's names) in `section`, `name` in the spec: its
    `*_file` variant must exist in the target (an {env:} secret is written inline instead)."""
    if secret.file is None:
        return
    target = Version.parse(model.am_version)
    label = path.rsplit(".", 1)[-1]
    feature = secret_file_feature(section, path)
    if feature is None:
        yield merged.problem(
            key,
            f"Alertmanager has no `{label}_file` option (in any version callalert knows), so this secret cannot come from a file",
            d.TARGET_VERSION,
            fix="use {env: NAME} and render with --secrets=env",
        )
    elif not feature.available_in(target):
        yield merged.problem(
            key,
            f"{name} from a file ({section} `{label}_file`) needs Alertmanager ≥ {feature.since.short}; the target is {model.am_version}",
            d.TARGET_VERSION,
            fix=f"use {{env: NAME}} with `render --secrets=env`, or raise defaults.targets.alertmanager to {feature.since.short}",
        )


def _options(
    model: Model, merged: Merged, key: KeyPath, section: str, data: Mapping[str, Any], path: str = "", label_prefix: str = ""
) -> Iterator[Problem]:
    """Every option of one receiver config (section "slack_configs") or of `global`, nested options
    included: each one the table knows must exist in the target; secrets must have their `*_file`."""
    target = Version.parse(model.am_version)
    for field, value in data.items():
        dotted = f"{path}{field}"
        spec_name = field[len(label_prefix) :] if label_prefix and field.startswith(label_prefix) and not path else field
        fkey = (*key, spec_name)
        feature = None if dotted.startswith("http_config") else AM_FEATURES.get(f"{section}.{dotted}")
        if feature is not None and not feature.available_in(target):
            yield _newer(merged, fkey, f"{section}.{dotted}", feature.since, model)
            continue
        if isinstance(value, Secret):
            yield from _secret(model, merged, fkey, section, dotted, spec_name, value)
        elif isinstance(value, Mapping):
            yield from _options(model, merged, fkey, section, value, f"{dotted}.")


def _slack_update_message(merged: Merged, key: KeyPath, cfg: Mapping[str, Any]) -> Iterator[Problem]:
    """update_message needs api_url https://slack.com/api/chat.postMessage written inline: Alertmanager
    refuses any other URL, and 0.32-0.34 crash (nil pointer in SlackConfig.UnmarshalYAML) when
    api_url is absent or read from a file (verified with amtool 0.33.1)."""
    if cfg.get("update_message") is not True:
        return
    api_url = cfg.get("api_url")
    if not (isinstance(api_url, Secret) and api_url.env is not None) or "app_token" in cfg:
        yield merged.problem(
            (*key, "update_message"),
            "update_message needs api_url https://slack.com/api/chat.postMessage written inline (and the bot token in "
            "http_config.authorization); without it, or from a file, Alertmanager crashes loading the config",
            d.RECEIVER_OPTION,
            fix="write api_url: {env: NAME} with NAME=https://slack.com/api/chat.postMessage and render with --secrets=env",
        )


def _versions(model: Model, merged: Merged) -> Iterator[Problem]:
    target = Version.parse(model.am_version)
    for receiver in model.receivers.values():
        for kind, configs in receiver.config.items():
            if kind == "labels":
                since = am_feature_min_version("receiver.labels")
                assert since is not None
                if target < since:
                    yield _newer(merged, (*receiver.key, "labels"), "receiver `labels`", since, model, at_key=True)
                elif "name" in configs and configs["name"] != receiver.name:
                    yield merged.problem(
                        (*receiver.key, "labels", "name"),
                        f'receiver label "name" must match receiver name {receiver.name!r}, got {configs["name"]!r}',
                        d.LABEL_NAME,
                    )
                continue
            if not kind.endswith("_configs") or not configs:
                continue
            feature = am_feature(f"receivers.{kind}")
            if feature is not None and not feature.available_in(target):
                yield merged.problem(
                    (*receiver.key, kind),
                    f"{kind} needs Alertmanager ≥ {feature.since.short}; the target is {model.am_version}",
                    d.TARGET_VERSION,
                    at_key=True,
                    fix=f"raise defaults.targets.alertmanager to {feature.since.short} or use webhook_configs",
                )
                continue
            for i, cfg in enumerate(configs):
                yield from _options(model, merged, (*receiver.key, kind, i), kind, cfg)
                if kind == "slack_configs":
                    yield from _slack_update_message(merged, (*receiver.key, kind, i), cfg)
    smtp = {k: v for k, v in model.global_.items() if k.startswith("smtp_")}
    rest = {k: v for k, v in model.global_.items() if not k.startswith("smtp_") and k != "resolve_timeout"}
    yield from _options(model, merged, ("global",), "global", rest)
    yield from _options(model, merged, ("global", "smtp"), "global", smtp, label_prefix="smtp_")
    for route in model.routing.walk():
        if route.key is not None and route.labels is not None:
            since = am_feature_min_version("route.labels")
            assert since is not None
            if target < since:
                yield _newer(merged, (*route.key, "labels"), "route `labels`", since, model, at_key=True)
    if model.tracing is not None:
        since = am_feature_min_version("tracing")
        assert since is not None
        if target < since:
            yield _newer(merged, ("tracing",), "`tracing`", since, model, at_key=True)
    for rule in model.inhibit_rules:
        if rule.name is not None:
            since = am_feature_min_version("inhibit_rules.name")
            assert since is not None
            if target < since:
                yield _newer(merged, (*rule.key, "name"), "inhibit rule `name`", since, model)


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
