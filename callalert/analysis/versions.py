"""Versions of Prometheus and Alertmanager, and what each Alertmanager release has: one table.

The Alertmanager table (`AM_FEATURES`) is data: every receiver type and every field of it (each
`*_file` secret variant included), global settings, route/inhibit/receiver/top-level keys,
template functions, built-in template names and matcher-parser rules, each with the release that
added it (`since`) and, where it went away, removed it; `source` names where that was read
(`am:` is prometheus/alertmanager at a release tag; the research is /work/notes/versions.json).
`proven_by` names the toolchains callalert installs (`make tools`: Debian bookworm 0.25.0,
trixie 0.28.1, sid 0.33.1) whose amtool a test runs on this entry, in both directions where the
binaries straddle `since` (tests/tools/test_am_feature_table.py). A release with no binary here
(0.26, 0.27, 0.29–0.32, 0.34) can be targeted; its verdicts come from the source and are reported
as "not proven here". There is no Alertmanager 0.35: a target above the newest release is refused.

Go matters too: Alertmanager parses templates with Go's text/template and regexes with Go's
regexp, so their syntax follows the Go that built the release (`AM_RELEASES[...].go`, from
`.promu.yml` at the tag; an installed binary reports its own with `--version`) and `GO_FEATURES`.
Distribution builds can differ from upstream: `DISTRIBUTION_PATCHES` says how (Debian disabled
Jira in 0.28.x and the Kafka event-recorder output in 0.33.1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

# What `init` writes and an absent `targets:` means: the newest toolchain proven here (`make tools`
# installs Debian sid's Prometheus 3.5 and Alertmanager 0.33 beside bookworm's and trixie's).
DEFAULT_ALERTMANAGER = "0.33"
DEFAULT_PROMETHEUS = "3.5"  # the newest Prometheus proven here (Debian sid)

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

    @property
    def minor_version(self) -> Version:
        """0.28.1 -> 0.28.0: features arrive in minor releases."""
        return Version(self.major, self.minor)


# Present in every Alertmanager release callalert can target (all predate 0.16).
ALWAYS = Version(0, 0, 0)


# --------------------------------------------------------------------------------------------
# Releases and the builds installed here


@dataclass(frozen=True)
class Release:
    version: Version
    date: str
    go: Version  # the Go minor release the upstream release binaries are built with (.promu.yml)


def _releases(rows: str) -> dict[Version, Release]:
    out: dict[Version, Release] = {}
    for line in rows.strip().splitlines():
        tag, date, go = line.split()
        version = Version.parse(tag)
        out[version] = Release(version, date, Version.parse(go))
    return out


# Alertmanager release tags: tag date and `.promu.yml` `go: version:` at the tag.
AM_RELEASES: dict[Version, Release] = _releases(
    """
    0.16.0 2019-01-21 1.11
    0.17.0 2019-05-02 1.12
    0.18.0 2019-07-08 1.12
    0.19.0 2019-09-03 1.12
    0.20.0 2019-12-11 1.13
    0.21.0 2020-06-17 1.14
    0.22.0 2021-05-24 1.16
    0.23.0 2021-08-25 1.16
    0.24.0 2022-03-25 1.17
    0.25.0 2022-12-22 1.19
    0.25.1 2023-08-24 1.19
    0.26.0 2023-08-24 1.20
    0.27.0 2024-02-28 1.21
    0.28.0 2025-01-15 1.23
    0.28.1 2025-03-07 1.23
    0.29.0 2025-11-03 1.25
    0.30.0 2025-12-15 1.25
    0.30.1 2026-01-13 1.25
    0.31.0 2026-02-02 1.25
    0.31.1 2026-02-11 1.25
    0.32.0 2026-04-08 1.26
    0.32.1 2026-04-29 1.26
    0.32.2 2026-06-05 1.26
    0.32.3 2026-07-04 1.26
    0.33.0 2026-06-12 1.26
    0.33.1 2026-07-04 1.26
    0.34.0 2026-08-16 1.26
    """
)
AM_NEWEST = max(AM_RELEASES)
AM_RELEASES_SOURCE = "am:.promu.yml and CHANGELOG.md at each tag (v0.16.0 … v0.34.0; main 68fb2d5 has no 0.35 entry)"


@dataclass(frozen=True)
class Build:
    """A binary callalert's tool tests run: one of the Debian toolchains `make tools` installs."""

    toolchain: str  # the folder under .tools/ (the Debian suite)
    product: str
    version: Version  # what `--version` reports, without the distribution suffix
    package: str  # the Debian package version (`revision:` in `--version`)
    go: Version  # the Go that built it (`go version:` in `--version`)

    @property
    def label(self) -> str:
        return f"{self.version} ({self.toolchain})"


AM_BUILDS: tuple[Build, ...] = (
    Build("bookworm", "alertmanager", Version(0, 25, 0), "0.25.0-1+b4", Version(1, 19, 8)),
    Build("trixie", "alertmanager", Version(0, 28, 1), "0.28.1+ds-1", Version(1, 24, 1)),
    Build("sid", "alertmanager", Version(0, 33, 1), "0.33.1-5", Version(1, 27, 1)),
)
# proven_by of an entry every installed amtool is tested on.
HERE: tuple[str, ...] = tuple(b.toolchain for b in AM_BUILDS)


def am_build(toolchain: str) -> Build | None:
    return next((b for b in AM_BUILDS if b.toolchain == toolchain), None)


def am_release(version: str | Version) -> Release | None:
    """The release `version` names (0.28 -> 0.28.0; an unknown patch -> its minor's .0)."""
    target = Version.parse(version)
    return AM_RELEASES.get(target) or AM_RELEASES.get(target.minor_version)


def am_go(version: str | Version) -> Version:
    """The Go minor release the upstream Alertmanager `version` is built with (the newest one's
    for versions past the newest release)."""
    release = am_release(version)
    if release is not None:
        return release.go
    target = Version.parse(version)
    older = [r for v, r in AM_RELEASES.items() if v <= target]
    return max(older, key=lambda r: r.version).go if older else min(AM_RELEASES.values(), key=lambda r: r.version).go


def am_unreleased(version: str | Version) -> str | None:
    """Why `version` cannot be targeted (a minor release newer than the newest one), or None."""
    target = Version.parse(version)
    if target.minor_version > AM_NEWEST.minor_version:
        release = AM_RELEASES[AM_NEWEST]
        return (
            f"Alertmanager {target.short} is not released: the newest release is {AM_NEWEST} "
            f"({release.date}), and callalert knows every release up to it"
        )
    return None


def am_proven_here(version: str | Version) -> Build | None:
    """The installed build of the same minor release as `version`, whose amtool proves it."""
    target = Version.parse(version).minor_version
    return next((b for b in AM_BUILDS if b.version.minor_version == target), None)


def am_unproven_note(version: str | Version) -> str | None:
    """For a target no toolchain here has: what callalert's verdicts at that target rest on."""
    if am_proven_here(version) is not None or am_unreleased(version) is not None:
        return None
    target = Version.parse(version)
    builds = ", ".join(b.label for b in AM_BUILDS)
    return (
        f"Alertmanager {target.short} is not proven here: the toolchains callalert installs have {builds}; "
        f"what {target.short} accepts comes from its source and release notes"
    )


# --------------------------------------------------------------------------------------------
# Distribution patches


