"""Field-by-field differences of nested data, with secret values never shown."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from callalert.analysis.versions import am_feature

SECRET_SHOWN = "(secret)"
_INDEX = re.compile(r"\[\d+\]")
_SECRET_NAME = re.compile(r"(password|secret|token|credentials|api_key|routing_key|service_key|user_key|webhook_url)$", re.I)


@dataclass(frozen=True)
class FieldChange:
    path: str  # e.g. email_configs[0].to
    old: Any  # None: the field is new
    new: Any  # None: the field is gone
    secret: bool = False

    def text(self) -> str:
        if self.secret:
            if self.old is None:
                return f"{self.path}: set {SECRET_SHOWN}"
            if self.new is None:
                return f"{self.path}: removed {SECRET_SHOWN}"
            return f"{self.path}: changed {SECRET_SHOWN}"
        if self.old is None:
            return f"{self.path}: + {show(self.new)}"
        if self.new is None:
            return f"{self.path}: - {show(self.old)}"
        return f"{self.path}: {show(self.old)} → {show(self.new)}"

    def as_json(self) -> dict[str, Any]:
        if self.secret:
            return {
                "path": self.path,
                "secret": True,
                "change": "set" if self.old is None else "removed" if self.new is None else "changed",
            }
        return {"path": self.path, "old": self.old, "new": self.new}


def show(value: Any) -> str:
    if isinstance(value, str):
        one = " ".join(value.split())
        return one if len(one) <= 80 else one[:77] + "..."
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        import json

        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        return text if len(text) <= 80 else text[:77] + "..."
    return str(value)


def is_secret_field(section: str, path: str, value: Any = None) -> bool:
    """Whether `path` (under `section`: a receiver type such as slack_configs, or "global") holds a
    secret: Alertmanager's feature table says so, or its name does. `<env:NAME>` placeholders are names,
    not values, and `*_file` fields are paths."""
    if isinstance(value, str) and value.startswith("<env:") and value.endswith(">"):
        return False
    bare = _INDEX.sub("", path)
    if bare.endswith("_file"):
        return False
    candidates = [f"{section}.{bare}"]
    if "http_config." in f".{bare}":
        candidates.append("http_config." + bare.split("http_config.", 1)[1])
    for name in candidates:
        feature = am_feature(name)
        if feature is not None:
            return feature.secret
    return bool(_SECRET_NAME.search(bare.rsplit(".", 1)[-1]))


def scrub(value: Any, path: str, secret: Callable[[str, Any], bool] | None) -> Any:
    """`value` with every secret inside it (a receiver added as a whole) replaced by SECRET_SHOWN."""
    if secret is None:
        return value
    if isinstance(value, Mapping):
        return {
            k: SECRET_SHOWN
            if secret(f"{path}.{k}" if path else str(k), v) and not isinstance(v, (Mapping, list))
            else scrub(v, f"{path}.{k}" if path else str(k), secret)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [scrub(v, f"{path}[{i}]", secret) for i, v in enumerate(value)]
    return value


def _change(path: str, old: Any, new: Any, secret: Callable[[str, Any], bool] | None) -> FieldChange:
    leaf = not isinstance(old, (Mapping, list)) and not isinstance(new, (Mapping, list))
    hidden = bool(secret and leaf and ((old is not None and secret(path, old)) or (new is not None and secret(path, new))))
    return FieldChange(path, scrub(old, path, secret), scrub(new, path, secret), hidden)


def diff_values(old: Any, new: Any, path: str = "", secret: Callable[[str, Any], bool] | None = None) -> list[FieldChange]:
    """Changes from `old` to `new`: mappings by key, lists of mappings item by item, anything else as a
    whole. `secret(path, value)` says which values are secrets: they are never part of a change."""
    out: list[FieldChange] = []
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in list(dict.fromkeys([*old, *new])):
            sub = f"{path}.{key}" if path else str(key)
            if key not in new:
                out.append(_change(sub, old[key], None, secret))
            elif key not in old:
                out.append(_change(sub, None, new[key], secret))
            else:
                out.extend(diff_values(old[key], new[key], sub, secret))
        return out
    if isinstance(old, list) and isinstance(new, list) and all(isinstance(v, Mapping) for v in (*old, *new)):
        for i in range(max(len(old), len(new))):
            sub = f"{path}[{i}]"
            if i >= len(new):
                out.append(_change(sub, old[i], None, secret))
            elif i >= len(old):
                out.append(_change(sub, None, new[i], secret))
            else:
                out.extend(diff_values(old[i], new[i], sub, secret))
        return out
    if old != new:
        out.append(_change(path, old, new, secret))
    return out
