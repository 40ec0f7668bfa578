"""Schema errors (pydantic) → positioned problems, and the salvage pass that lets one run report
reference and PromQL problems alongside schema errors."""

from __future__ import annotations

import copy
import functools
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from callalert import diagnostics as d
from callalert.diagnostics import KeyPath, Problem, Rule, did_you_mean, format_key
from callalert.spec.load import MAP_KEYS, Merged

# pydantic error types → our rule ids
_RULES: dict[str, Rule] = {
    "extra_forbidden": d.UNKNOWN_KEY,
    "missing": d.MISSING_KEY,
    "duration": d.DURATION,
    "label_name": d.LABEL_NAME,
    "plaintext_secret": d.PLAINTEXT_SECRET,
    "secret_ref": d.SECRET_REF,
    "literal_error": d.SCHEMA,
    "version": d.TARGET_VERSION,
    "pagerduty_key": d.SCHEMA,
    "silence_window": d.SILENCE_WINDOW,
    "matcher_map": d.MATCHER,
    "series_values": d.SERIES_VALUES,
}
_TYPE_WORDS = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "datetime_type": "a date-time like 2023-06-01T10:00:00Z",
    "datetime_parsing": "a date-time like 2023-06-01T10:00:00Z",
    "datetime_from_date_parsing": "a date-time like 2023-06-01T10:00:00Z",
    "float_type": "a number",
}


Errors = list[dict[str, Any]]  # pydantic's ErrorDetails, as `ValidationError.errors()` gives them

# Route levels validated in one pydantic call: pydantic-core stops recursive models at 255 levels,
# so deeper route trees are validated in slices of this many levels, deepest first.
_ROUTE_SLICE = 100


def validate_data(model: type[BaseModel], data: dict[str, Any]) -> tuple[BaseModel | None, Errors]:
    """`model` validated from `data`: (instance, []) or (None, errors). Route trees of any depth
    up to MAX_ROUTE_DEPTH are validated, not only the 255 levels pydantic's recursion allows."""
    routes = data.get("routing", {}).get("routes") if isinstance(data.get("routing"), dict) else None
    if not isinstance(routes, list) or _route_depth(routes)[0] <= _ROUTE_SLICE:
        try:
            return model.model_validate(data), []
        except ValidationError as exc:
            return None, exc.errors(include_url=False)  # type: ignore[return-value]
    return _validate_sliced(model, data)


def _route_depth(routes: list[Any]) -> tuple[int, KeyPath]:
    """(levels of the deepest route, its key path) of a raw `routing.routes` list."""
    deepest: tuple[int, KeyPath] = (0, ())
    stack: list[tuple[list[Any], KeyPath, int]] = [(routes, ("routing", "routes"), 1)]
    while stack:
        items, path, depth = stack.pop()
        for i, route in enumerate(items):
            if isinstance(route, dict):
                if depth > deepest[0]:
                    deepest = (depth, (*path, i))
                children = route.get("routes")
                if isinstance(children, list):
                    stack.append((children, (*path, i, "routes"), depth + 1))
    return deepest


def route_depth(data: Any) -> tuple[int, KeyPath]:
    routing = data.get("routing") if isinstance(data, dict) else None
    routes = routing.get("routes") if isinstance(routing, dict) else None
    return _route_depth(routes) if isinstance(routes, list) else (0, ())


def _validate_sliced(model: type[BaseModel], data: dict[str, Any]) -> tuple[BaseModel | None, Errors]:
    from callalert.spec import v1

    # a copy of the route tree (dicts and lists only; the rest is shared, never changed)
    top: list[Any] = list(data["routing"]["routes"])
    data = {**data, "routing": {**data["routing"], "routes": top}}
    slices: list[tuple[list[Any], int, KeyPath, int]] = []  # (parent list, index, key path, depth)
    stack: list[tuple[list[Any], KeyPath, int]] = [(top, ("routing", "routes"), 1)]
    while stack:
        items, path, depth = stack.pop()
        for i, raw in enumerate(items):
            if not isinstance(raw, dict):
                continue
            route = items[i] = dict(raw)
            if depth % _ROUTE_SLICE == 0:
                slices.append((items, i, (*path, i), depth))
            children = route.get("routes")
            if isinstance(children, list):
                route["routes"] = list(children)
                stack.append((route["routes"], (*path, i, "routes"), depth + 1))
    errors: Errors = []
    for items, i, path, _depth in sorted(slices, key=lambda s: -s[3]):
        try:
            items[i] = v1.Route.model_validate(items[i])
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                errors.append({**err, "loc": (*path, *err["loc"])})
            items[i] = v1.Route.model_construct()  # checked apart: a valid stand-in for the rest
    try:
        instance = model.model_validate(data)
    except ValidationError as exc:
        errors.extend(exc.errors(include_url=False))  # type: ignore[arg-type]
        instance = None
    return (None, errors) if errors else (instance, [])


