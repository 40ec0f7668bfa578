"""Label-matcher regexes as Prometheus parses them: Go's regexp/syntax in Perl mode, fully anchored.

Prometheus does not use the regexp package of the Go that built it: `model/labels` parses every
`=~`/`!~` value with `github.com/grafana/regexp/syntax`, a copy of Go's regexp/syntax taken at one
Go release, and then compiles it with grafana/regexp. Which copy a Prometheus release vendors decides
what its promtool accepts (go.mod of each tag):

| Prometheus | grafana/regexp copy of | so |
|---|---|---|
| 2.42 - 2.52 | Go 1.19.2 | `(?<name>x)` is "invalid or unsupported Perl syntax" |
| 2.53 - 3.6  | Go 1.22.1 | `(?<name>x)` is a named group |
| 3.7 and later | Go 1.24.7 | same syntax as 1.22 |

The Unicode classes (`\\p{Greek}`) come from the `unicode` tables of the Go that built the binary:
Unicode 13 for the go1.19 build of 2.42, Unicode 15 for the go1.24 build of 2.53.3 and Unicode 17
(plus the `Cn` and `LC` categories of Go 1.25) for the go1.27 build of 3.5.3.

Up to 2.51 Prometheus compiled `^(?:<value>)$` before parsing the value alone, so an error quotes
the anchored text (`missing closing ): \\`^(?:()$\\``); from 2.52 it parses the value first.

This module is a validator written for callalert, not a regex engine: it walks the pattern the way
Go's parser does, reports the first error with Go's wording (`error parsing regexp: <what>: \\`<where>\\``)
and says whether the anchored pattern matches the empty string (PromQL's "vector selector must
contain at least one non-empty matcher" depends on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# Go regexp/syntax error codes (ErrorCode values; the wording is part of promtool's output).
INVALID_CHAR_CLASS = "invalid character class"
INVALID_CHAR_RANGE = "invalid character class range"
INVALID_ESCAPE = "invalid escape sequence"
INVALID_NAMED_CAPTURE = "invalid named capture"
INVALID_PERL_OP = "invalid or unsupported Perl syntax"
INVALID_REPEAT_OP = "invalid nested repetition operator"
INVALID_REPEAT_SIZE = "invalid repeat count"
INVALID_UTF8 = "invalid UTF-8"
MISSING_BRACKET = "missing closing ]"
MISSING_PAREN = "missing closing )"
MISSING_REPEAT_ARGUMENT = "missing argument to repetition operator"
TRAILING_BACKSLASH = "trailing backslash at end of expression"
UNEXPECTED_PAREN = "unexpected )"
NESTING_DEPTH = "expression nests too deeply"

_MAX_HEIGHT = 1000  # Go's maxHeight: deeper parse trees are ErrNestingDepth
_MAX_REPEAT = 1000

_CATEGORIES_GO119 = frozenset(
    "C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs".split()  # noqa: SIM905
)
_CATEGORIES_GO125 = _CATEGORIES_GO119 | {"Cn", "LC"}
_SCRIPTS_UNICODE13 = frozenset(
    [
        "Adlam",
        "Ahom",
        "Anatolian_Hieroglyphs",
        "Arabic",
        "Armenian",
        "Avestan",
        "Balinese",
        "Bamum",
        "Bassa_Vah",
        "Batak",
        "Bengali",
        "Bhaiksuki",
        "Bopomofo",
        "Brahmi",
        "Braille",
        "Buginese",
        "Buhid",
        "Canadian_Aboriginal",
        "Carian",
        "Caucasian_Albanian",
        "Chakma",
        "Cham",
        "Cherokee",
        "Chorasmian",
        "Common",
        "Coptic",
        "Cuneiform",
        "Cypriot",
        "Cyrillic",
        "Deseret",
        "Devanagari",
        "Dives_Akuru",
        "Dogra",
        "Duployan",
        "Egyptian_Hieroglyphs",
        "Elbasan",
        "Elymaic",
        "Ethiopic",
        "Georgian",
        "Glagolitic",
        "Gothic",
        "Grantha",
        "Greek",
        "Gujarati",
        "Gunjala_Gondi",
        "Gurmukhi",
        "Han",
        "Hangul",
        "Hanifi_Rohingya",
        "Hanunoo",
        "Hatran",
        "Hebrew",
        "Hiragana",
        "Imperial_Aramaic",
        "Inherited",
        "Inscriptional_Pahlavi",
        "Inscriptional_Parthian",
        "Javanese",
        "Kaithi",
        "Kannada",
        "Katakana",
        "Kayah_Li",
        "Kharoshthi",
        "Khitan_Small_Script",
        "Khmer",
        "Khojki",
        "Khudawadi",
        "Lao",
        "Latin",
        "Lepcha",
        "Limbu",
        "Linear_A",
        "Linear_B",
        "Lisu",
        "Lycian",
        "Lydian",
        "Mahajani",
        "Makasar",
        "Malayalam",
        "Mandaic",
        "Manichaean",
        "Marchen",
        "Masaram_Gondi",
        "Medefaidrin",
        "Meetei_Mayek",
        "Mende_Kikakui",
        "Meroitic_Cursive",
        "Meroitic_Hieroglyphs",
        "Miao",
        "Modi",
        "Mongolian",
        "Mro",
        "Multani",
        "Myanmar",
        "Nabataean",
        "Nandinagari",
        "New_Tai_Lue",
        "Newa",
        "Nko",
        "Nushu",
        "Nyiakeng_Puachue_Hmong",
        "Ogham",
        "Ol_Chiki",
        "Old_Hungarian",
        "Old_Italic",
        "Old_North_Arabian",
        "Old_Permic",
        "Old_Persian",
        "Old_Sogdian",
        "Old_South_Arabian",
        "Old_Turkic",
        "Oriya",
        "Osage",
        "Osmanya",
        "Pahawh_Hmong",
        "Palmyrene",
        "Pau_Cin_Hau",
        "Phags_Pa",
        "Phoenician",
        "Psalter_Pahlavi",
        "Rejang",
        "Runic",
        "Samaritan",
        "Saurashtra",
        "Sharada",
        "Shavian",
        "Siddham",
        "SignWriting",
        "Sinhala",
        "Sogdian",
        "Sora_Sompeng",
        "Soyombo",
        "Sundanese",
        "Syloti_Nagri",
        "Syriac",
        "Tagalog",
        "Tagbanwa",
        "Tai_Le",
        "Tai_Tham",
        "Tai_Viet",
        "Takri",
        "Tamil",
        "Tangut",
        "Telugu",
        "Thaana",
        "Thai",
        "Tibetan",
        "Tifinagh",
        "Tirhuta",
        "Ugaritic",
        "Vai",
        "Wancho",
        "Warang_Citi",
        "Yezidi",
        "Yi",
        "Zanabazar_Square",
    ]
)
_SCRIPTS_UNICODE15 = _SCRIPTS_UNICODE13 | set("Cypro_Minoan Kawi Nag_Mundari Old_Uyghur Tangsa Toto Vithkuqi".split())  # noqa: SIM905
_SCRIPTS_UNICODE17 = _SCRIPTS_UNICODE15 | set(
    "Beria_Erfe Garay Gurung_Khema Kirat_Rai Ol_Onal Sidetic Sunuwar Tai_Yo Todhri Tolong_Siki Tulu_Tigalari".split()  # noqa: SIM905
)
_POSIX_CLASSES = frozenset(
    f"[:{neg}{name}:]"
    for neg in ("", "^")
    for name in "alnum alpha ascii blank cntrl digit graph lower print punct space upper word xdigit".split()  # noqa: SIM905
)
_PERL_CLASSES = frozenset({"\\d", "\\D", "\\s", "\\S", "\\w", "\\W"})


@dataclass(frozen=True, slots=True)
class RegexSyntax:
    """The regexp/syntax a Prometheus build uses: the grafana/regexp copy and the Unicode tables."""

    named_groups: bool  # (?<name>re), Go 1.22
    unicode: str  # "13", "15" or "17": the unicode package of the Go that built the binary
    anchored_first: bool  # Prometheus <= 2.51 compiled ^(?:v)$ before parsing v

    @property
    def categories(self) -> frozenset[str]:
        return _CATEGORIES_GO125 if self.unicode == "17" else _CATEGORIES_GO119

    @property
    def scripts(self) -> frozenset[str]:
        return {"13": _SCRIPTS_UNICODE13, "15": _SCRIPTS_UNICODE15}.get(self.unicode, _SCRIPTS_UNICODE17)


class _RegexError(Exception):
    def __init__(self, code: str, expr: str) -> None:
        super().__init__(code)
        self.code = code
        self.expr = expr

    @property
    def text(self) -> str:
        return f"error parsing regexp: {self.code}: `{self.expr}`"


# A parsed node, only as much as validity and "matches the empty string" need:
# (kind, nullable, children, min, max); kind "repeat" carries min/max for Go's repeat-size check.
_Node = tuple[str, bool, tuple["_Node", ...], int, int]


def _leaf(nullable: bool) -> _Node:
    return ("leaf", nullable, (), 0, 0)


def _concat(items: list[_Node]) -> _Node:
    if len(items) == 1:
        return items[0]
    return ("concat", all(n[1] for n in items), tuple(items), 0, 0)


def _alternate(branches: list[_Node]) -> _Node:
    if len(branches) == 1:
        return branches[0]
    return ("alt", any(n[1] for n in branches), tuple(branches), 0, 0)


def _repeat_is_valid(node: _Node, limit: int) -> bool:
    """Go's repeatIsValid: nested {n,m} counts may not multiply beyond `limit` copies."""
    stack = [(node, limit)]
    while stack:
        current, n = stack.pop()
        if current[0] == "repeat":
            m = current[4]
            if m == 0:
                continue
            if m < 0:
                m = current[3]
            if m > n:
                return False
            if m > 0:
                n //= m
        stack.extend((child, n) for child in current[2])
    return True


