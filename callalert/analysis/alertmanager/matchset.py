"""Sets of label sets described by matchers, compared exactly: does every alert one matcher list
accepts also match another (shadowing), can any alert reach a route past its earlier siblings
(reachability), do two matcher lists share an alert (inhibition)?

A matcher list accepts a label set when every matcher accepts the label's value, an absent label
being the empty string (as in Alertmanager). Each matcher is a language of values (relang.py:
`=` a literal, `!=` its complement, `=~` a regex, `!~` its complement), so a question about
matcher lists is a question about the emptiness of intersections of languages, label by label.
Answers are proofs: `Sat(labels)` carries a label set that demonstrates it (checked against the
real matchers before it is returned), `UNSAT` means no label set exists; `UNKNOWN` (a regex this
module does not model, or a search cut off) means nothing is claimed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from callalert.analysis.alertmanager.matchers import Matcher, all_match, format_matcher
from callalert.analysis.alertmanager.relang import NFA, Undecided, literal, regex, witness


@dataclass(frozen=True)
class Sat:
    labels: dict[str, str]  # a label set that demonstrates it (absent labels left out)

    def text(self) -> str:
        return "{" + ", ".join(format_matcher(k, "=", v) for k, v in sorted(self.labels.items())) + "}"


class _Verdict:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


UNSAT: Final = _Verdict("UNSAT")
UNKNOWN: Final = _Verdict("UNKNOWN")
Result = Sat | _Verdict

MAX_BRANCHES = 4096  # alternatives explored for a negated conjunction before giving up


def _automaton(m: Matcher) -> tuple[NFA, bool] | None:
    if m.op in ("=", "!="):
        return literal(m.value), m.op == "="
    nfa = regex(m.value)
    return None if nfa is None else (nfa, m.op == "=~")


class _Cache:
    def __init__(self) -> None:
        self.values: dict[tuple[tuple[str, str], ...], str | _Verdict | None] = {}

    def value(self, matchers: Sequence[Matcher]) -> str | _Verdict | None:
        """A value every matcher (all on one label) accepts; None if none; UNKNOWN if undecided."""
        key = tuple(sorted((m.op, m.value) for m in matchers))
        if key in self.values:
            return self.values[key]
        result: str | _Verdict | None
        equal = {m.value for m in matchers if m.op == "="}
        if len(equal) > 1:
            result = None
        elif equal:
            (only,) = equal
            result = only if all(m.matches_value(only) for m in matchers) else None
        else:
            automata = [_automaton(m) for m in matchers]
            if any(a is None for a in automata):
                result = UNKNOWN
            else:
                try:
                    result = witness([a for a in automata if a is not None])
                except Undecided:
                    result = UNKNOWN
                if isinstance(result, str) and not all(m.matches_value(result) for m in matchers):
                    result = UNKNOWN  # the model disagrees with the real matcher: claim nothing
        self.values[key] = result
        return result


def _negate(m: Matcher) -> Matcher:
    op = {"=": "!=", "!=": "=", "=~": "!~", "!~": "=~"}[m.op]
    return Matcher(m.name, op, m.value, m.go)  # type: ignore[arg-type]


def satisfiable(required: Sequence[Matcher], excluded: Sequence[Sequence[Matcher]] = (), cache: _Cache | None = None) -> Result:
    """Is there a label set that every matcher of `required` accepts and that no list of `excluded`
    matches in full? `Sat` with such a label set, `UNSAT`, or `UNKNOWN`."""
    cache = cache or _Cache()
    for group in excluded:
        if not group:
            return UNSAT  # an empty list matches every label set
    by_label: dict[str, list[Matcher]] = {}
    for m in required:
        by_label.setdefault(m.name, []).append(m)
    unknown = False
    budget = [MAX_BRANCHES]

    def solve(index: int, labels: dict[str, list[Matcher]]) -> Result:
        nonlocal unknown
        if index == len(excluded):
            found: dict[str, str] = {}
            for name, ms in labels.items():
                value = cache.value(ms)
                if value is None:
                    return UNSAT
                if isinstance(value, _Verdict):
                    return UNKNOWN
                if value:
                    found[name] = value
            if all_match(list(required), found) and not any(all_match(list(g), found) for g in excluded):
                return Sat(found)
            return UNKNOWN
        for m in excluded[index]:
            budget[0] -= 1
            if budget[0] < 0:
                return UNKNOWN
            branch = {k: list(v) for k, v in labels.items()}
            branch.setdefault(m.name, []).append(_negate(m))
            value = cache.value(branch[m.name])
            if value is None:
                continue
            if isinstance(value, _Verdict):
                unknown = True
                continue
            result = solve(index + 1, branch)
            if isinstance(result, Sat):
                return result
            if result is UNKNOWN:
                unknown = True
        return UNSAT

    result = solve(0, by_label)
    if result is UNSAT and unknown:
        return UNKNOWN
    return result


@dataclass(frozen=True)
class Inclusion:
    """Whether every label set `inner` matches also matches `outer`: `holds` True (proved; `example`
    is a label set both match, or None when `inner` matches nothing), False (`example` matches
    `inner` and not `outer`), or None (undecided)."""

    holds: bool | None
    example: dict[str, str] | None = None


def includes(outer: Sequence[Matcher], inner: Sequence[Matcher], cache: _Cache | None = None) -> Inclusion:
    cache = cache or _Cache()
    escape = satisfiable(inner, [outer], cache)
    if isinstance(escape, Sat):
        return Inclusion(False, escape.labels)
    if escape is UNKNOWN:
        return Inclusion(None)
    example = satisfiable(inner, (), cache)
    return Inclusion(True, example.labels if isinstance(example, Sat) else None)


def labels_text(labels: Mapping[str, str]) -> str:
    return "{" + ", ".join(format_matcher(k, "=", v) for k, v in sorted(labels.items())) + "}"


def new_cache() -> _Cache:
    return _Cache()
