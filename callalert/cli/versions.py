"""`callalert versions`: the Alertmanager feature table (analysis/versions.py) as a reference.

`--format markdown` is docs/versions.md (a test keeps the file current); `json` is the same data
for programs; `--target-alertmanager` lists only what that release adds over the one before.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

from callalert.analysis.versions import (
    AM_BUILDS,
    AM_NEWEST,
    AM_RELEASES,
    AM_RELEASES_SOURCE,
    DISTRIBUTION_PATCHES,
    GO_FEATURES,
    Feature,
    Version,
    am_proven_here,
    am_table,
    am_table_counts,
    am_unproven_note,
    am_unreleased,
)
from callalert.errors import EXIT_OK, UsageError

# Sections of the table, in the order the reference lists them: (title, key prefix test).
_SECTIONS: tuple[tuple[str, str], ...] = (
    ("Receiver types", "receivers."),
    ("Receiver options", "_configs."),
    ("Global settings", "global."),
    ("http_config secrets", "http_config."),
    ("Routes, inhibit rules, receivers, top-level keys", "route|inhibit_rules.|receiver.|top|time_intervals."),
    ("Matchers and label names", "matchers."),
    ("Template functions", "template_funcs."),
    ("Built-in template names", "default_templates."),
)


def _section(feature: Feature) -> str:
    name = feature.name
    head = name.split(".", 1)[0]
    if name.startswith("receivers."):
        return "Receiver types"
    if head.endswith("_configs"):
        return "Receiver options"
    for title, prefix in _SECTIONS:
        if "|" not in prefix and name.startswith(prefix):
            return title
    return "Routes, inhibit rules, receivers, top-level keys"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _releases_rows() -> list[str]:
    rows = ["| release | date | Go of the release build | proven here |", "|---|---|---|---|"]
    for version in sorted(AM_RELEASES):
        if version.patch:
            continue
        release = AM_RELEASES[version]
        build = am_proven_here(version)
        proof = f"yes: {build.label}, Go {build.go}" if build is not None else "not proven here"
        rows.append(f"| {version.short} | {release.date} | {release.go.short} | {proof} |")
    return rows


def markdown() -> str:
    counts = am_table_counts()
    builds = ", ".join(f"{b.label} (package {b.package}, Go {b.go})" for b in AM_BUILDS)
    lines = [
        "# Alertmanager versions: what each release has",
        "",
        "Generated from callalert's feature table (`callalert versions --format markdown`, "
        "callalert/analysis/versions.py). Validation, rendering and the template and matcher checks all read it: "
        "a spec option, receiver type, template function, built-in template name or label-name rule newer than "
        "`defaults.targets.alertmanager` is an error that names the release that added it.",
        "",
        f"**Proven here** means a test runs the entry on the amtool of a toolchain `make tools` installs: {builds}. "
        "Each such entry is checked in both directions where the builds straddle it (refused by the older "
        "amtool, accepted by the newer one; tests/tools/test_am_feature_table.py). Releases without a build here "
        "can be targeted; their verdicts come from the release's source and CHANGELOG, and `callalert validate` "
        "says so (`target-unproven`, an info).",
        "",
        f"The table has **{counts['entries']} entries**: {counts['proven']} proven here "
        f"({counts['both_directions']} of them in both directions), {counts['not_proven']} not proven here "
        "(removed before any installed release).",
        "",
        f"**There is no Alertmanager {AM_NEWEST.major}.{AM_NEWEST.minor + 1}.** The newest release is "
        f"{AM_NEWEST} ({AM_RELEASES[AM_NEWEST].date}); a target above it is refused: "
        f"`{am_unreleased(f'{AM_NEWEST.major}.{AM_NEWEST.minor + 1}')}`.",
        "",
        "## Releases",
        "",
        f"Source: {AM_RELEASES_SOURCE}.",
        "",
        *_releases_rows(),
        "",
        "## Go: text/template and regexp by Go release",
        "",
        "Alertmanager parses templates and matcher regexes with the Go that built it. callalert checks a target "
        "with the Go of its release build (above); `check` runs the installed amtool, whose `--version` names "
        "its own Go.",
        "",
        "| change | since Go | source | proven here | note |",
        "|---|---|---|---|---|",
    ]
    for go in GO_FEATURES.values():
        proof = ", ".join(f"{b.label} Go {b.go}" for b in AM_BUILDS if b.toolchain in go.proven_by) or "not proven here"
        lines.append(f"| {_cell(go.what)} | {go.since.short} | {_cell(go.source)} | {proof} | {_cell(go.note)} |")
    lines += [
        "",
        "## Distribution patches",
        "",
        "| patch | distribution | packages | what it removes | effect | proven here | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for patch in DISTRIBUTION_PATCHES:
        packages = f"from {patch.added}" + (f" until {patch.dropped}" if patch.dropped else "")
        removes = ", ".join(f"`{d}`" for d in patch.disables)
        proof = ", ".join(b.label for b in AM_BUILDS if b.toolchain in patch.proven_by) or "not proven here"
        lines.append(
            f"| {patch.name} | {patch.distribution} | {packages} | {removes} | {patch.effect} | {proof} | {_cell(patch.source)} |"
        )
    for title, _ in _SECTIONS:
        entries = [f for f in am_table() if _section(f) == title]
        lines += ["", f"## {title}", "", "| entry | since | removed | proven here | source |", "|---|---|---|---|---|"]
        for f in entries:
            removed = f.removed.short if f.removed else ""
            note = f" ({_cell(f.note)})" if f.note else ""
            ref = f" {f.ref}" if f.ref else ""
            lines.append(f"| `{f.name}`{note} | {f.since_text} | {removed} | {f.proof()} | {_cell(f.source)}{ref} |")
    return "\n".join(lines) + "\n"


def _as_json(features: Iterable[Feature]) -> list[dict[str, Any]]:
    return [
        {
            "name": f.name,
            "since": f.since_text,
            "removed": f.removed.short if f.removed else None,
            "source": f.source,
            "ref": f.ref or None,
            "proven_by": list(f.proven_by),
            "proof": f.proof(),
            "note": f.note or None,
        }
        for f in features
    ]


def cmd_versions(fmt: str = "text", target: str | None = None) -> int:
    features = list(am_table())
    if target is not None:
        try:
            version = Version.parse(target)
        except ValueError as exc:
            raise UsageError(f"--target-alertmanager: {exc}") from None
        problem = am_unreleased(version)
        if problem is not None:
            raise UsageError(problem)
        older = [v for v in AM_RELEASES if v.minor_version < version.minor_version and not v.patch]
        previous = max(older) if older else None
        features = [f for f in features if f.available_in(version) and (previous is None or not f.available_in(previous))]
    if fmt == "markdown":
        if target is not None:
            raise UsageError("--format markdown prints the whole reference; drop --target-alertmanager")
        sys.stdout.write(markdown())
    elif fmt == "json":
        sys.stdout.write(json.dumps(_as_json(features), indent=2, ensure_ascii=False) + "\n")
    elif fmt == "text":
        for f in features:
            sys.stdout.write(
                f"{f.name}  since {f.since_text}{'  removed ' + f.removed.short if f.removed else ''}  [{f.proof()}]\n"
            )
        if target is not None:
            note = am_unproven_note(target)
            sys.stdout.write((note or f"Alertmanager {Version.parse(target).short} is proven here") + "\n")
    else:
        raise UsageError(f"unknown --format {fmt!r}; choose text, json or markdown")
    return EXIT_OK
