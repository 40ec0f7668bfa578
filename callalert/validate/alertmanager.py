"""The Alertmanager side of a model: matchers, label names, time intervals, silences, and the
receiver types and `*_file` fields the target Alertmanager has (from the verified feature table)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from callalert import diagnostics as d
from callalert.analysis.alertmanager.matchers import MatcherError, is_valid_label_name, parse_matcher
from callalert.analysis.alertmanager.timeinterval import TimeIntervalError, validate_time_interval
from callalert.analysis.versions import Version, am_feature, am_feature_min_version
from callalert.diagnostics import KeyPath, Problem, shown
from callalert.model import Model, Secret
from callalert.spec.load import Merged


def check(model: Model, merged: Merged) -> Iterator[Problem]:
    yield from _matchers(model, merged)
    yield from _label_lists(model, merged)
    yield from _time_intervals(model, merged)
    yield from _versions(model, merged)
    yield from _silences(model, merged)
    yield from _receiver_requirements(model, merged)


# (receiver type, option, the `global` option that can stand in for it, Alertmanager's message):
# config.Load refuses the whole file when a receiver lacks one (the same in 0.25, 0.28, 0.33)
_REQUIRED: tuple[tuple[str, str, str | None, str], ...] = (
    ("email_configs", "smarthost", "smtp_smarthost", "no global SMTP smarthost set"),
    ("email_configs", "from", "smtp_from", "no global SMTP from set"),
    ("slack_configs", "api_url", "slack_api_url", "no global Slack API URL set either inline or in a file"),
    ("opsgenie_configs", "api_key", "opsgenie_api_key", "no global OpsGenie API Key set either inline or in a file"),
    ("victorops_configs", "api_key", None, "no global VictorOps API Key set"),
    ("wechat_configs", "api_secret", None, "no global Wechat ApiSecret set"),
    ("wechat_configs", "corp_id", None, "no global Wechat CorpID set"),
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


def _receiver_requirements(model: Model, merged: Merged) -> Iterator[Problem]:
    for receiver in model.receivers.values():
        for kind, option, global_option, message in _REQUIRED:
            for i, cfg in enumerate(receiver.config.get(kind) or ()):
                if _set(cfg.get(option)) or (global_option is not None and _set(model.global_.get(global_option))):
                    continue
                global_key: KeyPath = ()
                if global_option is not None:
                    smtp = global_option.startswith("smtp_")
                    global_key = ("global", "smtp", global_option[5:]) if smtp else ("global", global_option)
                if _written(merged, (*receiver.key, kind, i, option)) or (global_key and _written(merged, global_key)):
                    continue  # written, but refused by the schema: that problem is reported
                where = (
                    f"set it here or {_GLOBAL_NAMES.get(global_option, 'global.' + global_option)}"
                    if global_option
                    else "set it here (the spec has no global default for it)"
                )
                yield merged.problem(
                    (*receiver.key, kind, i),
                    f"no `{option}`: {where} (Alertmanager: {message!r})",
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


def _matcher_list(merged: Merged, key: KeyPath, texts: Sequence[str]) -> Iterator[Problem]:
    for i, text in enumerate(texts):
        try:
            matcher = parse_matcher(text)
        except MatcherError as exc:
            yield merged.problem(
                (*key, i),
                f"invalid matcher {shown(text)}: {exc}",
                d.MATCHER_SYNTAX,
                fix='write label="value", label!="value", label=~"regex" or label!~"regex"',
            )
            continue
        if matcher.op in ("=~", "!~") and _group_depth(matcher.value) + 2 > _GO_REGEX_MAX_HEIGHT:
            yield merged.problem(
                (*key, i),
                f"regex nested {_group_depth(matcher.value)} groups deep: Alertmanager refuses it "
                "('error parsing regexp: expression nests too deeply')",
                d.MATCHER_SYNTAX,
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
                yield merged.problem((*named.key, "time_intervals", j), str(exc), d.TIME_INTERVAL)


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
