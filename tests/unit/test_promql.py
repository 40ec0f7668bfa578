from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from callalert.analysis.promql import (
    LabelInfo,
    ParsedExpr,
    Pitfall,
    PromQLSyntaxError,
    SyntaxProblem,
    check_syntax,
    find_pitfalls,
    function_problem,
    output_labels,
    parse_expr,
)
from callalert.analysis.promql.catalog import MetricsCatalog
from callalert.analysis.versions import Version

S = frozenset

# ---- syntax ------------------------------------------------------------------------------------


def test_parse_expr_returns_ast() -> None:
    parsed = parse_expr('up{job="a"} == 0')
    assert isinstance(parsed, ParsedExpr)
    assert parsed.text == 'up{job="a"} == 0'
    assert type(parsed.ast).__name__ == "BinaryExpr"


def test_parse_expr_raises_with_problems() -> None:
    with pytest.raises(PromQLSyntaxError) as info:
        parse_expr("sum(rate(x[5m])")
    assert info.value.problems == [SyntaxProblem("unclosed left parenthesis: this '(' is never closed", 1, 4)]
    assert str(info.value) == "1:4: unclosed left parenthesis: this '(' is never closed"


@pytest.mark.parametrize(
    ("expr", "problem"),
    [
        ("sum(x", SyntaxProblem("unclosed left parenthesis: this '(' is never closed", 1, 4)),
        ("test +", SyntaxProblem("unexpected end of input after '+'", 1, 7)),
        ("foo{", SyntaxProblem("unexpected end of input inside braces", 1, 5)),
        ("rat(x[5m])", SyntaxProblem("unknown function \"rat\"; did you mean 'rate'?", 1, 1)),
        ("sum(x) +\n  abcxyz(y)", SyntaxProblem('unknown function "abcxyz"', 2, 3)),
        (
            "rate(x[5])",
            SyntaxProblem(
                "missing unit character in duration (Prometheus 2.54 accepts this: durations and numbers are interchangeable: up > 5m, x[300], x offset 30; the target is Prometheus 2.42)",
                1,
                8,
                "promql-version",
            ),
        ),
        (
            "x offset 5",
            SyntaxProblem(
                'unexpected number "5" in offset, expected duration (Prometheus 2.54 accepts this: durations and numbers are interchangeable: up > 5m, x[300], x offset 30; the target is Prometheus 2.42)',
                1,
                10,
                "promql-version",
            ),
        ),
        (
            "x > 1h",
            SyntaxProblem(
                'unexpected duration "1h" (Prometheus 2.54 accepts this: durations and numbers are interchangeable: up > 5m, x[300], x offset 30; the target is Prometheus 2.42)',
                1,
                5,
                "promql-version",
            ),
        ),
        (
            'x{"a.b"="c"}',
            SyntaxProblem(
                'unexpected string "\\"a.b\\"" in label matching, expected identifier or "}" (Prometheus 2.51 accepts this: quoted metric and label names inside braces: {"my.metric"}, up{"service.name"="x"}; the target is Prometheus 2.42)',
                1,
                3,
                "promql-version",
            ),
        ),
        (
            'sum(x) by ("a")',
            SyntaxProblem(
                'unexpected string "\\"a\\"" in grouping opts, expected label (Prometheus 2.55 accepts this: quoted label names in by/without/on/ignoring/group_left/group_right: sum by ("job") (x); the target is Prometheus 2.42)',
                1,
                12,
                "promql-version",
            ),
        ),
        (
            'x{a="b" or b="c"}',
            SyntaxProblem(
                'unexpected identifier "or" in label matching, expected "," or "}"; alternative matcher sets inside {...} are not PromQL: join two selectors with `or`',
                1,
                9,
            ),
        ),
        (
            "rate(up[5m]) + fill(0) rate(down[5m])",
            SyntaxProblem(
                'unknown function with name "fill" (Prometheus 3.10 accepts this with --enable-feature=promql-binop-fill-modifiers, which promtool honours from 3.14: fill(), fill_left(), fill_right() on binary operators: x + on(a) fill(0) y; the target is Prometheus 2.42)',
                1,
                16,
                "promql-version",
            ),
        ),
        (
            "rate(up[1m * 2])",
            SyntaxProblem(
                'unexpected <op:*> in subquery or range, expected ":" or "]" (Prometheus 3.4 accepts this with --enable-feature=promql-duration-expr, which promtool honours from 3.10: arithmetic in ranges and offsets: rate(x[5m+1m]), x offset (1m+1m); the target is Prometheus 2.42)',
                1,
                12,
                "promql-version",
            ),
        ),
        (
            "rate(up[1m] anchored)",
            SyntaxProblem(
                'unexpected identifier "anchored" (Prometheus 3.7 accepts this with --enable-feature=promql-extended-range-selectors, which promtool honours from 3.10: anchored and smoothed range selectors: rate(x[5m] smoothed); the target is Prometheus 2.42)',
                1,
                13,
                "promql-version",
            ),
        ),
        (
            'sort_by_label(up, "instance")',
            SyntaxProblem(
                'unknown function "sort_by_label" (added in Prometheus 2.49 behind --enable-feature=promql-experimental-functions; the target is Prometheus 2.42)',
                1,
                1,
                "promql-version",
            ),
        ),
        (
            "sum(x) / limitk(2, y)",
            SyntaxProblem(
                'unknown function "limitk" (added in Prometheus 2.54 behind --enable-feature=promql-experimental-functions; the target is Prometheus 2.42)',
                1,
                10,
                "promql-version",
            ),
        ),
        (
            "histogram_avg(x)",
            SyntaxProblem(
                'unknown function "histogram_avg" (added in Prometheus 2.51; the target is Prometheus 2.42)',
                1,
                1,
                "promql-version",
            ),
        ),
        ('x{a=~"x++"}', SyntaxProblem("error parsing regexp: invalid nested repetition operator: `++`", 1, 3)),
        (
            'x{a=~"(?<n>x)"}',
            SyntaxProblem(
                "error parsing regexp: invalid or unsupported Perl syntax: `(?<` (Prometheus 2.53 accepts this: named groups (?<name>re) in label-matcher regexes (grafana/regexp copy of Go 1.22); the target is Prometheus 2.42)",
                1,
                3,
                "promql-version",
            ),
        ),
        (
            "1_000",
            SyntaxProblem(
                'bad number or duration syntax: "1" (Prometheus 2.54 accepts this: underscores in numbers: 1_000_000; the target is Prometheus 2.42)',
                1,
                1,
                "promql-version",
            ),
        ),
        ("sum by (job) rate(x[5m])", SyntaxProblem('unexpected identifier "rate" in aggregation', 1, 14)),
        ("rate(redis_up[5m] offset)", SyntaxProblem('unexpected ")" in offset, expected duration', 1, 25)),
        ("sum(rate(x[5m])) by le", SyntaxProblem('unexpected identifier "le" in grouping opts, expected "("', 1, 21)),
    ],
)
def test_check_syntax_problems(expr: str, problem: SyntaxProblem) -> None:
    # At 2.42, the oldest target proven here; the promtool column is part of each problem too.
    [found] = check_syntax(expr, target="2.42")
    assert found == problem
    assert found.promtool.split(": parse error: ")[0] == f"{problem.line}:{problem.col}" or "unclosed" in found.message


