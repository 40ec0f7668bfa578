"""The Alertmanager side of a model: matchers, label names, time intervals, silences, and every
receiver type, option and `*_file` secret against what the target Alertmanager has (the feature
table in analysis/versions.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from callalert import diagnostics as d
from callalert.analysis.alertmanager.matchers import (
    MatcherError,
    parse_matcher,
    parse_matchers_in,
)
from callalert.analysis.alertmanager.timeinterval import TimeIntervalError, validate_time_interval
from callalert.analysis.labels import is_valid_label_name
from callalert.analysis.versions import (
    AM_FEATURES,
    AM_RELEASES,
    Version,
    am_feature,
    am_feature_min_version,
    am_go,
    am_matcher_mode,
    am_supports,
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
    yield from _receiver_requirements(model, merged)


# (receiver type, options, the `global` options that can stand in for them, Alertmanager's message):
# config.Load refuses the whole file when a receiver has none of them (the same in 0.25, 0.28, 0.33;
# a Slack app token, from 0.30, stands in for the webhook URL)
_REQUIRED: tuple[tuple[str, tuple[str, ...], tuple[str, ...], str], ...] = (
    ("email_configs", ("smarthost",), ("smtp_smarthost",), "no global SMTP smarthost set"),
    ("email_configs", ("from",), ("smtp_from",), "no global SMTP from set"),
    (
        "slack_configs",
        ("api_url", "app_token"),
        ("slack_api_url", "slack_app_token"),
        "no global Slack API URL set either inline or in a file",
    ),
    ("opsgenie_configs", ("api_key",), ("opsgenie_api_key",), "no global OpsGenie API Key set either inline or in a file"),
    ("victorops_configs", ("api_key",), ("victorops_api_key",), "no global VictorOps API Key set"),
    ("wechat_configs", ("api_secret",), ("wechat_api_secret",), "no global Wechat ApiSecret set"),
    ("wechat_configs", ("corp_id",), ("wechat_api_corp_id",), "no global Wechat CorpID set"),
)
_GLOBAL_NAMES = {"smtp_smarthost": "global.smtp.smarthost", "smtp_from": "global.smtp.from"}


def _set(value: Any) -> bool:
    return value is not None and value != ""


def _written(merged: Merged, key: KeyPath) -> bool:
    """Whether the spec as written has `key` (a value the schema may have refused and dropped)."""
    node: Any = merged.data
    for part in key:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return False
    return _set(node)


def _known_global(option: str, target: Version) -> bool:
    """Whether the spec's `global` has the option and the target Alertmanager reads it."""
    from callalert.spec.v1 import SMTP, Global

    fields = {f"smtp_{name}" for name in SMTP.model_fields} | {"smtp_from"} | set(Global.model_fields)
    feature = f"global.{option}"
    return option in fields and (am_feature(feature) is None or am_supports(feature, target))


def _global_key(option: str) -> KeyPath:
    return ("global", "smtp", option[5:]) if option.startswith("smtp_") else ("global", option)


def _receiver_requirements(model: Model, merged: Merged) -> Iterator[Problem]:
    target = Version.parse(model.am_version)
    for receiver in model.receivers.values():
        for kind, options, global_options, message in _REQUIRED:
            known = [
                o for o in options if o == options[0] or am_feature(f"{kind}.{o}") is None or am_supports(f"{kind}.{o}", target)
            ]
            for i, cfg in enumerate(receiver.config.get(kind) or ()):
                if any(_set(cfg.get(o)) for o in options) or any(_set(model.global_.get(g)) for g in global_options):
                    continue
                if any(_written(merged, (*receiver.key, kind, i, o)) for o in options) or any(
                    _written(merged, _global_key(g)) for g in global_options
                ):
                    continue  # written, but refused by the schema: that problem is reported
                here = " or ".join(f"`{o}`" for o in known)
                globals_ = [
                    _GLOBAL_NAMES.get(g, "global." + g) for g in global_options if g in model.global_ or _known_global(g, target)
                ]
                where = "set it here" + (
                    f" or {' or '.join(globals_)}" if globals_ else " (the spec has no global default for it)"
                )
                yield merged.problem(
                    (*receiver.key, kind, i),
                    f"no {here}: {where} (Alertmanager: {message!r})",
                    d.RECEIVER_CONFIG,
                )
        for i, cfg in enumerate(receiver.config.get("webex_configs") or ()):
            http = cfg.get("http_config") if cfg.get("http_config") is not None else model.global_.get("http_config")
            if not (isinstance(http, Mapping) and http.get("authorization")):
                yield merged.problem(
                    (*receiver.key, "webex_configs", i),
                    "no `http_config.authorization` (the bot token) (Alertmanager: 'missing webex_configs.http_config.authorization')",
                    d.RECEIVER_CONFIG,
                )


# Go's regexp/syntax refuses a regex whose parse tree is more than 1,000 levels high; Alertmanager
# wraps every matcher regex in ^(?:...)$, two more levels (amtool 0.25, 0.28, 0.33: 998 nested
# groups load, 999 do not).
_GO_REGEX_MAX_HEIGHT = 1000


def _group_depth(regex: str) -> int:
    depth = deepest = 0
    i = 0
    in_class = False
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if regex[i + 1 : i + 2] == "]":
                i += 1
        elif ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth = max(0, depth - 1)
        i += 1
    return deepest


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
            parsed = None if mode == "classic" else parse_matchers_in(text, mode, go)
            found = [parse_matcher(text, mode, go)] if parsed is None else parsed.matchers
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
        deepest = max((_group_depth(m.value) for m in found if m.op in ("=~", "!~")), default=0)
        if deepest + 2 > _GO_REGEX_MAX_HEIGHT:
            yield merged.problem(
                (*key, i),
                f"regex nested {deepest} groups deep: Alertmanager refuses it ('error parsing regexp: expression nests too deeply')",
                d.MATCHER_SYNTAX,
            )
            continue
        if parsed is None:
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
    for entry in model.policy:
        yield from _matcher_list(merged, (*entry.key, "matchers"), entry.matchers, target)


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
        if not named.name:
            yield merged.problem(
                (*named.key, "name"),
                "a time interval needs a name (Alertmanager: 'missing name in time interval')",
                d.TIME_INTERVAL,
            )
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
        try:
            parsed = [parse_matcher(text) for text in silence.matchers]
        except MatcherError:
            parsed = None  # reported by _matchers
        if parsed is not None and all(m.matches({}) for m in parsed):
            message = (
                "a silence needs at least one matcher"
                if not parsed
                else "every matcher matches the empty string, so the silence would cover alerts without those labels too"
            )
            yield merged.problem(
                (*silence.key, "matchers"),
                f"{message} (Alertmanager: 'at least one matcher must not match the empty string')",
                d.SILENCE_MATCHERS,
                fix='add a matcher on a label the silenced alerts have, e.g. alertname="HighCPUUsage"',
            )
        if silence.ends_at <= silence.starts_at:
            yield merged.problem((*silence.key, "ends_at"), "`ends_at` must be after `starts_at`", d.SILENCE_WINDOW)
        for field in ("starts_at", "ends_at"):
            if getattr(silence, field).tzinfo is None:
                yield merged.problem(
                    (*silence.key, field),
                    "time without a time zone: write it in UTC with a Z (e.g. 2023-06-01T10:00:00Z)",
                    d.SILENCE_TIME,
                )
