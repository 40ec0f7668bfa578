"""The shape of a plain Prometheus rule file or alertmanager.yml, checked before any lint rule
reads it: where promtool or amtool would refuse to unmarshal a list or a mapping, lint reports a
positioned [schema] error and skips the file, instead of a rule tripping over it.

Only containers are checked (a list where a list must be, a mapping where a mapping must be);
scalars are read leniently by the rules, and unknown keys are promtool's and amtool's business.
"""

from __future__ import annotations

from typing import Any

from callalert import diagnostics as d
from callalert.diagnostics import KeyPath, Problem, format_key, kind_of
from callalert.limits import MAX_ROUTE_DEPTH

# A shape: `dict` / `list` (any mapping / list), a dict of key -> shape (a mapping whose listed
# keys have those shapes; "*_configs" matches every key ending in _configs), a one-item list
# [shape] (a list of that shape), or "route" (the recursive route shape).
Shape = Any

_ROUTE: dict[str, Shape] = {
    "routes": ["route"],
    "match": dict,
    "match_re": dict,
    "matchers": list,
    "group_by": list,
    "mute_time_intervals": list,
    "active_time_intervals": list,
}
_INHIBIT = {
    "source_matchers": list,
    "target_matchers": list,
    "source_match": dict,
    "target_match": dict,
    "source_match_re": dict,
    "target_match_re": dict,
    "equal": list,
}
_TIME_INTERVALS = [{"time_intervals": [dict]}]

SHAPES: dict[str, Shape] = {
    "rules": {"groups": [{"rules": [{"labels": dict, "annotations": dict}]}]},
    "alertmanager": {
        "global": dict,
        "route": "route",
        "receivers": [{"*_configs": [dict]}],
        "inhibit_rules": [_INHIBIT],
        "time_intervals": _TIME_INTERVALS,
        "mute_time_intervals": _TIME_INTERVALS,
        "templates": list,
    },
}


def _expected(shape: Shape) -> type:
    if shape == "route" or isinstance(shape, dict) or shape is dict:
        return dict
    return list


def shape_problems(doc: Any, kind: str) -> list[Problem]:
    """[schema] errors of a loaded plain file (`doc`: spec.load.Document) of `kind`."""
    problems: list[Problem] = []
    stack: list[tuple[Any, Shape, KeyPath, int]] = [(doc.data, SHAPES[kind], (), 0)]
    while stack:
        value, shape, key, route_depth = stack.pop()
        if value is None and key:
            continue  # absent or null: amtool and promtool read an empty value
        want = _expected(shape)
        if not isinstance(value, want):
            line, col = doc.position(key)
            what = "a mapping (key: value)" if want is dict else "a list"
            problems.append(
                d.problem(doc.path, line, col, f"expected {what}, got {kind_of(value)}", d.SCHEMA, key=format_key(key))
            )
            continue
        if shape == "route":
            if route_depth >= MAX_ROUTE_DEPTH:
                line, col = doc.position(key)
                problems.append(
                    d.problem(
                        doc.path,
                        line,
                        col,
                        f"route tree nested more than {MAX_ROUTE_DEPTH} levels deep (callalert's limit; amtool 0.25 reads 1,500)",
                        d.NESTING_DEPTH,
                        key="route",
                    )
                )
                continue
            shape, route_depth = _ROUTE, route_depth + 1
        if isinstance(shape, dict) and isinstance(value, dict):
            for name, item in value.items():
                sub = shape.get(str(name))
                if sub is None and str(name).endswith("_configs"):
                    sub = shape.get("*_configs")
                if sub is not None:
                    stack.append((item, sub, (*key, str(name)), route_depth))
        elif isinstance(shape, list) and isinstance(value, list):
            for i, item in enumerate(value):
                if item is None:
                    line, col = doc.position((*key, i))
                    what = "a mapping (key: value)" if _expected(shape[0]) is dict else "a list"
                    problems.append(
                        d.problem(doc.path, line, col, f"expected {what}, got nothing", d.SCHEMA, key=format_key((*key, i)))
                    )
                    continue
                stack.append((item, shape[0], (*key, i), route_depth))
    return sorted(problems)
