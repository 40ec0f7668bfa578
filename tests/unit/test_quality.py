"""`callalert report`'s pure parts: spans, episodes on the grid, query plans, durations, URLs."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callalert.analysis.versions import Version
from callalert.errors import UsageError
from callalert.quality import spans as sp
from callalert.quality.analyze import ceil_minutes
from callalert.quality.api import check_url, redact
from callalert.quality.collect import CHUNK_POINTS, LEFT_OPEN_RANGES, MAX_POINTS, make_plans
from callalert.quality.history import Grid, Instance, gaps, runs
from callalert.quality.spans import duration_text

# --------------------------------------------------------------------------------------------
# spans: checked against sets of integer points

span_lists = st.lists(st.tuples(st.integers(0, 60), st.integers(1, 20)).map(lambda t: (t[0], t[0] + t[1])), max_size=6)


def points(spans: list[sp.Span]) -> set[int]:
    return {p for start, end in spans for p in range(start, end)}


@given(span_lists, span_lists)
def test_span_operations_agree_with_sets(a: list[sp.Span], b: list[sp.Span]) -> None:
    ua, ub = sp.union(a), sp.union(b)
    assert points(ua) == points(a)
    assert all(x[1] < y[0] for x, y in itertools.pairwise(ua))  # disjoint, sorted, touching ones merged
    assert points(sp.intersect(ua, ub)) == points(a) & points(b)
    assert points(sp.subtract(ua, ub)) == points(a) - points(b)
    assert sp.total(ua) == len(points(a))


def test_union_merges_touching_spans() -> None:
    assert sp.union([(5, 7), (0, 2), (2, 4), (3, 5)]) == [(0, 7)]
    assert sp.clip([(0, 10), (20, 30)], 5, 25) == [(5, 10), (20, 25)]


# --------------------------------------------------------------------------------------------
# history on the grid

GRID = Grid(start=1_000_000, step=30_000, n=100)  # [1000s, 4000s) in 30 s steps


def instance(firing: set[int], pending: set[int] = frozenset(), active_at: dict[int, float] | None = None) -> Instance:  # type: ignore[assignment]
    return Instance("A", (("alertname", "A"),), GRID, set(firing), set(pending), dict(active_at or {}))


def test_runs_and_spans() -> None:
    assert runs([5, 3, 4, 9, 10, 12]) == [(3, 5), (9, 10), (12, 12)]
    inst = instance({3, 4, 5, 9})
    # point i stands for [start + i*step, start + (i+1)*step)
    assert inst.firing == [(1_090_000, 1_180_000), (1_270_000, 1_300_000)]


def test_episodes_pending_gaps_and_open_ends() -> None:
    # pending 4 points then firing 3; a pending-only activation; firing at the last point
    inst = instance({14, 15, 16, 30, 99}, {10, 11, 12, 13, 20, 21, 26, 27, 28, 29})
    episodes = inst.episodes()
    assert [(e.duration, e.pending, e.open_start, e.open_end) for e in episodes] == [
        (90_000, 120_000, False, False),
        (30_000, 120_000, False, False),
        (30_000, 0, False, True),
    ]
    assert gaps(episodes) == [13 * 30_000, 68 * 30_000]


def test_pending_since_before_the_range_comes_from_alerts_for_state() -> None:
    # pending at points 0..3 (began before the range), firing from point 4; activeAt 240 s before the grid
    active = (GRID.start - 240_000) / 1000
    inst = instance({4, 5}, {0, 1, 2, 3}, {4: active, 5: active})
    [episode] = inst.episodes()
    assert episode.pending == 4 * 30_000 + 240_000
    # without ALERTS_FOR_STATE the truncated pending run is all we know
    assert instance({4, 5}, {0, 1, 2, 3}).episodes()[0].pending == 120_000
    # firing at the first point with nothing pending before it: its pending time is outside the range
    assert instance({0, 1}).episodes()[0].pending is None
    assert instance({0, 1}).episodes()[0].open_start


# --------------------------------------------------------------------------------------------
# query plans


def test_one_interval_one_plan_reading_every_alert() -> None:
    start, end = 0, 7 * 86_400_000
    [plan] = make_plans(start, end, {"A": (30.0, "the spec's group g")}, (30.0, "Prometheus' global evaluation_interval"), False)
    assert plan.query("ALERTS") == "last_over_time(ALERTS[29999ms])"
    assert (plan.grid.start, plan.grid.step, plan.grid.n, plan.grid.end) == (0, 30_000, 20_160, end)
    assert plan.chunks == [(0, 9_999), (10_000, 19_999), (20_000, 20_159)]
    assert plan.source == "the spec's group g"


def test_left_open_ranges_from_prometheus_3() -> None:
    assert Version.parse("3.0.0") >= LEFT_OPEN_RANGES > Version.parse("2.53.3")
    [plan] = make_plans(0, 3_600_000, {}, (15.0, "x"), True)
    assert plan.query("ALERTS_FOR_STATE") == "last_over_time(ALERTS_FOR_STATE[15000ms])"


def test_alerts_with_other_intervals_get_their_own_query() -> None:
    known = {"Fast": (10.0, "Prometheus' rule group fast"), "Odd.Name": (10.0, "Prometheus' rule group fast"), "B": (60.0, "y")}
    plans = make_plans(0, 86_400_000, known, (60.0, "Prometheus' global evaluation_interval"), True)
    assert [(p.names, p.selector, p.grid.step) for p in plans] == [
        (("Fast", "Odd.Name"), '{alertname=~"Fast|Odd\\\\.Name"}', 10_000),
        (None, '{alertname!~"Fast|Odd\\\\.Name"}', 60_000),
    ]
    assert {p.grid.end for p in plans} == {86_400_000}  # every grid ends together


def test_long_ranges_coarsen_the_step_and_stay_bounded() -> None:
    [plan] = make_plans(0, 90 * 86_400_000, {}, (1.0, "x"), True)
    assert plan.grid.step % 1000 == 0 and plan.grid.n <= MAX_POINTS
    assert plan.grid.step == 78_000  # 90d / 1s = 7,776,000 points -> 78 evaluations per point
    assert all(last - first + 1 <= CHUNK_POINTS for first, last in plan.chunks)


# --------------------------------------------------------------------------------------------
# durations and URLs


@pytest.mark.parametrize(
    ("ms", "text"),
    [(0, "0s"), (1500, "1s500ms"), (90_000, "1m30s"), (5_520_000, "1h32m"), (7 * 86_400_000, "7d"), (None, "-")],
)
def test_duration_text(ms: int | None, text: str) -> None:
    assert duration_text(ms) == text


def test_suggestions_round_up_to_whole_minutes() -> None:
    assert [ceil_minutes(ms) for ms in (1, 60_000, 60_001, 360_000)] == [60_000, 60_000, 120_000, 360_000]


def test_credentials_in_urls_are_never_shown() -> None:
    assert redact("http://admin:s3cret@127.0.0.1:9090/prom") == "http://***@127.0.0.1:9090/prom"
    assert redact("http://127.0.0.1:9090") == "http://127.0.0.1:9090"
    assert check_url("http://u:p@127.0.0.1:9090/", "--prometheus-url") == "http://u:p@127.0.0.1:9090"
    with pytest.raises(UsageError) as exc:
        check_url("ftp://u:s3cret@127.0.0.1", "--prometheus-url")
    assert str(exc.value) == "--prometheus-url: ftp://***@127.0.0.1 is not an http(s) URL (e.g. http://127.0.0.1:9090)"
    with pytest.raises(UsageError, match="without \\?query"):
        check_url("http://127.0.0.1:9090/?token=x", "--prometheus-url")
