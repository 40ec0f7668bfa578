"""PromQL syntax as promtool of a given Prometheus version sees it, with positions for every problem.

`check_syntax` runs callalert's own parser (`parse`), which accepts exactly what promtool of the
target accepts and finds the same first error (the corpus, edge cases and mutations of both are
compared with each installed promtool in tests/tools/test_promql_promtool.py). Problems carry
promtool's words: the token, and its line and column inside the expression. A few get more
help than promtool gives: an unknown function suggests a name, a function or syntax of another
Prometheus version names that version, an unclosed parenthesis points at the parenthesis.

The typed tree that label inference and pitfalls read comes from the `promql-parser` package
(`ast_of`). It is only asked for expressions that passed `check_syntax` and are within
`ANALYSIS_LIMITS`: its recursive parser needs memory that grows with the cube of the number of
binary operators, and crashes on long chains.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import promql_parser
from promql_parser import (
    AggregateExpr,
    BinaryExpr,
    Call,
    Expr,
    MatrixSelector,
    NumberLiteral,
    ParenExpr,
    StringLiteral,
    SubqueryExpr,
    UnaryExpr,
    VectorSelector,
)

from callalert.analysis.promql import parse as p
from callalert.analysis.promql.functions import DEFAULT_TARGET, FUNCTIONS, function_problem, release_line
from callalert.analysis.promql.lex import Token, tokenize
from callalert.analysis.promql.shape import shape
from callalert.analysis.promql.versions import DURATION_EXPR, FLAGS, SYNTAX_FEATURES, Dialect
from callalert.analysis.versions import Version
from callalert.diagnostics import did_you_mean
from callalert.errors import CallalertError

# promql-parser (the typed tree for analysis) is only given expressions within these bounds.
MAX_ANALYSIS_CHARS = 16 * 1024
MAX_ANALYSIS_OPERATORS = 300

# Releases where PromQL syntax changed: where to look when the target refuses an expression.
_SYNTAX_RELEASES = sorted({f.since for f in SYNTAX_FEATURES} | {Version(2, 49)})


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    message: str
    line: int = 1
    col: int = 1
    rule: str = "promql-syntax"
    # promtool's own line (`1:2: parse error: ...`, byte columns); "" when callalert's limit refused it.
    promtool: str = field(default="", compare=False)


class PromQLSyntaxError(CallalertError):
    def __init__(self, expr: str, problems: list[SyntaxProblem]) -> None:
        self.expr = expr
        self.problems = problems
        first = problems[0]
        super().__init__(f"{first.line}:{first.col}: {first.message}")


class PromQLTooLarge(CallalertError):
    """A valid expression beyond ANALYSIS limits: its syntax is checked, its labels and pitfalls are not."""


@dataclass(frozen=True, slots=True)
class ParsedExpr:
    text: str
    # Shared through the parse cache: read it, never mutate it.
    ast: Expr


def _line_col(expr: str, pos: int) -> tuple[int, int]:
    pos = max(0, min(pos, len(expr)))
    line = expr.count("\n", 0, pos) + 1
    start = expr.rfind("\n", 0, pos) + 1
    return line, pos - start + 1


def _problem(expr: str, pos: int, message: str, rule: str = "promql-syntax", promtool: str = "") -> SyntaxProblem:
    line, col = _line_col(expr, pos)
    return SyntaxProblem(message, line, col, rule, promtool)


@lru_cache(maxsize=16384)
def _parsed(expr: str, target: Version, experimental: bool) -> p.ParseResult | p.ExpressionTooDeep:
    try:
        return p.parse(expr, Dialect.of(target, experimental=experimental))
    except p.ExpressionTooDeep as exc:
        return exc


def tree(expr: str, *, target: str | Version = DEFAULT_TARGET, experimental: bool = False) -> p.Node | None:
    """callalert's own syntax tree of a valid expression (None when `check_syntax` finds a problem)."""
    version = release_line(target)
    if experimental:
        # valid without the flag: the same tree with it (the flag only lets more functions in), and
        # the parse `check_syntax` made without it is cached
        plain = _parsed(expr, version, False)
        if isinstance(plain, p.ParseResult) and plain.error is None:
            return plain.tree
    result = _parsed(expr, version, experimental)
    return result.tree if isinstance(result, p.ParseResult) else None


def _accepted_by(expr: str, target: Version) -> Version | None:
    """The nearest Prometheus release line (after the target) whose promtool accepts `expr`."""
    for version in _SYNTAX_RELEASES:
        if version > target:
            result = _parsed(expr, version, False)
            if isinstance(result, p.ParseResult) and result.error is None:
                return version
    return None


def _unclosed_paren(expr: str, target: Version) -> int:
    stack: list[int] = []
    for tok in tokenize(expr, Dialect.of(target)):
        if tok.kind == "LEFT_PAREN":
            stack.append(tok.pos)
        elif tok.kind == "RIGHT_PAREN" and stack:
            stack.pop()
    return stack[-1] if stack else len(expr.rstrip())


