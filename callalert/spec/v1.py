"""The spec, format version 1: what users write. Field descriptions are the reference docs.

These models check shape and local syntax only; cross-references, versions and everything
that needs the whole spec live in resolve.py and validate.py.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

from callalert.analysis.alertmanager.matchers import format_matcher
from callalert.analysis.labels import is_valid_label_name
from callalert.analysis.versions import DEFAULT_ALERTMANAGER, DEFAULT_PROMETHEUS
from callalert.diagnostics import shown

VERSION = 1

# Prometheus' model.ParseDuration: units in this order, each at most once, ASCII digits only
# (fullmatch: "1m\n" is refused, as Go's `$` is the end of the text).
_DURATION_RE = re.compile(r"(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?")
_METRIC_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_UNITS = (365 * 86400.0, 7 * 86400.0, 86400.0, 3600.0, 60.0, 1.0, 0.001)
_UNIT_MS = (365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000, 1)
# Go's time.Duration is int64 nanoseconds: about 292 years
MAX_DURATION_MS = (2**63 - 1) // 1_000_000


def duration_seconds(text: str) -> float:
    match = _DURATION_RE.fullmatch(text)
    if not match or text in ("",):
        raise ValueError(text)
    return sum(int(g) * unit for g, unit in zip(match.groups(), _UNITS, strict=True) if g)


@functools.lru_cache(maxsize=4096)  # a spec repeats a few durations (`for: 5m`) thousands of times
def duration_ms(text: str) -> int | None:
    """Milliseconds of a Prometheus duration, or None when it is not one."""
    if text == "0":
        return 0
    match = _DURATION_RE.fullmatch(text) if text and len(text) < 200 else None
    if match is None:
        return None
    return sum(int(g) * unit for g, unit in zip(match.groups(), _UNIT_MS, strict=True) if g)


def _check_duration(value: str) -> str:
    ms = duration_ms(value)
    if ms is None:
        raise PydanticCustomError(
            "duration",
            "invalid duration {value}: use Prometheus durations like 30s, 5m, 1h30m, 7d",
            {"value": shown(value)},
        )
    if ms > MAX_DURATION_MS:
        raise PydanticCustomError(
            "duration",
            "duration {value} is out of range: Prometheus and Alertmanager durations are at most 292y (106751d)",
            {"value": shown(value)},
        )
    return value


def _check_nonzero_duration(value: str) -> str:
    if duration_ms(value) == 0:
        raise PydanticCustomError("duration", "must not be 0: Alertmanager refuses a zero group_interval or repeat_interval", {})
    return value


def label_name_problem(value: str, *, utf8: bool = False) -> str | None:
    """Why `value` is not a label name callalert writes (None: it is one). Prometheus before 3.0
    knows only letters, digits and _; from 3.0 (`utf8=True`) any text. Names starting with __ are
    Prometheus' own in both."""
    if utf8 and value and not value.startswith("__"):
        return None
    if utf8 and value.startswith("__"):
        return f"invalid label name {shown(value)}: names starting with __ are reserved for Prometheus' own labels"
    if not is_valid_label_name(value) or value.startswith("__"):
        return f"invalid label name {shown(value)}: use letters, digits and _, not starting with a digit or __"
    return None


def _check_label_name(value: str) -> str:
    problem = label_name_problem(value)
    if problem is not None:
        raise PydanticCustomError("label_name", problem, {})
    return value


def alert_name_problem(value: str) -> str | None:
    """Why `value` is not an alert name under `defaults.alert_names: identifier` (None: it is one)."""
    if _METRIC_RE.match(value):
        return None
    return (
        f"invalid alert name {shown(value)}: alert names are label values of `alertname`; use "
        "letters, digits, _ and : (e.g. HighCallLatency)"
    )


def _check_version(value: Any) -> str:
    text = str(value)
    if not re.match(r"^\d+\.\d+(\.\d+)?$", text):
        raise PydanticCustomError("version", "invalid version {value}: write MAJOR.MINOR, e.g. 0.25", {"value": shown(text)})
    return text


Duration = Annotated[str, AfterValidator(_check_duration)]
NonZeroDuration = Annotated[str, AfterValidator(_check_duration), AfterValidator(_check_nonzero_duration)]
LabelName = Annotated[str, AfterValidator(_check_label_name)]
# Label and annotation names of rules: which names Prometheus accepts depends on the target
# version (any UTF-8 from 3.0), so validate checks them against defaults.targets.prometheus.
RuleLabelName = Annotated[str, Field(min_length=1, title="label name")]
VersionStr = Annotated[str, BeforeValidator(_check_version)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=False)


# --- secrets ------------------------------------------------------------------------------


class SecretRef(Model):
    """A secret is referenced, never written: `{file: PATH}` or `{env: NAME}`."""

    file: str | None = Field(
        None, description="Path of a file holding the secret, as Alertmanager will see it. Rendered as the `*_file` field."
    )
    env: str | None = Field(None, description="Environment variable holding the secret; resolved only by `render --secrets=env`.")

    @model_validator(mode="after")
    def _one(self) -> SecretRef:
        if (self.file is None) == (self.env is None):
            raise PydanticCustomError("secret_ref", "a secret reference needs exactly one of `file` or `env`", {})
        return self


def _reject_literal(value: Any) -> Any:
    if isinstance(value, str):
        raise PydanticCustomError(
            "plaintext_secret",
            "plaintext secret: write a reference, {file: /path/to/secret} or {env: VAR_NAME}, never the value",
            {},
        )
    if value is not None and not isinstance(value, dict | SecretRef):
        # a number or a list here is a secret value too: refused without showing it
        kind = "a number" if isinstance(value, int | float) and not isinstance(value, bool) else f"a {type(value).__name__}"
        raise PydanticCustomError(
            "plaintext_secret",
            "plaintext secret: a secret is a reference, {file: PATH} or {env: NAME}; got {kind} (not shown)",
            {"kind": kind},
        )
    return value


Secret = Annotated[SecretRef, BeforeValidator(_reject_literal)]


class FileRef(Model):
    """A value Alertmanager reads from a file: `{file: PATH}` (rendered as the `*_file` field)."""

    file: str = Field(description="Path of the file, as Alertmanager will see it.")


def _number_or_file(value: Any) -> Any:
    if isinstance(value, dict) and set(value) != {"file"}:
        raise PydanticCustomError(
            "number_or_file",
            "write a number or {file: PATH} (Alertmanager reads the `*_file` option); {env:} does not apply here",
            {},
        )
    return value


class TLSConfig(Model):
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    server_name: str | None = None
    insecure_skip_verify: bool | None = None
    min_version: str | None = None
    max_version: str | None = None