@dataclass(frozen=True)
class DistributionPatch:
    name: str
    distribution: str
    added: str  # first package version with the patch
    dropped: str | None  # first package version without it
    disables: tuple[str, ...]  # AM_FEATURES names ("x.*": every name starting with "x.")
    effect: Literal["config", "runtime"]  # refused by the config loader, or only missing at run time
    source: str
    proven_by: tuple[str, ...] = ()

    def applies_to(self, package: str) -> bool:
        key = _package_key(package)
        if key < _package_key(self.added):
            return False
        return self.dropped is None or key < _package_key(self.dropped)

    def disables_feature(self, name: str) -> bool:
        return any(name == d or (d.endswith("*") and name.startswith(d[:-1])) for d in self.disables)


def _package_key(package: str) -> tuple[Version, str]:
    """Debian package versions by upstream version, then revision (enough for these patches)."""
    upstream, _, revision = package.partition("-")
    return (Version.parse(upstream.split("+")[0]), revision)


DISTRIBUTION_PATCHES: tuple[DistributionPatch, ...] = (
    DistributionPatch(
        "debian-jira-disabled",
        "Debian",
        "0.28.0+ds-1",
        "0.30.1+ds-1",
        ("receivers.jira_configs", "jira_configs.*", "global.jira_api_url", "default_templates.jira.*"),
        "config",
        "0011-Disable-Jira-notification.patch; changelog.Debian.gz of prometheus-alertmanager 0.28.1+ds-1 and 0.33.1-5",
        ("trixie",),
    ),
    DistributionPatch(
        "debian-kafka-disabled",
        "Debian",
        "0.33.1-1",
        None,
        ("event_recorder.kafka_outputs",),
        "runtime",
        "changelog.Debian.gz of prometheus-alertmanager 0.33.1-5: 'Disable Kafka integration to avoid franz-go dependency'",
    ),
)


def debian_package_version(version_output: str) -> str | None:
    """The Debian package version in a Debian-built tool's `--version` output
    (`(branch: debian/sid, revision: 0.28.1+ds-1)`), or None for an upstream build."""
    match = re.search(r"\(branch: debian/[^,]*, revision: ([^)\s]+)\)", version_output)
    return match.group(1) if match else None


def distribution_patches(package: str | None) -> list[DistributionPatch]:
    """The patches of the distribution build with this package version (None: upstream)."""
    if package is None:
        return []
    return [p for p in DISTRIBUTION_PATCHES if p.applies_to(package)]


# --------------------------------------------------------------------------------------------
# The Alertmanager feature table


@dataclass(frozen=True)
class Feature:
    name: str
    since: Version
    ref: str = ""  # pull request(s) in Alertmanager's CHANGELOG
    removed: Version | None = None
    source: str = ""
    proven_by: tuple[str, ...] = ()  # toolchains whose binary a test runs on this entry
    secret: bool = False  # a secret value (a `*_file` variant may exist)
    note: str = ""

    def available_in(self, version: str | Version) -> bool:
        target = Version.parse(version)
        if target < self.since:
            return False
        return self.removed is None or target < self.removed

    def available_in_build(self, build: Build) -> bool:
        """What `build`'s binary does: the release's verdict unless a distribution patch removes it."""
        if any(p.effect == "config" and p.disables_feature(self.name) for p in distribution_patches(build.package)):
            return False
        return self.available_in(build.version)

    @property
    def since_text(self) -> str:
        return "≤ 0.16" if self.since == ALWAYS else self.since.short

    def proof(self) -> str:
        """'accepted by 0.33.1 (sid); refused by 0.25.0 (bookworm), 0.28.1 (trixie)', or 'not proven here'."""
        builds = [b for b in AM_BUILDS if b.toolchain in self.proven_by]
        if not builds:
            return "not proven here"
        yes = [b.label for b in builds if self.available_in_build(b)]
        no = [b.label for b in builds if not self.available_in_build(b)]
        parts = []
        if yes:
            parts.append("accepted by " + ", ".join(yes))
        if no:
            parts.append("refused by " + ", ".join(no))
        return "; ".join(parts)


def _f(
    name: str,
    since: str,
    ref: str = "",
    source: str = "",
    removed: str | None = None,
    secret: bool = False,
    proof: tuple[str, ...] = (),
    note: str = "",
) -> Feature:
    return Feature(
        name,
        ALWAYS if since == "always" else Version.parse(since),
        ref,
        Version.parse(removed) if removed else None,
        source,
        proof,
        secret,
        note,
    )