def _height(node: _Node) -> int:
    height, stack = 1, [(node, 1)]
    while stack:
        current, depth = stack.pop()
        height = max(height, depth)
        stack.extend((child, depth + 1) for child in current[2])
    return height


@dataclass
class _Frame:
    alternatives: list[_Node]
    current: list[_Node]


def _is_surrogate(c: str) -> bool:
    return 0xD800 <= ord(c) <= 0xDFFF


def _check_utf8(s: str) -> None:
    for i, c in enumerate(s):
        if _is_surrogate(c):
            raise _RegexError(INVALID_UTF8, s[i:])


def _parse_int(s: str, i: int) -> tuple[int | None, int]:
    """Go's parseInt: a decimal without leading zeros; (None, i) when there is none, -1 when too big."""
    n = len(s)
    if i >= n or not s[i].isascii() or not s[i].isdigit():
        return None, i
    if i + 1 < n and s[i] == "0" and s[i + 1].isascii() and s[i + 1].isdigit():
        return None, i
    j = i
    while j < n and "0" <= s[j] <= "9":
        j += 1
    value = 0
    for c in s[i:j]:
        if value >= 100_000_000:
            value = -1
            break
        value = value * 10 + ord(c) - 48
    return value, j


def _parse_repeat(s: str, i: int) -> tuple[int, int, int] | None:
    """`{min}`, `{min,}`, `{min,max}` at s[i] -> (min, max, end); max -1 means unbounded; None: a literal {."""
    low, j = _parse_int(s, i + 1)
    if low is None or j >= len(s):
        return None
    if s[j] != ",":
        high = low
    else:
        j += 1
        if j >= len(s):
            return None
        if s[j] == "}":
            high = -1
        else:
            high_parsed, j = _parse_int(s, j)
            if high_parsed is None:
                return None
            high = high_parsed
            if high < 0:
                low = -1
    if j >= len(s) or s[j] != "}":
        return None
    return low, high, j + 1


