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
    lines += _prometheus_lines()
    return "\n".join(lines) + "\n"


def _prometheus_lines() -> list[str]:
    """The Prometheus part of the reference: PromQL syntax, feature flags, functions, rule-file keys, regexes."""
    from callalert.analysis.promql import FUNCTIONS
    from callalert.analysis.promql.versions import (
        FLAGS,
        PROM_BUILDS,
        PROM_NEWEST,
        RULE_FIELDS,
        SYNTAX_FEATURES,
        Dialect,
        proof,
    )

    builds = ", ".join(f"promtool {b.label} (package {b.package}, Go {b.go})" for b in PROM_BUILDS)
    lines = [
        "",
        "# Prometheus: PromQL and rule files by release",
        "",
        "callalert parses PromQL with its own parser, per Prometheus release (callalert/analysis/promql: `lex`, `parse`, "
        "`regex`, `functions`, `versions`), from upstream's grammar and lexer at every tag v2.42.0 … "
        f"v{PROM_NEWEST}. `defaults.targets.prometheus` picks the release: an expression, function or rule-file key "
        "the target lacks is an error naming the release that has it.",
        "",
        f"**Proven here**: {builds}. tests/tools/test_promql_promtool.py runs every entry below on each of them, in "
        "both directions (refused before the release, accepted from it), and compares callalert's verdict and promtool's "
        "exact message on the corpus, edge cases and 12,000 mutated expressions. Other releases are reported as "
        "`target-unproven` by validate.",
        "",
        "One difference is known and kept: promtool 3.x's own parser panics on some invalid expressions (in its "
        "error recovery) and prints `could not parse expression: unexpected error`, without a position; callalert "
        "names the first error there, as promtool 2.x does. Both refuse the expression.",
        "",
        "## PromQL syntax and semantics",
        "",
        "| change | since | until | needs | proven here | source |",
        "|---|---|---|---|---|---|",
    ]
    for f in SYNTAX_FEATURES:
        needs = f"--enable-feature={f.flag}" if f.flag else ("(results, not syntax)" if f.semantic else "")
        if f.semantic:
            shown = proof(f.since, f.until).replace("accepted by", "so in").replace("refused by", "not in")
            proven = f"promtool test rules: {shown}"
        else:
            proven = proof(f.since, f.until, f.flag)
        until = f.until.short if f.until else ""
        lines.append(f"| {_cell(f.summary)} | {f.since.short} | {until} | {needs} | {proven} | {_cell(f.ref)} |")
    lines += [
        "",
        "## Feature flags",
        "",
        "promtool before the release in the third column cannot check a rule that needs the flag: up to 2.55 it "
        'warns "Unknown option" and ignores it, 3.0 – 3.3 accept and ignore it.',
        "",
        "| flag | Prometheus server from | promtool check rules honours it from | on by default from |",
        "|---|---|---|---|",
    ]
    for flag in FLAGS.values():
        honoured = flag.promtool_since.short if flag.promtool_since else "never"
        default = flag.default_since.short if flag.default_since else ""
        lines.append(f"| `{flag.name}` | {flag.server_since.short} | {honoured} | {default} |")
    lines += [
        "",
        "## Functions and aggregations",
        "",
        "| name | since | experimental (needs promql-experimental-functions) | removed | proven here |",
        "|---|---|---|---|---|",
    ]
    for name, info in sorted(FUNCTIONS.items()):
        if info.stable is None:
            experimental = "always"
        elif info.stable > info.added:
            experimental = f"until {info.stable.short}"
        else:
            experimental = ""
        removed = info.removed.short + (f" (use {info.renamed_to})" if info.renamed_to else "") if info.removed else ""
        stable_from = info.stable if info.stable is not None and info.stable > info.added else None
        usable_from = info.added if info.stable is not None and stable_from is None else stable_from
        if usable_from is not None:
            proven = proof(usable_from, info.removed)
        else:
            proven = "with the flag: " + proof(info.added, info.removed, "promql-experimental-functions")
        lines.append(f"| `{name}` | {info.added.short} | {experimental} | {removed} | {proven} |")
    lines += [
        "",
        "## Rule-file keys",
        "",
        "| key | since | proven here | source |",
        "|---|---|---|---|",
    ]
    for field in RULE_FIELDS.values():
        lines.append(f"| `{field.key}` | {field.since.short} | {proof(field.since)} | {_cell(field.ref)} |")
    lines += [
        "",
        "## Label-matcher regexes",
        "",
        "Prometheus parses `=~` and `!~` values with github.com/grafana/regexp/syntax, a copy of Go's regexp/syntax "
        "taken at one Go release, and the Unicode tables of the Go that built the binary. From 3.0 `.` also matches "
        "a newline.",
        "",
        "| Prometheus | regexp/syntax copy of | `(?<name>re)` | Unicode tables | proven here |",
        "|---|---|---|---|---|",
    ]
    for since, copy in (("2.42", "Go 1.19.2"), ("2.53", "Go 1.22.1"), ("3.5", "Go 1.22.1"), ("3.7", "Go 1.24.7")):
        regex = Dialect.of(since).regex
        build = next((b.label for b in PROM_BUILDS if f"{b.version.major}.{b.version.minor}" == since), "not proven here")
        named = "yes" if regex.named_groups else "no"
        lines.append(f"| {since} | {copy} | {named} | Unicode {regex.unicode} | {build} |")
    return lines


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