class BasicAuth(Model):
    username: str | None = None
    password: Secret | None = Field(None, description="Rendered as `password_file` (or inline with --secrets=env).")


class Authorization(Model):
    type: str | None = None
    credentials: Secret | None = Field(None, description="Rendered as `credentials_file` (or inline with --secrets=env).")


class OAuth2(Model):
    """OAuth 2.0 client credentials for `http_config`."""

    client_id: str | None = None
    client_secret: Secret | None = Field(None, description="Rendered as `client_secret_file` (or inline with --secrets=env).")
    scopes: list[str] | None = None
    token_url: str | None = None
    endpoint_params: dict[str, str] | None = None
    tls_config: TLSConfig | None = None
    proxy_url: str | None = None


class HTTPConfig(Model):
    """Alertmanager's `http_config`; secret values by reference only."""

    basic_auth: BasicAuth | None = None
    authorization: Authorization | None = None
    oauth2: OAuth2 | None = None
    bearer_token: Secret | None = Field(None, description="Rendered as `bearer_token_file`.")
    proxy_url: str | None = None
    tls_config: TLSConfig | None = None
    follow_redirects: bool | None = None
    enable_http2: bool | None = None


# --- receivers ----------------------------------------------------------------------------


class ReceiverConfigBase(Model):
    send_resolved: bool | None = Field(None, description="Notify when the alert resolves too.")


class EmailThreading(Model):
    enabled: bool | None = None
    thread_by_date: Literal["daily", "none"] = Field(description="Alertmanager refuses the threading block without it.")


class EmailConfig(ReceiverConfigBase):
    to: str = Field(description="Recipient address(es), comma-separated.")
    from_: str | None = Field(None, alias="from", description="Sender; defaults to `global.smtp.from`.")
    smarthost: str | None = Field(None, description="SMTP host:port; defaults to `global.smtp.smarthost`.")
    hello: str | None = None
    auth_username: str | None = None
    auth_password: Secret | None = None
    auth_secret: Secret | None = Field(None, description="CRAM-MD5 secret (`auth_secret_file` needs Alertmanager ≥ 0.31).")
    auth_identity: str | None = None
    require_tls: bool | None = None
    force_implicit_tls: bool | None = Field(None, description="Alertmanager ≥ 0.31.")
    tls_config: TLSConfig | None = None
    html: str | None = Field(None, description='HTML body (Go template), e.g. `{{ template "email.html" . }}`.')
    text: str | None = None
    headers: dict[str, str] | None = Field(None, description="Mail headers, e.g. `Subject`.")
    threading: EmailThreading | None = Field(None, description="Alertmanager ≥ 0.30.")


class SlackField(Model):
    title: str
    value: str
    short: bool | None = None


class SlackConfirm(Model):
    text: str
    title: str | None = None
    ok_text: str | None = None
    dismiss_text: str | None = None


class SlackAction(Model):
    type: str
    text: str
    url: str | None = None
    style: str | None = None
    name: str | None = None
    value: str | None = None
    confirm: SlackConfirm | None = None


class SlackConfig(ReceiverConfigBase):
    api_url: Secret | None = Field(
        None, description="Incoming-webhook URL (a secret: its path holds the token). Defaults to `global.slack_api_url`."
    )
    app_token: Secret | None = Field(None, description="Slack app (bot) token, instead of `api_url` (Alertmanager ≥ 0.30).")
    app_url: str | None = Field(None, description="Slack API method URL for `app_token` (Alertmanager ≥ 0.30).")
    channel: str | None = None
    username: str | None = None
    color: str | None = None
    title: str | None = None
    title_link: str | None = None
    pretext: str | None = None
    text: str | None = None
    message_text: str | None = Field(None, description="Alertmanager ≥ 0.31.")
    footer: str | None = None
    fallback: str | None = None
    callback_id: str | None = None
    icon_emoji: str | None = None
    icon_url: str | None = None
    image_url: str | None = None
    thumb_url: str | None = None
    link_names: bool | None = None
    mrkdwn_in: list[str] | None = None
    fields: list[SlackField] | None = None
    short_fields: bool | None = None
    actions: list[SlackAction] | None = None
    update_message: bool | None = Field(None, description="Alertmanager ≥ 0.32.")
    timeout: Duration | None = Field(None, description="Alertmanager ≥ 0.30.")
    http_config: HTTPConfig | None = None


class PagerdutyImage(Model):
    src: str
    alt: str | None = None
    href: str | None = None


class PagerdutyLink(Model):
    href: str
    text: str | None = None


class PagerdutyConfig(ReceiverConfigBase):
    routing_key: Secret | None = Field(None, description="Events API v2 integration key.")
    service_key: Secret | None = Field(None, description="Events API v1 (Prometheus integration) service key.")
    url: str | None = Field(None, description="Events API URL (override for testing or a proxy).")
    client: str | None = None
    client_url: str | None = None
    description: str | None = None
    severity: str | None = None
    class_: str | None = Field(None, alias="class")
    component: str | None = None
    group: str | None = None
    source: str | None = None
    details: dict[str, str] | None = None
    images: list[PagerdutyImage] | None = None
    links: list[PagerdutyLink] | None = None
    timeout: Duration | None = Field(None, description="Alertmanager ≥ 0.30.")
    http_config: HTTPConfig | None = None

    @model_validator(mode="after")
    def _key(self) -> PagerdutyConfig:
        if (self.routing_key is None) == (self.service_key is None):
            raise PydanticCustomError(
                "pagerduty_key", "a PagerDuty config needs exactly one of `routing_key` or `service_key`", {}
            )
        return self


class WebhookConfig(ReceiverConfigBase):
    url: str | SecretRef = Field(
        description="Endpoint URL; a secret reference when the URL carries a token (`url_file` needs Alertmanager ≥ 0.26)."
    )
    max_alerts: int | None = Field(None, ge=0)
    timeout: Duration | None = Field(None, description="Alertmanager ≥ 0.28.")
    payload: Any = Field(None, description="Custom JSON payload (Go templates in its strings); Alertmanager ≥ 0.32.")
    http_config: HTTPConfig | None = None


class OpsgenieResponder(Model):
    type: str = Field(description="team, teams, user, escalation or schedule.")
    id: str | None = None
    name: str | None = None
    username: str | None = None