@pytest.mark.parametrize(
    "expr",
    [
        "histogram_quantile(0.95, sum(rate(call_latency_seconds_bucket[5m])) by (le)) > 10",
        "holt_winters(x[5m], 0.1, 0.1)",  # promql-parser lacks it; 2.42 has it
        "x offset -5m",
        "x @ start()",
        "x[5m:1m] offset 1m",
        '{__name__=~"pg_settings_.*"} != ON(__name__, instance) y OFFSET 5m',  # keywords are case-insensitive
        'x # a comment with 5m and {"q"}',
        "sum(x) by (a,)",
        "present_over_time(x[5m])",
        "histogram_count(x)",
    ],
)
def test_check_syntax_accepts(expr: str) -> None:
    assert check_syntax(expr, target="2.42") == []


def test_check_syntax_empty() -> None:
    assert check_syntax("  ") == [SyntaxProblem("empty expression")]


def test_target_versions() -> None:
    assert check_syntax('sort_by_label(x, "a")', target="2.49") == [
        SyntaxProblem(
            'function "sort_by_label" is experimental in Prometheus 2.49: it needs '
            "--enable-feature=promql-experimental-functions",
            1,
            1,
            "promql-version",
        )
    ]
    assert check_syntax('sort_by_label(x, "a")', target="2.49", experimental=True) == []
    assert check_syntax("holt_winters(x[5m], 0.1, 0.1)", target="3.0") == [
        SyntaxProblem(
            'unknown function "holt_winters" (removed in Prometheus 3.0; use double_exponential_smoothing() instead)',
            1,
            1,
            "promql-version",
        )
    ]
    # UTF-8 names and friends are 3.x syntax: not reported for a 3.x target.
    assert check_syntax('x{"a.b"="c"}', target="3.0") == []
    assert function_problem("first_over_time", Version(3, 14)) is None
    assert function_problem("rate") is None
    assert function_problem("not_a_function") is None


