"""PromQL pitfalls of alert expressions (callalert.promql.find_pitfalls)."""

from __future__ import annotations

from collections.abc import Iterator

from callalert.diagnostics import Problem
from callalert.lint.engine import Options, register
from callalert.lint.world import World

register(
    "promql-rate-on-gauge",
    "warning",
    "promql",
    "rate()/increase()/irate() of a gauge",
    "rate() treats every decrease as a counter reset: on a gauge the result is nonsense.",
    "expr: rate(memory_usage_bytes[5m]) > 1e6",
    "expr: deriv(memory_usage_bytes[5m]) > 1e6",
)
register(
    "promql-delta-on-counter",
    "warning",
    "promql",
    "delta()/deriv() of a counter",
    "delta() does not handle counter resets: a restart looks like a huge drop.",
    "expr: delta(http_requests_total[5m]) > 100",
    "expr: increase(http_requests_total[5m]) > 100",
)
register(
    "promql-histogram-quantile-no-le",
    "warning",
    "promql",
    "histogram_quantile() with `le` aggregated away",
    "Without the le label of the buckets histogram_quantile() returns nothing: the alert can never fire.",
    "expr: histogram_quantile(0.95, sum(rate(x_bucket[5m]))) > 1",
    "expr: histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))) > 1",
)
register(
    "promql-histogram-quantile-not-bucket",
    "info",
    "promql",
    "histogram_quantile() over a series that is not *_bucket",
    "Classic histograms need the _bucket series; only native histograms work without it.",
    "expr: histogram_quantile(0.9, rate(x[5m])) > 1",
    "expr: histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m]))) > 1",
)
register(
    "promql-range-too-short",
    "warning",
    "promql",
    "range shorter than two scrape intervals",
    "rate() and friends need two samples in the range; with fewer they return nothing and the alert goes blind.",
    "expr: rate(process_cpu_seconds_total[1m]) > 0.8   # scraped every 1m",
    "expr: rate(process_cpu_seconds_total[5m]) > 0.8",
)
register(
    "promql-division-nan",
    "info",
    "promql",
    "ratio that is NaN when its denominator is 0",
    "With no traffic the ratio is NaN, every comparison is false and the alert silently never fires.",
    "expr: sum(rate(err_total[5m])) / sum(rate(req_total[5m])) > 0.05",
    "expr: sum(rate(err_total[5m])) / sum(rate(req_total[5m])) > 0.05 and sum(rate(req_total[5m])) > 0",
)
register(
    "promql-unknown-metric",
    "warning",
    "promql",
    "metric missing from the --metrics catalog",
    "A misspelt or removed metric makes the expression return nothing: the alert can never fire.",
    "expr: rate(http_request_total[5m]) > 1   # the metric is http_requests_total",
    "expr: rate(http_requests_total[5m]) > 1",
)


def check(world: World, options: Options) -> Iterator[Problem]:
    from callalert.analysis.promql import find_pitfalls

    for alert in world.alerts:
        if alert.label_info() is None:
            continue  # does not parse: validate / promtool report it
        try:
            pitfalls = find_pitfalls(
                alert.expr, scrape_interval=options.scrape_interval, catalog=options.catalog, extra_metrics=world.records
            )  # type: ignore[arg-type]
        except Exception:
            continue
        for p in pitfalls:
            yield alert.src.problem(alert.expr_key, f"alert {alert.name}: {p.message}", p.rule, level=p.level, fix=p.fix or None)  # type: ignore[arg-type]