class OpsgenieConfig(ReceiverConfigBase):
    api_key: Secret | None = None
    api_url: str | None = None
    message: str | None = None
    description: str | None = None
    source: str | None = None
    details: dict[str, str] | None = None
    entity: str | None = None
    responders: list[OpsgenieResponder] | None = None
    actions: str | None = None
    tags: str | None = None
    note: str | None = None
    priority: str | None = None
    update_alerts: bool | None = None
    http_config: HTTPConfig | None = None


class MSTeamsConfig(ReceiverConfigBase):
    webhook_url: Secret = Field(description="Incoming-webhook URL (`webhook_url_file` needs Alertmanager ≥ 0.27).")
    title: str | None = None
    summary: str | None = Field(None, description="Alertmanager ≥ 0.27.")
    text: str | None = None
    http_config: HTTPConfig | None = None


class MSTeamsV2Config(ReceiverConfigBase):
    webhook_url: Secret = Field(description="Power Automate workflow URL.")
    title: str | None = None
    text: str | None = None
    http_config: HTTPConfig | None = None


class TelegramConfig(ReceiverConfigBase):
    bot_token: Secret | None = Field(
        None,
        description="Bot token (`bot_token_file` needs Alertmanager ≥ 0.26; use {env: ...} before); defaults to "
        "`global.telegram_bot_token` (Alertmanager ≥ 0.31).",
    )
    chat_id: Annotated[int | FileRef, BeforeValidator(_number_or_file)] = Field(
        description="Chat id, or `{file: PATH}` (`chat_id_file`, Alertmanager ≥ 0.31)."
    )
    message_thread_id: int | None = Field(None, description="Alertmanager ≥ 0.28.")
    api_url: str | None = None
    message: str | None = None
    disable_notifications: bool | None = None
    parse_mode: Literal["", "MarkdownV2", "Markdown", "HTML"] | None = None
    http_config: HTTPConfig | None = None


class DiscordConfig(ReceiverConfigBase):
    webhook_url: Secret = Field(description="Discord webhook URL (a secret; `webhook_url_file` needs Alertmanager ≥ 0.27).")
    title: str | None = None
    message: str | None = None
    content: str | None = Field(None, description="Alertmanager ≥ 0.28.")
    username: str | None = Field(None, description="Alertmanager ≥ 0.28.")
    avatar_url: str | None = Field(None, description="Alertmanager ≥ 0.28.")
    http_config: HTTPConfig | None = None


class WebexConfig(ReceiverConfigBase):
    room_id: str
    api_url: str | None = None
    message: str | None = None
    http_config: HTTPConfig | None = Field(None, description="Needs `authorization.credentials` (the bot token).")


class VictorOpsConfig(ReceiverConfigBase):
    routing_key: str
    api_key: Secret | None = None
    api_url: str | None = None
    message_type: str | None = None
    entity_display_name: str | None = None
    state_message: str | None = None
    monitoring_tool: str | None = None
    custom_fields: dict[str, str] | None = None
    http_config: HTTPConfig | None = None


class PushoverConfig(ReceiverConfigBase):
    user_key: Secret
    token: Secret
    title: str | None = None
    message: str | None = None
    url: str | None = None
    url_title: str | None = None
    device: str | None = Field(None, description="Alertmanager ≥ 0.26.")
    sound: str | None = None
    priority: str | None = None
    retry: Duration | None = None
    expire: Duration | None = None
    ttl: Duration | None = Field(None, description="Alertmanager ≥ 0.27.")
    html: bool | None = None
    monospace: bool | None = Field(None, description="Alertmanager ≥ 0.29; not together with `html`.")
    http_config: HTTPConfig | None = None


class SigV4(Model):
    region: str | None = None
    access_key: str | None = None
    secret_key: Secret | None = Field(None, description="Alertmanager has no `secret_key_file`: use {env: NAME}.")
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = Field(None, description="With `role_arn`; Alertmanager ≥ 0.31.")
    use_fips_sts_endpoint: bool | None = Field(None, description="Alertmanager ≥ 0.28.")
    service_name: str | None = Field(None, description="Alertmanager ≥ 0.29.")


class SNSConfig(ReceiverConfigBase):
    api_url: str | None = None
    sigv4: SigV4 | None = None
    topic_arn: str | None = None
    phone_number: str | None = None
    target_arn: str | None = None
    subject: str | None = None
    message: str | None = None
    attributes: dict[str, str] | None = None
    use_aws_http_client: bool | None = Field(None, description="Alertmanager ≥ 0.33.")
    http_config: HTTPConfig | None = None


class WeChatConfig(ReceiverConfigBase):
    api_secret: Secret | None = Field(None, description="`api_secret_file` needs Alertmanager ≥ 0.31.")
    api_url: str | None = None
    corp_id: str | None = None
    message: str | None = None
    message_type: str | None = None
    agent_id: str | None = None
    to_user: str | None = None
    to_party: str | None = None
    to_tag: str | None = None
    http_config: HTTPConfig | None = None


class JiraField(Model):
    template: str
    enable_update: bool | None = None


class JiraConfig(ReceiverConfigBase):
    api_url: str | None = Field(None, description="Defaults to `global.jira_api_url`.")
    api_type: Literal["auto", "cloud", "datacenter"] | None = Field(None, description="Alertmanager ≥ 0.29.")
    project: str
    issue_type: str
    summary: str | JiraField | None = Field(None, description="A template, or `{template, enable_update}` (Alertmanager ≥ 0.30).")
    description: str | JiraField | None = Field(
        None, description="A template, or `{template, enable_update}` (Alertmanager ≥ 0.30)."
    )
    labels: list[str] | None = None
    priority: str | None = None
    reopen_transition: str | None = None
    resolve_transition: str | None = None
    wont_fix_resolution: str | None = None
    reopen_duration: Duration | None = None
    fields: dict[str, Any] | None = Field(None, description="Other issue fields, e.g. `customfield_10000`.")
    http_config: HTTPConfig | None = Field(None, description="Jira's credentials (basic_auth or authorization).")


class RocketchatField(Model):
    title: str | None = None
    value: str | None = None
    short: bool | None = None


class RocketchatAction(Model):
    type: str | None = None
    text: str | None = None
    url: str | None = None
    msg: str | None = None


class RocketchatConfig(ReceiverConfigBase):
    api_url: str | None = Field(None, description="Defaults to `global.rocketchat_api_url`.")
    token_id: Secret | None = Field(None, description="Defaults to `global.rocketchat_token_id`.")
    token: Secret | None = Field(None, description="Defaults to `global.rocketchat_token`.")
    channel: str | None = None
    color: str | None = None
    title: str | None = None
    title_link: str | None = None
    text: str | None = None
    fields: list[RocketchatField] | None = None
    short_fields: bool | None = None
    emoji: str | None = None
    icon_url: str | None = None
    image_url: str | None = None
    thumb_url: str | None = None
    link_names: bool | None = None
    actions: list[RocketchatAction] | None = None
    http_config: HTTPConfig | None = None


