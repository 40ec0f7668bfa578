"""What PromQL each Prometheus version accepts and how it evaluates: the syntax table, the feature
flags, and the `Dialect` the lexer and parser follow for one target.

Every entry names the release that changed it (read from promql/parser at each release tag and
the CHANGELOG) and, where one of the installed toolchains can show it, an expression that the
tests run through that promtool in both directions: refused before the version, accepted from it
(tests/tools/test_promql_promtool.py). `proven_by` in `callalert toolchains`-style reports comes from
comparing `since` with the installed promtools; nothing here is hard-coded per binary.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from callalert.analysis.promql.functions import release_line
from callalert.analysis.promql.regex import RegexSyntax
from callalert.analysis.versions import Build, Version

EXPERIMENTAL_FUNCTIONS = "promql-experimental-functions"
DURATION_EXPR = "promql-duration-expr"
EXTENDED_RANGE_SELECTORS = "promql-extended-range-selectors"
BINOP_FILL_MODIFIERS = "promql-binop-fill-modifiers"

_V = Version


@dataclass(frozen=True, slots=True)
class FeatureFlag:
    """A `--enable-feature` value: when the server has it, and when `promtool check rules` honours it.

    promtool before `promtool_since` prints "Unknown option" (up to 2.55) or ignores the flag (3.0 -
    3.3), so it cannot check a rule that needs the feature: `callalert check` says so instead."""

    name: str
    server_since: Version
    promtool_since: Version | None
    default_since: Version | None = None  # the feature is on without the flag from this version


FLAGS: dict[str, FeatureFlag] = {
    f.name: f
    for f in (
        FeatureFlag(EXPERIMENTAL_FUNCTIONS, _V(2, 49), _V(3, 4)),
        FeatureFlag(DURATION_EXPR, _V(3, 4), _V(3, 10), default_since=_V(3, 14)),
        FeatureFlag(EXTENDED_RANGE_SELECTORS, _V(3, 7), _V(3, 10)),
        FeatureFlag(BINOP_FILL_MODIFIERS, _V(3, 10), _V(3, 14)),
    )
}


@dataclass(frozen=True, slots=True)
class SyntaxFeature:
    """A change in what PromQL text means or parses. `accepts`: expressions that parse from `since`
    on and are refused before it (`until`: and refused again from that version)."""

    key: str
    summary: str
    since: Version
    until: Version | None = None
    flag: str | None = None
    accepts: tuple[str, ...] = ()
    ref: str = ""
    semantic: bool = False  # changes results, not syntax (proven with `promtool test rules`)
    marker: str = ""  # a regex that finds the feature in an expression (to name it in a message)


SYNTAX_FEATURES: tuple[SyntaxFeature, ...] = (
    SyntaxFeature(
        "quoted-names-in-braces",
        'quoted metric and label names inside braces: {"my.metric"}, up{"service.name"="x"}',
        _V(2, 51),
        accepts=('{"my.metric"}', 'up{"service.name"="x"}', '{"my.metric", job="x"}'),
        ref="generated_parser.y@v2.51.0 string_identifier",
        marker=r"""[{,]\s*["'`]""",
    ),
    SyntaxFeature(
        "numbers-with-underscores",
        "underscores in numbers: 1_000_000",
        _V(2, 54),
        accepts=("1_000", "x > 1_000.5"),
        ref="CHANGELOG 2.54.0 #12821",
        marker=r"\d_\d",
    ),
    SyntaxFeature(
        "durations-as-numbers",
        "durations and numbers are interchangeable: up > 5m, x[300], x offset 30",
        _V(2, 54),
        accepts=("up > 5m", "rate(x[300])", "x offset 30", "x[5m:60]"),
        ref="CHANGELOG 2.54.0 #9138, stable in 3.0.0 #15111",
    ),
    SyntaxFeature(
        "quoted-names-in-grouping",
        'quoted label names in by/without/on/ignoring/group_left/group_right: sum by ("job") (x)',
        _V(2, 55),
        accepts=('sum by ("job") (x)', 'x * on("job") group_left("a") y'),
        ref="generated_parser.y@v2.55.0 grouping_label STRING; CHANGELOG 2.55.0 #14482",
        marker=r"""(?i)\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*["'`]""",
    ),
    SyntaxFeature(
        "utf8-label-names",
        'any UTF-8 label name in grouping lists: sum by ("service.name") (x), by (a:b)',
        _V(3, 0),
        accepts=('sum by ("service.name") (x)', "sum by (a:b) (x)"),
        ref="CHANGELOG 3.0.0 #14705",
    ),
    SyntaxFeature(
        "regex-named-groups",
        "named groups (?<name>re) in label-matcher regexes (grafana/regexp copy of Go 1.22)",
        _V(2, 53),
        accepts=('x{a=~"(?<n>x)"}',),
        ref="go.mod@v2.53.0 github.com/grafana/regexp a468a5b",
        marker=r"\(\?<",
    ),
    SyntaxFeature(
        "holt-winters",
        "holt_winters() (renamed double_exponential_smoothing() in 3.0, behind the experimental flag)",
        _V(2, 0),
        until=_V(3, 0),
        accepts=("holt_winters(x[5m], 0.5, 0.5)",),
        ref="CHANGELOG 3.0.0 #14930",
    ),
    SyntaxFeature(
        "offset-zero",
        "a zero offset written as a duration: x offset 0s",
        _V(3, 4),
        accepts=("x offset 0s",),
        ref="generated_parser.y@v3.4.0 offset_duration_expr",
        marker=r"(?i)offset\s+[-+]?0+(?:ms|[smhdwy])",
    ),
    SyntaxFeature(
        "duration-expressions",
        "arithmetic in ranges and offsets: rate(x[5m+1m]), x offset (1m+1m)",
        _V(3, 4),
        flag=DURATION_EXPR,
        accepts=("rate(x[5m+1m])",),
        ref="CHANGELOG 3.4.0 #16249; on by default in 3.14.0 #19033",
    ),
    SyntaxFeature(
        "extended-range-selectors",
        "anchored and smoothed range selectors: rate(x[5m] smoothed)",
        _V(3, 7),
        flag=EXTENDED_RANGE_SELECTORS,
        accepts=("rate(x[5m] smoothed)",),
        ref="CHANGELOG 3.7.0 #16457",
    ),
    SyntaxFeature(
        "binop-fill-modifiers",
        "fill(), fill_left(), fill_right() on binary operators: x + on(a) fill(0) y",
        _V(3, 10),
        flag=BINOP_FILL_MODIFIERS,
        accepts=("x + on(a) fill(0) y",),
        ref="CHANGELOG 3.10.0 #17644",
    ),
    SyntaxFeature(
        "left-open-ranges",
        "range selectors and the lookback window exclude their start: with samples every 1m, "
        "rate(x[1m]) sees one sample and returns nothing",
        _V(3, 0),
        ref="CHANGELOG 3.0.0 #13904; subqueries 3.0.1 #15431",
        semantic=True,
    ),
    SyntaxFeature(
        "regex-dot-matches-newline",
        '"." in label-matcher regexes matches a newline: x{a=~"a.b"} selects a="a\\nb"',
        _V(3, 0),
        ref="model/labels/regexp.go@v3.0.0 syntax.DotNL, #14505",
        semantic=True,
    ),
)


