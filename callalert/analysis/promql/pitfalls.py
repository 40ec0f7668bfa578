"""Likely mistakes in valid PromQL: rate() of a gauge, histogram_quantile() without `le`, ranges
too short for the scrape interval, ratios that go NaN when traffic stops, unknown metrics.
A metric's kind is taken from the catalog here; smells.py weighs the other evidence (names,
how the rules use it)."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from promql_parser import BinaryExpr, Call, Expr, MatchOp, MatrixSelector, NumberLiteral, ParenExpr, VectorSelector

from callalert.analysis.promql import parse as p
from callalert.analysis.promql.catalog import MetricsCatalog
from callalert.analysis.promql.functions import DEFAULT_TARGET, release_line
from callalert.analysis.promql.labels import COMPARISON_OPS, NAME, LabelInference
from callalert.analysis.promql.parse import children
from callalert.analysis.promql.shape import shape
from callalert.analysis.promql.syntax import ParsedExpr, ast_of, iter_nodes, tree
from callalert.analysis.promql.versions import Dialect
from callalert.analysis.versions import Version
from callalert.diagnostics import did_you_mean


@dataclass(frozen=True, slots=True)
class Pitfall:
    rule: str
    level: str  # "error" | "warning" | "info", as in callalert.diagnostics
    message: str
    fix: str = ""
    subject: str = field(default="", compare=False)


COUNTER_SUFFIXES = ("_total", "_count", "_sum", "_bucket")
_RATE_FUNCS = frozenset({"rate", "irate", "increase", "resets"})
_GAUGE_FUNCS = frozenset({"delta", "deriv"})
# Functions that return nothing for a series with fewer than two samples in the range (resets() and
# changes() return 0 for one sample, checked with promtool test rules).
NEEDS_TWO_SAMPLES = frozenset(
    {"rate", "irate", "increase", "delta", "idelta", "deriv", "predict_linear", "holt_winters", "double_exponential_smoothing"}
)
# Series Prometheus makes itself: they are never in a /metrics snapshot.
SYNTHETIC_METRICS = frozenset(
    {
        "up",
        "scrape_duration_seconds",
        "scrape_samples_scraped",
        "scrape_samples_post_metric_relabeling",
        "scrape_series_added",
        "ALERTS",
        "ALERTS_FOR_STATE",
    }
)


def _selector_name(vs: VectorSelector) -> str | None:
    if vs.name:
        return str(vs.name)
    for matcher in vs.matchers.matchers:
        if matcher.name == NAME and matcher.op == MatchOp.Equal:
            return str(matcher.value)
    return None


def _unparen(node: Expr) -> Expr:
    while isinstance(node, ParenExpr):
        node = node.expr
    return node


def _text(node: Expr) -> str:
    try:
        text = str(node.prettify())
    except Exception:  # prettify is best effort; a message must not fail because of it
        return ""
    # prettify() indents multi-line output; a message wants one line: "sum by (job) (rate(x[5m]))".
    return re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", re.sub(r"\s+", " ", text)))


def _duration_text(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)}h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)}m"
    return f"{seconds:g}s"


@dataclass(frozen=True, slots=True)
class ShortRange:
    """A range that does not always hold the two samples its function needs.

    `never`: no evaluation sees two samples; otherwise only some do (the result flaps)."""

    function: str
    range: float  # seconds
    interval: float  # seconds between samples: the scrape interval, or the subquery's step
    subquery: bool
    never: bool
    left_open: bool  # Prometheus 3 semantics (the sample exactly at the window start is excluded)
    pos: int  # offset of the function call in the expression
    call: str = ""  # the call's text, on one line

    def message(self, target: Version) -> str:
        what = f"{self.function}() over [{_duration_text(self.range)}]"
        every = (
            f"a {_duration_text(self.interval)} subquery step"
            if self.subquery
            else f"a {_duration_text(self.interval)} scrape interval"
        )
        if self.range < self.interval:
            return f"{what} sees at most one sample at {every}, so it returns nothing (in every Prometheus version)"
        if self.left_open:
            seen = "sees at most one sample" if self.never else "holds two samples only at some evaluations"
            outcome = "so it returns nothing" if self.never else "so the result flaps between a value and nothing"
            return (
                f"{what} {seen} at {every}: since Prometheus 3.0 range selectors are left-open (a sample exactly "
                f"{_duration_text(self.range)} old is left out), {outcome}; the target is Prometheus {target.short}"
            )
        return (
            f"{what} sees 2 samples at {every} only when the samples line up with the window exactly (promtool's tests "
            "do, real scrapes do not), so it flaps between a value and nothing; under Prometheus 3 it never does"
            if self.range == self.interval
            else f"{what} holds two samples only at some evaluations at {every}, so the result flaps between a value and nothing"
        )

    @property
    def fix(self) -> str:
        twice, four = _duration_text(2 * self.interval), _duration_text(4 * self.interval)
        return f"use a range of at least twice the {'step' if self.subquery else 'scrape interval'}, e.g. [{twice}] ([{four}] also survives a missed scrape)"


def short_ranges(
    expr: str, *, scrape_interval: float, evaluation_interval: float = 60.0, target: str | Version = DEFAULT_TARGET
) -> list[ShortRange]:
    """Ranges of rate()-like functions in `expr` too short for two samples at the target's range semantics.

    Prometheus 3 (left-open windows (t-R, t]) needs R >= 2 intervals for two samples at every evaluation;
    Prometheus 2 (closed [t-R, t]) sees two samples at R == 1 interval only when samples align exactly.
    A subquery without a step steps at `evaluation_interval`."""
    if "[" not in expr:
        return []  # no range and no subquery
    version = release_line(target)
    canonical = shape(expr)
    if (
        canonical is not None
        and canonical != expr
        and _shape_has_no_short_range(canonical, scrape_interval, evaluation_interval, version)
    ):
        return []  # the shape keeps every function and range as written (shape.py)
    return _short_ranges(expr, scrape_interval, evaluation_interval, version)


@functools.lru_cache(maxsize=1024)
def _shape_has_no_short_range(canonical: str, scrape_interval: float, evaluation_interval: float, version: Version) -> bool:
    return tree(canonical, target=version, experimental=True) is not None and not _short_ranges(
        canonical, scrape_interval, evaluation_interval, version
    )


def _short_ranges(expr: str, scrape_interval: float, evaluation_interval: float, version: Version) -> list[ShortRange]:
    root = tree(expr, target=version, experimental=True)
    if root is None:
        return []
    dialect = Dialect.of(version)
    found: list[ShortRange] = []
    stack: list[p.Node] = [root]
    while stack:
        node = stack.pop()
        stack.extend(reversed(children(node)))
        if not isinstance(node, p.Call) or node.name not in NEEDS_TWO_SAMPLES:
            continue
        for arg in node.args:
            if isinstance(arg, p.MatrixSelector):
                span, interval, subquery = arg.range, scrape_interval, False
            elif isinstance(arg, p.SubqueryExpr):
                span, interval, subquery = arg.range, arg.step or evaluation_interval, True
            else:
                continue
            if interval <= 0 or span >= 2 * interval:
                continue
            never = span <= interval if dialect.left_open_ranges else span < interval
            call = " ".join(expr[node.start : node.end].split())
            found.append(ShortRange(node.name, span, interval, subquery, never, dialect.left_open_ranges, node.start, call))
    return found


def find_pitfalls(
    expr: str | ParsedExpr | Expr,
    *,
    scrape_interval: float | None = None,
    catalog: MetricsCatalog | None = None,
    extra_metrics: Iterable[str] = (),
    target: str | Version = DEFAULT_TARGET,
    evaluation_interval: float = 60.0,
    inference: LabelInference | None = None,
) -> list[Pitfall]:
    """Likely mistakes in a (syntactically valid) expression. `extra_metrics`: names recorded by rules;
    `target`: the Prometheus release whose range semantics the range check follows; `inference`:
    one with `catalog` that has seen the expression's tree already, to ask it again."""
    ast = ast_of(expr)
    found: list[Pitfall] = []
    text = expr if isinstance(expr, str) else expr.text if isinstance(expr, ParsedExpr) else None
    if scrape_interval and text is not None:
        version = release_line(target)
        for short in short_ranges(text, scrape_interval=scrape_interval, evaluation_interval=evaluation_interval, target=version):
            found.append(Pitfall("promql-range-too-short", "warning", short.message(version), short.fix, short.call))
    if inference is None or inference.catalog is not catalog:
        inference = LabelInference(catalog)
    known_extra = frozenset(extra_metrics)
    reported_unknown: set[str] = set()
    for node in iter_nodes(ast):
        if isinstance(node, Call):
            found.extend(_call_pitfalls(node, inference, catalog, None if text is not None else scrape_interval))
        elif isinstance(node, VectorSelector) and catalog is not None:
            name = _selector_name(node)
            if (
                name is not None
                and name not in reported_unknown
                and catalog.get(name) is None
                and name not in SYNTHETIC_METRICS
                and name not in known_extra
            ):
                reported_unknown.add(name)
                hint = did_you_mean(name, [*catalog.names(), *known_extra])
                found.append(
                    Pitfall(
                        "promql-unknown-metric",
                        "warning",
                        f"metric {name!r} is not in the metrics catalog{hint}",
                        "check the metric name, or add it to the catalog",
                        name,
                    )
                )
    division = _unguarded_division(ast)
    if division is not None:
        found.append(division)
    unique: dict[tuple[str, str], Pitfall] = {}
    for pitfall in found:
        unique.setdefault((pitfall.rule, pitfall.message), pitfall)
    return list(unique.values())


