"""Every command's problem output, one set of formats: text, json, github, sarif, gitlab, checkstyle, junit.

text        `path:line:col: level: key.path: message [rule-id]` plus a `fix:` line (yamllint's parsable format)
json        a list of objects with path, line, column, level, rule, message, fix
github      GitHub Actions workflow commands (annotations on the pull request)
sarif       SARIF 2.1.0, for code-scanning uploads; rule descriptors come from the rule registry
gitlab      GitLab Code Quality report (artifacts:reports:codequality): a JSON list of issues, each with a
            fingerprint that stays the same when unrelated lines move
checkstyle  Checkstyle XML (Jenkins warnings-ng, reviewdog, many CI dashboards)
junit       JUnit XML: one test suite per file given, one failing test case per error or warning (an info
            is a passing case with its message), a passing case for a file without problems
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
from collections.abc import Sequence
from json.encoder import encode_basestring
from typing import TextIO

from callalert.diagnostics import RULES, Problem
from callalert.errors import UsageError

FORMATS = ("text", "json", "github", "sarif", "gitlab", "checkstyle", "junit")
# formats whose output is one document a CI step parses: commands write anything else to stderr then
MACHINE_FORMATS = frozenset({"json", "sarif", "gitlab", "checkstyle", "junit"})
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_GITHUB_KIND = {"error": "error", "warning": "warning", "info": "notice"}
_GITLAB_SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def check_format(fmt: str, formats: Sequence[str] = FORMATS) -> str:
    if fmt not in formats:
        raise UsageError(f"unknown --format {fmt!r}; choose one of {', '.join(formats)}")
    return fmt


def render_text(problems: Sequence[Problem]) -> str:
    return "".join(p.format() + "\n" for p in problems)


def render_json(problems: Sequence[Problem]) -> str:
    return dumps([p.as_json() for p in problems]) + "\n"


class _Unusual(Exception):
    """A value `dumps` leaves to the json module (a key that is not a string, a type of its own)."""


_MAX_DEPTH = 64


def dumps(value: object) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)`, the same text, in a third of the time for the
    reports' plain data (with an indent, the json module encodes in Python, generator by generator:
    0.15 s for the SARIF of 8,000 findings). Anything unusual is handed to json.dumps itself."""
    out: list[str] = []
    try:
        _dump(value, out, "", 0)
    except _Unusual:
        return json.dumps(value, indent=2, ensure_ascii=False)
    return "".join(out)


def _dump(value: object, out: list[str], indent: str, depth: int) -> None:
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif type(value) is float and math.isfinite(value):  # a subclass may compare in its own way: json.dumps decides
        out.append(float.__repr__(value))
    elif isinstance(value, (list, tuple, dict)) and depth < _MAX_DEPTH:
        if not value:
            out.append("{}" if isinstance(value, dict) else "[]")
            return
        inner = indent + "  "
        between = ",\n" + inner
        if isinstance(value, dict):
            out.append("{\n" + inner)
            for n, (key, item) in enumerate(value.items()):
                if not isinstance(key, str):
                    raise _Unusual
                if n:
                    out.append(between)
                out.append(encode_basestring(key) + ": ")
                _dump(item, out, inner, depth + 1)
            out.append("\n" + indent + "}")
        else:
            out.append("[\n" + inner)
            for n, item in enumerate(value):
                if n:
                    out.append(between)
                _dump(item, out, inner, depth + 1)
            out.append("\n" + indent + "]")
    else:  # NaN and infinities, deep nesting, other types: json.dumps says what they are
        raise _Unusual


def gh_escape(value: str, prop: bool = False) -> str:
    """Text as a GitHub workflow command carries it (a property also escapes `:` and `,`)."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def render_github(problems: Sequence[Problem]) -> str:
    lines = []
    for p in problems:
        msg = p.text + (f"\nfix: {p.fix}" if p.fix else "")
        lines.append(
            f"::{_GITHUB_KIND[p.level]} file={gh_escape(p.path, True)},line={p.line},col={p.col},"
            f"title={gh_escape(p.rule, True)}::{gh_escape(msg)}"
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


def gitlab(problems: Sequence[Problem]) -> list[dict[str, object]]:
    """GitLab Code Quality issues. The fingerprint hashes the file, rule, key path and message (not the
    line), so an issue keeps its identity between the branch and its target when other lines move; the
    same finding twice in a file gets `#2` added."""
    out: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for p in problems:
        base = "\0".join((p.path, p.rule, p.key, p.message))
        n = seen[base] = seen.get(base, 0) + 1
        fingerprint = hashlib.sha256((base + (f"#{n}" if n > 1 else "")).encode()).hexdigest()[:32]
        out.append(
            {
                "type": "issue",
                "check_name": p.rule,
                "description": p.text + (f" (fix: {p.fix})" if p.fix else ""),
                "categories": ["Bug Risk" if p.level == "error" else "Style" if p.level == "info" else "Clarity"],
                "severity": _GITLAB_SEVERITY[p.level],
                "fingerprint": fingerprint,
                "location": {
                    "path": p.path.replace("\\", "/"),
                    "positions": {"begin": {"line": max(p.line, 1), "column": max(p.col, 1)}},
                    "lines": {"begin": max(p.line, 1)},
                },
            }
        )
    return out


# XML 1.0 has no control characters besides tab and newlines; a message never needs them
_XML_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml(text: str) -> str:
    """`text` in an XML attribute or element: control characters dropped, & < > " escaped."""
    text = _XML_CONTROL.sub("", text)
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace('"', "&quot;")


