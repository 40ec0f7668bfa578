"""Go text/template/parse lexer (Go 1.19, and what later releases changed): the same tokens and
the same error texts, and the literal decoding (strconv.Unquote, number syntax) the parser
applies to them."""

from __future__ import annotations

import math
from typing import NamedTuple

from callalert.analysis.versions import GO_DEFAULT, GO_FEATURES, Version

_GO_RIGHT_PAREN_ERROR = GO_FEATURES["go.template.right_paren_error"].since

_SPACE = " \t\r\n"
KEYWORDS = {
    ".": "dot",
    "block": "block",
    "break": "break",
    "continue": "continue",
    "define": "define",
    "else": "else",
    "end": "end",
    "if": "if",
    "range": "range",
    "nil": "nil",
    "template": "template",
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


def lex(text: str, go: Version = GO_DEFAULT) -> list[Token]:
    """Go text/template/parse tokens of `text`, as the lexer of Go release `go` produces them."""
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
                        emit(Token("error", f"bad number syntax: {go_quote(text[p:q])}", start))
                        return toks
                    emit(Token("complex", text[p:q], p))
                elif not ok:
                    emit(Token("error", f"bad number syntax: {go_quote(text[p:q])}", start))
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
                kind = KEYWORDS.get(word)
                if kind is None:
                    kind = "bool" if word in ("true", "false") else "ident"
                emit(Token(kind, word, p))
                p = q
            elif c == "(":
                emit(Token("lparen", "(", p))
                depth += 1
                p += 1
            elif c == ")":
                depth -= 1
                if depth < 0 and go >= _GO_RIGHT_PAREN_ERROR:
                    # Go ≥ 1.21 reports the stray ')' itself; before, the parser saw it first
                    # ('unexpected ")" in command').
                    emit(Token("error", "unexpected right paren", p))
                    return toks
                emit(Token("rparen", ")", p))
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


def go_quote(s: str) -> str:
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


def unquote_char(s: str, i: int, quote: str) -> tuple[str, int]:
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


def unquote(lit: str) -> str:
    """strconv.Unquote for "..." and `...`; ValueError('invalid syntax') like Go's ErrSyntax."""
    if lit.startswith("`"):
        return lit[1:-1].replace("\r", "")
    body = lit[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch, i = unquote_char(body, i, '"')
        out.append(ch)
    return "".join(out)


def number_error(lit: str, kind: str) -> str | None:
    """Go's parse.newNumber verdict: None when it accepts the literal, else its message."""
    if kind == "complex" or lit.endswith("i"):
        return None  # rare in templates; Go accepts well-formed ones
    body = lit[1:] if lit[:1] in "+-" else lit
    if not body or body[:1] in "+-":
        return f"illegal number syntax: {go_quote(lit)}"
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
        value_f = float.fromhex(body.replace("_", "")) if body[:2] in ("0x", "0X") else float(body)
    except (ValueError, OverflowError):
        return f"illegal number syntax: {go_quote(lit)}"
    if math.isinf(value_f):  # strconv.ParseFloat: out of range (1e999)
        return f"illegal number syntax: {go_quote(lit)}"
    if not any(ch in lit for ch in ".eEpP"):
        # Go parses it as a float but, looking like an integer, calls it too large.
        return f"integer overflow: {go_quote(lit)}"
    return None