def _unhex(c: str) -> int:
    if "0" <= c <= "9":
        return ord(c) - 48
    if "a" <= c <= "f":
        return ord(c) - 87
    if "A" <= c <= "F":
        return ord(c) - 55
    return -1


def _escape(s: str, i: int) -> tuple[int, int]:
    """An ordinary escape at s[i] == '\\\\' -> (code point, end); Go's parseEscape."""
    n = len(s)
    if i + 1 >= n:
        raise _RegexError(TRAILING_BACKSLASH, "")
    c = s[i + 1]
    if _is_surrogate(c):
        raise _RegexError(INVALID_UTF8, s[i + 1 :])
    j = i + 2
    if ord(c) < 0x80 and not c.isalnum():
        return ord(c), j  # escaped punctuation (and \_) is itself
    if c in "1234567" and not (j < n and "0" <= s[j] <= "7"):
        raise _RegexError(INVALID_ESCAPE, s[i:j])  # a backreference
    if c in "01234567":
        value = ord(c) - 48
        for _ in range(2):
            if j < n and "0" <= s[j] <= "7":
                value = value * 8 + ord(s[j]) - 48
                j += 1
            else:
                break
        return value, j
    if c == "x":
        if j >= n:
            raise _RegexError(INVALID_ESCAPE, s[i:j])
        first = s[j]
        if _is_surrogate(first):
            raise _RegexError(INVALID_UTF8, s[j:])
        j += 1
        if first == "{":
            digits, value = 0, 0
            while True:
                if j >= n:
                    raise _RegexError(INVALID_ESCAPE, s[i:j])
                d = s[j]
                if _is_surrogate(d):
                    raise _RegexError(INVALID_UTF8, s[j:])
                j += 1
                if d == "}":
                    break
                v = _unhex(d)
                if v < 0:
                    raise _RegexError(INVALID_ESCAPE, s[i:j])
                value = value * 16 + v
                if value > 0x10FFFF:
                    raise _RegexError(INVALID_ESCAPE, s[i:j])
                digits += 1
            if digits == 0:
                raise _RegexError(INVALID_ESCAPE, s[i:j])
            return value, j
        if j >= n:
            raise _RegexError(INVALID_ESCAPE, s[i:j])  # nextRune of "" fails like a bad digit
        second = s[j]
        if _is_surrogate(second):
            raise _RegexError(INVALID_UTF8, s[j:])
        j += 1
        x, y = _unhex(first), _unhex(second)
        if x < 0 or y < 0:
            raise _RegexError(INVALID_ESCAPE, s[i:j])
        return x * 16 + y, j
    simple = {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}
    if c in simple:
        return simple[c], j
    raise _RegexError(INVALID_ESCAPE, s[i:j])


