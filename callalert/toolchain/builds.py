"""Which build a tool binary is: upstream, or a distribution's build with patches that change
what it accepts or does.

A Debian build says so in `--version` (`branch: debian/sid, revision: <package version>`, built by
`team+pkg-go@tracker.debian.org`). Its patches that matter to callalert, each with the package
versions that carry it (read from the package's own changelog.Debian, shipped beside every binary):
Alertmanager's from the feature table (analysis.versions.DISTRIBUTION_PATCHES), Prometheus's below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from callalert.analysis.versions import DISTRIBUTION_PATCHES

_REVISION = re.compile(r"revision:\s*(\S+?)\)?\s*$", re.MULTILINE)
_BRANCH = re.compile(r"branch:\s*([^,\s)]+)")
_BUILD_USER = re.compile(r"build user:\s*(\S+)")

# Source package of each tool: promtool and prometheus come from `prometheus`, amtool and the
# server from `prometheus-alertmanager` (Debian's changelogs are per source package).
SOURCE_PACKAGE = {
    "promtool": "prometheus",
    "prometheus": "prometheus",
    "amtool": "prometheus-alertmanager",
    "alertmanager": "prometheus-alertmanager",
}


@dataclass(frozen=True)
class Patch:
    name: str
    effect: str
    source: str
    keywords: tuple[str, ...] = ()  # words in a tool's output that point at this patch (lower case)

    def explains(self, output: str) -> bool:
        text = output.lower()
        return any(word in text for word in self.keywords)


@dataclass(frozen=True)
class _KnownPatch:
    package: str
    patch: Patch
    first: str  # first Debian package version with the patch
    dropped: str | None  # first version without it again


# Prometheus's (Alertmanager's are in the feature table: analysis.versions.DISTRIBUTION_PATCHES).
PROMETHEUS_PATCHES: tuple[_KnownPatch, ...] = (
    _KnownPatch(
        "prometheus",
        Patch(
            "0023-Use-legacy-label-name-validation.patch",
            "label names are validated with the legacy (pre-UTF-8) rules",
            "changelog.Debian: added in 2.53.3+ds1-2, dropped in 3.5.3+ds1-1",
            ("label name",),
        ),
        "2.53.3+ds1-2",
        "3.5.3+ds1-1",
    ),
)


def _alertmanager_patches(package_version: str) -> tuple[Patch, ...]:
    """The feature table's distribution patches of an Alertmanager package, as build patches."""
    out: list[Patch] = []
    for known in DISTRIBUTION_PATCHES:
        if debian_version_compare(package_version, known.added) < 0:
            continue
        if known.dropped is not None and debian_version_compare(package_version, known.dropped) >= 0:
            continue
        how = "refused by the config loader" if known.effect == "config" else "parsed, but missing at run time"
        keywords = tuple(
            dict.fromkeys(
                d.split(".")[-2 if d.endswith(".*") else -1].lower()
                for d in known.disables
                if not d.startswith("default_templates.")
            )
        )
        out.append(Patch(known.name, f"disables {', '.join(known.disables)} ({how})", known.source, keywords))
    return tuple(out)


# How Debian's Alertmanager builds differ from upstream in where their default templates come
# from (observed on 0.25.0-1+b4, 0.28.1+ds-1 and 0.33.1-5; the server's path checked with strace).
DEBIAN_NOTES = {
    "amtool": "no built-in templates: `amtool template render` knows Alertmanager's default template names only "
    "with --template.glob=<prefix>/share/prometheus/alertmanager/default.tmpl (callalert check passes the one "
    "beside this amtool)",
    "alertmanager": "reads its default templates from the fixed path /usr/share/prometheus/alertmanager/"
    "{default,email}.tmpl, wherever the binary is: without them there it does not start, and another "
    "version's files there change what it sends",
}


@dataclass(frozen=True)
class Build:
    distribution: str = ""  # "Debian", or "" for an upstream (or unknown) build
    package_version: str = ""  # the distribution's package version, e.g. 0.28.1+ds-1
    patches: tuple[Patch, ...] = ()
    notes: tuple[str, ...] = ()  # how the build behaves unlike upstream, beyond its patches

    @property
    def embeds_templates(self) -> bool:
        """Whether amtool has Alertmanager's default.tmpl built in: upstream builds embed it,
        Debian's read it from usr/share/prometheus/alertmanager/ (amtool not at all)."""
        return self.distribution != "Debian"

    def describe(self) -> str:
        if not self.distribution:
            return "upstream build"
        return f"{self.distribution} build {self.package_version}".rstrip()


def build_of(kind: str, version_output: str) -> Build:
    """The build a tool's `--version` output describes."""
    user = _BUILD_USER.search(version_output)
    branch = _BRANCH.search(version_output)
    debian = bool(user and user.group(1).endswith("@tracker.debian.org")) or bool(
        branch and branch.group(1).startswith("debian/")
    )
    if not debian:
        return Build()
    revision = _REVISION.search(version_output)
    package_version = revision.group(1) if revision else ""
    package = SOURCE_PACKAGE[kind]
    if not package_version:
        patches: tuple[Patch, ...] = ()
    elif package == "prometheus-alertmanager":
        patches = _alertmanager_patches(package_version)
    else:
        patches = tuple(
            known.patch
            for known in PROMETHEUS_PATCHES
            if debian_version_compare(package_version, known.first) >= 0
            and (known.dropped is None or debian_version_compare(package_version, known.dropped) < 0)
        )
    notes = (DEBIAN_NOTES[kind],) if kind in DEBIAN_NOTES else ()
    return Build("Debian", package_version, patches, notes)


# --- Debian version ordering (deb-version(7)) ------------------------------------------------


def _order(char: str) -> int:
    if char == "~":
        return -1
    if char.isdigit():
        return 0
    if char.isalpha():
        return ord(char)
    return ord(char) + 256


def _compare_part(a: str, b: str) -> int:
    i = j = 0
    while i < len(a) or j < len(b):
        first_diff = 0
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ac = _order(a[i]) if i < len(a) and not a[i].isdigit() else 0
            bc = _order(b[j]) if j < len(b) and not b[j].isdigit() else 0
            if ac != bc:
                return -1 if ac < bc else 1
            i += 1
            j += 1
        while i < len(a) and a[i] == "0":
            i += 1
        while j < len(b) and b[j] == "0":
            j += 1
        while i < len(a) and a[i].isdigit() and j < len(b) and b[j].isdigit():
            if not first_diff:
                first_diff = ord(a[i]) - ord(b[j])
            i += 1
            j += 1
        if i < len(a) and a[i].isdigit():
            return 1
        if j < len(b) and b[j].isdigit():
            return -1
        if first_diff:
            return -1 if first_diff < 0 else 1
    return 0


def _split(version: str) -> tuple[int, str, str]:
    epoch = 0
    if ":" in version:
        head, version = version.split(":", 1)
        epoch = int(head) if head.isdigit() else 0
    upstream, _, revision = version.rpartition("-")
    if not upstream:
        upstream, revision = revision, ""
    return epoch, upstream, revision


def debian_version_compare(a: str, b: str) -> int:
    """-1, 0 or 1 as dpkg --compare-versions orders `a` and `b`."""
    ea, ua, ra = _split(a)
    eb, ub, rb = _split(b)
    if ea != eb:
        return -1 if ea < eb else 1
    return _compare_part(ua, ub) or _compare_part(ra, rb)
