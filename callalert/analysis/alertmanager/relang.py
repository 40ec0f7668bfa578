"""The language of an Alertmanager matcher regex, as an automaton: what set of label values
`=~"pattern"` accepts, so that two matcher sets can be compared (matchset.py).

Alertmanager matches `^(?:pattern)$` against the whole value with Go's regexp. This module reads
the part of Go's RE2 syntax that label matchers use in practice -- literals and escapes, `.`,
character classes (ranges, negation, `\\d \\w \\s` and their negations, `[[:alpha:]]`), groups,
alternation, `* + ? {n} {n,} {n,m}` (greedy or lazy: the language is the same), `\\Q...\\E`, a
leading `(?i)` or `(?s)`, and `^`/`$` at the ends of a top-level alternative -- into a Thompson
NFA over code-point ranges. Anything else (word boundaries, Unicode classes, inner anchors,
other flags, octal escapes) gives None: the caller then knows nothing about that matcher and
says nothing (proof or silence). The regex is assumed to compile (matchers.py checks that).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

MAX_CHAR = 0x10FFFF
MAX_STATES = 4000  # a bigger automaton is not analysed (e.g. x{1000}): silence, not a slow lint

Ranges = tuple[tuple[int, int], ...]  # sorted, disjoint, inclusive code-point ranges

_DIGIT: Ranges = ((0x30, 0x39),)
_WORD: Ranges = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
_SPACE: Ranges = ((0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20))
_POSIX: dict[str, Ranges] = {
    "alnum": ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)),
    "alpha": ((0x41, 0x5A), (0x61, 0x7A)),
    "ascii": ((0x00, 0x7F),),
    "blank": ((0x09, 0x09), (0x20, 0x20)),
    "cntrl": ((0x00, 0x1F), (0x7F, 0x7F)),
    "digit": ((0x30, 0x39),),
    "graph": ((0x21, 0x7E),),
    "lower": ((0x61, 0x7A),),
    "print": ((0x20, 0x7E),),
    "punct": ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)),
    "space": ((0x09, 0x0D), (0x20, 0x20)),
    "upper": ((0x41, 0x5A),),
    "word": _WORD,
    "xdigit": ((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
}
_SIMPLE_ESCAPES = {"n": 0x0A, "t": 0x09, "r": 0x0D, "f": 0x0C, "v": 0x0B, "a": 0x07}


class Unsupported(Exception):
    """A construct this module does not model."""


def normalize(ranges: Iterable[tuple[int, int]]) -> Ranges:
    out: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((a, b) for a, b in out)


def negate(ranges: Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    start = 0
    for lo, hi in ranges:
        if lo > start:
            out.append((start, lo - 1))
        start = hi + 1
    if start <= MAX_CHAR:
        out.append((start, MAX_CHAR))
    return tuple(out)


def _fold(ranges: Ranges) -> Ranges:
    """Add the other case of ASCII letters (Go's (?i) folds them; other letters are refused)."""
    extra: list[tuple[int, int]] = list(ranges)
    for lo, hi in ranges:
        for a, b, delta in ((0x41, 0x5A, 32), (0x61, 0x7A, -32)):
            x, y = max(lo, a), min(hi, b)
            if x <= y:
                extra.append((x + delta, y + delta))
        if (
            hi > 0x7F
            and lo <= MAX_CHAR
            and any(chr(c).lower() != chr(c).upper() for c in range(max(lo, 0x80), min(hi, 0x24F) + 1))
        ):
            raise Unsupported("case folding beyond ASCII")
    return normalize(extra)


# --- the syntax tree ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chars:
    ranges: Ranges


@dataclass(frozen=True)
class _Concat:
    items: tuple[object, ...]


@dataclass(frozen=True)
class _Alt:
    items: tuple[object, ...]


@dataclass(frozen=True)
class _Repeat:
    item: object
    low: int
    high: int | None  # None: unbounded


class _Parser:
    def __init__(self, text: str, fold: bool, dot_nl: bool) -> None:
        self.s = text
        self.i = 0
        self.fold = fold
        self.dot_nl = dot_nl

    def parse(self) -> object:
        node = self.alternation(top=True)
        if self.i != len(self.s):
            raise Unsupported(f"unexpected {self.s[self.i]!r}")
        return node

    def alternation(self, top: bool = False) -> object:
        branches = [self.concat(top)]
        while self.i < len(self.s) and self.s[self.i] == "|":
            self.i += 1
            branches.append(self.concat(top))
        return branches[0] if len(branches) == 1 else _Alt(tuple(branches))

    def concat(self, top: bool) -> object:
        items: list[object] = []
        start = self.i
        while self.i < len(self.s) and self.s[self.i] not in "|)":
            c = self.s[self.i]
            if c == "^":
                # only at the start of a top-level alternative: Alertmanager anchors anyway
                if not (top and self.i == start):
                    raise Unsupported("^ inside the pattern")
                self.i += 1
                continue
            if c == "$":
                nxt = self.i + 1
                if not (top and (nxt == len(self.s) or self.s[nxt] == "|")):
                    raise Unsupported("$ inside the pattern")
                self.i += 1
                continue
            atom = self.atom()
            items.append(self.quantifiers(atom))
        return items[0] if len(items) == 1 else _Concat(tuple(items))

    def quantifiers(self, atom: object) -> object:
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in "*+?":
                self.i += 1
                atom = _Repeat(atom, 0 if c != "+" else 1, None if c != "?" else 1)
            elif c == "{":
                rep = self._counted()
                if rep is None:
                    break  # a literal '{'
                atom = _Repeat(atom, rep[0], rep[1])
            else:
                break
            if self.i < len(self.s) and self.s[self.i] == "?":
                self.i += 1  # lazy: same language
        return atom

    def _counted(self) -> tuple[int, int | None] | None:
        j = self.s.find("}", self.i)
        if j < 0:
            return None
        body = self.s[self.i + 1 : j]
        low_text, comma, high_text = body.partition(",")
        if not low_text.isdigit() or (high_text and not high_text.isdigit()):
            return None
        self.i = j + 1
        low = int(low_text)
        high = low if not comma else (int(high_text) if high_text else None)
        return low, high

    def atom(self) -> object:
        c = self.s[self.i]
        if c == "(":
            return self.group()
        if c == "[":
            return _Chars(self.char_class())
        if c == ".":
            self.i += 1
            return _Chars(((0, MAX_CHAR),) if self.dot_nl else negate(((0x0A, 0x0A),)))
        if c == "\\":
            if self.s.startswith("\\Q", self.i):
                end = self.s.find("\\E", self.i + 2)
                stop = len(self.s) if end < 0 else end
                literal = self.s[self.i + 2 : stop]
                self.i = len(self.s) if end < 0 else end + 2
                return _Concat(tuple(self._char(ord(ch)) for ch in literal)) if literal else _Concat(())
            return _Chars(self._fold_if(self.escape(in_class=False)))
        self.i += 1
        return self._char(ord(c))

    def _char(self, code: int) -> _Chars:
        return _Chars(self._fold_if(((code, code),)))

    def _fold_if(self, ranges: Ranges) -> Ranges:
        return _fold(ranges) if self.fold else ranges

    def group(self) -> object:
        self.i += 1
        if self.s.startswith("?:", self.i):
            self.i += 2
        elif self.s.startswith("?P<", self.i) or self.s.startswith("?<", self.i):
            end = self.s.find(">", self.i)
            if end < 0:
                raise Unsupported("named group")
            self.i = end + 1
        elif self.s.startswith("?", self.i):
            raise Unsupported("group flags")
        node = self.alternation()
        if self.i >= len(self.s) or self.s[self.i] != ")":
            raise Unsupported("missing )")
        self.i += 1
        return node

    def escape(self, in_class: bool) -> Ranges:
        self.i += 1
        if self.i >= len(self.s):
            raise Unsupported("trailing backslash")
        c = self.s[self.i]
        self.i += 1
        if c in "dDwWsS":
            base = {"d": _DIGIT, "w": _WORD, "s": _SPACE}[c.lower()]
            return negate(base) if c.isupper() else base
        if c in _SIMPLE_ESCAPES:
            code = _SIMPLE_ESCAPES[c]
            return ((code, code),)
        if c == "x":
            if self.s.startswith("{", self.i):
                end = self.s.find("}", self.i)
                code = int(self.s[self.i + 1 : end], 16)
                self.i = end + 1
            else:
                code = int(self.s[self.i : self.i + 2], 16)
                self.i += 2
            return ((code, code),)
        if c.isalnum():
            raise Unsupported(f"escape \\{c}")
        return ((ord(c), ord(c)),)

    def char_class(self) -> Ranges:
        self.i += 1
        negated = self.s.startswith("^", self.i)
        if negated:
            self.i += 1
        ranges: list[tuple[int, int]] = []
        first = True
        while True:
            if self.i >= len(self.s):
                raise Unsupported("missing ]")
            c = self.s[self.i]
            if c == "]" and not first:
                self.i += 1
                break
            first = False
            if self.s.startswith("[:", self.i):
                end = self.s.find(":]", self.i + 2)
                name = self.s[self.i + 2 : end] if end > 0 else ""
                neg = name.startswith("^")
                cls = _POSIX.get(name.lstrip("^"))
                if cls is None:
                    raise Unsupported("POSIX class")
                ranges.extend(negate(cls) if neg else cls)
                self.i = end + 2
                continue
            lo_ranges = self._class_item()
            if (
                len(lo_ranges) == 1
                and lo_ranges[0][0] == lo_ranges[0][1]
                and self.s.startswith("-", self.i)
                and self.i + 1 < len(self.s)
                and self.s[self.i + 1] != "]"
            ):
                self.i += 1
                hi_ranges = self._class_item()
                if len(hi_ranges) != 1 or hi_ranges[0][0] != hi_ranges[0][1]:
                    raise Unsupported("class range")
                ranges.append((lo_ranges[0][0], hi_ranges[0][0]))
            else:
                ranges.extend(lo_ranges)
        result = normalize(ranges)
        if self.fold:
            result = _fold(result)
        return negate(result) if negated else result

    def _class_item(self) -> Ranges:
        c = self.s[self.i]
        if c == "\\":
            return self.escape(in_class=True)
        self.i += 1
        return ((ord(c), ord(c)),)


# --- the automaton --------------------------------------------------------------------------


@dataclass
class NFA:
    """States 0..n-1; `edges[s]`: (ranges, target); `eps[s]`: targets; one start, one accept."""

    edges: list[list[tuple[Ranges, int]]] = field(default_factory=list)
    eps: list[list[int]] = field(default_factory=list)
    start: int = 0
    accept: int = 0

    def new(self) -> int:
        if len(self.edges) >= MAX_STATES:
            raise Unsupported("automaton too large")
        self.edges.append([])
        self.eps.append([])
        return len(self.edges) - 1

    def build(self, node: object) -> tuple[int, int]:
        if isinstance(node, _Chars):
            a, b = self.new(), self.new()
            if node.ranges:
                self.edges[a].append((node.ranges, b))
            return a, b
        if isinstance(node, _Concat):
            a = self.new()
            cur = a
            for item in node.items:
                s, e = self.build(item)
                self.eps[cur].append(s)
                cur = e
            return a, cur
        if isinstance(node, _Alt):
            a, b = self.new(), self.new()
            for item in node.items:
                s, e = self.build(item)
                self.eps[a].append(s)
                self.eps[e].append(b)
            return a, b
        if isinstance(node, _Repeat):
            a = self.new()
            cur = a
            for _ in range(node.low):
                s, e = self.build(node.item)
                self.eps[cur].append(s)
                cur = e
            if node.high is None:
                s, e = self.build(node.item)
                self.eps[cur].append(s)
                self.eps[e].append(s)
                end = self.new()
                self.eps[cur].append(end)
                self.eps[e].append(end)
                return a, end
            end = self.new()
            self.eps[cur].append(end)
            for _ in range(node.high - node.low):
                s, e = self.build(node.item)
                self.eps[cur].append(s)
                self.eps[e].append(end)
                cur = e
            return a, end
        raise Unsupported(type(node).__name__)

    def closure(self, states: Iterable[int]) -> frozenset[int]:
        seen = set(states)
        stack = list(seen)
        while stack:
            s = stack.pop()
            for t in self.eps[s]:
                if t not in seen:
                    seen.add(t)
                    stack.append(t)
        return frozenset(seen)

    def boundaries(self) -> set[int]:
        out: set[int] = set()
        for edges in self.edges:
            for ranges, _ in edges:
                for lo, hi in ranges:
                    out.add(lo)
                    out.add(hi + 1)
        return out

    def step(self, states: frozenset[int], code: int) -> frozenset[int]:
        targets = [t for s in states for ranges, t in self.edges[s] if _contains(ranges, code)]
        return self.closure(targets)

    def accepts(self, text: str) -> bool:
        states = self.closure([self.start])
        for ch in text:
            states = self.step(states, ord(ch))
            if not states:
                return False
        return self.accept in states


def _contains(ranges: Ranges, code: int) -> bool:
    return any(lo <= code <= hi for lo, hi in ranges)


def literal(value: str) -> NFA:
    nfa = NFA()
    start, end = nfa.build(_Concat(tuple(_Chars(((ord(c), ord(c)),)) for c in value)))
    nfa.start, nfa.accept = start, end
    return nfa


@lru_cache(maxsize=2048)
def regex(pattern: str) -> NFA | None:
    """The automaton of `=~"pattern"` (anchored), or None when the pattern uses what is not modelled."""
    fold = dot_nl = False
    text = pattern
    while text.startswith("(?") and len(text) > 3 and text[2] in "is" and ")" in text[:6]:
        close = text.index(")")
        flags = text[2:close]
        if not set(flags) <= {"i", "s"}:
            return None
        fold, dot_nl = fold or "i" in flags, dot_nl or "s" in flags
        text = text[close + 1 :]
    try:
        node = _Parser(text, fold, dot_nl).parse()
        nfa = NFA()
        nfa.start, nfa.accept = nfa.build(node)
    except (Unsupported, ValueError, IndexError):
        return None
    return nfa


# --- emptiness of an intersection, with a witness --------------------------------------------

_NICE = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.:/"


def _representative(lo: int, hi: int) -> int:
    for ch in _NICE:
        if lo <= ord(ch) <= hi:
            return ord(ch)
    for code in range(lo, min(hi, lo + 0x100) + 1):
        if chr(code).isprintable() and not 0xD800 <= code <= 0xDFFF:
            return code
    return lo


def _classes(boundaries: set[int]) -> list[tuple[int, int]]:
    points = sorted(b for b in boundaries | {0, MAX_CHAR + 1} if 0 <= b <= MAX_CHAR + 1)
    return [(a, b - 1) for a, b in itertools.pairwise(points) if a <= b - 1]


class Undecided(Exception):
    """The search was cut off: nothing is claimed."""


def witness(automata: Sequence[tuple[NFA, bool]], limit: int = 20000) -> str | None:
    """The shortest string every positive automaton accepts and every negated one (polarity False)
    rejects, or None when there is none. Raises Undecided past `limit` product states."""
    boundaries: set[int] = set()
    for nfa, _ in automata:
        boundaries |= nfa.boundaries()
    classes = _classes(boundaries)
    reps = sorted((_representative(lo, hi) for lo, hi in classes), key=lambda c: (_NICE.find(chr(c)) % 1000, c))
    start = tuple(nfa.closure([nfa.start]) for nfa, _ in automata)

    def accepting(state: tuple[frozenset[int], ...]) -> bool:
        return all((nfa.accept in s) == positive for (nfa, positive), s in zip(automata, state, strict=True))

    def dead(state: tuple[frozenset[int], ...]) -> bool:
        # a positive automaton with no live state can never accept again
        return any(positive and not s for (_, positive), s in zip(automata, state, strict=True))

    if accepting(start):
        return ""
    seen = {start}
    frontier: list[tuple[tuple[frozenset[int], ...], str]] = [(start, "")]
    while frontier:
        nxt: list[tuple[tuple[frozenset[int], ...], str]] = []
        for state, text in frontier:
            for code in reps:
                moved = tuple(nfa.step(s, code) for (nfa, _), s in zip(automata, state, strict=True))
                if moved in seen or dead(moved):
                    continue
                if accepting(moved):
                    return text + chr(code)
                seen.add(moved)
                if len(seen) > limit:
                    raise Undecided
                nxt.append((moved, text + chr(code)))
        frontier = nxt
    return None