def test_target_is_the_release_line() -> None:
    # Patch releases and release candidates do not change PromQL: 2.49.1 and 3.0.0-rc.0 are 2.49 and 3.0.
    assert check_syntax('sort_by_label(x, "a")', target="2.49.1") == check_syntax('sort_by_label(x, "a")', target="2.49")
    assert check_syntax("holt_winters(x[5m], 0.1, 0.1)", target="3.0.0-rc.0") == check_syntax(
        "holt_winters(x[5m], 0.1, 0.1)", target=Version(3, 0)
    )


# ---- label inference ---------------------------------------------------------------------------


def test_selector_is_open_with_matcher_and_target_labels() -> None:
    info = output_labels('up{job="call-automation"} == 0')
    assert info == LabelInfo(possible=S({"__name__", "job", "instance"}), open=True, certain=S({"__name__", "job"}))
    assert info.exact is None
    assert info.can_have("job") is True
    assert info.can_have("instance") is True
    assert info.can_have("pod") is None


def test_seed_probe_success_can_have_instance() -> None:
    assert output_labels('probe_success{job="call-automation-blackbox"} == 0').can_have("instance") is True


def test_seed_histogram_quantile_has_no_labels() -> None:
    info = output_labels("histogram_quantile(0.95, sum(rate(call_latency_seconds_bucket[5m])) by (le)) > 10")
    assert info.exact == S()
    assert info.can_have("instance") is False
    assert info.can_have("le") is False
    assert "le" in info.dropped


@pytest.mark.parametrize(
    ("expr", "exact"),
    [
        ("sum(x)", S()),
        ("avg(audio_quality_score) < 0.7", S()),
        ("sum by (a, b) (x)", S({"a", "b"})),
        ('count_values("v", x) by (a)', S({"a", "v"})),
        ('count_values("v", x)', S({"v"})),
        ('absent(x{a="b", c=~"d", e!="f"})', S({"a"})),
        ('absent_over_time(x{a="b"}[5m])', S({"a"})),
        ("absent(sum(x))", S()),
        ("vector(1)", S()),
        ("hour()", S()),
        ("sum(x) by (a) * on(a) group_left(b) sum(y) by (a, b)", S({"a", "b"})),
        ("sum(x) by (a, c) + on(a) sum(y) by (a)", S({"a"})),
        ("sum by (a) (x) or sum by (b) (y)", S({"a", "b"})),
        ("histogram_quantile(0.9, sum by (le, a) (rate(x_bucket[5m])))", S({"a"})),
        ("max_over_time(sum by (a) (x)[5m:1m])", S({"a"})),
        ('label_replace(sum by (a) (x), "dst", "$1", "a", "(.*)")', S({"a", "dst"})),
        ('label_join(sum by (a) (x), "dst", "-", "a")', S({"a", "dst"})),
        ("topk(3, sum by (a) (x))", S({"a"})),
        ("sum by (a) (x) and on(a) y", S({"a"})),
        ("sum by (a) (x) > bool 1", S({"a"})),
    ],
)
def test_exact_label_sets(expr: str, exact: frozenset[str]) -> None:
    assert output_labels(expr).exact == exact


