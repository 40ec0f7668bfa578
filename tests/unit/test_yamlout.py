"""render.yamlout.dump builds libyaml's events itself: the bytes must be yaml.dump's, value for value."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callalert.render import yamlout

CASES: list[Any] = [
    {},
    [],
    {"a": {}, "b": [], "c": [{}], "d": None},
    {"expr": 'sum(rate(x{job="a"}[5m])) > 0.5', "for": "5m", "labels": {"severity": "critical"}},
    {"text": "line one\nline two\n", "trailing": "a \nb", "tab": "a\tb\nc", "cr": "a\r\nb", "only": "\n"},
    {"clock": "09:00", "late": "18:00", "not": "9:000", "sexagesimal": "1:30:00"},
    {"true": True, "false": False, "yes": "yes", "no": "no", "on": "on", "null": "null", "tilde": "~", "empty": ""},
    {"int": 3, "neg": -7, "big": 10**20, "str_int": "3", "octal": "010", "hex": "0x1f", "float": 0.5},
    {"floats": [1.0, -2.5, 1e20, float("inf"), float("-inf"), 1e-7], "str_float": "1e3", "dot": ".5"},
    {"unicode": "café ☕ 日本", "quote": 'it\'s "q"', "colon": "a: b", "hash": "a #b", "dash": "- x", "star": "*x"},
    {"keys": {"3": 1, "true": 2, "": 3, "a b": 4, "k:": 5}},
    {"nested": [[1, [2, ["three"]]], {"x": [{"y": "z"}]}], "tuple": (1, "two")},
    {"long": "x" * 200 + " " + "y" * 200, "leading": " space", "trailing": "space ", "percent": "%x", "at": "@x"},
    {"merge": "<<", "equals": "=", "question": "? x", "bang": "!x", "amp": "&x", "pipe": "|", "gt": ">"},
]


@pytest.mark.parametrize("data", CASES)
def test_dump_is_yaml_dump(data: Any) -> None:
    expected = yaml.dump(data, Dumper=yamlout._Dumper, **yamlout._OPTIONS)
    assert yamlout.dump(data) == expected
    assert yaml.safe_load(yamlout.dump(data)) == yaml.safe_load(expected)


def test_values_the_events_do_not_cover_fall_back_to_yaml_dump() -> None:
    import datetime

    data = {"when": datetime.date(2024, 1, 15), "set": {1, 2}}
    assert yamlout.dump(data) == yaml.dump(data, Dumper=yamlout._Dumper, **yamlout._OPTIONS)


# --- the direct text (_direct) against the events and yaml.dump ------------------------------------------

_TRICKY = list(" -?:#,[]{}&*!|>'\"%@`.~=<+0123456789eExXoO_aAbtTfFnNyYlLsu\xa0\u3000é☕\u2028\x85\ufeff\t\n\r\\/$()")
_WORDS = ["yes", "No", "ON", "null", "~", "1_000", "0b101", "0o17", "1:30", "12:00", "-.inf", ".NaN", "2001-12-14"]
_WORDS += ["<<", "=", "1e3", "+1", "-", "---x", "...x", "--- ", "a:b", "a :b", "𐀀", "x" * 5000, "k" * 129]
_TEXT = st.one_of(st.text(st.sampled_from(_TRICKY), max_size=8), st.text(max_size=8), st.sampled_from(_WORDS))
_TREE = st.recursive(
    st.one_of(_TEXT, st.integers(), st.booleans(), st.none()),
    lambda inner: st.one_of(st.lists(inner, min_size=1, max_size=3), st.dictionaries(_TEXT, inner, min_size=1, max_size=3)),
    max_leaves=10,
)


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(_TREE)
def test_direct_text_is_yaml_dump_or_declined(data: Any) -> None:
    """Whatever _direct writes is yaml.dump's text; what it cannot prove goes to the events."""
    try:
        text = yamlout._direct(data)
    except yamlout._Unsupported:
        return
    assert text == yaml.dump(data, Dumper=yamlout._Dumper, **yamlout._OPTIONS)


@pytest.mark.parametrize("data", CASES)
def test_direct_text_and_events_agree(data: Any) -> None:
    try:
        text = yamlout._direct(data)
    except yamlout._Unsupported:
        return
    assert text == yamlout._dump_events(data)


def test_rule_files_take_the_direct_path() -> None:
    """The rule files of an ordinary spec are written by _direct (10,000 alerts: 0.15 s by the events,
    0.04 s directly); a scalar it wrongly declines would only cost time, so this pins that it does not."""
    rule = {
        "alert": "HighErrorRate",
        "expr": 'sum(rate(http_requests_total{status=~"5.."}[5m])) by (job) / sum(rate(x[5m])) by (job) > 0.05',
        "for": "5m",
        "labels": {"severity": "critical", "team": "payments"},
        "annotations": {
            "summary": "{{ $labels.job }} fails: {{ $value | humanizePercentage }}",
            "description": "Value is {{ $value | humanize }} on {{ $labels.instance }}",
            "runbook_url": "https://example.com/runbooks/HighErrorRate.md#section",
        },
    }
    data = {"groups": [{"name": "g", "interval": "1m", "limit": 10, "rules": [rule, {"record": "r:x", "expr": "1"}]}]}
    text = yamlout._direct(data)
    assert text == yaml.dump(data, Dumper=yamlout._Dumper, **yamlout._OPTIONS)
    assert "summary: '{{ $labels.job }} fails: {{ $value | humanizePercentage }}'" in text