class IncidentioConfig(ReceiverConfigBase):
    url: str | SecretRef = Field(description="Alert source URL; a secret reference renders `url_file`.")
    alert_source_token: Secret | None = Field(None, description="Or `http_config.authorization`.")
    max_alerts: int | None = Field(None, ge=0)
    timeout: Duration | None = None
    http_config: HTTPConfig | None = None


class MattermostField(Model):
    title: str | None = None
    value: str | None = None
    short: bool | None = None


class MattermostAttachment(Model):
    fallback: str | None = None
    color: str | None = None
    pretext: str | None = None
    text: str | None = None
    author_name: str | None = None
    author_link: str | None = None
    author_icon: str | None = None
    title: str | None = None
    title_link: str | None = None
    fields: list[MattermostField] | None = None
    thumb_url: str | None = None
    footer: str | None = None
    footer_icon: str | None = None
    image_url: str | None = None


class MattermostProps(Model):
    card: str | None = None


class MattermostPriority(Model):
    priority: Literal["urgent", "important", "standard"] | None = None
    requested_ack: bool | None = None
    persistent_notifications: bool | None = None


class MattermostConfig(ReceiverConfigBase):
    webhook_url: Secret | None = Field(None, description="Defaults to `global.mattermost_webhook_url` (Alertmanager ≥ 0.32).")
    channel: str | None = None
    username: str | None = None
    text: str | None = None
    icon_url: str | None = None
    icon_emoji: str | None = None
    type: str | None = None
    props: MattermostProps | None = None
    priority: MattermostPriority | None = None
    attachments: list[MattermostAttachment] | None = None
    fallback: str | None = Field(None, description="Attachment fields at the top level: Alertmanager ≥ 0.32.")
    color: str | None = None
    pretext: str | None = None
    author_name: str | None = None
    author_link: str | None = None
    author_icon: str | None = None
    title: str | None = None
    title_link: str | None = None
    fields: list[MattermostField] | None = None
    thumb_url: str | None = None
    footer: str | None = None
    footer_icon: str | None = None
    image_url: str | None = None
    http_config: HTTPConfig | None = None


class Receiver(Model):
    """A notification target. Option names are Alertmanager's own; each receiver type and option is
    checked against the target Alertmanager (docs/versions.md)."""

    description: str | None = Field(None, description="What this receiver is for (documentation only).")
    labels: dict[str, str] | None = Field(
        None, description="Receiver labels (Alertmanager ≥ 0.33); a `name` label must equal the receiver's name."
    )
    email_configs: list[EmailConfig] | None = None
    slack_configs: list[SlackConfig] | None = None
    pagerduty_configs: list[PagerdutyConfig] | None = None
    webhook_configs: list[WebhookConfig] | None = Field(None, description="Generic webhooks, e.g. an SMS gateway.")
    opsgenie_configs: list[OpsgenieConfig] | None = None
    msteams_configs: list[MSTeamsConfig] | None = Field(None, description="Microsoft Teams (Alertmanager ≥ 0.26).")
    msteamsv2_configs: list[MSTeamsV2Config] | None = Field(
        None, description="Microsoft Teams through Power Automate workflows (Alertmanager ≥ 0.28)."
    )
    telegram_configs: list[TelegramConfig] | None = Field(None, description="Telegram (Alertmanager ≥ 0.24).")
    discord_configs: list[DiscordConfig] | None = Field(None, description="Discord (Alertmanager ≥ 0.25).")
    webex_configs: list[WebexConfig] | None = Field(None, description="Webex (Alertmanager ≥ 0.25).")
    victorops_configs: list[VictorOpsConfig] | None = None
    pushover_configs: list[PushoverConfig] | None = None
    sns_configs: list[SNSConfig] | None = Field(None, description="AWS SNS (Alertmanager ≥ 0.23).")
    wechat_configs: list[WeChatConfig] | None = None
    jira_configs: list[JiraConfig] | None = Field(
        None, description="Jira issues (Alertmanager ≥ 0.28; Debian's 0.28.x builds have it disabled)."
    )
    rocketchat_configs: list[RocketchatConfig] | None = Field(None, description="Rocket.Chat (Alertmanager ≥ 0.28).")
    incidentio_configs: list[IncidentioConfig] | None = Field(None, description="incident.io (Alertmanager ≥ 0.29).")
    mattermost_configs: list[MattermostConfig] | None = Field(None, description="Mattermost (Alertmanager ≥ 0.30).")


# --- matchers -----------------------------------------------------------------------------


def _matchers_input(value: Any) -> Any:
    # `{severity: critical}` is shorthand for `['severity="critical"']`.
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            if v is None or isinstance(v, (dict, list)):
                raise PydanticCustomError("matcher_map", "matcher shorthand values must be plain strings (label: value)", {})
            text = str(v).lower() if isinstance(v, bool) else str(v)
            out.append(format_matcher(str(k), "=", text))
        return out
    return value


Matchers = Annotated[list[str], BeforeValidator(_matchers_input)]


# --- top level ------------------------------------------------------------------------------


class Targets(Model):
    prometheus: VersionStr = Field(
        DEFAULT_PROMETHEUS,
        description="Prometheus version the rules must work on. Rule label and annotation names beyond letters, digits "
        "and _ (any UTF-8, Prometheus ≥ 3.0) need it written here, 3.0 or later: the default does not vouch for them.",
    )
    alertmanager: VersionStr = Field(
        DEFAULT_ALERTMANAGER, description="Alertmanager version the config and templates must work on."
    )
    prometheus_features: list[Literal["promql-experimental-functions"]] = Field(
        default_factory=list,
        description="Prometheus `--enable-feature` flags the rules rely on. `promql-experimental-functions` (Prometheus "
        "≥ 2.49) allows experimental functions such as sort_by_label() and limitk(); `check` proves such rules with a "
        "promtool that honours the flag (≥ 3.4).",
    )