def test_scalars() -> None:
    assert output_labels("time()").kind == "scalar"
    assert output_labels("scalar(x) * 2").kind == "scalar"
    assert output_labels("1 + 1").exact == S()


def test_name_kept_or_dropped() -> None:
    assert output_labels("x > 1").can_have("__name__") is True
    assert output_labels("x > bool 1").can_have("__name__") is False
    assert output_labels("x * 2").can_have("__name__") is False
    assert output_labels("-x").can_have("__name__") is False
    assert output_labels("rate(x[5m])").can_have("__name__") is False
    assert output_labels("last_over_time(x[5m])").can_have("__name__") is True
    assert output_labels("sort_desc(x)").can_have("__name__") is True
    assert output_labels("topk(1, x)").can_have("__name__") is True
    assert output_labels("x and y").can_have("__name__") is True


def test_without_removes_labels_and_stays_open() -> None:
    info = output_labels('sum without (instance) (x{job="a"})')
    assert info.open is True
    assert info.can_have("instance") is False
    assert info.can_have("job") is True
    assert info.can_have("__name__") is False
    assert info.dropped == S({"instance", "__name__"})


def test_group_left_adds_labels_from_the_one_side() -> None:
    info = output_labels('x{a="1"} * on(a) group_left(version) build_info{version!=""}')
    assert info.open is True
    assert info.certain == S({"a", "version"})
    assert info.can_have("version") is True
    assert output_labels("y / on(a) group_right(b) x").can_have("b") is True


def test_ignoring_drops_the_ignored_labels() -> None:
    info = output_labels('x{b="2"} / ignoring(b) y')
    assert info.can_have("b") is False
    assert info.open is True


def test_or_unions_possible_labels() -> None:
    info = output_labels('x{a="1"} or y{b="2"}')
    assert info.open is True
    assert info.certain == S({"__name__"})
    assert info.possible >= S({"a", "b"})


def test_recording_rule_names_get_no_target_labels() -> None:
    info = output_labels("job:requests:rate5m > 1")
    assert info.possible == S({"__name__"})
    assert info.can_have("instance") is None


def test_empty_matcher_means_absent() -> None:
    assert output_labels('x{pod=""}').can_have("pod") is False
    assert output_labels('x{pod=~".+"}').certain >= S({"pod"})
    assert output_labels('x{pod=~".*"}').certain == S({"__name__"})


def test_catalog_closes_open_sets() -> None:
    catalog = MetricsCatalog.from_entries([{"name": "total_calls", "type": "counter", "labels": ["status", "region"]}])
    info = output_labels('total_calls{status="failed"}', catalog=catalog)
    assert info.exact == S({"__name__", "status", "region", "job", "instance"})
    assert info.can_have("pod") is False
    assert output_labels("sum without (region) (total_calls)", catalog=catalog).exact == S({"status", "job", "instance"})
    # Not in the catalog: still open.
    assert output_labels("other", catalog=catalog).open is True


