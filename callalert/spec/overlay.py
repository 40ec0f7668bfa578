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
from callalert.diagnostics import KeyPath, Problem, did_you_mean
from callalert.errors import UsageError
from callalert.spec.load import Document, Merged, load_file
from callalert.spec.read import InputError, display

ALERTS_KEY = "alerts"


Provenance = dict[KeyPath, tuple[Document, KeyPath]]


def _merge(base: Any, over: Any, path: KeyPath, opath: KeyPath, doc: Document, provenance: Provenance) -> Any:
    """`over` merged into `base`; every value the overlay sets is recorded in `provenance`
    (merged key path -> the overlay and its key path), so problems in it point at the overlay."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            kpath, kopath = (*path, key), (*opath, key)
            if key in base and isinstance(base[key], dict) and isinstance(value, dict):
                out[key] = _merge(base[key], value, kpath, kopath, doc, provenance)
            else:
                out[key] = copy.deepcopy(value)
                provenance[kpath] = (doc, kopath)
        return out
    provenance[path] = (doc, opath)
    return copy.deepcopy(over)


def load_overlays(paths: Sequence[Path]) -> list[Document]:
    docs = []
    for path in paths:
        try:
            docs.append(load_file(path))
        except InputError as exc:
            if exc.kind == "encoding":
                docs.append(Document(str(path), None, None, [exc.problem()]))
            elif exc.kind in ("missing", "directory"):
                raise UsageError(
                    f"overlay file not found: {display(path)}" + (" (it is a directory)" if exc.kind == "directory" else "")
                ) from None
            else:
                raise UsageError(f"--overlay: {exc}") from None
    return docs


def apply_overlays(merged: Merged, overlays: Sequence[Document]) -> list[Problem]:
    """Apply `overlays` to `merged.data` in order; positions of what they set point into them."""
    problems: list[Problem] = []
    result = merged.data
    provenance: Provenance = merged.provenance
    for doc in overlays:
        problems.extend(doc.problems)
        if doc.data is None:
            continue
        if not isinstance(doc.data, dict):
            line, col = doc.position(())
            problems.append(d.problem(doc.path, line, col, "an overlay must be a mapping (a partial spec)", d.OVERLAY))
            continue
        over = dict(doc.data)
        alert_changes = over.pop(ALERTS_KEY, None)
        result = _merge(result, over, (), (), doc, provenance)
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
        alerts: list[tuple[KeyPath, dict[str, Any]]] = []
        for gi, group in enumerate(result.get("groups") or [] if isinstance(result.get("groups"), list) else []):
            if isinstance(group, dict) and isinstance(group.get("alerts"), list):
                for ai, alert in enumerate(group["alerts"]):
                    if isinstance(alert, dict):
                        alerts.append((("groups", gi, "alerts", ai), alert))
        names = [str(a.get("name")) for _, a in alerts]
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
            targets = alerts if name == "*" else [(k, a) for k, a in alerts if a.get("name") == name]
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
            for key, alert in targets:
                changed = _merge(alert, change, key, (ALERTS_KEY, name), doc, provenance)
                alert.clear()
                alert.update(changed)
    merged.data = result
    return problems
