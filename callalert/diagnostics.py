"""Problems, levels, key paths, "did you mean", and the one rule registry.

A problem is greppable: ``path:line:col: level: key.path: message [rule-id]`` (1-based, yamllint's
parsable format). Every rule id that a problem can carry is a `Rule` constant registered in
`RULES`, so a typo is a NameError (and a mypy error), never a new, silently unknown rule.
Validation rules are defined here (every stage below `lint` reports them); lint rules are
defined beside their checks in `callalert.lint.rules` and register into the same registry.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from callalert.limits import MAX_MESSAGE_CHARS, SHOWN_CHARS

Level = Literal["error", "warning", "info"]
LEVELS: tuple[Level, ...] = ("error", "warning", "info")
LEVEL_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}

KeyPath = tuple[str | int, ...]


def format_key(path: KeyPath) -> str:
    """('groups', 0, 'alerts', 2, 'for') -> 'groups[0].alerts[2].for'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif out:
            out += f".{part}"
        else:
            out = str(part)
    return out


# --- showing user text -----------------------------------------------------------------------

# C0 and C1 controls, DEL, line and paragraph separators, and the bidi controls that can make a
# terminal show text in another order than it is: none of them reaches output raw.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group()
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def escape(text: str, *, keep_newlines: bool = False) -> str:
    """`text` on one line with every control character escaped (\\n, \\x1b, \\u2028): a spec
    cannot forge a diagnostic line or send a terminal escape sequence through a message."""
    if keep_newlines:
        return "\n".join(_CONTROL.sub(_escape_char, line) for line in text.split("\n"))
    return _CONTROL.sub(_escape_char, text)


def clip(text: str, limit: int = SHOWN_CHARS) -> str:
    """`text` cut to `limit` characters, saying how long it was: 'xxxx… (1000000 bytes)'."""
    if len(text) <= limit:
        return text
    size = len(text.encode("utf-8", "surrogatepass"))
    return f"{text[:limit]}… ({size} bytes)"


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """A user's value as a message quotes it: escaped, cut to `limit` characters, in quotes
    ('5x', 'xxxx…' (1000000 bytes))."""
    text = value if isinstance(value, str) else str(value)
    cut = clip(text, limit)
    if cut is text:
        return "'" + escape(text) + "'"
    return "'" + escape(cut[:limit]) + "…'" + cut[limit + 1 :]


def display_path(path: object) -> str:
    """A path as messages show it: one line, at most 200 characters."""
    return escape(clip(str(path), 200))


def kind_of(value: object) -> str:
    """What a YAML value is, for "expected X, got Y": 'a mapping', 'a list', 'an integer', 'nothing'."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, Mapping):
        return "a mapping"
    name = {list: "list", str: "string", int: "integer", float: "number"}.get(type(value), type(value).__name__)
    return ("an " if name[0] in "aeiou" else "a ") + name


# --- rules ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A kind of problem: its id (what users disable and grep for), default level and documentation.

    `bad` and `good` are examples that the test suite runs: `bad` must report this rule, `good`
    must report nothing."""

    id: str
    level: Level
    area: str
    summary: str
    why: str = ""
    bad: str = ""
    good: str = ""


