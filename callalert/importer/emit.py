"""The spec import writes: keys in the spec's own order, deterministic YAML, a header naming the
sources; one file, or one per rule group or per `team` label (`--split`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from callalert.model.resolve import file_name_for_group
from callalert.render.yamlout import dump
from callalert.spec import v1

HEADER_PREFIX = "# Imported by callalert from "
SPLITS = ("none", "group", "team")
MAIN_FILE = "specs.yaml"


def header(sources: Sequence[str]) -> str:
    return (
        f"{HEADER_PREFIX}{', '.join(sources)} (`callalert import`). Comments of the sources are not carried.\n"
        "# Check it with `callalert validate`, prove it with `callalert check`.\n"
    )


def _order(data: dict[str, Any], model: type[Any]) -> dict[str, Any]:
    names = [(info.alias or name) for name, info in model.model_fields.items()]
    return {k: data[k] for k in names if k in data} | {k: v for k, v in data.items() if k not in names}


def ordered_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` with its top-level keys and `defaults` in the order the spec reference lists them."""
    data = _order(spec, v1.Spec)
    if "defaults" in data:
        data["defaults"] = _order(data["defaults"], v1.Defaults)
    return data


def document(spec: dict[str, Any], sources: Sequence[str]) -> str:
    return header(sources) + dump(ordered_spec(spec))


def _team(group: dict[str, Any]) -> str | None:
    """The one `team` label of a group's alerts (None: none, or several)."""
    teams: set[str | None] = set()
    group_team = (group.get("labels") or {}).get("team")
    items = [*group.get("alerts", []), *(r for r in group.get("alerts_and_records", []) if "record" not in r)]
    if not items:
        return group_team if isinstance(group_team, str) else None
    for item in items:
        team = (item.get("labels") or {}).get("team", group_team)
        teams.add(team)
    if len(teams) == 1:
        found = teams.pop()
        return found if found else None
    return None


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "x"


def split(spec: dict[str, Any], how: str, sources: Sequence[str]) -> dict[str, str]:
    """{relative path: text}: `specs.yaml` (everything but the split-off groups), and for `group`
    `groups/<group>.yaml`, for `team` `teams/<team>.yaml` holding the groups whose rules all carry
    that `team` label. The files form one spec: `callalert validate specs.yaml groups/*.yaml`."""
    if how == "none":
        return {MAIN_FILE: document(spec, sources)}
    groups: list[dict[str, Any]] = spec.get("groups", [])
    main = {k: v for k, v in spec.items() if k != "groups"}
    parts: dict[str, list[dict[str, Any]]] = {}
    kept: list[dict[str, Any]] = []
    for group in groups:
        if how == "group":
            base = _slug(file_name_for_group(str(group.get("file") or group["name"])))
            if group.get("file"):
                base = _slug(f"{group['file']}--{group['name']}")
            name, n = f"groups/{base}.yaml", 2
            while name in parts:
                name = f"groups/{base}-{n}.yaml"
                n += 1
            parts[name] = [group]
        else:
            team = _team(group)
            if team is None:
                kept.append(group)
            else:
                parts.setdefault(f"teams/{_slug(team)}.yaml", []).append(group)
    if kept:
        main["groups"] = kept
    files = {MAIN_FILE: document(main, sources)}
    for name, part in parts.items():
        files[name] = document({"version": 1, "groups": part}, sources)
    return files


def spec_paths(files: dict[str, str]) -> list[str]:
    """The spec files among `files`, main file first (the order they form one spec in)."""
    return [MAIN_FILE, *sorted(k for k in files if k != MAIN_FILE and PurePosixPath(k).parts[0] != "templates")]