def salvage(model: type[BaseModel], data: dict[str, Any], errors: Errors) -> BaseModel | None:
    """A Spec from `data` minus the mapping keys that failed, or None if that is not enough.

    Only mapping keys are dropped (never list items, which would shift the indices positions
    rely on), so the remaining problems still point at the right lines. (Alert names are checked
    by resolve, under `defaults.alert_names`, so a bad one never needs a stand-in here.)"""
    pruned = copy.deepcopy(data)
    for _ in range(3):
        changed = False
        for err in errors:
            path, _at_key = _clean_loc(pruned, tuple(err["loc"]))
            if err["type"] == "missing" or not path:
                return None
            parent: Any = pruned
            for part in path[:-1]:
                parent = parent[part]
            if isinstance(parent, dict) and path[-1] in parent and not (len(path) == 2 and path[0] in MAP_KEYS):
                del parent[path[-1]]
                changed = True
            else:
                return None
        if not changed:
            return None
        instance, errors = validate_data(model, pruned)
        if instance is not None:
            return instance
    return None


# --- schema errors → positioned problems ----------------------------------------------------


def _clean_loc(data: Any, loc: tuple[Any, ...]) -> tuple[KeyPath, bool]:
    """Drop pydantic's union/validator tags from `loc`, keeping only real key path parts.

    Returns the path and whether its last part is a dict key (rather than a value)."""
    path: list[str | int] = []
    node = data
    at_key = False
    for i, part in enumerate(loc):
        if part == "[key]":
            at_key = True
            continue
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]
        elif i == len(loc) - 1 and isinstance(part, str) and isinstance(node, dict):
            path.append(part)  # a missing or unknown key
        else:
            continue
    return tuple(path), at_key


def _allowed_keys(root: type[BaseModel], loc: KeyPath, node: Any = None) -> list[str]:
    """Keys the model at `loc` accepts (for "did you mean"); `node` (the data at `loc`) picks the
    member of a union discriminated by `target` (the spec's outputs)."""
    tag = node.get("target") if isinstance(node, dict) and isinstance(node.get("target"), str) else None
    return list(_allowed_keys_cached(root, tuple(0 if isinstance(part, int) else part for part in loc), tag))


@functools.lru_cache(maxsize=1024)
def _allowed_keys_cached(root: type[BaseModel], loc: KeyPath, tag: str | None = None) -> tuple[str, ...]:

    def unwrap(tp: Any) -> list[Any]:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            return unwrap(typing.get_args(tp)[0])
        if origin in (typing.Union, types.UnionType):
            out = []
            for arg in typing.get_args(tp):
                out.extend(unwrap(arg))
            return out
        return [tp]

    current: list[Any] = [root]
    for part in loc:
        nxt: list[Any] = []
        for tp in current:
            for t in unwrap(tp):
                origin = typing.get_origin(t)
                if isinstance(part, int) and origin is list:
                    nxt.extend(unwrap(typing.get_args(t)[0]))
                elif origin is dict and isinstance(part, str):
                    nxt.extend(unwrap(typing.get_args(t)[1]))
                elif isinstance(t, type) and issubclass(t, BaseModel) and isinstance(part, str):
                    for name, info in t.model_fields.items():
                        if (info.alias or name) == part:
                            nxt.extend(unwrap(info.annotation))
        current = nxt
    models = [t for tp in current for t in unwrap(tp) if isinstance(t, type) and issubclass(t, BaseModel)]
    tagged = [m for m in models if "target" in m.model_fields and tag in typing.get_args(m.model_fields["target"].annotation)]
    keys: list[str] = []
    for t in tagged or models:
        keys.extend(info.alias or name for name, info in t.model_fields.items() if (info.alias or name) not in keys)
    return tuple(keys)


def _node(data: Any, path: KeyPath) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def schema_problems(model: type[BaseModel], merged: Merged, raw_errors: Errors) -> list[Problem]:
    errors: list[dict[str, Any]] = [dict(e) for e in raw_errors]
    located: dict[KeyPath, list[dict[str, Any]]] = {}
    order: list[KeyPath] = []
    for err in errors:
        path, at_key = _clean_loc(merged.data, tuple(err["loc"]))
        err["_at_key"] = at_key
        if path not in located:
            order.append(path)
        located.setdefault(path, []).append(err)
    problems: list[Problem] = []
    for path in order:
        errs = located[path]
        # a union (e.g. `str | {file: ...}`) fails once per member: keep the most specific error
        specific = [e for e in errs if e["type"] not in _TYPE_WORDS]
        for err in specific or errs[:1]:
            problems.append(_schema_problem(model, merged, path, err))
    return problems


