"""PromQL of rules and recording rules: what the target Prometheus would refuse to load."""

from __future__ import annotations

from collections.abc import Iterator

from callalert.analysis.promql import check_syntax
from callalert.diagnostics import RULES, Problem
from callalert.model import Model
from callalert.spec.load import Merged


def check(model: Model, merged: Merged) -> Iterator[Problem]:
    target = model.prom_version
    exprs = [(record.key, record.expr) for group in model.groups for record in group.records]
    exprs += [(alert.key, alert.expr) for alert in model.alerts]
    for key, expr in exprs:
        for sp in check_syntax(expr, target=target):
            rule = RULES.get(sp.rule)
            assert rule is not None, sp.rule
            yield merged.problem_in_value((*key, "expr"), sp.line, sp.col, f"invalid PromQL: {sp.message}", rule)
