"""Overlays: environment-specific changes applied to a spec before validation.

An overlay file is a partial spec. Mappings merge key by key (recursively), anything else
replaces what the spec had; so an overlay can point receivers at a staging sandbox, change
timings, or drop a silence list. Two things replace a mapping wholesale instead of merging into
it: a secret reference (`{file: ...}` or `{env: ...}`, one value: an `{env:}` in the overlay
replaces the spec's `{file:}`), and any value tagged `!replace`:

    receivers:
      payments-pager: !replace        # this receiver as written here, nothing of the spec's
        webhook_configs: [{url: http://127.0.0.1:9/pager}]

One extra key, `alerts`, changes alerts wherever they are:

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
from callalert.diagnostics import KeyPath, Problem, did_you_mean, format_key
from callalert.errors import UsageError
from callalert.spec.load import REPLACE_TAG, Document, Merged, load_file, replace_paths
from callalert.spec.read import InputError, display

ALERTS_KEY = "alerts"


Provenance = dict[KeyPath, tuple[Document, KeyPath]]


_REF_KEYS = frozenset({"file", "env"})


def _is_ref(value: Any) -> bool:
    """A secret reference: one value, never merged key by key (`{file:}` + `{env:}` is no reference)."""
    return isinstance(value, dict) and bool(value) and set(map(str, value)) <= _REF_KEYS


def _merge(
    base: Any,
    over: Any,
    path: KeyPath,
    opath: KeyPath,
    doc: Document,
    provenance: Provenance,
    replace: frozenset[KeyPath] = frozenset(),
) -> Any:
    """`over` merged into `base`; every value the overlay sets is recorded in `provenance`
    (merged key path -> the overlay and its key path), so problems in it point at the overlay.
    `replace`: the overlay's key paths tagged `!replace`, set as written instead of merged."""
    if isinstance(base, dict) and isinstance(over, dict) and opath not in replace:
        out = dict(base)
        for key, value in over.items():
            kpath, kopath = (*path, key), (*opath, key)
            old = base.get(key)
            if (
                isinstance(old, dict)
                and isinstance(value, dict)
                and kopath not in replace
                and not (_is_ref(old) and _is_ref(value))
            ):
                out[key] = _merge(old, value, kpath, kopath, doc, provenance, replace)
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
        replace = frozenset(replace_paths(doc))
        for tagged in sorted(p for p in replace if len(p) < 2 and (not p or p[0] == ALERTS_KEY)):
            line, col = doc.position(tagged)
            problems.append(
                d.problem(
                    doc.path,
                    line,
                    col,
                    f"{REPLACE_TAG} replaces one value of the spec; "
                    + (
                        "an overlay that replaced the whole spec would be a spec"
                        if not tagged
                        else "`alerts` is not a value of the spec"
                    ),
                    d.OVERLAY,
                    key=format_key(tagged),
                    fix=f"tag the values to replace, e.g. receivers: {{NAME: {REPLACE_TAG} {{...}}}}",
                )
            )
        replace = frozenset(p for p in replace if len(p) >= 2 or (p and p[0] != ALERTS_KEY))
        over = dict(doc.data)
        alert_changes = over.pop(ALERTS_KEY, None)
        result = _merge(result, over, (), (), doc, provenance, replace)
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
                changed = _merge(alert, change, key, (ALERTS_KEY, name), doc, provenance, replace)
                alert.clear()
                alert.update(changed)
    merged.data = result
    return problems