class Registry:
    """Every rule callalert knows, by id; registering an id twice is a bug."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def add(self, rule: Rule) -> Rule:
        if rule.id in self._rules and self._rules[rule.id] != rule:
            raise ValueError(f"rule id {rule.id!r} registered twice")
        self._rules[rule.id] = rule
        return rule

    def get(self, rule_id: str) -> Rule | None:
        return self._rules.get(rule_id)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules.values())

    def ids(self) -> list[str]:
        return sorted(self._rules)


RULES = Registry()


def _rule(rule_id: str, summary: str, level: Level = "error", area: str = "validate", why: str = "") -> Rule:
    return RULES.add(Rule(rule_id, level, area, summary, why))


# Rules of `callalert validate` (and of the stages under it: load, resolve, render, spec tests).
YAML_SYNTAX = _rule("yaml-syntax", "The file is not valid YAML (or not UTF-8 text).")
DUPLICATE_KEY = _rule("duplicate-key", "A key appears twice in one mapping; YAML would silently keep only the last one.")
SCHEMA = _rule("schema", "A value has the wrong type or shape for the spec format.")
SPEC_VERSION = _rule("spec-version", "The spec's `version:` is not one this callalert reads.")
UNKNOWN_KEY = _rule("unknown-key", "A key the spec format does not define (usually a typo).")
MISSING_KEY = _rule("missing-key", "A required key is missing.")
DURATION = _rule("duration", "Not a Prometheus duration (30s, 5m, 1h30m, 7d).")
LABEL_NAME = _rule("label-name", "Not a valid label name.")
ALERT_NAME = _rule("alert-name", "Not a valid alert name (or too long to name its runbook and test files).")
GROUP_NAME = _rule("group-name", "A rule group name too long to name its rule file.")
PLAINTEXT_SECRET = _rule("plaintext-secret", "A secret written as a literal value instead of a {file:} or {env:} reference.")
SECRET_REF = _rule("secret-ref", "A secret reference that is not exactly one of {file: PATH} or {env: NAME}.")
SECRET_ENV = _rule("secret-env", "An {env:} secret that cannot be resolved in this render.")
TARGET_VERSION = _rule("target-version", "A feature the target Prometheus or Alertmanager version does not have.")
TARGET_UNPROVEN = _rule(
    "target-unproven",
    "A target version no toolchain callalert installs has: its verdicts come from source and release notes.",
    "info",
)
RECEIVER_OPTION = _rule("receiver-option", "Receiver options Alertmanager refuses together (or crashes on).")
MATCHER = _rule("matcher", "A matcher shorthand that is not label: value.")
MATCHER_SYNTAX = _rule("matcher-syntax", "A matcher Alertmanager cannot parse.")
MATCHER_FALLBACK = _rule(
    "matcher-fallback",
    "A matcher only Alertmanager's classic parser reads: 0.27+ logs a warning for it and UTF-8 strict mode refuses it.",
    "warning",
)
INHIBIT_RULE = _rule("inhibit-rule", "An inhibit rule that matches every alert on one side.", "warning")
TIME_INTERVAL = _rule("time-interval", "A time interval Alertmanager would refuse.")
SILENCE_WINDOW = _rule("silence-window", "A silence that ends before it starts.")
SILENCE_TIME = _rule("silence-time", "A silence time without a time zone.")
SILENCE_MATCHERS = _rule("silence-matchers", "A silence whose matchers all match the empty string (Alertmanager refuses it).")
RECEIVER_CONFIG = _rule("receiver-config", "A receiver option Alertmanager requires, set neither here nor in `global`.")
UNREADABLE_FILE = _rule("unreadable-file", "A file that cannot be read: no permission, an I/O error, or over the size limit.")
NESTING_DEPTH = _rule("nesting-depth", "A route tree or template nested deeper than callalert's stated limit.")
PROMQL_SYNTAX = _rule("promql-syntax", "PromQL that Prometheus cannot parse.")
PROMQL_VERSION = _rule("promql-version", "PromQL that the target Prometheus version does not have.")
PROMQL_TOO_LARGE = _rule(
    "promql-too-large",
    "PromQL beyond callalert's analysis limits: nested deeper than 100 levels (an error), or longer than 16 KiB or "
    "300 operators (a warning: only its syntax is checked).",
)
PROMQL_RANGE_LEFT_OPEN = _rule(
    "promql-range-left-open",
    "A rate()-like range too short for two samples under Prometheus 3's left-open range selectors: it returns nothing.",
    why="Prometheus 3.0 made range selectors left-open: a sample exactly at the start of the window is left out. "
    "rate(x[1m]) over samples scraped every 1m sees one sample and returns nothing, so the alert can never fire.",
)
UNKNOWN_RECEIVER = _rule("unknown-receiver", "A reference to a receiver that is not defined.")
UNKNOWN_SEVERITY = _rule("unknown-severity", "A reference to a severity that is not defined.")
UNKNOWN_CATEGORY = _rule("unknown-category", "A reference to a category that is not defined.")
UNKNOWN_TIME_INTERVAL = _rule("unknown-time-interval", "A reference to a time interval that is not defined.")
UNKNOWN_ALERT = _rule("unknown-alert", "A test that names an alert the spec does not define.")
DUPLICATE_ALERT = _rule("duplicate-alert", "Two alerts with the same name.")
DUPLICATE_NAME = _rule("duplicate-name", "Two definitions with the same name.")
RESERVED_LABEL = _rule("reserved-label", "A label callalert sets from the alert's own fields.")
RESERVED_ANNOTATION = _rule("reserved-annotation", "An annotation callalert sets from the alert's own fields.")
SEVERITY_WITHOUT_RECEIVER = _rule("severity-without-receiver", "A severity that notifies nobody.")
TEMPLATE_FILE = _rule("template-file", "A template file that cannot be used (name, extension, unreadable).")
# Reported by validate (a spec's templates) and by lint (.tmpl files, alertmanager.yml): one rule.
TEMPLATE_SYNTAX = RULES.add(
    Rule(
        "template-syntax",
        "error",
        "templates",
        "template Go's text/template parser rejects",
        "Alertmanager refuses to load a config whose templates do not parse, so no notification is sent at all "
        "(Prometheus likewise refuses a rule file whose annotations do not parse).",
        bad="""\
{{ define "slack.ops.text" }}
{{ range .Alerts }}
*{{ .Labels.alertname }}* on {{ .Labels.instance }}: {{ .Annotations.summary }}
{{ if .Annotations.runbook_url }}Runbook: {{ .Annotations.runbook_url }}
{{ end }}
{{ end }}
""",
        good="""\
{{ define "slack.ops.text" }}
{{ range .Alerts }}
*{{ .Labels.alertname }}* on {{ .Labels.instance }}: {{ .Annotations.summary }}
{{ if .Annotations.runbook_url }}Runbook: {{ .Annotations.runbook_url }}{{ end }}
{{ end }}
{{ end }}
""",
    )
)
TEMPLATE_FUNCTION = _rule("template-function", "A template function the target version does not define.")
UNKNOWN_TEMPLATE = _rule("unknown-template", "A {{ template }} call naming a template that is not defined.")
TEMPLATE_REDEFINED = _rule("template-redefined", "A template name defined twice.")
SERIES_SYNTAX = _rule("series-syntax", "A test series that is not one PromQL series selector.")
SERIES_VALUES = _rule("series-values", "Series values that are not promtool's notation.")
RULE_TEST = _rule("rule-test", "A rule test that cannot be compiled to a promtool test.")
ROUTING_TEST = _rule("routing-test", "A routing test that cannot run.")
OVERLAY = _rule("overlay", "An overlay that cannot be applied.")
COMPOSE = _rule(
    "compose",
    "Spec files that do not compose into one spec: a setting made in two files, a later file's defaults with nothing to "
    "apply to or that apply to the whole spec, a route that hides the routes of the files after it.",
)
CLUSTER_FILE = _rule("cluster-file", "A cluster file (--cluster) that is not a YAML list of Alertmanager URLs.")
TARGET_UNSUPPORTED = _rule(
    "target-unsupported",
    "Part of the spec that the chosen output target cannot express (a field the Operator's CRD lacks, an option Mimir "
    "refuses); the render stops instead of dropping it.",
)
TARGET_ROUTING = _rule(
    "target-routing",
    "An output that would route alerts differently from the spec once deployed (the Operator's injected namespace "
    "matcher, its forced `continue: true`, its route order).",
)
TARGET_OPTION = _rule("target-option", "An output option that cannot be honoured (names Kubernetes refuses, teams that collide).")
TARGET_NOT_WRITTEN = _rule(
    "target-not-written",
    "Part of the spec that the chosen output leaves to another owner (e.g. the Alertmanager's base configuration); "
    "it must be deployed by them for the alerts to be routed as the spec says.",
    "warning",
)
DASHBOARD_URL = _rule("dashboard-url", "A dashboard link that looks like a host name without https://.", "warning")

# Rules of `callalert check`: what the real tools found, mapped back to the spec.
RULE_TEST_FAILED = _rule("rule-test-failed", "A rule test whose expectation promtool test rules does not confirm.", area="check")
ROUTING_TEST_FAILED = _rule("routing-test-failed", "A routing test whose receivers differ from the expected ones.", area="check")
TEMPLATE_RENDER = _rule(
    "template-render", "A notification template that amtool template render cannot render (or renders empty).", area="check"
)

# Rules of `callalert import` (rule files, alertmanager.yml, templates and their packagings → a spec).
IMPORT_INPUT = _rule(
    "import-input", "An input import cannot read: not a kind it knows, or not shaped like its kind.", area="import"
)
IMPORT_REFUSED = _rule(
    "import-refused",
    "An input the real promtool or amtool rejects: import refuses it with the tool's verdict instead of converting it.",
    area="import",
)
IMPORT_LOSS = _rule(
    "import-loss",
    "Something of the input the spec cannot express; import exits 1 unless --allow-loss (then it is a warning).",
    area="import",
)
IMPORT_SECRET = _rule(
    "import-secret",
    "A secret of the input that must move into a file (give --secrets-dir), or whose value is not among the inputs.",
    area="import",
)
IMPORT_NOTE = _rule(
    "import-note",
    "What import changed in form but not in meaning, or did not carry (comments, Kubernetes metadata).",
    "info",
    area="import",
)
IMPORT_VERIFY = _rule("import-verify", "The spec import wrote is not equivalent to its input (`import --verify`).", area="import")


# --- problems -------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    col: int
    level: Level
    message: str
    rule: str
    key: str = ""
    fix: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # One line each, bounded: whatever a message quotes from a spec, it cannot break the
        # `path:line:col` format, reach the terminal as an escape, or run to a megabyte.
        texts = (self.path, self.key, self.message, self.fix or "")
        if max(map(len, texts)) <= MAX_MESSAGE_CHARS and not _CONTROL.search("".join(texts)):
            return  # every problem but a hostile input's
        for name, limit in (("path", MAX_MESSAGE_CHARS), ("key", MAX_MESSAGE_CHARS), ("message", MAX_MESSAGE_CHARS)):
            value = getattr(self, name)
            if len(value) > limit or _CONTROL.search(value):
                object.__setattr__(self, name, escape(clip(value, limit)))
        if self.fix is not None and (len(self.fix) > MAX_MESSAGE_CHARS or _CONTROL.search(self.fix)):
            object.__setattr__(self, "fix", escape(clip(self.fix, MAX_MESSAGE_CHARS)))

    def format(self) -> str:
        where = f"{self.key}: " if self.key else ""
        text = f"{self.path}:{self.line}:{self.col}: {self.level}: {where}{self.message} [{self.rule}]"
        if self.fix:
            text += f"\n    fix: {self.fix}"
        return text

    @property
    def text(self) -> str:
        """The message with its key path, as every format shows it."""
        return (f"{self.key}: " if self.key else "") + self.message

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.col,
            "level": self.level,
            "rule": self.rule,
            "message": self.text,
            "fix": self.fix,
        }


def problem(
    path: str, line: int, col: int, message: str, rule: Rule, *, level: Level | None = None, key: str = "", fix: str | None = None
) -> Problem:
    return Problem(path, line, col, level or rule.level, message, rule.id, key, fix)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """'; did you mean 'x'?' or '' — appended to messages about unknown names."""
    if len(word) > SHOWN_CHARS:  # a 1 MB key resembles nothing, and difflib would take its time
        return ""
    matches = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"; did you mean {matches[0]!r}?" if matches else ""


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.col, p.rule, p.message))


def has_errors(problems: Sequence[Problem], fail_on: Level = "error") -> bool:
    threshold = LEVEL_RANK[fail_on]
    return any(LEVEL_RANK[p.level] >= threshold for p in problems)


def summary(problems: Sequence[Problem]) -> str:
    counts = {lvl: sum(1 for p in problems if p.level == lvl) for lvl in LEVELS}
    parts = [f"{n} {lvl}{'s' if n != 1 else ''}" for lvl, n in counts.items() if n]
    return ", ".join(parts) if parts else "no problems"


def iter_strings(obj: object, key: KeyPath = ()) -> Iterator[tuple[KeyPath, str]]:
    """Every string in nested mappings and lists, with the key path that leads to it."""
    if isinstance(obj, str):
        yield key, obj
    elif isinstance(obj, Mapping):
        for k, v in obj.items():
            yield from iter_strings(v, (*key, str(k)))
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            yield from iter_strings(v, (*key, i))
