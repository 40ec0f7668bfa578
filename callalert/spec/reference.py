"""The spec reference (docs/spec.md), generated from the pydantic models' descriptions."""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        base = _type_name(args[0])
        names = {"Duration": "duration", "LabelName": "label name", "AlertName": "alert name"}
        for meta in args[1:]:
            func = getattr(meta, "func", None)
            if func is not None:
                if func.__name__ == "_check_duration":
                    return "duration"
                if func.__name__ == "_reject_literal":
                    return "secret ref"
                if func.__name__ == "_matchers_input":
                    return "matchers"
                if func.__name__ in ("_check_label_name",):
                    return "label name"
            if getattr(meta, "title", None) == "label name":  # rule label names: checked per target version
                return "label name"
        return names.get(base, base)
    if origin in (typing.Union, __import__("types").UnionType):
        parts = [_type_name(a) for a in args if a is not type(None)]
        return " | ".join(parts)
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"map of {_type_name(args[0])} → {_type_name(args[1])}"
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in args)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return f"[{tp.__name__}](#{tp.__name__.lower()})"
    return getattr(tp, "__name__", str(tp))


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []

    def visit(tp: Any) -> None:
        for arg in typing.get_args(tp):
            visit(arg)
        if isinstance(tp, type) and issubclass(tp, BaseModel) and tp not in seen:
            seen.append(tp)
            for info in tp.model_fields.values():
                visit(info.annotation)

    visit(root)
    return seen


def _example(value: Any) -> str:
    import json

    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "`" + text.replace("`", "'") + "`" if text else '`""`'


def markdown() -> str:
    from callalert.spec.fielddocs import doc_for
    from callalert.spec.v1 import Spec

    schema = json_schema()
    values: dict[str, dict[str, list[Any]]] = {  # the examples the schema gives a value field
        model: {k: p["examples"] for k, p in (node.get("properties") or {}).items() if "examples" in p}
        for model, node in [("Spec", schema), *schema["$defs"].items()]
    }
    lines = [
        "# Spec reference (version 1)",
        "",
        "Generated from callalert's models (`callalert schema --format markdown`); the JSON Schema for editors is "
        "[spec.schema.json](spec.schema.json). Every mapping rejects unknown keys.",
        "",
    ]
    for model in _models(Spec):
        lines += [f"## {model.__name__}", ""]
        doc = (model.__doc__ or "").strip()
        if doc and not doc.startswith("!!!") and "Usage docs" not in doc:
            lines += [doc.splitlines()[0], ""]
        lines += ["| key | type | default | description |", "|---|---|---|---|"]
        for name, info in model.model_fields.items():
            key = info.alias or name
            if info.is_required():
                default = "**required**"
            elif info.default_factory is not None:
                default = "see description" if model.__name__ != "Templates" else "`[slack, email, pagerduty]`"
                try:
                    value = info.default_factory()  # type: ignore[call-arg]
                    if isinstance(value, (list, dict)):
                        default = f"`{value}`" if value else "empty"
                    elif isinstance(value, BaseModel):
                        default = "defaults"
                except TypeError:
                    pass
            else:
                default = f"`{info.default}`" if info.default is not None else "-"
            field_doc = doc_for(model.__name__, key)
            desc = info.description or field_doc.description or ""
            examples = values.get(model.__name__, {}).get(key)
            if examples:
                desc += (" " if desc else "") + "Example: " + "; ".join(_example(e) for e in examples[:2]) + "."
            desc = desc.replace("|", "\\|").replace("\n", " ")
            type_name = _type_name(info.annotation).replace("|", "\\|")
            lines.append(f"| `{key}` | {type_name} | {default} | {desc} |")
        lines.append("")
    return "\n".join(lines)


SCHEMA_KINDS = ("spec", "file", "overlay")


def json_schema(kind: str = "spec") -> dict[str, Any]:
    """The JSON Schema of the newest spec format (for editors' YAML language servers).

    `spec`: a whole spec in one file; `file`: one file of a spec in several files (docs/teams.md:
    nothing is required of one file, the files together must make a spec); `overlay`: an overlay,
    a partial spec plus `alerts:` (changes to alerts by name, "*" for all), whose mappings merge
    into the spec's, so nothing is required at its top level nor in an alert's changes."""
    from callalert.spec.fielddocs import apply
    from callalert.spec.formats import FORMATS, LATEST

    schema = apply(FORMATS[LATEST].model_json_schema(by_alias=True))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"callalert spec (version {LATEST})"
    if kind == "spec":
        return schema
    schema.pop("required", None)
    if kind == "file":
        schema["title"] = f"callalert spec file (version {LATEST}): one of the files of a spec"
        return schema
    schema["title"] = f"callalert overlay (spec version {LATEST})"
    changes = {k: v for k, v in schema["$defs"]["Alert"].items() if k != "required"}
    changes["title"] = "AlertChanges"
    schema["$defs"]["AlertChanges"] = changes
    schema["properties"]["alerts"] = {
        "type": "object",
        "title": "Alerts",
        "description": 'Changes to alerts wherever they are, by alert name ("*": every alert, applied first).',
        "additionalProperties": {"$ref": "#/$defs/AlertChanges"},
    }
    return schema
