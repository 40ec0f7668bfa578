"""Matcher-set algebra: the regex automata agree with the real matcher (Go RE2 semantics through
google-re2) on every string tried, and inclusion, reachability and overlap give proofs."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callalert.analysis.alertmanager.matchers import Matcher, MatcherError, parse_matcher
from callalert.analysis.alertmanager.matchset import UNKNOWN, UNSAT, Sat, includes, satisfiable
from callalert.analysis.alertmanager.relang import regex

PATTERNS = [
    "",
    "a",
    "abc",
    "a|b|",
    "payments|search",
    "^(payments|search)$",
    "^foo$|^bar$",
    "crit.*",
    ".+",
    ".*",
    "[a-c]+x?",
    "[^a-c]*",
    "[]a]",
    "[a-]",
    "\\d{2,3}",
    "\\w+-\\d+",
    "\\s*",
    "[[:alpha:]][[:digit:]]?",
    "(?i)critical",
    "(?s).",
    "a{2}b{1,}c{0,2}",
    "(ab)*",
    "(?:a|bc)+d",
    "(?P<x>a)b",
    "x\\.y",
    "\\Qa.b\\E",
    "a{,2}",
    "[\\-.]+",
    "\\x41\\x{42}",
    "node_(cpu|memory)_.*",
    "5..",
    "warning|critical|info",
    "(?i)^(dev|staging)$",
]
ALPHABET = ["", "a", "b", "c", "x", "y", "ab", "abc", "bc", "aab", "A", "CRITICAL", "critical", "crit", "12", "123", "1234"]
ALPHABET += ["a-1", "payments", "search", "foo", "bar", "\n", "a.b", "x.y", "xzy", "]", "-", ".", "AB", "node_cpu_x", "500"]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_automaton_agrees_with_the_real_matcher(pattern: str) -> None:
    nfa = regex(pattern)
    assert nfa is not None, pattern
    real = Matcher("x", "=~", pattern)
    for text in ALPHABET:
        assert nfa.accepts(text) == real.matches_value(text), (pattern, text)


@pytest.mark.parametrize("pattern", ["\\bfoo", "a^b", "a$b", "\\pL", "(?m)a", "(?i:a)b", "\\101"])
def test_what_is_not_modelled_says_so(pattern: str) -> None:
    assert regex(pattern) is None


_ATOMS = st.sampled_from(["a", "b", "c", ".", "[ab]", "[^a]", "\\d", "(a|b)", "(ab|c)", "x?", "b*", "a+", "[a-c]{1,2}", ""])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ATOMS, min_size=0, max_size=5), st.lists(_ATOMS, min_size=0, max_size=3), st.booleans())
def test_random_patterns_agree(left: list[str], right: list[str], alternate: bool) -> None:
    pattern = "".join(left) + ("|" + "".join(right) if alternate else "")
    try:
        real = Matcher("x", "=~", pattern)
    except MatcherError:
        return
    nfa = regex(pattern)
    assert nfa is not None, pattern
    for length in range(4):
        for chars in itertools.product("abcx1", repeat=length):
            text = "".join(chars)
            assert nfa.accepts(text) == real.matches_value(text), (pattern, text)


def M(*texts: str) -> list[Matcher]:
    return [parse_matcher(t) for t in texts]


def test_inclusion_over_regex_alternations() -> None:
    # issue 12: team=~"payments|search" takes every alert of team="search", env="prod"
    found = includes(M('team=~"payments|search"'), M('team="search"', 'env="prod"'))
    assert found.holds is True and found.example == {"team": "search", "env": "prod"}
    found = includes(M('team="search"'), M('team=~"payments|search"'))
    assert found.holds is False and found.example == {"team": "payments"}


def test_negation_and_empty_values() -> None:
    assert satisfiable(M('severity!~"warning|info"'), [M('severity!="critical"')]) == Sat({"severity": "critical"})
    # an absent label is the empty string: team!="db" takes alerts without a team, so only team="db" escapes it
    assert satisfiable(M('env="prod"'), [M('team!="db"')]) == Sat({"env": "prod", "team": "db"})
    assert satisfiable(M('team=""'), [M('team!~".+"')]) is UNSAT
    assert satisfiable(M('team=~".+"', 'team!~".+"')) is UNSAT
    assert satisfiable(M('x=~"^(a|b)$"'), [M('x="a"'), M('x="b"')]) is UNSAT
    assert satisfiable(M('x=~"\\\\d{3}"'), [M('x=~"[0-8].*"')]) == Sat({"x": "900"})
    assert satisfiable(M('x="a"'), [[]]) is UNSAT  # a route without matchers takes everything


def test_unknown_is_not_a_proof() -> None:
    assert satisfiable(M('x=~"\\\\bfoo"')) is UNKNOWN
    assert satisfiable(M('y="1"'), [M('x=~"\\\\bfoo"')]) is UNKNOWN


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(['a="1"', 'a!="1"', 'a=~"1|2"', 'a!~"2|3"', 'b=~".+"', 'b=""', 'a=~"[0-9]"']), max_size=3),
    st.lists(st.lists(st.sampled_from(['a="2"', 'a=~"1|3"', 'b!=""', 'b="x"', 'a!~"[0-9]"', 'a="1"']), max_size=2), max_size=3),
)
def test_satisfiable_agrees_with_brute_force(required: list[str], excluded: list[list[str]]) -> None:
    req = M(*required)
    exc = [M(*group) for group in excluded]
    result = satisfiable(req, exc)
    values = ["", "1", "2", "3", "x", "y", "z"]
    exists = False
    for a, b in itertools.product(values, values):
        labels = {k: v for k, v in (("a", a), ("b", b)) if v}
        if all(m.matches(labels) for m in req) and not any(all(m.matches(labels) for m in g) for g in exc):
            exists = True
            break
    if isinstance(result, Sat):
        assert all(m.matches(result.labels) for m in req)
        assert not any(all(m.matches(result.labels) for m in g) for g in exc)
    else:
        assert result is UNSAT
        assert not exists