class Defaults(Model):
    group_by: list[str] = Field(
        default_factory=lambda: ["alertname"], description="Route-level grouping labels (`['...']` groups by all labels)."
    )
    group_wait: Duration = "30s"
    group_interval: NonZeroDuration = "5m"
    repeat_interval: NonZeroDuration = "4h"
    resolve_timeout: Duration = Field("5m", description="Alertmanager `global.resolve_timeout`.")
    scrape_interval: Duration = Field(
        "1m",
        description="How often Prometheus scrapes the series the rules read (its `scrape_interval`; 1m is Prometheus' "
        "default). validate and lint check that every rate()-like range holds two samples at this interval.",
    )
    evaluation_interval: Duration = Field(
        "1m",
        description="Rule group evaluation interval. When set, every group without its own `interval` gets it; when omitted, groups use Prometheus' global `evaluation_interval`.",
    )
    dashboard_base_url: str | None = Field(None, description="Base for relative `dashboard` values.")
    runbook_base_url: str | None = Field(
        None,
        description="Where the rendered runbooks are published; each alert's `runbook_url` annotation is "
        "`<runbook_base_url>/<AlertName>.md`. Without it, the relative path `runbooks/<AlertName>.md`.",
    )
    external_labels: dict[LabelName, str] = Field(
        default_factory=dict, description="Prometheus external labels the alerts will carry (used by checks)."
    )
    targets: Targets = Field(default_factory=Targets)
    alert_names: Literal["identifier", "text"] = Field(
        "identifier",
        description="`identifier`: alert names are letters, digits, _ and : (callalert's convention: safe in file names, "
        "matchers and URLs). `text`: any non-empty text, as Prometheus allows (rule files often have names like "
        "`Service Is Down`); file names of runbooks and tests then replace what a file name cannot hold.",
    )


class SMTP(Model):
    """Alertmanager's `global.smtp_*` settings."""

    smarthost: str | None = None
    from_: str | None = Field(None, alias="from")
    hello: str | None = None
    auth_username: str | None = None
    auth_password: Secret | None = None
    auth_identity: str | None = None
    auth_secret: Secret | None = Field(None, description="`smtp_auth_secret_file` needs Alertmanager ≥ 0.31.")
    require_tls: bool | None = None
    force_implicit_tls: bool | None = Field(None, description="Alertmanager ≥ 0.31.")
    tls_config: TLSConfig | None = Field(None, description="Alertmanager ≥ 0.28.")


class Global(Model):
    """Alertmanager `global:` settings shared by receivers (each checked against the target)."""

    smtp: SMTP | None = None
    slack_api_url: Secret | None = None
    slack_app_token: Secret | None = Field(None, description="Alertmanager ≥ 0.30.")
    slack_app_url: str | None = Field(None, description="Alertmanager ≥ 0.30.")
    pagerduty_url: str | None = None
    opsgenie_api_url: str | None = None
    opsgenie_api_key: Secret | None = None
    wechat_api_url: str | None = None
    wechat_api_secret: Secret | None = Field(None, description="`wechat_api_secret_file` needs Alertmanager ≥ 0.31.")
    wechat_api_corp_id: str | None = None
    victorops_api_url: str | None = None
    victorops_api_key: Secret | None = None
    telegram_api_url: str | None = None
    telegram_bot_token: Secret | None = Field(None, description="Alertmanager ≥ 0.31.")
    webex_api_url: str | None = None
    jira_api_url: str | None = Field(None, description="Alertmanager ≥ 0.28 (not in Debian's 0.28.x builds).")
    rocketchat_api_url: str | None = Field(None, description="Alertmanager ≥ 0.28.")
    rocketchat_token: Secret | None = Field(None, description="Alertmanager ≥ 0.28.")
    rocketchat_token_id: Secret | None = Field(None, description="Alertmanager ≥ 0.28.")
    mattermost_webhook_url: Secret | None = Field(None, description="Alertmanager ≥ 0.32.")
    http_config: HTTPConfig | None = None


class Severity(Model):
    description: str | None = None
    response_time: Duration | None = Field(
        None, description="Target time to respond (documentation and runbooks); omit for no action."
    )
    notify: list[str] = Field(
        default_factory=list,
        description="Receivers this severity must reach. Drives the derived route tree (then every severity needs it); "
        "with explicit `routing.routes` it is optional: the declared policy that `lint` checks the routes against "
        "(leave it out when routes are keyed by another label, such as `team`).",
    )
    paging: bool | None = Field(None, description="Whether this severity pages someone (defaults to true for `critical`).")


class Category(Model):
    description: str | None = None
    notify: list[str] = Field(
        default_factory=list, description="Extra receivers for alerts of this category (e.g. email for availability and errors)."
    )


class Runbook(Model):
    title: str | None = Field(None, description="Runbook heading; defaults to the alert's summary.")
    description: str | None = Field(None, description="What the alert means and why it matters.")
    investigation: list[str] = Field(default_factory=list, description="Steps to find the cause.")
    mitigation: list[str] = Field(default_factory=list, description="Steps to limit the impact.")
    contacts: list[str] = Field(default_factory=list)
    escalation: str | list[str] | None = Field(None, description="When and to whom to escalate.")


class Alert(Model):
    name: str = Field(
        min_length=1, description="Alert name (the `alertname` label); its syntax is set by `defaults.alert_names`."
    )
    expr: str = Field(description="PromQL expression; the alert fires for each series it returns.")
    for_: Duration | None = Field(None, alias="for", description="How long the condition must hold before firing.")
    keep_firing_for: Duration | None = Field(
        None, description="Keep the alert firing this long after the condition stops being true (Prometheus ≥ 2.42)."
    )
    severity: str | None = Field(
        None, description="A key of `severities`: the `severity` label. Omit it for an alert without one."
    )
    category: str | None = Field(None, description="A key of `categories`.")
    summary: str | None = Field(
        None, description="One line; the `summary` annotation (Prometheus template text allowed). `lint` warns without it."
    )
    description: str | None = Field(
        None, description="The `description` annotation (Prometheus template text allowed). `lint` warns without it."
    )
    dashboard: str | None = Field(
        None,
        description="Dashboard URL, absolute or relative to `defaults.dashboard_base_url`; without it the alert links `defaults.dashboard_base_url` itself.",
    )
    runbook_url: str | None = Field(
        None,
        description="The `runbook_url` annotation, written as is (an absolute URL; Prometheus template text allowed), "
        "for an alert whose runbook lives elsewhere. Without it the alert links its rendered runbook "
        "(`defaults.runbook_base_url`).",
    )
    runbook: Runbook | None = None
    labels: dict[RuleLabelName, str] = Field(default_factory=dict, description="Extra labels (severity and category are added).")
    annotations: dict[RuleLabelName, str] = Field(default_factory=dict, description="Extra annotations.")
    shares_name: bool = Field(
        False,
        description="Set on an alert that reuses the name of an earlier one on purpose (Prometheus allows several rules "
        "per alert name, e.g. a warning and a critical threshold); they share one runbook. Without it a repeated "
        "name is an error.",
    )