def _metric_type(name: str, catalog: MetricsCatalog | None) -> str | None:
    if catalog is None:
        return None
    info = catalog.get(name)
    if info is None or info.type in ("unknown", "untyped"):
        return None
    return info.type


def _call_pitfalls(
    node: Call, inference: LabelInference, catalog: MetricsCatalog | None, scrape_interval: float | None
) -> Iterator[Pitfall]:
    name = node.func.name
    args = node.args
    matrix = next((a for a in args if isinstance(a, MatrixSelector)), None)
    metric = _selector_name(matrix.vector_selector) if matrix is not None else None
    if matrix is not None and scrape_interval and name in NEEDS_TWO_SAMPLES:
        seconds = matrix.range.total_seconds()
        if seconds < 2 * scrape_interval:
            yield Pitfall(
                "promql-range-too-short",
                "warning",
                f"{name}() over [{_duration_text(seconds)}] sees fewer than 2 samples at a "
                f"{_duration_text(scrape_interval)} scrape interval, so it returns nothing",
                f"use a range of at least 4x the scrape interval, e.g. [{_duration_text(4 * scrape_interval)}]",
                _text(node),
            )
    if metric is not None and name in _RATE_FUNCS:
        mtype = _metric_type(metric, catalog)
        if mtype == "gauge":
            yield Pitfall(
                "promql-rate-on-gauge",
                "warning",
                f"{name}() of {metric!r}, which the metrics catalog says is a gauge: {name}() only makes sense "
                "for counters (it treats every decrease as a counter reset)",
                "use deriv() or delta() for a gauge, or max_over_time()/avg_over_time()",
                _text(node),
            )
    if metric is not None and name in _GAUGE_FUNCS:
        mtype = _metric_type(metric, catalog)
        if mtype == "counter":
            yield Pitfall(
                "promql-delta-on-counter",
                "warning",
                f"{name}() of {metric!r}, which the metrics catalog says is a counter: {name}() does not handle counter resets",
                "use rate() or increase() for counters",
                _text(node),
            )
    if name == "histogram_quantile" and len(args) == 2:
        yield from _histogram_pitfalls(node, inference, catalog)