_DURATION_FIELDS = frozenset(
    {
        "for",
        "keep_firing_for",
        "group_wait",
        "group_interval",
        "repeat_interval",
        "resolve_timeout",
        "evaluation_interval",
        "interval",
        "response_time",
        "eval_time",
    }
)
# Keys people bring from Prometheus rule files and alertmanager.yml, and what callalert calls them.
_FOREIGN_KEYS: dict[tuple[str, str], str] = {
    ("groups[]", "rules"): "callalert groups list `alerts:` (each with `name:`, where Prometheus writes `alert:`) "
    "and `records:` for recording rules",
    ("groups[].alerts[]", "alert"): "an alert's name is `name:` in callalert (Prometheus rule files write `alert:`)",
    ("", "route"): "callalert's route tree is `routing:` (receiver, group_by, routes with matchers as in alertmanager.yml)",
    ("", "rule_files"): "rules are written in the spec itself under `groups:`",
}


def _shape(path: KeyPath) -> str:
    return ".".join("[]" if isinstance(p, int) else str(p) for p in path).replace(".[]", "[]")


def _flow_comma_fix(merged: Merged, path: KeyPath) -> str | None:
    """`{description: Memory, connections, disk}`: the commas ended the value and made the words keys.
    Recognised when the unknown key has no value and follows a string value on the same line."""
    parent: Any = merged.data
    for part in path[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return None
    if not isinstance(parent, dict) or parent.get(path[-1], "") is not None:
        return None
    keys = list(parent)
    i = keys.index(path[-1])
    j = i - 1
    while j >= 0 and parent[keys[j]] is None:
        j -= 1
    if j < 0 or not isinstance(parent[keys[j]], str):
        return None
    first, words = keys[j], [str(k) for k in keys[j + 1 :] if parent[k] is None]
    where_first = merged.locate((*path[:-1], first), at_key=True)
    where_key = merged.locate(path, at_key=True)
    if where_first[:2] != where_key[:2]:
        return None
    text = ", ".join([parent[first], *words])
    return f'a comma inside {{...}} ended the value of {first!r}; quote the value: {first}: "{text}"'


def _schema_problem(model: type[BaseModel], merged: Merged, path: KeyPath, err: dict[str, Any]) -> Problem:
    etype = err["type"]
    rule = _RULES.get(etype, d.SCHEMA)
    at_key = bool(err.get("_at_key"))
    if etype == "extra_forbidden":
        key = str(path[-1])
        allowed = _allowed_keys(model, path[:-1], _node(merged.data, path[:-1]))
        message = f"unknown key {key!r}{did_you_mean(key, allowed)}"
        fix = _flow_comma_fix(merged, path) or _FOREIGN_KEYS.get((_shape(path[:-1]), key))
        if fix is None and allowed:
            fix = f"allowed keys here: {', '.join(sorted(allowed))}"
        return merged.problem(path, message, rule, at_key=True, fix=fix)
    if etype == "missing":
        return _at(merged, path[:-1], path, f"missing required key {str(path[-1])!r}", rule)
    if etype in _TYPE_WORDS:
        value = err.get("input")
        got = _describe(value)
        message = f"expected {_TYPE_WORDS[etype]}, got {got}"
        fix = None
        name = str(path[-1]) if path else ""
        if etype == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
            if name in _DURATION_FIELDS:
                fix = f"durations need a unit: {name}: {value}m (or {value}s, {value}h)"
        elif etype in ("dict_type", "model_type", "model_attributes_type") and isinstance(value, list) and path == ("receivers",):
            fix = (
                "callalert's receivers are a mapping by name, receivers: {NAME: {slack_configs: [...]}}, "
                "not alertmanager.yml's list of {name: ...}"
            )
        return merged.problem(path, message, rule, at_key=at_key, fix=fix)
    if etype == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        message = f"invalid value {err.get('input')!r}: expected one of {expected}"
        return merged.problem(path, message, rule, at_key=at_key)
    if etype == "too_short" and isinstance(err.get("input"), list):
        n = int(err.get("ctx", {}).get("min_length", 1))
        return merged.problem(
            path,
            f"needs at least {n} item{'s' if n != 1 else ''}, got none" if not err["input"] else f"needs at least {n} items",
            rule,
            at_key=at_key,
        )
    if etype == "union_tag_invalid":
        ctx = err.get("ctx", {})
        tag, name = str(ctx.get("tag", "")), str(ctx.get("discriminator", "")).strip("'")
        choices = [t.strip().strip("'") for t in str(ctx.get("expected_tags", "")).split(",")]
        message = f"unknown {name} {tag!r}: choose {', '.join(choices)}{did_you_mean(tag, choices)}"
        return merged.problem((*path, name) if isinstance(_node(merged.data, (*path, name)), str) else path, message, rule)
    message = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    if etype in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        message = message.replace("Input should be", "must be")
    return merged.problem(path, message, rule, at_key=at_key)


def _at(merged: Merged, where: KeyPath, path: KeyPath, message: str, rule: Rule) -> Problem:
    file, line, col = merged.locate(where)
    return d.problem(file, line, col, message, rule, key=format_key(path))


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return repr(value) if len(value) < 60 else repr(value[:57] + "...")
    return repr(value)
