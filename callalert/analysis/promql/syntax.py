"""PromQL syntax as promtool of a given Prometheus version sees it, with positions for every problem.

Parsing is done by the `promql-parser` package (a Rust port of the Prometheus parser). It follows a
newer Prometheus than the 2.42 we target, so `check_syntax` adds what 2.42 rejects on top of it
(newer functions, quoted/UTF-8 label names, unit-less durations, fill() modifiers...). Every such
difference was found by running the corpus and hand-written cases through the real promtool 2.42
(see tests/tools/test_promql_promtool.py).
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import promql_parser
from promql_parser import (
    AggregateExpr,
    BinaryExpr,
    Call,
    Expr,
    MatrixSelector,
    ParenExpr,
    SubqueryExpr,
    UnaryExpr,
)

from callalert.analysis.promql.functions import DEFAULT_TARGET, FUNCTIONS, function_problem, release_line
from callalert.analysis.versions import Version
from callalert.diagnostics import did_you_mean
from callalert.errors import CallalertError


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    message: str
    line: int = 1
    col: int = 1
    rule: str = "promql-syntax"


class PromQLSyntaxError(CallalertError):
    def __init__(self, expr: str, problems: list[SyntaxProblem]) -> None:
        self.expr = expr
        self.problems = problems
        first = problems[0]
        super().__init__(f"{first.line}:{first.col}: {first.message}")


@dataclass(frozen=True, slots=True)
class ParsedExpr:
    text: str
    # Shared through the parse cache: read it, never mutate it.
    ast: Expr


@functools.cache
def _register_extra_functions() -> None:
    # promql-parser dropped holt_winters (renamed in Prometheus 3.0); 2.x has it.
    vt = promql_parser.ValueType
    with contextlib.suppress(ValueError):  # a promql-parser that knows holt_winters refuses to register it again
        promql_parser.register_extra_functions(
            [promql_parser.Function("holt_winters", [vt.Matrix, vt.Scalar, vt.Scalar], vt.Vector)]
        )


@lru_cache(maxsize=16384)
def _parse_cached(expr: str) -> tuple[Expr | None, str | None]:
    _register_extra_functions()
    try:
        return promql_parser.parse(expr), None
    except ValueError as exc:
        return None, str(exc)


def parse_expr(expr: str, *, target: str | Version = DEFAULT_TARGET, experimental: bool = False) -> ParsedExpr:
    """Parse, raising PromQLSyntaxError with every problem `check_syntax` finds."""
    problems = check_syntax(expr, target=target, experimental=experimental)
    if problems:
        raise PromQLSyntaxError(expr, problems)
    ast, _ = _parse_cached(expr)
    assert ast is not None  # check_syntax found no problem, so it parsed
    return ParsedExpr(expr, ast)


# ---- a small tokenizer, only for positions and for the checks that need the source text ----------

_TOKEN_RE = re.compile(
    r"""
     (?P<ws>\s+)
    |(?P<comment>\#[^\n]*)
    |(?P<str>"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|`[^`]*`?)
    |(?P<dur>(?:\d+(?:ms|[smhdwy]))+(?![\w.]))
    |(?P<num>0[xX][0-9a-fA-F]+|(?:\d+(?:_\d+)*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<ident>(?:[a-zA-Z_]|:(?=[a-zA-Z_]))[a-zA-Z0-9_:]*)
    |(?P<op>==|!=|>=|<=|=~|!~|[-+*/%^=<>(){}\[\],@:])
    |(?P<bad>.)
    """,
    re.X | re.S,
)

_GROUPING_KEYWORDS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
_FILL_MODIFIERS = frozenset({"fill", "fill_left", "fill_right"})


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    pos: int


def _tokens(expr: str) -> list[_Token]:
    out = []
    for match in _TOKEN_RE.finditer(expr):
        kind = match.lastgroup or "bad"
        if kind in ("ws", "comment"):
            continue
        out.append(_Token(kind, match.group(), match.start()))
    return out


def _line_col(expr: str, pos: int) -> tuple[int, int]:
    pos = max(0, min(pos, len(expr)))
    line = expr.count("\n", 0, pos) + 1
    start = expr.rfind("\n", 0, pos) + 1
    return line, pos - start + 1


def _problem(expr: str, pos: int, message: str, rule: str = "promql-syntax") -> SyntaxProblem:
    line, col = _line_col(expr, pos)
    return SyntaxProblem(message, line, col, rule)


def _call_position(tokens: list[_Token], name: str) -> int:
    for i, tok in enumerate(tokens):
        if tok.kind == "ident" and tok.text == name and i + 1 < len(tokens) and tokens[i + 1].text == "(":
            return tok.pos
    return 0


def _locate_parser_error(expr: str, message: str, tokens: list[_Token]) -> tuple[int, str]:
    """Best-effort position (0-based offset) and a clearer message for a promql-parser error."""
    end = len(expr.rstrip())
    if "unknown function with name" in message:
        name = message.rsplit(" ", 1)[-1].strip("'\"")
        return _call_position(tokens, name), f'unknown function "{name}"{did_you_mean(name, FUNCTIONS)}'
    if message.startswith("unclosed left parenthesis") or "unclosed left" in message:
        stack: list[_Token] = []
        for tok in tokens:
            if tok.text in "([{" and tok.kind == "op":
                stack.append(tok)
            elif tok.text in ")]}" and tok.kind == "op" and stack:
                stack.pop()
        pos = stack[-1].pos if stack else end
        return pos, "unclosed left parenthesis: this '(' is never closed"
    if message.startswith("unexpected end of input"):
        return end, message
    if "inside brackets" in message:
        quoted = re.search(r"'(.)'", message)
        depth = 0
        for tok in tokens:
            if tok.text == "[":
                depth += 1
            elif tok.text == "]":
                depth -= 1
            elif depth > 0 and quoted and tok.text.startswith(quoted.group(1)):
                if tok.text in "*/+-":
                    return tok.pos, (
                        "arithmetic in a duration is not supported by Prometheus 2.42 (duration expressions "
                        "came with Prometheus 3 behind --enable-feature=promql-duration-expr); write a "
                        "literal duration such as [2m]"
                    )
                return tok.pos, message
        return 0, message
    if message == "invalid promql query":
        for i, tok in enumerate(tokens):
            if tok.kind == "ident" and tok.text in ("anchored", "smoothed") and i and tokens[i - 1].text == "]":
                return tok.pos, (
                    f'unexpected identifier "{tok.text}": {tok.text} range selectors are not supported by '
                    "Prometheus 2.42 (they came with Prometheus 3 behind "
                    "--enable-feature=promql-extended-range-selectors)"
                )
        if tokens and tokens[-1].kind == "op" and tokens[-1].text not in ")]}":
            return end, f"unexpected end of input after {tokens[-1].text!r}"
        if tokens and tokens[-1].kind == "ident" and tokens[-1].text in ("and", "or", "unless", "bool", "offset"):
            return end, f"unexpected end of input after {tokens[-1].text!r}"
        return 0, "invalid PromQL expression"
    quoted = re.search(r"'([^']+)'", message) or re.search(r"for (\S+)$", message)
    if quoted:
        needle = quoted.group(1)
        for tok in tokens:
            if tok.text == needle or tok.text.strip("\"'`") == needle:
                return tok.pos, message
        found = expr.find(needle)
        if found >= 0:
            return found, message
    return 0, message


def _compat_problems(expr: str, tokens: list[_Token]) -> Iterator[SyntaxProblem]:
    """What promql-parser accepts but Prometheus 2.42's parser rejects (checked against promtool 2.42)."""
    stack: list[str] = []
    prev: _Token | None = None
    prev2: _Token | None = None
    for i, tok in enumerate(tokens):
        context = stack[-1] if stack else ""
        if tok.kind == "op" and tok.text in "([{":
            if tok.text == "(":
                grouping = prev is not None and prev.kind == "ident" and prev.text.lower() in _GROUPING_KEYWORDS
                stack.append("group" if grouping else "paren")
            else:
                stack.append("brace" if tok.text == "{" else "bracket")
        elif tok.kind == "op" and tok.text in ")]}":
            if stack:
                stack.pop()
        elif tok.kind == "num":
            after_offset = prev is not None and (
                prev.text.lower() == "offset" or (prev.text == "-" and prev2 is not None and prev2.text.lower() == "offset")
            )
            if context == "bracket":
                yield _problem(expr, tok.pos, f'missing unit character in duration "{tok.text}" (write e.g. {tok.text}s or 5m)')
            elif after_offset:
                yield _problem(expr, tok.pos, f'unexpected number "{tok.text}" in offset, expected a duration such as 5m')
        elif tok.kind == "dur" and context != "bracket":
            after_offset = prev is not None and (
                prev.text.lower() == "offset" or (prev.text == "-" and prev2 is not None and prev2.text.lower() == "offset")
            )
            if not after_offset:
                yield _problem(
                    expr,
                    tok.pos,
                    f'unexpected duration "{tok.text}": Prometheus 2.42 only accepts a duration inside [...] or '
                    "after offset (write the number of seconds instead)",
                )
        elif tok.kind == "str":
            if context == "brace" and prev is not None and prev.text in ("{", ","):
                yield _problem(
                    expr,
                    tok.pos,
                    f"quoted label or metric name {tok.text} is not supported by Prometheus 2.42 (UTF-8 names "
                    "came with Prometheus 3.0); use a name matching [a-zA-Z_][a-zA-Z0-9_]*",
                )
            elif context == "group":
                yield _problem(
                    expr,
                    tok.pos,
                    f"quoted label name {tok.text} in a grouping list is not supported by Prometheus 2.42 "
                    "(UTF-8 names came with Prometheus 3.0)",
                )
        elif tok.kind == "ident":
            if context == "brace" and tok.text.lower() == "or" and prev is not None and prev.kind == "str":
                yield _problem(
                    expr,
                    tok.pos,
                    'unexpected identifier "or" in label matching: alternative matcher sets inside {...} are '
                    "not supported by Prometheus 2.42; use two selectors joined with `or`",
                )
            elif tok.text in _FILL_MODIFIERS and i + 1 < len(tokens) and tokens[i + 1].text == "(":
                yield _problem(
                    expr,
                    tok.pos,
                    f"the {tok.text}() binary operator modifier is not supported by Prometheus 2.42 (it came "
                    "with Prometheus 3 behind --enable-feature=promql-binop-fill-modifiers); use `or` with a "
                    "default series instead",
                )
        prev2, prev = prev, tok


def iter_nodes(node: Expr) -> Iterator[Expr]:
    """`node` and everything below it, depth first, left to right."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, BinaryExpr):
            stack.append(current.rhs)
            stack.append(current.lhs)
        elif isinstance(current, AggregateExpr):
            stack.append(current.expr)
            if current.param is not None:
                stack.append(current.param)
        elif isinstance(current, Call):
            stack.extend(reversed(current.args))
        elif isinstance(current, (ParenExpr, UnaryExpr, SubqueryExpr)):
            stack.append(current.expr)
        elif isinstance(current, MatrixSelector):
            stack.append(current.vector_selector)


def check_syntax(expr: str, *, target: str | Version = DEFAULT_TARGET, experimental: bool = False) -> list[SyntaxProblem]:
    """Problems that make `promtool check rules` of Prometheus `target` reject `expr`; [] when it is valid."""
    if not expr.strip():
        return [SyntaxProblem("empty expression")]
    target = release_line(target)
    ast, error = _parse_cached(expr)
    tokens = _tokens(expr)
    if ast is None:
        pos, message = _locate_parser_error(expr, error or "", tokens)
        return [_problem(expr, pos, message)]
    problems = list(_compat_problems(expr, tokens)) if target < Version(3, 0) else []
    seen: set[str] = set()
    for node in iter_nodes(ast):
        if isinstance(node, Call):
            name = node.func.name
        elif isinstance(node, AggregateExpr):
            name = str(node.op)
        else:
            continue
        if name in seen:
            continue
        seen.add(name)
        why = function_problem(name, target, experimental=experimental)
        if why is not None:
            problems.append(_problem(expr, _call_position(tokens, name), why, "promql-version"))
    problems.sort(key=lambda p: (p.line, p.col))
    return problems


def ast_of(expr: str | ParsedExpr | Expr) -> Expr:
    """The syntax tree of an expression given as text, as parsed, or as a tree already."""
    if isinstance(expr, ParsedExpr):
        return expr.ast
    if isinstance(expr, str):
        ast, error = _parse_cached(expr)
        if ast is None:
            tokens = _tokens(expr)
            pos, message = _locate_parser_error(expr, error or "", tokens)
            raise PromQLSyntaxError(expr, [_problem(expr, pos, message)])
        return ast
    return expr
