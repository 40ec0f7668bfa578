"""`alertmanager/silences.json` for `amtool silence import`, and the marker that makes a silence
callalert's own.

A silence callalert manages ends its comment with ` [callalert:<key>]`; <key> is the first 12 hex
digits of the SHA-256 of the silence's matchers (normalised, sorted, newline-joined), so editing
times or comment keeps the key while editing matchers makes a new silence. silences.json carries
the same marked comments as `callalert silences apply` creates, so a silence imported with amtool
is recognised by `silences plan|apply` (unchanged) instead of being created a second time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from callalert.analysis.alertmanager.delivery import SilenceWindow
from callalert.analysis.alertmanager.matchers import parse_matcher
from callalert.analysis.times import as_utc, rfc3339
from callalert.analysis.versions import am_go, am_matcher_mode
from callalert.diagnostics import format_key
from callalert.model import Model, Silence


def silence_key(matchers: Sequence[str]) -> str:
    canonical = "\n".join(sorted(str(parse_matcher(m)) for m in matchers))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def marked(comment: str, key: str) -> str:
    return f"{comment} [callalert:{key}]"


def silence_keys(silences: Sequence[Silence]) -> list[str]:
    """The key of each spec silence; two silences with the same matchers still get distinct,
    stable keys (by order: `<key>-2`, `<key>-3`)."""
    keys: list[str] = []
    seen: dict[str, int] = {}
    for s in silences:
        key = silence_key(s.matchers)
        n = seen[key] = seen.get(key, 0) + 1
        keys.append(key if n == 1 else f"{key}-{n}")
    return keys


def silence_windows(model: Model) -> list[SilenceWindow]:
    """The spec's silences as Alertmanager applies them (routing tests, routes test --at, drill)."""
    mode, go = am_matcher_mode(model.am_version), am_go(model.am_version)
    return [
        SilenceWindow(format_key(s.key), tuple(s.matchers), as_utc(s.starts_at), as_utc(s.ends_at), mode, go)
        for s in model.silences
    ]


def silences_data(model: Model) -> list[dict[str, Any]]:
    out = []
    mode, go = am_matcher_mode(model.am_version), am_go(model.am_version)
    for silence, key in zip(model.silences, silence_keys(model.silences), strict=True):
        matchers = []
        for text in silence.matchers:
            m = parse_matcher(text, mode, go)
            matchers.append({"name": m.name, "value": m.value, "isRegex": m.op in ("=~", "!~"), "isEqual": m.op in ("=", "=~")})
        out.append(
            {
                "matchers": matchers,
                "startsAt": rfc3339(silence.starts_at),
                "endsAt": rfc3339(silence.ends_at),
                "createdBy": silence.created_by,
                "comment": marked(silence.comment, key),
            }
        )
    return out


def render(model: Model) -> dict[str, str]:
    if not model.silences:
        return {}
    return {"alertmanager/silences.json": json.dumps(silences_data(model), indent=2, ensure_ascii=False) + "\n"}
