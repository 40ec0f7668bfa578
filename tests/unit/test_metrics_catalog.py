from __future__ import annotations

import pytest

from callalert.analysis.promql.catalog import CatalogError, MetricInfo, MetricsCatalog, load_catalog

EXPOSITION = """\
# HELP http_requests_total Requests served.
# TYPE http_requests_total counter
http_requests_total{code="200",method="get"} 1027 1395066363000
http_requests_total{code="400",method="post"} 3
# HELP temperature_celsius Current temperature.
# TYPE temperature_celsius gauge
temperature_celsius{room="a b, \\"c\\"}"} 21.5
# HELP call_latency_seconds Call latency.
# TYPE call_latency_seconds histogram
call_latency_seconds_bucket{route="x",le="0.1"} 3
call_latency_seconds_bucket{route="x",le="+Inf"} 5
call_latency_seconds_sum{route="x"} 1.5
call_latency_seconds_count{route="x"} 5
# TYPE rpc_seconds summary
rpc_seconds{service="a",quantile="0.5"} 0.2
rpc_seconds_sum{service="a"} 10
rpc_seconds_count{service="a"} 50
untyped_thing 1
"""


def test_from_text_counter_and_gauge() -> None:
    catalog = MetricsCatalog.from_text(EXPOSITION)
    assert catalog.get("http_requests_total") == MetricInfo(
        "http_requests_total", "counter", frozenset({"code", "method"}), "Requests served.", "http_requests_total"
    )
    assert catalog.type_of("temperature_celsius") == "gauge"
    assert catalog.labels_of("temperature_celsius") == frozenset({"room"})
    assert catalog.type_of("untyped_thing") == "untyped"
    assert catalog.get("nope") is None
    assert catalog.type_of("nope") is None


def test_from_text_histogram_expands_to_bucket_sum_count() -> None:
    catalog = MetricsCatalog.from_text(EXPOSITION)
    assert catalog.labels_of("call_latency_seconds_bucket") == frozenset({"route", "le"})
    assert catalog.labels_of("call_latency_seconds_sum") == frozenset({"route"})
    assert catalog.labels_of("call_latency_seconds_count") == frozenset({"route"})
    assert catalog.type_of("call_latency_seconds_bucket") == "counter"
    assert catalog.get("call_latency_seconds_bucket").family == "call_latency_seconds"  # type: ignore[union-attr]
    assert "call_latency_seconds" not in catalog


def test_from_text_summary_has_quantile_label() -> None:
    catalog = MetricsCatalog.from_text(EXPOSITION)
    assert catalog.labels_of("rpc_seconds") == frozenset({"service", "quantile"})
    assert catalog.labels_of("rpc_seconds_count") == frozenset({"service"})
    assert catalog.names() == [
        "call_latency_seconds_bucket",
        "call_latency_seconds_count",
        "call_latency_seconds_sum",
        "http_requests_total",
        "rpc_seconds",
        "rpc_seconds_count",
        "rpc_seconds_sum",
        "temperature_celsius",
        "untyped_thing",
    ]


def test_from_text_openmetrics_counter_without_total_in_type() -> None:
    catalog = MetricsCatalog.from_text('# TYPE jobs counter\n# HELP jobs Jobs.\njobs_total{q="a"} 1\n# EOF\n')
    assert catalog.names() == ["jobs_total"]
    assert catalog.type_of("jobs_total") == "counter"


def test_from_text_bad_lines() -> None:
    with pytest.raises(CatalogError, match=r"^line 2: bad label set in 'x\{a=1\} 3'$"):
        MetricsCatalog.from_text("ok 1\nx{a=1} 3\n")
    with pytest.raises(CatalogError, match=r"^line 3: not a sample line: 'lonely'$"):
        MetricsCatalog.from_text("ok 1\n\nlonely\n")
    with pytest.raises(CatalogError, match=r"^line 1: unknown metric type 'countr' for x$"):
        MetricsCatalog.from_text("# TYPE x countr\n")


