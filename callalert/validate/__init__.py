"""The validation pipeline: load → schema → resolve → semantic checks, every problem at once."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callalert.diagnostics import KeyPath, Problem, did_you_mean, sort_problems
from callalert.errors import UsageError
from callalert.spec.load import MAP_KEYS, Merged, load_file, merge

# pydantic error types → our rule ids
_RULES = {
    "extra_forbidden": "unknown-key",
    "missing": "missing-key",
    "duration": "duration",
    "label_name": "label-name",
    "alert_name": "alert-name",
    "plaintext_secret": "plaintext-secret",
    "secret_ref": "secret-ref",
    "literal_error": "schema",
    "version": "target-version",
    "pagerduty_key": "schema",
    "silence_window": "silence-window",
    "matcher_map": "matcher",
    "series_values": "series-values",
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


@dataclass
class Validated:
    merged: Merged
    problems: list[Problem]
    spec: Any = None  # callalert.spec.Spec
    resolved: Any = None  # callalert.resolve.Resolved
    source: Path = field(default_factory=lambda: Path("specs.yaml"))

    @property
    def ok(self) -> bool:
        return not any(p.level == "error" for p in self.problems)


def load_documents(paths: Sequence[Path]) -> Merged:
    docs = []
    for path in paths:
        if not path.exists():
            raise UsageError(f"spec file not found: {path}" + (" (create one with `callalert init`)" if path.name == "specs.yaml" else ""))
        if path.is_dir():
            raise UsageError(f"{path} is a directory; give the spec file(s) to read")
        try:
            docs.append(load_file(path))
        except UnicodeDecodeError as exc:
            docs.append(_unreadable(path, f"not UTF-8 text: {exc.reason}"))
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return merge(docs)


def _unreadable(path: Path, message: str) -> Any:
    from callalert.spec.load import Document

    return Document(str(path), None, None, [Problem(str(path), 1, 1, "error", message, "yaml-syntax")])


def validate(paths: Sequence[Path], *, semantic: bool = True, overlays: Sequence[Path] = ()) -> Validated:
    merged = load_documents(paths)
    result = Validated(merged, list(merged.problems), source=paths[0])
    if overlays:
        from callalert.spec.overlay import apply_overlays, load_overlays

        merged.data, overlay_problems = apply_overlays(merged.data, load_overlays(overlays))
        result.problems.extend(overlay_problems)
    if any(p.level == "error" for p in result.problems) or not merged.data:
        if not merged.data and not result.problems:
            result.problems.append(Problem(str(paths[0]), 1, 1, "error", "the spec is empty; start from `callalert init`", "schema"))
        result.problems = sort_problems(result.problems)
        return result
    from pydantic import ValidationError

    from callalert.spec.v1 import Spec

    if "version" in merged.data and merged.data["version"] != 1:
        result.problems.append(
            merged.problem(
                ("version",),
                f"unsupported spec version {merged.data['version']!r}: this callalert reads version 1",
                "spec-version",
            )
        )
        result.problems = sort_problems(result.problems)
        return result
    try:
        spec = Spec.model_validate(merged.data)
    except ValidationError as exc:
        result.problems.extend(schema_problems(merged, exc))
        spec = _salvage(merged.data, exc)
        if spec is None or not semantic:
            result.problems = sort_problems(result.problems)
            return result
        # Checks on what remains, so one run reports the references and PromQL too.
        from callalert.model.resolve import resolve

        resolved, problems = resolve(spec, merged.problem, paths[0])
        result.problems.extend(problems)
        result.problems.extend(semantic_problems(resolved, merged))
        result.problems = sort_problems(result.problems)
        return result
    result.spec = spec
    from callalert.model.resolve import resolve

    resolved, problems = resolve(spec, merged.problem, paths[0])
    result.resolved = resolved
    result.problems.extend(problems)
    if semantic:
        result.problems.extend(semantic_problems(resolved, merged))
    result.problems = sort_problems(result.problems)
    return result


def _salvage(data: dict[str, Any], exc: Any) -> Any:
    """A Spec from `data` minus the mapping keys that failed, or None if that is not enough.

    Only mapping keys are dropped (never list items, which would shift the indices positions
    rely on), so the remaining problems still point at the right lines."""
    import copy

    from pydantic import ValidationError

    from callalert.spec.v1 import Spec

    pruned = copy.deepcopy(data)
    for _ in range(3):
        changed = False
        for err in exc.errors(include_url=False):
            path, _at_key = _clean_loc(pruned, tuple(err["loc"]))
            if err["type"] == "missing" or not path:
                return None
            parent: Any = pruned
            for part in path[:-1]:
                parent = parent[part]
            if err["type"] == "alert_name" and isinstance(parent, dict):
                # keep the alert (its name is required): check the rest under a legal stand-in
                parent[path[-1]] = re.sub(r"[^a-zA-Z0-9_:]", "_", str(parent[path[-1]])) or "_"
                changed = True
            elif isinstance(parent, dict) and path[-1] in parent and not (len(path) == 2 and path[0] in MAP_KEYS):
                del parent[path[-1]]
                changed = True
            else:
                return None
        if not changed:
            return None
        try:
            return Spec.model_validate(pruned)
        except ValidationError as again:
            exc = again
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
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif i == len(loc) - 1 and isinstance(part, str) and isinstance(node, dict):
            path.append(part)  # a missing or unknown key
        else:
            continue
    return tuple(path), at_key


def _allowed_keys(loc: KeyPath) -> list[str]:
    """Keys the model at `loc` accepts (for "did you mean")."""
    import typing

    from pydantic import BaseModel

    from callalert.spec.v1 import Spec

    def unwrap(tp: Any) -> list[Any]:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            return unwrap(typing.get_args(tp)[0])
        if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            out = []
            for arg in typing.get_args(tp):
                out.extend(unwrap(arg))
            return out
        return [tp]

    current: list[Any] = [Spec]
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
    keys: list[str] = []
    for tp in current:
        for t in unwrap(tp):
            if isinstance(t, type) and issubclass(t, BaseModel):
                keys.extend(info.alias or name for name, info in t.model_fields.items())
    return keys


def schema_problems(merged: Merged, exc: Any) -> list[Problem]:
    errors = exc.errors(include_url=False)
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
            problems.append(_schema_problem(merged, path, err))
    return problems


def _schema_problem(merged: Merged, path: KeyPath, err: dict[str, Any]) -> Problem:
    etype = err["type"]
    rule = _RULES.get(etype, "schema")
    at_key = bool(err.get("_at_key"))
    if etype == "extra_forbidden":
        key = str(path[-1])
        allowed = _allowed_keys(path[:-1])
        message = f"unknown key {key!r}{did_you_mean(key, allowed)}"
        fix = f"allowed keys here: {', '.join(sorted(allowed))}" if allowed else None
        return merged.problem(path, message, rule, at_key=True, fix=fix)
    if etype == "missing":
        return _at(merged, path[:-1], path, f"missing required key {str(path[-1])!r}", rule)
    if etype in _TYPE_WORDS:
        got = _describe(err.get("input"))
        message = f"expected {_TYPE_WORDS[etype]}, got {got}"
        return merged.problem(path, message, rule, at_key=at_key)
    if etype == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        message = f"invalid value {err.get('input')!r}: expected one of {expected}"
        return merged.problem(path, message, rule, at_key=at_key)
    message = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    if etype in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        message = message.replace("Input should be", "must be")
    return merged.problem(path, message, rule, at_key=at_key)


def _fmt(path: KeyPath) -> str:
    from callalert.diagnostics import format_key

    return format_key(path)


def _at(merged: Merged, where: KeyPath, path: KeyPath, message: str, rule: str) -> Problem:
    file, line, col = merged.locate(where)
    return Problem(file, line, col, "error", message, rule, _fmt(path))


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


# --- semantic checks ------------------------------------------------------------------------

_SLACK_HOOK = re.compile(r"https://hooks\.slack\.com/(services|workflows|triggers)/[A-Za-z0-9/_-]+")
_SECRET_QUERY = re.compile(r"[?&](token|key|api_key|apikey|access_token|secret|password|sig|signature)=[^&\s]+", re.I)
_USERINFO = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@\s:]+:[^/@\s]+@", re.I)


def literal_secret_reason(text: str) -> str | None:
    """Why a plain string looks like a secret, or None."""
    if _SLACK_HOOK.search(text):
        return "a Slack webhook URL (its path is the token)"
    if _USERINFO.search(text):
        return "a URL with a password in it"
    match = _SECRET_QUERY.search(text)
    if match:
        return f"a URL with a credential in its query ({match.group(1)}=...)"
    return None


def _strings(obj: Any, key: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    from pydantic import BaseModel

    if isinstance(obj, str):
        yield key, obj
    elif isinstance(obj, BaseModel):
        for name, info in type(obj).model_fields.items():
            yield from _strings(getattr(obj, name), (*key, info.alias or name))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _strings(v, (*key, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _strings(v, (*key, i))


def semantic_problems(resolved: Any, merged: Merged) -> list[Problem]:
    from callalert.validate import checks

    return checks.run_all(resolved, merged)