def _unicode_class(s: str, i: int, syntax: RegexSyntax) -> int | None:
    """`\\pL`, `\\p{Greek}`, `\\P{^Lu}` at s[i] -> end, or None when s[i:] is not one."""
    if not s.startswith(("\\p", "\\P"), i):
        return None
    n = len(s)
    c = s[i + 2] if i + 2 < n else ""
    if c and _is_surrogate(c):
        raise _RegexError(INVALID_UTF8, s[i + 2 :])
    if c != "{":
        seq, end, name = s[i : i + 3], min(i + 3, n), c  # `\p` at the end has the empty name
    else:
        close = s.find("}", i)
        if close < 0:
            _check_utf8(s[i:])
            raise _RegexError(INVALID_CHAR_RANGE, s[i:])
        seq, end, name = s[i : close + 1], close + 1, s[i + 3 : close]
        _check_utf8(name)
    if name.startswith("^"):
        name = name[1:]
    if name != "Any" and name not in syntax.categories and name not in syntax.scripts:
        raise _RegexError(INVALID_CHAR_RANGE, seq)
    return end


def _class(s: str, i: int, syntax: RegexSyntax) -> int:
    """A bracketed class starting at s[i] == '[' -> end; Go's parseClass in Perl mode."""
    n = len(s)
    j = i + 1
    if j < n and s[j] == "^":
        j += 1
    first = True
    while j >= n or s[j] != "]" or first:
        first = False
        if j + 2 < n and s[j] == "[" and s[j + 1] == ":":
            close = s.find(":]", j + 2)
            if close >= 0:
                name = s[j : close + 2]
                if name not in _POSIX_CLASSES:
                    raise _RegexError(INVALID_CHAR_RANGE, name)
                j = close + 2
                continue
        end = _unicode_class(s, j, syntax)
        if end is not None:
            j = end
            continue
        if s[j : j + 2] in _PERL_CLASSES:
            j += 2
            continue
        start = j
        lo, j = _class_char(s, j, i)
        if j + 1 < n and s[j] == "-" and s[j + 1] != "]":
            hi, j = _class_char(s, j + 1, i)
            if hi < lo:
                raise _RegexError(INVALID_CHAR_RANGE, s[start:j])
    return j + 1


