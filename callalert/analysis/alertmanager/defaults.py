"""The template text Alertmanager puts into a receiver field the configuration leaves unset.

A Slack receiver without `text:` still sends `{{ template "slack.default.text" . }}`: Alertmanager
fills every unset templated field from its Default*Config (config/notifiers.go; notify/<type>/config.go
from 0.33). A template file that redefines `slack.default.text` therefore changes, and can break,
every such receiver, so `check` renders these defaults too.

Each entry was read from Alertmanager's source at every release tag from v0.25.0 to v0.34.0, and
tests/tools/test_receiver_defaults.py proves the table against each installed Alertmanager: it
starts the server on 127.0.0.1 with one receiver of each type and reads the configuration
Alertmanager itself reports (GET /api/v2/status: `config.original`, defaults filled in).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from callalert.analysis.versions import Version


@dataclass(frozen=True)
class FieldDefault:
    receiver: str  # Alertmanager's key, e.g. slack_configs
    path: tuple[str, ...]  # the field, e.g. ("title",), ("headers", "Subject"), ("details", "firing")
    text: str
    since: Version  # the first release that fills it with this text
    until: Version | None = None  # the first release that no longer does (another text, or another path)

    def applies_to(self, version: Version) -> bool:
        return self.since <= version and (self.until is None or version < self.until)


_V25 = "0.25.0"


def _t(name: str) -> str:
    return f'{{{{ template "{name}" . }}}}'


def _rows() -> Iterator[tuple[str, tuple[str, ...], str, str, str | None]]:
    # (receiver, path, text, since, until)
    yield "discord_configs", ("title",), _t("discord.default.title"), _V25, None
    yield "discord_configs", ("message",), _t("discord.default.message"), _V25, None
    yield "email_configs", ("headers", "Subject"), _t("email.default.subject"), _V25, None
    yield "email_configs", ("html",), _t("email.default.html"), _V25, None
    yield "pagerduty_configs", ("description",), '{{ template "pagerduty.default.description" .}}', _V25, None
    yield "pagerduty_configs", ("client",), _t("pagerduty.default.client"), _V25, None
    yield "pagerduty_configs", ("client_url",), _t("pagerduty.default.clientURL"), _V25, None
    # the event's source defaults to the client (PagerdutyConfig.UnmarshalYAML)
    yield "pagerduty_configs", ("source",), _t("pagerduty.default.client"), _V25, None
    firing, resolved = (
        '{{ template "pagerduty.default.instances" .Alerts.Firing }}',
        ('{{ template "pagerduty.default.instances" .Alerts.Resolved }}'),
    )
    yield "pagerduty_configs", ("details", "firing"), firing, _V25, "0.30.0"
    yield "pagerduty_configs", ("details", "resolved"), resolved, _V25, "0.30.0"
    yield "pagerduty_configs", ("details", "firing"), "{{ .Alerts.Firing | toJson }}", "0.30.0", None
    yield "pagerduty_configs", ("details", "resolved"), "{{ .Alerts.Resolved | toJson }}", "0.30.0", None
    yield "pagerduty_configs", ("details", "num_firing"), "{{ .Alerts.Firing | len }}", _V25, None
    yield "pagerduty_configs", ("details", "num_resolved"), "{{ .Alerts.Resolved | len }}", _V25, None
    color = '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}'
    yield "slack_configs", ("color",), color, _V25, "0.32.0"
    yield "slack_configs", ("color",), _t("slack.default.color"), "0.32.0", None
    for field, name in (
        ("username", "username"),
        ("title", "title"),
        ("title_link", "titlelink"),
        ("icon_emoji", "iconemoji"),
        ("icon_url", "iconurl"),
        ("pretext", "pretext"),
        ("text", "text"),
        ("fallback", "fallback"),
        ("callback_id", "callbackid"),
        ("footer", "footer"),
    ):
        yield "slack_configs", (field,), _t(f"slack.default.{name}"), _V25, None
    for field in ("message", "description", "source"):
        yield "opsgenie_configs", (field,), _t(f"opsgenie.default.{field}"), _V25, None
    for field in ("message", "to_user", "to_party", "to_tag", "agent_id"):
        yield "wechat_configs", (field,), _t(f"wechat.default.{field}"), _V25, None
    for field in ("state_message", "entity_display_name", "monitoring_tool"):
        yield "victorops_configs", (field,), _t(f"victorops.default.{field}"), _V25, None
    for field in ("title", "message", "url"):
        yield "pushover_configs", (field,), _t(f"pushover.default.{field}"), _V25, None
    yield "pushover_configs", ("priority",), '{{ if eq .Status "firing" }}2{{ else }}0{{ end }}', _V25, None
    yield "sns_configs", ("subject",), _t("sns.default.subject"), _V25, None
    yield "sns_configs", ("message",), _t("sns.default.message"), _V25, None
    yield "telegram_configs", ("message",), _t("telegram.default.message"), _V25, None
    yield "webex_configs", ("message",), _t("webex.default.message"), _V25, None
    yield "msteams_configs", ("title",), _t("msteams.default.title"), "0.26.0", None
    yield "msteams_configs", ("text",), _t("msteams.default.text"), "0.26.0", None
    yield "msteams_configs", ("summary",), _t("msteams.default.summary"), "0.27.0", None
    yield "msteamsv2_configs", ("title",), _t("msteamsv2.default.title"), "0.28.0", None
    yield "msteamsv2_configs", ("text",), _t("msteamsv2.default.text"), "0.28.0", None
    yield "rocketchat_configs", ("color",), '{{ if eq .Status "firing" }}red{{ else }}green{{ end }}', "0.28.0", None
    for field, name in (
        ("title", "title"),
        ("title_link", "titlelink"),
        ("text", "text"),
        ("emoji", "emoji"),
        ("icon_url", "iconurl"),
    ):
        yield "rocketchat_configs", (field,), _t(f"rocketchat.default.{name}"), "0.28.0", None
    # jira's summary and description became {template, enable_update} mappings in 0.30
    yield "jira_configs", ("summary",), _t("jira.default.summary"), "0.28.0", "0.30.0"
    yield "jira_configs", ("description",), _t("jira.default.description"), "0.28.0", "0.30.0"
    yield "jira_configs", ("summary", "template"), _t("jira.default.summary"), "0.30.0", None
    yield "jira_configs", ("description", "template"), _t("jira.default.description"), "0.30.0", None
    yield "jira_configs", ("priority",), _t("jira.default.priority"), "0.28.0", None
    yield "mattermost_configs", ("text",), _t("mattermost.default.text"), "0.30.0", None
    for field, name in (
        ("username", "username"),
        ("color", "color"),
        ("title", "title"),
        ("title_link", "titlelink"),
        ("fallback", "fallback"),
    ):
        yield "mattermost_configs", (field,), _t(f"mattermost.default.{name}"), "0.32.0", None


DEFAULTS: tuple[FieldDefault, ...] = tuple(
    FieldDefault(receiver, path, text, Version.parse(since), Version.parse(until) if until else None)
    for receiver, path, text, since, until in _rows()
)


def field_defaults(receiver: str, version: str | Version) -> list[FieldDefault]:
    """The templated defaults Alertmanager `version` fills into a `receiver` entry (e.g. slack_configs)."""
    target = Version.parse(version)
    return [d for d in DEFAULTS if d.receiver == receiver and d.applies_to(target)]


def _is_set(entry: Mapping[str, Any], path: tuple[str, ...]) -> bool:
    head, rest = path[0], path[1:]
    if head == "headers":  # the Subject header is looked up case-insensitively (EmailConfig.UnmarshalYAML)
        headers = entry.get("headers") or {}
        return any(str(k).lower() == rest[0].lower() for k in headers)
    value = entry.get(head)
    if not rest:
        return value is not None and value != ""
    if isinstance(value, str):
        return value != ""  # jira: a plain string is the template
    return isinstance(value, Mapping) and _is_set(value, rest)


def unset_defaults(receiver: str, entry: Mapping[str, Any], version: str | Version) -> list[FieldDefault]:
    """The defaults Alertmanager fills into this one receiver entry: those whose field it leaves unset."""
    return [d for d in field_defaults(receiver, version) if not _is_set(entry, d.path)]


# --- the templated fields of a configuration ---------------------------------------------------

# Marks a field path whose text Alertmanager fills from its defaults (the configuration leaves it unset).
TEMPLATE_DEFAULT_NOTE = " (Alertmanager's default)"

# (receiver, field path, field name, template text)
TemplateField = tuple[str, str, str, str]


def default_fields(config: Mapping[str, Any], version: str) -> list[TemplateField]:
    """Every templated field a receiver leaves unset and Alertmanager `version` fills from its
    defaults (`slack.default.text`, ...); the path ends with TEMPLATE_DEFAULT_NOTE."""
    out: list[TemplateField] = []
    for receiver in config.get("receivers") or []:
        name = str(receiver.get("name"))
        for key, entries in receiver.items():
            if key == "name" or not isinstance(entries, list):
                continue
            for i, entry in enumerate(entries):
                if not isinstance(entry, Mapping):
                    continue
                for default in unset_defaults(str(key), entry, version):
                    path = f"receivers.{name}.{key}[{i}]." + ".".join(default.path)
                    out.append((name, path + TEMPLATE_DEFAULT_NOTE, default.path[-1], default.text))
    return out


def templated_fields(config: Mapping[str, Any]) -> list[TemplateField]:
    """Every receiver string holding `{{` (a Go template Alertmanager renders per notification)."""
    out: list[TemplateField] = []

    def walk(value: Any, path: str, name: str, receiver: str) -> None:
        if isinstance(value, str):
            if "{{" in value:
                out.append((receiver, path, name, value))
        elif isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, f"{path}.{k}", str(k), receiver)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]", name, receiver)

    for receiver in config.get("receivers") or []:
        name = str(receiver.get("name"))
        for key, value in receiver.items():
            if key != "name":
                walk(value, f"receivers.{name}.{key}", key, name)
    return out
