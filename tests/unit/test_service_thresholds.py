"""AlertService thresholds come from the spec's own rules, so app and Prometheus agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from callalert.live.service import Thresholds, comparison_threshold
from tests.conftest import EXAMPLE_SPEC


def test_thresholds_from_the_bundled_spec() -> None:
    t = Thresholds.from_spec(EXAMPLE_SPEC)
    # the rule says p95 > 10 s; the seed's AlertService said 5000 ms: the spec wins, so they agree
    assert t == Thresholds(max_latency_ms=10000.0, min_audio_quality=0.7, max_error_rate=0.05, alert_retention_days=7)


def test_overrides_and_custom_mapping(tmp_path: Path) -> None:
    t = Thresholds.from_spec(EXAMPLE_SPEC, {"max_error_rate": ("ElevenLabsErrors", 1.0)}, alert_retention_days=3)
    assert (t.max_error_rate, t.max_latency_ms, t.alert_retention_days) == (1.0, 5000, 3)


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("avg(audio_quality_score) < 0.7", 0.7),
        ("0.05 < sum(rate(a[5m])) / sum(rate(b[5m]))", 0.05),
        ("(up == 0)", 0.0),
        ("rate(x[5m])", None),
        ("a > b", None),
    ],
)
def test_comparison_threshold(expr: str, value: float | None) -> None:
    assert comparison_threshold(expr) == value