def _explain(expr: str, error: p.ParseError, target: Version, experimental: bool, promtool: str) -> SyntaxProblem:
    hint = _flag_feature_hint(expr, error, target)
    if hint is not None:
        return _problem(expr, error.pos, f"{error.message} ({hint})", "promql-version", promtool)
    if error.kind == "unknown-function":
        name = error.subject
        why = function_problem(name, target, experimental=experimental) if name in FUNCTIONS else None
        if why is not None:
            return _problem(expr, error.pos, why, "promql-version", promtool)
        return _problem(expr, error.pos, f'unknown function "{name}"{did_you_mean(name, FUNCTIONS)}', promtool=promtool)
    if error.kind == "not-enabled":
        if error.subject == "duration-expressions":
            message = (
                f"arithmetic in a duration needs --enable-feature={DURATION_EXPR} in Prometheus {target.short} "
                "(from 3.4; promtool can check it from 3.10, on by default from 3.14); write a literal duration such as [2m]"
            )
            return _problem(expr, error.pos, message, "promql-version", promtool)
        why = function_problem(error.subject, target, experimental=experimental)
        return _problem(expr, error.pos, why or error.message, "promql-version", promtool)
    if error.kind == "lex" and error.message == "unclosed left parenthesis":
        pos = _unclosed_paren(expr, target)
        return _problem(expr, pos, "unclosed left parenthesis: this '(' is never closed", promtool=promtool)
    newer = _accepted_by(expr, target)
    if newer is not None:
        candidates = [f for f in SYNTAX_FEATURES if f.since == newer and not f.semantic and not f.flag]
        marked = [f for f in candidates if f.marker and re.search(f.marker, expr)]
        named = marked[:1] or [f for f in candidates if not f.marker] or candidates
        what = ": " + "; ".join(f.summary for f in named) if named else ""
        message = f"{error.message} (Prometheus {newer.short} accepts this{what}; the target is Prometheus {target.short})"
        return _problem(expr, error.pos, message, "promql-version", promtool)
    return _problem(expr, error.pos, error.message + _plain_hint(expr, error, target), promtool=promtool)


def _tokens_around(expr: str, pos: int, target: Version) -> tuple[Token | None, Token | None]:
    """The token at `pos` and the one before it."""
    previous = None
    for tok in tokenize(expr, Dialect.of(target)):
        if tok.pos >= pos:
            return tok, previous
        previous = tok
    return None, previous


def _flag_feature_hint(expr: str, error: p.ParseError, target: Version) -> str | None:
    """PromQL of a later release behind a feature flag, which the parser here does not accept at all."""
    key = None
    if error.kind == "unknown-function" and error.subject in ("fill", "fill_left", "fill_right"):
        key = "binop-fill-modifiers"
    elif error.kind == "syntax":
        tok, previous = _tokens_around(expr, error.pos, target)
        if tok is not None and tok.text in ("smoothed", "anchored") and previous is not None and previous.kind == "RIGHT_BRACKET":
            key = "extended-range-selectors"
        elif (
            tok is not None
            and tok.kind in ("ADD", "SUB", "MUL", "DIV", "MOD", "POW", "LEFT_PAREN")
            and (error.message.endswith('in subquery or range, expected ":" or "]"') or " in offset," in error.message)
        ):
            key = "duration-expressions"
    if key is None:
        return None
    feature = next(f for f in SYNTAX_FEATURES if f.key == key)
    flag = FLAGS[feature.flag] if feature.flag else None
    honoured = f", which promtool honours from {flag.promtool_since.short}" if flag and flag.promtool_since else ""
    return (
        f"Prometheus {feature.since.short} accepts this with --enable-feature={feature.flag}{honoured}: "
        f"{feature.summary}; the target is Prometheus {target.short}"
    )


def _plain_hint(expr: str, error: p.ParseError, target: Version) -> str:
    if error.message == "duration out of range":
        tok, _ = _tokens_around(expr, error.pos, target)
        shown = f"{tok.text} is" if tok is not None and tok.kind in ("DURATION", "NUMBER") else "it is"
        return f": {shown} longer than 292y, the longest duration Prometheus (Go) can hold"
    if error.kind != "syntax":
        return ""
    tok, previous = _tokens_around(expr, error.pos, target)
    if tok is not None and tok.kind == "EOF" and error.message == "unexpected end of input" and previous is not None:
        return f" after {previous.text!r}"
    if tok is not None and tok.text.lower() == "or" and " in label matching" in error.message:
        return "; alternative matcher sets inside {...} are not PromQL: join two selectors with `or`"
    return ""


def _valid_shape(expr: str, version: Version = release_line("3.5"), experimental: bool = True) -> bool:
    """Whether the shape of `expr` parses (then `expr` does too: shape.py), parsing each shape once."""
    canonical = shape(expr)
    if canonical is None or canonical == expr:
        return False
    shaped = _parsed(canonical, version, experimental)
    return isinstance(shaped, p.ParseResult) and shaped.error is None


