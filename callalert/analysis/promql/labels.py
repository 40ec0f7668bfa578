"""Which labels the series of a PromQL expression carry: certain, possible, dropped, or unknown."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from promql_parser import (
    AggModifierType,
    AggregateExpr,
    BinaryExpr,
    Call,
    Expr,
    LabelModifierType,
    MatchOp,
    MatrixSelector,
    NumberLiteral,
    ParenExpr,
    StringLiteral,
    SubqueryExpr,
    UnaryExpr,
    VectorMatchCardinality,
    VectorSelector,
)

from callalert.analysis.promql.catalog import MetricsCatalog
from callalert.analysis.promql.syntax import ParsedExpr, ast_of

NAME = "__name__"
# Labels Prometheus attaches to every scraped series from the target (unless relabelled away).
TARGET_LABELS: frozenset[str] = frozenset({"job", "instance"})
_EMPTY: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class LabelInfo:
    """Label names of the series an expression returns.

    `possible`: names that may be present (includes `certain`); `certain`: names every series has;
    `open`: other, unknown labels of the input metrics may be present too; `dropped`: names known
    to be absent. `exact` is the full set when it is known (not open). `kind` is the PromQL value type.
    """

    possible: frozenset[str] = _EMPTY
    open: bool = False
    dropped: frozenset[str] = _EMPTY
    certain: frozenset[str] = _EMPTY
    kind: str = "vector"

    @property
    def exact(self) -> frozenset[str] | None:
        return None if self.open else self.possible

    def can_have(self, label: str) -> bool | None:
        """True: certainly or possibly present; False: never; None: unknown (open, not known either way)."""
        if label in self.possible:
            return True
        if label in self.dropped or not self.open:
            return False
        return None

    def drop(self, labels: Iterable[str]) -> LabelInfo:
        gone = frozenset(labels)
        if not gone:
            return self
        return LabelInfo(self.possible - gone, self.open, self.dropped | gone, self.certain - gone, self.kind)

    def add(self, labels: Iterable[str], *, certain: bool = False) -> LabelInfo:
        new = frozenset(labels)
        return LabelInfo(
            self.possible | new, self.open, self.dropped - new, self.certain | new if certain else self.certain, self.kind
        )

    def keep_only(self, labels: Iterable[str]) -> LabelInfo:
        keep = frozenset(labels)
        possible = keep - self.dropped if self.open else keep & self.possible
        gone = (self.possible - keep) | self.dropped | ({NAME} - keep)
        return LabelInfo(possible, False, gone, self.certain & keep, self.kind)

    def union(self, other: LabelInfo) -> LabelInfo:
        return LabelInfo(
            self.possible | other.possible,
            self.open or other.open,
            (self.dropped & other.dropped) - self.possible - other.possible,
            self.certain & other.certain,
            "vector",
        )


SCALAR = LabelInfo(kind="scalar")
STRING = LabelInfo(kind="string")
NO_LABELS = LabelInfo(dropped=frozenset({NAME}))

COMPARISON_OPS = frozenset({"==", "!=", ">", "<", ">=", "<="})
SET_OPS = frozenset({"and", "or", "unless"})
# Functions whose result keeps the input metric name (verified with promtool 2.42 test rules).
_KEEP_NAME = frozenset(
    {
        "sort",
        "sort_desc",
        "sort_by_label",
        "sort_by_label_desc",
        "last_over_time",
        "first_over_time",
        "label_replace",
        "label_join",
    }
)
_SCALAR_RESULT = frozenset({"scalar", "time", "pi", "step"})


class LabelInference:
    """The labels of an expression and of each part of it, with `catalog`. Each part is inferred
    once per instance, so analyses that ask again for the parts of a tree (each side of every binary
    operation) can share one: a part's labels depend only on the part and the catalog. Parts are
    told apart by identity (a parsed tree's nodes are the same objects whenever they are read),
    and each is kept with its result, so an identity is never reused while the instance lives."""

    def __init__(self, catalog: MetricsCatalog | None) -> None:
        self.catalog = catalog
        self._known: dict[int, tuple[Expr, LabelInfo]] = {}

    def selector(self, vs: VectorSelector) -> LabelInfo:
        name: str | None = vs.name
        certain: set[str] = set()
        possible: set[str] = set()
        dropped: set[str] = set()
        for matcher in vs.matchers.matchers:
            label, value, op = matcher.name, matcher.value, matcher.op
            if label == NAME:
                if op == MatchOp.Equal:
                    name = value
                certain.add(NAME)
                continue
            if op == MatchOp.Equal:
                (certain if value else dropped).add(label)
            elif op == MatchOp.Re:
                (certain if not _regex_matches_empty(value) else possible).add(label)
            elif op == MatchOp.NotEqual and value == "":
                certain.add(label)
            else:
                possible.add(label)
        for group in vs.matchers.or_matchers:
            for matcher in group:
                possible.add(matcher.name)
        if vs.name:
            certain.add(NAME)
        possible |= certain
        is_scraped = name is not None and ":" not in name and name not in ("ALERTS", "ALERTS_FOR_STATE")
        if is_scraped:
            possible |= TARGET_LABELS - dropped
        info = self.catalog.get(name) if (self.catalog is not None and name) else None
        if info is not None:
            known = set(info.labels) | possible | {NAME}
            return LabelInfo(frozenset(known - dropped), False, frozenset(dropped), frozenset(certain))
        return LabelInfo(frozenset(possible - dropped), True, frozenset(dropped), frozenset(certain))

    def infer(self, node: Expr) -> LabelInfo:
        known = self._known.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        info = self._infer(node)
        self._known[id(node)] = (node, info)
        return info

    def _infer(self, node: Expr) -> LabelInfo:
        if isinstance(node, VectorSelector):
            return self.selector(node)
        if isinstance(node, MatrixSelector):
            result = self.selector(node.vector_selector)
            return LabelInfo(result.possible, result.open, result.dropped, result.certain, "matrix")
        if isinstance(node, ParenExpr):
            return self.infer(node.expr)
        if isinstance(node, SubqueryExpr):
            inner = self.infer(node.expr)
            return LabelInfo(inner.possible, inner.open, inner.dropped, inner.certain, "matrix")
        if isinstance(node, UnaryExpr):
            inner = self.infer(node.expr)
            return inner if inner.kind == "scalar" else inner.drop((NAME,))
        if isinstance(node, NumberLiteral):
            return SCALAR
        if isinstance(node, StringLiteral):
            return STRING
        if isinstance(node, AggregateExpr):
            return self.aggregate(node)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, BinaryExpr):
            return self.binary(node)
        return LabelInfo(open=True)

    def aggregate(self, node: AggregateExpr) -> LabelInfo:
        op = str(node.op)
        inner = self.infer(node.expr)
        if op in ("topk", "bottomk", "limitk", "limit_ratio"):
            return inner
        modifier = node.modifier
        if modifier is None:
            result = inner.keep_only(())
        elif modifier.type == AggModifierType.By:
            result = inner.keep_only(modifier.labels)
        else:
            result = inner.drop((NAME, *modifier.labels))
        if op == "count_values" and isinstance(node.param, StringLiteral):
            result = result.add((node.param.val,), certain=True)
        return result

    def call(self, node: Call) -> LabelInfo:
        name = node.func.name
        args = node.args
        if name in _SCALAR_RESULT:
            return SCALAR
        if name in ("absent", "absent_over_time"):
            arg = args[0] if args else None
            vs = arg.vector_selector if isinstance(arg, MatrixSelector) else arg
            if not isinstance(vs, VectorSelector):
                return NO_LABELS
            labels = {m.name for m in vs.matchers.matchers if m.op == MatchOp.Equal and m.name != NAME}
            return LabelInfo(frozenset(labels), False, frozenset({NAME}), frozenset(labels))
        if name == "vector" or not args:
            # vector(s) and the date functions called without an argument (they use vector(time())).
            return NO_LABELS
        source = None
        for arg in args:
            info = self.infer(arg)
            if info.kind in ("vector", "matrix"):
                source = info
                break
        if source is None:
            return NO_LABELS
        result = LabelInfo(source.possible, source.open, source.dropped, source.certain)
        if name == "label_replace" and len(args) >= 2 and isinstance(args[1], StringLiteral):
            return result.add((args[1].val,))
        if name == "label_join" and len(args) >= 2 and isinstance(args[1], StringLiteral):
            return result.add((args[1].val,))
        if name in _KEEP_NAME:
            return result
        if name == "histogram_quantile":
            return result.drop((NAME, "le"))
        if name == "info":
            # info() adds the data labels of matching info metrics: unknown without looking at the data.
            return LabelInfo(result.possible, True, result.dropped - {NAME}, result.certain).drop((NAME,))
        return result.drop((NAME,))

    def binary(self, node: BinaryExpr) -> LabelInfo:
        op = str(node.op)
        lhs = self.infer(node.lhs)
        rhs = self.infer(node.rhs)
        modifier = node.modifier
        return_bool = bool(modifier is not None and modifier.return_bool)
        drop_name = (op not in COMPARISON_OPS and op not in SET_OPS) or return_bool
        if lhs.kind == "scalar" and rhs.kind == "scalar":
            return SCALAR
        if lhs.kind == "scalar" or rhs.kind == "scalar":
            vector = rhs if lhs.kind == "scalar" else lhs
            return vector.drop((NAME,)) if drop_name else vector
        if op in ("and", "unless"):
            return lhs
        if op == "or":
            return lhs.union(rhs)
        card = modifier.card if modifier is not None else VectorMatchCardinality.OneToOne
        matching = modifier.matching if modifier is not None else None
        group_labels = list(modifier.group_labels or ()) if modifier is not None else []
        if card == VectorMatchCardinality.OneToMany:
            result, other = rhs, lhs
        else:
            result, other = lhs, rhs
        if drop_name:
            result = result.drop((NAME,))
        if card == VectorMatchCardinality.OneToOne and matching is not None:
            if matching.type == LabelModifierType.Include:
                # Even a filtering comparison keeps only the on(...) labels (and loses the name).
                result = result.keep_only(matching.labels)
            else:
                result = result.drop(matching.labels)
        if group_labels:
            certain = [label for label in group_labels if label in other.certain]
            result = result.add(group_labels).add(certain, certain=True)
        return result


def _regex_matches_empty(pattern: str) -> bool:
    try:
        return re.fullmatch(pattern, "") is not None
    except re.error:
        return True


def output_labels(expr: str | ParsedExpr | Expr, *, catalog: MetricsCatalog | None = None) -> LabelInfo:
    return LabelInference(catalog).infer(ast_of(expr))
