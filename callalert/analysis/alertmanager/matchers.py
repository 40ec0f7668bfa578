"""Alertmanager label matchers, as each Alertmanager release parses and evaluates them.

Two parsers. The "classic" one (pkg/labels/parse.go) is the only one up to 0.26. Alertmanager
0.27 added the UTF-8 parser (matcher/parse: `{...}` optional, double-quoted or bare UTF-8 label
names such as `"service.name"` or `foo.bar`, values with spaces or backslashes must be quoted)
and three modes (`MatcherMode`): by default "fallback" parses with both and keeps the classic
result whenever the classic parser accepts the input (logging a warning when only it does);
`--enable-feature=utf8-strict-mode` uses the UTF-8 parser alone and `classic-mode` the classic
one alone. Which mode a release has comes from the feature table (versions.am_matcher_mode).

Regexes use Go RE2 syntax as of the Go release that built the Alertmanager. We compile them with
google-re2 (the C++ RE2 that Go's regexp reimplements) because Python's `re` accepts lookarounds,
backreferences, possessive quantifiers and `\\Z`, and gives `\\d`/`\\w`/`\\s` Unicode meanings
RE2 does not. Where C++ RE2 and a Go release differ (`\\C`; `(?<name>` before Go 1.22; class
names such as `\\p{Letter}` from Go 1.25) a scan decides before compiling.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from callalert.analysis.gotemplate.lex import unquote_char
from callalert.analysis.labels import is_valid_label_name
from callalert.analysis.versions import GO_DEFAULT, Version

Op = Literal["=", "!=", "=~", "!~"]
OPS: tuple[Op, ...] = ("=", "!=", "=~", "!~")

# Go's \s is ASCII [\t\n\f\r ]; '=~' before '=' so the '~' is not read as part of the value.
_MATCHER_RE = re.compile(r"[\t\n\f\r ]*([a-zA-Z_:][a-zA-Z0-9_:]*)[\t\n\f\r ]*(=~|=|!=|!~)[\t\n\f\r ]*(.*?)[\t\n\f\r ]*", re.S)


# unicode.IsSpace, which strings.TrimSpace uses (Python's str.isspace also counts \x1c-\x1f).
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


class MatcherError(ValueError):
    """A matcher or regex Alertmanager would reject; the message says why."""


class MatcherFormatError(MatcherError):
    """Text that is not `name`, an operator and a value at all ("bad matcher format")."""


# C++ RE2 messages -> the Go regexp wording amtool prints ("error parsing regexp: ...").
_RE2_TO_GO = (
    ("invalid perl operator: ", "invalid or unsupported Perl syntax: "),
    ("bad repetition operator: ", "invalid nested repetition operator: "),
    ("invalid repetition size: ", "invalid repeat count: "),
    ("missing ): ", "missing closing ): "),
    ("unexpected ): ", "unexpected ): "),
    ("missing ]: ", "missing closing ]: "),
    ("invalid character class range: ", "invalid character class range: "),
    ("invalid character class: ", "invalid character class: "),
    ("invalid escape sequence: ", "invalid escape sequence: "),
    ("trailing \\: ", "trailing backslash at end of expression: "),
    ("no argument for repetition operator: ", "missing argument to repetition operator: "),
    ("invalid named capture group: ", "invalid named capture: "),
    ("duplicate capture group name: ", "duplicate capture group name: "),
    ("invalid UTF-8: ", "invalid UTF-8: "),
)


# Unicode general categories as Go's unicode.Categories names them, and their long aliases
# (PropertyValueAliases.txt), which \p{...} accepts from Go 1.25, case-insensitively.
_CATEGORIES = "C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs".split()  # noqa: SIM905
_CATEGORY_ALIASES = {
    "Other": "C", "Control": "Cc", "Format": "Cf", "Private_Use": "Co", "Surrogate": "Cs", "Letter": "L",
    "Cased_Letter": "LC", "Lowercase_Letter": "Ll", "Modifier_Letter": "Lm", "Other_Letter": "Lo",
    "Titlecase_Letter": "Lt", "Uppercase_Letter": "Lu", "Mark": "M", "Combining_Mark": "M", "Spacing_Mark": "Mc",
    "Enclosing_Mark": "Me", "Nonspacing_Mark": "Mn", "Number": "N", "Decimal_Number": "Nd", "Letter_Number": "Nl",
    "Other_Number": "No", "Punctuation": "P", "Connector_Punctuation": "Pc", "Dash_Punctuation": "Pd",
    "Close_Punctuation": "Pe", "Final_Punctuation": "Pf", "Initial_Punctuation": "Pi", "Other_Punctuation": "Po",
    "Open_Punctuation": "Ps", "Symbol": "S", "Currency_Symbol": "Sc", "Modifier_Symbol": "Sk", "Math_Symbol": "Sm",
    "Other_Symbol": "So", "Separator": "Z", "Line_Separator": "Zl", "Paragraph_Separator": "Zp",
    "Space_Separator": "Zs",
}  # fmt: skip
_CLASS_LOOKUP = {k.lower(): v for k, v in {**{c: c for c in _CATEGORIES}, **_CATEGORY_ALIASES}.items()}


def _class_body(name: str, go: Version, in_class: bool) -> str | None:
    """What C++ RE2 should see for `\\p{name}` under Go `go`, or None to leave it as written
    (before Go 1.25 names are exact; script names and unknown ones are left to C++ RE2)."""
    if go < Version(1, 25):
        return None
    negated = name.startswith("^")
    bare = name[1:] if negated else name
    if bare.lower() == "ascii":
        if negated:
            return None
        return "\\x00-\\x7F" if in_class else "[\\x00-\\x7F]"
    if bare.lower() == "any":
        return None
    canonical = _CLASS_LOOKUP.get(bare.lower())
    if canonical is None or canonical in ("LC", bare):
        return None
    return "\\p{" + ("^" if negated else "") + canonical + "}"


def _is_capture_name(name: str) -> bool:
    return bool(name) and all(c == "_" or (c.isascii() and c.isalnum()) for c in name)


def _go_scan(pattern: str, go: Version) -> tuple[str | None, str]:
    """What Go `go` rejects that C++ RE2 accepts (or words differently), and the pattern as C++
    RE2 should compile it where Go accepts more (`(?<name>` from 1.22, class aliases from 1.25)."""
    tail = ")$"  # Alertmanager compiles ^(?:pattern)$: Go's error details run to its end
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt == "Q" and not in_class:
                end = pattern.find("\\E", i + 2)
                stop = n if end < 0 else end + 2
                out.append(pattern[i:stop])
                i = stop
                continue
            if nxt == "C":
                return "invalid escape sequence: `\\C`", pattern
            if nxt in "pP" and i + 2 < n and pattern[i + 2] == "{":
                close = pattern.find("}", i + 3)
                body = _class_body(pattern[i + 3 : close], go, in_class) if close > 0 else None
                if body is not None:
                    if nxt == "P":
                        body = "[^" + body.strip("[]") + "]" if body.startswith("[") else body.replace("\\p{", "\\P{", 1)
                    out.append(body)
                    i = close + 1
                    continue
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
            elif c == "[" and pattern.startswith("[:", i):
                close = pattern.find(":]", i + 2)
                if close >= 0:
                    out.append(pattern[i : close + 2])
                    i = close + 2
                    continue
        elif c == "[":
            in_class = True
            start = i
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            if i < n and pattern[i] == "]":  # a leading ']' is a literal
                i += 1
            out.append(pattern[start:i])
            continue
        elif pattern.startswith(("(?<", "(?P<"), i):
            angle = pattern.startswith("(?<", i)
            if angle and go < Version(1, 22):
                return "invalid or unsupported Perl syntax: `(?<`", pattern
            begin = i + (3 if angle else 4)
            end = pattern.find(">", begin)
            if end < 0:
                return f"invalid named capture: `{pattern[i:]}{tail}`", pattern
            if not _is_capture_name(pattern[begin:end]):
                return f"invalid named capture: `{pattern[i : end + 1]}`", pattern
            out.append("(?P<" + pattern[begin : end + 1])
            i = end + 1
            continue
        out.append(c)
        i += 1
    return None, "".join(out)


@lru_cache(maxsize=4096)
def _compile_go(pattern: str, go: Version) -> Any:
    import re2  # google-re2 ships no type information (pyproject: ignore_missing_imports)

    go_err, rewritten = _go_scan(pattern, go)
    if go_err is not None:
        raise MatcherError(f"error parsing regexp: {go_err}")
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile("^(?:" + rewritten + ")$", options)
    except re2.error as exc:
        raise MatcherError(f"error parsing regexp: {_go_message(exc, pattern, rewritten)}") from None


def _compile(pattern: str, go: Version = GO_DEFAULT) -> Any:
    """Compile `^(?:pattern)$` exactly as Alertmanager concatenates it, with the regexp syntax of
    Go `go`; raise MatcherError with Go's message."""
    return _compile_go(pattern, go.minor_version)


