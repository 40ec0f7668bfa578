"""What the spec can hold, read from its own models: import maps an Alertmanager mapping onto them
key by key, so whatever a receiver, `global` or `http_config` of the spec gains, import carries
without a second list here; a key the spec has no field for is reported as lost."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

from callalert.spec import v1


@dataclass(frozen=True)
class FieldKind:
    """How a spec field holds its value."""

    kind: str  # "str", "bool", "int", "float", "secret", "str_or_secret", "model", "list", "dict", "any"
    model: type[BaseModel] | None = None  # for "model"
    item: FieldKind | None = None  # for "list" and "dict" (the value type)


def _is_secret(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, v1.SecretRef)


def kind_of(tp: Any) -> FieldKind:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return kind_of(args[0])
    if origin in (typing.Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        if len(members) == 1:
            return kind_of(members[0])
        kinds = [kind_of(a) for a in members]
        names = {k.kind for k in kinds}
        if names == {"str", "secret"}:
            return FieldKind("str_or_secret")
        if "list" in names:  # e.g. `str | list[str]`
            return next(k for k in kinds if k.kind == "list")
        return FieldKind("any")
    if _is_secret(tp):
        return FieldKind("secret")
    if origin is list:
        return FieldKind("list", item=kind_of(args[0]))
    if origin is dict:
        return FieldKind("dict", item=kind_of(args[1]))
    if origin is typing.Literal:
        return FieldKind("str")
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return FieldKind("model", model=tp)
    if tp is bool:
        return FieldKind("bool")
    if tp is int:
        return FieldKind("int")
    if tp is float:
        return FieldKind("float")
    if tp is str:
        return FieldKind("str")
    return FieldKind("any")


@cache
def fields(model: type[BaseModel]) -> dict[str, FieldKind]:
    """The model's keys as written in YAML (aliases: `from`, `class`), with their kinds."""
    return {(info.alias or name): kind_of(info.annotation) for name, info in model.model_fields.items()}


@cache
def secret_keys() -> frozenset[str]:
    """Every key that holds a secret somewhere in the spec's Alertmanager models (its `*_file` too)."""
    found: set[str] = set()
    seen: set[type[BaseModel]] = set()

    def visit(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for key, kind in fields(model).items():
            item: FieldKind | None = kind
            while item is not None and item.kind in ("list", "dict"):
                item = item.item
            if kind.kind in ("secret", "str_or_secret"):
                found.add(key)
            if item is not None and item.kind == "model" and item.model is not None:
                visit(item.model)

    for root in (v1.Receiver, v1.Global, v1.SMTP, v1.HTTPConfig):
        visit(root)
    found |= {f"smtp_{k}" for k in fields(v1.SMTP) if fields(v1.SMTP)[k].kind == "secret"}
    return frozenset(found)
