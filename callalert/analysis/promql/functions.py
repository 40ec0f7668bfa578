"""PromQL functions and aggregations per Prometheus version: when each came, went, or stopped
being experimental."""

from __future__ import annotations

from dataclasses import dataclass

from callalert.analysis.versions import DEFAULT_PROMETHEUS, Version

EXPERIMENTAL_FLAG = "promql-experimental-functions"


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

    def experimental_in(self, version: Version) -> bool:
        return self.stable is None or version < self.stable


def _fn(
    names: str, added: Version, *, stable: Version | None = _ALWAYS_STABLE, aggregation: bool = False
) -> dict[str, FunctionInfo]:
    return {name: FunctionInfo(name, added, stable=stable, aggregation=aggregation) for name in names.split()}


# Sources: Prometheus CHANGELOG; every name marked as present at 2.42 was checked with promtool 2.42.
# Versions after 2.42 come from the changelogs (2.47 histogram_stddev, 2.49 sort_by_label/mad_over_time,
# 2.51 histogram_avg, 2.54 limitk, 3.0 info/double_exponential_smoothing, ...).
FUNCTIONS: dict[str, FunctionInfo] = {
    **_fn(
        "abs absent ceil changes clamp_max clamp_min day_of_month day_of_week days_in_month delta deriv exp "
        "floor histogram_quantile hour idelta increase irate label_join label_replace ln log2 log10 minute "
        "month predict_linear rate resets round scalar sort sort_desc sqrt time timestamp vector year "
        "avg_over_time min_over_time max_over_time sum_over_time count_over_time quantile_over_time "
        "stddev_over_time stdvar_over_time",
        Version(2, 0),
    ),
    "holt_winters": FunctionInfo("holt_winters", Version(2, 0), removed=Version(3, 0), renamed_to="double_exponential_smoothing"),
    **_fn("absent_over_time", Version(2, 16)),
    **_fn("clamp last_over_time sgn", Version(2, 26)),
    **_fn("present_over_time", Version(2, 29)),
    **_fn("acos acosh asin asinh atan atanh cos cosh sin sinh tan tanh deg rad pi day_of_year", Version(2, 31)),
    **_fn("histogram_count histogram_sum histogram_fraction", Version(2, 40)),
    **_fn("histogram_stddev histogram_stdvar", Version(2, 47)),
    **_fn("sort_by_label sort_by_label_desc mad_over_time", Version(2, 49), stable=None),
    **_fn("histogram_avg", Version(2, 51)),
    **_fn("limitk limit_ratio", Version(2, 54), stable=None, aggregation=True),
    **_fn("double_exponential_smoothing info", Version(3, 0), stable=None),
    **_fn("ts_of_max_over_time ts_of_min_over_time ts_of_last_over_time", Version(3, 5), stable=None),
    **_fn("first_over_time ts_of_first_over_time", Version(3, 7), stable=Version(3, 14)),
    **_fn("histogram_quantiles", Version(3, 9), stable=None),
    **_fn("step min_of max_of", Version(3, 6), stable=None),
    **_fn("start_timestamp", Version(3, 14), stable=None),
}

AGGREGATIONS = frozenset(
    "sum avg min max count stddev stdvar group quantile topk bottomk count_values limitk limit_ratio".split()  # noqa: SIM905
)


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
