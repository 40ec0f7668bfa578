"""PromQL shapes (analysis/promql/shape.py): an expression whose shape the parser accepts is accepted
itself, at every release line, with and without experimental functions; and the shape of a valid
expression is valid too, so the shortcut is taken. The corpus, its mutations and mutations aimed at
what a shape replaces (names, keywords, `__name__`, empty values, regexes, calls) are checked
against the parser run on the text itself."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from callalert.analysis.promql import parse as p
from callalert.analysis.promql.functions import release_line
from callalert.analysis.promql.lex import tokenize
from callalert.analysis.promql.pitfalls import _short_ranges, short_ranges
from callalert.analysis.promql.shape import shape
from callalert.analysis.promql.syntax import _parsed, check_syntax
from callalert.analysis.promql.versions import Dialect
from callalert.analysis.versions import Version
from tests.tools.test_promql_promtool import EDGE_CASES, MUTATION_POOL, corpus_exprs

# what a shape replaces, and what it must not
SHAPE_POOL = ["x", "y", "Q0", "Q1", "a:b", ":x", "__name__", '""', '"v0"', '"a"', '=""', '!=""', '=~""', '=~"a"', "sum", "rate"]
SHAPE_POOL += ["rate(", "x(", "inf", "NaN", "by", "on(a) group_left(a)", "on(a) group_left(b)", '{"a"}', '{"a"="b"}', "limitk"]
SHAPE_POOL += [
    "start",
    "end()",
    "atan2",
    "bool",
    "offset",
    "le",
    "job",
    "smoothed",
    "fill(0)",
    "group_right(x)",
    '"\n"',
    "[5m",
    "]",
]

VERSIONS = [release_line(v) for v in ("2.42", "2.53", "3.0", "3.5", "3.10")]


def _valid(expr: str, version: Version, experimental: bool) -> bool:
    result = _parsed(expr, version, experimental)
    return isinstance(result, p.ParseResult) and result.error is None


def _mutations(exprs: list[str], seed: int, limit: int) -> list[str]:
    rnd = random.Random(seed)
    pool = MUTATION_POOL + SHAPE_POOL
    out: set[str] = set()
    dialect = Dialect.of("3.5")
    for expr in exprs:
        toks = [t for t in tokenize(expr, dialect) if t.kind not in ("EOF", "ERROR")]
        for tok in toks:
            out.add(expr[: tok.pos] + rnd.choice(pool) + expr[tok.end :])
            out.add(expr[: tok.end] + " " + rnd.choice(pool) + " " + expr[tok.end :])
            out.add(expr[: tok.pos] + expr[tok.end :])
    ordered = sorted(e for e in out if e.strip())
    return rnd.sample(ordered, min(limit, len(ordered)))


def _exprs(corpus: Path) -> list[str]:
    base = sorted({expr for _, expr in corpus_exprs(corpus) if len(expr) < 400} | set(EDGE_CASES))
    return base + _mutations(base, seed=15, limit=6_000)


def test_shape_examples() -> None:
    assert shape('sum(rate(svc1_requests_total{status="failed"}[5m])) / sum(rate(svc1_requests_total[5m])) > 0.05') == (
        'sum(rate(Q0{Q1="v0"}[5m])) / sum(rate(Q0[5m])) > 0.05'
    )
    assert shape('x{a=~"b.*", c!="", d = "e", __name__="f"} offset 5m and on(a) group_left(b) job:y:rate5m') == (
        'Q0{Q1=~"b.*", Q2!="", Q3 = "v0", __name__="v1"} offset 5m and on(Q1) group_left(Q4) Q5:'
    )
    assert shape('label_replace(up, "dst", "$1", "src", "(.*)")') == 'label_replace(Q0, "dst", "$1", "src", "(.*)")'
    assert shape("SUM BY (le) (rate(x[5m:1m] @ 100))") == "SUM BY (Q0) (rate(Q1[5m:1m] @ 100))"
    # what the scanner does not follow exactly like the lexer: no shape
    for expr in ("x # comment", "x{a='b'}", 'x{a="\\n"}', "x{a=`b`}", 'x{a="b}', "x[5m", 'x{a="é"}'):
        assert shape(expr) is None, expr


def test_a_valid_shape_means_a_valid_expression_and_back(corpus: Path) -> None:
    unsound: list[str] = []
    missed = shaped = 0
    for expr in _exprs(corpus):
        canonical = shape(expr)
        if canonical is None or canonical == expr:
            continue
        shaped += 1
        for version in VERSIONS:
            for experimental in (False, True):
                raw = _valid(expr, version, experimental)
                via_shape = _valid(canonical, version, experimental)
                if via_shape and not raw:
                    unsound.append(f"{version.short} experimental={experimental}: {expr!r} -> {canonical!r}")
                missed += raw and not via_shape
    assert unsound == []
    assert shaped > 5_000
    assert missed == 0


def test_check_syntax_finds_the_same_first_problem_through_shapes(corpus: Path) -> None:
    for expr in _exprs(corpus)[::7]:
        for version in (VERSIONS[0], VERSIONS[3]):
            result = _parsed(expr, version, False)
            expected = [] if isinstance(result, p.ParseResult) and result.error is None else None
            found = check_syntax(expr, target=version)
            if expected is not None:
                assert found == expected, expr
            else:
                assert found, expr


@pytest.mark.parametrize("scrape", [15.0, 60.0, 300.0])
def test_short_ranges_through_shapes(corpus: Path, scrape: float) -> None:
    version = release_line("3.5")
    for expr in _exprs(corpus)[::5]:
        assert short_ranges(expr, scrape_interval=scrape, target=version) == _short_ranges(expr, scrape, 60.0, version), expr
