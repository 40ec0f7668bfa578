"""Lint rules as objects, the options of a run, and disable comments.

A lint rule is a `LintRule`: its metadata is a `diagnostics.Rule` (id, level, family, summary, why,
bad and good examples) registered in the one registry `diagnostics.RULES`, beside the rules of
`callalert validate`; its `check` looks at a `World` and reports problems of that rule only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from callalert.diagnostics import Problem, Rule, did_you_mean, problem
from callalert.lint.project import LINT_CONFIG

if TYPE_CHECKING:
    from callalert.analysis.promql.catalog import MetricsCatalog
    from callalert.lint.project import Project
    from callalert.lint.world import World


@dataclass
class Options:
    now: datetime
    target_alertmanager: str | None = None  # None: the spec's target, else DEFAULT_ALERTMANAGER
    scrape_interval: float | None = None  # None: the spec's defaults.scrape_interval, else 60 (Prometheus' default)
    catalog: MetricsCatalog | None = None
    target_prometheus: str | None = None  # None: the spec's target, else DEFAULT_PROMETHEUS
    project: Project | None = None  # .callalert.yml / [tool.callalert]: levels, overrides, policy


Check = Callable[["World", Options], Iterable[Problem]]

# What a rule's `bad` and `good` examples are: the kind of file the example test writes.
ExampleKind = Literal["spec", "rules", "alertmanager", "template", "project"]
EXAMPLE_FILE_NAMES: dict[ExampleKind, str] = {
    "spec": "spec.yaml",
    "rules": "rules.yml",
    "alertmanager": "alertmanager.yml",
    "template": "notifications.tmpl",
    "project": ".callalert.yml",  # the project configuration itself; a clean rule file is linted with it
}
# The moment the examples are linted at (`--now`): silences in them end before or after it.
EXAMPLES_NOW = datetime(2024, 5, 1, tzinfo=UTC)


@dataclass(frozen=True)
class LintRule:
    """One lint rule: metadata (registered in `diagnostics.RULES`), the kind of file its bad and
    good examples are, and the check that reports it. `check` is None for the rules the engine
    itself reports (disable comments, files of no known kind). `metrics`: the `--metrics` catalog
    the examples are linted with, for rules that need one."""

    rule: Rule
    examples: ExampleKind
    check: Check | None = field(default=None, compare=False)
    metrics: str | None = None
    project: str | None = None  # the .callalert.yml the examples are linted with, for the policy rules

    @property
    def id(self) -> str:
        return self.rule.id


# --- rules of the engine itself ----------------------------------------------------------

_CLEAN_CONFIG = """\
route:
  receiver: chat
  group_by: [alertname, cluster]{comment}
receivers:
  - name: chat
    webhook_configs:
      - url: http://chat.example.com/alertmanager
"""

LINT_DISABLE_SYNTAX = Rule(
    "lint-disable-syntax",
    "warning",
    "lint",
    "callalert-lint comment that cannot be read",
    "A disable comment that is not understood disables nothing: the findings it was meant to silence stay.",
    bad=_CLEAN_CONFIG.format(comment="  # callalert-lint disable: group-by-label-never-set"),
    good=_CLEAN_CONFIG.format(
        comment="  # callalert-lint disable=group-by-label-never-set -- cluster is a Prometheus external label"
    ),
)
LINT_DISABLE_REASON = Rule(
    "lint-disable-reason",
    "warning",
    "lint",
    "disable comment without a reason",
    "A disabled finding without a reason cannot be reviewed: the next reader cannot tell a deliberate exception from a "
    "silenced mistake.",
    bad=_CLEAN_CONFIG.format(comment="  # callalert-lint disable=group-by-label-never-set"),
    good=_CLEAN_CONFIG.format(
        comment="  # callalert-lint disable=group-by-label-never-set -- cluster is a Prometheus external label"
    ),
)
LINT_DISABLE_UNKNOWN = Rule(
    "lint-disable-unknown",
    "warning",
    "lint",
    "disable comment naming a rule that does not exist",
    "A misspelt rule id disables nothing: the finding it was meant to silence stays.",
    bad=_CLEAN_CONFIG.format(
        comment="  # callalert-lint disable=group-by-label-nerver-set -- cluster is a Prometheus external label"
    ),
    good=_CLEAN_CONFIG.format(
        comment="  # callalert-lint disable=group-by-label-never-set -- cluster is a Prometheus external label"
    ),
)
LINT_UNKNOWN_FILE = Rule(
    "lint-unknown-file",
    "info",
    "lint",
    "file of a kind lint does not check",
    "Only callalert specs, Prometheus rule files, alertmanager.yml files and .tmpl templates are checked; anything "
    "else given to lint is skipped, and it is worth knowing that nothing was checked. A file named on the command "
    "line (an empty or truncated spec) is an error, so a CI lint step fails; one found in a directory is an info.",
    bad="""\
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['localhost:9100']
""",
    good="""\
