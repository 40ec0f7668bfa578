from __future__ import annotations

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
        ("rate(x[5])", SyntaxProblem('missing unit character in duration "5" (write e.g. 5s or 5m)', 1, 8)),
        ("x offset 5", SyntaxProblem('unexpected number "5" in offset, expected a duration such as 5m', 1, 10)),
        (
            "x > 1h",
            SyntaxProblem(
                'unexpected duration "1h": Prometheus 2.42 only accepts a duration inside [...] or after offset '
                "(write the number of seconds instead)",
                1,
                5,
            ),
        ),
        (
            'x{"a.b"="c"}',
            SyntaxProblem(
                'quoted label or metric name "a.b" is not supported by Prometheus 2.42 (UTF-8 names came with '
                "Prometheus 3.0); use a name matching [a-zA-Z_][a-zA-Z0-9_]*",
                1,
                3,
            ),
        ),
        (
            'sum(x) by ("a")',
            SyntaxProblem(
                'quoted label name "a" in a grouping list is not supported by Prometheus 2.42 (UTF-8 names came '
                "with Prometheus 3.0)",
                1,
                12,
            ),
        ),
        (
            'x{a="b" or b="c"}',
            SyntaxProblem(
                'unexpected identifier "or" in label matching: alternative matcher sets inside {...} are not '
                "supported by Prometheus 2.42; use two selectors joined with `or`",
                1,
                9,
            ),
        ),
        (
            "rate(up[5m]) + fill(0) rate(down[5m])",
            SyntaxProblem(
                "the fill() binary operator modifier is not supported by Prometheus 2.42 (it came with Prometheus "
                "3 behind --enable-feature=promql-binop-fill-modifiers); use `or` with a default series instead",
                1,
                16,
            ),
        ),
        (
            "rate(up[1m * 2])",
            SyntaxProblem(
                "arithmetic in a duration is not supported by Prometheus 2.42 (duration expressions came with "
                "Prometheus 3 behind --enable-feature=promql-duration-expr); write a literal duration such as [2m]",
                1,
                12,
            ),
        ),
        (
            "rate(up[1m] anchored)",
            SyntaxProblem(
                'unexpected identifier "anchored": anchored range selectors are not supported by Prometheus 2.42 '
                "(they came with Prometheus 3 behind --enable-feature=promql-extended-range-selectors)",
                1,
                13,
            ),
        ),
        (
            'sort_by_label(up, "instance")',
            SyntaxProblem(
                'unknown function "sort_by_label" (added in Prometheus 2.49 behind '
                "--enable-feature=promql-experimental-functions; the target is Prometheus 2.42)",
                1,
                1,
                "promql-version",
            ),
        ),
        (
            "sum(x) / limitk(2, y)",
            SyntaxProblem(
                'unknown function "limitk" (added in Prometheus 2.54 behind '
                "--enable-feature=promql-experimental-functions; the target is Prometheus 2.42)",
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
    ],
)
def test_check_syntax_problems(expr: str, problem: SyntaxProblem) -> None:
    assert check_syntax(expr) == [problem]


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
    assert check_syntax(expr) == []


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


def test_rate_on_gauge_by_name_is_info() -> None:
    assert rules(find_pitfalls("increase(queue_depth[1h])")) == [("promql-rate-on-gauge", "info")]
    for ok in ("rate(x_total[5m])", "rate(x_count[5m])", "rate(x_sum[5m])", "rate(x_bucket[5m])", "rate(a:b:rate[5m])"):
        assert find_pitfalls(ok) == [], ok


def test_delta_on_counter() -> None:
    assert rules(find_pitfalls("delta(jobs_done[5m])", catalog=GAUGE_CATALOG)) == [("promql-delta-on-counter", "warning")]
    assert rules(find_pitfalls("deriv(errors_total[5m])")) == [("promql-delta-on-counter", "info")]
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
    found = find_pitfalls("rate(x_total[1m])", scrape_interval=60)
    assert found == [
        Pitfall(
            "promql-range-too-short",
            "warning",
            "rate() over [1m] sees fewer than 2 samples at a 1m scrape interval, so it returns nothing",
            "use a range of at least 4x the scrape interval, e.g. [4m]",
            "rate(x_total[1m])",
        )
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
    assert rules(find_pitfalls("rate(q[5m]) + rate(q[5m])")) == [("promql-rate-on-gauge", "info")]


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
    assert pitfalls[SEED_EXPRS[4]] == [("promql-rate-on-gauge", "info"), ("promql-division-nan", "info")]
    assert sum(len(v) for v in pitfalls.values()) == 2


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
    assert counts["promql-delta-on-counter"] == 1


@pytest.mark.timeout(120)  # a hang guard; speed is bench/bench.py's to measure, never a unit test's
def test_many_simple_exprs() -> None:
    exprs = [f'sum by (job) (rate(metric_{i}_total{{job="j{i}"}}[5m])) > {i}' for i in range(2_000)]
    for expr in exprs:
        assert not check_syntax(expr)
        assert output_labels(expr).can_have("job")
        assert not find_pitfalls(expr)
