"""Spec text made safe for Markdown: table cells, fenced code, and readable titles from
Prometheus template text.

A runbook is read as Markdown (GitHub, a static site generator) and as plain text in review, so
spec values must not break its structure: a newline or `|` in a table cell splits the table,
a backtick run ends a code span early, and `{{ $labels.instance }}` is unreadable to a person
and a template tag to Jekyll (Liquid) or MkDocs macros (Jinja).
"""

from __future__ import annotations

import re

_WS_RE = re.compile(r"\s+")
_ACTION_RE = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
_FIELD_RE = re.compile(r"(?:\$labels|\.Labels|\$externalLabels|\.ExternalLabels)\.([A-Za-z_][A-Za-z0-9_]*)")
_INDEX_RE = re.compile(r"""index\s+(?:\$labels|\.Labels|\$externalLabels|\.ExternalLabels)\s+"([^"]*)\"""")
_VALUE_RE = re.compile(r"(?:\$value|\.Value)\b")
_TICKS_RE = re.compile(r"`+")
_FENCE_RE = re.compile(r"`{3,}")
_SPACES_RE = re.compile(r"[ \t]{2,}")
_CONTROL = frozenset({"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"})


def cell(text: str) -> str:
    """One table cell: whitespace runs (newlines included) collapse to one space, `|` is escaped."""
    return _WS_RE.sub(" ", text).strip().replace("|", "\\|")


def code(text: str) -> str:
    """An inline code span that survives backticks inside `text` (CommonMark: a longer fence)."""
    longest = max((len(run) for run in _TICKS_RE.findall(text)), default=0) if "`" in text else 0
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def fenced(text: str, info: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run in `text`."""
    longest = max((len(run) for run in _FENCE_RE.findall(text)), default=2) if "```" in text else 2
    fence = "`" * (longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


def placeholder(action: str) -> str:
    """What a person reads for one Prometheus template action: `<instance>` for a label,
    `<value>` for the sample value, nothing for control actions and comments."""
    body = action.strip()
    if not body or body.startswith("/*"):
        return ""
    first = body.split(None, 1)[0]
    if first in _CONTROL:
        return ""
    label = _FIELD_RE.search(body) or _INDEX_RE.search(body)
    if label:
        return f"<{label.group(1)}>"
    if _VALUE_RE.search(body):
        return "<value>"
    return "<…>"


def readable(text: str, *, as_code: bool = True) -> str:
    """Prometheus template text as a person reads it: `{{ $labels.instance }}` becomes `<instance>`,
    `{{ $value | humanizePercentage }}` becomes `<value>` (in code spans, so Markdown does not take
    them for HTML tags), control actions disappear; no `{{` is left for a site generator."""

    def sub(match: re.Match[str]) -> str:
        shown = placeholder(match.group(1))
        return code(shown) if shown and as_code else shown

    out = _ACTION_RE.sub(sub, text)
    # a lone `{{` that is no action (unclosed) must not reach a Liquid/Jinja site generator either
    out = out.replace("{{", "{ {").replace("{%", "{ %")
    return _SPACES_RE.sub(" ", out).strip()
