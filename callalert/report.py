"""Every command's problem output, one set of formats: text, json, github, sarif.

text    `path:line:col: level: key.path: message [rule-id]` plus a `fix:` line (yamllint's parsable format)
json    a list of objects with path, line, column, level, rule, message, fix
github  GitHub Actions workflow commands (annotations on the pull request)
sarif   SARIF 2.1.0, for code-scanning uploads; rule descriptors come from the rule registry
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TextIO

from callalert.diagnostics import RULES, Problem
from callalert.errors import UsageError

FORMATS = ("text", "json", "github", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_GITHUB_KIND = {"error": "error", "warning": "warning", "info": "notice"}


def check_format(fmt: str, formats: Sequence[str] = FORMATS) -> str:
    if fmt not in formats:
        raise UsageError(f"unknown --format {fmt!r}; choose one of {', '.join(formats)}")
    return fmt


def render_text(problems: Sequence[Problem]) -> str:
    return "".join(p.format() + "\n" for p in problems)


def render_json(problems: Sequence[Problem]) -> str:
    return json.dumps([p.as_json() for p in problems], indent=2, ensure_ascii=False) + "\n"


def _gh_escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def render_github(problems: Sequence[Problem]) -> str:
    lines = []
    for p in problems:
        msg = p.text + (f"\nfix: {p.fix}" if p.fix else "")
        lines.append(
            f"::{_GITHUB_KIND[p.level]} file={_gh_escape(p.path, True)},line={p.line},col={p.col},"
            f"title={_gh_escape(p.rule, True)}::{_gh_escape(msg)}"
        )
    return "".join(line + "\n" for line in lines)


def sarif(problems: Sequence[Problem], tool: str = "callalert") -> dict[str, object]:
    from callalert import __version__

    ids = sorted({rule.id for rule in RULES} | {p.rule for p in problems})
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    descriptors = []
    for rule_id in ids:
        info = RULES.get(rule_id)
        desc: dict[str, object] = {"id": rule_id}
        if info is not None:
            desc["shortDescription"] = {"text": info.summary}
            desc["defaultConfiguration"] = {"level": _SARIF_LEVEL[info.level]}
            if info.why:
                desc["fullDescription"] = {"text": info.why}
                help_text = info.why
                if info.bad or info.good:
                    help_text += f"\nBad:\n{info.bad}\nGood:\n{info.good}"
                desc["help"] = {"text": help_text}
        else:
            desc["shortDescription"] = {"text": rule_id}
        descriptors.append(desc)
    results = []
    for p in problems:
        message = p.text + (f" (fix: {p.fix})" if p.fix else "")
        results.append(
            {
                "ruleId": p.rule,
                "ruleIndex": index[p.rule],
                "level": _SARIF_LEVEL[p.level],
                "message": {"text": message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": p.path.replace("\\", "/")},
                            "region": {"startLine": max(p.line, 1), "startColumn": max(p.col, 1)},
                        }
                    }
                ],
            }
        )
    driver = {
        "name": tool,
        "version": __version__,
        "informationUri": "https://github.com/callalert/callalert",
        "rules": descriptors,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{"tool": {"driver": driver}, "results": results}]}


def render(problems: Sequence[Problem], fmt: str, tool: str = "callalert") -> str:
    if fmt == "json":
        return render_json(problems)
    if fmt == "github":
        return render_github(problems)
    if fmt == "sarif":
        return json.dumps(sarif(problems, tool), indent=2, ensure_ascii=False) + "\n"
    return render_text(problems)


def emit(problems: Sequence[Problem], fmt: str, stream: TextIO | None = None, tool: str = "callalert") -> None:
    """Write problems to stdout in `fmt`. Text with no problems writes nothing; machine formats
    always write a document (an empty list / run), so a CI step can parse it."""
    (stream or sys.stdout).write(render(problems, check_format(fmt), tool))