def checkstyle(problems: Sequence[Problem], files: Sequence[str] = ()) -> str:
    """Checkstyle XML: one <file> per file (files without problems too), one <error> per problem."""
    by_file: dict[str, list[Problem]] = {f: [] for f in files}
    for p in problems:
        by_file.setdefault(p.path, []).append(p)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<checkstyle version="4.3">']
    for path in sorted(by_file):
        lines.append(f'  <file name="{_xml(path)}">')
        for p in by_file[path]:
            message = p.text + (f" (fix: {p.fix})" if p.fix else "")
            lines.append(
                f'    <error line="{max(p.line, 1)}" column="{max(p.col, 1)}" severity="{p.level}" '
                f'message="{_xml(message)}" source="callalert.{_xml(p.rule)}"/>'
            )
        lines.append("  </file>")
    lines.append("</checkstyle>")
    return "\n".join(lines) + "\n"


def junit(problems: Sequence[Problem], files: Sequence[str] = (), tool: str = "callalert") -> str:
    """JUnit XML: a test suite per file, a failing test case per error or warning, a passing one per
    info (its message as output) and for a file without problems."""
    by_file: dict[str, list[Problem]] = {f: [] for f in files}
    for p in problems:
        by_file.setdefault(p.path, []).append(p)
    if not by_file:
        by_file[tool] = []
    suites = []
    total = failures = 0
    for path in sorted(by_file):
        cases = []
        found = by_file[path]
        suite_failures = sum(1 for p in found if p.level != "info")
        names: dict[str, int] = {}
        for p in found:
            base = f"{p.line}:{p.col} {p.rule}" + (f" {p.key}" if p.key else "")
            n = names[base] = names.get(base, 0) + 1
            name = _xml(base + (f" #{n}" if n > 1 else ""))
            text = _xml(p.format())
            if p.level == "info":
                cases.append(
                    f'    <testcase classname="{_xml(tool)}.{_xml(path)}" name="{name}"><system-out>{text}</system-out></testcase>'
                )
            else:
                cases.append(
                    f'    <testcase classname="{_xml(tool)}.{_xml(path)}" name="{name}">'
                    f'<failure type="{p.level}" message="{_xml(p.text)}">{text}</failure></testcase>'
                )
        if not found:
            cases.append(f'    <testcase classname="{_xml(tool)}.{_xml(path)}" name="no problems"/>')
        total += len(cases)
        failures += suite_failures
        suites.append(
            f'  <testsuite name="{_xml(path)}" tests="{len(cases)}" failures="{suite_failures}" errors="0" skipped="0">\n'
            + "\n".join(cases)
            + "\n  </testsuite>"
        )
    head = f'<testsuites name="{_xml(tool)}" tests="{total}" failures="{failures}" errors="0">'
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + head + "\n" + "\n".join(suites) + "\n</testsuites>\n"


def render(problems: Sequence[Problem], fmt: str, tool: str = "callalert", files: Sequence[str] = ()) -> str:
    """`files`: what was checked (checkstyle and junit list a file without problems too)."""
    if fmt == "json":
        return render_json(problems)
    if fmt == "github":
        return render_github(problems)
    if fmt == "sarif":
        return dumps(sarif(problems, tool)) + "\n"
    if fmt == "gitlab":
        return dumps(gitlab(problems)) + "\n"
    if fmt == "checkstyle":
        return checkstyle(problems, files)
    if fmt == "junit":
        return junit(problems, files, tool)
    return render_text(problems)


def emit(
    problems: Sequence[Problem], fmt: str, stream: TextIO | None = None, tool: str = "callalert", files: Sequence[str] = ()
) -> None:
    """Write problems to stdout in `fmt`. Text with no problems writes nothing; machine formats
    always write a document (an empty list / run), so a CI step can parse it."""
    (stream or sys.stdout).write(render(problems, check_format(fmt), tool, files))