class Record(Model):
    record: str
    expr: str
    labels: dict[RuleLabelName, str] = Field(default_factory=dict)


def _rule_kind(value: Any) -> str:
    return "recording rule" if isinstance(value, dict) and "record" in value else "alert"


# An item of `groups[*].alerts_and_records`: a recording rule (it has `record:`) or an alert.
RuleItem = Annotated[
    Annotated[Alert, Tag("alert")] | Annotated[Record, Tag("recording rule")],
    Discriminator(_rule_kind),
]


class Group(Model):
    name: str = Field(
        description="Rule group name; also the rule file name (`prometheus/rules/<name>.yml`) unless `file` is set."
    )
    file: str | None = Field(
        None,
        description="The rule file this group renders into (`prometheus/rules/<file>.yml`); groups that name the same file "
        "share it, in spec order (as groups of one rule file in Prometheus). Default: the group's name.",
    )
    interval: Duration | None = Field(
        None, description="Evaluation interval of this group; defaults to `defaults.evaluation_interval` when the spec sets it."
    )
    query_offset: Duration | None = Field(
        None,
        description="Evaluate the group's expressions this far in the past, so late samples (remote write) are in "
        "(Prometheus ≥ 2.53; without it the global `rule_query_offset` applies).",
    )
    limit: int | None = Field(
        None,
        ge=0,
        description="At most this many alerts (or series of a recording rule) per evaluation, or the rule fails; 0 is no limit (Prometheus ≥ 2.31).",
    )
    labels: dict[RuleLabelName, str] = Field(
        default_factory=dict,
        description="Labels added to every alert and recording rule of the group; a rule's own label of the same name wins (Prometheus ≥ 3.0).",
    )
    alerts: list[Alert] = Field(default_factory=list)
    records: list[Record] = Field(default_factory=list, description="Recording rules, evaluated before the alerts of the group.")
    partial_response_strategy: Literal["warn", "abort"] | None = Field(
        None,
        description="Thanos Ruler: what a query of this group does when some store answers partially (`warn`: evaluate "
        "with what arrived; `abort`: fail the evaluation). Written by the `thanos` target and into `PrometheusRule` "
        "objects (the Operator drops it for Prometheus); Prometheus and Mimir have no such option.",
    )

    alerts_and_records: list[RuleItem] = Field(
        default_factory=list,
        description="Alerts and recording rules in evaluation order (items with `record:` are recording rules), for a "
        "group whose order matters: Prometheus evaluates a group's rules one after the other, so a recording rule "
        "placed after an alert gives that alert the previous evaluation's value. Use it instead of `alerts` and `records`.",
    )

    @model_validator(mode="after")
    def _one_layout(self) -> Group:
        if self.alerts_and_records and (self.alerts or self.records):
            raise PydanticCustomError(
                "group_layout",
                "a group lists its rules either in `alerts_and_records` or in `alerts` and `records`, not both",
                {},
            )
        return self

    def ordered(self) -> list[Alert | Record]:
        """The group's rules in evaluation order."""
        return list(self.alerts_and_records) if self.alerts_and_records else [*self.records, *self.alerts]


class Route(Model):
    matchers: Matchers = Field(
        default_factory=list,
        description='Alertmanager matchers, e.g. `severity="critical"`, `category=~"availability|errors"` (or a `{label: value}` '
        'map). From Alertmanager 0.27 label names may be any UTF-8 (`service.name="checkout"`, `"my label"="x"`).',
    )
    receiver: str | None = None
    continue_: bool = Field(False, alias="continue")
    group_by: list[str] | None = Field(None, description="Label names (any UTF-8 from Alertmanager 0.27), or `['...']`.")
    group_wait: Duration | None = None
    group_interval: NonZeroDuration | None = None
    repeat_interval: NonZeroDuration | None = None
    mute_time_intervals: list[str] | None = None
    active_time_intervals: list[str] | None = None
    labels: dict[str, str] | None = Field(
        None, description="Labels added to the alerts this route notifies about (templates allowed); Alertmanager ≥ 0.34."
    )
    routes: list[Route] = Field(default_factory=list)


class Routing(Model):
    receiver: str = Field("default", description="Root receiver: gets every alert no route takes.")
    group_by: list[str] | None = Field(None, description="Defaults to `defaults.group_by`.")
    routes: list[Route] | None = Field(
        None,
        description="Explicit route tree. Omit it to derive routes from `severities[*].notify` and `categories[*].notify`.",
    )


class InhibitRule(Model):
    name: str | None = Field(None, description="Shown in Alertmanager's logs and metrics; Alertmanager ≥ 0.30.")
    source_matchers: Matchers = Field(default_factory=list)
    target_matchers: Matchers = Field(default_factory=list)
    equal: list[str] = Field(
        default_factory=list, description="Labels that must be equal in both alerts (any UTF-8 name from Alertmanager 0.28)."
    )
    description: str | None = None


class PolicyEntry(Model):
    """What the routes must do with the alerts these matchers select (any labels: severity, category, team...).
    `callalert lint` checks every alert of the spec against it (rule routing-policy-mismatch)."""

    matchers: Matchers = Field(
        default_factory=list,
        description='Which alerts the entry is about, by their labels (`severity="critical"`, `team="payments"`); '
        "empty: every alert.",
    )
    notify: list[str] = Field(default_factory=list, description="Receivers every selected alert must reach, each of them.")
    notify_any: list[str] = Field(
        default_factory=list, description="Receivers of which every selected alert must reach at least one."
    )
    only: list[str] | None = Field(None, description="The only receivers a selected alert may reach.")
    never: list[str] = Field(default_factory=list, description="Receivers a selected alert must not reach.")
    description: str | None = None

    @model_validator(mode="after")
    def _says_something(self) -> PolicyEntry:
        if not (self.notify or self.notify_any or self.never or self.only is not None):
            raise ValueError("a policy entry needs at least one of notify, notify_any, only or never")
        return self


class TimeRange(Model):
    start_time: str
    end_time: str


class TimeInterval(Model):
    times: list[TimeRange] | None = None
    weekdays: list[str] | None = None
    days_of_month: list[str] | None = None
    months: list[str] | None = None
    years: list[str] | None = None
    location: str | None = None


class NamedTimeInterval(Model):
    name: str
    time_intervals: list[TimeInterval]


class Tracing(Model):
    """Alertmanager's own tracing (OpenTelemetry), Alertmanager ≥ 0.30."""

    endpoint: str = Field(description="host:port of the OTLP collector.")
    client_type: Literal["grpc", "http"] | None = None
    sampling_fraction: float | None = None
    insecure: bool | None = None
    compression: str | None = Field(None, description="gzip, or nothing.")
    timeout: Duration | None = None
    tls_config: TLSConfig | None = None


