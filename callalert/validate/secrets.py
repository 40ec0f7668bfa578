"""Literal secrets: values that look like credentials written where a reference belongs.

Scanned wherever a spec string ends up in an output file: receivers and `global`
(alertmanager.yml), alert labels, annotations and runbooks (rule files, runbooks), the defaults'
base URLs and the rule tests' expected annotations. A value is never echoed in the message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from urllib.parse import unquote, urlsplit

from callalert import diagnostics as d
from callalert.diagnostics import KeyPath, Problem
from callalert.model import Model, Runbook
from callalert.spec.load import Merged

_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s\"'<>]+", re.I)
_SECRET_QUERY = re.compile(r"(?:^|&)(token|key|api_key|apikey|access_token|secret|password|sig|signature)=[^&\s]+", re.I)
_SLACK_PATH = re.compile(r"/(services|workflows|triggers)/[A-Za-z0-9/_-]+")
_DISCORD_PATH = re.compile(r"/api/webhooks/\d+/[A-Za-z0-9_-]+")
_TELEGRAM_PATH = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")
# Header names whose value is a credential (email headers, http headers)
_CREDENTIAL_HEADER = re.compile(
    r"^(authorization|proxy-authorization|cookie|x-[\w-]*(token|key|secret|auth)[\w-]*|[\w-]*api[-_]?key)$", re.I
)


def _url_reason(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        password = parts.password
    except ValueError:
        return None
    path = unquote(parts.path)
    if password:
        return "a URL with a password in it"
    if host == "hooks.slack.com" and _SLACK_PATH.match(path):
        return "a Slack webhook URL (its path is the token)"
    if host in ("discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com") and _DISCORD_PATH.match(path):
        return "a Discord webhook URL (its path is the token)"
    if host.endswith(".webhook.office.com") or (host == "outlook.office.com" and path.startswith("/webhook")):
        return "a Microsoft Teams webhook URL (its path is the token)"
    if host == "api.telegram.org" and _TELEGRAM_PATH.match(path):
        return "a Telegram bot URL (its path is the token)"
    match = _SECRET_QUERY.search(unquote(parts.query))
    if match:
        return f"a URL with a credential in its query ({match.group(1)}=...)"
    return None


def literal_secret_reason(text: str) -> str | None:
    """Why a plain string looks like a secret, or None."""
    for url in _URL.findall(text):
        reason = _url_reason(url)
        if reason:
            return reason
    return None


def _header_reason(key: KeyPath, text: str) -> str | None:
    if len(key) >= 2 and key[-2] == "headers" and _CREDENTIAL_HEADER.match(str(key[-1])) and text.strip():
        if "{{" in text and not re.search(r"\b(Bearer|Basic|Token|Bot)\s+[^\s{]", text):
            return None  # a template that reads the value at run time
        return f"a credential in the {key[-1]} header"
    return None


def _has_url(rb: Runbook) -> bool:
    texts = [rb.title or "", rb.description or "", *rb.investigation, *rb.mitigation, *rb.contacts]
    texts += rb.escalation if isinstance(rb.escalation, tuple) else [rb.escalation or ""]
    return any("://" in t for t in texts)


def _sources(model: Model) -> Iterable[tuple[KeyPath, object]]:
    yield from ((r.key, r.config) for r in model.receivers.values())
    yield ("global",), {k: v for k, v in model.global_.items() if not k.startswith("smtp_")}
    yield ("global", "smtp"), {k[5:]: v for k, v in model.global_.items() if k.startswith("smtp_")}
    yield (
        ("defaults",),
        {"dashboard_base_url": model.defaults.dashboard_base_url, "runbook_base_url": model.defaults.runbook_base_url},
    )
    for alert in model.alerts:
        # only a string with `://` can hold a secret here (no header values): the rest is skipped
        # before any key path or mapping is built, thousands of alerts being the common case
        for key, _field, text in alert.text_fields():
            if "://" in text:
                yield key, text
        if any("://" in v for k, v in alert.labels.items() if k not in ("severity", "category")):
            yield (*alert.key, "labels"), {k: v for k, v in alert.labels.items() if k not in ("severity", "category")}
        if alert.own_dashboard and "://" in alert.own_dashboard:
            yield (*alert.key, "dashboard"), alert.own_dashboard
        rb = alert.runbook
        if rb is not None and _has_url(rb):
            yield (
                (*alert.key, "runbook"),
                {
                    "title": rb.title,
                    "description": rb.description,
                    "investigation": list(rb.investigation),
                    "mitigation": list(rb.mitigation),
                    "contacts": list(rb.contacts),
                    "escalation": list(rb.escalation) if isinstance(rb.escalation, tuple) else rb.escalation,
                },
            )
    for test in model.tests.rules:
        for j, exp in enumerate(test.expect):
            for k, expected in enumerate(exp.alerts):
                yield (*test.key, "expect", j, "alerts", k, "annotations"), dict(expected.annotations)


def _candidates(obj: object, key: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    """iter_strings, but only the strings that can hold a secret here: a URL (`://`) or a header value."""
    if isinstance(obj, str):
        if "://" in obj or (len(key) >= 2 and key[-2] == "headers"):
            yield key, obj
    elif isinstance(obj, Mapping):
        headers = bool(key) and key[-1] == "headers"
        for k, v in obj.items():
            if isinstance(v, str):
                if headers or "://" in v:
                    yield (*key, str(k)), v
            else:
                yield from _candidates(v, (*key, str(k)))
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            if not isinstance(v, str) or "://" in v or (bool(key) and key[-1] == "headers"):
                yield from _candidates(v, (*key, i))


def check(model: Model, merged: Merged) -> Iterator[Problem]:
    for key, data in _sources(model):
        for skey, text in _candidates(data, key):
            reason = _header_reason(skey, text) or literal_secret_reason(text)
            if reason:
                yield merged.problem(
                    skey,
                    f"plaintext secret: this value is {reason} (not shown)",
                    d.PLAINTEXT_SECRET,
                    fix="move it to a file or environment variable and write {file: PATH} or {env: NAME}"
                    if skey[0] in ("receivers", "global")
                    else "remove it: this text is written to files anyone with the output can read",
                )
