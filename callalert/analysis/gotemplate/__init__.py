"""Static analysis of Go text/template sources: Alertmanager notification templates and
Prometheus rule annotations.

The lexer and parser follow Go 1.19's text/template/parse (the Go that built the amtool 0.25 and
promtool 2.42 we verify against): the same tokens, the same parse errors with the same messages,
and undefined variables rejected at parse time. Nothing is executed. On top of the parse tree a
small type walk tracks what `.` is (Alertmanager's template.Data, an Alert inside
`range .Alerts`, ...) so field chains can be checked and label/annotation reads collected.

Functions are not checked while parsing (Go does check them, against the function map of the
program); `undefined_functions` does that against a catalog per tool and version.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import NamedTuple

from callalert.errors import CallalertError
from callalert.analysis.versions import (
    AM_TEMPLATE_FUNCS,
    DEFAULT_ALERTMANAGER,
    Version,
)

# --------------------------------------------------------------------------------------------
# Public data


class Position(NamedTuple):
    line: int
    col: int


class TemplateSyntaxError(CallalertError):
    """A parse error Go would raise. `line`/`col` point at the offending token; `go_line` is the
    line Go itself reports (the furthest token it had read), which can differ for multi-line actions."""

    def __init__(self, message: str, line: int, col: int, name: str = "", go_line: int | None = None) -> None:
        self.message = message
        self.line = line
        self.col = col
        self.name = name
        self.go_line = line if go_line is None else go_line
        where = f"{name}:{line}:{col}" if name else f"{line}:{col}"
        super().__init__(f"{where}: {message}")


class FuncRef(NamedTuple):
    name: str
    pos: Position
    builtin: bool


class TemplateCall(NamedTuple):
    name: str
    pos: Position
    kind: str  # "template" or "block"


class VarRef(NamedTuple):
    name: str
    pos: Position
    declared: bool  # True where `$x :=` / `$x =` / range declares it


@dataclass(frozen=True)
class FieldRef:
    chain: tuple[str, ...]
    context: str  # type the chain starts from: "Data", "Alert", "any", ...
    base: str  # ".", "$", "$name" or "(...)"
    pos: Position  # of the first chain element
    positions: tuple[Position, ...]  # one per chain element
    template: str  # enclosing define/block name, "" at top level


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str
    pos: Position
    template: str = ""


@dataclass(frozen=True)
class LabelRead:
    kind: str  # "label", "annotation" or "external_label"
    name: str  # "*" when the whole set is read (ranged over, printed, SortedPairs, ...)
    pos: Position
    via: str  # "Labels", "CommonLabels", "GroupLabels", "Annotations", "CommonAnnotations", "$labels", ...


@dataclass
class TemplateInfo:
    name: str
    kind: str  # "alertmanager" or "prometheus"
    defines: dict[str, Position] = field(default_factory=dict)
    template_calls: list[TemplateCall] = field(default_factory=list)
    functions: list[FuncRef] = field(default_factory=list)
    fields: list[FieldRef] = field(default_factory=list)
    variables: list[VarRef] = field(default_factory=list)
    label_reads: list[LabelRead] = field(default_factory=list)
    define_context: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Catalogs

GO_BUILTINS = frozenset(
    "and call html index slice js len not or print printf println urlquery eq ge gt le lt ne".split()
)

# Names Prometheus 2.42 defines for rule templates (template/template.go NewTemplateExpander),
# checked one by one with promtool 2.42 `check rules`. `tmpl` exists only for console templates.
PROMETHEUS_TEMPLATE_FUNCS = frozenset(
    """query first label value strvalue args reReplaceAll safeHtml match title toUpper toLower
    graphLink tableLink sortByLabel humanize humanize1024 humanizeDuration humanizePercentage
    humanizeTimestamp toTime pathPrefix externalURL parseDuration stripPort stripDomain""".split()
)

# Prometheus prepends this to every rule template (rules/alerting.go), so these four variables
# exist at top level (not inside a define).
PROMETHEUS_PREAMBLE_VARS = ("$labels", "$externalLabels", "$externalURL", "$value")

# Template names in Alertmanager's built-in default.tmpl/email.tmpl. The 0.25 list is the one
# Debian ships with 0.25.0 (/usr/share/prometheus/alertmanager/default.tmpl); the rest were added
# later (the corpus copy of default.tmpl at Alertmanager HEAD has all of them).
AM_DEFAULT_TEMPLATES_025 = frozenset(
    """__alertmanager __alertmanagerURL __subject __description __text_alert_list
    slack.default.title slack.default.username slack.default.fallback slack.default.callbackid
    slack.default.pretext slack.default.titlelink slack.default.iconemoji slack.default.iconurl
    slack.default.text slack.default.footer pagerduty.default.description pagerduty.default.client
    pagerduty.default.clientURL pagerduty.default.instances opsgenie.default.message
    opsgenie.default.description opsgenie.default.source wechat.default.message
    wechat.default.to_user wechat.default.to_party wechat.default.to_tag wechat.default.agent_id
    victorops.default.state_message victorops.default.entity_display_name
    victorops.default.monitoring_tool pushover.default.title pushover.default.message
    pushover.default.url sns.default.subject sns.default.message telegram.default.message
    discord.default.title discord.default.message webex.default.message
    email.default.subject email.default.html""".split()
)
AM_DEFAULT_TEMPLATES_LATER = frozenset(
    """__text_alert_list_markdown slack.default.color discord.default.content
    msteams.default.summary msteams.default.title msteams.default.text msteamsv2.default.title
    msteamsv2.default.text jira.default.summary jira.default.description jira.default.priority
    rocketchat.default.title rocketchat.default.alias rocketchat.default.titlelink
    rocketchat.default.emoji rocketchat.default.iconurl rocketchat.default.text
    mattermost.default.color mattermost.default.username mattermost.default.title
    mattermost.default.titlelink mattermost.default.fallback mattermost.default.text""".split()
)


def am_default_templates(version: str | Version = DEFAULT_ALERTMANAGER) -> frozenset[str]:
    """Built-in template names available in `version`. Only the 0.25 boundary is verified;
    for later versions every name known today is returned."""
    if Version.parse(version) < Version(0, 26):
        return AM_DEFAULT_TEMPLATES_025
    return AM_DEFAULT_TEMPLATES_025 | AM_DEFAULT_TEMPLATES_LATER


# --------------------------------------------------------------------------------------------
# Types of template data (Go type name, members). "any" switches checking off.

ANY = "any"
_LABEL_MAPS = {"Labels": "label", "Annotations": "annotation", "PromLabels": "label", "PromExternalLabels": "external_label"}
_KV_METHODS = {"SortedPairs": "Pairs", "Names": "[]string", "Values": "[]string", "String": "string"}
_TIME_MEMBERS = {
    **{m: "time" for m in "UTC Local In Add AddDate Round Truncate".split()},
    **{m: "string" for m in "Format String GoString Month Weekday Location".split()},
    **{m: "int" for m in "Unix UnixNano UnixMilli UnixMicro Year Day Hour Minute Second Nanosecond YearDay".split()},
    **{m: "bool" for m in "Before After Equal IsZero Compare".split()},
    "Sub": "duration",
    "Date": ANY,
    "Clock": ANY,
    "Zone": ANY,
    "ISOWeek": ANY,
}
_DURATION_MEMBERS = {
    **{m: "float" for m in "Hours Minutes Seconds".split()},
    **{m: "int" for m in "Milliseconds Microseconds Nanoseconds".split()},
    **{m: "duration" for m in "Round Truncate Abs".split()},
    "String": "string",
}
TYPES: dict[str, tuple[str, dict[str, str]]] = {
    "Data": (
        "template.Data",
        {
            "Receiver": "string",
            "Status": "string",
            "Alerts": "Alerts",
            "GroupLabels": "Labels",
            "CommonLabels": "Labels",
            "CommonAnnotations": "Annotations",
            "ExternalURL": "string",
        },
    ),
    "Alerts": ("template.Alerts", {"Firing": "AlertList", "Resolved": "AlertList"}),
    "AlertList": ("[]template.Alert", {}),
    "Alert": (
        "template.Alert",
        {
            "Status": "string",
            "Labels": "Labels",
            "Annotations": "Annotations",
            "StartsAt": "time",
            "EndsAt": "time",
            "GeneratorURL": "string",
            "Fingerprint": "string",
        },
    ),
    "Labels": ("template.KV", {**_KV_METHODS, "Remove": "Labels"}),
    "Annotations": ("template.KV", {**_KV_METHODS, "Remove": "Annotations"}),
    "Pairs": ("template.Pairs", {"Names": "[]string", "Values": "[]string", "String": "string"}),
    "Pair": ("template.Pair", {"Name": "string", "Value": "string"}),
    "time": ("time.Time", _TIME_MEMBERS),
    "duration": ("time.Duration", _DURATION_MEMBERS),
    "string": ("string", {}),
    "[]string": ("[]string", {}),
    "bool": ("bool", {}),
    "int": ("int", {}),
    "float": ("float64", {}),
    "PromData": (
        "Prometheus alert template data",
        {"Labels": "PromLabels", "ExternalLabels": "PromExternalLabels", "ExternalURL": "string", "Value": "float"},
    ),
    "PromLabels": ("map[string]string", {}),
    "PromExternalLabels": ("map[string]string", {}),
    "QueryResult": ("template.queryResult", {}),
    "Sample": ("*template.sample", {"Labels": "SampleLabels", "Value": "float"}),
    "SampleLabels": ("map[string]string", {}),
}
_MAP_TYPES = frozenset({"Labels", "Annotations", "PromLabels", "PromExternalLabels", "SampleLabels"})
_RANGE_ELEM = {
    "Alerts": ("int", "Alert"),
    "AlertList": ("int", "Alert"),
    "Labels": ("string", "string"),
    "Annotations": ("string", "string"),
    "Pairs": ("int", "Pair"),
    "[]string": ("int", "string"),
    "QueryResult": ("int", "Sample"),
    "PromLabels": ("string", "string"),
    "PromExternalLabels": ("string", "string"),
    "SampleLabels": ("string", "string"),
}
_FUNC_RESULT = {
    "toUpper": "string", "toLower": "string", "title": "string", "trimSpace": "string", "join": "string",
    "match": "bool", "safeHtml": "string", "safeUrl": "string", "urlUnescape": "string",
    "reReplaceAll": "string", "stringSlice": "[]string", "date": "string", "tz": "time",
    "since": "duration", "humanizeDuration": "string", "toJson": "string",
    "len": "int", "print": "string", "printf": "string", "println": "string", "html": "string",
    "js": "string", "urlquery": "string", "not": "bool", "eq": "bool", "ne": "bool", "lt": "bool",
    "le": "bool", "gt": "bool", "ge": "bool",
    # Prometheus
    "query": "QueryResult", "first": "Sample", "label": "string", "value": "float", "strvalue": "string",
    "sortByLabel": "QueryResult", "humanize": "string", "humanize1024": "string",
    "humanizePercentage": "string", "humanizeTimestamp": "string", "toTime": "time",
    "graphLink": "string", "tableLink": "string", "parseDuration": "float", "pathPrefix": "string",
    "externalURL": "string", "stripPort": "string", "stripDomain": "string",
}
# Hints for the classic mix-ups between the notification and the per-alert level.
_FIELD_HINTS = {
    ("Data", "Labels"): "; did you mean 'CommonLabels'? (.Labels belongs to each alert: {{ range .Alerts }}{{ .Labels.x }}{{ end }})",
    ("Data", "Annotations"): "; did you mean 'CommonAnnotations'? (.Annotations belongs to each alert: {{ range .Alerts }}...{{ end }})",
    ("Alert", "CommonLabels"): "; .CommonLabels belongs to the notification: use $.CommonLabels inside range",
    ("Alert", "CommonAnnotations"): "; .CommonAnnotations belongs to the notification: use $.CommonAnnotations inside range",
    ("Alert", "GroupLabels"): "; .GroupLabels belongs to the notification: use $.GroupLabels inside range",
    ("Alert", "Alerts"): "; you are inside range .Alerts already: use $.Alerts for the whole list",
}
for _name in ("StartsAt", "EndsAt", "GeneratorURL", "Fingerprint"):
    _FIELD_HINTS[("Data", _name)] = f"; .{_name} belongs to each alert: use it inside {{{{ range .Alerts }}}}"


def go_type_name(typ: str) -> str:
    return TYPES[typ][0] if typ in TYPES else typ


# --------------------------------------------------------------------------------------------
# Lexer

_SPACE = " \t\r\n"
_KEYWORDS = {
    ".": "dot", "block": "block", "break": "break", "continue": "continue", "define": "define",
    "else": "else", "end": "end", "if": "if", "range": "range", "nil": "nil", "template": "template",
    "with": "with",
}
_TERMINATORS = frozenset(" \t\r\n.,|:)(")


class Token(NamedTuple):
    kind: str
    val: str
    pos: int


def _is_alnum(c: str) -> bool:
    return c == "_" or c.isalpha() or c.isdecimal()


def _fmt_rune(c: str) -> str:
    code = f"U+{ord(c):04X}"
    return f"{code} '{c}'" if c.isprintable() else code


def _lex(text: str) -> list[Token]:
    toks: list[Token] = []
    emit = toks.append
    n = len(text)
    i = 0

    def at_right_delim(p: int) -> tuple[bool, bool]:
        if p + 3 < n and text[p] in _SPACE and text[p + 1] == "-" and text.startswith("}}", p + 2):
            return True, True
        return text.startswith("}}", p), False

    def skip_space(p: int) -> int:
        while p < n and text[p] in _SPACE:
            p += 1
        return p

    def at_terminator(p: int) -> bool:
        return p >= n or text[p] in _TERMINATORS or text.startswith("}}", p)

    while True:
        j = text.find("{{", i)
        if j < 0:
            if i < n:
                emit(Token("text", text[i:], i))
            emit(Token("eof", "", n))
            return toks
        if j > i:
            emit(Token("text", text[i:j], i))
        trim_left = j + 3 < n and text[j + 2] == "-" and text[j + 3] in _SPACE
        after = j + 2 + (2 if trim_left else 0)
        if text.startswith("/*", after):
            end = text.find("*/", after + 2)
            if end < 0:
                emit(Token("error", "unclosed comment", after))
                return toks
            p = end + 2
            delim, trim = at_right_delim(p)
            if not delim:
                emit(Token("error", "comment ends before closing delimiter", after))
                return toks
            emit(Token("comment", text[after:p], j))
            i = skip_space(p + 4) if trim else p + 2
            continue
        emit(Token("ldelim", "{{", j))
        p = after
        depth = 0
        while True:
            delim, trim = at_right_delim(p)
            if delim:
                if depth:
                    emit(Token("error", "unclosed left paren", p))
                    return toks
                emit(Token("rdelim", "}}", p))
                i = skip_space(p + 4) if trim else p + 2
                break
            if p >= n:
                emit(Token("error", "unclosed action", p))
                return toks
            c = text[p]
            start = p
            if c in _SPACE:
                q = skip_space(p)
                # A space that belongs to a " -}}" closing delimiter is not a separate token.
                if q < n and text[q - 1] in _SPACE and text.startswith("-}}", q):
                    if q - 1 > p:
                        emit(Token("space", text[p : q - 1], p))
                    p = q - 1
                else:
                    emit(Token("space", text[p:q], p))
                    p = q
            elif c == "=":
                emit(Token("assign", "=", p))
                p += 1
            elif c == ":":
                if not text.startswith(":=", p):
                    emit(Token("error", "expected :=", p))
                    return toks
                emit(Token("declare", ":=", p))
                p += 2
            elif c == "|":
                emit(Token("pipe", "|", p))
                p += 1
            elif c == '"':
                q = p + 1
                while True:
                    if q >= n or text[q] == "\n":
                        emit(Token("error", "unterminated quoted string", start))
                        return toks
                    if text[q] == "\\":
                        if q + 1 >= n or text[q + 1] == "\n":
                            emit(Token("error", "unterminated quoted string", start))
                            return toks
                        q += 2
                        continue
                    if text[q] == '"':
                        break
                    q += 1
                emit(Token("string", text[p : q + 1], p))
                p = q + 1
            elif c == "`":
                q = text.find("`", p + 1)
                if q < 0:
                    emit(Token("error", "unterminated raw quoted string", start))
                    return toks
                emit(Token("rawstring", text[p : q + 1], p))
                p = q + 1
            elif c == "'":
                q = p + 1
                while True:
                    if q >= n or text[q] == "\n":
                        emit(Token("error", "unterminated character constant", start))
                        return toks
                    if text[q] == "\\":
                        if q + 1 >= n or text[q + 1] == "\n":
                            emit(Token("error", "unterminated character constant", start))
                            return toks
                        q += 2
                        continue
                    if text[q] == "'":
                        break
                    q += 1
                emit(Token("char", text[p : q + 1], p))
                p = q + 1
            elif c in "$." and not (c == "." and p + 1 < n and "0" <= text[p + 1] <= "9"):
                q = p + 1
                if at_terminator(q):
                    emit(Token("var" if c == "$" else "dot", c, p))
                    p = q
                    continue
                while q < n and _is_alnum(text[q]):
                    q += 1
                if not at_terminator(q):
                    emit(Token("error", f"bad character {_fmt_rune(text[q])}", start))
                    return toks
                emit(Token("var" if c == "$" else "field", text[p:q], p))
                p = q
            elif c in "+-." or "0" <= c <= "9":
                q, ok = _scan_number(text, p)
                if ok and q < n and text[q] in "+-":
                    q, ok = _scan_number(text, q)
                    if not ok or text[q - 1] != "i":
                        emit(Token("error", f"bad number syntax: {_go_quote(text[p:q])}", start))
                        return toks
                    emit(Token("complex", text[p:q], p))
                elif not ok:
                    emit(Token("error", f"bad number syntax: {_go_quote(text[p:q])}", start))
                    return toks
                else:
                    emit(Token("number", text[p:q], p))
                p = q
            elif _is_alnum(c):
                q = p + 1
                while q < n and _is_alnum(text[q]):
                    q += 1
                if not at_terminator(q):
                    emit(Token("error", f"bad character {_fmt_rune(text[q])}", start))
                    return toks
                word = text[p:q]
                kind = _KEYWORDS.get(word)
                if kind is None:
                    kind = "bool" if word in ("true", "false") else "ident"
                emit(Token(kind, word, p))
                p = q
            elif c == "(":
                emit(Token("lparen", "(", p))
                depth += 1
                p += 1
            elif c == ")":
                emit(Token("rparen", ")", p))
                depth -= 1
                p += 1
                if depth < 0:
                    emit(Token("error", "unexpected right paren", p))
                    return toks
            elif ord(c) < 128 and c.isprintable():
                emit(Token("charop", c, p))
                p += 1
            else:
                emit(Token("error", f"unrecognized character in action: {_fmt_rune(c)}", start))
                return toks


def _scan_number(text: str, p: int) -> tuple[int, bool]:
    n = len(text)

    def accept(chars: str) -> bool:
        nonlocal p
        if p < n and text[p] in chars:
            p += 1
            return True
        return False

    def accept_run(chars: str) -> None:
        nonlocal p
        while p < n and text[p] in chars:
            p += 1

    accept("+-")
    digits = "0123456789_"
    if accept("0"):
        if accept("xX"):
            digits = "0123456789abcdefABCDEF_"
        elif accept("oO"):
            digits = "01234567_"
        elif accept("bB"):
            digits = "01_"
    accept_run(digits)
    if accept("."):
        accept_run(digits)
    if len(digits) == 11 and accept("eE"):
        accept("+-")
        accept_run("0123456789_")
    if len(digits) == 23 and accept("pP"):
        accept("+-")
        accept_run("0123456789_")
    accept("i")
    if p < n and _is_alnum(text[p]):
        return p + 1, False
    return p, True


def _go_quote(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif not ch.isprintable():
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}
_HEX = frozenset("0123456789abcdefABCDEF")


def _unquote_char(s: str, i: int, quote: str) -> tuple[str, int]:
    """strconv.UnquoteChar: one (possibly escaped) character of s at i -> (char, next index)."""
    c = s[i]
    if c == quote and quote in "'\"":
        raise ValueError("invalid syntax")
    if c != "\\":
        return c, i + 1
    if i + 1 >= len(s):
        raise ValueError("invalid syntax")
    e = s[i + 1]
    i += 2
    if e in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[e], i
    if e in "'\"":
        if e != quote:
            raise ValueError("invalid syntax")
        return e, i
    if e in "xuU":
        width = {"x": 2, "u": 4, "U": 8}[e]
        digits = s[i : i + width]
        if len(digits) != width or not set(digits) <= _HEX:
            raise ValueError("invalid syntax")
        value = int(digits, 16)
        if e != "x" and (value > 0x10FFFF or 0xD800 <= value <= 0xDFFF):
            raise ValueError("invalid syntax")
        return chr(value), i + width
    if e in "01234567":
        digits = s[i - 1 : i + 2]
        if len(digits) != 3 or not set(digits) <= set("01234567") or int(digits, 8) > 255:
            raise ValueError("invalid syntax")
        return chr(int(digits, 8)), i + 2
    raise ValueError("invalid syntax")


def _unquote(lit: str) -> str:
    """strconv.Unquote for "..." and `...`; ValueError('invalid syntax') like Go's ErrSyntax."""
    if lit.startswith("`"):
        return lit[1:-1].replace("\r", "")
    body = lit[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch, i = _unquote_char(body, i, '"')
        out.append(ch)
    return "".join(out)


def _number_error(lit: str, kind: str) -> str | None:
    """Go's parse.newNumber verdict: None when it accepts the literal, else its message."""
    if kind == "complex" or lit.endswith("i"):
        return None  # rare in templates; Go accepts well-formed ones
    body = lit[1:] if lit[:1] in "+-" else lit
    if not body or body[:1] in "+-":
        return f"illegal number syntax: {_go_quote(lit)}"
    as_int: int | None = None
    try:
        as_int = int(body, 0)
    except ValueError:
        if len(body) > 1 and body[0] == "0" and set(body[1:]) <= set("01234567_"):
            as_int = int(body.replace("_", ""), 8)  # legacy octal "017"
    if as_int is not None:
        value = -as_int if lit.startswith("-") else as_int
        if -(2**63) <= value < 2**64:
            return None
    try:
        if body[:2] in ("0x", "0X"):
            float.fromhex(body.replace("_", ""))
        else:
            float(body)
    except ValueError:
        return f"illegal number syntax: {_go_quote(lit)}"
    if not any(ch in lit for ch in ".eEpP"):
        # Go parses it as a float but, looking like an integer, calls it too large.
        return f"integer overflow: {_go_quote(lit)}"
    return None


# --------------------------------------------------------------------------------------------
# Parse tree (only what analysis needs)


class Node:
    __slots__ = ("pos",)

    def __init__(self, pos: int) -> None:
        self.pos = pos


class Operand(Node):
    __slots__ = ("kind", "val", "chain", "inner", "chain_pos")

    # kind: field | var | dot | ident | chain | pipe | string | number | bool | nil
    def __init__(self, kind: str, val: str, pos: int, chain: tuple[str, ...] = (), inner: Pipe | None = None) -> None:
        super().__init__(pos)
        self.kind = kind
        self.val = val
        self.chain = chain
        self.inner = inner
        self.chain_pos = pos


class Command(Node):
    __slots__ = ("args",)

    def __init__(self, pos: int) -> None:
        super().__init__(pos)
        self.args: list[Operand] = []


class Pipe(Node):
    __slots__ = ("decls", "cmds", "is_assign")

    def __init__(self, pos: int) -> None:
        super().__init__(pos)
        self.decls: list[tuple[str, int]] = []
        self.cmds: list[Command] = []
        self.is_assign = False


class Control(Node):
    __slots__ = ("kind", "pipe", "body", "else_body", "name")

    # kind: action | if | range | with | template | break | continue
    def __init__(self, kind: str, pos: int, pipe: Pipe | None, body: list[Node] | None = None,
                 else_body: list[Node] | None = None, name: str = "") -> None:
        super().__init__(pos)
        self.kind = kind
        self.pipe = pipe
        self.body = body or []
        self.else_body = else_body or []
        self.name = name


class _End(Node):
    __slots__ = ("word",)

    def __init__(self, word: str, pos: int) -> None:
        super().__init__(pos)
        self.word = word  # "end" or "else"


class _Tree:
    __slots__ = ("name", "root", "pos", "kind")

    def __init__(self, name: str, root: list[Node], pos: int, kind: str) -> None:
        self.name = name
        self.root = root
        self.pos = pos
        self.kind = kind  # "top", "define" or "block"


def _is_empty(nodes: list[Node]) -> bool:
    # parse.IsEmptyTree: only whitespace text and comments.
    return all(isinstance(n, _Text) and not n.val.strip(" \t\r\n") for n in nodes)


class _Text(Node):
    __slots__ = ("val",)

    def __init__(self, val: str, pos: int) -> None:
        super().__init__(pos)
        self.val = val


class _ParseError(Exception):
    def __init__(self, message: str, pos: int, go_pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.go_pos = go_pos


class _Parser:
    def __init__(self, text: str, name: str, toks: list[Token], predeclared: tuple[str, ...]) -> None:
        self.text = text
        self.name = name
        self.toks = toks
        self.i = 0
        self.hi = 0
        self.vars: list[str] = ["$", *predeclared]
        self.range_depth = 0
        self.action_pos = -1
        self.trees: dict[str, _Tree] = {}
        self.order: list[_Tree] = []

    # token stream --------------------------------------------------------------------------
    def next(self) -> Token:
        # Past the end the last token (EOF or an error) repeats, as Go's lexer does.
        index = min(self.i, len(self.toks) - 1)
        if index > self.hi:
            self.hi = index
        self.i += 1
        return self.toks[index]

    def backup_to(self, i: int) -> None:
        self.i = i

    def peek(self) -> Token:
        i = self.i
        tok = self.next()
        self.i = i
        return tok

    def next_non_space(self) -> Token:
        tok = self.next()
        while tok.kind == "space":
            tok = self.next()
        return tok

    def peek_non_space(self) -> Token:
        i = self.i
        tok = self.next_non_space()
        self.i = i
        return tok

    # errors --------------------------------------------------------------------------------
    def error(self, message: str, pos: int | None = None) -> _ParseError:
        go_tok = self.toks[min(self.hi, len(self.toks) - 1)]
        return _ParseError(message, go_tok.pos if pos is None else pos, go_tok.pos)

    def unexpected(self, tok: Token, context: str) -> _ParseError:
        if tok.kind == "error":
            extra = ""
            if self.action_pos >= 0 and self._line(self.action_pos) != self._line(tok.pos):
                extra = f" in action started at {self.name}:{self._line(self.action_pos)}"
            return self.error(tok.val + extra, tok.pos)
        return self.error(f"unexpected {_describe(tok)} in {context}", tok.pos)

    def _line(self, pos: int) -> int:
        return self.text.count("\n", 0, pos) + 1

    def expect(self, kind: str, context: str) -> Token:
        tok = self.next_non_space()
        if tok.kind != kind:
            raise self.unexpected(tok, context)
        return tok

    # grammar -------------------------------------------------------------------------------
    def parse(self) -> None:
        root: list[Node] = []
        top = _Tree(self.name, root, 0, "top")
        while self.peek().kind != "eof":
            if self.peek().kind == "ldelim":
                save = self.i
                self.next()
                if self.next_non_space().kind == "define":
                    self.parse_definition()
                    continue
                self.backup_to(save)
            node = self.text_or_action()
            if isinstance(node, _End):
                raise self.error(f"unexpected {{{{{node.word}}}}}", node.pos)
            root.append(node)
        self.add(top)

    def add(self, tree: _Tree) -> None:
        old = self.trees.get(tree.name)
        if old is None or _is_empty(old.root):
            self.trees[tree.name] = tree
            self.order.append(tree)
            return
        if not _is_empty(tree.root):
            raise self.error(f"template: multiple definition of template {_go_quote(tree.name)}", tree.pos)

    def _fresh_scope(self) -> tuple[list[str], int]:
        saved = (self.vars, self.range_depth)
        self.vars = ["$"]
        self.range_depth = 0
        return saved

    def parse_definition(self) -> None:
        context = "define clause"
        tok = self.next_non_space()
        if tok.kind not in ("string", "rawstring"):
            raise self.unexpected(tok, context)
        name = self._unquote(tok)
        self.expect("rdelim", context)
        saved = self._fresh_scope()
        body, end = self.item_list()
        if end.word != "end":
            raise self.error(f"unexpected {{{{{end.word}}}}} in {context}", end.pos)
        self.vars, self.range_depth = saved
        self.add(_Tree(name, body, tok.pos, "define"))

    def _unquote(self, tok: Token) -> str:
        try:
            return _unquote(tok.val)
        except ValueError as exc:
            raise self.error(str(exc), tok.pos) from None

    def item_list(self) -> tuple[list[Node], _End]:
        nodes: list[Node] = []
        while self.peek_non_space().kind != "eof":
            node = self.text_or_action()
            if isinstance(node, _End):
                return nodes, node
            nodes.append(node)
        self.next_non_space()
        raise self.error("unexpected EOF")

    def text_or_action(self) -> Node:
        tok = self.next_non_space()
        if tok.kind == "text":
            return _Text(tok.val, tok.pos)
        if tok.kind == "ldelim":
            self.action_pos = tok.pos
            try:
                return self.action()
            finally:
                self.action_pos = -1
        if tok.kind == "comment":
            return _Text("", tok.pos)
        raise self.unexpected(tok, "input")

    def action(self) -> Node:
        tok = self.next_non_space()
        kind = tok.kind
        if kind == "block":
            return self.block_control(tok)
        if kind in ("break", "continue"):
            after = self.next_non_space()
            if after.kind != "rdelim":
                raise self.unexpected(after, f"{{{{{kind}}}}}")
            if self.range_depth == 0:
                raise self.error(f"{{{{{kind}}}}} outside {{{{range}}}}", tok.pos)
            return Control(kind, tok.pos, None)
        if kind == "else":
            peek = self.peek_non_space()
            if peek.kind == "if":
                return _End("else", peek.pos)
            self.expect("rdelim", "else")
            return _End("else", tok.pos)
        if kind == "end":
            self.expect("rdelim", "end")
            return _End("end", tok.pos)
        if kind in ("if", "range", "with"):
            return self.parse_control(kind, tok.pos)
        if kind == "template":
            return self.template_control(tok)
        self.i -= 1
        pos = self.peek().pos
        return Control("action", pos, self.pipeline("command", "rdelim"))

    def parse_control(self, context: str, pos: int) -> Control:
        saved_vars = len(self.vars)
        pipe = self.pipeline(context, "rdelim")
        if context == "range":
            self.range_depth += 1
        body, nxt = self.item_list()
        if context == "range":
            self.range_depth -= 1
        else_body: list[Node] = []
        if nxt.word == "else":
            if context == "if" and self.peek_non_space().kind == "if":
                if_tok = self.next_non_space()
                else_body = [self.parse_control("if", if_tok.pos)]
            else:
                else_body, nxt2 = self.item_list()
                if nxt2.word != "end":
                    raise self.error(f"expected end; found {{{{{nxt2.word}}}}}", nxt2.pos)
        del self.vars[saved_vars:]
        return Control(context, pos, pipe, body, else_body)

    def template_control(self, tok: Token) -> Control:
        context = "template clause"
        name_tok = self.next_non_space()
        name = self._template_name(name_tok, context)
        pipe: Pipe | None = None
        if self.next_non_space().kind != "rdelim":
            self.i -= 1
            pipe = self.pipeline(context, "rdelim")
        return Control("template", name_tok.pos, pipe, name=name)

    def _template_name(self, tok: Token, context: str) -> str:
        if tok.kind not in ("string", "rawstring"):
            raise self.unexpected(tok, context)
        return self._unquote(tok)

    def block_control(self, tok: Token) -> Control:
        context = "block clause"
        name_tok = self.next_non_space()
        name = self._template_name(name_tok, context)
        pipe = self.pipeline(context, "rdelim")
        saved = self._fresh_scope()
        body, end = self.item_list()
        if end.word != "end":
            raise self.error(f"unexpected {{{{{end.word}}}}} in {context}", end.pos)
        self.vars, self.range_depth = saved
        self.add(_Tree(name, body, name_tok.pos, "block"))
        return Control("block", name_tok.pos, pipe, name=name)

    def pipeline(self, context: str, end: str) -> Pipe:
        pipe = Pipe(self.peek_non_space().pos)
        while True:  # declarations
            v = self.peek_non_space()
            if v.kind != "var":
                break
            self.next_non_space()
            var_index = self.i - 1
            nxt = self.peek_non_space()
            if nxt.kind in ("assign", "declare"):
                pipe.is_assign = nxt.kind == "assign"
                self.next_non_space()
                pipe.decls.append((v.val, v.pos))
                self.vars.append(v.val)
            elif nxt.kind == "charop" and nxt.val == ",":
                self.next_non_space()
                pipe.decls.append((v.val, v.pos))
                self.vars.append(v.val)
                if context == "range" and len(pipe.decls) < 2:
                    if self.peek_non_space().kind in ("var", "rdelim", "rparen"):
                        continue
                    raise self.error("range can only initialize variables")
                raise self.error(f"too many declarations in {context}")
            else:
                self.backup_to(var_index)  # "$x foo": $x is an argument, not a declaration
            break
        while True:
            tok = self.next_non_space()
            if tok.kind == end:
                self.check_pipeline(pipe, context)
                return pipe
            if tok.kind in ("bool", "char", "complex", "dot", "field", "ident", "number", "nil",
                            "rawstring", "string", "var", "lparen"):
                self.i -= 1
                pipe.cmds.append(self.command())
            else:
                raise self.unexpected(tok, context)

    def check_pipeline(self, pipe: Pipe, context: str) -> None:
        if not pipe.cmds:
            raise self.error(f"missing value for {context}")
        for index, cmd in enumerate(pipe.cmds[1:], start=2):
            if cmd.args[0].kind in ("bool", "dot", "nil", "number", "string"):
                raise self.error(f"non executable command in pipeline stage {index}", cmd.pos)

    def command(self) -> Command:
        cmd = Command(self.peek_non_space().pos)
        while True:
            while self.peek().kind == "space":  # Go's peekNonSpace consumes spaces
                self.next()
            operand = self.operand()
            if operand is not None:
                cmd.args.append(operand)
            tok = self.next()
            if tok.kind == "space":
                continue
            if tok.kind in ("rdelim", "rparen"):
                self.i -= 1
            elif tok.kind == "pipe":
                pass
            else:
                raise self.unexpected(tok, "operand")
            break
        if not cmd.args:
            raise self.error("empty command")
        return cmd

    def operand(self) -> Operand | None:
        node = self.term()
        if node is None:
            return None
        if self.peek().kind == "field":
            chain_pos = self.peek().pos
            chain: list[str] = []
            while self.peek().kind == "field":
                chain.append(self.next().val[1:])
            if node.kind in ("field", "var"):
                node = Operand(node.kind, node.val, node.pos, node.chain + tuple(chain))
            elif node.kind in ("bool", "string", "number", "nil", "dot"):
                raise self.error(f"unexpected . after term {_go_quote(node.val)}", chain_pos)
            else:
                node = Operand("chain", "", node.pos, tuple(chain), inner=_wrap(node))
                node.chain_pos = chain_pos
        return node

    def term(self) -> Operand | None:
        tok = self.next_non_space()
        kind = tok.kind
        if kind == "ident":
            return Operand("ident", tok.val, tok.pos)
        if kind == "dot":
            return Operand("dot", ".", tok.pos)
        if kind == "nil":
            return Operand("nil", "nil", tok.pos)
        if kind == "var":
            name, *rest = tok.val.split(".")
            if name not in self.vars:
                raise self.error(f"undefined variable {_go_quote(name)}", tok.pos)
            return Operand("var", name, tok.pos, tuple(rest))
        if kind == "field":
            return Operand("field", tok.val, tok.pos, (tok.val[1:],))
        if kind == "bool":
            return Operand("bool", tok.val, tok.pos)
        if kind in ("char", "number", "complex"):
            if kind == "char":
                try:
                    _, end = _unquote_char(tok.val, 1, "'")
                except (ValueError, IndexError):
                    raise self.error("invalid syntax", tok.pos) from None
                if tok.val[end:] != "'":
                    raise self.error(f"malformed character constant: {tok.val}", tok.pos)
            elif (problem := _number_error(tok.val, kind)) is not None:
                raise self.error(problem, tok.pos)
            return Operand("number", tok.val, tok.pos)
        if kind == "lparen":
            pipe = self.pipeline("parenthesized pipeline", "rparen")
            return Operand("pipe", "(", tok.pos, inner=pipe)
        if kind in ("string", "rawstring"):
            value = self._unquote(tok)
            return Operand("string", tok.val, tok.pos, (value,))
        self.i -= 1
        return None


def _wrap(node: Operand) -> Pipe:
    if node.kind == "pipe" and node.inner is not None:
        return node.inner
    pipe = Pipe(node.pos)
    cmd = Command(node.pos)
    cmd.args.append(node)
    pipe.cmds.append(cmd)
    return pipe


def _describe(tok: Token) -> str:
    if tok.kind == "eof":
        return "EOF"
    if tok.kind in _KEYWORDS.values():
        return f"<{tok.val}>"
    if len(tok.val) > 10:
        return _go_quote(tok.val[:10]) + "..."
    return _go_quote(tok.val)


# --------------------------------------------------------------------------------------------
# Type walk: fields, functions, variables, label reads


class _Walker:
    def __init__(self, info: TemplateInfo, locate: _Locator, collect: bool) -> None:
        self.info = info
        self.loc = locate
        self.collect = collect
        self.calls: dict[str, list[str]] = {}
        self.template = ""

    def walk_tree(self, tree: _Tree, dot: str, variables: dict[str, str]) -> None:
        self.template = "" if tree.kind == "top" else tree.name
        self.walk_list(tree.root, dot, {"$": dot, **variables})

    def walk_list(self, nodes: list[Node], dot: str, scope: dict[str, str]) -> None:
        for node in nodes:
            if isinstance(node, Control):
                self.walk_control(node, dot, scope)

    def walk_control(self, node: Control, dot: str, scope: dict[str, str]) -> None:
        kind = node.kind
        if kind == "action":
            assert node.pipe is not None
            self.walk_pipe(node.pipe, dot, scope, scope)
            return
        if kind in ("break", "continue"):
            return
        if kind in ("template", "block"):
            arg = self.walk_pipe(node.pipe, dot, scope, scope) if node.pipe else "nil"
            self.calls.setdefault(node.name, []).append(arg)
            if self.collect:
                self.info.template_calls.append(TemplateCall(node.name, self.loc(node.pos), kind))
            return
        inner = dict(scope)
        assert node.pipe is not None
        if kind == "range":
            typ = self.walk_pipe(node.pipe, dot, scope, None)
            key_t, elem_t = _RANGE_ELEM.get(typ, (ANY, ANY))
            if typ in _LABEL_MAPS:
                self._label_read(typ, "*", node.pipe.pos, self._operand_via(node.pipe.cmds[-1].args[0]))
            decls = node.pipe.decls
            if len(decls) == 1:
                self._declare(inner, decls[0], elem_t)
            elif len(decls) == 2:
                self._declare(inner, decls[0], key_t)
                self._declare(inner, decls[1], elem_t)
            self.walk_list(node.body, elem_t, inner)
            self.walk_list(node.else_body, dot, inner)
            return
        typ = self.walk_pipe(node.pipe, dot, scope, inner)
        self.walk_list(node.body, typ if kind == "with" else dot, inner)
        self.walk_list(node.else_body, dot, inner)

    def _declare(self, scope: dict[str, str], decl: tuple[str, int], typ: str) -> None:
        name, pos = decl
        scope[name] = typ
        if self.collect:
            self.info.variables.append(VarRef(name, self.loc(pos), True))

    def walk_pipe(self, pipe: Pipe, dot: str, scope: dict[str, str], declare_into: dict[str, str] | None) -> str:
        typ = ANY
        prev: str | None = None
        for cmd in pipe.cmds:
            typ = self.walk_command(cmd, dot, scope, prev)
            prev = typ
        if declare_into is not None:
            for decl in pipe.decls:
                if pipe.is_assign and decl[0] in declare_into:
                    if self.collect:
                        self.info.variables.append(VarRef(decl[0], self.loc(decl[1]), True))
                    continue
                self._declare(declare_into, decl, typ)
        return typ

    def walk_command(self, cmd: Command, dot: str, scope: dict[str, str], piped: str | None) -> str:
        types = [self.walk_operand(op, dot, scope) for op in cmd.args]
        first = cmd.args[0]
        if first.kind == "ident":
            name = first.val
            args = cmd.args[1:]
            arg_types = types[1:] + ([piped] if piped is not None else [])
            if name == "index" and arg_types:
                base = arg_types[0]
                if base in _LABEL_MAPS and len(args) >= 2 and args[1].kind == "string":
                    self._label_read(base, args[1].chain[0], args[1].pos, self._operand_via(args[0]))
                elif base in _LABEL_MAPS:
                    self._label_read(base, "*", first.pos, self._operand_via(args[0]) if args else "")
                return "string" if base in _MAP_TYPES else _RANGE_ELEM.get(base, (ANY, ANY))[1]
            if name == "slice" and arg_types:
                return arg_types[0]
            if name in ("and", "or", "call"):
                return ANY
            for op, t in zip(args, types[1:]):
                self._whole_map_read(op, t)
            return _FUNC_RESULT.get(name, ANY)
        if len(cmd.args) == 1 and piped is None:
            self._whole_map_read(first, types[0])
        return types[0]

    def _operand_via(self, op: Operand) -> str:
        if op.kind == "field" and op.chain:
            return op.chain[-1]
        if op.kind == "var":
            return op.chain[-1] if op.chain else op.val
        return ""

    def _whole_map_read(self, op: Operand, typ: str) -> None:
        # Printing a label set, or passing it whole to a function, reads every label in it.
        if typ in _LABEL_MAPS and op.kind in ("field", "var", "chain"):
            self._label_read(typ, "*", op.pos, self._operand_via(op))

    def _label_read(self, typ: str, name: str, pos: int, via: str) -> None:
        if self.collect and typ in _LABEL_MAPS:
            self.info.label_reads.append(LabelRead(_LABEL_MAPS[typ], name, self.loc(pos), via))

    def walk_operand(self, op: Operand, dot: str, scope: dict[str, str]) -> str:
        kind = op.kind
        if kind == "ident":
            if self.collect:
                self.info.functions.append(FuncRef(op.val, self.loc(op.pos), op.val in GO_BUILTINS))
            return _FUNC_RESULT.get(op.val, ANY)
        if kind == "dot":
            return dot
        if kind == "string":
            return "string"
        if kind == "number":
            return "int"
        if kind == "bool":
            return "bool"
        if kind == "nil":
            return ANY
        if kind == "pipe":
            assert op.inner is not None
            return self.walk_pipe(op.inner, dot, scope, None)
        if kind == "field":
            return self.walk_chain(dot, ".", op.chain, op.pos, 0)
        if kind == "var":
            if self.collect:
                self.info.variables.append(VarRef(op.val, self.loc(op.pos), False))
            base = scope.get(op.val, ANY)
            if not op.chain:
                return base
            return self.walk_chain(base, op.val, op.chain, op.pos, len(op.val))
        if kind == "chain":
            assert op.inner is not None
            base = self.walk_pipe(op.inner, dot, scope, None)
            # Chain fields follow the closing paren; find where the first one starts.
            return self.walk_chain(base, "(...)", op.chain, op.chain_pos, 0)
        return ANY

    def walk_chain(self, base: str, base_text: str, chain: tuple[str, ...], pos: int, offset: int) -> str:
        positions = []
        p = pos + offset
        for name in chain:
            positions.append(p)
            p += len(name) + 1
        if self.collect:
            locs = tuple(self.loc(x) for x in positions)
            self.info.fields.append(FieldRef(chain, base, base_text, locs[0], locs, self.template))
        typ = base
        for index, (name, at) in enumerate(zip(chain, positions)):
            if typ in _LABEL_MAPS:
                via = chain[index - 1] if index else base_text
                # A key reads one label; SortedPairs/Names/Values/String/Remove read them all.
                self._label_read(typ, "*" if name in TYPES[typ][1] else name, at, via)
            typ = member_type(typ, name) or ANY
        return typ


def member_type(typ: str, name: str) -> str | None:
    """Type of `typ.name`, ANY when `typ` is unknown, None when Go would fail."""
    if typ == ANY or typ not in TYPES:
        return ANY
    members = TYPES[typ][1]
    if name in members:
        return members[name]
    if typ in _MAP_TYPES:
        return "string"
    return None


class _Locator:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        find = text.find
        p = find("\n")
        while p >= 0:
            self.starts.append(p + 1)
            p = find("\n", p + 1)

    def __call__(self, pos: int) -> Position:
        line = bisect.bisect_right(self.starts, pos)
        return Position(line, pos - self.starts[line - 1] + 1)


# --------------------------------------------------------------------------------------------
# Entry points


def _parse(text: str, name: str, predeclared: tuple[str, ...]) -> tuple[_Parser, _Locator]:
    locate = _Locator(text)
    parser = _Parser(text, name, _lex(text), predeclared)
    try:
        parser.parse()
    except _ParseError as exc:
        at = locate(exc.pos)
        raise TemplateSyntaxError(exc.message, at.line, at.col, name, locate(exc.go_pos).line) from None
    return parser, locate


def _analyse(parser: _Parser, locate: _Locator, info: TemplateInfo, root: str,
             top_vars: dict[str, str]) -> None:
    trees = parser.order
    contexts: dict[str, str] = {}
    for tree in trees:
        if tree.kind != "top":
            contexts[tree.name] = root
    # Infer what `.` is inside each define from its call sites ({{ template "x" .Alerts.Firing }}),
    # iterating because defines call each other.
    for _ in range(4):
        walker = _Walker(info, locate, collect=False)
        for tree in trees:
            walker.walk_tree(tree, contexts.get(tree.name, root), top_vars if tree.kind == "top" else {})
        changed = False
        for name, arg_types in walker.calls.items():
            if name not in contexts:
                continue
            kinds = set(arg_types)
            if kinds == {"Alerts", "AlertList"}:
                kinds = {"AlertList"}  # both range over template.Alert
            new = kinds.pop() if len(kinds) == 1 else ANY
            if new == "nil":
                new = ANY
            if contexts[name] != new:
                contexts[name] = new
                changed = True
        if not changed:
            break
    walker = _Walker(info, locate, collect=True)
    for tree in trees:
        if tree.kind != "top":
            info.defines[tree.name] = locate(tree.pos)
        walker.walk_tree(tree, contexts.get(tree.name, root), top_vars if tree.kind == "top" else {})
    info.define_context = contexts
    # Defines are walked in the order Go adds them (a define before the text around it).
    info.template_calls.sort(key=lambda c: c.pos)
    info.functions.sort(key=lambda f: f.pos)
    info.fields.sort(key=lambda f: f.pos)
    info.variables.sort(key=lambda v: v.pos)
    info.label_reads.sort(key=lambda r: r.pos)


def parse_template(text: str, name: str = "") -> TemplateInfo:
    """Parse an Alertmanager template (a .tmpl file or a template string from alertmanager.yml).
    At top level and in every define not called with other data, `.` is template.Data."""
    parser, locate = _parse(text, name, ())
    info = TemplateInfo(name=name, kind="alertmanager")
    _analyse(parser, locate, info, "Data", {})
    return info


def parse_prometheus_template(text: str, name: str = "") -> TemplateInfo:
    """Parse a Prometheus rule annotation/label template; `$labels`, `$externalLabels`,
    `$externalURL` and `$value` are predeclared at top level as Prometheus does."""
    parser, locate = _parse(text, name, PROMETHEUS_PREAMBLE_VARS)
    info = TemplateInfo(name=name, kind="prometheus")
    top_vars = {"$labels": "PromLabels", "$externalLabels": "PromExternalLabels",
                "$externalURL": "string", "$value": "float"}
    _analyse(parser, locate, info, "PromData", top_vars)
    return info


def check_fields(info: TemplateInfo) -> list[Finding]:
    """Field chains Go would fail to evaluate on Alertmanager's (or Prometheus') data."""
    from callalert.diagnostics import did_you_mean

    findings: list[Finding] = []
    for ref in info.fields:
        typ = ref.context
        for name, pos in zip(ref.chain, ref.positions):
            nxt = member_type(typ, name)
            if nxt is None:
                hint = _FIELD_HINTS.get((typ, name)) or did_you_mean(name, TYPES[typ][1])
                findings.append(Finding(
                    "template-field",
                    f"can't evaluate field {name} in type {go_type_name(typ)}{hint}",
                    pos,
                    ref.template,
                ))
                break
            if nxt == ANY:
                break
            typ = nxt
    return findings


def label_reads(info: TemplateInfo) -> list[LabelRead]:
    """Label and annotation names the template reads, each with where; name "*" = all of them."""
    return list(info.label_reads)


def read_names(info: TemplateInfo, kind: str = "label") -> set[str]:
    return {r.name for r in info.label_reads if r.kind == kind and r.name != "*"}


def prometheus_label_reads(text: str) -> set[str]:
    """Alert label names a Prometheus annotation template reads ($labels.x, index $labels "x", .Labels.x)."""
    if "{{" not in text:
        return set()
    return read_names(parse_prometheus_template(text), "label")


class UndefinedFunction(NamedTuple):
    name: str
    pos: Position
    added_in: Version | None  # None: not defined in any known version


def undefined_functions(
    info: TemplateInfo, kind: str | None = None, version: str | Version = DEFAULT_ALERTMANAGER
) -> list[UndefinedFunction]:
    """Functions the target would reject at parse time, in source order. For Alertmanager,
    `added_in` names the release that introduced a function newer than `version`."""
    kind = kind or info.kind
    out: list[UndefinedFunction] = []
    if kind == "prometheus":
        for ref in info.functions:
            if not ref.builtin and ref.name not in PROMETHEUS_TEMPLATE_FUNCS:
                out.append(UndefinedFunction(ref.name, ref.pos, None))
        return out
    target = Version.parse(version)
    for ref in info.functions:
        if ref.builtin:
            continue
        feature = AM_TEMPLATE_FUNCS.get(ref.name)
        if feature is None:
            out.append(UndefinedFunction(ref.name, ref.pos, None))
        elif not feature.available_in(target):
            out.append(UndefinedFunction(ref.name, ref.pos, feature.since))
    return sorted(out, key=lambda u: u.pos)
