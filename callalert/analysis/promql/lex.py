"""The PromQL lexer of promql/parser/lex.go, per Prometheus version.

Written for callalert from the behaviour of Prometheus' lexer (a state machine that does not
depend on the parser), so the token stream, and every lexer error with its position, are the
ones promtool sees. The parts that changed between releases follow the `Dialect`:

- after `[`: up to 2.53 one duration (a bare number is "missing unit character in duration"),
  2.54 - 3.3 a number or a duration, from 3.4 a duration expression ("unexpected character in
  duration expression" for anything else);
- numbers: from 2.54 `_` between digits and stricter rules for `.` and exponents;
- keywords: `limitk` and `limit_ratio` from 2.54.

Positions are offsets in the Python string (code points); `parse` converts them to promtool's
byte columns where it prints promtool's wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from callalert.analysis.promql.versions import Dialect

# Token kinds: upstream item type names.
OPERATORS = {
    "+": "ADD",
    "-": "SUB",
    "*": "MUL",
    "/": "DIV",
    "%": "MOD",
    "^": "POW",
    "==": "EQLC",
    "!=": "NEQ",
    "<=": "LTE",
    "<": "LSS",
    ">=": "GTE",
    ">": "GTR",
    "=~": "EQL_REGEX",
    "!~": "NEQ_REGEX",
}
SET_OPERATORS = frozenset({"LAND", "LOR", "LUNLESS"})
OPERATOR_KINDS = frozenset({*OPERATORS.values(), "AT", "ATAN2", *SET_OPERATORS})
AGGREGATOR_KINDS = frozenset(
    {"AVG", "BOTTOMK", "COUNT", "COUNT_VALUES", "GROUP", "MAX", "MIN", "QUANTILE", "STDDEV", "STDVAR", "SUM", "TOPK"}
)
LIMIT_AGGREGATORS = frozenset({"LIMITK", "LIMIT_RATIO"})
KEYWORD_KINDS = frozenset({"BOOL", "BY", "GROUP_LEFT", "GROUP_RIGHT", "IGNORING", "OFFSET", "ON", "WITHOUT"})

_KEYWORDS = {
    "and": "LAND",
    "or": "LOR",
    "unless": "LUNLESS",
    "atan2": "ATAN2",
    "sum": "SUM",
    "avg": "AVG",
    "count": "COUNT",
    "min": "MIN",
    "max": "MAX",
    "group": "GROUP",
    "stddev": "STDDEV",
    "stdvar": "STDVAR",
    "topk": "TOPK",
    "bottomk": "BOTTOMK",
    "count_values": "COUNT_VALUES",
    "quantile": "QUANTILE",
    "offset": "OFFSET",
    "by": "BY",
    "without": "WITHOUT",
    "on": "ON",
    "ignoring": "IGNORING",
    "group_left": "GROUP_LEFT",
    "group_right": "GROUP_RIGHT",
    "bool": "BOOL",
    "start": "START",
    "end": "END",
    "inf": "NUMBER",
    "nan": "NUMBER",
}
_LIMIT_KEYWORDS = {"limitk": "LIMITK", "limit_ratio": "LIMIT_RATIO"}

# Kinds that upstream prints by their text ("unexpected \"(\""), as opposed to "identifier \"x\"".
PUNCTUATION = {
    "LEFT_PAREN": "(",
    "RIGHT_PAREN": ")",
    "LEFT_BRACE": "{",
    "RIGHT_BRACE": "}",
    "LEFT_BRACKET": "[",
    "RIGHT_BRACKET": "]",
    "COMMA": ",",
    "EQL": "=",
    "COLON": ":",
}
_NAMED_KINDS = {
    "IDENTIFIER": "identifier",
    "METRIC_IDENTIFIER": "metric identifier",
    "STRING": "string",
    "NUMBER": "number",
    "DURATION": "duration",
}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    pos: int

    @property
    def end(self) -> int:
        return self.pos + len(self.text)


def go_quote(text: str) -> str:
    """Go's strconv.Quote (what `%q` prints for a string)."""
    out = ['"']
    for c in text:
        code = ord(c)
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\a":
            out.append("\\a")
        elif c == "\b":
            out.append("\\b")
        elif c == "\f":
            out.append("\\f")
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif c == "\v":
            out.append("\\v")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\\ufffd")
        elif c.isprintable() or (c == " "):
            out.append(c)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def go_quote_rune(c: str) -> str:
    """Go's strconv.QuoteRune (what `%q` prints for a rune); "" is Go's eof rune (-1)."""
    if not c:
        return "'\ufffd'"
    if c == "'":
        return "'\\''"
    if c == '"':
        return "'\"'"
    inner = go_quote(c)[1:-1]
    return f"'{inner}'"


