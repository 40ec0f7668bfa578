"""Alertmanager label matchers, as Alertmanager 0.25 parses and evaluates them.

This is the "classic" parser (pkg/labels/parse.go up to 0.26). Alertmanager 0.27 added a
UTF-8 parser (matchers in `{...}`, quoted label names, stricter about unquoted values with
spaces or a trailing `\\`) behind a feature flag; the classic rules here are what amtool 0.25
and every alertmanager.yml this project writes use.

Regexes use Go RE2 syntax. We compile them with google-re2 (the C++ RE2 that Go's regexp
reimplements) because Python's `re` accepts lookarounds, backreferences, possessive
quantifiers and `\\Z`, and gives `\\d`/`\\w`/`\\s` Unicode meanings RE2 does not. The two
places where C++ RE2 is more permissive than the Go of amtool 0.25 (`\\C` and `(?<name>`,
the latter only accepted since Go 1.22) are rejected by a scan before compiling.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

Op = Literal["=", "!=", "=~", "!~"]
OPS: tuple[Op, ...] = ("=", "!=", "=~", "!~")

_LABEL_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
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


def is_valid_label_name(name: str) -> bool:
    return _LABEL_NAME_RE.fullmatch(name) is not None


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


def _go_only_rejections(pattern: str) -> str | None:
    """What Go 1.19/1.20 regexp rejects but C++ RE2 accepts."""
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt == "Q" and not in_class:
                end = pattern.find("\\E", i + 2)
                i = n if end < 0 else end + 2
                continue
            if nxt == "C":
                return "invalid escape sequence: `\\C`"
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
            elif c == "[" and pattern.startswith("[:", i):
                close = pattern.find(":]", i + 2)
                if close >= 0:
                    i = close + 2
                    continue
        elif c == "[":
            in_class = True
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            if i < n and pattern[i] == "]":  # a leading ']' is a literal
                i += 1
            continue
        elif pattern.startswith("(?<", i):  # named group and lookbehind alike
            return "invalid or unsupported Perl syntax: `(?<`"
        i += 1
    return None


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> Any:
    """Compile `^(?:pattern)$` exactly as Alertmanager concatenates it; raise MatcherError."""
    import re2  # google-re2 ships no type information (pyproject: ignore_missing_imports)

    go_err = _go_only_rejections(pattern)
    if go_err is not None:
        raise MatcherError(f"error parsing regexp: {go_err}")
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile("^(?:" + pattern + ")$", options)
    except re2.error as exc:
        raise MatcherError(f"error parsing regexp: {_go_message(exc)}") from None


def _go_message(exc: Exception) -> str:
    raw = exc.args[0] if exc.args else str(exc)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    for cpp, go in _RE2_TO_GO:
        if text.startswith(cpp):
            detail = text[len(cpp) :]
            if cpp == "invalid perl operator: ":
                detail = detail[:3]  # Go quotes up to the first unsupported character: `(?=`
            return f"{go}`{detail}`"
    return text


def validate_regex(pattern: str) -> str | None:
    try:
        _compile(pattern)
    except MatcherError as exc:
        return str(exc)
    return None


def quote_value(value: str) -> str:
    """`value` in double quotes as Alertmanager prints a matcher's value (openMetricsEscape in
    pkg/labels: only backslash, newline and double quote are escaped); parse_matcher reads it back."""
    return '"' + value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"') + '"'


def format_matcher(name: str, op: Op, value: str) -> str:
    """`name`, `op` and the quoted value: the one way callalert writes a matcher."""
    return f"{name}{op}{quote_value(value)}"


@dataclass(frozen=True)
class Matcher:
    name: str
    op: Op
    value: str
    _regex: Any = field(default=None, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise MatcherError(f"unknown match operator {self.op!r} (want one of =, !=, =~, !~)")
        if self.op in ("=~", "!~"):
            object.__setattr__(self, "_regex", _compile(self.value))

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


def parse_matcher(text: str) -> Matcher:
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
    return Matcher(name, op, "".join(out))  # type: ignore[arg-type]


def parse_matchers(text: str) -> list[Matcher]:
    """A comma list, optionally in braces; commas inside double quotes do not split."""
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
    return [parse_matcher(t) for t in tokens]


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


def matchers_from_legacy(match: Mapping[str, Any] | None, match_re: Mapping[str, Any] | None) -> list[Matcher]:
    out: list[Matcher] = []
    for name, value in (match or {}).items():
        if not is_valid_label_name(str(name)):
            raise MatcherError(f'"{name}" is not a valid label name')
        out.append(Matcher(str(name), "=", go_yaml_string(value)))
    for name, value in (match_re or {}).items():
        if not is_valid_label_name(str(name)):
            raise MatcherError(f'"{name}" is not a valid label name')
        if value is None:
            raise MatcherError(f"invalid_label: regex for {name!r} is empty (null)")
        out.append(Matcher(str(name), "=~", go_yaml_string(value)))
    return out


def sort_key(m: Matcher) -> tuple[str, str, int]:
    # labels.Matchers.Less: name, then value, then type (= < != < =~ < !~).
    return (m.name, m.value, OPS.index(m.op))
