"""PromQL functions and aggregations per Prometheus version: their signatures, when each came,
went, or stopped being experimental.

Signatures and the version of every change were read from `promql/parser/functions.go` at each
release tag (v2.42.0 ... v3.14.0); the entries the three toolchains here can show are proven in
tests/tools/test_promql_promtool.py in both directions (refused before, accepted from).
Functions older than 2.42 keep the release that introduced them (Prometheus CHANGELOG).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from callalert.analysis.versions import DEFAULT_PROMETHEUS, Version

EXPERIMENTAL_FLAG = "promql-experimental-functions"

SCALAR, VECTOR, MATRIX, STRING = "scalar", "vector", "matrix", "string"


@functools.lru_cache(maxsize=256)
def release_line(version: str | Version) -> Version:
    """The Prometheus release line (major.minor) of `version`: PromQL does not change in patch releases."""
    parsed = Version.parse(version)
    return Version(parsed.major, parsed.minor)


DEFAULT_TARGET = release_line(DEFAULT_PROMETHEUS)
_ALWAYS_STABLE = Version(0, 0)


@dataclass(frozen=True, slots=True)
class FunctionInfo:
    name: str
    added: Version
    # Versions from `added` up to (not including) `stable` need --enable-feature=promql-experimental-functions.
    stable: Version | None = _ALWAYS_STABLE
    removed: Version | None = None
    renamed_to: str | None = None
    aggregation: bool = False
    args: tuple[str, ...] = ()
    # 0: exactly len(args); n > 0: up to n more of the last type; -1: any number more.
    variadic: int = 0
    returns: str = VECTOR

    def experimental_in(self, version: Version) -> bool:
        return self.stable is None or version < self.stable

    def exists_in(self, version: Version) -> bool:
        return self.added <= version and (self.removed is None or version < self.removed)


def _fn(
    names: str,
    added: Version,
    args: tuple[str, ...] = (VECTOR,),
    *,
    variadic: int = 0,
    returns: str = VECTOR,
    stable: Version | None = _ALWAYS_STABLE,
) -> dict[str, FunctionInfo]:
    return {
        name: FunctionInfo(name, added, stable=stable, args=args, variadic=variadic, returns=returns) for name in names.split()
    }


_V = Version
_M, _S, _T, _VEC = (MATRIX,), (SCALAR,), (STRING,), (VECTOR,)

FUNCTIONS: dict[str, FunctionInfo] = {
    **_fn("abs ceil exp floor ln log2 log10 sqrt sort sort_desc timestamp absent", _V(2, 0)),
    **_fn("changes delta deriv idelta increase irate rate resets", _V(2, 0), _M),
    **_fn(
        "avg_over_time min_over_time max_over_time sum_over_time count_over_time stddev_over_time stdvar_over_time",
        _V(2, 0),
        _M,
    ),
    **_fn("quantile_over_time", _V(2, 0), (SCALAR, MATRIX)),
    **_fn("clamp_max clamp_min", _V(2, 0), (VECTOR, SCALAR)),
    **_fn("day_of_month day_of_week days_in_month hour minute month year", _V(2, 0), _VEC, variadic=1),
    **_fn("histogram_quantile", _V(2, 0), (SCALAR, VECTOR)),
    **_fn("label_join", _V(2, 0), (VECTOR, STRING, STRING, STRING), variadic=-1),
    **_fn("label_replace", _V(2, 0), (VECTOR, STRING, STRING, STRING, STRING)),
    **_fn("predict_linear", _V(2, 0), (MATRIX, SCALAR)),
    **_fn("round", _V(2, 0), (VECTOR, SCALAR), variadic=1),
    **_fn("scalar", _V(2, 0), _VEC, returns=SCALAR),
    **_fn("time", _V(2, 0), (), returns=SCALAR),
    **_fn("vector", _V(2, 0), _S),
    "holt_winters": FunctionInfo(
        "holt_winters",
        _V(2, 0),
        removed=_V(3, 0),
        renamed_to="double_exponential_smoothing",
        args=(MATRIX, SCALAR, SCALAR),
    ),
    **_fn("absent_over_time", _V(2, 16), _M),
    **_fn("last_over_time", _V(2, 26), _M),
    **_fn("sgn", _V(2, 26)),
    **_fn("clamp", _V(2, 26), (VECTOR, SCALAR, SCALAR)),
    **_fn("present_over_time", _V(2, 29), _M),
    **_fn("acos acosh asin asinh atan atanh cos cosh sin sinh tan tanh deg rad", _V(2, 31)),
    **_fn("pi", _V(2, 31), (), returns=SCALAR),
    **_fn("day_of_year", _V(2, 31), _VEC, variadic=1),
    **_fn("histogram_count histogram_sum", _V(2, 40)),
    **_fn("histogram_fraction", _V(2, 40), (SCALAR, SCALAR, VECTOR)),
    **_fn("histogram_stddev histogram_stdvar", _V(2, 47)),
    **_fn("sort_by_label sort_by_label_desc", _V(2, 49), (VECTOR, STRING), variadic=-1, stable=None),
    **_fn("mad_over_time", _V(2, 49), _M, stable=None),
    **_fn("histogram_avg", _V(2, 51)),
    **_fn("info", _V(2, 55), (VECTOR, VECTOR), variadic=1, stable=None),
    **_fn("double_exponential_smoothing", _V(3, 0), (MATRIX, SCALAR, SCALAR), stable=None),
    **_fn("ts_of_max_over_time ts_of_min_over_time ts_of_last_over_time", _V(3, 5), _M, stable=None),
    **_fn("first_over_time", _V(3, 7), _M, stable=_V(3, 14)),
    **_fn("ts_of_first_over_time", _V(3, 7), _M, stable=None),
    **_fn("histogram_quantiles", _V(3, 11), (VECTOR, STRING, SCALAR, SCALAR), variadic=9, stable=None),
    **_fn("start end range step", _V(3, 12), (), returns=SCALAR, stable=None),
    **_fn("min_of max_of", _V(3, 13), (SCALAR, SCALAR), returns=SCALAR, stable=None),
    **_fn("start_timestamp", _V(3, 14), stable=None),
    # Aggregations with experimental members: the parser knows them as keywords, not functions.
    "limitk": FunctionInfo("limitk", _V(2, 54), stable=None, aggregation=True),
    "limit_ratio": FunctionInfo("limit_ratio", _V(2, 54), stable=None, aggregation=True),
}

AGGREGATIONS = frozenset(
    "sum avg min max count stddev stdvar group quantile topk bottomk count_values limitk limit_ratio".split()  # noqa: SIM905
)
# Aggregations whose first argument is a parameter: topk(3, x).
AGGREGATIONS_WITH_PARAM = frozenset({"topk", "bottomk", "quantile", "count_values", "limitk", "limit_ratio"})


def function_info(name: str, target: Version) -> FunctionInfo | None:
    """The function `name` as Prometheus `target` knows it, or None when it has no such function."""
    info = FUNCTIONS.get(name)
    if info is None or info.aggregation or not info.exists_in(target):
        return None
    return info


def function_problem(name: str, target: str | Version = DEFAULT_TARGET, *, experimental: bool = False) -> str | None:
    """Why `name` cannot be used with Prometheus `target` (None: it can)."""
    info = FUNCTIONS.get(name)
    if info is None:
        return None
    target = release_line(target)
    if target < info.added:
        flag = f" behind --enable-feature={EXPERIMENTAL_FLAG}" if info.experimental_in(info.added) else ""
        return (
            f'unknown function "{name}" (added in Prometheus {info.added.short}{flag}; the target is Prometheus {target.short})'
        )
    if info.removed is not None and target >= info.removed:
        instead = f"; use {info.renamed_to}() instead" if info.renamed_to else ""
        return f'unknown function "{name}" (removed in Prometheus {info.removed.short}{instead})'
    if info.experimental_in(target) and not experimental:
        return f'function "{name}" is experimental in Prometheus {target.short}: it needs --enable-feature={EXPERIMENTAL_FLAG}'
    return None
