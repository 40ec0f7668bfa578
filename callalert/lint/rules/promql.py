"""PromQL pitfalls of alert expressions. `analysis.promql.find_pitfalls` finds them (once per
alert); each rule here reports the pitfalls of its own kind."""

from __future__ import annotations

from collections.abc import Iterator

from callalert.analysis.promql.versions import Dialect
from callalert.diagnostics import Level, Problem, Rule
from callalert.lint.engine import Check, LintRule, Options
from callalert.lint.world import AlertRec, World

AREA = "promql"

_RULES_FILE = """\
groups:
  - name: {group}
    rules:
      - alert: {alert}
        expr: {expr}
        for: 10m
        labels:
          severity: warning
        annotations:
          summary: {summary}
          description: {description}
          runbook_url: https://runbooks.example.com/{alert}.md
          dashboard: https://grafana.example.com/d/{group}
"""


def _rules(alert: str, expr: str, summary: str, description: str = "'Value: {{ $value | humanize }}'", group: str = "api") -> str:
    return _RULES_FILE.format(alert=alert, expr=expr, summary=summary, description=description, group=group)


PROMQL_RATE_ON_GAUGE = Rule(
    "promql-rate-on-gauge",
    "warning",
    AREA,
    "rate()/increase()/irate() of a gauge",
    "rate() treats every decrease as a counter reset: on a gauge the result is nonsense. The metric's kind comes from "
    "evidence, never from a name alone: the --metrics catalog (`# TYPE` of a /metrics snapshot) makes it a warning; "
    "another rule taking deriv()/delta() of it, or a unit suffix that names a level (_bytes, _ratio, _celsius...) "
    "makes it an info; the _total suffix, a catalog counter or another rule's rate() of it clear it, and a metric "
    "with no evidence either way (kubelet_evictions, pg_stat_database_deadlocks) is not judged.",
    bad=_rules("MemoryGrowing", "rate(process_resident_memory_bytes[15m]) > 1e6", "Memory grows fast", group="node"),
    good=_rules("MemoryGrowing", "deriv(process_resident_memory_bytes[15m]) > 1e6", "Memory grows fast", group="node"),
)
PROMQL_DELTA_ON_COUNTER = Rule(
    "promql-delta-on-counter",
    "warning",
    AREA,
    "delta()/deriv() of a counter",
    "delta() does not handle counter resets: a restart looks like a huge drop. Evidence that it is a counter: the "
    "--metrics catalog, the _total suffix (a warning: OpenMetrics reserves it for counters), or another rule taking "
    "rate()/increase() of it (an info).",
    bad=_rules("TrafficSpike", "sum(delta(http_requests_total[5m])) > 10000", "Traffic spike"),
    good=_rules("TrafficSpike", "sum(increase(http_requests_total[5m])) > 10000", "Traffic spike"),
)
PROMQL_HISTOGRAM_QUANTILE_NO_LE = Rule(
    "promql-histogram-quantile-no-le",
    "warning",
    AREA,
    "histogram_quantile() with `le` aggregated away",
    "Without the le label of the buckets histogram_quantile() returns nothing: the alert can never fire.",
    bad=_rules(
        "HighLatency",
        "histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[5m]))) > 1",
        "p95 latency above 1s",
    ),
    good=_rules(
        "HighLatency",
        "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 1",
        "p95 latency above 1s",
    ),
)
PROMQL_HISTOGRAM_QUANTILE_NOT_BUCKET = Rule(
    "promql-histogram-quantile-not-bucket",
    "info",
    AREA,
    "histogram_quantile() over a series that is not *_bucket",
    "Classic histograms need the _bucket series; only native histograms work without it.",
    bad=_rules(
        "HighLatency",
        "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_count[5m]))) > 1",
        "p95 latency above 1s",
    ),
    good=_rules(
        "HighLatency",
        "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 1",
        "p95 latency above 1s",
    ),
)
PROMQL_RANGE_TOO_SHORT = Rule(
    "promql-range-too-short",
    "warning",
    AREA,
    "range shorter than two scrape intervals",
    "rate() and friends need two samples in the range; with fewer they return nothing and the alert goes blind. "
    "Under Prometheus 2 a range of exactly one scrape interval holds two samples only when scrapes line up with the "
    "window, so the alert flaps; Prometheus 3's left-open ranges never hold two (for a spec targeting 3.x, validate "
    "reports that as the error promql-range-left-open). The scrape interval is --scrape-interval, else the spec's "
    "defaults.scrape_interval, else 1m (Prometheus' own default); the semantics follow --target-prometheus or the spec's target.",
    bad=_rules("HighCpu", "rate(process_cpu_seconds_total[1m]) > 0.8", "CPU above 80%"),
    good=_rules("HighCpu", "rate(process_cpu_seconds_total[5m]) > 0.8", "CPU above 80%"),
)
PROMQL_DIVISION_NAN = Rule(
    "promql-division-nan",
    "info",
    AREA,
    "ratio that is NaN when its denominator is 0",
    "With no traffic the ratio is NaN, every comparison is false and the alert silently never fires.",
    bad=_rules(
        "HighErrorRatio",
        "sum(rate(http_request_errors_total[5m])) / sum(rate(http_requests_total[5m])) > 0.05",
        "More than 5% of requests fail",
    ),
    good=_rules(
        "HighErrorRatio",
        "sum(rate(http_request_errors_total[5m])) / sum(rate(http_requests_total[5m])) > 0.05"
        " and sum(rate(http_requests_total[5m])) > 0",
        "More than 5% of requests fail",
    ),
)
PROMQL_UNKNOWN_METRIC = Rule(
    "promql-unknown-metric",
    "warning",
    AREA,
    "metric missing from the --metrics catalog",
    "A misspelt or removed metric makes the expression return nothing: the alert can never fire. Checked only "
    "with --metrics (a /metrics snapshot or a YAML list of metrics).",
    bad=_rules("HighRequestRate", "sum(rate(http_request_total[5m])) > 1000", "Unusual traffic"),
    good=_rules("HighRequestRate", "sum(rate(http_requests_total[5m])) > 1000", "Unusual traffic"),
)