groups:
  - name: node
    rules:
      - record: instance:node_cpu_seconds:rate5m
        expr: sum by (instance) (rate(node_cpu_seconds_total[5m]))
""",
)

RULES: tuple[LintRule, ...] = (
    LintRule(LINT_DISABLE_SYNTAX, "alertmanager"),
    LintRule(LINT_DISABLE_REASON, "alertmanager"),
    LintRule(LINT_DISABLE_UNKNOWN, "alertmanager"),
    LintRule(LINT_UNKNOWN_FILE, "rules"),
    LintRule(LINT_CONFIG, "project"),
)
_ABOUT_DISABLE_COMMENTS = frozenset({LINT_DISABLE_SYNTAX.id, LINT_DISABLE_REASON.id, LINT_DISABLE_UNKNOWN.id})


# --- disable comments ---------------------------------------------------------------------

# `# callalert-lint disable=a,b -- reason`, `# callalert-lint disable-next-line=a -- reason`,
# and the same inside `{{/* ... */}}` in .tmpl files.
_DIRECTIVE = re.compile(
    r"callalert-lint\s+(?P<kind>disable-next-line|disable)\s*=\s*(?P<rules>[A-Za-z0-9_,\-\s]*?)"
    r"(?:\s+--\s*(?P<reason>.*?))?\s*(?:\*/\s*-?\}\}.*)?$"
)
_COMMENT_ONLY = re.compile(r"^\s*(#|\{\{-?\s*/\*)")


@dataclass
class Suppressions:
    path: str
    file_rules: set[str] = field(default_factory=set)
    line_rules: dict[int, set[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    used: set[tuple[int, str]] = field(default_factory=set)

    def suppresses(self, problem: Problem) -> bool:
        if problem.rule in self.file_rules or "all" in self.file_rules:
            return True
        rules = self.line_rules.get(problem.line, ())
        return problem.rule in rules or "all" in rules


def parse_suppressions(path: str, text: str, known: Iterable[str]) -> Suppressions:
    """The disable comments of one file; `known`: every rule id a comment may name."""
    sup = Suppressions(path)
    if "callalert-lint" not in text:
        return sup
    known_set = set(known) | {"all"}
    lines = text.splitlines()
    for index, line in enumerate(lines):
        pos = line.find("callalert-lint")
        if pos < 0:
            continue
        lineno = index + 1
        match = _DIRECTIVE.search(line, pos)
        if match is None:
            sup.problems.append(
                problem(
                    path,
                    lineno,
                    pos + 1,
                    "unreadable callalert-lint comment: write "
                    "`callalert-lint disable=RULE -- reason` or `disable-next-line=RULE -- reason`",
                    LINT_DISABLE_SYNTAX,
                    fix="# callalert-lint disable-next-line=RULE -- why this is fine here",
                )
            )
            continue
        rules = [r.strip() for r in match.group("rules").split(",") if r.strip()]
        reason = (match.group("reason") or "").strip()
        if not reason:
            sup.problems.append(
                problem(
                    path,
                    lineno,
                    pos + 1,
                    "disable comment without a reason: say why the finding does not apply",
                    LINT_DISABLE_REASON,
                    fix=f"callalert-lint {match.group('kind')}={','.join(rules) or 'RULE'} -- <why this is fine here>",
                )
            )
        for rule in rules:
            if rule not in known_set:
                sup.problems.append(
                    problem(
                        path,
                        lineno,
                        pos + 1,
                        f"unknown rule {rule!r} in disable comment{did_you_mean(rule, known_set)}",
                        LINT_DISABLE_UNKNOWN,
                        fix="see `callalert lint --list` for rule ids",
                    )
                )
        if not rules:
            continue
        if match.group("kind") == "disable":
            comment_only = bool(_COMMENT_ONLY.match(line))
            if comment_only:
                sup.file_rules.update(rules)
            else:  # a trailing `# callalert-lint disable=x` applies to its own line
                sup.line_rules.setdefault(lineno, set()).update(rules)
        else:
            target = index + 1
            while target < len(lines) and (not lines[target].strip() or _COMMENT_ONLY.match(lines[target])):
                target += 1
            sup.line_rules.setdefault(target + 1, set()).update(rules)
    return sup


def apply_suppressions(problems: Iterable[Problem], cache: dict[str, Suppressions]) -> list[Problem]:
    """Drop suppressed findings; add findings about the disable comments themselves. `cache`: each
    file's disable comments (`parse_suppressions`, with `diagnostics.RULES.ids()` as the rule ids a
    disable comment may name: validation and lint)."""
    out: list[Problem] = []
    for parsed in cache.values():
        out.extend(parsed.problems)
    for found in problems:
        sup = cache.get(found.path)
        if sup is not None and sup.suppresses(found) and found.rule not in _ABOUT_DISABLE_COMMENTS:
            continue
        out.append(found)
    return out