def test_output_labels_takes_parsed_expr_and_raises_on_bad_syntax() -> None:
    assert output_labels(parse_expr("sum(x)")).exact == S()
    with pytest.raises(PromQLSyntaxError):
        output_labels("sum(")


# ---- pitfalls ----------------------------------------------------------------------------------

GAUGE_CATALOG = MetricsCatalog.from_entries(
    [
        {"name": "queue_depth", "type": "gauge"},
        {"name": "jobs_done", "type": "counter"},
        {"name": "requests_total", "type": "counter", "labels": ["code"]},
        {"name": "latency_seconds", "type": "histogram"},
    ]
)


def rules(pitfalls: list[Pitfall]) -> list[tuple[str, str]]:
    return [(p.rule, p.level) for p in pitfalls]


def test_rate_on_gauge_from_catalog() -> None:
    found = find_pitfalls("rate(queue_depth[5m]) > 1", catalog=GAUGE_CATALOG)
    assert found == [
        Pitfall(
            "promql-rate-on-gauge",
            "warning",
            "rate() of 'queue_depth', which the metrics catalog says is a gauge: rate() only makes sense for "
            "counters (it treats every decrease as a counter reset)",
            "use deriv() or delta() for a gauge, or max_over_time()/avg_over_time()",
            "rate(queue_depth[5m])",
        )
    ]
    assert find_pitfalls("rate(jobs_done[5m]) > 1", catalog=GAUGE_CATALOG) == []


def test_rate_on_gauge_needs_evidence_not_a_name() -> None:
    from callalert.analysis.promql.smells import MetricTypes, query_smells

    def smells(expr: str, *others: str) -> list[tuple[str, str]]:
        types = MetricTypes.from_rules([("this", expr), *(("other", o) for o in others)])
        return rules(query_smells(expr, rule="this", alert=False, has_for=True, types=types))

    # find_pitfalls goes by the catalog only; a name alone is no evidence (kubelet_evictions is a counter)
    assert find_pitfalls("increase(queue_depth[1h])") == []
    assert smells("increase(kubelet_evictions[1h])") == []
    assert smells("rate(queue_bytes[5m])") == [("promql-rate-on-gauge", "info")]  # a unit that names a level
    assert smells("rate(queue_depth[5m])", "deriv(queue_depth[1h])") == [("promql-rate-on-gauge", "info")]
    assert smells("rate(queue_depth[5m])", "deriv(queue_depth[1h])", "increase(queue_depth[1h])") == []
    for ok in ("rate(x_total[5m])", "rate(x_count[5m])", "rate(x_sum[5m])", "rate(x_bucket[5m])", "rate(a:b:rate[5m])"):
        assert find_pitfalls(ok) == [] and smells(ok) == [], ok


def test_delta_on_counter() -> None:
    assert rules(find_pitfalls("delta(jobs_done[5m])", catalog=GAUGE_CATALOG)) == [("promql-delta-on-counter", "warning")]
    assert find_pitfalls("deriv(errors_total[5m])") == []  # the _total suffix is weighed by smells.MetricTypes
    assert find_pitfalls("deriv(queue_depth[5m])", catalog=GAUGE_CATALOG) == []
    assert find_pitfalls("delta(temperature[5m])") == []


def test_histogram_quantile_without_le() -> None:
    found = find_pitfalls("histogram_quantile(0.9, sum(rate(x_bucket[5m])))")
    assert found == [
        Pitfall(
            "promql-histogram-quantile-no-le",
            "warning",
            "histogram_quantile() needs the le label of the buckets, but its argument drops it "
            "(sum(rate(x_bucket[5m]))): the result is empty",
            "keep le in the aggregation, e.g. sum by (le) (rate(x_bucket[5m])), or add le to by (...)",
            "histogram_quantile(0.9, sum(rate(x_bucket[5m])))",
        )
    ]
    assert rules(find_pitfalls("histogram_quantile(0.9, sum by (job) (rate(x_bucket[5m])))")) == [
        ("promql-histogram-quantile-no-le", "warning")
    ]
    assert find_pitfalls("histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))") == []
    assert find_pitfalls("histogram_quantile(0.9, sum without (pod) (rate(x_bucket[5m])))") == []
    assert find_pitfalls("histogram_quantile(0.9, rate(x_bucket[5m]))") == []