def go_unicode(c: str) -> str:
    """Go's `%#U`: U+0071 'q'."""
    code = ord(c) if c else 0xFFFD
    if c and c.isprintable():
        return f"U+{code:04X} '{c}'"
    return f"U+{code:04X}"


def describe(tok: Token, dialect: Dialect) -> str:
    """How upstream's parser names a token in "unexpected ..." (Item.desc)."""
    if tok.kind == "AT":
        return f'"<Item {dialect.at_item_number}>" <op:@>'
    if tok.kind in PUNCTUATION or tok.kind in OPERATOR_KINDS or tok.kind in AGGREGATOR_KINDS:
        return _item_string(tok)
    if tok.kind in KEYWORD_KINDS or tok.kind in LIMIT_AGGREGATORS or tok.kind in ("START", "END"):
        return _item_string(tok)
    if tok.kind == "EOF":
        return "end of input"
    return f"{_NAMED_KINDS.get(tok.kind, tok.kind.lower())} {_item_string(tok)}"


def _item_string(tok: Token) -> str:
    if tok.kind in ("IDENTIFIER", "METRIC_IDENTIFIER"):
        return go_quote(tok.text)
    if tok.kind in KEYWORD_KINDS:
        return f"<{tok.text}>"
    if tok.kind in OPERATOR_KINDS:
        return f"<op:{tok.text}>"
    if tok.kind in AGGREGATOR_KINDS or tok.kind in LIMIT_AGGREGATORS:
        return f"<aggr:{tok.text}>"
    if len(tok.text) > 10:
        return go_quote(tok.text[:10]) + "..."
    return go_quote(tok.text)


def _is_space(c: str) -> bool:
    return c != "" and c in " \t\n\r"


def _is_alpha(c: str) -> bool:
    return c == "_" or ("a" <= c <= "z") or ("A" <= c <= "Z")


def _is_digit(c: str) -> bool:
    return "0" <= c <= "9"


def _is_alnum(c: str) -> bool:
    return _is_alpha(c) or _is_digit(c)


_IDENTIFIER_TAIL = re.compile(r"[a-zA-Z0-9_:]*")
# The common tokens of the top-level state, taken in one match (everything else goes the long way).
_FAST = re.compile(r"(?P<space>[ \t\n\r]+)|(?P<word>[a-zA-Z_:][a-zA-Z0-9_:]*)|(?P<op>==|!=|<=|>=|[,*/%+\-^<>@(])")
_FAST_OPS = {"==": "EQLC", "!=": "NEQ", "<=": "LTE", ">=": "GTE", "<": "LSS", ">": "GTR", "@": "AT", "(": "LEFT_PAREN"}
_FAST_OPS |= {",": "COMMA", **{c: OPERATORS[c] for c in "*/%+-^"}}
_LABEL_TAIL = re.compile(r"[a-zA-Z0-9_]*")
_SPACES = re.compile(r"[ \t\n\r]*")
_PLAIN_STRING = {'"': re.compile(r'"[^"\\\n]*"'), "'": re.compile(r"'[^'\\\n]*'")}

_HEX = "0123456789abcdefABCDEF"
_DEC = "0123456789"