def _class_char(s: str, j: int, class_start: int) -> tuple[int, int]:
    if j >= len(s):
        raise _RegexError(MISSING_BRACKET, s[class_start:])
    if s[j] == "\\":
        return _escape(s, j)
    if _is_surrogate(s[j]):
        raise _RegexError(INVALID_UTF8, s[j:])
    return ord(s[j]), j + 1


def _perl_flags(s: str, i: int, syntax: RegexSyntax) -> tuple[int, bool]:
    """`(?...` at s[i] -> (end, opens_group); Go's parsePerlFlags."""
    n = len(s)
    t = s[i:]
    starts_p = len(t) > 4 and t[2] == "P" and t[3] == "<"
    starts_name = syntax.named_groups and len(t) > 3 and t[2] == "<"
    if starts_p or starts_name:
        name_start = 4 if starts_p else 3
        close = t.find(">")
        if close < 0:
            _check_utf8(t)
            raise _RegexError(INVALID_NAMED_CAPTURE, t)
        name = t[name_start:close]
        _check_utf8(name)
        if not name or not all(c == "_" or (c.isascii() and c.isalnum()) for c in name):
            raise _RegexError(INVALID_NAMED_CAPTURE, t[: close + 1])
        return i + close + 1, True
    j = i + 2
    sign, saw_flag = 1, False
    while j < n:
        c = s[j]
        if _is_surrogate(c):
            raise _RegexError(INVALID_UTF8, s[j:])
        j += 1
        if c in "imsU":
            saw_flag = True
        elif c == "-":
            if sign < 0:
                break
            sign, saw_flag = -1, False
        elif c in ":)":
            if sign < 0 and not saw_flag:
                break
            return j, c == ":"
        else:
            break
    raise _RegexError(INVALID_PERL_OP, s[i:j])


