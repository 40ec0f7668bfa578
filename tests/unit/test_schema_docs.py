"""The JSON Schema editors read: every property described, every value property with examples,
closed sets of values as enums (tests/tools/test_yaml_language_server.py drives a real editor server)."""

from __future__ import annotations

from typing import Any

from callalert.spec.fielddocs import BY_MODEL, is_value_property
from callalert.spec.reference import json_schema


def properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for model, node in [("Spec", schema), *schema["$defs"].items()]:
        out += [(f"{model}.{name}", prop) for name, prop in (node.get("properties") or {}).items()]
    return out


def test_every_property_has_a_description() -> None:
    found = properties(json_schema())
    assert len(found) > 450  # every receiver option of every integration is in the schema
    missing = [name for name, prop in found if not str(prop.get("description", "")).strip()]
    assert missing == []


def test_every_value_property_has_examples() -> None:
    missing = [name for name, prop in properties(json_schema()) if is_value_property(prop) and not prop.get("examples")]
    assert missing == []


def test_closed_sets_are_enums() -> None:
    props = dict(properties(json_schema()))
    assert props["Spec.locale"]["enum"] == ["en", "es"]
    assert props["Spec.version"]["const"] == 1
    assert set(props["TelegramConfig.parse_mode"]["anyOf"][0]["enum"]) == {"", "MarkdownV2", "Markdown", "HTML"}
    assert props["EmailThreading.thread_by_date"]["enum"] == ["daily", "none"]
    items = props["Templates.builtin"]["items"]
    assert items["enum"] == ["slack", "email", "pagerduty"]


def test_the_table_names_only_fields_that_exist() -> None:
    """A field renamed in v1.py must not leave its documentation behind under the old name."""
    names = {name for name, _ in properties(json_schema())}
    assert sorted(set(BY_MODEL) - names) == []
