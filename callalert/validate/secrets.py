"""Literal secrets: values that look like credentials written where a reference belongs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from callalert import diagnostics as d
from callalert.diagnostics import KeyPath, Problem, iter_strings
from callalert.model import Model
from callalert.spec.load import Merged

_SLACK_HOOK = re.compile(r"https://hooks\.slack\.com/(services|workflows|triggers)/[A-Za-z0-9/_-]+")
_SECRET_QUERY = re.compile(r"[?&](token|key|api_key|apikey|access_token|secret|password|sig|signature)=[^&\s]+", re.I)
_USERINFO = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@\s:]+:[^/@\s]+@", re.I)


def literal_secret_reason(text: str) -> str | None:
    """Why a plain string looks like a secret, or None."""
    if _SLACK_HOOK.search(text):
        return "a Slack webhook URL (its path is the token)"
    if _USERINFO.search(text):
        return "a URL with a password in it"
    match = _SECRET_QUERY.search(text)
    if match:
        return f"a URL with a credential in its query ({match.group(1)}=...)"
    return None


def check(model: Model, merged: Merged) -> Iterator[Problem]:
    sources: list[tuple[KeyPath, object]] = [(r.key, r.config) for r in model.receivers.values()]
    sources.append((("global",), {k: v for k, v in model.global_.items() if not k.startswith("smtp_")}))
    sources.append((("global", "smtp"), {k[5:]: v for k, v in model.global_.items() if k.startswith("smtp_")}))
    for key, data in sources:
        for skey, text in iter_strings(data, key):
            reason = literal_secret_reason(text)
            if reason:
                yield merged.problem(
                    skey,
                    f"plaintext secret: this value is {reason}",
                    d.PLAINTEXT_SECRET,
                    fix="move it to a file or environment variable and write {file: PATH} or {env: NAME}",
                )