# Key scheme: "receivers.<x>_configs"; "<x>_configs.<field>" (nested: "sns_configs.sigv4.region");
# "global.<field>"; "http_config.<path>" (prometheus/common, every receiver and `global`);
# "route.<field>", "inhibit_rules.<field>", "receiver.<field>", "<top-level key>",
# "time_intervals.<field>"; "template_funcs.<name>"; "default_templates.<name>"; "matchers.<rule>".
_FEATURES: tuple[Feature, ...] = (
    # Receiver integrations (`receivers[].<type>_configs`).
    _f("receivers.email_configs", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("receivers.pagerduty_configs", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("receivers.hipchat_configs", "always", "#2282", "am:config/notifiers.go@v0.16.0", removed="0.21"),
    _f("receivers.slack_configs", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("receivers.webhook_configs", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("receivers.opsgenie_configs", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("receivers.wechat_configs", "0.12", "#1059", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("receivers.pushover_configs", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("receivers.victorops_configs", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("receivers.sns_configs", "0.23", "#2615", "am:config/notifiers.go@v0.23.0", proof=HERE),
    _f("receivers.telegram_configs", "0.24", "#2827", "am:config/notifiers.go@v0.24.0", proof=HERE),
    _f("receivers.discord_configs", "0.25", "#2948", "am:config/notifiers.go@v0.25.0", proof=HERE),
    _f("receivers.webex_configs", "0.25", "#3132", "am:config/notifiers.go@v0.25.0", proof=HERE),
    _f("receivers.msteams_configs", "0.26", "#3324", "am:config/notifiers.go@v0.26.0", proof=HERE),
    _f("receivers.msteamsv2_configs", "0.28", "#4024", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("receivers.jira_configs", "0.28", "#3590", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("receivers.rocketchat_configs", "0.28", "#3600", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("receivers.incidentio_configs", "0.29", "", "am:config/notifiers.go@v0.29.0", proof=HERE),
    _f("receivers.mattermost_configs", "0.30", "", "am:config/notifiers.go@v0.30.0", proof=HERE),
    # email_configs
    _f("email_configs.send_resolved", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("email_configs.to", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("email_configs.from", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("email_configs.hello", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("email_configs.smarthost", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("email_configs.auth_username", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("email_configs.auth_password", "always", "", "am:config/notifiers.go@v0.16.0", secret=True, proof=HERE),
    _f("email_configs.auth_secret", "always", "", "am:config/notifiers.go@v0.16.0", secret=True, proof=HERE),
    _f("email_configs.auth_identity", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("email_configs.headers", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("email_configs.html", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("email_configs.text", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("email_configs.require_tls", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("email_configs.tls_config", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("email_configs.auth_password_file", "0.25", "#3038", "am:config/notifiers.go@v0.25.0", proof=HERE),
    _f("email_configs.threading", "0.30", "", "am:config/notifiers.go@v0.30.0", proof=HERE),
    _f("email_configs.auth_secret_file", "0.31", "", "am:config/notifiers.go@v0.31.0", proof=HERE),
    _f("email_configs.force_implicit_tls", "0.31", "", "am:config/notifiers.go@v0.31.0", proof=HERE),
    # pagerduty_configs
    _f("pagerduty_configs.send_resolved", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pagerduty_configs.http_config", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pagerduty_configs.service_key", "always", "", "am:config/notifiers.go@v0.16.0", secret=True, proof=HERE),
    _f("pagerduty_configs.routing_key", "always", "", "am:config/notifiers.go@v0.16.0", secret=True, proof=HERE),
    _f("pagerduty_configs.url", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pagerduty_configs.client", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pagerduty_configs.client_url", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pagerduty_configs.description", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pagerduty_configs.details", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pagerduty_configs.images", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pagerduty_configs.links", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pagerduty_configs.severity", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pagerduty_configs.class", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pagerduty_configs.component", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pagerduty_configs.group", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pagerduty_configs.service_key_file", "0.25", "#3107", "am:config/notifiers.go@v0.25.0", proof=HERE),
    _f("pagerduty_configs.routing_key_file", "0.25", "#3107", "am:config/notifiers.go@v0.25.0", proof=HERE),
    _f("pagerduty_configs.source", "0.25", "", "am:config/notifiers.go@v0.25.0", proof=HERE),
    _f("pagerduty_configs.timeout", "0.30", "", "am:config/notifiers.go@v0.30.0", proof=HERE),
    # slack_configs
    _f("slack_configs.send_resolved", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.http_config", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.api_url", "always", "", "am:config/notifiers.go@v0.16.0", secret=True, proof=HERE),
    _f("slack_configs.channel", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.username", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.color", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.title", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.title_link", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.pretext", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.text", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.fields", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.short_fields", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.footer", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.fallback", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.callback_id", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.icon_emoji", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.icon_url", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.image_url", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.thumb_url", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.link_names", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.actions", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("slack_configs.mrkdwn_in", "0.19", "", "am:config/notifiers.go@v0.19.0", proof=HERE),
    _f("slack_configs.api_url_file", "0.22", "#2534", "am:config/notifiers.go@v0.22.0", proof=HERE),
    _f("slack_configs.app_token", "0.30", "", "am:config/notifiers.go@v0.30.0", secret=True, proof=HERE),
    _f("slack_configs.app_token_file", "0.30", "", "am:config/notifiers.go@v0.30.0", proof=HERE),
    _f("slack_configs.app_url", "0.30", "", "am:config/notifiers.go@v0.30.0", proof=HERE),
    _f("slack_configs.timeout", "0.30", "", "am:config/notifiers.go@v0.30.0", proof=HERE),
    _f("slack_configs.message_text", "0.31", "", "am:config/notifiers.go@v0.31.0", proof=HERE),
    _f("slack_configs.update_message", "0.32", "", "am:config/notifiers.go@v0.32.0", proof=HERE),
    # webhook_configs
    _f("webhook_configs.send_resolved", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("webhook_configs.http_config", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("webhook_configs.url", "always", "", "am:config/notifiers.go@v0.16.0", secret=True, proof=HERE),
    _f("webhook_configs.max_alerts", "0.21", "#2274", "am:config/notifiers.go@v0.21.0", proof=HERE),
    _f("webhook_configs.url_file", "0.26", "#3223", "am:config/notifiers.go@v0.26.0", proof=HERE),
    _f("webhook_configs.timeout", "0.28", "#4137", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("webhook_configs.payload", "0.32", "", "am:config/notifiers.go@v0.32.0", proof=HERE),
    # opsgenie_configs
    _f("opsgenie_configs.send_resolved", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("opsgenie_configs.http_config", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("opsgenie_configs.api_key", "always", "", "am:config/notifiers.go@v0.16.0", secret=True, proof=HERE),
    _f("opsgenie_configs.api_url", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("opsgenie_configs.message", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("opsgenie_configs.description", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("opsgenie_configs.source", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("opsgenie_configs.details", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("opsgenie_configs.teams", "always", "", "am:config/notifiers.go@v0.16.0", removed="0.18", proof=HERE),
    _f("opsgenie_configs.tags", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("opsgenie_configs.note", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("opsgenie_configs.priority", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("opsgenie_configs.responders", "0.18", "", "am:config/notifiers.go@v0.18.0", proof=HERE),
    _f("opsgenie_configs.api_key_file", "0.24", "#2728", "am:config/notifiers.go@v0.24.0", proof=HERE),
    _f("opsgenie_configs.entity", "0.24", "", "am:config/notifiers.go@v0.24.0", proof=HERE),
    _f("opsgenie_configs.actions", "0.24", "", "am:config/notifiers.go@v0.24.0", proof=HERE),
    _f("opsgenie_configs.update_alerts", "0.24", "", "am:config/notifiers.go@v0.24.0", proof=HERE),
    # wechat_configs
    _f("wechat_configs.send_resolved", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("wechat_configs.http_config", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("wechat_configs.api_secret", "always", "", "am:config/notifiers.go@v0.16.0", secret=True, proof=HERE),
    _f("wechat_configs.corp_id", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("wechat_configs.message", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("wechat_configs.api_url", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("wechat_configs.to_user", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("wechat_configs.to_party", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("wechat_configs.to_tag", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("wechat_configs.agent_id", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("wechat_configs.message_type", "0.22", "", "am:config/notifiers.go@v0.22.0", proof=HERE),
    _f("wechat_configs.api_secret_file", "0.31", "", "am:config/notifiers.go@v0.31.0", proof=HERE),
    # pushover_configs
    _f("pushover_configs.send_resolved", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pushover_configs.http_config", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pushover_configs.user_key", "always", "", "am:config/notifiers.go@v0.16.0", secret=True, proof=HERE),
    _f("pushover_configs.token", "always", "", "am:config/notifiers.go@v0.16.0", secret=True, proof=HERE),
    _f("pushover_configs.title", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pushover_configs.message", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pushover_configs.url", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pushover_configs.url_title", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pushover_configs.sound", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pushover_configs.priority", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pushover_configs.retry", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pushover_configs.expire", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pushover_configs.html", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("pushover_configs.user_key_file", "0.26", "#3200", "am:config/notifiers.go@v0.26.0", proof=HERE),
    _f("pushover_configs.token_file", "0.26", "#3200", "am:config/notifiers.go@v0.26.0", proof=HERE),
    _f("pushover_configs.device", "0.26", "", "am:config/notifiers.go@v0.26.0", proof=HERE),
    _f("pushover_configs.ttl", "0.27", "", "am:config/notifiers.go@v0.27.0", proof=HERE),
    _f("pushover_configs.monospace", "0.29", "", "am:config/notifiers.go@v0.29.0", proof=HERE),
    # victorops_configs
    _f("victorops_configs.send_resolved", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("victorops_configs.http_config", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("victorops_configs.api_key", "always", "", "am:config/notifiers.go@v0.16.0", secret=True, proof=HERE),
    _f("victorops_configs.api_url", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("victorops_configs.routing_key", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("victorops_configs.message_type", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("victorops_configs.state_message", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("victorops_configs.entity_display_name", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("victorops_configs.monitoring_tool", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f("victorops_configs.custom_fields", "always", "", "am:config/notifiers.go@v0.16.0", proof=HERE),
    _f(
        "victorops_configs.api_key_file",
        "0.25",
        "#3111",
        "am:config/notifiers.go@v0.25.0",
        proof=HERE,
        note="a yaml key from 0.22, read as the secret itself; a file path (exclusive with api_key) from 0.25",
    ),
    # sns_configs
    _f("sns_configs.send_resolved", "0.23", "", "am:config/notifiers.go@v0.23.0", proof=HERE),
    _f("sns_configs.http_config", "0.23", "", "am:config/notifiers.go@v0.23.0", proof=HERE),
    _f("sns_configs.api_url", "0.23", "", "am:config/notifiers.go@v0.23.0", proof=HERE),
    _f("sns_configs.sigv4", "0.23", "", "am:config/notifiers.go@v0.23.0", proof=HERE),
    _f("sns_configs.topic_arn", "0.23", "", "am:config/notifiers.go@v0.23.0", proof=HERE),
    _f("sns_configs.phone_number", "0.23", "", "am:config/notifiers.go@v0.23.0", proof=HERE),
    _f("sns_configs.target_arn", "0.23", "", "am:config/notifiers.go@v0.23.0", proof=HERE),
    _f("sns_configs.subject", "0.23", "", "am:config/notifiers.go@v0.23.0", proof=HERE),
    _f("sns_configs.message", "0.23", "", "am:config/notifiers.go@v0.23.0", proof=HERE),
    _f("sns_configs.attributes", "0.23", "", "am:config/notifiers.go@v0.23.0", proof=HERE),
    _f("sns_configs.use_aws_http_client", "0.33", "", "am:config/notifiers.go@v0.33.0", proof=HERE),
    # telegram_configs
    _f("telegram_configs.send_resolved", "0.24", "", "am:config/notifiers.go@v0.24.0", proof=HERE),
    _f("telegram_configs.http_config", "0.24", "", "am:config/notifiers.go@v0.24.0", proof=HERE),
    _f("telegram_configs.api_url", "0.24", "", "am:config/notifiers.go@v0.24.0", proof=HERE),
    _f("telegram_configs.bot_token", "0.24", "", "am:config/notifiers.go@v0.24.0", secret=True, proof=HERE),
    _f("telegram_configs.chat_id", "0.24", "", "am:config/notifiers.go@v0.24.0", proof=HERE),
    _f("telegram_configs.message", "0.24", "", "am:config/notifiers.go@v0.24.0", proof=HERE),
    _f("telegram_configs.disable_notifications", "0.24", "", "am:config/notifiers.go@v0.24.0", proof=HERE),
    _f("telegram_configs.parse_mode", "0.24", "", "am:config/notifiers.go@v0.24.0", proof=HERE),
    _f("telegram_configs.bot_token_file", "0.26", "#3226", "am:config/notifiers.go@v0.26.0", proof=HERE),
    _f("telegram_configs.message_thread_id", "0.28", "#3638", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("telegram_configs.chat_id_file", "0.31", "", "am:config/notifiers.go@v0.31.0", proof=HERE),
    # discord_configs
    _f("discord_configs.send_resolved", "0.25", "", "am:config/notifiers.go@v0.25.0", proof=HERE),
    _f("discord_configs.http_config", "0.25", "", "am:config/notifiers.go@v0.25.0", proof=HERE),
    _f("discord_configs.webhook_url", "0.25", "", "am:config/notifiers.go@v0.25.0", secret=True, proof=HERE),
    _f("discord_configs.title", "0.25", "", "am:config/notifiers.go@v0.25.0", proof=HERE),
    _f("discord_configs.message", "0.25", "", "am:config/notifiers.go@v0.25.0", proof=HERE),
    _f("discord_configs.webhook_url_file", "0.27", "#3555", "am:config/notifiers.go@v0.27.0", proof=HERE),
    _f("discord_configs.content", "0.28", "#4007", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("discord_configs.username", "0.28", "#4007", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("discord_configs.avatar_url", "0.28", "#4007", "am:config/notifiers.go@v0.28.0", proof=HERE),
    # webex_configs
    _f("webex_configs.send_resolved", "0.25", "", "am:config/notifiers.go@v0.25.0", proof=HERE),
    _f("webex_configs.http_config", "0.25", "", "am:config/notifiers.go@v0.25.0", proof=HERE),
    _f("webex_configs.api_url", "0.25", "", "am:config/notifiers.go@v0.25.0", proof=HERE),
    _f("webex_configs.message", "0.25", "", "am:config/notifiers.go@v0.25.0", proof=HERE),
    _f("webex_configs.room_id", "0.25", "", "am:config/notifiers.go@v0.25.0", proof=HERE),
    # msteams_configs
    _f("msteams_configs.send_resolved", "0.26", "", "am:config/notifiers.go@v0.26.0", proof=HERE),
    _f("msteams_configs.http_config", "0.26", "", "am:config/notifiers.go@v0.26.0", proof=HERE),
    _f("msteams_configs.webhook_url", "0.26", "", "am:config/notifiers.go@v0.26.0", secret=True, proof=HERE),
    _f("msteams_configs.title", "0.26", "", "am:config/notifiers.go@v0.26.0", proof=HERE),
    _f("msteams_configs.text", "0.26", "", "am:config/notifiers.go@v0.26.0", proof=HERE),
    _f("msteams_configs.webhook_url_file", "0.27", "#3555", "am:config/notifiers.go@v0.27.0", proof=HERE),
    _f("msteams_configs.summary", "0.27", "#3616", "am:config/notifiers.go@v0.27.0", proof=HERE),
    # msteamsv2_configs
    _f("msteamsv2_configs.send_resolved", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("msteamsv2_configs.http_config", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("msteamsv2_configs.webhook_url", "0.28", "", "am:config/notifiers.go@v0.28.0", secret=True, proof=HERE),
    _f("msteamsv2_configs.webhook_url_file", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("msteamsv2_configs.title", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("msteamsv2_configs.text", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    # jira_configs
    _f("jira_configs.send_resolved", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("jira_configs.http_config", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("jira_configs.api_url", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("jira_configs.project", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("jira_configs.summary", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("jira_configs.description", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("jira_configs.labels", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("jira_configs.priority", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("jira_configs.issue_type", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("jira_configs.reopen_transition", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("jira_configs.resolve_transition", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("jira_configs.wont_fix_resolution", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("jira_configs.reopen_duration", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("jira_configs.fields", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("jira_configs.api_type", "0.29", "", "am:config/notifiers.go@v0.29.0", proof=HERE),
    # rocketchat_configs
    _f("rocketchat_configs.send_resolved", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("rocketchat_configs.http_config", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("rocketchat_configs.api_url", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("rocketchat_configs.token_id", "0.28", "", "am:config/notifiers.go@v0.28.0", secret=True, proof=HERE),
    _f("rocketchat_configs.token_id_file", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("rocketchat_configs.token", "0.28", "", "am:config/notifiers.go@v0.28.0", secret=True, proof=HERE),
    _f("rocketchat_configs.token_file", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("rocketchat_configs.channel", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("rocketchat_configs.color", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("rocketchat_configs.title", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("rocketchat_configs.title_link", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("rocketchat_configs.text", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("rocketchat_configs.fields", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("rocketchat_configs.short_fields", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("rocketchat_configs.emoji", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("rocketchat_configs.icon_url", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("rocketchat_configs.image_url", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("rocketchat_configs.thumb_url", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("rocketchat_configs.link_names", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    _f("rocketchat_configs.actions", "0.28", "", "am:config/notifiers.go@v0.28.0", proof=HERE),
    # incidentio_configs
    _f("incidentio_configs.send_resolved", "0.29", "", "am:config/notifiers.go@v0.29.0", proof=HERE),
    _f("incidentio_configs.http_config", "0.29", "", "am:config/notifiers.go@v0.29.0", proof=HERE),
    _f("incidentio_configs.url", "0.29", "", "am:config/notifiers.go@v0.29.0", proof=HERE),
    _f("incidentio_configs.url_file", "0.29", "", "am:config/notifiers.go@v0.29.0", proof=HERE),
    _f("incidentio_configs.alert_source_token", "0.29", "", "am:config/notifiers.go@v0.29.0", secret=True, proof=HERE),
    _f("incidentio_configs.alert_source_token_file", "0.29", "", "am:config/notifiers.go@v0.29.0", proof=HERE),
    _f("incidentio_configs.max_alerts", "0.29", "", "am:config/notifiers.go@v0.29.0", proof=HERE),
    _f("incidentio_configs.timeout", "0.29", "", "am:config/notifiers.go@v0.29.0", proof=HERE),
    # mattermost_configs
    _f("mattermost_configs.send_resolved", "0.30", "", "am:config/notifiers.go@v0.30.0", proof=HERE),
    _f("mattermost_configs.http_config", "0.30", "", "am:config/notifiers.go@v0.30.0", proof=HERE),
    _f("mattermost_configs.webhook_url", "0.30", "", "am:config/notifiers.go@v0.30.0", secret=True, proof=HERE),
    _f("mattermost_configs.webhook_url_file", "0.30", "", "am:config/notifiers.go@v0.30.0", proof=HERE),
    _f("mattermost_configs.channel", "0.30", "", "am:config/notifiers.go@v0.30.0", proof=HERE),
    _f("mattermost_configs.username", "0.30", "", "am:config/notifiers.go@v0.30.0", proof=HERE),
    _f("mattermost_configs.text", "0.30", "", "am:config/notifiers.go@v0.30.0", proof=HERE),
    _f("mattermost_configs.icon_url", "0.30", "", "am:config/notifiers.go@v0.30.0", proof=HERE),
    _f("mattermost_configs.icon_emoji", "0.30", "", "am:config/notifiers.go@v0.30.0", proof=HERE),
    _f("mattermost_configs.attachments", "0.30", "", "am:config/notifiers.go@v0.30.0", proof=HERE),
    _f("mattermost_configs.type", "0.30", "", "am:config/notifiers.go@v0.30.0", proof=HERE),
    _f("mattermost_configs.props", "0.30", "", "am:config/notifiers.go@v0.30.0", proof=HERE),
    _f("mattermost_configs.priority", "0.30", "", "am:config/notifiers.go@v0.30.0", proof=HERE),
    _f("mattermost_configs.fallback", "0.32", "", "am:config/notifiers.go@v0.32.0", proof=HERE),
    _f("mattermost_configs.color", "0.32", "", "am:config/notifiers.go@v0.32.0", proof=HERE),
    _f("mattermost_configs.pretext", "0.32", "", "am:config/notifiers.go@v0.32.0", proof=HERE),
    _f("mattermost_configs.author_name", "0.32", "", "am:config/notifiers.go@v0.32.0", proof=HERE),
    _f("mattermost_configs.author_link", "0.32", "", "am:config/notifiers.go@v0.32.0", proof=HERE),
    _f("mattermost_configs.author_icon", "0.32", "", "am:config/notifiers.go@v0.32.0", proof=HERE),
    _f("mattermost_configs.title", "0.32", "", "am:config/notifiers.go@v0.32.0", proof=HERE),
    _f("mattermost_configs.title_link", "0.32", "", "am:config/notifiers.go@v0.32.0", proof=HERE),
    _f("mattermost_configs.fields", "0.32", "", "am:config/notifiers.go@v0.32.0", proof=HERE),
    _f("mattermost_configs.thumb_url", "0.32", "", "am:config/notifiers.go@v0.32.0", proof=HERE),
    _f("mattermost_configs.footer", "0.32", "", "am:config/notifiers.go@v0.32.0", proof=HERE),
    _f("mattermost_configs.footer_icon", "0.32", "", "am:config/notifiers.go@v0.32.0", proof=HERE),
    _f("mattermost_configs.image_url", "0.32", "", "am:config/notifiers.go@v0.32.0", proof=HERE),
    # Global settings (`global:`).
    _f("global.resolve_timeout", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("global.http_config", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("global.smtp_from", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("global.smtp_hello", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("global.smtp_smarthost", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("global.smtp_auth_username", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("global.smtp_auth_password", "always", "", "am:config/config.go@v0.16.0", secret=True, proof=HERE),
    _f("global.smtp_auth_secret", "always", "", "am:config/config.go@v0.16.0", secret=True, proof=HERE),
    _f("global.smtp_auth_identity", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("global.smtp_require_tls", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("global.slack_api_url", "always", "", "am:config/config.go@v0.16.0", secret=True, proof=HERE),
    _f("global.pagerduty_url", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("global.hipchat_api_url", "always", "", "am:config/config.go@v0.16.0", removed="0.21"),
    _f("global.hipchat_auth_token", "always", "", "am:config/config.go@v0.16.0", removed="0.21", secret=True),
    _f("global.opsgenie_api_url", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("global.opsgenie_api_key", "always", "", "am:config/config.go@v0.16.0", secret=True, proof=HERE),
    _f("global.wechat_api_url", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("global.wechat_api_secret", "always", "", "am:config/config.go@v0.16.0", secret=True, proof=HERE),
    _f("global.wechat_api_corp_id", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("global.victorops_api_url", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("global.victorops_api_key", "always", "", "am:config/config.go@v0.16.0", secret=True, proof=HERE),
    _f("global.slack_api_url_file", "0.22", "#2534", "am:config/config.go@v0.22.0", proof=HERE),
    _f("global.opsgenie_api_key_file", "0.24", "#2728", "am:config/config.go@v0.24.0", proof=HERE),
    _f("global.telegram_api_url", "0.24", "", "am:config/config.go@v0.24.0", proof=HERE),
    _f("global.smtp_auth_password_file", "0.25", "#3038", "am:config/config.go@v0.25.0", proof=HERE),
    _f("global.victorops_api_key_file", "0.25", "#3111", "am:config/config.go@v0.25.0", proof=HERE),
    _f("global.webex_api_url", "0.25", "", "am:config/config.go@v0.25.0", proof=HERE),
    _f("global.jira_api_url", "0.28", "", "am:config/config.go@v0.28.0", proof=HERE),
    _f("global.smtp_tls_config", "0.28", "#3732", "am:config/config.go@v0.28.0", proof=HERE),
    _f("global.rocketchat_api_url", "0.28", "", "am:config/config.go@v0.28.0", proof=HERE),
    _f("global.rocketchat_token", "0.28", "", "am:config/config.go@v0.28.0", secret=True, proof=HERE),
    _f("global.rocketchat_token_file", "0.28", "", "am:config/config.go@v0.28.0", proof=HERE),
    _f("global.rocketchat_token_id", "0.28", "", "am:config/config.go@v0.28.0", secret=True, proof=HERE),
    _f("global.rocketchat_token_id_file", "0.28", "", "am:config/config.go@v0.28.0", proof=HERE),
    _f("global.slack_app_token", "0.30", "", "am:config/config.go@v0.30.0", secret=True, proof=HERE),
    _f("global.slack_app_token_file", "0.30", "", "am:config/config.go@v0.30.0", proof=HERE),
    _f("global.slack_app_url", "0.30", "", "am:config/config.go@v0.30.0", proof=HERE),
    _f("global.smtp_auth_secret_file", "0.31", "", "am:config/config.go@v0.31.0", proof=HERE),
    _f("global.smtp_force_implicit_tls", "0.31", "", "am:config/config.go@v0.31.0", proof=HERE),
    _f("global.wechat_api_secret_file", "0.31", "", "am:config/config.go@v0.31.0", proof=HERE),
    _f("global.telegram_bot_token", "0.31", "", "am:config/config.go@v0.31.0", secret=True, proof=HERE),
    _f("global.telegram_bot_token_file", "0.31", "", "am:config/config.go@v0.31.0", proof=HERE),
    _f("global.mattermost_webhook_url", "0.32", "", "am:config/config.go@v0.32.0", secret=True, proof=HERE),
    _f("global.mattermost_webhook_url_file", "0.32", "", "am:config/config.go@v0.32.0", proof=HERE),
    # Routes, inhibition rules, receivers and top-level keys.
    _f("route.receiver", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("route.group_by", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("route.match", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("route.match_re", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("route.continue", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("route.routes", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("route.group_wait", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("route.group_interval", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("route.repeat_interval", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("route.matchers", "0.22", "#2434", "am:config/config.go@v0.22.0", proof=HERE),
    _f("route.mute_time_intervals", "0.22", "#2393", "am:config/config.go@v0.22.0", proof=HERE),
    _f("route.active_time_intervals", "0.24", "#2779", "am:config/config.go@v0.24.0", proof=HERE),
    _f("route.labels", "0.34", "", "am:config/config.go@v0.34.0", proof=HERE),
    _f("inhibit_rules.source_match", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("inhibit_rules.source_match_re", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("inhibit_rules.target_match", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("inhibit_rules.target_match_re", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("inhibit_rules.equal", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("inhibit_rules.source_matchers", "0.22", "#2434", "am:config/config.go@v0.22.0", proof=HERE),
    _f("inhibit_rules.target_matchers", "0.22", "#2434", "am:config/config.go@v0.22.0", proof=HERE),
    _f("inhibit_rules.name", "0.30", "", "am:config/config.go@v0.30.0", proof=HERE),
    _f("receiver.name", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("receiver.labels", "0.33", "", "am:config/config.go@v0.33.0", proof=HERE),
    _f("global", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("route", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("inhibit_rules", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("receivers", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("templates", "always", "", "am:config/config.go@v0.16.0", proof=HERE),
    _f("mute_time_intervals", "0.22", "#2393", "am:config/config.go@v0.22.0", proof=HERE),
    _f("time_intervals", "0.24", "#2779", "am:config/config.go@v0.24.0", proof=HERE),
    _f("tracing", "0.30", "", "am:config/config.go@v0.30.0", proof=HERE),
    _f("event_recorder", "0.33", "", "am:config/config.go@v0.33.0", proof=HERE),
    # Notification template functions (template/template.go DefaultFuncs).
    _f("template_funcs.toUpper", "always", "", "am:template/template.go@v0.16.0", proof=HERE),
    _f("template_funcs.toLower", "always", "", "am:template/template.go@v0.16.0", proof=HERE),
    _f("template_funcs.title", "always", "", "am:template/template.go@v0.16.0", proof=HERE),
    _f("template_funcs.join", "always", "", "am:template/template.go@v0.16.0", proof=HERE),
    _f("template_funcs.match", "always", "#1452", "am:template/template.go@v0.16.0", proof=HERE),
    _f("template_funcs.safeHtml", "always", "", "am:template/template.go@v0.16.0", proof=HERE),
    _f("template_funcs.reReplaceAll", "always", "", "am:template/template.go@v0.16.0", proof=HERE),
    _f("template_funcs.stringSlice", "0.20", "#2101", "am:template/template.go@v0.20.0", proof=HERE),
    _f("template_funcs.trimSpace", "0.26", "#3223", "am:template/template.go@v0.26.0", proof=HERE),
    _f("template_funcs.date", "0.28", "#3812", "am:template/template.go@v0.28.0", proof=HERE),
    _f("template_funcs.tz", "0.28", "#3812", "am:template/template.go@v0.28.0", proof=HERE),
    _f("template_funcs.since", "0.28", "#3863", "am:template/template.go@v0.28.0", proof=HERE),
    _f("template_funcs.humanizeDuration", "0.28", "#3863", "am:template/template.go@v0.28.0", proof=HERE),
    _f("template_funcs.safeUrl", "0.30", "#4625", "am:template/template.go@v0.30.0", proof=HERE),
    _f("template_funcs.urlUnescape", "0.30", "#4625", "am:template/template.go@v0.30.0", proof=HERE),
    _f("template_funcs.toJson", "0.30", "#4773", "am:template/template.go@v0.30.0", proof=HERE),
    _f("template_funcs.list", "0.32", "", "am:template/template.go@v0.32.0", proof=HERE),
    _f("template_funcs.append", "0.32", "", "am:template/template.go@v0.32.0", proof=HERE),
    _f("template_funcs.dict", "0.32", "", "am:template/template.go@v0.32.0", proof=HERE),
    _f("template_funcs.now", "0.33", "", "am:template/template.go@v0.33.0", proof=HERE),
    _f("template_funcs.routeLabels", "0.34", "", "am:template/template.go@v0.34.0", proof=HERE),
    _f("template_funcs.toDate", "0.34", "", "am:template/template.go@v0.34.0", proof=HERE),
    _f("template_funcs.mustToDate", "0.34", "", "am:template/template.go@v0.34.0", proof=HERE),
    _f("template_funcs.base64encode", "0.34", "", "am:template/template.go@v0.34.0", proof=HERE),
    _f("template_funcs.base64decode", "0.34", "", "am:template/template.go@v0.34.0", proof=HERE),
    # Built-in template names (template/default.tmpl `define`s).
    _f("default_templates.__alertmanager", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.__alertmanagerURL", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.__description", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.__subject", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.__text_alert_list", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.email.default.html", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.email.default.subject", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.hipchat.default.from", "always", "", "am:template/default.tmpl@v0.16.0", removed="0.21"),
    _f("default_templates.hipchat.default.message", "always", "", "am:template/default.tmpl@v0.16.0", removed="0.21"),
    _f("default_templates.opsgenie.default.description", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.opsgenie.default.message", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.opsgenie.default.source", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.pagerduty.default.client", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.pagerduty.default.clientURL", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.pagerduty.default.description", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.pagerduty.default.instances", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.pushover.default.message", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.pushover.default.title", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.pushover.default.url", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.slack.default.callbackid", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.slack.default.fallback", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.slack.default.footer", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.slack.default.iconemoji", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.slack.default.iconurl", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.slack.default.pretext", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.slack.default.text", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.slack.default.title", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.slack.default.titlelink", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.slack.default.username", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.victorops.default.entity_display_name", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.victorops.default.monitoring_tool", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.victorops.default.state_message", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.wechat.default.agent_id", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.wechat.default.api_secret", "always", "", "am:template/default.tmpl@v0.16.0", removed="0.18"),
    _f("default_templates.wechat.default.message", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.wechat.default.to_party", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.wechat.default.to_tag", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.wechat.default.to_user", "always", "", "am:template/default.tmpl@v0.16.0", proof=HERE),
    _f("default_templates.sns.default.message", "0.23", "", "am:template/default.tmpl@v0.23.0", proof=HERE),
    _f("default_templates.sns.default.subject", "0.23", "", "am:template/default.tmpl@v0.23.0", proof=HERE),
    _f("default_templates.telegram.default.message", "0.24", "", "am:template/default.tmpl@v0.24.0", proof=HERE),
    _f("default_templates.discord.default.message", "0.25", "", "am:template/default.tmpl@v0.25.0", proof=HERE),
    _f("default_templates.discord.default.title", "0.25", "", "am:template/default.tmpl@v0.25.0", proof=HERE),
    _f("default_templates.webex.default.message", "0.25", "", "am:template/default.tmpl@v0.25.0", proof=HERE),
    _f("default_templates.__text_alert_list_markdown", "0.26", "", "am:template/default.tmpl@v0.26.0", proof=HERE),
    _f("default_templates.msteams.default.text", "0.26", "", "am:template/default.tmpl@v0.26.0", proof=HERE),
    _f("default_templates.msteams.default.title", "0.26", "", "am:template/default.tmpl@v0.26.0", proof=HERE),
    _f("default_templates.msteams.default.summary", "0.27", "", "am:template/default.tmpl@v0.27.0", proof=HERE),
    _f("default_templates.discord.default.content", "0.28", "", "am:template/default.tmpl@v0.28.0", proof=HERE),
    _f("default_templates.jira.default.description", "0.28", "", "am:template/default.tmpl@v0.28.0", proof=HERE),
    _f("default_templates.jira.default.priority", "0.28", "", "am:template/default.tmpl@v0.28.0", proof=HERE),
    _f("default_templates.jira.default.summary", "0.28", "", "am:template/default.tmpl@v0.28.0", proof=HERE),
    _f("default_templates.msteamsv2.default.text", "0.28", "", "am:template/default.tmpl@v0.28.0", proof=HERE),
    _f("default_templates.msteamsv2.default.title", "0.28", "", "am:template/default.tmpl@v0.28.0", proof=HERE),
    _f("default_templates.rocketchat.default.alias", "0.28", "", "am:template/default.tmpl@v0.28.0", proof=HERE),
    _f("default_templates.rocketchat.default.emoji", "0.28", "", "am:template/default.tmpl@v0.28.0", proof=HERE),
    _f("default_templates.rocketchat.default.iconurl", "0.28", "", "am:template/default.tmpl@v0.28.0", proof=HERE),
    _f("default_templates.rocketchat.default.text", "0.28", "", "am:template/default.tmpl@v0.28.0", proof=HERE),
    _f("default_templates.rocketchat.default.title", "0.28", "", "am:template/default.tmpl@v0.28.0", proof=HERE),
    _f("default_templates.rocketchat.default.titlelink", "0.28", "", "am:template/default.tmpl@v0.28.0", proof=HERE),
    _f("default_templates.mattermost.default.text", "0.30", "", "am:template/default.tmpl@v0.30.0", proof=HERE),
    _f("default_templates.mattermost.default.color", "0.32", "", "am:template/default.tmpl@v0.32.0", proof=HERE),
    _f("default_templates.mattermost.default.fallback", "0.32", "", "am:template/default.tmpl@v0.32.0", proof=HERE),
    _f("default_templates.mattermost.default.title", "0.32", "", "am:template/default.tmpl@v0.32.0", proof=HERE),
    _f("default_templates.mattermost.default.titlelink", "0.32", "", "am:template/default.tmpl@v0.32.0", proof=HERE),
    _f("default_templates.mattermost.default.username", "0.32", "", "am:template/default.tmpl@v0.32.0", proof=HERE),
    _f("default_templates.slack.default.color", "0.32", "", "am:template/default.tmpl@v0.32.0", proof=HERE),
    # sns_configs.sigv4: prometheus/common sigv4 up to 0.27, github.com/prometheus/sigv4 from 0.28
    # (the library version of each release is its go.mod's; Debian links its own, see notes).
    _f("sns_configs.sigv4.region", "0.23", "", "prometheus/common:sigv4/sigv4_config.go@sigv4/v0.1.0", proof=HERE),
    _f("sns_configs.sigv4.access_key", "0.23", "", "prometheus/common:sigv4/sigv4_config.go@sigv4/v0.1.0", proof=HERE),
    _f(
        "sns_configs.sigv4.secret_key",
        "0.23",
        "",
        "prometheus/common:sigv4/sigv4_config.go@sigv4/v0.1.0",
        secret=True,
        proof=HERE,
        note="no secret_key_file in any version of either library",
    ),
    _f("sns_configs.sigv4.profile", "0.23", "", "prometheus/common:sigv4/sigv4_config.go@sigv4/v0.1.0", proof=HERE),
    _f("sns_configs.sigv4.role_arn", "0.23", "", "prometheus/common:sigv4/sigv4_config.go@sigv4/v0.1.0", proof=HERE),
    _f(
        "sns_configs.sigv4.use_fips_sts_endpoint",
        "0.28",
        "",
        "prometheus/sigv4:sigv4_config.go@v0.1.0 (am:go.mod@v0.28.0)",
        proof=HERE,
    ),
    _f("sns_configs.sigv4.service_name", "0.29", "", "prometheus/sigv4:sigv4_config.go@v0.2.0 (am:go.mod@v0.29.0)", proof=HERE),
    _f(
        "sns_configs.sigv4.external_id",
        "0.31",
        "#5157",
        "prometheus/sigv4:sigv4_config.go@v0.4.0 (am:go.mod@v0.31.0)",
        proof=HERE,
        note="needs role_arn; passed to the SNS AssumeRole call from 0.34",
    ),
    # jira_configs summary/description as a mapping (a plain string still works).
    _f("jira_configs.summary.template", "0.30", "#4621", "am:notify/jira/config.go@v0.30.0", proof=HERE),
    _f("jira_configs.summary.enable_update", "0.30", "#4621", "am:notify/jira/config.go@v0.30.0", proof=HERE),
    _f("jira_configs.description.template", "0.30", "#4621", "am:notify/jira/config.go@v0.30.0", proof=HERE),
    _f("jira_configs.description.enable_update", "0.30", "#4621", "am:notify/jira/config.go@v0.30.0", proof=HERE),
    # Secrets of http_config (prometheus/common, in every release callalert targets).
    _f("http_config.basic_auth.password_file", "always", "", "prometheus/common:config/http_config.go@v0.39.0", proof=HERE),
    _f(
        "http_config.authorization.credentials_file",
        "always",
        "",
        "prometheus/common:config/http_config.go@v0.39.0",
        proof=HERE,
    ),
    _f("http_config.bearer_token_file", "always", "", "prometheus/common:config/http_config.go@v0.39.0", proof=HERE),
    # Routing and time intervals.
    _f("route.group_by_all", "0.16", "#1588", "am:config/config.go@v0.16.0", proof=HERE, note="group_by: ['...']"),
    _f("time_intervals.location", "0.25", "#2782", "am:timeinterval/timeinterval.go@v0.25.0", proof=HERE),
    # Matchers: which parser reads them, and which label names they, group_by and equal accept.
    _f(
        "matchers.utf8_parser",
        "0.27",
        "#3453",
        "am:matchers/compat/parse.go@v0.27.0",
        proof=HERE,
        note="route matchers, inhibit source/target_matchers and amtool arguments: the UTF-8 parser, falling back to "
        "the classic one when it fails (fallback mode, the default); quoted and UTF-8 label names",
    ),
    _f(
        "matchers.flag.utf8-strict-mode",
        "0.27",
        "#3453",
        "am:featurecontrol/featurecontrol.go@v0.27.0",
        proof=HERE,
        note="--enable-feature=utf8-strict-mode: the UTF-8 parser without fallback",
    ),
    _f(
        "matchers.flag.classic-mode",
        "0.27",
        "#3453",
        "am:featurecontrol/featurecontrol.go@v0.27.0",
        proof=HERE,
        note="--enable-feature=classic-mode: the classic parser only, as before 0.27",
    ),
    _f(
        "matchers.group_by_utf8",
        "0.27",
        "#3453",
        "am:config/config.go@v0.27.0",
        proof=HERE,
        note="any non-empty UTF-8 label name in group_by (compat.IsValidLabelName)",
    ),
    _f(
        "matchers.equal_utf8",
        "0.28",
        "#4177",
        "am:config/config.go@v0.28.0",
        proof=HERE,
        note="any non-empty UTF-8 label name in inhibit `equal`; 0.27 still validated them as classic names",
    ),
    _f(
        "matchers.legacy_keys_classic",
        "always",
        "",
        "am:config/config.go@v0.34.0",
        proof=HERE,
        note="the keys of match/match_re/source_match/target_match are classic label names in every release and mode",
    ),
)

AM_FEATURES: dict[str, Feature] = {f.name: f for f in _FEATURES}

AM_TEMPLATE_FUNCS: dict[str, Feature] = {
    f.name.removeprefix("template_funcs."): f for f in _FEATURES if f.name.startswith("template_funcs.")
}
AM_DEFAULT_TEMPLATES: dict[str, Feature] = {
    f.name.removeprefix("default_templates."): f for f in _FEATURES if f.name.startswith("default_templates.")
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
    return {
        f.name.removeprefix(prefix): f
        for f in _FEATURES
        if f.name.startswith(prefix) and f.name.endswith("_file") and "." not in f.name.removeprefix(prefix)
    }


def secret_file_feature(section: str, path: str) -> Feature | None:
    """The `*_file` variant of the secret at `path` ("bot_token", "sigv4.secret_key",
    "http_config.basic_auth.password") in `section` ("telegram_configs", "global"), or None
    when Alertmanager has none in any release."""
    if path.startswith("http_config."):
        return AM_FEATURES.get(f"{path}_file")
    return AM_FEATURES.get(f"{section}.{path}_file")


def receiver_types(version: str | Version = DEFAULT_ALERTMANAGER) -> list[str]:
    target = Version.parse(version)
    return sorted(
        f.name.removeprefix("receivers.") for f in _FEATURES if f.name.startswith("receivers.") and f.available_in(target)
    )


def receiver_fields(kind: str) -> dict[str, Feature]:
    """Every top-level field of a receiver type ('slack_configs') in any release, by name."""
    prefix = kind + "."
    return {
        f.name.removeprefix(prefix): f for f in _FEATURES if f.name.startswith(prefix) and "." not in f.name.removeprefix(prefix)
    }


def am_default_templates(version: str | Version = DEFAULT_ALERTMANAGER, package: str | None = None) -> frozenset[str]:
    """Built-in template names of `version`'s default.tmpl (of the distribution build `package`)."""
    target = Version.parse(version)
    patches = [p for p in distribution_patches(package) if p.effect == "config"]
    return frozenset(
        name
        for name, f in AM_DEFAULT_TEMPLATES.items()
        if f.available_in(target) and not any(p.disables_feature(f.name) for p in patches)
    )


MatcherMode = Literal["classic", "fallback", "utf8-strict"]


def am_matcher_mode(version: str | Version) -> MatcherMode:
    """How `version` parses matchers by default: classic before 0.27, then fallback mode."""
    return "fallback" if am_supports("matchers.utf8_parser", version) else "classic"


def am_utf8_label_names(where: Literal["matchers", "group_by", "equal"], version: str | Version) -> bool:
    """Whether `version` (in its default mode) accepts any UTF-8 label name there."""
    feature = {"matchers": "matchers.utf8_parser", "group_by": "matchers.group_by_utf8", "equal": "matchers.equal_utf8"}[where]
    return am_supports(feature, version)


# --------------------------------------------------------------------------------------------
# Go: text/template and regexp by Go release


@dataclass(frozen=True)
class GoFeature:
    name: str
    since: Version  # the Go release
    what: str
    source: str
    proven_by: tuple[str, ...] = ()  # toolchains whose amtool (built with its own Go) a test runs on it
    note: str = ""

    def in_go(self, go: str | Version) -> bool:
        return Version.parse(go).minor_version >= self.since


GO_FEATURES: dict[str, GoFeature] = {
    g.name: g
    for g in (
        GoFeature(
            "go.template.else_with",
            Version(1, 23),
            "{{with a}}…{{else with b}}…{{end}}; before: 'unexpected <with> in else'",
            "golang/website:_content/doc/go1.23.md (golang/go#57646)",
            HERE,
        ),
        GoFeature(
            "go.template.right_paren_error",
            Version(1, 21),
            "an unmatched ')' is 'unexpected right paren'; before: 'unexpected \")\" in command'",
            "golang/go:src/text/template/parse/lex.go (go1.19 vs go1.21)",
            HERE,
            "Go 1.20 (Alertmanager 0.26) was not available to test; callalert gives it the old wording",
        ),
        GoFeature(
            "go.template.range_over_int",
            Version(1, 24),
            "{{range 3}} and range over iterator functions (run time; parsing is unchanged)",
            "golang/website:_content/doc/go1.24.md",
        ),
        GoFeature(
            "go.regexp.named_group_angle",
            Version(1, 22),
            "(?<name>re) as well as (?P<name>re); before: 'invalid or unsupported Perl syntax: `(?<`'",
            "golang/go#58458 (regexp/syntax doc in go1.22)",
            HERE,
        ),
        GoFeature(
            "go.regexp.unicode_class_aliases",
            Version(1, 25),
            "\\p{Letter}, \\p{ASCII}, case-insensitive class names; before: 'invalid character class range'",
            "golang/website:_content/doc/go1.25.md",
            HERE,
        ),
    )
}


# The Go callalert assumes when no release is named: that of amtool 0.25 and promtool 2.42.
GO_DEFAULT = Version(1, 19)


def go_supports(feature: str, go: str | Version) -> bool:
    return GO_FEATURES[feature].in_go(go)


# --------------------------------------------------------------------------------------------
# The table as a whole


def am_table() -> Iterator[Feature]:
    """Every Alertmanager entry, in table order."""
    yield from _FEATURES


def am_table_counts(features: Iterable[Feature] | None = None) -> dict[str, int]:
    """How many entries there are, how many a toolchain here tests, and in both directions."""
    entries = list(features if features is not None else _FEATURES)
    proven = [f for f in entries if f.proven_by]
    both = [f for f in proven if "accepted" in f.proof() and "refused" in f.proof()]
    return {
        "entries": len(entries),
        "proven": len(proven),
        "both_directions": len(both),
        "not_proven": len(entries) - len(proven),
    }
