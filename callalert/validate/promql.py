"""PromQL of rules and recording rules: what the target Prometheus would refuse to load."""

from __future__ import annotations

import re
from collections.abc import Iterator

from callalert import diagnostics as d
from callalert.analysis.promql import check_syntax
from callalert.diagnostics import RULES, Problem, shown
from callalert.model import Model
from callalert.spec.load import Merged
from callalert.spec.v1 import MAX_DURATION_MS, duration_ms

# Numbers Prometheus' parser bounds, found in the expression's text (string literals blanked):
# a duration in a range, subquery or offset must fit Go's time.Duration (292y), and an @ time
# must be below 2^63 seconds ("timestamp out of bounds for @ modifier").
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_DURATION = r"(?:[0-9]+(?:ms|[smhdwy]))+"
_DURATION_AT = re.compile(rf"(?:\[\s*|:\s*|\boffset\s+-?)({_DURATION})")
_AT = re.compile(r"@\s*([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")


def _bounds(expr: str) -> Iterator[tuple[int, str]]:
    """(offset, message) of each number in `expr` that Prometheus refuses as out of range."""
    text = _STRING.sub(lambda m: " " * len(m.group()), expr)
    for match in _DURATION_AT.finditer(text):
        ms = duration_ms(match.group(1))
        if ms is not None and ms > MAX_DURATION_MS:
            yield match.start(1), f"duration {shown(match.group(1))} is out of range (at most 292y)"
    for match in _AT.finditer(text):
        try:
            at = float(match.group(1))
        except ValueError:  # pragma: no cover - the pattern only matches numbers
            continue
        if not -(2.0**63) < at < 2.0**63:
            yield match.start(1), f"timestamp {shown(match.group(1))} out of bounds for @ modifier"


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def check(model: Model, merged: Merged) -> Iterator[Problem]:
    target = model.prom_version
    exprs = [(record.key, record.expr) for group in model.groups for record in group.records]
    exprs += [(alert.key, alert.expr) for alert in model.alerts]
    for key, expr in exprs:
        problems = check_syntax(expr, target=target)
        for sp in problems:
            rule = RULES.get(sp.rule)
            assert rule is not None, sp.rule
            yield merged.problem_in_value((*key, "expr"), sp.line, sp.col, f"invalid PromQL: {sp.message}", rule)
        if problems:
            continue
        for offset, message in _bounds(expr):
            line, col = _line_col(expr, offset)
            yield merged.problem_in_value((*key, "expr"), line, col, f"invalid PromQL: {message}", d.PROMQL_SYNTAX)
