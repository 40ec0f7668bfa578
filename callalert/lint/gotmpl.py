"""A small Go text/template scanner: defines, template calls, functions, field chains, label reads.

callalert/gotemplate.py (another engineer's) did not exist when lint was written; this is the
subset lint needs. It does not track what `.` is (range/with change it), so callers only act on
what is unambiguous: capitalised first fields, label-map reads through known map fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_COMMENT = re.compile(r"\{\{-?\s*/\*.*?\*/\s*-?\}\}", re.S)
_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.S)
_TOKEN = re.compile(
    r"""(?P<str>"(?:[^"\\\n]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)*')
      |(?P<var>\$[A-Za-z0-9_]*)(?P<varfields>(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
      |(?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+)
      |(?P<ident>[A-Za-z_][A-Za-z0-9_]*)
      |(?P<num>[0-9][0-9a-fA-FxX._]*)
      |(?P<other>\S)""",
    re.X | re.S,
)

KEYWORDS = frozenset({"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue", "nil", "true", "false"})
# text/template's predefined functions (Go 1.18+ has break/continue as keywords, not functions).
GO_BUILTINS = frozenset({"and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println",
                         "urlquery", "eq", "ge", "gt", "le", "lt", "ne"})
# Maps of template.Data / template.Alert whose keys are label (or annotation) names.
LABEL_MAPS = frozenset({"Labels", "CommonLabels", "GroupLabels"})
ANNOTATION_MAPS = frozenset({"Annotations", "CommonAnnotations"})
# Field and method names reachable from Alertmanager's template data (template/template.go):
# Data, Alert, Alerts (Firing/Resolved), KV (SortedPairs/Names/Values/Remove), Pairs, Pair.
AM_FIELDS = frozenset({
    "Receiver", "Status", "Alerts", "GroupLabels", "CommonLabels", "CommonAnnotations", "ExternalURL",
    "Labels", "Annotations", "StartsAt", "EndsAt", "GeneratorURL", "Fingerprint",
    "Firing", "Resolved", "SortedPairs", "Names", "Values", "Remove", "Name", "Value",
})


@dataclass(frozen=True)
class Ref:
    name: str
    line: int
    col: int


@dataclass
class TemplateScan:
    defines: list[Ref] = field(default_factory=list)
    calls: list[Ref] = field(default_factory=list)
    functions: list[Ref] = field(default_factory=list)
    fields: list[tuple[tuple[str, ...], int, int]] = field(default_factory=list)  # `.A.B` and `$.A.B` chains
    label_reads: list[tuple[str, str, int, int]] = field(default_factory=list)  # (map, label, line, col)
    var_reads: list[tuple[str, str, int, int]] = field(default_factory=list)  # ($labels, instance, ...)


def _line_col(text: str, pos: int, line_starts: list[int]) -> tuple[int, int]:
    import bisect

    i = bisect.bisect_right(line_starts, pos) - 1
    return i + 1, pos - line_starts[i] + 1


def _blank(match: re.Match[str]) -> str:
    return "".join(ch if ch == "\n" else " " for ch in match.group(0))


def actions(text: str) -> Iterator[tuple[int, str]]:
    """(offset of the action body, body) for every {{ }} action, comments removed."""
    clean = _COMMENT.sub(_blank, text) if "/*" in text else text
    for match in _ACTION.finditer(clean):
        yield match.start(2), match.group(2)


def scan(text: str) -> TemplateScan:
    out = TemplateScan()
    if "{{" not in text:
        return out
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    for base, body in actions(text):
        tokens = list(_TOKEN.finditer(body))
        for i, tok in enumerate(tokens):
            kind = tok.lastgroup if tok.lastgroup not in ("varfields",) else "var"
            if tok.group("var") is not None:
                kind = "var"
            line, col = _line_col(text, base + tok.start(), line_starts)
            prev = tokens[i - 1] if i else None
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if kind == "ident":
                name = tok.group("ident")
                if name in ("define", "template", "block") and nxt is not None and nxt.group("str") is not None:
                    ref = Ref(nxt.group("str")[1:-1], line, col)
                    (out.defines if name == "define" else out.calls).append(ref)
                    if name == "block":
                        out.defines.append(ref)
                    continue
                if name in KEYWORDS:
                    continue
                if prev is not None and prev.group("other") == ")" :
                    continue
                out.functions.append(Ref(name, line, col))
                if name == "index" and nxt is not None and i + 2 < len(tokens):
                    target, key = nxt, tokens[i + 2]
                    chain = _chain(target)
                    if chain and key.group("str") is not None and chain[-1] in LABEL_MAPS | ANNOTATION_MAPS:
                        out.label_reads.append((chain[-1], key.group("str")[1:-1], line, col))
                    var = target.group("var")
                    if var in ("$labels", "$externalLabels") and not target.group("varfields") and key.group("str") is not None:
                        out.var_reads.append((var, key.group("str")[1:-1], line, col))
            elif kind == "field":
                chain = tuple(tok.group("field")[1:].split("."))
                if prev is not None and prev.group("other") == ")":
                    continue  # (pipeline).Field: the receiver is not dot
                out.fields.append((chain, line, col))
                _record_label_read(out, chain, line, col)
            elif kind == "var":
                var = tok.group("var")
                rest = tok.group("varfields")
                chain = tuple(rest[1:].split(".")) if rest else ()
                if var == "$" and chain:
                    out.fields.append((chain, line, col))
                    _record_label_read(out, chain, line, col)
                elif chain and var in ("$labels", "$externalLabels"):
                    out.var_reads.append((var, chain[0], line, col))
                elif chain:
                    _record_label_read(out, chain, line, col)
    return out


def _chain(tok: re.Match[str]) -> tuple[str, ...]:
    if tok.group("field") is not None:
        return tuple(tok.group("field")[1:].split("."))
    if tok.group("var") is not None and tok.group("varfields"):
        return tuple(tok.group("varfields")[1:].split("."))
    return ()


def _record_label_read(out: TemplateScan, chain: tuple[str, ...], line: int, col: int) -> None:
    for j, part in enumerate(chain[:-1]):
        if part in LABEL_MAPS | ANNOTATION_MAPS:
            nxt = chain[j + 1]
            if nxt not in ("SortedPairs", "Names", "Values", "Remove"):
                out.label_reads.append((part, nxt, line, col))
            return
