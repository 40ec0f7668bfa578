"""Versions of Prometheus and Alertmanager, and which Alertmanager features each one has.

Every `since` below was read from Alertmanager's CHANGELOG.md (the PR number is kept in `ref`);
the 0.25 boundary of each was also checked with the installed amtool 0.25 `check-config` or
`template render` (tests/tools/test_gotemplate_amtool.py repeats those checks). Entries with
`verified=False` come from pull-request dates, not from a CHANGELOG line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_ALERTMANAGER = "0.25"
DEFAULT_PROMETHEUS = "2.42"

_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-([0-9A-Za-z.\-]+))?$")


@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int = 0
    pre: str = ""

    @classmethod
    def parse(cls, text: str | Version) -> Version:
        if isinstance(text, Version):
            return text
        match = _VERSION_RE.match(text.strip())
        if not match:
            raise ValueError(f"invalid version {text!r}: expected MAJOR.MINOR or MAJOR.MINOR.PATCH")
        major, minor, patch, pre = match.groups()
        return cls(int(major), int(minor), int(patch or 0), pre or "")

    def _key(self) -> tuple[int, int, int, int, str]:
        # A pre-release sorts before its release: 0.28.0-rc.0 < 0.28.0.
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, self.pre)

    def __lt__(self, other: Version) -> bool:
        return self._key() < other._key()

    def __le__(self, other: Version) -> bool:
        return self._key() <= other._key()

    def __gt__(self, other: Version) -> bool:
        return self._key() > other._key()

    def __ge__(self, other: Version) -> bool:
        return self._key() >= other._key()

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}" + (f"-{self.pre}" if self.pre else "")

    @property
    def short(self) -> str:
        """'0.25' for 0.25.0, '0.28.1' otherwise: how versions are written in messages."""
        if self.patch == 0 and not self.pre:
            return f"{self.major}.{self.minor}"
        return str(self)


# Present in every Alertmanager release callalert can target (all predate 0.16).
ALWAYS = Version(0, 0, 0)


@dataclass(frozen=True)
class Feature:
    name: str
    since: Version
    ref: str = ""
    removed: Version | None = None
    verified: bool = True

    def available_in(self, version: Version) -> bool:
        if version < self.since:
            return False
        return self.removed is None or version < self.removed


def _f(name: str, since: str, ref: str = "", removed: str | None = None, verified: bool = True) -> Feature:
    return Feature(
        name,
        ALWAYS if since == "always" else Version.parse(since),
        ref,
        Version.parse(removed) if removed else None,
        verified,
    )


# Key scheme: "receivers.<x>_configs", "<x>_configs.<field>", "global.<field>", "route.<field>",
# "inhibit_rules.<field>", "<top-level key>", "time_intervals.<field>", "template_funcs.<name>".
_FEATURES: tuple[Feature, ...] = (
    # Receiver integrations.
    _f("receivers.email_configs", "always"),
    _f("receivers.pagerduty_configs", "always"),
    _f("receivers.slack_configs", "always"),
    _f("receivers.webhook_configs", "always"),
    _f("receivers.opsgenie_configs", "always"),
    _f("receivers.pushover_configs", "always"),
    _f("receivers.victorops_configs", "always"),
    _f("receivers.hipchat_configs", "always", "#2282", removed="0.21.0"),
    _f("receivers.wechat_configs", "0.12.0", "#1059"),
    _f("receivers.sns_configs", "0.23.0", "#2615"),
    _f("receivers.telegram_configs", "0.24.0", "#2827"),
    _f("receivers.discord_configs", "0.25.0", "#2948"),
    _f("receivers.webex_configs", "0.25.0", "#3132"),
    _f("receivers.msteams_configs", "0.26.0", "#3324"),
    _f("receivers.msteamsv2_configs", "0.28.0", "#4024"),
    _f("receivers.rocketchat_configs", "0.28.0", "#3600"),
    _f("receivers.jira_configs", "0.28.0", "#3590"),
    # Secrets read from files.
    _f("global.slack_api_url_file", "0.22.0", "#2534"),
    _f("slack_configs.api_url_file", "0.22.0", "#2534"),
    _f("global.opsgenie_api_key_file", "0.24.0", "#2728"),
    # The receiver-level field shipped with the global one; 0.25 rejects setting both (#2910).
    _f("opsgenie_configs.api_key_file", "0.24.0", "#2728"),
    _f("global.smtp_auth_password_file", "0.25.0", "#3038"),
    _f("email_configs.auth_password_file", "0.25.0", "#3038"),
    _f("pagerduty_configs.service_key_file", "0.25.0", "#3107"),
    _f("pagerduty_configs.routing_key_file", "0.25.0", "#3107"),
    _f("global.victorops_api_key_file", "0.25.0", "#3111"),
    _f("victorops_configs.api_key_file", "0.25.0", "#3111"),
    _f("webhook_configs.url_file", "0.26.0", "#3223"),
    _f("telegram_configs.bot_token_file", "0.26.0", "#3226"),
    _f("pushover_configs.user_key_file", "0.26.0", "#3200"),
    _f("pushover_configs.token_file", "0.26.0", "#3200"),
    _f("discord_configs.webhook_url_file", "0.27.0", "#3555"),
    _f("msteams_configs.webhook_url_file", "0.27.0", "#3555"),
    # Other receiver fields callalert may emit.
    _f("webhook_configs.max_alerts", "0.21.0", "#2274"),
    _f("webhook_configs.timeout", "0.28.0", "#4137"),
    _f("telegram_configs.message_thread_id", "0.28.0", "#3638"),
    _f("msteams_configs.summary", "0.27.0", "#3616"),
    _f("discord_configs.content", "0.28.0", "#4007"),
    _f("discord_configs.username", "0.28.0", "#4007"),
    _f("discord_configs.avatar_url", "0.28.0", "#4007"),
    _f("global.smtp_tls_config", "0.28.0", "#3732"),
    # Routing, inhibition, time intervals.
    _f("route.group_by_all", "0.16.0", "#1588"),
    _f("mute_time_intervals", "0.22.0", "#2393"),
    _f("route.mute_time_intervals", "0.22.0", "#2393"),
    _f("route.matchers", "0.22.0", "#2434"),
    _f("inhibit_rules.source_matchers", "0.22.0", "#2434"),
    _f("inhibit_rules.target_matchers", "0.22.0", "#2434"),
    _f("time_intervals", "0.24.0", "#2779"),
    _f("route.active_time_intervals", "0.24.0", "#2779"),
    _f("time_intervals.location", "0.25.0", "#2782"),
    # Notification template functions (template/template.go DefaultFuncs).
    _f("template_funcs.toUpper", "always"),
    _f("template_funcs.toLower", "always"),
    _f("template_funcs.title", "always"),
    _f("template_funcs.join", "always"),
    _f("template_funcs.safeHtml", "always"),
    _f("template_funcs.reReplaceAll", "always"),
    _f("template_funcs.match", "0.16.0", "#1452"),
    _f("template_funcs.stringSlice", "0.20.0", "#2101"),
    _f("template_funcs.trimSpace", "0.26.0", "#3223"),
    _f("template_funcs.date", "0.28.0", "#3812"),
    _f("template_funcs.tz", "0.28.0", "#3812"),
    _f("template_funcs.since", "0.28.0", "#3863"),
    _f("template_funcs.humanizeDuration", "0.28.0", "#3863"),
    # Merged after the 0.29 cut (PRs of 2025-11), first released in 0.30 per the bump PR #4815;
    # no CHANGELOG line was available to confirm it.
    _f("template_funcs.safeUrl", "0.30.0", "#4625", verified=False),
    _f("template_funcs.urlUnescape", "0.30.0", "#4625", verified=False),
    _f("template_funcs.toJson", "0.30.0", "#4773", verified=False),
)

AM_FEATURES: dict[str, Feature] = {f.name: f for f in _FEATURES}

AM_TEMPLATE_FUNCS: dict[str, Feature] = {
    f.name.removeprefix("template_funcs."): f for f in _FEATURES if f.name.startswith("template_funcs.")
}


def am_feature(feature: str) -> Feature | None:
    return AM_FEATURES.get(feature)


def am_feature_min_version(feature: str) -> Version | None:
    found = AM_FEATURES.get(feature)
    return found.since if found else None


def am_supports(feature: str, version: str | Version = DEFAULT_ALERTMANAGER) -> bool:
    """Unknown features are reported as unsupported: callalert never emits what it cannot vouch for."""
    found = AM_FEATURES.get(feature)
    return found is not None and found.available_in(Version.parse(version))


def am_unsupported(features: list[str], version: str | Version = DEFAULT_ALERTMANAGER) -> list[Feature]:
    target = Version.parse(version)
    return [AM_FEATURES[f] for f in features if f in AM_FEATURES and not AM_FEATURES[f].available_in(target)]


def file_secret_fields(section: str) -> dict[str, Feature]:
    """`*_file` secret fields of one receiver type ('webhook_configs') or 'global', by field name."""
    prefix = section + "."
    return {f.name.removeprefix(prefix): f for f in _FEATURES if f.name.startswith(prefix) and f.name.endswith("_file")}


def receiver_types(version: str | Version = DEFAULT_ALERTMANAGER) -> list[str]:
    target = Version.parse(version)
    return sorted(
        f.name.removeprefix("receivers.") for f in _FEATURES if f.name.startswith("receivers.") and f.available_in(target)
    )