def test_histogram_quantile_not_bucket() -> None:
    found = find_pitfalls("histogram_quantile(0.9, sum by (le) (rate(latency_seconds[5m])))")
    assert [p.message for p in found if p.rule == "promql-histogram-quantile-not-bucket"] == [
        "histogram_quantile() over 'latency_seconds', which is not a *_bucket series: that only works for native histograms"
    ]
    assert find_pitfalls("histogram_quantile(0.9, job:latency:rate5m)") == []


def test_range_too_short() -> None:
    fix = "use a range of at least twice the scrape interval, e.g. [2m] ([4m] also survives a missed scrape)"
    assert find_pitfalls("rate(x_total[1m])", scrape_interval=60, target="2.42") == [
        Pitfall(
            "promql-range-too-short",
            "warning",
            "rate() over [1m] sees 2 samples at a 1m scrape interval only when the samples line up with the window "
            "exactly (promtool's tests do, real scrapes do not), so it flaps between a value and nothing; under "
            "Prometheus 3 it never does",
            fix,
            "rate(x_total[1m])",
        )
    ]
    assert find_pitfalls("rate(x_total[1m])", scrape_interval=60, target="3.5") == [
        Pitfall(
            "promql-range-too-short",
            "warning",
            "rate() over [1m] sees at most one sample at a 1m scrape interval: since Prometheus 3.0 range selectors "
            "are left-open (a sample exactly 1m old is left out), so it returns nothing; the target is Prometheus 3.5",
            fix,
            "rate(x_total[1m])",
        )
    ]
    assert [p.message for p in find_pitfalls("rate(x_total[30s])", scrape_interval=60, target="2.42")] == [
        "rate() over [30s] sees at most one sample at a 1m scrape interval, so it returns nothing (in every Prometheus version)"
    ]
    assert [p.message for p in find_pitfalls("irate(x_total[90s:1m])", scrape_interval=15, target="3.5")] == [
        "irate() over [90s] holds two samples only at some evaluations at a 1m subquery step: since Prometheus 3.0 range "
        "selectors are left-open (a sample exactly 90s old is left out), so the result flaps between a value and nothing; "
        "the target is Prometheus 3.5"
    ]
    assert find_pitfalls("rate(x_total[2m])", scrape_interval=60) == []
    assert find_pitfalls("rate(x_total[1m])") == []
    assert find_pitfalls("max_over_time(x[30s])", scrape_interval=60) == []


def test_division_without_guard() -> None:
    expr = 'sum(rate(total_calls{status="failed"}[5m])) / sum(rate(total_calls[5m])) > 0.05'
    found = [p for p in find_pitfalls(expr) if p.rule == "promql-division-nan"]
    assert found == [
        Pitfall(
            "promql-division-nan",
            "info",
            "when the denominator sum(rate(total_calls[5m])) is 0 (e.g. no traffic), the ratio is NaN and the "
            "comparison is false: the alert silently never fires",
            "if that is not intended, alert on the no-data case separately, or guard it: ... and sum(rate(total_calls[5m])) > 0",
            'sum(rate(total_calls{status="failed"}[5m])) / sum(rate(total_calls[5m]))',
        )
    ]
    assert rules(find_pitfalls("(sum(rate(e_total[5m])) / sum(rate(r_total[5m]))) * 100 > 5")) == [
        ("promql-division-nan", "info")
    ]


