"""render.yamlout.dump builds libyaml's events itself: the bytes must be yaml.dump's, value for value."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

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
