"""What an alert's expression returns while it fires, and how Prometheus fills an annotation
template with that value: sample data for `check`'s template renders and for `drill`.

An approximation of Prometheus' template expansion (rules/manager.go, template/template.go):
`$value` with humanize, humanizePercentage, humanizeDuration, printf; `$labels.x`;
`$externalLabels.x`. Anything else renders as "".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_ACTION_RE = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
_COMPARISON_RE = re.compile(r"(>=|<=|==|!=|>|<)\s*(?:bool\s+)?([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*\)*\s*$")


def plausible_value(expr: str) -> float:
    """A value the alert's expression would return while firing, from its final comparison."""
    match = _COMPARISON_RE.search(expr)
    if match is None:
        return 1.0
    op, number = match.group(1), float(match.group(2))
    if op in (">", ">="):
        return number * 1.5 if number > 0 else number + 1
    if op in ("<", "<="):
        return number * 0.5 if number > 0 else (number * 1.5 if number < 0 else -1.0)
    if op == "==":
        return number
    return number + 1


def _go_float(value: float) -> str:
    # Go's %v of a float64 (strconv 'g' with the shortest repr, no exponent for ordinary values)
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def _humanize(value: float) -> str:
    prefixes = [(1e24, "Y"), (1e21, "Z"), (1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
    if value == 0 or abs(value) >= 1:
        for factor, prefix in prefixes:
            if abs(value) >= factor:
                return f"{value / factor:.4g}{prefix}"
        return f"{value:.4g}"
    for factor, prefix in [(1e-3, "m"), (1e-6, "u"), (1e-9, "n"), (1e-12, "p")]:
        if abs(value) >= factor:
            return f"{value / factor:.4g}{prefix}"
    return f"{value:.4g}"


def render_prometheus_text(
    text: str,
    value: float,
    labels: Mapping[str, str],
    external: Mapping[str, str],
    missing: Callable[[str], str] = lambda name: "",
) -> str:
    """Fill an annotation the way Prometheus would for sample data: `$value` (with humanize,
    humanizePercentage, printf), `$labels.x`, `$externalLabels.x`. Other actions become "".
    A label the alert does not have renders as `missing(name)` (Prometheus: "")."""

    def action(match: re.Match[str]) -> str:
        body = match.group(1).strip()
        if body.startswith("/*"):
            return ""
        parts = [p.strip() for p in body.split("|")]
        head = parts[0]
        label = re.fullmatch(r"(?:\$labels|\.Labels)\.([a-zA-Z_]\w*)", head)
        if label:
            return labels[label.group(1)] if label.group(1) in labels else missing(label.group(1))
        ext = re.fullmatch(r"\$externalLabels\.([a-zA-Z_]\w*)", head)
        if ext:
            return external.get(ext.group(1), "")
        printf = re.fullmatch(r'printf\s+"([^"]*)"\s+(?:\$value|\.Value)', head)
        if printf:
            try:
                return printf.group(1) % value
            except (TypeError, ValueError):
                return _go_float(value)
        if head not in ("$value", ".Value"):
            return ""
        out: str | float = value
        for fn in parts[1:]:
            if fn == "humanize":
                out = _humanize(float(out))
            elif fn == "humanizePercentage":
                out = f"{float(out) * 100:.4g}%"
            elif fn == "humanize1024":
                out = f"{float(out):.4g}"
            elif fn == "humanizeDuration":
                out = f"{float(out):.4g}s"
            elif fn.startswith("printf"):
                fmt = re.fullmatch(r'printf\s+"([^"]*)"', fn)
                out = fmt.group(1) % float(out) if fmt else out
        return _go_float(out) if isinstance(out, float) else out

    return _ACTION_RE.sub(action, text)