def _parse(s: str, syntax: RegexSyntax) -> _Node:
    """Validate `s` like Go's syntax.Parse(s, syntax.Perl); the tree says what matches ""."""
    frames = [_Frame([], [])]
    n = len(s)
    i = 0
    last_repeat = -1  # where the previous repetition operator started, -1: the previous item was none
    while i < n:
        c = s[i]
        repeat_at = -1
        if c == "(":
            if i + 1 < n and s[i + 1] == "?":
                end, opens = _perl_flags(s, i, syntax)
                if opens:
                    frames.append(_Frame([], []))
                i = end
            else:
                frames.append(_Frame([], []))
                i += 1
        elif c == "|":
            frame = frames[-1]
            frame.alternatives.append(_concat(frame.current) if frame.current else _leaf(True))
            frame.current = []
            i += 1
        elif c == ")":
            if len(frames) == 1:
                raise _RegexError(UNEXPECTED_PAREN, s)
            frame = frames.pop()
            branches = [*frame.alternatives, _concat(frame.current) if frame.current else _leaf(True)]
            frames[-1].current.append(("group", any(b[1] for b in branches), (_alternate(branches),), 0, 0))
            i += 1
        elif c in "^$":
            frames[-1].current.append(_leaf(True))
            i += 1
        elif c == ".":
            frames[-1].current.append(_leaf(False))
            i += 1
        elif c == "[":
            i = _class(s, i, syntax)
            frames[-1].current.append(_leaf(False))
        elif c in "*+?" or (c == "{" and _parse_repeat(s, i) is not None):
            if c == "{":
                parsed = _parse_repeat(s, i)
                assert parsed is not None
                low, high, after = parsed
                if low < 0 or low > _MAX_REPEAT or high > _MAX_REPEAT or (high >= 0 and low > high):
                    raise _RegexError(INVALID_REPEAT_SIZE, s[i:after])
            else:
                low, high, after = (0, -1, i + 1) if c == "*" else (1, -1, i + 1) if c == "+" else (0, 1, i + 1)
            if after < n and s[after] == "?":
                after += 1  # non-greedy
            if last_repeat >= 0:
                raise _RegexError(INVALID_REPEAT_OP, s[last_repeat:after])
            current = frames[-1].current
            if not current:
                raise _RegexError(MISSING_REPEAT_ARGUMENT, s[i:after])
            sub = current[-1]
            node: _Node = ("repeat" if c == "{" else "star", low == 0 or sub[1], (sub,), low, high)
            current[-1] = node
            if c == "{" and (low >= 2 or high >= 2) and not _repeat_is_valid(node, _MAX_REPEAT):
                raise _RegexError(INVALID_REPEAT_SIZE, s[i:after])
            repeat_at = i
            i = after
        elif c == "\\":
            nxt = s[i + 1] if i + 1 < n else ""
            if nxt in ("A", "b", "B", "z"):
                frames[-1].current.append(_leaf(nxt != "b"))
                i += 2
            elif nxt == "C":
                raise _RegexError(INVALID_ESCAPE, s[i : i + 2])
            elif nxt == "Q":
                close = s.find("\\E", i + 2)
                literal = s[i + 2 :] if close < 0 else s[i + 2 : close]
                _check_utf8(literal)
                frames[-1].current.extend(_leaf(False) for _ in literal)
                i = n if close < 0 else close + 2
            else:
                class_end = _unicode_class(s, i, syntax)
                if class_end is None and s[i : i + 2] in _PERL_CLASSES:
                    class_end = i + 2
                if class_end is None:
                    _, class_end = _escape(s, i)
                frames[-1].current.append(_leaf(False))
                i = class_end
        else:
            if _is_surrogate(c):
                raise _RegexError(INVALID_UTF8, s[i:])
            frames[-1].current.append(_leaf(False))
            i += 1
        last_repeat = repeat_at
    if len(frames) != 1:
        raise _RegexError(MISSING_PAREN, s)
    frame = frames[0]
    tree = _alternate([*frame.alternatives, _concat(frame.current) if frame.current else _leaf(True)])
    if _height(tree) > _MAX_HEIGHT:
        raise _RegexError(NESTING_DEPTH, s)
    return tree


@dataclass(frozen=True, slots=True)
class RegexCheck:
    error: str | None  # Go's message, e.g. "error parsing regexp: missing closing ): `(`"
    matches_empty: bool  # whether ^(?:pattern)$ matches "" (False when the pattern is invalid)


@lru_cache(maxsize=8192)
def check_regex(pattern: str, syntax: RegexSyntax) -> RegexCheck:
    """What Prometheus makes of `pattern` as the value of a `=~` or `!~` matcher."""
    try:
        if syntax.anchored_first:
            _parse("^(?:" + pattern + ")$", syntax)
        tree = _parse(pattern, syntax)
    except _RegexError as exc:
        return RegexCheck(exc.text, False)
    except RecursionError:  # pragma: no cover - _height is iterative; kept as a guard
        return RegexCheck(f"error parsing regexp: {NESTING_DEPTH}: `{pattern}`", False)
    return RegexCheck(None, tree[1])
