"""Overlays: environment-specific changes applied to a spec before validation.

An overlay file is a partial spec. Mappings merge key by key (recursively), anything else
replaces what the spec had; so an overlay can point receivers at a staging sandbox, change
timings, or drop a silence list. One extra key, `alerts`, changes alerts wherever they are:

    alerts:
      "*": {for: 5s}                 # every alert
      HighCallErrorRate: {for: 1s}   # one alert (applied after "*")

`callalert render|check SPEC --overlay staging.yaml` validates the result like any spec, so an
overlay can never produce output the spec itself could not.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from callalert import diagnostics as d
from callalert.diagnostics import Problem, did_you_mean
from callalert.errors import UsageError
from callalert.spec.load import Document, load_file

ALERTS_KEY = "alerts"


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(over)


def load_overlays(paths: Sequence[Path]) -> list[Document]:
    docs = []
    for path in paths:
        if not path.is_file():
            raise UsageError(f"overlay file not found: {path}")
        docs.append(load_file(path))
    return docs


def apply_overlays(data: dict[str, Any], overlays: Sequence[Document]) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    result = copy.deepcopy(data)
    for doc in overlays:
        problems.extend(doc.problems)
        if doc.data is None:
            continue
        if not isinstance(doc.data, dict):
            problems.append(d.problem(doc.path, 1, 1, "an overlay must be a mapping (a partial spec)", d.OVERLAY))
            continue
        over = dict(doc.data)
        alert_changes = over.pop(ALERTS_KEY, None)
        result = _merge(result, over)
        if alert_changes is None:
            continue
        if not isinstance(alert_changes, dict):
            line, col = doc.position((ALERTS_KEY,))
            problems.append(
                d.problem(
                    doc.path, line, col, '`alerts` maps an alert name (or "*") to the fields to change', d.OVERLAY, key=ALERTS_KEY
                )
            )
            continue
        alerts = [
            a for g in result.get("groups") or [] if isinstance(g, dict) for a in g.get("alerts") or [] if isinstance(a, dict)
        ]
        names = [str(a.get("name")) for a in alerts]
        ordered = sorted(alert_changes.items(), key=lambda kv: kv[0] != "*")
        for name, change in ordered:
            if not isinstance(change, dict):
                line, col = doc.position((ALERTS_KEY, name))
                problems.append(
                    d.problem(
                        doc.path,
                        line,
                        col,
                        f"changes for alert {name!r} must be a mapping of fields",
                        d.OVERLAY,
                        key=f"alerts.{name}",
                    )
                )
                continue
            targets = alerts if name == "*" else [a for a in alerts if a.get("name") == name]
            if not targets:
                line, col = doc.position((ALERTS_KEY, name), at_key=True)
                problems.append(
                    d.problem(
                        doc.path,
                        line,
                        col,
                        f"no alert named {name!r} in the spec{did_you_mean(str(name), names)}",
                        d.OVERLAY,
                        key=f"alerts.{name}",
                    )
                )
            for alert in targets:
                merged = _merge(alert, change)
                alert.clear()
                alert.update(merged)
    return result, problems
