"""Every lint rule, one module per family. A new rule is a `LintRule` in its family's `RULES`;
a new family is a module listed in `ALL` below. Nothing registers by being imported."""

from __future__ import annotations

from callalert import diagnostics
from callalert.lint import engine
from callalert.lint.engine import LintRule
from callalert.lint.rules import (
    inhibition,
    labels,
    parity,
    policy,
    practice,
    promql,
    queries,
    routing,
    secrets,
    templates,
    timing,
)

ALL: tuple[LintRule, ...] = (
    *engine.RULES,
    *parity.RULES,
    *labels.RULES,
    *practice.RULES,
    *policy.RULES,
    *promql.RULES,
    *queries.RULES,
    *routing.RULES,
    *inhibition.RULES,
    *timing.RULES,
    *secrets.RULES,
    *templates.RULES,
)


def register() -> tuple[LintRule, ...]:
    """Add every lint rule to `diagnostics.RULES` (idempotent); returns them."""
    for lint_rule in ALL:
        diagnostics.RULES.add(lint_rule.rule)
    return ALL


def by_id() -> dict[str, LintRule]:
    return {r.id: r for r in register()}
