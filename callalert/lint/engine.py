"""Rule registry, findings (diagnostics.Problem) and disable comments."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from callalert.diagnostics import Level, Problem


@dataclass(frozen=True)
class RuleInfo:
    id: str
    level: Level
    area: str
    summary: str
    why: str
    bad: str
    good: str


RULES: dict[str, RuleInfo] = {}


def register(id: str, level: Level, area: str, summary: str, why: str, bad: str, good: str) -> RuleInfo:
    info = RuleInfo(id, level, area, summary, why, bad.strip("\n"), good.strip("\n"))
    RULES[id] = info
    return info


@dataclass
class Options:
    now: datetime
    target_alertmanager: str | None = None  # None: the spec's target, else 0.25
    scrape_interval: float = 60.0
    catalog: object | None = None  # callalert.metrics_catalog.MetricsCatalog


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
                Problem(
                    path,
                    lineno,
                    pos + 1,
                    "warning",
                    "unreadable callalert-lint comment: write "
                    "`callalert-lint disable=RULE -- reason` or `disable-next-line=RULE -- reason`",
                    "lint-disable-syntax",
                    fix="# callalert-lint disable-next-line=RULE -- why this is fine here",
                )
            )
            continue
        rules = [r.strip() for r in match.group("rules").split(",") if r.strip()]
        reason = (match.group("reason") or "").strip()
        if not reason:
            sup.problems.append(
                Problem(
                    path,
                    lineno,
                    pos + 1,
                    "warning",
                    "disable comment without a reason: say why the finding does not apply",
                    "lint-disable-reason",
                    fix=f"callalert-lint {match.group('kind')}={','.join(rules) or 'RULE'} -- <why this is fine here>",
                )
            )
        for rule in rules:
            if rule not in known_set:
                from callalert.diagnostics import did_you_mean

                sup.problems.append(
                    Problem(
                        path,
                        lineno,
                        pos + 1,
                        "warning",
                        f"unknown rule {rule!r} in disable comment{did_you_mean(rule, known_set)}",
                        "lint-disable-unknown",
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


def apply_suppressions(problems: Iterable[Problem], texts: dict[str, str]) -> list[Problem]:
    """Drop suppressed findings; add findings about the disable comments themselves."""
    known = set(RULES)
    cache: dict[str, Suppressions] = {}
    out: list[Problem] = []
    for path, text in texts.items():
        cache[path] = parse_suppressions(path, text, known | VALIDATION_RULES)
        out.extend(cache[path].problems)
    for problem in problems:
        sup = cache.get(problem.path)
        if sup is not None and sup.suppresses(problem) and not problem.rule.startswith("lint-disable"):
            continue
        out.append(problem)
    return out


# Rule ids of `callalert validate` (warnings from it show up in lint output too).
VALIDATION_RULES = frozenset(
    {
        "unknown-key",
        "missing-key",
        "duration",
        "label-name",
        "alert-name",
        "group-name",
        "silence-matchers",
        "receiver-config",
        "unreadable-file",
        "nesting-depth",
        "plaintext-secret",
        "secret-ref",
        "schema",
        "target-version",
        "silence-window",
        "matcher",
        "matcher-syntax",
        "inhibit-rule",
        "time-interval",
        "silence-time",
        "promql-syntax",
        "promql-version",
        "unknown-receiver",
        "unknown-severity",
        "unknown-category",
        "duplicate-alert",
        "duplicate-name",
        "duplicate-key",
        "reserved-label",
        "reserved-annotation",
        "template-file",
        "secret-env",
        "severity-without-receiver",
        "yaml-syntax",
        "spec-version",
        "unknown-time-interval",
        "template-function",
        "unknown-template",
        "template-redefined",  # template_checks.py (template-syntax is a lint rule too)
    }
)


def level_of(rule: str) -> Level:
    info = RULES.get(rule)
    return info.level if info else "warning"