def _histogram_pitfalls(node: Call, inference: LabelInference, catalog: MetricsCatalog | None) -> Iterator[Pitfall]:
    arg = node.args[1]
    labels = inference.infer(arg)
    if labels.can_have("le") is False:
        yield Pitfall(
            "promql-histogram-quantile-no-le",
            "warning",
            "histogram_quantile() needs the le label of the buckets, but its argument drops it "
            f"({_text(arg)}): the result is empty",
            "keep le in the aggregation, e.g. sum by (le) (rate(x_bucket[5m])), or add le to by (...)",
            _text(node),
        )
        return
    found = [_selector_name(n) for n in iter_nodes(arg) if isinstance(n, VectorSelector)]
    names = [n for n in found if n is not None]
    if not names or any(n.endswith("_bucket") or ":" in n for n in names):
        return
    if catalog is not None and any(catalog.type_of(n) == "histogram" for n in names):
        return  # a native histogram
    yield Pitfall(
        "promql-histogram-quantile-not-bucket",
        "info",
        f"histogram_quantile() over {', '.join(repr(n) for n in sorted(set(names)))}, which is not a *_bucket "
        "series: that only works for native histograms",
        "for a classic histogram use the _bucket series: histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))",
        _text(node),
    )


def _unguarded_division(ast: Expr) -> Pitfall | None:
    """`a / b > 0.05` alone: when b is 0 the ratio is NaN and the alert never fires (no traffic = silence)."""
    top = _unparen(ast)
    if not isinstance(top, BinaryExpr) or str(top.op) not in COMPARISON_OPS:
        return None
    if top.modifier is not None and top.modifier.return_bool:
        return None
    lhs, rhs = _unparen(top.lhs), _unparen(top.rhs)
    ratio: Expr
    threshold: NumberLiteral
    if isinstance(rhs, NumberLiteral):
        ratio, threshold = lhs, rhs
    elif isinstance(lhs, NumberLiteral):
        ratio, threshold = rhs, lhs
    else:
        return None
    # Allow a scale factor: (a / b) * 100 > 5.
    while (
        isinstance(ratio, BinaryExpr)
        and str(ratio.op) == "*"
        and (isinstance(_unparen(ratio.rhs), NumberLiteral) or isinstance(_unparen(ratio.lhs), NumberLiteral))
    ):
        ratio = _unparen(ratio.lhs) if isinstance(_unparen(ratio.rhs), NumberLiteral) else _unparen(ratio.rhs)
    if not isinstance(ratio, BinaryExpr) or str(ratio.op) != "/":
        return None
    denominator = _unparen(ratio.rhs)
    if isinstance(denominator, NumberLiteral) or _is_guarded(denominator):
        return None
    # Only a rate of traffic drops to exactly 0 in normal operation; count(...) or a raw gauge such as
    # a filesystem size does not, and flagging them would be noise.
    if not any(isinstance(n, Call) and n.func.name in _RATE_FUNCS - {"resets"} for n in iter_nodes(denominator)):
        return None
    if math.isnan(threshold.val):
        return None
    den = _text(denominator)
    return Pitfall(
        "promql-division-nan",
        "info",
        f"when the denominator {den} is 0 (e.g. no traffic), the ratio is NaN and the comparison is "
        "false: the alert silently never fires",
        f"if that is not intended, alert on the no-data case separately, or guard it: ... and {den} > 0",
        _text(ratio),
    )


def _is_guarded(node: Expr) -> bool:
    for sub in iter_nodes(node):
        if isinstance(sub, BinaryExpr) and (str(sub.op) in COMPARISON_OPS or str(sub.op) in ("or", "and", "unless")):
            return True
        if isinstance(sub, Call) and sub.func.name in ("clamp_min", "clamp", "vector", "absent"):
            return True
    return False