def test_from_entries_and_histogram_expansion() -> None:
    catalog = MetricsCatalog.from_entries(
        [
            {"name": "total_calls", "type": "counter", "labels": ["status"], "help": "Calls."},
            {"name": "audio_quality_score", "type": "gauge"},
            {"name": "call_latency_seconds", "type": "histogram", "labels": ["route"]},
        ]
    )
    assert catalog.names() == [
        "audio_quality_score",
        "call_latency_seconds_bucket",
        "call_latency_seconds_count",
        "call_latency_seconds_sum",
        "total_calls",
    ]
    assert catalog.labels_of("call_latency_seconds_bucket") == frozenset({"route", "le"})
    assert catalog.get("total_calls") == MetricInfo("total_calls", "counter", frozenset({"status"}), "Calls.", "total_calls")
    assert catalog.labels_of("audio_quality_score") == frozenset()


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"name": "bad-name"}], "metrics[0].name: invalid metric name 'bad-name'"),
        ([{"name": "x", "type": "gauje"}], "metrics[0].type: unknown metric type 'gauje'"),
        ([{"name": "x", "labels": "a"}], "metrics[0].labels: expected a list of label names"),
        ([{"name": "x", "labels": ["a b"]}], "metrics[0].labels: invalid label name 'a b'"),
        (["x"], "metrics[0]: expected a mapping with name/type/labels/help"),
    ],
)
def test_from_entries_errors(entries: list[object], message: str) -> None:
    with pytest.raises(CatalogError) as info:
        MetricsCatalog.from_entries(entries)  # type: ignore[arg-type]
    assert str(info.value).startswith(message)


def test_load_catalog_detects_format() -> None:
    yaml_catalog = load_catalog("metrics:\n  - name: up_total\n    type: counter\n")
    assert yaml_catalog.type_of("up_total") == "counter"
    text_catalog = load_catalog(EXPOSITION)
    assert text_catalog.type_of("temperature_celsius") == "gauge"
    assert load_catalog("- name: x\n  type: gauge\n").type_of("x") == "gauge"


def test_a_broken_or_empty_catalog_is_refused(run_cli, tmp_path) -> None:
    import pytest as _pytest

    with _pytest.raises(CatalogError) as exc:
        load_catalog("garbage: [\n", "metrics.yaml")
    assert str(exc.value) == "line 2: YAML syntax error: expected the node content, but found '<stream end>'"
    with _pytest.raises(CatalogError) as exc:
        load_catalog("garbage: [\n")  # no extension: read as a /metrics snapshot, whose values are numbers
    assert str(exc.value) == "line 1: not a sample line: 'garbage: ['"
    with _pytest.raises(CatalogError) as exc:
        load_catalog("metrics: []\n", "m.yaml")
    assert str(exc.value) == (
        "it lists no metric; a catalog is a YAML list of {name, type, labels} (or `metrics:` with one) "
        "or a /metrics text snapshot"
    )
    assert load_catalog('up{job="a"} NaN\nx +Inf 1700000000\ny 1e-3\n').names() == ["up", "x", "y"]

    spec = tmp_path / "r.yml"
    spec.write_text("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n")
    (tmp_path / "garbage.yaml").write_text("garbage: [\n")
    result = run_cli("lint", str(spec), "--metrics", str(tmp_path / "garbage.yaml"))
    assert result.exit_code == 2, result
    assert result.stderr == (
        f"callalert: error: --metrics {tmp_path}/garbage.yaml: line 2: YAML syntax error: expected the node content, but found '<stream end>'\n"
    )
    (tmp_path / "one.yaml").write_text("metrics: [{name: up}]\n")
    result = run_cli("lint", str(spec), "--metrics", str(tmp_path / "one.yaml"))
    assert result.stderr.startswith(f"catalog: 1 metric from {tmp_path}/one.yaml\n"), result
