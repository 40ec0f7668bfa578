"""PromQL analysis: syntax as promtool of a given Prometheus version sees it (`syntax`, over the
function table in `functions`), the labels an expression's output carries (`labels`), likely
mistakes (`pitfalls`), and what metrics exist (`catalog`).

Parsing is done by the `promql-parser` package; `syntax` says how its answers are brought in line
with the Prometheus version a spec targets.
"""

from __future__ import annotations

from callalert.analysis.promql.functions import (
    AGGREGATIONS,
    DEFAULT_TARGET,
    EXPERIMENTAL_FLAG,
    FUNCTIONS,
    FunctionInfo,
    function_problem,
    release_line,
)
from callalert.analysis.promql.labels import NAME, NO_LABELS, SCALAR, STRING, TARGET_LABELS, LabelInfo, output_labels
from callalert.analysis.promql.pitfalls import COUNTER_SUFFIXES, SYNTHETIC_METRICS, Pitfall, find_pitfalls
from callalert.analysis.promql.syntax import (
    ParsedExpr,
    PromQLSyntaxError,
    SyntaxProblem,
    ast_of,
    check_syntax,
    iter_nodes,
    parse_expr,
)

__all__ = [
    "AGGREGATIONS",
    "COUNTER_SUFFIXES",
    "DEFAULT_TARGET",
    "EXPERIMENTAL_FLAG",
    "FUNCTIONS",
    "NAME",
    "NO_LABELS",
    "SCALAR",
    "STRING",
    "SYNTHETIC_METRICS",
    "TARGET_LABELS",
    "FunctionInfo",
    "LabelInfo",
    "ParsedExpr",
    "Pitfall",
    "PromQLSyntaxError",
    "SyntaxProblem",
    "ast_of",
    "check_syntax",
    "find_pitfalls",
    "function_problem",
    "iter_nodes",
    "output_labels",
    "parse_expr",
    "release_line",
]