# The catalog the examples of promql-unknown-metric are linted with (`--metrics`).
EXAMPLE_METRICS = """\
- {name: http_requests_total, type: counter, labels: [instance, job, code]}
"""

_BY_ID = {
    rule.id: rule
    for rule in (
        PROMQL_RATE_ON_GAUGE,
        PROMQL_DELTA_ON_COUNTER,
        PROMQL_HISTOGRAM_QUANTILE_NO_LE,
        PROMQL_HISTOGRAM_QUANTILE_NOT_BUCKET,
        PROMQL_RANGE_TOO_SHORT,
        PROMQL_DIVISION_NAN,
        PROMQL_UNKNOWN_METRIC,
    )
}
_EVIDENCE_RULES = frozenset({"promql-rate-on-gauge", "promql-delta-on-counter"})
_LEVELS: dict[str, Level] = {"error": "error", "warning": "warning", "info": "info"}


def _pitfalls_of(rule: Rule) -> Check:
    def check(world: World, options: Options) -> Iterator[Problem]:
        if rule is PROMQL_RANGE_TOO_SHORT and world.spec is not None and Dialect.of(world.prom_version).left_open_ranges:
            return  # validate reports these ranges as errors at a 3.x target (promql-range-left-open)
        scrape = options.scrape_interval or world.scrape_interval or 60.0
        for alert, p in world.pitfalls_of(rule.id, scrape, options.catalog):
            yield alert.src.problem(
                alert.expr_key, f"alert {alert.name}: {p.message}", rule, level=_LEVELS[p.level], fix=p.fix or None
            )
        if rule.id in _EVIDENCE_RULES:  # the kind of metric weighed across the rules (smells.MetricTypes)
            for rec, p in world.smells_of(rule.id):
                what = "alert" if isinstance(rec, AlertRec) else "record"
                yield rec.src.problem(
                    rec.expr_key, f"{what} {rec.name}: {p.message}", rule, level=_LEVELS[p.level], fix=p.fix or None
                )

    return check


RULES: tuple[LintRule, ...] = tuple(
    LintRule(rule, "rules", _pitfalls_of(rule), metrics=EXAMPLE_METRICS if rule is PROMQL_UNKNOWN_METRIC else None)
    for rule in _BY_ID.values()
)