def _go_message(exc: Exception, pattern: str, rewritten: str) -> str:
    raw = exc.args[0] if exc.args else str(exc)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    if rewritten != pattern:  # name the user's text, not what C++ RE2 was given
        text = text.replace(rewritten, pattern)
    for cpp, go in _RE2_TO_GO:
        if text.startswith(cpp):
            detail = text[len(cpp) :]
            if cpp == "invalid perl operator: ":
                detail = detail[:3]  # Go quotes up to the first unsupported character: `(?=`
            return f"{go}`{detail}`"
    return text


def validate_regex(pattern: str, go: Version = GO_DEFAULT) -> str | None:
    """Why the Alertmanager built with Go `go` rejects `pattern` as a matcher regex, or None."""
    try:
        _compile(pattern, go)
    except MatcherError as exc:
        return str(exc)
    return None


def quote_value(value: str) -> str:
    """`value` in double quotes as Alertmanager prints a matcher's value (openMetricsEscape in
    pkg/labels: only backslash, newline and double quote are escaped); parse_matcher reads it back."""
    return '"' + value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"') + '"'


def _is_reserved(ch: str) -> bool:
    # matcher/parse isReserved: unicode.IsSpace or one of {}!=~,\"'`
    return ch in _GO_SPACE or ch in "{}!=~,\\\"'`"


