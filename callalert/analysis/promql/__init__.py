"""PromQL analysis: syntax as promtool of a given Prometheus version sees it (`syntax` over
callalert's own `lex` and `parse`, the `functions` table, the Go regexp syntax of label matchers
in `regex` and the per-version table in `versions`), the labels an expression's output carries
(`labels`), likely mistakes (`pitfalls`), and what metrics exist (`catalog`).

Validation uses callalert's parser, which agrees with each promtool; the typed tree that labels
and pitfalls read comes from the `promql-parser` package, for expressions within the analysis limits.
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
    PromQLTooLarge,
    SyntaxProblem,
    analysis_limit_problem,
    ast_of,
    check_syntax,
    iter_nodes,
    parse_expr,
    tree,
)
from callalert.analysis.promql.versions import FLAGS, SYNTAX_FEATURES, Dialect, FeatureFlag, SyntaxFeature

__all__ = [
    "AGGREGATIONS",
    "COUNTER_SUFFIXES",
    "DEFAULT_TARGET",
    "EXPERIMENTAL_FLAG",
    "FLAGS",
    "FUNCTIONS",
    "NAME",
    "NO_LABELS",
    "SCALAR",
    "STRING",
    "SYNTAX_FEATURES",
    "SYNTHETIC_METRICS",
    "TARGET_LABELS",
    "Dialect",
    "FeatureFlag",
    "FunctionInfo",
    "LabelInfo",
    "ParsedExpr",
    "Pitfall",
    "PromQLSyntaxError",
    "PromQLTooLarge",
    "SyntaxFeature",
    "SyntaxProblem",
    "analysis_limit_problem",
    "ast_of",
    "check_syntax",
    "find_pitfalls",
    "function_problem",
    "iter_nodes",
    "output_labels",
    "parse_expr",
    "release_line",
    "tree",
]