class Silence(Model):
    matchers: Matchers
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str


BuiltinTemplate = Literal["slack", "email", "pagerduty"]
BUILTIN_TEMPLATES: tuple[BuiltinTemplate, ...] = ("slack", "email", "pagerduty")


class Templates(Model):
    builtin: list[BuiltinTemplate] = Field(
        default_factory=lambda: list(BUILTIN_TEMPLATES),
        description="Built-in notification templates to emit (slack.tmpl, email.tmpl, pagerduty.tmpl).",
    )
    files: list[str] = Field(
        default_factory=list,
        description="Your own `.tmpl` files, relative to the spec and inside its folder (symlinks resolved); a define "
        "with a built-in's name requires removing that built-in.",
    )


# --- outputs (render targets) ------------------------------------------------------------------

_K8S_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _check_k8s_namespace(value: str) -> str:
    if len(value) > 63 or not _K8S_NAME_RE.match(value):
        raise PydanticCustomError(
            "k8s_name",
            "invalid Kubernetes name '{value}': lower-case letters, digits and -, starting and ending with a letter or "
            "digit, at most 63 characters (a DNS-1123 label)",
            {"value": value},
        )
    return value


K8sName = Annotated[str, AfterValidator(_check_k8s_namespace)]


class AlertingOutput(Model):
    """`prometheus/alerting.yml`: the part of prometheus.yml that loads the rule files and sends the alerts to every
    Alertmanager of a cluster."""

    alertmanagers: list[str] = Field(
        min_length=1,
        description="The Alertmanager peers as host:port; Prometheus sends every alert to each of them (an HA cluster "
        "deduplicates the notifications).",
    )
    scheme: Literal["http", "https"] | None = Field(None, description="Default: http.")
    path_prefix: str | None = Field(None, description="Path prefix of the Alertmanager API (its --web.route-prefix).")
    timeout: Duration | None = Field(None, description="Timeout of a push to one Alertmanager (Prometheus' default: 10s).")
    rules_dir: str = Field(
        "rules",
        description="Where Prometheus finds the rule files: relative to alerting.yml's folder (as Prometheus resolves "
        "`rule_files`) or absolute.",
    )


class PrometheusOutput(Model):
    """Plain files: `prometheus/rules/`, `alertmanager/alertmanager.yml` and its templates (the default target)."""

    target: Literal["prometheus"]
    alerting: AlertingOutput | None = Field(
        None, description="Also write `prometheus/alerting.yml` (`rule_files` and `alerting.alertmanagers`)."
    )


class KubernetesRules(Model):
    split: Literal["group", "team"] = Field(
        "group", description="One `PrometheusRule` per rule group, or per team (the alerts' team label)."
    )
    namespaces: dict[str, K8sName] = Field(
        default_factory=dict, description="With `split: team`: the namespace of each team's object (default: `namespace`)."
    )


class KubernetesAlertmanager(Model):
    mode: Literal["secret", "alertmanagerconfig", "none"] = Field(
        "secret",
        description="`secret`: the configuration Secret the Operator's `Alertmanager` reads (`alertmanager.yaml` and the "
        "templates); `alertmanagerconfig`: one `AlertmanagerConfig` per team route, the rest (root route, global "
        "settings, inhibit rules, templates) in that Secret; `none`: no Alertmanager objects.",
    )
    name: K8sName = Field(
        "main", description="Name of the `Alertmanager` object; its configuration Secret is `alertmanager-<name>`."
    )
    namespace: K8sName | None = Field(None, description="Namespace of the Alertmanager (default: `namespace`).")
    matcher_strategy: Literal["OnNamespace", "OnNamespaceExceptForAlertmanagerNamespace", "None"] = Field(
        "OnNamespace",
        description="The Alertmanager's `alertmanagerConfigMatcherStrategy`: which `AlertmanagerConfig` routes the Operator "
        'adds a `namespace="<namespace of the object>"` matcher to (see docs/targets.md).',
    )
    namespaces: dict[str, K8sName] = Field(
        default_factory=dict, description="The namespace of each team's `AlertmanagerConfig` (default: the Alertmanager's)."
    )
    secret: K8sName = Field(
        "alertmanager-secrets",
        description="The Secret that holds secret values: `{file: PATH}` and `{env: NAME}` references become keys of it "
        "(see docs/targets.md); callalert never writes its values.",
    )
    resource: bool = Field(
        True,
        description="Write the `Alertmanager` object too (the fields the rendered configuration relies on: config "
        "Secret, mounted secrets, selector and matcher strategy); turn off when Helm or another tool owns it.",
    )
    base: Literal["secret", "none"] = Field(
        "secret",
        description="With `mode: alertmanagerconfig`: write the base configuration Secret, or `none` when another team owns "
        "the Alertmanager's base configuration (then what only it can hold is reported).",
    )


class KubernetesOutput(Model):
    """Prometheus Operator objects: `PrometheusRule` (monitoring.coreos.com/v1) and the Alertmanager configuration."""

    target: Literal["kubernetes"]
    namespace: K8sName = Field("monitoring", description="Namespace of every object unless a team's namespace is given.")
    labels: dict[str, str] = Field(
        default_factory=dict,
        description="Labels of every object, for the selectors that pick them (`ruleSelector`, `alertmanagerConfigSelector`).",
    )
    annotations: dict[str, str] = Field(default_factory=dict, description="Annotations of every object.")
    team_label: str = Field("team", description="The alert label that names the owning team.")
    rules: KubernetesRules = Field(default_factory=KubernetesRules)
    alertmanager: KubernetesAlertmanager = Field(default_factory=KubernetesAlertmanager)


class MimirOutput(Model):
    """Grafana Mimir (or Cortex): ruler namespace files and the tenant's Alertmanager configuration."""

    target: Literal["mimir"]
    split: Literal["spec", "team"] = Field(
        "spec", description="One ruler namespace for the whole spec, or one per team (the alerts' team label)."
    )
    namespace: str | None = Field(
        None, description="Name of the spec-wide ruler namespace (and of groups without a team); default: the spec's `name`."
    )
    team_label: str = Field("team", description="The alert label that names the owning team.")
    alertmanager: bool = Field(
        True,
        description="Write the tenant Alertmanager configuration (its secrets are values: Mimir refuses `*_file` "
        "options, so only `{env:}` secrets with `render --secrets=env`).",
    )


class ThanosOutput(Model):
    """Thanos Ruler rule files: Prometheus' format plus each group's `partial_response_strategy`."""

    target: Literal["thanos"]