@pytest.mark.parametrize(
    "expr",
    [
        "sum(rate(e_total[5m])) / sum(rate(r_total[5m])) > 0.05 and sum(rate(r_total[5m])) > 0",
        "sum(rate(e_total[5m])) / (sum(rate(r_total[5m])) > 0) > 0.05",
        "sum(rate(e_total[5m])) / clamp_min(sum(rate(r_total[5m])), 1) > 0.05",
        "node_load1 / count without (cpu) (node_cpu_seconds_total) > 2",  # a count is never 0
        "sum(rate(e_total[5m])) / 60 > 1",
        "sum(rate(e_total[5m])) / sum(rate(r_total[5m]))",  # no threshold: a recording rule
        "sum(rate(e_total[5m])) / sum(rate(r_total[5m])) > bool 0.05",
    ],
)
def test_division_guarded_or_harmless(expr: str) -> None:
    assert [p for p in find_pitfalls(expr) if p.rule == "promql-division-nan"] == []


def test_unknown_metric_with_did_you_mean() -> None:
    found = find_pitfalls("rate(request_total[5m]) + up + ALERTS", catalog=GAUGE_CATALOG)
    assert found == [
        Pitfall(
            "promql-unknown-metric",
            "warning",
            "metric 'request_total' is not in the metrics catalog; did you mean 'requests_total'?",
            "check the metric name, or add it to the catalog",
            "request_total",
        )
    ]
    assert find_pitfalls("job:x:rate5m", catalog=GAUGE_CATALOG, extra_metrics=["job:x:rate5m"]) == []
    assert find_pitfalls("latency_seconds_bucket", catalog=GAUGE_CATALOG) == []


def test_pitfalls_are_reported_once() -> None:
    assert rules(find_pitfalls("rate(q[1m]) + rate(q[1m])", scrape_interval=60)) == [("promql-range-too-short", "warning")]


# ---- seed and corpus ---------------------------------------------------------------------------

SEED_EXPRS = [
    "histogram_quantile(0.95, sum(rate(call_latency_seconds_bucket[5m])) by (le)) > 10",
    "histogram_quantile(0.95, sum(rate(ai_response_time_seconds_bucket[5m])) by (le)) > 3",
    "avg(audio_quality_score) < 0.7",
    "avg(ai_sentiment_score) < -0.3",
    'sum(rate(total_calls{status="failed"}[5m])) / sum(rate(total_calls[5m])) > 0.05',
    "sum(rate(elevenlabs_errors_total[5m])) > 1",
    "rate(process_cpu_seconds_total[1m]) > 0.8",
    "process_resident_memory_bytes / 1024 / 1024 / 1024 > 2",
    'up{job="call-automation"} == 0',
    'probe_success{job="call-automation-blackbox"} == 0',
]


def test_seed_alert_exprs_parse_and_infer() -> None:
    results = {expr: output_labels(parse_expr(expr)) for expr in SEED_EXPRS}
    assert [results[e].exact for e in SEED_EXPRS[:6]] == [S()] * 6
    assert results[SEED_EXPRS[6]].can_have("instance") is True
    assert results[SEED_EXPRS[7]].can_have("__name__") is False
    assert results[SEED_EXPRS[8]].certain == S({"__name__", "job"})
    pitfalls = {e: rules(find_pitfalls(e, scrape_interval=15)) for e in SEED_EXPRS}
    assert pitfalls[SEED_EXPRS[4]] == [("promql-division-nan", "info")]
    assert sum(len(v) for v in pitfalls.values()) == 1


def test_every_corpus_expr_analyses_without_crashing(corpus: Path) -> None:
    exprs = []
    for path in sorted([*corpus.glob("rules*/**/*.yml"), *corpus.glob("rules*/**/*.yaml")]):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "groups" in data:
            exprs += [str(rule["expr"]) for group in data["groups"] for rule in group.get("rules") or []]
    assert len(exprs) > 10_000
    counts: dict[str, int] = {}
    invalid = 0
    for expr in exprs:
        if check_syntax(expr):
            invalid += 1
            continue
        output_labels(expr)
        for pitfall in find_pitfalls(expr, scrape_interval=30):
            counts[pitfall.rule] = counts.get(pitfall.rule, 0) + 1
    assert invalid == 5  # bad-rules-syntax.yml (1) and features.yml (4); the rest is valid PromQL
    assert counts["promql-histogram-quantile-no-le"] == 1  # thanos' bucket-replicate alert: a real bug
    assert "promql-delta-on-counter" not in counts  # no catalog: the kind of metric is lint's to weigh (smells.py)


