"""What `amtool check-config` (config.Load) of an Alertmanager release refuses in a plain
alertmanager.yml, with the key each refusal is about.

Alertmanager stops at the first error; this module reports every one it finds, each at the key it
is about (Alertmanager's own message follows in parentheses where its wording differs). It covers
strict unmarshalling (unknown fields of the release: the feature table in analysis/versions.py),
the shape of lists and mappings, required and mutually exclusive receiver options per release,
global fallbacks, URLs, enumerations, duplicate and missing names, the route tree and inhibit rules
(routing.py, inhibit.py), and time intervals (timeinterval.py). `http_config` and `tls_config`
contents are not checked (prometheus/common's own validation); a release that refuses something
there is not matched here. tests/tools/test_lint_parity.py runs the corpus and hand-written cases
through every installed amtool and this module at the same release.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from callalert.analysis.alertmanager.inhibit import build_inhibit_rules
from callalert.analysis.alertmanager.matchers import go_yaml_string
from callalert.analysis.alertmanager.routing import RoutingError, build_route_tree
from callalert.analysis.alertmanager.timeinterval import TimeIntervalError, validate_time_interval
from callalert.analysis.labels import is_valid_label_name
from callalert.analysis.versions import AM_FEATURES, Version, am_feature, am_supports
from callalert.diagnostics import KeyPath, did_you_mean


@dataclass(frozen=True)
class ConfigIssue:
    """One refusal: the key it is about, the message, and whether to point at the key itself."""

    key: KeyPath
    message: str
    at_key: bool = False


# --- what each release reads ---------------------------------------------------------------------

_DURATION_RE = re.compile(r"(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?")

# URL-typed options (amcommoncfg.URL / SecretURL): http or https with a host, or "<secret>".
_GLOBAL_URLS = frozenset(
    {
        "slack_api_url",
        "slack_app_url",
        "pagerduty_url",
        "opsgenie_api_url",
        "wechat_api_url",
        "victorops_api_url",
        "telegram_api_url",
        "webex_api_url",
        "jira_api_url",
        "rocketchat_api_url",
        "mattermost_webhook_url",
        "hipchat_api_url",
    }
)
_RECEIVER_URLS: dict[str, frozenset[str]] = {
    "webhook_configs": frozenset({"url"}),
    "pagerduty_configs": frozenset({"url"}),
    "slack_configs": frozenset({"api_url", "app_url"}),
    "opsgenie_configs": frozenset({"api_url"}),
    "wechat_configs": frozenset({"api_url"}),
    "victorops_configs": frozenset({"api_url"}),
    "telegram_configs": frozenset({"api_url"}),
    "webex_configs": frozenset({"api_url"}),
    "jira_configs": frozenset({"api_url"}),
    "rocketchat_configs": frozenset({"api_url"}),
    "discord_configs": frozenset({"webhook_url"}),
    "msteams_configs": frozenset({"webhook_url"}),
    "msteamsv2_configs": frozenset({"webhook_url"}),
    "mattermost_configs": frozenset({"webhook_url"}),
    "incidentio_configs": frozenset({"url"}),
}
_BOOL_OPTIONS: dict[str, tuple[str, ...]] = {
    "email_configs": ("require_tls",),
    "slack_configs": ("short_fields", "link_names", "update_message"),
    "pushover_configs": ("html", "monospace"),
}


def _feature_ok(name: str, version: Version) -> bool | None:
    """True/False where the table knows `name`, None where it does not."""
    feature = AM_FEATURES.get(name)
    return None if feature is None else feature.available_in(version)


def _known_fields(prefix: str) -> list[str]:
    return [k[len(prefix) :] for k in AM_FEATURES if k.startswith(prefix) and "." not in k[len(prefix) :]]


def _set(value: Any) -> bool:
    return value is not None and value not in ("", [], {})


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return type(value).__name__


class _Checker:
    def __init__(self, data: Mapping[str, Any], version: Version) -> None:
        self.data = data
        self.version = version
        self.issues: list[ConfigIssue] = []
        raw_global = data.get("global")
        self.glob: Mapping[str, Any] = raw_global if isinstance(raw_global, Mapping) else {}

    def add(self, key: KeyPath, message: str, *, at_key: bool = False) -> None:
        self.issues.append(ConfigIssue(key, message, at_key))

    # -- unknown fields ---------------------------------------------------------------------------

    def fields(self, raw: Mapping[str, Any], key: KeyPath, prefix: str, what: str, extra: frozenset[str] = frozenset()) -> None:
        """Every key of `raw` must be a field the release has (`prefix` + name in the table)."""
        for name in raw:
            field = str(name)
            if field in extra:
                continue
            ok = _feature_ok(prefix + field, self.version)
            if ok:
                continue
            feature = am_feature(prefix + field)
            if feature is not None and not ok:
                if feature.removed is not None and self.version >= feature.removed:
                    why = f"removed in Alertmanager {feature.removed.short}"
                else:
                    why = f"needs Alertmanager ≥ {feature.since.short}"
                self.add(
                    (*key, field),
                    f"{what}: field {field!r} is not in Alertmanager {self.version.short} ({why})",
                    at_key=True,
                )
            else:
                hint = did_you_mean(field, [*_known_fields(prefix), *extra])
                self.add((*key, field), f"{what}: unknown field {field!r}{hint}", at_key=True)

    # -- scalars ---------------------------------------------------------------------------------

    def url(self, raw: Mapping[str, Any], name: str, key: KeyPath, *, secret: bool = True) -> None:
        value = raw.get(name)
        if value is None:
            return
        if not isinstance(value, str):
            self.add((*key, name), f"{name}: expected a URL, got {_kind(value)}")
            return
        if secret and value == "<secret>":
            return
        problem = url_problem(value)
        if problem is not None:
            self.add((*key, name), problem)

    def boolean(self, raw: Mapping[str, Any], name: str, key: KeyPath) -> None:
        value = raw.get(name)
        if value is not None and not isinstance(value, bool):
            self.add((*key, name), f"{name}: expected true or false, got {go_yaml_string(value)!r}")

    def mapping(self, value: Any, key: KeyPath, what: str) -> Mapping[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.add(key, f"expected a mapping, got {_kind(value)}")
            return None
        return value

    def listing(self, value: Any, key: KeyPath, what: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(key, f"expected a list, got {_kind(value)}")
            return []
        return value

    # -- the sections ----------------------------------------------------------------------------

    def run(self) -> list[ConfigIssue]:
        top = {k for k in AM_FEATURES if "." not in k}
        for name in self.data:
            field = str(name)
            if field in top and am_supports(field, self.version):
                continue
            feature = am_feature(field) if field in top else None
            if feature is not None:
                self.add((field,), f"top-level field {field!r} needs Alertmanager ≥ {feature.since.short}", at_key=True)
            else:
                self.add((field,), f"unknown top-level field {field!r}{did_you_mean(field, top)}", at_key=True)
        self.global_section()
        self.receivers()
        self.time_intervals()
        self.route()
        self.inhibit_rules()
        for i, item in enumerate(self.listing(self.data.get("templates"), ("templates",), "templates")):
            if not isinstance(item, str):
                self.add(("templates", i), f"templates: expected a file glob, got {_kind(item)}")
        return self.issues

    def global_section(self) -> None:
        raw = self.mapping(self.data.get("global"), ("global",), "global")
        if raw is None:
            return
        self.fields(raw, ("global",), "global.", "global")
        for name in _GLOBAL_URLS:
            self.url(raw, name, ("global",), secret=name in ("slack_api_url", "mattermost_webhook_url"))
        smarthost = raw.get("smtp_smarthost")
        if _set(smarthost):
            problem = host_port_problem(go_yaml_string(smarthost))
            if problem:
                self.add(("global", "smtp_smarthost"), problem)
        timeout = raw.get("resolve_timeout")
        if timeout is not None and (timeout == "" or not _DURATION_RE.fullmatch(go_yaml_string(timeout))):
            self.add(("global", "resolve_timeout"), f'resolve_timeout: not a valid duration string: "{go_yaml_string(timeout)}"')
        for name in ("smtp_require_tls", "smtp_force_implicit_tls"):
            self.boolean(raw, name, ("global",))
        for plain, file in (
            ("slack_api_url", "slack_api_url_file"),
            ("slack_app_token", "slack_app_token_file"),
            ("opsgenie_api_key", "opsgenie_api_key_file"),
            ("victorops_api_key", "victorops_api_key_file"),
            ("telegram_bot_token", "telegram_bot_token_file"),
            ("smtp_auth_password", "smtp_auth_password_file"),
            ("smtp_auth_secret", "smtp_auth_secret_file"),
            ("rocketchat_token", "rocketchat_token_file"),
            ("rocketchat_token_id", "rocketchat_token_id_file"),
            ("wechat_api_secret", "wechat_api_secret_file"),
            ("mattermost_webhook_url", "mattermost_webhook_url_file"),
        ):
            if _set(raw.get(plain)) and _set(raw.get(file)) and am_supports(f"global.{file}", self.version):
                self.add(("global", file), f"at most one of {plain} & {file} must be configured", at_key=True)
        slack_app = _set(raw.get("slack_app_token")) or _set(raw.get("slack_app_token_file"))
        slack_url = _set(raw.get("slack_api_url")) or _set(raw.get("slack_api_url_file"))
        if slack_app and slack_url and am_supports("global.slack_app_token", self.version):
            same = go_yaml_string(raw.get("slack_api_url")) == go_yaml_string(
                raw.get("slack_app_url", "https://slack.com/api/chat.postMessage")
            )
            if not same:
                self.add(
                    ("global", "slack_app_token"),
                    "at most one of slack_app_token/slack_app_token_file & slack_api_url/slack_api_url_file must be configured",
                    at_key=True,
                )

    def receivers(self) -> None:
        names: dict[str, int] = {}
        for i, raw in enumerate(self.listing(self.data.get("receivers"), ("receivers",), "receivers")):
            key: KeyPath = ("receivers", i)
            receiver = self.mapping(raw, key, "receiver") if raw is not None else None
            if receiver is None:
                if raw is None:
                    self.add(key, "receiver: expected a mapping, got nothing")
                continue
            name = go_yaml_string(receiver.get("name")) if receiver.get("name") is not None else ""
            if not name:
                self.add(key, "missing name in receiver")
            elif name in names:
                self.add(
                    (*key, "name"),
                    f"receiver name {name!r} is already used by receivers[{names[name]}] "
                    f"(Alertmanager: notification config name {name!r} is not unique)",
                )
            else:
                names[name] = i
            self.fields(receiver, key, "receivers.", f"receiver {name!r}", extra=frozenset({"name", "labels"}))
            if "labels" in receiver and not am_supports("receiver.labels", self.version):
                self.add((*key, "labels"), "receiver `labels` needs Alertmanager ≥ 0.33", at_key=True)
            for raw_kind, configs in receiver.items():
                kind = str(raw_kind)
                if not kind.endswith("_configs") or not am_supports(f"receivers.{kind}", self.version):
                    continue
                for j, cfg in enumerate(self.listing(configs, (*key, kind), kind)):
                    ckey: KeyPath = (*key, kind, j)
                    if cfg is None:
                        self.add(ckey, f"{kind}[{j}] is empty (Alertmanager: missing {kind.removesuffix('_configs')} config)")
                        continue
                    entry = self.mapping(cfg, ckey, kind)
                    if entry is not None:
                        self.fields(entry, ckey, f"{kind}.", kind)
                        self.receiver_config(kind, entry, ckey)

    def receiver_config(self, kind: str, cfg: Mapping[str, Any], key: KeyPath) -> None:
        v = self.version
        g = self.glob
        for name in _RECEIVER_URLS.get(kind, ()):
            self.url(cfg, name, key, secret=name in ("webhook_url",) or kind in ("webhook_configs", "slack_configs"))
        for name in ("send_resolved", *_BOOL_OPTIONS.get(kind, ())):
            self.boolean(cfg, name, key)

        def need(condition: bool, field: str, message: str) -> None:
            if not condition:
                self.add(key, f"no `{field}` ({message})")

        def at_most_one(a: str, b: str) -> None:
            if _set(cfg.get(a)) and _set(cfg.get(b)):
                self.add((*key, b), f"at most one of {a} & {b} must be configured", at_key=True)

        def has(*names: str) -> bool:
            return any(_set(cfg.get(n)) for n in names)

        def has_global(*names: str) -> bool:
            return any(_set(g.get(n)) and am_supports(f"global.{n}", v) for n in names)

        if kind == "email_configs":
            need(has("to"), "to", "missing to address in email config")
            need(has("smarthost") or has_global("smtp_smarthost"), "smarthost", "no global SMTP smarthost set")
            need(has("from") or has_global("smtp_from"), "from", "no global SMTP from set")
            if _set(cfg.get("smarthost")):
                problem = host_port_problem(go_yaml_string(cfg["smarthost"]))
                if problem:
                    self.add((*key, "smarthost"), problem)
            headers = cfg.get("headers")
            if isinstance(headers, Mapping):
                seen: set[str] = set()
                for header in headers:
                    canonical = "-".join(part.capitalize() for part in str(header).split("-"))
                    if canonical in seen:
                        self.add((*key, "headers", str(header)), f"duplicate header {canonical!r} in email config", at_key=True)
                    seen.add(canonical)
            at_most_one("auth_password", "auth_password_file")
        elif kind == "pagerduty_configs":
            need(
                has("routing_key", "routing_key_file", "service_key", "service_key_file"),
                "routing_key",
                "missing service or routing key in PagerDuty config",
            )
            at_most_one("routing_key", "routing_key_file")
            at_most_one("service_key", "service_key_file")
        elif kind == "slack_configs":
            app = am_supports("slack_configs.app_token", v)
            own = has("api_url", "api_url_file") or (app and has("app_token", "app_token_file"))
            fallback = has_global("slack_api_url", "slack_api_url_file") or (
                app and has_global("slack_app_token", "slack_app_token_file")
            )
            message = (
                "no Slack API URL nor App token set either inline or in a file"
                if app
                else "no global Slack API URL set either inline or in a file"
            )
            need(own or fallback, "api_url", message)
            at_most_one("api_url", "api_url_file")
            if app:
                at_most_one("app_token", "app_token_file")
                if has("api_url", "api_url_file") and has("app_token", "app_token_file"):
                    self.add(key, "at most one of api_url/api_url_file & app_token/app_token_file must be configured")
            self._slack_parts(cfg, key)
        elif kind == "webhook_configs":
            if am_supports("webhook_configs.url_file", v):
                need(has("url", "url_file"), "url", "one of url or url_file must be configured")
                at_most_one("url", "url_file")
            else:
                need(has("url"), "url", "missing URL in webhook config")
        elif kind == "opsgenie_configs":
            need(
                has("api_key", "api_key_file") or has_global("opsgenie_api_key", "opsgenie_api_key_file"),
                "api_key",
                "no global OpsGenie API Key set either inline or in a file",
            )
            at_most_one("api_key", "api_key_file")
            for r, responder in enumerate(cfg.get("responders") or []):
                if not isinstance(responder, Mapping):
                    continue
                rkey: KeyPath = (*key, "responders", r)
                if not any(_set(responder.get(n)) for n in ("id", "username", "name")):
                    self.add(rkey, "an OpsGenie responder needs one of id, username or name")
                rtype = go_yaml_string(responder.get("type", ""))
                if "{{" not in rtype and rtype.lower() not in ("team", "teams", "user", "escalation", "schedule"):
                    self.add(
                        (*rkey, "type"),
                        f"responder type {rtype!r} is not one of team, teams, user, escalation, schedule",
                    )
        elif kind == "wechat_configs":
            need(
                has("api_secret", "api_secret_file") or has_global("wechat_api_secret", "wechat_api_secret_file"),
                "api_secret",
                "no global Wechat ApiSecret set",
            )
            need(has("corp_id") or has_global("wechat_api_corp_id"), "corp_id", "no global Wechat CorpID set")
            message_type = go_yaml_string(cfg.get("message_type") or "text")
            if message_type not in ("text", "markdown"):
                self.add((*key, "message_type"), f"weChat message type {message_type!r} is not text or markdown")
        elif kind == "victorops_configs":
            need(has("routing_key"), "routing_key", "missing Routing key in VictorOps config")
            need(
                has("api_key", "api_key_file") or has_global("victorops_api_key", "victorops_api_key_file"),
                "api_key",
                "no global VictorOps API Key set",
            )
            at_most_one("api_key", "api_key_file")
            custom = cfg.get("custom_fields")
            reserved = ("routing_key", "message_type", "state_message", "entity_display_name", "monitoring_tool", "entity_id")
            for field in custom if isinstance(custom, Mapping) else ():
                if str(field) in (*reserved, "entity_state"):
                    self.add(
                        (*key, "custom_fields", str(field)),
                        f"custom field {field!r} conflicts with a field VictorOps notifications set themselves",
                        at_key=True,
                    )
        elif kind == "pushover_configs":
            files = am_supports("pushover_configs.user_key_file", v)
            need(has("user_key", "user_key_file") if files else has("user_key"), "user_key", "missing user key")
            need(has("token", "token_file") if files else has("token"), "token", "missing token")
            if files:
                at_most_one("user_key", "user_key_file")
                at_most_one("token", "token_file")
            if am_supports("pushover_configs.monospace", v) and cfg.get("monospace") is True and cfg.get("html") is True:
                self.add((*key, "monospace"), "at most one of monospace & html must be configured", at_key=True)
        elif kind == "sns_configs":
            need(
                has("target_arn", "topic_arn", "phone_number"),
                "topic_arn",
                "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config",
            )
        elif kind == "telegram_configs":
            files = am_supports("telegram_configs.bot_token_file", v)
            token = has("bot_token", "bot_token_file") if files else has("bot_token")
            need(
                token or has_global("telegram_bot_token", "telegram_bot_token_file"),
                "bot_token",
                "missing bot_token or bot_token_file on telegram_config",
            )
            if files:
                at_most_one("bot_token", "bot_token_file")
            chat_file = am_supports("telegram_configs.chat_id_file", v)
            need(has("chat_id", "chat_id_file") if chat_file else has("chat_id"), "chat_id", "missing chat_id on telegram_config")
            if chat_file:
                at_most_one("chat_id", "chat_id_file")
            mode = go_yaml_string(cfg.get("parse_mode") or "")
            if mode not in ("", "Markdown", "MarkdownV2", "HTML"):
                self.add((*key, "parse_mode"), f"unknown parse_mode {mode!r}: must be Markdown, MarkdownV2, HTML or empty")
        elif kind in ("discord_configs", "msteams_configs", "msteamsv2_configs", "mattermost_configs"):
            short = kind.removesuffix("_configs")
            fallback = kind == "mattermost_configs" and has_global("mattermost_webhook_url", "mattermost_webhook_url_file")
            need(has("webhook_url", "webhook_url_file") or fallback, "webhook_url", f"no {short} webhook URL provided")
            at_most_one("webhook_url", "webhook_url_file")
        elif kind == "webex_configs":
            need(has("room_id"), "room_id", "missing room_id on webex_config")
            http = cfg.get("http_config")
            if not (isinstance(http, Mapping) and _set(http.get("authorization"))):
                self.add(
                    key,
                    "no `http_config.authorization` with the bot token (Alertmanager: missing webex_configs.http_config.authorization)",
                )
        elif kind == "jira_configs":
            need(has("project"), "project", "missing project in jira_config")
            need(has("issue_type"), "issue_type", "missing issue_type in jira_config")
            need(has("api_url") or has_global("jira_api_url"), "api_url", "no global Jira Cloud URL set")
        elif kind == "rocketchat_configs":
            need(
                has("token_id", "token_id_file") or has_global("rocketchat_token_id", "rocketchat_token_id_file"),
                "token_id",
                "no global Rocketchat TokenID set either inline or in a file",
            )
            need(
                has("token", "token_file") or has_global("rocketchat_token", "rocketchat_token_file"),
                "token",
                "no global Rocketchat Token set either inline or in a file",
            )
            at_most_one("token", "token_file")
            at_most_one("token_id", "token_id_file")
        elif kind == "incidentio_configs":
            need(has("url", "url_file"), "url", "one of url or url_file must be configured")
            at_most_one("url", "url_file")

    def _slack_parts(self, cfg: Mapping[str, Any], key: KeyPath) -> None:
        for a, action in enumerate(cfg.get("actions") or []):
            if not isinstance(action, Mapping):
                continue
            akey: KeyPath = (*key, "actions", a)
            if not _set(action.get("type")):
                self.add(akey, "missing type in Slack action configuration")
            if not _set(action.get("text")):
                self.add(akey, "missing text in Slack action configuration")
            if not (_set(action.get("url")) or _set(action.get("name"))):
                self.add(akey, "missing name or url in Slack action configuration")
            confirm = action.get("confirm")
            if isinstance(confirm, Mapping) and not _set(confirm.get("text")):
                self.add((*akey, "confirm"), "missing text in Slack confirmation configuration")
        for f, fld in enumerate(cfg.get("fields") or []):
            if not isinstance(fld, Mapping):
                continue
            if not _set(fld.get("title")):
                self.add((*key, "fields", f), "missing title in Slack field configuration")
            if not _set(fld.get("value")):
                self.add((*key, "fields", f), "missing value in Slack field configuration")

    def time_intervals(self) -> None:
        seen: dict[str, tuple[str, int]] = {}
        for section in ("mute_time_intervals", "time_intervals"):
            if not am_supports(section, self.version):
                continue
            for i, raw in enumerate(self.listing(self.data.get(section), (section,), section)):
                key: KeyPath = (section, i)
                entry = self.mapping(raw, key, "time interval")
                if entry is None:
                    continue
                for name in entry:
                    if str(name) not in ("name", "time_intervals"):
                        self.add((*key, str(name)), f"time interval: unknown field {str(name)!r}", at_key=True)
                name = go_yaml_string(entry.get("name")) if entry.get("name") is not None else ""
                if not name:
                    self.add(key, f"missing name in {'mute ' if section == 'mute_time_intervals' else ''}time interval")
                elif name in seen:
                    other = seen[name]
                    self.add(
                        (*key, "name"),
                        f"time interval {name!r} is not unique (also {other[0]}[{other[1]}])",
                    )
                else:
                    seen[name] = (section, i)
                for j, spec in enumerate(self.listing(entry.get("time_intervals"), (*key, "time_intervals"), "time_intervals")):
                    skey: KeyPath = (*key, "time_intervals", j)
                    spec_map = self.mapping(spec, skey, "time interval")
                    if spec_map is None:
                        continue
                    allowed = {"times", "weekdays", "days_of_month", "months", "years"}
                    if am_supports("time_intervals.location", self.version):
                        allowed.add("location")
                    for field in spec_map:
                        if str(field) not in allowed:
                            hint = (
                                " (location needs Alertmanager ≥ 0.25)"
                                if str(field) == "location"
                                else did_you_mean(str(field), allowed)
                            )
                            self.add((*skey, str(field)), f"time interval: unknown field {str(field)!r}{hint}", at_key=True)
                    try:
                        validate_time_interval(spec_map, "time interval")
                    except TimeIntervalError as exc:
                        message = str(exc).split(": ", 1)[1] if ": " in str(exc) else str(exc)
                        self.add((*skey, *exc.key), message + exc.suggestion)
                    except (RoutingError, AttributeError, TypeError) as exc:
                        self.add(skey, f"time interval: {exc}")

    def route(self) -> None:
        if not isinstance(self.data.get("route"), Mapping) and self.data.get("route") is not None:
            self.add(("route",), f"route: expected a mapping, got {_kind(self.data.get('route'))}")
            return
        config = {k: v for k, v in self.data.items() if k != "receivers"}
        try:
            root = build_route_tree(config, self.version)
        except RoutingError as exc:
            text = str(exc)
            head, sep, rest = text.partition(": ")
            self.add(_route_key(text), rest if sep and head.startswith("route") else text)
            return
        # an undefined receiver is not reported here: the lint rule receiver-undefined says it with a did-you-mean
        for node in root.walk():
            key = _route_key(node.path)
            seen: set[str] = set()
            for label in node.group_by if "group_by" not in node.inherited else ():
                if label in seen and label != "...":
                    self.add((*key, "group_by"), f"duplicated label {label!r} in group_by")
                seen.add(label)
            for field, value in (("group_interval", node.group_interval), ("repeat_interval", node.repeat_interval)):
                if field not in node.inherited and _zero(value):
                    self.add((*key, field), f"{field} cannot be zero")

    def inhibit_rules(self) -> None:
        rules = self.listing(self.data.get("inhibit_rules"), ("inhibit_rules",), "inhibit_rules")
        for i, raw in enumerate(rules):
            entry = self.mapping(raw, ("inhibit_rules", i), "inhibit rule")
            if entry is None:
                continue
            self.fields(entry, ("inhibit_rules", i), "inhibit_rules.", "inhibit rule")
            for side in ("source_match", "target_match", "source_match_re", "target_match_re"):
                values = entry.get(side)
                for name in values if isinstance(values, Mapping) else ():
                    if not is_valid_label_name(str(name)):
                        self.add((*("inhibit_rules", i), side, str(name)), f"invalid label name {str(name)!r}", at_key=True)
            try:
                build_inhibit_rules([entry], self.version)
            except RoutingError as exc:
                text = str(exc).replace("inhibit_rules[0]", f"inhibit_rules[{i}]")
                where, _, message = text.partition(": ")
                self.add(_route_key(where), message or text)


def _zero(duration: str) -> bool:
    return bool(duration) and all(c in "0yhwdms" for c in duration) and not any(c.isdigit() and c != "0" for c in duration)


def _route_key(text: str) -> KeyPath:
    """'route.routes[1].group_by: ...' -> ('route', 'routes', 1, 'group_by'); a message naming the
    route in parentheses ('... used in route (route.routes[0], mute)') -> that route."""
    inner = re.search(r"\((route[A-Za-z_\[\]0-9.]*),", text)
    head = inner.group(1) if inner else text.split(":", 1)[0].strip()
    if not re.fullmatch(r"(route|inhibit_rules)[A-Za-z_\[\]0-9.]*", head):
        return ("route",) if not head.startswith("inhibit") else ("inhibit_rules",)
    parts: list[str | int] = []
    for name, index in re.findall(r"([A-Za-z_]+)|\[(\d+)\]", head):
        parts.append(int(index) if index else name)
    return tuple(parts)


def url_problem(text: str) -> str | None:
    """Why Alertmanager's URL type refuses `text` (http/https with a host), or None."""
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        return f"invalid URL {text!r}: {exc}"
    if parts.scheme not in ("http", "https"):
        return f"unsupported scheme {parts.scheme!r} for URL"
    if not parts.hostname:
        return "missing host for URL"
    return None


def host_port_problem(text: str) -> str | None:
    """Why net.SplitHostPort (and Alertmanager's HostPort) refuses `text`, or None."""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return f"address {text}: missing ']' in address"
        rest = text[end + 1 :]
        if not rest.startswith(":"):
            return f"address {text}: missing port in address"
        port = rest[1:]
    else:
        if ":" not in text:
            return f"address {text}: missing port in address"
        if text.count(":") > 1:
            return f"address {text}: too many colons in address"
        port = text.rsplit(":", 1)[1]
    if port == "":
        return f'address "{text}": port cannot be empty'
    return None


def config_issues(data: Any, version: str | Version) -> list[ConfigIssue]:
    """Everything `amtool check-config` of Alertmanager `version` refuses in `data` (a loaded
    alertmanager.yml), each at its key; [] when it would load."""
    if data is None:
        return [ConfigIssue((), "the file is empty (Alertmanager: no route provided in config)")]
    if not isinstance(data, Mapping):
        return [ConfigIssue((), f"expected a mapping at the top level, got {_kind(data)}")]
    return _Checker(data, Version.parse(version)).run()
