"""Rule queries and rule definitions: the checks cloudflare/pint runs without a Prometheus, each
with its own id (analysis/promql/smells.py finds the query ones), plus duplicate rules (promtool's
own lint) and recorded series no rule records."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from callalert.analysis.promql.smells import value_in_labels
from callalert.diagnostics import Level, Problem, Rule
from callalert.lint.engine import Check, LintRule, Options
from callalert.lint.world import AlertRec, RecordRec, World

AREA = "queries"

_FILE = """\
groups:
  - name: api
    rules:
{rules}"""


def _alert(
    name: str,
    expr: str,
    *,
    for_: str | None = "10m",
    labels: str = "severity: warning",
    summary: str = "The API misbehaves",
    description: str = "'Value: {{ $value | humanize }}'",
) -> str:
    return (
        f"      - alert: {name}\n        expr: {expr}\n"
        + (f"        for: {for_}\n" if for_ else "")
        + f"        labels: {{{labels}}}\n"
        + "        annotations:\n"
        + f"          summary: {summary}\n          description: {description}\n"
        + f"          runbook_url: https://runbooks.example.com/{name}.md\n"
        + "          dashboard: https://grafana.example.com/d/api\n"
    )


def _record(name: str, expr: str) -> str:
    return f"      - record: {name}\n        expr: {expr}\n"


def _rules(*parts: str) -> str:
    return _FILE.format(rules="".join(parts))


ALERT_NO_CONDITION = Rule(
    "alert-no-condition",
    "warning",
    AREA,
    "alert whose expression has no condition (always firing)",
    "Every series an alert's expression returns is a firing alert. Without a comparison (`> 0.05`, `== 0`), a set "
    "operation or absent(), the alert fires for every series, whatever its value, or depends on the exporter "
    "exporting the series only when something is wrong. Expressions without any metric (vector(1), the Watchdog "
    "pattern) are always-firing on purpose and not reported.",
    bad=_rules(_alert("ApiErrors", 'sum by (instance) (rate(http_request_errors_total{job="api"}[5m]))')),
    good=_rules(_alert("ApiErrors", 'sum by (instance) (rate(http_request_errors_total{job="api"}[5m])) > 1')),
)
PROMQL_FRAGILE_SAMPLING = Rule(
    "promql-fragile-sampling",
    "warning",
    AREA,
    "topk()/bottomk() in an alert",
    "topk() may pick other series at every evaluation; each pick is an alert of its own (its labels differ), so alerts "
    "resolve and fire as the ranking shifts, and `for` never completes.",
    bad=_rules(_alert("HotHandlers", 'topk(3, sum by (handler) (rate(http_requests_total{job="api"}[5m]))) > 100')),
    good=_rules(_alert("HotHandlers", 'sum by (handler) (rate(http_requests_total{job="api"}[5m])) > 100')),
)
PROMQL_FRAGILE_AGGREGATION = Rule(
    "promql-fragile-aggregation",
    "warning",
    AREA,
    "arithmetic between aggregations of different jobs in an alert without `for`",
    "Prometheus spreads the first scrapes of its targets over one scrape interval after it starts: until then one "
    'side of `sum(a{job="x"}) / sum(b{job="y"})` covers fewer targets than the other and the ratio can cross the '
    "threshold. A `for` of two scrape intervals rides it out.",
    bad=_rules(
        _alert(
            "QueueBacklog",
            'sum(queue_depth{job="producer"}) / sum(queue_consumers{job="consumer"}) > 100',
            for_=None,
        )
    ),
    good=_rules(
        _alert("QueueBacklog", 'sum(queue_depth{job="producer"}) / sum(queue_consumers{job="consumer"}) > 100', for_="5m")
    ),
)
PROMQL_IMPOSSIBLE = Rule(
    "promql-impossible",
    "warning",
    AREA,
    "query part that can never match (dead code)",
    'Series match across an operator only with equal label sets. `x{job="a"} unless sum(x)` compares series that '
    "have a job label with one that has none: the `unless` never removes anything, and `a / sum(b)` never returns. "
    "Grouping by (info) or joining on (info) a label an inner aggregation already removed works on empty values.",
    bad=_rules(_alert("BusyApi", 'sum by (job) (rate(http_requests_total{job="api"}[5m])) > 100 unless sum(up{job="api"}) == 0')),
    good=_rules(
        _alert(
            "BusyApi",
            'sum by (job) (rate(http_requests_total{job="api"}[5m])) > 100 unless on(job) sum by (job) (up{job="api"}) == 0',
        )
    ),
)
PROMQL_REGEX_UNNECESSARY = Rule(
    "promql-regex-unnecessary",
    "info",
    AREA,
    "regex selector that needs no regex (or has redundant anchors)",
    'Prometheus anchors every regex: `job=~"^api$"` is `job=~"api"`, and that is `job="api"` -- cheaper to match and '
    "saying what it does.",
    bad=_rules(_alert("ApiDown", 'up{job=~"^api$"} == 0', labels="severity: critical")),
    good=_rules(_alert("ApiDown", 'up{job="api"} == 0', labels="severity: critical")),
)
PROMQL_REGEX_SMELLY = Rule(
    "promql-regex-smelly",
    "info",
    AREA,
    "regex selector that cuts a piece out of a label value",
    '`job=~"shop_.+_production"` means the job label holds several facts (service, cluster, environment). Match '
    "on labels of their own instead (set them with relabel_configs): easier to read, to aggregate by and to get right.",
    bad=_rules(_alert("ShopDown", 'up{job=~"shop_.+_production"} == 0', labels="severity: critical")),
    good=_rules(_alert("ShopDown", 'up{job="shop", env="production"} == 0', labels="severity: critical")),
)
PROMQL_COUNTER_RAW = Rule(
    "promql-counter-raw",
    "warning",
    AREA,
    "alert compares the raw value of a counter",
    "A counter counts since the process started: `errors_total > 10` fires once there have been ten errors, ever, and "
    "stays firing until a restart resets it. Compare its rate or its increase over a window. A counter is a metric "
    "with the _total suffix or a counter in the --metrics catalog.",
    bad=_rules(_alert("TooManyErrors", 'http_request_errors_total{job="api"} > 10')),
    good=_rules(_alert("TooManyErrors", 'increase(http_request_errors_total{job="api"}[1h]) > 10')),
)
PROMQL_RATE_OF_SUM = Rule(
    "promql-rate-of-sum",
    "warning",
    AREA,
    "rate() over a sum of counters (rate then sum, never sum then rate)",
    "When one of the summed counters resets (a restart), the sum drops, and rate() reads that as a reset of the whole "
    "sum: spikes of nonsense. Also through a recording rule that records the raw sum.",
    bad=_rules(
        _record("job:http_requests:sum", 'sum by (job) (http_requests_total{job="api"})'),
        _alert("HighTraffic", "rate(job:http_requests:sum[5m]) > 1000"),
    ),
    good=_rules(
        _record("job:http_requests:rate5m", 'sum by (job) (rate(http_requests_total{job="api"}[5m]))'),
        _alert("HighTraffic", "job:http_requests:rate5m > 1000"),
    ),
)
ALERT_VALUE_IN_LABELS = Rule(
    "alert-value-in-labels",
    "warning",
    AREA,
    "alert label that reads the query value",
    "An alert is identified by its labels. A label with $value changes with every evaluation: each value is a new "
    "alert, the old one resolves, and `for` starts over -- it may never fire. Put the value in an annotation.",
    bad=_rules(
        _alert("DiskFull", 'node_filesystem_avail_bytes{job="node"} < 1e9', labels="severity: warning, free: '{{ $value }}'")
    ),
    good=_rules(_alert("DiskFull", 'node_filesystem_avail_bytes{job="node"} < 1e9')),
)
ALERT_VALUE_NOT_HUMANIZED = Rule(
    "alert-value-not-humanized",
    "info",
    AREA,
    "annotation prints the value of a rate() without humanize",
    "A rate is a small float: `0.01666666666666667` per second says little at 3 a.m. `{{ $value | humanize }}` (or "
    "humanizePercentage, printf) makes it readable.",
    bad=_rules(
        _alert(
            "ApiErrors",
            'sum by (instance) (rate(http_request_errors_total{job="api"}[5m])) > 1',
            description="'{{ $value }} errors per second'",
        )
    ),
    good=_rules(
        _alert(
            "ApiErrors",
            'sum by (instance) (rate(http_request_errors_total{job="api"}[5m])) > 1',
            description="'{{ $value | humanize }} errors per second'",
        )
    ),
)
RULE_DUPLICATE = Rule(
    "rule-duplicate",
    "warning",
    AREA,
    "two rules with the same name and labels",
    "Two recording rules with the same name and labels write the same series: Prometheus drops one result at every "
    "evaluation and logs it. Two alerting rules with the same name and labels make the same alerts: Alertmanager "
    "merges them into one, and ALERTS/ALERTS_FOR_STATE mix both rules' states. (promtool check rules --lint reports "
    "the same, as a warning.)",
    bad=_rules(
        _alert("ApiDown", 'up{job="api"} == 0', labels="severity: critical"),
        _alert("ApiDown", 'absent(up{job="api"})', labels="severity: critical"),
    ),
    good=_rules(
        _alert("ApiDown", 'up{job="api"} == 0', labels="severity: critical"),
        _alert("ApiAbsent", 'absent(up{job="api"})', labels="severity: critical"),
    ),
)
RULE_DEPENDENCY_MISSING = Rule(
    "rule-dependency-missing",
    "info",
    AREA,
    "rule reads a recorded series no rule records",
    "A name with a colon is a recording rule's (job:x:rate5m). When none of the rules linted together records it, "
    "the recording rule was removed or renamed -- or lives in a file not given to lint. A warning when a recorded "
    "name differs from it by a typo (90% alike), an info otherwise.",
    bad=_rules(
        _record("job:http_requests:rate5m", 'sum by (job) (rate(http_requests_total{job="api"}[5m]))'),
        _alert("HighTraffic", "job:http_request:rate5m > 1000"),
    ),
    good=_rules(
        _record("job:http_requests:rate5m", 'sum by (job) (rate(http_requests_total{job="api"}[5m]))'),
        _alert("HighTraffic", "job:http_requests:rate5m > 1000"),
    ),
)

_LEVELS: dict[str, Level] = {"error": "error", "warning": "warning", "info": "info"}


def _smells_of(rule: Rule) -> Check:
    def check(world: World, options: Options) -> Iterator[Problem]:
        for rec, p in world.smells_of(rule.id):
            what = "alert" if isinstance(rec, AlertRec) else "record"
            yield rec.src.problem(
                rec.expr_key, f"{what} {rec.name}: {p.message}", rule, level=_LEVELS[p.level], fix=p.fix or None
            )

    return check


def _alert_value_in_labels(world: World, options: Options) -> Iterator[Problem]:
    for alert in world.alerts:
        for label in value_in_labels(alert.labels):
            yield alert.src.problem(
                (*alert.key, "labels", label),
                f"alert {alert.name}: label {label} reads the query value, so every new value is a new alert "
                "(the old one resolves, `for` starts over)",
                ALERT_VALUE_IN_LABELS,
                fix="move the value into an annotation (description: '... {{ $value | humanize }}')",
            )


def _alert_value_not_humanized(world: World, options: Options) -> Iterator[Problem]:
    for alert in world.alerts:
        for name in world.not_humanized(alert):
            yield alert.src.problem(
                alert.annotation_keys.get(name, alert.key),
                f"alert {alert.name}: annotation {name} prints $value of a rate() without humanize",
                ALERT_VALUE_NOT_HUMANIZED,
                fix="{{ $value | humanize }} (or humanizePercentage for a ratio)",
            )


def _rule_duplicate(world: World, options: Options) -> Iterator[Problem]:
    seen: dict[tuple[str, str, tuple[tuple[str, str], ...]], AlertRec | RecordRec] = {}
    recs: list[AlertRec | RecordRec] = [*world.record_recs, *world.alerts]
    for rec in recs:
        kind = "alert" if isinstance(rec, AlertRec) else "record"
        labels = tuple(sorted((k, v) for k, v in rec.labels.items() if k != "alertname"))
        key = (kind, rec.name, labels)
        first = seen.get(key)
        if first is None:
            seen[key] = rec
            continue
        where = first.src.locate(first.key, False)
        yield rec.src.problem(
            rec.key,
            f"{kind} {rec.name} with the same labels is already defined at {where[0]}:{where[1]}: "
            + (
                "both write the same series, and Prometheus drops one result at every evaluation"
                if kind == "record"
                else "both make the same alerts, which Alertmanager merges into one"
            ),
            RULE_DUPLICATE,
            fix="give one of them a label that tells them apart, or remove one",
        )


def _rule_dependency_missing(world: World, options: Options) -> Iterator[Problem]:
    recorded = {r.name for r in world.record_recs}
    if not (world.alerts or world.record_recs):
        return
    recs: list[AlertRec | RecordRec] = [*world.alerts, *world.record_recs]
    for rec in recs:
        names = world.recorded_reads(rec)
        if names is None:
            continue
        for name in sorted(names):
            if name in recorded:
                continue
            if world.catalog is not None and world.catalog.get(name) is not None:
                continue  # recorded elsewhere and scraped into the catalog
            close = difflib.get_close_matches(name, sorted(recorded), n=1, cutoff=0.9)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            what = "alert" if isinstance(rec, AlertRec) else "record"
            yield rec.src.problem(
                rec.expr_key,
                f"{what} {rec.name} reads {name}, which no rule here records{hint}",
                RULE_DEPENDENCY_MISSING,
                level="warning" if hint else "info",
                fix="fix the name, restore the recording rule, or lint the file that records it too",
            )


RULES: tuple[LintRule, ...] = (
    LintRule(ALERT_NO_CONDITION, "rules", _smells_of(ALERT_NO_CONDITION)),
    LintRule(PROMQL_FRAGILE_SAMPLING, "rules", _smells_of(PROMQL_FRAGILE_SAMPLING)),
    LintRule(PROMQL_FRAGILE_AGGREGATION, "rules", _smells_of(PROMQL_FRAGILE_AGGREGATION)),
    LintRule(PROMQL_IMPOSSIBLE, "rules", _smells_of(PROMQL_IMPOSSIBLE)),
    LintRule(PROMQL_REGEX_UNNECESSARY, "rules", _smells_of(PROMQL_REGEX_UNNECESSARY)),
    LintRule(PROMQL_REGEX_SMELLY, "rules", _smells_of(PROMQL_REGEX_SMELLY)),
    LintRule(PROMQL_COUNTER_RAW, "rules", _smells_of(PROMQL_COUNTER_RAW)),
    LintRule(PROMQL_RATE_OF_SUM, "rules", _smells_of(PROMQL_RATE_OF_SUM)),
    LintRule(ALERT_VALUE_IN_LABELS, "rules", _alert_value_in_labels),
    LintRule(ALERT_VALUE_NOT_HUMANIZED, "rules", _alert_value_not_humanized),
    LintRule(RULE_DUPLICATE, "rules", _rule_duplicate),
    LintRule(RULE_DEPENDENCY_MISSING, "rules", _rule_dependency_missing),
)