def go_quote(text: str) -> str:
    """strconv.Quote: how Alertmanager prints a label name with reserved characters."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        elif code < 0x10000:
            out.append(f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out) + '"'


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def format_matcher(name: str, op: Op, value: str) -> str:
    """`name`, `op` and the quoted value: the one way callalert writes a matcher. A name with
    characters the UTF-8 parser reserves is quoted too (`"service name"="x"`), as
    Alertmanager's Matcher.String() does; other names are written bare (`service.name="x"`)."""
    if any(_is_reserved(ch) for ch in name):
        return f"{go_quote(name)}{op}{go_quote(value)}"
    return f"{name}{op}{quote_value(value)}"


@dataclass(frozen=True)
class Matcher:
    name: str
    op: Op
    value: str
    # The Go whose regexp syntax a regex value must follow (that of the target Alertmanager).
    go: Version = field(default=GO_DEFAULT, repr=False, compare=False, hash=False)
    _regex: Any = field(default=None, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise MatcherError(f"unknown match operator {self.op!r} (want one of =, !=, =~, !~)")
        if self.op in ("=~", "!~"):
            object.__setattr__(self, "_regex", _compile(self.value, self.go))

    def matches_value(self, value: str) -> bool:
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        found = self._regex.search(value) is not None
        return found if self.op == "=~" else not found

    def matches(self, labels: Mapping[str, str]) -> bool:
        # An absent label is the empty string, as in Alertmanager (lset[name] on a Go map).
        return self.matches_value(labels.get(self.name, ""))

    def __str__(self) -> str:
        return format_matcher(self.name, self.op, self.value)


def matchers_str(matchers: list[Matcher]) -> str:
    return "{" + ",".join(str(m) for m in matchers) + "}"


def all_match(matchers: list[Matcher], labels: Mapping[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)


# --------------------------------------------------------------------------------------------
# The classic parser (pkg/labels/parse.go)


def _parse_classic(text: str, go: Version) -> Matcher:
    found = _MATCHER_RE.fullmatch(text)
    if found is None:
        raise MatcherFormatError(f"bad matcher format: {text}")
    name, op, raw_full = found.group(1), found.group(2), found.group(3)
    raw = raw_full
    expect_trailing_quote = False
    if raw.startswith('"'):
        raw = raw[1:]
        expect_trailing_quote = True
    out: list[str] = []
    escaped = False
    last = len(raw) - 1
    for i, ch in enumerate(raw):
        if escaped:
            escaped = False
            if ch == "n":
                out.append("\n")
            elif ch in '"\\':
                out.append(ch)
            else:  # a spurious escape: the backslash is literal
                out.append("\\" + ch)
            continue
        if ch == "\\":
            if i < last:
                escaped = True
                continue
            out.append("\\")
        elif ch == '"':
            if not expect_trailing_quote or i < last:
                raise MatcherError(f"matcher value contains unescaped double quote: {raw_full}")
            expect_trailing_quote = False
        else:
            out.append(ch)
    if expect_trailing_quote:
        raise MatcherError(f"matcher value contains unescaped double quote: {raw_full}")
    return Matcher(name, op, "".join(out), go)  # type: ignore[arg-type]


def _split_classic(text: str) -> list[str]:
    """labels.ParseMatchers' split: a comma list, optionally in braces; commas inside double
    quotes do not split."""
    if text.startswith("{"):
        text = text[1:]
    if text.endswith("}"):
        text = text[:-1]
    tokens: list[str] = []
    token: list[str] = []
    inside_quotes = escaped = False
    for ch in text:
        if ch == "," and not inside_quotes:
            tokens.append("".join(token))
            token = []
            continue
        if ch == '"':
            if not escaped:
                inside_quotes = not inside_quotes
            else:
                escaped = False
        elif ch == "\\":
            escaped = not escaped
        else:
            escaped = False
        token.append(ch)
    tail = "".join(token).strip(_GO_SPACE)
    if tail:
        tokens.append(tail)
    return tokens


# --------------------------------------------------------------------------------------------
# The UTF-8 parser (matcher/parse, Alertmanager 0.27+): a lexer and a small state machine. Error
# messages are Alertmanager's, with 0-based rune columns ("8:11: unexpected baz: ...").

_EOF_ERR = "end of input"


class _Utf8Error(Exception):
    def __init__(self, message: str, eof: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.eof = eof  # errEOF itself (the parser treats it as "no more input")


@dataclass
class _Token:
    kind: str  # "eof" "{" "}" "," "=" "!=" "=~" "!~" "quoted" "unquoted"
    value: str = ""
    start: int = 0  # rune columns (also the offsets: Python strings index runes)
    end: int = 0


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.err: _Utf8Error | None = None
        self.start = self.pos = self.width = 0

    def _next(self) -> str:
        if self.pos >= len(self.text):
            self.width = 0
            return ""
        self.width = 1
        self.pos += 1
        return self.text[self.pos - 1]

    def _rewind(self) -> None:
        self.pos -= self.width

    def _accept(self, valid: str) -> bool:
        ch = self._next()
        if ch and ch in valid:
            return True
        self._rewind()
        return False

    def _emit(self, kind: str) -> _Token:
        token = _Token(kind, self.text[self.start : self.pos], self.start, self.pos)
        self.start = self.pos
        return token

    def _expected(self, expected: str) -> _Utf8Error:
        if self.pos >= len(self.text):
            return _Utf8Error(f"{self.start}:{self.pos}: unexpected end of input, expected one of '{expected}'")
        return _Utf8Error(f"{self.start}:{self.pos}: {self.text[self.start : self.pos]}: expected one of '{expected}'")

    def scan(self) -> _Token:
        if self.err is not None:
            raise self.err
        try:
            return self._scan()
        except _Utf8Error as exc:
            self.err = exc
            raise

    def _scan(self) -> _Token:
        while True:
            ch = self._next()
            if not ch:
                return _Token("eof")
            if ch in "{},":
                return self._emit(ch)
            if ch in "=!":
                self._rewind()
                return self._operator()
            if ch == '"':
                self._rewind()
                return self._quoted()
            if not _is_reserved(ch):
                self._rewind()
                while (c := self._next()) and not _is_reserved(c):
                    pass
                if c:
                    self._rewind()
                return self._emit("unquoted")
            if ch in _GO_SPACE:
                self.start = self.pos
                continue
            raise _Utf8Error(f"{self.start}:{self.pos}: {self.text[self.start : self.pos]}: invalid input")

    def _operator(self) -> _Token:
        if self._accept("!"):
            if self._accept("="):
                return self._emit("!=")
            if self._accept("~"):
                return self._emit("!~")
            raise self._expected("=~")
        if self._accept("="):
            return self._emit("=~" if self._accept("~") else "=")
        raise self._expected("!=")

    def _quoted(self) -> _Token:
        self._accept('"')
        escaped = False
        while ch := self._next():
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                self._rewind()
                break
        if not self._accept('"'):
            raise _Utf8Error(f'{self.start}:{self.pos}: {self.text[self.start : self.pos]}: missing end "')
        return self._emit("quoted")

    def peek(self) -> _Token:
        saved = (self.start, self.pos, self.width)
        try:
            return self.scan()
        finally:  # an error stays (the next scan raises it), the position does not
            self.start, self.pos, self.width = saved


def _unquote(token: _Token) -> str:
    if token.kind != "quoted":
        return token.value
    body = token.value[1:-1]
    if "\n" in body:
        raise ValueError("invalid syntax")
    raw = bytearray()
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body) and body[i + 1] == "x":
            digits = body[i + 2 : i + 4]
            if len(digits) != 2 or any(d not in "0123456789abcdefABCDEF" for d in digits):
                raise ValueError("invalid syntax")
            raw.append(int(digits, 16))
            i += 4
            continue
        if ch == "\\" and i + 1 < len(body) and body[i + 1] in "01234567":
            digits = body[i + 1 : i + 4]
            if len(digits) != 3 or any(d not in "01234567" for d in digits) or int(digits, 8) > 255:
                raise ValueError("invalid syntax")
            raw.append(int(digits, 8))
            i += 4
            continue
        char, i = unquote_char(body, i, '"')
        raw += char.encode("utf-8", "surrogatepass")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("quoted string contains invalid UTF-8 code points") from None


_OPS = {"=": "=", "!=": "!=", "=~": "=~", "!~": "!~"}


class _Utf8Parser:
    def __init__(self, text: str, go: Version) -> None:
        self.lexer = _Lexer(text)
        self.go = go
        self.matchers: list[Matcher] = []
        self.open_brace = False

    def _peek(self) -> _Token:
        token = self.lexer.peek()
        if token.kind == "eof":
            raise _Utf8Error(_EOF_ERR, eof=True)
        return token

    def _expect_peek(self, *kinds: str) -> _Token:
        token = self._peek()
        if token.kind not in kinds:
            raise _Utf8Error(f"{token.start}:{token.end}: unexpected {token.value}")
        return token

    def _expect(self, *kinds: str) -> _Token:
        token = self._expect_peek(*kinds)
        self.lexer.scan()
        return token

    def parse(self) -> list[Matcher]:
        state: Callable[[], Any] | None = self._open_brace
        while state is not None:
            state = state()
        return self.matchers

    def _open_brace(self) -> Any:
        try:
            token = self._peek()
        except _Utf8Error as exc:
            if exc.eof:
                return self._eof
            raise
        if token.kind == "{":
            self.lexer.scan()
            self.open_brace = True
        try:
            token = self._peek()
        except _Utf8Error as exc:
            if exc.eof:
                return self._close_brace
            raise
        return self._close_brace if token.kind == "}" else self._matcher

    def _close_brace(self) -> Any:
        try:
            self._expect("}")
            closed = None
        except _Utf8Error as exc:
            closed = exc
        column = self.lexer.pos
        if self.open_brace and closed is not None:
            raise _Utf8Error(f"0:{column}: {closed.message}: expected close brace")
        if not self.open_brace and closed is None:
            raise _Utf8Error(f"0:{column}: }}: expected opening brace")
        return self._eof

    def _matcher(self) -> Any:
        def wrap(what: str, kinds: tuple[str, ...]) -> _Token:
            try:
                return self._expect(*kinds)
            except _Utf8Error as exc:
                raise _Utf8Error(f"{exc.message}: {what}") from None

        token = wrap("expected label name", ("quoted", "unquoted"))
        try:
            name = _unquote(token)
        except ValueError:
            raise _Utf8Error(f"{token.start}:{token.end}: {token.value}: invalid input") from None
        op = wrap("expected an operator such as '=', '!=', '=~' or '!~'", ("=", "!=", "=~", "!~")).kind
        token = wrap("expected label value", ("unquoted", "quoted"))
        try:
            value = _unquote(token)
        except ValueError:
            raise _Utf8Error(f"{token.start}:{token.end}: {token.value}: invalid input") from None
        try:
            self.matchers.append(Matcher(name, _OPS[op], value, self.go))  # type: ignore[arg-type]
        except MatcherError as exc:
            raise _Utf8Error(f"failed to create matcher: {exc}") from None
        return self._end_of_matcher

    def _end_of_matcher(self) -> Any:
        try:
            token = self._expect_peek(",", "}")
        except _Utf8Error as exc:
            if exc.eof:
                return self._close_brace
            raise _Utf8Error(f"{exc.message}: expected a comma or close brace") from None
        return self._comma if token.kind == "," else self._close_brace

    def _comma(self) -> Any:
        self.lexer.scan()  # the comma _end_of_matcher saw
        try:
            token = self._expect_peek("}", "unquoted", "quoted")
        except _Utf8Error as exc:
            if exc.eof:
                return self._close_brace
            raise _Utf8Error(f"{exc.message}: expected a matcher or close brace after comma") from None
        return self._close_brace if token.kind == "}" else self._matcher

    def _eof(self) -> Any:
        try:
            token = self.lexer.scan()
        except _Utf8Error as exc:
            raise _Utf8Error(f"{exc.message}: expected end of input") from None
        if token.kind != "eof":
            raise _Utf8Error(f"{token.start}:{token.end}: {token.value}: expected end of input")
        return None


def parse_matchers_utf8(text: str, go: Version = GO_DEFAULT) -> list[Matcher]:
    """matcher/parse.Matchers: zero or more matchers, optionally in braces."""
    try:
        return _Utf8Parser(text, go).parse()
    except _Utf8Error as exc:
        raise MatcherError(exc.message) from None


# --------------------------------------------------------------------------------------------
# Parsing by mode (matcher/compat)

MatcherMode = Literal["classic", "fallback", "utf8-strict"]

FALLBACK_WARNING = (
    "Alertmanager is moving to a new parser for labels and matchers, and this input is incompatible. "
    "Alertmanager has instead parsed the input using the classic matchers parser as a fallback. To make "
    "this input compatible with the UTF-8 matchers parser please make sure all regular expressions and "
    "values are double-quoted and backslashes are escaped. If you are still seeing this message please open an issue."
)


@dataclass(frozen=True)
class Parsed:
    """Matchers as a mode parsed them; `utf8_error` is set when only the classic parser accepted
    the input (fallback: Alertmanager logs FALLBACK_WARNING, and UTF-8 strict mode would refuse
    it), `disagreement` when both did with different results (the classic one is used)."""

    matchers: tuple[Matcher, ...]
    utf8_error: str | None = None
    disagreement: bool = False

    @property
    def suggestion(self) -> str:
        return ",".join(str(m) for m in self.matchers)


def parse_matchers_in(text: str, mode: MatcherMode = "classic", go: Version = GO_DEFAULT) -> Parsed:
    """compat.Matchers: one config line (`matchers:` entry) in `mode`; raise MatcherError."""
    if mode == "classic":
        return Parsed(tuple(_parse_classic(t, go) for t in _split_classic(text)))
    if mode == "utf8-strict":
        return Parsed(tuple(parse_matchers_utf8(text, go)))
    try:
        utf8: list[Matcher] | None = parse_matchers_utf8(text, go)
        utf8_error = None
    except MatcherError as exc:
        utf8, utf8_error = None, str(exc)
    try:
        classic = [_parse_classic(t, go) for t in _split_classic(text)]
    except MatcherError:
        if utf8 is None:
            raise
        return Parsed(tuple(utf8))
    if utf8 is None:
        return Parsed(tuple(classic), utf8_error)
    return Parsed(tuple(classic), None, classic != utf8)


def parse_matcher_in(text: str, mode: MatcherMode = "classic", go: Version = GO_DEFAULT) -> Parsed:
    """compat.Matcher: exactly one matcher (an amtool argument) in `mode`; raise MatcherError."""
    if mode == "classic":
        return Parsed((_parse_classic(text, go),))
    if text.startswith("{") or text.endswith("}"):
        raise MatcherError(f"unexpected open or close brace: {text}")

    def one_utf8() -> Matcher:
        found = parse_matchers_utf8(text, go)
        if len(found) != 1:
            raise MatcherError("no matchers" if not found else f"expected 1 matcher, found {len(found)}")
        return found[0]

    if mode == "utf8-strict":
        return Parsed((one_utf8(),))
    try:
        utf8: Matcher | None = one_utf8()
        utf8_error = None
    except MatcherError as exc:
        utf8, utf8_error = None, str(exc)
    try:
        classic = _parse_classic(text, go)
    except MatcherError:
        if utf8 is None:
            raise
        return Parsed((utf8,))
    if utf8 is None:
        return Parsed((classic,), utf8_error)
    return Parsed((classic,), None, classic != utf8)


def parse_matcher(text: str, mode: MatcherMode = "classic", go: Version = GO_DEFAULT) -> Matcher:
    """One matcher as Alertmanager in `mode` reads it (classic: as 0.25 does)."""
    return parse_matcher_in(text, mode, go).matchers[0]


def parse_matchers(text: str, mode: MatcherMode = "classic", go: Version = GO_DEFAULT) -> list[Matcher]:
    """A comma list, optionally in braces, as Alertmanager in `mode` reads a `matchers:` line."""
    return list(parse_matchers_in(text, mode, go).matchers)


def go_yaml_string(value: object) -> str:
    """A scalar loaded by yaml.safe_load, as Go's yaml.v2 would put it into a string field.

    Go keeps the scalar's source text; safe_load has already converted it, so this is exact for
    strings, ints and booleans written as true/false, and approximate for floats like `1e3`.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    raise MatcherError(f"expected a string, got {type(value).__name__}: {value!r}")


def matchers_from_legacy(
    match: Mapping[str, Any] | None, match_re: Mapping[str, Any] | None, go: Version = GO_DEFAULT
) -> list[Matcher]:
    """`match`/`match_re` maps (classic label names in every release), regexes by Go `go`."""
    out: list[Matcher] = []
    for name, value in (match or {}).items():
        if not is_valid_label_name(str(name)):
            raise MatcherError(f'"{name}" is not a valid label name')
        out.append(Matcher(str(name), "=", go_yaml_string(value), go))
    for name, value in (match_re or {}).items():
        if not is_valid_label_name(str(name)):
            raise MatcherError(f'"{name}" is not a valid label name')
        if value is None:
            raise MatcherError(f"invalid_label: regex for {name!r} is empty (null)")
        out.append(Matcher(str(name), "=~", go_yaml_string(value), go))
    return out


def sort_key(m: Matcher) -> tuple[str, str, int]:
    # labels.Matchers.Less: name, then value, then type (= < != < =~ < !~).
    return (m.name, m.value, OPS.index(m.op))