TARGET_NAMES = ("prometheus", "kubernetes", "mimir", "thanos")


def _output_input(value: Any) -> Any:
    # `outputs: [prometheus, kubernetes]` is shorthand for `[{target: prometheus}, {target: kubernetes}]`
    return {"target": value} if isinstance(value, str) else value


Output = Annotated[
    PrometheusOutput | KubernetesOutput | MimirOutput | ThanosOutput,
    Field(discriminator="target"),
    BeforeValidator(_output_input),
]


class Spec(Model):
    """An alerting spec, format version 1."""

    version: Literal[1] = Field(description="Spec format version. Only 1 exists.")
    name: str | None = Field(None, description="Name of the system; used in headers and runbooks.")
    locale: Literal["en", "es"] = Field("en", description="Language of the built-in notification templates and runbook headings.")
    defaults: Defaults = Field(default_factory=Defaults)
    global_: Global | None = Field(None, alias="global")
    severities: dict[str, Severity] = Field(description="Severity levels, most severe first.")
    categories: dict[str, Category] = Field(default_factory=dict)
    receivers: dict[str, Receiver] = Field(description="Notification receivers by name.")
    routing: Routing = Field(default_factory=Routing)
    inhibit_rules: list[InhibitRule] = Field(default_factory=list)
    policy: list[PolicyEntry] = Field(
        default_factory=list,
        description="The declared routing policy, keyed by any labels; without it, lint holds explicit routes to the "
        "severity and category `notify` tables.",
    )
    time_intervals: list[NamedTimeInterval] = Field(
        default_factory=list,
        description="Named recurring windows (maintenance, business hours) for routes' mute/active intervals.",
    )
    silences: list[Silence] = Field(default_factory=list)
    tracing: Tracing | None = Field(None, description="Alertmanager's `tracing:` (Alertmanager ≥ 0.30).")
    templates: Templates = Field(default_factory=Templates)
    groups: list[Group] = Field(default_factory=list, description="Rule groups with their alerts.")
    outputs: list[Output] = Field(
        default_factory=list,
        description="What `render` writes: targets by name (`[prometheus, kubernetes]`) or with their options "
        "(`{target: kubernetes, namespace: monitoring}`); `render --target` picks among them. Default: `prometheus`. "
        "See docs/targets.md.",
    )
    tests: Tests = Field(
        default_factory=lambda: Tests(),  # noqa: PLW0108 - Tests is defined below
        description="Rule and routing tests run by `callalert check` (see docs/check.md).",
    )


Route.model_rebuild()


# --- tests (run by `callalert check`) -------------------------------------------------------

# promtool's expanding notation, item by item: `_`, `stale`, `N`, `NxK`, `_xK`, `N+MxK`, `N-MxK`.
_NUM = r"[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+|Inf|inf|NaN|nan)"
_SERIES_ITEM_RE = re.compile(rf"^(?:_(?:x\d+)?|stale|{_NUM}(?:(?:[+-](?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)?x\d+)?)$")


def series_values_problem(text: str) -> str | None:
    """Why `text` is not promtool series notation (cheap check; promtool has the last word)."""
    items = text.split()
    if not items:
        return "no values: write promtool notation like '0+1x10' or '1 2 3 _ 5'"
    for item in items:
        if not _SERIES_ITEM_RE.match(item):
            return (
                f"bad value {item!r} in series values: write numbers, '_' (no sample), 'stale', "
                "'AxN' (A repeated N more times) or 'A+BxN' / 'A-BxN' (N steps from A)"
            )
    return None


def _check_series_values(value: str) -> str:
    problem = series_values_problem(value)
    if problem:
        raise PydanticCustomError("series_values", "{problem}", {"problem": problem})
    return value


SeriesValues = Annotated[str, AfterValidator(_check_series_values)]


class InputSeries(Model):
    series: str = Field(description='A series in PromQL notation, e.g. `call_latency_seconds_bucket{le="+Inf"}`.')
    values: SeriesValues = Field(
        description="Samples, one per `interval`, in promtool's expanding notation: `0+60x10` (0, 60, ..., 600), "
        "`1x5` (1 six times), `_` (no sample), `stale`."
    )


class ExpectedAlert(Model):
    labels: dict[LabelName, str] = Field(
        default_factory=dict,
        description="Labels the alert must carry besides `alertname` and the alert's own labels (severity, category, "
        "`labels:`), which are added for you: usually the labels of the series.",
    )
    annotations: dict[LabelName, str] = Field(
        default_factory=dict,
        description="Annotations to compare, as Prometheus renders them (`{{ $value }}` replaced). Only the ones named here are compared.",
    )


class RuleExpectation(Model):
    eval_time: Duration = Field(description="Time after the first sample at which the alert is checked, e.g. `10m`.")
    alerts: list[ExpectedAlert] = Field(
        description="Alerts of the test's alert firing at `eval_time`; `[]` asserts it does not fire."
    )


class RuleTest(Model):
    name: str | None = Field(None, description="What the test shows (in reports).")
    alert: str = Field(description="The alert under test (the name of one of `groups[*].alerts`).")
    interval: Duration = Field("1m", description="Time between two samples of `series`.")
    series: list[InputSeries] = Field(description="Input series.")
    expect: list[RuleExpectation] = Field(description="What must fire (or not) at which time.")


class RoutingTest(Model):
    name: str | None = Field(None, description="What the test shows (in reports).")
    alert: str | None = Field(
        None, description="Start from this alert's labels (alertname, severity, category, `labels:`); `labels` adds to them."
    )
    labels: dict[str, str] = Field(
        default_factory=dict,
        description="The alert's label set (or labels added to `alert`'s); names as the target Alertmanager takes them "
        "(any UTF-8 from 0.27, e.g. `service.name`).",
    )
    firing: list[dict[str, str]] = Field(
        default_factory=list, description="Label sets of other alerts firing at the same time (for inhibition)."
    )
    at: datetime | None = Field(
        None, description="When the alert is sent: mute/active time intervals and the spec's silences apply at this instant."
    )
    receivers: list[str] = Field(
        description="Receivers that must be notified, in route order; `[]` when it is inhibited, muted or silenced."
    )


class Tests(Model):
    """Tests of the spec itself, run by `callalert check`."""

    rules: list[RuleTest] = Field(default_factory=list, description="Alert rule tests, compiled to promtool unit tests.")
    routing: list[RoutingTest] = Field(
        default_factory=list, description="Where alerts go: receivers reached, inhibition, time intervals, silences."
    )


Spec.model_rebuild()
