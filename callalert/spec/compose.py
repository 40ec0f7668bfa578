"""A later spec file's own defaults, applied to what that file defines (docs/teams.md).

`spec.load.merge` records them (`Merged.file_defaults`) and refuses what cannot be scoped; this
fills them in after the overlays, so an overlay's `defaults` still apply to the whole spec: a key an
overlay sets is not filled in from any file, and neither are routes or groups an overlay replaced.
Every value filled in is recorded in `Merged.provenance`, so a problem with it points at the file's
`defaults` line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from callalert.diagnostics import KeyPath
from callalert.spec.load import DEFAULTS_KEY, SCOPED_DEFAULTS, FileDefaults, Merged


def join_url(base: str | None, tail: str) -> str:
    if base is None or "://" in tail:
        return tail
    return base.rstrip("/") + "/" + tail.lstrip("/")


def looks_like_host(value: str) -> bool:
    """grafana.example.com/d/x: a first path segment with a dot (a relative link would start with / or a word)."""
    if "://" in value or value.startswith(("/", ".")):
        return False
    first = value.split("/", 1)[0]
    return "." in first and all(part for part in first.split("."))


def apply_file_defaults(merged: Merged, files: Sequence[FileDefaults]) -> None:
    provenance = merged.provenance

    def by_overlay(path: KeyPath) -> bool:
        return any(path[:n] in provenance for n in range(1, len(path) + 1))

    # decided before anything is filled in (filling in records provenance too)
    overridden = {key for key in SCOPED_DEFAULTS if by_overlay((DEFAULTS_KEY, key))}
    routes_replaced = by_overlay(("routing", "routes"))
    groups_replaced = by_overlay(("groups",))
    data = merged.data
    routing = data.get("routing")
    routes: Any = routing.get("routes") if isinstance(routing, dict) else None
    groups: Any = data.get("groups")
    for scope in files:
        for key, value in scope.values.items():
            if key in overridden:
                continue
            source = (scope.doc, (DEFAULTS_KEY, key))
            kind = SCOPED_DEFAULTS[key]
            if kind == "routes" and isinstance(routes, list) and not routes_replaced:
                for i in scope.routes:
                    route = routes[i] if i < len(routes) else None
                    if isinstance(route, dict) and key not in route:
                        routes[i] = {**route, key: value}
                        provenance[("routing", "routes", i, key)] = source
                        merged.filled.add(("routing", "routes", i, key))
            elif kind == "groups" and isinstance(groups, list) and not groups_replaced:
                for i in scope.groups:
                    group = groups[i] if i < len(groups) else None
                    if isinstance(group, dict) and "interval" not in group:
                        groups[i] = {**group, "interval": value}
                        provenance[("groups", i, "interval")] = source
                        merged.filled.add(("groups", i, "interval"))
            elif kind == "alerts" and isinstance(groups, list) and not groups_replaced and isinstance(value, str):
                _dashboards(merged, scope, groups, value, source, by_overlay)


def _dashboards(
    merged: Merged, scope: FileDefaults, groups: list[Any], base: str, source: tuple[Any, KeyPath], by_overlay: Any
) -> None:
    """An alert of the file without `dashboard` links the file's base; a path is joined to it."""
    for gi in scope.groups:
        group = groups[gi] if gi < len(groups) else None
        if not isinstance(group, dict) or not isinstance(group.get("alerts"), list):
            continue
        alerts: list[Any] = group["alerts"]
        changed = list(alerts)
        for ai, alert in enumerate(alerts):
            path: KeyPath = ("groups", gi, "alerts", ai, "dashboard")
            if not isinstance(alert, dict) or by_overlay(path):
                continue
            own = alert.get("dashboard")
            if own is None:
                link = base
            elif isinstance(own, str) and "://" not in own and not looks_like_host(own):
                link = join_url(base, own)
            else:
                continue  # absolute, or a host without https:// (resolve warns about that one)
            changed[ai] = {**alert, "dashboard": link}
            if own is None:  # a joined path stays positioned at the alert's own `dashboard`
                merged.provenance[path] = source
                merged.filled.add(path)
        groups[gi] = {**group, "alerts": changed}