def check_syntax(expr: str, *, target: str | Version = DEFAULT_TARGET, experimental: bool = False) -> list[SyntaxProblem]:
    """The problem that makes `promtool check rules` of Prometheus `target` reject `expr`; [] when it is valid.

    Like promtool, only the first problem of an expression is reported."""
    if not expr.strip():
        return [SyntaxProblem("empty expression")]
    version = release_line(target)
    if _valid_shape(expr, version, experimental):
        return []  # its shape is valid, so it is (shape.py); problems are found on the text itself
    result = _parsed(expr, version, experimental)
    if isinstance(result, p.ExpressionTooDeep):
        message = (
            f"expression nests deeper than {result.depth} levels (parentheses, calls, aggregations, unary minus or ^); "
            "callalert does not analyse deeper PromQL (promtool has no such limit): simplify it, e.g. with a recording rule"
        )
        return [_problem(expr, result.pos, message, "promql-too-large")]
    if result.error is None:
        return []
    return [_explain(expr, result.error, version, experimental, p.promtool_message(result))]


def analysis_limit_problem(expr: str) -> str | None:
    """Why callalert does not hand a valid `expr` to its analysis parser (None: it does)."""
    if len(expr) > MAX_ANALYSIS_CHARS:
        return f"{len(expr):,} characters, limit {MAX_ANALYSIS_CHARS:,}"
    if len(expr) <= 2 * MAX_ANALYSIS_OPERATORS:
        return None  # every binary operator takes at least two characters with its operand
    operators = sum(1 for tok in tokenize(expr, Dialect.of("3.5")) if tok.kind in _BINARY_KINDS)
    if operators > MAX_ANALYSIS_OPERATORS:
        return f"{operators:,} operators, limit {MAX_ANALYSIS_OPERATORS:,}"
    return None


_BINARY_KINDS = frozenset(
    {"ADD", "SUB", "MUL", "DIV", "MOD", "POW", "EQLC", "NEQ", "LTE", "LSS", "GTE", "GTR", "LAND", "LOR", "LUNLESS", "ATAN2"}
)


@functools.cache
def _register_extra_functions() -> None:
    # promql-parser dropped holt_winters (renamed in Prometheus 3.0); 2.x has it.
    vt = promql_parser.ValueType
    with contextlib.suppress(ValueError):  # a promql-parser that knows holt_winters refuses to register it again
        promql_parser.register_extra_functions(
            [promql_parser.Function("holt_winters", [vt.Matrix, vt.Scalar, vt.Scalar], vt.Vector)]
        )


@lru_cache(maxsize=1024)
def _parse_cached(expr: str) -> tuple[Expr | None, str | None]:
    limit = analysis_limit_problem(expr)
    if limit is not None:
        return None, f"too large for callalert's analysis: {limit}"
    if (
        len(expr) > p.MAX_DEPTH
        and not _valid_shape(expr)
        and isinstance(_parsed(expr, release_line("3.5"), True), p.ExpressionTooDeep)
    ):
        return None, f"too large for callalert's analysis: nesting deeper than {p.MAX_DEPTH} levels"
    _register_extra_functions()
    try:
        return promql_parser.parse(expr), None
    except ValueError as exc:
        return None, str(exc)


def parse_expr(expr: str, *, target: str | Version = DEFAULT_TARGET, experimental: bool = False) -> ParsedExpr:
    """Parse for analysis, raising PromQLSyntaxError with the problem `check_syntax` finds."""
    problems = check_syntax(expr, target=target, experimental=experimental)
    if problems:
        raise PromQLSyntaxError(expr, problems)
    return ParsedExpr(expr, ast_of(expr))


def iter_nodes(node: Expr) -> Iterator[Expr]:
    """`node` and everything below it, depth first, left to right."""
    stack = [node]
    pop, push = stack.pop, stack.append
    while stack:
        current = pop()
        yield current
        kind = type(current)  # promql-parser's node classes are final: no subclass to miss
        if kind is VectorSelector or kind is NumberLiteral or kind is StringLiteral:
            continue  # a leaf: most nodes are
        if isinstance(current, BinaryExpr):
            push(current.rhs)
            push(current.lhs)
        elif isinstance(current, AggregateExpr):
            push(current.expr)
            if current.param is not None:
                push(current.param)
        elif isinstance(current, Call):
            stack.extend(reversed(current.args))
        elif isinstance(current, (ParenExpr, UnaryExpr, SubqueryExpr)):
            push(current.expr)
        elif isinstance(current, MatrixSelector):
            push(current.vector_selector)


def ast_of(expr: str | ParsedExpr | Expr) -> Expr:
    """The typed tree (promql-parser) of an expression given as text, as parsed, or as a tree already.

    Raises PromQLTooLarge beyond the analysis limits and PromQLSyntaxError for what promql-parser
    cannot read (invalid PromQL, or syntax newer than promql-parser)."""
    if isinstance(expr, ParsedExpr):
        return expr.ast
    if isinstance(expr, str):
        ast, error = _parse_cached(expr)
        if ast is None:
            if error and error.startswith("too large"):
                raise PromQLTooLarge(f"{error}; only its syntax is checked")
            problems = check_syntax(expr, target="3.5", experimental=True) or [SyntaxProblem(error or "invalid PromQL")]
            raise PromQLSyntaxError(expr, problems)
        return ast
    return expr