@dataclass(frozen=True, slots=True)
class Dialect:
    """PromQL as the promtool of one Prometheus release line parses it (every switch is computed
    once: the lexer and parser read them for every token)."""

    version: Version
    experimental: bool = False  # --enable-feature=promql-experimental-functions
    quoted_braces: bool = field(init=False)  # {"my.metric"}, x{"a.b"="c"} (2.51)
    durations_as_numbers: bool = field(init=False)  # number_duration_literal: up > 5m, x[300] (2.54)
    underscores: bool = field(init=False)  # the 2.54 number scanner: 1_000, stricter about "1..2", "1e"
    quoted_grouping: bool = field(init=False)  # by ("job") (2.55)
    grouping_names: str = field(init=False)  # "legacy-lexer" (isLabel, <= 2.54), "legacy" (2.55), "utf8" (3.0)
    bracket_lexer: str = field(init=False)  # after "[": "duration" (<= 2.53), "number" (2.54 - 3.3), "expression"
    duration_expressions: bool = field(init=False)  # offset_duration_expr and positive_duration_expr (3.4)
    duration_arithmetic: bool = field(init=False)  # arithmetic without a flag (3.14; promtool never enables it before)
    regex_duration_parser: bool = field(init=False)  # prometheus/common before 0.42 (Prometheus 2.42)
    limit_aggregators: bool = field(init=False)  # limitk, limit_ratio (2.54)
    experimental_gate: bool = field(init=False)  # "function ... is not enabled" (2.49)
    regex: RegexSyntax = field(init=False)
    left_open_ranges: bool = field(init=False)  # 3.0
    regex_dot_matches_newline: bool = field(init=False)  # 3.0
    # The yacc token number of `@`: upstream's lexer has no name for it, so its errors print
    # `unexpected "<Item 57400>" <op:@>`, and the number moves whenever the grammar gains tokens.
    at_item_number: int = field(init=False)

    def __post_init__(self) -> None:
        def since(major: int, minor: int) -> bool:
            return self.version >= Version(major, minor)

        values: dict[str, object] = {
            "quoted_braces": since(2, 51),
            "durations_as_numbers": since(2, 54),
            "underscores": since(2, 54),
            "quoted_grouping": since(2, 55),
            "grouping_names": "utf8" if since(3, 0) else "legacy" if since(2, 55) else "legacy-lexer",
            "bracket_lexer": "expression" if since(3, 4) else "number" if since(2, 54) else "duration",
            "duration_expressions": since(3, 4),
            "duration_arithmetic": since(3, 14),
            "regex_duration_parser": not since(2, 43),
            "limit_aggregators": since(2, 54),
            "experimental_gate": since(2, 49),
            "regex": RegexSyntax(
                named_groups=since(2, 53),
                unicode="13" if not since(2, 53) else "15" if not since(3, 5) else "17",
                anchored_first=not since(2, 52),
            ),
            "left_open_ranges": since(3, 0),
            "regex_dot_matches_newline": since(3, 0),
            "at_item_number": 57402
            if since(3, 11)
            else 57400
            if since(2, 55)
            else 57399
            if since(2, 54)
            else 57398
            if since(2, 47)
            else 57385,
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @classmethod
    def of(cls, target: str | Version, *, experimental: bool = False) -> Dialect:
        """The dialect of `target`'s release line; one instance per line and flag (the lexer and
        parser ask for it once per expression)."""
        return _dialect(release_line(target), experimental)

    def at_least(self, major: int, minor: int) -> bool:
        return self.version >= Version(major, minor)


@functools.lru_cache(maxsize=64)
def _dialect(version: Version, experimental: bool) -> Dialect:
    return Dialect(version, experimental)


@dataclass(frozen=True, slots=True)
class RuleField:
    """A key of a Prometheus rule file that not every release reads (model/rulefmt)."""

    key: str  # "group.<yaml key>" or "alert.<yaml key>"
    since: Version
    ref: str

    @property
    def yaml(self) -> str:
        return self.key.split(".", 1)[1]


RULE_FIELDS: dict[str, RuleField] = {
    f.key: f
    for f in (
        RuleField("group.limit", _V(2, 31), "CHANGELOG 2.31.0 #9260 #9541"),
        RuleField("alert.keep_firing_for", _V(2, 42), "CHANGELOG 2.42.0 #11827"),
        RuleField("group.query_offset", _V(2, 53), "CHANGELOG 2.53.0 #14061; model/rulefmt RuleGroup.QueryOffset"),
        RuleField("group.labels", _V(3, 0), "model/rulefmt RuleGroup.Labels at v3.0.0"),
    )
}


def rule_field_problem(key: str, target: str | Version) -> str | None:
    """Why Prometheus `target` refuses rule-file key `key` ("group.labels"), or None."""
    found = RULE_FIELDS[key]
    version = release_line(target)
    if version >= found.since:
        return None
    where = "rule group" if key.startswith("group.") else "alerting rule"
    return f"{where} `{found.yaml}` needs Prometheus ≥ {found.since.short}; the target is Prometheus {version.short}"


# The promtool builds `make tools` installs (Debian bookworm, trixie, sid); tests/tools prove each entry on them.
PROM_BUILDS: tuple[Build, ...] = (
    Build("bookworm", "prometheus", Version(2, 42, 0), "2.42.0+ds-5+deb12u1", Version(1, 19, 8)),
    Build("trixie", "prometheus", Version(2, 53, 3), "2.53.3+ds1-2", Version(1, 24, 4)),
    Build("sid", "prometheus", Version(3, 5, 3), "3.5.3+ds1-6", Version(1, 27, 1)),
)
# The newest Prometheus release whose source callalert's tables were read from (the tags v2.42.0 ... v3.14.0).
PROM_NEWEST = Version(3, 14, 0)
PROM_OLDEST = Version(2, 0, 0)


def prom_proven_here(version: str | Version) -> Build | None:
    """The installed build of the same release line as `version`, whose promtool proves it."""
    line = release_line(version)
    return next((b for b in PROM_BUILDS if release_line(b.version) == line), None)


def prom_unreleased(version: str | Version) -> str | None:
    """Why `version` cannot be targeted (newer than every release callalert knows, or older than 2.0), or None."""
    line = release_line(version)
    if line > release_line(PROM_NEWEST):
        return (
            f"Prometheus {line.short} is newer than every release callalert knows (the newest is {PROM_NEWEST}); "
            "its PromQL and rule files cannot be checked"
        )
    if line < PROM_OLDEST:
        return f"Prometheus {line.short} is older than 2.0, whose PromQL callalert does not know"
    return None


def prom_unproven_note(version: str | Version) -> str | None:
    """For a target no toolchain here has: what callalert's verdicts at that target rest on."""
    if prom_proven_here(version) is not None or prom_unreleased(version) is not None:
        return None
    builds = ", ".join(b.label for b in PROM_BUILDS)
    return (
        f"Prometheus {release_line(version).short} is not proven here: the toolchains callalert installs have promtool "
        f"{builds}; what {release_line(version).short} accepts comes from its source and release notes"
    )


def proof(since: Version, until: Version | None = None, flag: str | None = None) -> str:
    """Which installed promtools accept an entry and which refuse it (what tests/tools asserts of each)."""
    accepted: list[str] = []
    refused: list[str] = []
    for build in PROM_BUILDS:
        line = release_line(build.version)
        has = since <= line and (until is None or line < until)
        if flag is not None:
            honoured = FLAGS[flag].promtool_since
            has = has and honoured is not None and line >= honoured
        (accepted if has else refused).append(build.label)
    parts = []
    if accepted:
        parts.append("accepted by " + ", ".join(accepted))
    if refused:
        parts.append("refused by " + ", ".join(refused))
    return "; ".join(parts)


def feature(key: str) -> SyntaxFeature:
    return next(f for f in SYNTAX_FEATURES if f.key == key)


def features_in(target: str | Version) -> list[SyntaxFeature]:
    """The syntax features Prometheus `target` has (flags aside)."""
    version = release_line(target)
    return [f for f in SYNTAX_FEATURES if f.since <= version and (f.until is None or version < f.until)]
