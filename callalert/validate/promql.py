"""PromQL of rules and recording rules: what the target Prometheus would refuse to load."""

from __future__ import annotations

from collections.abc import Iterator

from callalert import diagnostics as d
from callalert.analysis.promql import check_syntax
from callalert.analysis.versions import Version
from callalert.diagnostics import RULES, KeyPath, Problem
from callalert.model import Model
from callalert.spec.load import Merged
from callalert.spec.v1 import label_name_problem

# Rule label and annotation names: legacy (letters, digits, _) up to Prometheus 2.55, any UTF-8
# from 3.0 (docs/versions: promtool 2.42 and 2.53 refuse `bad key`, 3.5 accepts it).
UTF8_RULE_LABEL_NAMES = Version.parse("3.0")


def check(model: Model, merged: Merged) -> Iterator[Problem]:
    target = model.prom_version
    exprs = [(record.key, record.expr) for group in model.groups for record in group.records]
    exprs += [(alert.key, alert.expr) for alert in model.alerts]
    for key, expr in exprs:
        for sp in check_syntax(expr, target=target):
            rule = RULES.get(sp.rule)
            assert rule is not None, sp.rule
            yield merged.problem_in_value((*key, "expr"), sp.line, sp.col, f"invalid PromQL: {sp.message}", rule)
    yield from _label_names(model, merged)


def _label_names(model: Model, merged: Merged) -> Iterator[Problem]:
    utf8 = Version.parse(model.prom_version) >= UTF8_RULE_LABEL_NAMES
    named: list[tuple[KeyPath, str]] = []
    for group in model.groups:
        for record in group.records:
            named.extend(((*record.key, "labels", name), name) for name in record.labels)
    for alert in model.alerts:
        named.extend(((*alert.key, "labels", name), name) for name in alert.labels if name not in ("severity", "category"))
        named.extend(((*alert.key, "annotations", name), name) for name in alert.extra_annotations)
    for key, name in named:
        problem = label_name_problem(name, utf8=utf8)
        if problem is not None:
            yield merged.problem(key, problem, d.LABEL_NAME, at_key=True)