@pytest.mark.timeout(120)  # a hang guard; speed is bench/bench.py's to measure, never a unit test's
def test_many_simple_exprs() -> None:
    exprs = [f'sum by (job) (rate(metric_{i}_total{{job="j{i}"}}[5m])) > {i}' for i in range(2_000)]
    for expr in exprs:
        assert not check_syntax(expr)
        assert output_labels(expr).can_have("job")
        assert not find_pitfalls(expr)


# ---- bounded input (bad-input D13: the Rust parser segfaulted on a 30 KB chain, took 1.8 GB for 10 KB of parentheses) ----

_HUGE = {
    "chain": "up + " * 6000 + "up > 0",  # 30 KB
    "or-chain": "vector(1)" + " or vector(1)" * 20000,  # 260 KB
    "parentheses": "(" * 5000 + "up" + ")" * 5000,  # 10 KB
}


def _validate_bounded(tmp_path: Path, expr: str) -> subprocess.CompletedProcess[str]:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "defaults": {"targets": {"prometheus": "3.5"}},
                "severities": {"critical": {"notify": ["default"]}},
                "receivers": {"default": {"webhook_configs": [{"url": "http://127.0.0.1:9/"}]}},
                "groups": [
                    {
                        "name": "g",
                        "alerts": [{"name": "A", "expr": expr, "severity": "critical", "summary": "s", "description": "d"}],
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)); "
    code = limit + "import sys; from callalert.cli import main; sys.argv = ['callalert', 'lint', sys.argv[1]]; main()"
    return subprocess.run([sys.executable, "-c", code, str(spec)], capture_output=True, text=True, timeout=120)


@pytest.mark.timeout(180)  # a hang guard: ~1-3 s measured (linear in the length); speed is bench/bench.py's to measure
@pytest.mark.parametrize("name", sorted(_HUGE))
def test_huge_expressions_are_checked_in_bounded_memory(name: str, tmp_path: Path) -> None:
    result = _validate_bounded(tmp_path, _HUGE[name])  # under a 1 GiB address-space limit
    assert "Traceback" not in result.stderr and result.returncode in (0, 1), result.stderr[-2000:]
    if name == "parentheses":
        assert "[promql-too-large]" in result.stdout and "nests deeper than 100 levels" in result.stdout
        assert result.returncode == 1
    else:
        assert "too large for callalert's analysis" in result.stdout and result.returncode == 0, result.stdout


def test_bundled_spec_has_no_short_range_at_any_target(run_cli, tmp_path: Path) -> None:
    """HighCPUUsage uses [2m] (the reference design's [1m] returns nothing under Prometheus 3's left-open ranges)."""
    from tests.conftest import EXAMPLE_SPEC

    text = EXAMPLE_SPEC.read_text(encoding="utf-8")
    assert "rate(process_cpu_seconds_total[2m])" in text
    for target in ("2.42", "2.53", "3.5"):
        spec = EXAMPLE_SPEC.parent / f".target-{target}.yaml"
        spec.write_text(text.replace('prometheus: "2.42"', f'prometheus: "{target}"'), encoding="utf-8")
        try:
            validated = run_cli("validate", str(spec))
            linted = run_cli("lint", str(spec))
        finally:
            spec.unlink()
        assert validated.exit_code == 0 and "promql-range" not in validated.stdout, str(validated)
        assert "promql-range" not in linted.stdout, str(linted)