class _Lexer:
    def __init__(self, text: str, dialect: Dialect) -> None:
        self.text = text
        self.n = len(text)
        self.dialect = dialect
        self.pos = 0
        self.start = 0
        self.paren_depth = 0
        self.brace_open = False
        self.bracket_open = False
        self.got_colon = False
        self.got_duration = False
        self.mode = "statements"  # statements | braces | bracket (the first token after "[")
        self.tokens: list[Token] = []
        self.done = False

    # --- character helpers --------------------------------------------------------------
    def peek(self) -> str:
        return self.text[self.pos] if self.pos < self.n else ""

    def next(self) -> str:
        if self.pos >= self.n:
            return ""
        c = self.text[self.pos]
        self.pos += 1
        return c

    def accept(self, valid: str) -> bool:
        c = self.peek()
        if c and c in valid:
            self.pos += 1
            return True
        return False

    def accept_run(self, valid: str) -> None:
        while self.accept(valid):
            pass

    def emit(self, kind: str) -> None:
        self.tokens.append(Token(kind, self.text[self.start : self.pos], self.start))
        self.start = self.pos

    def error(self, message: str) -> None:
        self.tokens.append(Token("ERROR", message, self.start))
        self.done = True

    def skip_spaces(self) -> None:
        match = _SPACES.match(self.text, self.pos)
        assert match is not None
        self.pos = self.start = match.end()

    # --- numbers and durations -----------------------------------------------------------
    def scan_number(self) -> bool:
        if self.dialect.underscores:
            return self._scan_number_v2()
        digits = _DEC
        if self.accept("0") and self.accept("xX"):
            digits = _HEX
        self.accept_run(digits)
        if self.accept("."):
            self.accept_run(digits)
        if self.accept("eE"):
            self.accept("+-")
            self.accept_run(_DEC)
        return not _is_alnum(self.peek())

    def _scan_number_v2(self) -> bool:
        initial = self.pos
        digits = _DEC
        if self.accept("0") and self.accept("xX"):
            self.accept("_")
            digits = _HEX
        self.accept(".")
        self.accept(digits)
        dot_seen = exponent_seen = False
        while (c := self.peek()) and c in digits + "._eE":
            if c == "." and dot_seen:
                self.accept(".")
                return False
            if c in "eE" and exponent_seen:
                self.accept("eE")
                return False
            if self.accept("."):
                dot_seen = True
                if self.accept("_."):
                    return False
                if len(digits) > 10:
                    return False
                continue
            if self.accept("eE"):
                exponent_seen = True
                self.accept("+-")
                if self.accept("._eE") or self.peek() == "":
                    return False
                continue
            if self.accept("_"):
                if self.accept("._eE") or self.peek() == "":
                    return False
                continue
            self.accept_run(digits)
        if self.pos == initial:
            return False
        return not _is_alnum(self.peek())

    def number_or_duration(self) -> None:
        if self.scan_number():
            self.emit("NUMBER")
            return
        if self._remaining_duration_then_backup():
            self.emit("DURATION")
            return
        self.error(f"bad number or duration syntax: {go_quote(self.text[self.start : self.pos])}")

    def _remaining_duration_then_backup(self) -> bool:
        if not self.accept("smhdwy"):
            return False
        self.accept("s")
        while self.accept(_DEC):
            self.accept_run(_DEC)
            if not self.accept("smhdw"):
                return False
            self.accept("s")
        c = self.next()
        if _is_alnum(c):
            return False
        if c:
            self.pos -= 1  # backup
        return True

    # --- strings -------------------------------------------------------------------------
    def string(self, quote: str) -> None:
        plain = _PLAIN_STRING[quote].match(self.text, self.pos - 1)
        if plain is not None:
            self.pos = plain.end()
            self.emit("STRING")
            return
        while True:
            c = self.next()
            if c == "\\":
                if not self._escape(quote):
                    return
                continue
            if c in ("", "\n"):
                self.error("unterminated quoted string")
                return
            if c == quote:
                break
        self.emit("STRING")

    def _escape(self, quote: str) -> bool:
        c = self.next()
        if c in ("a", "b", "f", "n", "r", "t", "v", "\\", quote) and c:
            return True
        if c == "":
            self.error("escape sequence not terminated")
            return False
        if c in "01234567":
            count, base, maximum = 3, 8, 255
        elif c == "x":
            c = self.next()
            count, base, maximum = 2, 16, 255
        elif c == "u":
            c = self.next()
            count, base, maximum = 4, 16, 0x10FFFF
        elif c == "U":
            c = self.next()
            count, base, maximum = 8, 16, 0x10FFFF
        else:
            self.error(f"unknown escape sequence {_go_unicode_rune(c)}")
            return False
        value = 0
        while count > 0:
            digit = _unhex(c) if c else 16
            if digit >= base:
                if c == "":
                    self.error("escape sequence not terminated")
                else:
                    self.error(f"illegal character {_go_unicode_rune(c)} in escape sequence")
                return False
            value = value * base + digit
            count -= 1
            if count > 0:
                c = self.next()
        if value > maximum or 0xD800 <= value < 0xE000:
            self.error("escape sequence is an invalid Unicode code point")
            return False
        return True

    def raw_string(self) -> None:
        while True:
            c = self.next()
            if c == "":
                self.error("unterminated raw string")
                return
            if c == "`":
                break
        self.emit("STRING")

    # --- states --------------------------------------------------------------------------
    def line_comment(self) -> None:
        self.pos += 1
        while self.pos < self.n and self.text[self.pos] not in "\r\n":
            self.pos += 1
        self.emit("COMMENT")

    def run(self) -> list[Token]:
        while not self.done:
            if self.mode == "braces":
                self.inside_braces()
            elif self.mode == "bracket":
                self.after_bracket()
            else:
                self.statements()
        return self.tokens

    def statements(self) -> None:
        if self.brace_open:
            self.mode = "braces"
            return
        if not self.bracket_open:
            fast = _FAST.match(self.text, self.pos)
            if fast is not None:
                group = fast.lastgroup
                self.pos = fast.end()
                if group == "space":
                    self.start = self.pos
                elif group == "word":
                    self.pos = self.start
                    self.keyword_or_identifier()
                else:
                    self.emit(_FAST_OPS[fast.group()])
                    if fast.group() == "(":
                        self.paren_depth += 1
                return
        if self.text.startswith("#", self.pos):
            self.line_comment()
            return
        c = self.next()
        if c == "":
            if self.paren_depth != 0:
                self.error("unclosed left parenthesis")
            elif self.bracket_open:
                self.error("unclosed left bracket")
            else:
                self.emit("EOF")
                self.done = True
        elif c == ",":
            self.emit("COMMA")
        elif _is_space(c):
            self.skip_spaces()
        elif c in "*/%+-^":
            self.emit(OPERATORS[c])
        elif c == "=":
            t = self.peek()
            if t == "=":
                self.pos += 1
                self.emit("EQLC")
            elif t == "~":
                self.error(f"unexpected character after '=': {go_quote_rune(t)}")
            else:
                self.emit("EQL")
        elif c == "!":
            t = self.next()
            if t == "=":
                self.emit("NEQ")
            else:
                self.error(f"unexpected character after '!': {go_quote_rune(t)}")
        elif c in "<>":
            if self.peek() == "=":
                self.pos += 1
                self.emit("LTE" if c == "<" else "GTE")
            else:
                self.emit("LSS" if c == "<" else "GTR")
        elif _is_digit(c) or (c == "." and _is_digit(self.peek())):
            self.pos -= 1
            self.number_or_duration()
        elif c in "\"'":
            self.string(c)
        elif c == "`":
            self.raw_string()
        elif _is_alpha(c) or c == ":":
            if not self.bracket_open:
                self.pos -= 1
                self.keyword_or_identifier()
            elif self.got_colon:
                self.error(f"unexpected colon {go_quote_rune(c)}")
            else:
                self.emit("COLON")
                self.got_colon = True
        elif c == "(":
            self.emit("LEFT_PAREN")
            self.paren_depth += 1
        elif c == ")":
            self.emit("RIGHT_PAREN")
            self.paren_depth -= 1
            if self.paren_depth < 0:
                self.tokens.pop()
                self.error(f"unexpected right parenthesis {go_quote_rune(c)}")
        elif c == "{":
            self.emit("LEFT_BRACE")
            self.brace_open = True
            self.mode = "braces"
        elif c == "[":
            if self.bracket_open:
                self.error(f"unexpected left bracket {go_quote_rune(c)}")
                return
            self.got_colon = False  # (got_duration is never reset: upstream's lexer does not either)
            self.emit("LEFT_BRACKET")
            if _is_space(self.peek()):
                self.skip_spaces()
            self.bracket_open = True
            self.mode = "bracket"
        elif c == "]":
            if not self.bracket_open:
                self.error(f"unexpected right bracket {go_quote_rune(c)}")
                return
            self.emit("RIGHT_BRACKET")
            self.bracket_open = False
        elif c == "@":
            self.emit("AT")
        else:
            self.error(f"unexpected character: {go_quote_rune(c)}")

    def after_bracket(self) -> None:
        lexer = self.dialect.bracket_lexer
        if lexer == "duration":
            self.mode = "statements"
            if self.scan_number():
                self.error("missing unit character in duration")
            elif not self._remaining_duration_then_backup():
                self.error(f"bad duration syntax: {go_quote(self.text[self.start : self.pos])}")
            else:
                self.emit("DURATION")
            return
        if lexer == "number":
            self.mode = "statements"
            self.number_or_duration()
            return
        self.duration_expression()

    def duration_expression(self) -> None:
        """lexDurationExpr (3.4+): stays in this state until a number, a duration or `]`."""
        c = self.next()
        if c == "":
            self.error("unexpected end of input in duration expression")
        elif c == "]":
            self.emit("RIGHT_BRACKET")
            self.bracket_open = False
            self.got_colon = False
            self.mode = "statements"
        elif c == ":":
            self.emit("COLON")
            if not self.got_duration:
                self.tokens.pop()
                self.error("unexpected colon before duration in duration expression")
            elif self.got_colon:
                self.tokens.pop()
                self.error("unexpected repeated colon in duration expression")
            else:
                self.got_colon = True
        elif c == "(":
            self.emit("LEFT_PAREN")
            self.paren_depth += 1
        elif c == ")":
            self.emit("RIGHT_PAREN")
            self.paren_depth -= 1
            if self.paren_depth < 0:
                self.tokens.pop()
                self.error(f"unexpected right parenthesis {go_quote_rune(c)}")
        elif _is_space(c):
            self.skip_spaces()
        elif c in "+-*/%^":
            self.emit(OPERATORS[c])
        elif _is_digit(c) or (c == "." and _is_digit(self.peek())):
            self.pos -= 1
            self.got_duration = True
            self.mode = "statements"
            self.number_or_duration()
        else:
            self.error(f"unexpected character in duration expression: {go_quote_rune(c)}")

    def inside_braces(self) -> None:
        if self.text.startswith("#", self.pos):
            self.line_comment()
            return
        c = self.next()
        if c == "":
            self.error("unexpected end of input inside braces")
        elif _is_space(c):
            self.skip_spaces()
        elif _is_alpha(c):
            match = _LABEL_TAIL.match(self.text, self.pos)
            assert match is not None
            self.pos = match.end()
            self.emit("IDENTIFIER")
        elif c == ",":
            self.emit("COMMA")
        elif c in "\"'":
            self.string(c)
        elif c == "`":
            self.raw_string()
        elif c == "=":
            if self.accept("~"):
                self.emit("EQL_REGEX")
            else:
                self.emit("EQL")
        elif c == "!":
            t = self.next()
            if t == "~":
                self.emit("NEQ_REGEX")
            elif t == "=":
                self.emit("NEQ")
            else:
                self.error(f"unexpected character after '!' inside braces: {go_quote_rune(t)}")
        elif c == "{":
            self.error(f"unexpected left brace {go_quote_rune(c)}")
        elif c == "}":
            self.emit("RIGHT_BRACE")
            self.brace_open = False
            self.mode = "statements"
        else:
            self.error(f"unexpected character inside braces: {go_quote_rune(c)}")

    def keyword_or_identifier(self) -> None:
        match = _IDENTIFIER_TAIL.match(self.text, self.pos)
        assert match is not None
        self.pos = match.end()
        word = self.text[self.start : self.pos]
        lower = word.lower()
        kind = _KEYWORDS.get(lower)
        if kind is None and self.dialect.limit_aggregators:
            kind = _LIMIT_KEYWORDS.get(lower)
        if kind is not None:
            self.emit(kind)
        elif ":" not in word:
            self.emit("IDENTIFIER")
        else:
            self.emit("METRIC_IDENTIFIER")


def _unhex(c: str) -> int:
    if "0" <= c <= "9":
        return ord(c) - 48
    if "a" <= c <= "f":
        return ord(c) - 87
    if "A" <= c <= "F":
        return ord(c) - 55
    return 16


def _go_unicode_rune(c: str) -> str:
    return go_unicode(c)


def tokenize(text: str, dialect: Dialect) -> list[Token]:
    """Every token of `text` (comments dropped); the last is EOF or ERROR (its text is the message)."""
    return [tok for tok in _Lexer(text, dialect).run() if tok.kind != "COMMENT"]
