"""Thanos Ruler rule files: `thanos/rules/<group>.yml`, Prometheus' rule format plus the group
option `partial_response_strategy` (warn | abort) where the spec sets it.

Thanos Ruler (`thanos rule --rule-file=thanos/rules/*.yml`, `thanos tools rules-check`) reads
them; promtool refuses `partial_response_strategy`, so these are not for Prometheus.
"""

from __future__ import annotations

from typing import Any

from callalert.model import Group, Model, ThanosTarget
from callalert.render.context import RenderContext
from callalert.render.prometheus import group_data
from callalert.render.yamlout import dump, header


def thanos_group(group: Group) -> dict[str, Any]:
    data = group_data(group)
    if group.partial_response_strategy is None:
        return data
    rules = data.pop("rules")
    data["partial_response_strategy"] = group.partial_response_strategy
    data["rules"] = rules  # after the group's options, as Thanos documents it
    return data


def render(model: Model, ctx: RenderContext, target: ThanosTarget) -> dict[str, str]:
    head = header(model.source_name)
    by_file: dict[str, list[dict[str, Any]]] = {}
    for group in model.groups:  # groups that share a rule file stay in it, in spec order
        by_file.setdefault(f"thanos/rules/{group.file_name}", []).append(thanos_group(group))
    return {path: head + dump({"groups": groups}) for path, groups in by_file.items()}
