"""The PromQL parser of a given Prometheus version, with promtool's first error, word for word.

Prometheus parses PromQL with a yacc grammar (promql/parser/generated_parser.y) and reports only
the first of the errors it collects. This is a recursive-descent parser written for callalert that
accepts the same language per `Dialect` and finds the same first error:

- syntax errors name the token ("unexpected identifier \\"le\\" in grouping opts, expected \\"(\\"");
  the context is the innermost enclosing grammar state that has an error rule, which is what
  yacc's error recovery finds: an aggregation, a grouping list, a label matcher, `offset`, `@`
  or a range/subquery bracket ("catchers" below); anywhere else the message has no context;
- errors raised while a construct is reduced (unknown function, bad duration, bad regex, wrong
  number of aggregation arguments...) come in the order yacc reduces, which is the order this
  parser completes constructs (it checks a construct before it looks at the next token where yacc
  reduces without a lookahead, and after where yacc needs one);
- type checks (upstream's checkAST) run only on an expression without syntax errors, in the same
  traversal order.

The parser is linear in the input except for nesting (parentheses, calls, unary and `^` chains),
which is bounded by MAX_DEPTH: deeper expressions are refused with `ExpressionTooDeep` before any
recursion limit is reached. Binary chains of any length are parsed and checked iteratively.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn

from callalert.analysis.labels import is_valid_label_name
from callalert.analysis.promql.functions import (
    AGGREGATIONS_WITH_PARAM,
    MATRIX,
    SCALAR,
    STRING,
    VECTOR,
    FunctionInfo,
    function_info,
)
from callalert.analysis.promql.lex import (
    AGGREGATOR_KINDS,
    LIMIT_AGGREGATORS,
    SET_OPERATORS,
    Token,
    describe,
    go_quote,
    tokenize,
)
from callalert.analysis.promql.regex import check_regex
from callalert.analysis.promql.versions import Dialect

MAX_DEPTH = 100  # nesting levels (parentheses, calls, aggregations, unary and ^ chains)
NAME = "__name__"

# --- the syntax tree ---------------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class Node:
    start: int
    end: int


@dataclass(eq=False, slots=True)
class NumberLiteral(Node):
    value: float
    duration: bool = False


@dataclass(eq=False, slots=True)
class StringLiteral(Node):
    value: str


@dataclass(frozen=True, slots=True)
class LabelMatcher:
    name: str
    op: str  # "=", "!=", "=~", "!~"
    value: str
    matches_empty: bool


@dataclass(eq=False, slots=True)
class VectorSelector(Node):
    name: str
    matchers: list[LabelMatcher] = field(default_factory=list)
    offset: float = 0.0
    at: float | None = None
    at_keyword: str | None = None
    bypass_empty_check: bool = False


@dataclass(eq=False, slots=True)
class MatrixSelector(Node):
    selector: Node
    range: float  # seconds
    range_start: int = 0  # where the range text starts (after "[")


@dataclass(eq=False, slots=True)
class SubqueryExpr(Node):
    expr: Node
    range: float
    step: float  # 0: the evaluation interval
    offset: float = 0.0
    at: float | None = None
    at_keyword: str | None = None


@dataclass(eq=False, slots=True)
class Call(Node):
    name: str
    func: FunctionInfo
    args: list[Node]


@dataclass(eq=False, slots=True)
class AggregateExpr(Node):
    op: str  # "sum", "topk", ...
    expr: Node | None
    param: Node | None
    grouping: list[str]
    without: bool


@dataclass(eq=False, slots=True)
class BinaryExpr(Node):
    op: str  # token kind: "ADD", "LAND", ...
    op_text: str
    lhs: Node
    rhs: Node
    return_bool: bool
    on: bool
    matching: list[str] | None  # None: no on()/ignoring()
    include: list[str]
    card: str  # "one-to-one", "many-to-one", "one-to-many", "many-to-many"


@dataclass(eq=False, slots=True)
class ParenExpr(Node):
    expr: Node


@dataclass(eq=False, slots=True)
class UnaryExpr(Node):
    op: str
    expr: Node


@dataclass(eq=False, slots=True)
class DurationExpr(Node):
    """Arithmetic in a range or offset (3.4+, behind promql-duration-expr until 3.14)."""


# --- errors ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParseError:
    pos: int  # offset in the expression (code points)
    message: str  # promtool's wording after "parse error: "
    kind: str  # lex | syntax | semantic | unknown-function | not-enabled | limit-aggregation | regex | type
    subject: str = ""  # the function or aggregation a kind is about


class _Stop(Exception):
    """The first error is found: Prometheus reports only that one."""


class ExpressionTooDeep(Exception):
    def __init__(self, pos: int, depth: int) -> None:
        super().__init__(f"nesting deeper than {depth} levels")
        self.pos = pos
        self.depth = depth


_BINARY_PRECEDENCE = {
    "LOR": 1,
    "LAND": 2,
    "LUNLESS": 2,
    "EQLC": 3,
    "GTE": 3,
    "GTR": 3,
    "LSS": 3,
    "LTE": 3,
    "NEQ": 3,
    "ADD": 4,
    "SUB": 4,
    "MUL": 5,
    "DIV": 5,
    "MOD": 5,
    "ATAN2": 5,
    "POW": 6,
}
_COMPARISONS = frozenset({"EQLC", "GTE", "GTR", "LSS", "LTE", "NEQ"})
_MATCH_OPS = {"EQL": "=", "NEQ": "!=", "EQL_REGEX": "=~", "NEQ_REGEX": "!~"}
_METRIC_IDENTIFIER_KINDS = frozenset(
    {"IDENTIFIER", "METRIC_IDENTIFIER", "BY", "WITHOUT", "OFFSET", "START", "END", *SET_OPERATORS, *AGGREGATOR_KINDS}
)
_MAYBE_LABEL_KINDS = frozenset(
    {
        "IDENTIFIER",
        "METRIC_IDENTIFIER",
        "BOOL",
        "BY",
        "GROUP_LEFT",
        "GROUP_RIGHT",
        "IGNORING",
        "OFFSET",
        "ON",
        "START",
        "END",
        "ATAN2",
        *SET_OPERATORS,
        *AGGREGATOR_KINDS,
    }
)
_DOCUMENTED_TYPE = {VECTOR: "instant vector", SCALAR: "scalar", MATRIX: "range vector", STRING: "string", "none": "none"}
_MAX_DURATION_SECONDS = (1 << 63) / 1e9


# --- numbers, durations, strings -----------------------------------------------------------------

_GO_INT = re.compile(
    r"0[xX]_?[0-9a-fA-F]+(?:_[0-9a-fA-F]+)*|0[oO]_?[0-7]+(?:_[0-7]+)*|0[bB]_?[01]+(?:_[01]+)*|0(?:_?[0-7]+)*|[1-9](?:_?[0-9])*"
)
_GO_DEC_FLOAT = re.compile(r"(?:[0-9](?:_?[0-9])*)?\.?(?:[0-9](?:_?[0-9])*)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?")
_GO_HEX_FLOAT = re.compile(r"0[xX](?:_?[0-9a-fA-F])*\.?(?:[0-9a-fA-F](?:_?[0-9a-fA-F])*)?[pP][+-]?[0-9](?:_?[0-9])*")


_PLAIN_DECIMAL = re.compile(r"(?:0|[1-9][0-9]{0,17})(?:\.[0-9]+)?|0?\.[0-9]+")


def go_number(text: str) -> tuple[float, str | None]:
    """Prometheus' number(): strconv.ParseInt(s, 0, 64), else strconv.ParseFloat(s, 64)."""
    if _PLAIN_DECIMAL.fullmatch(text):
        # the numbers thresholds are written with (10, 0.95, .5): both parsers agree with float()
        return float(text), None
    if _GO_INT.fullmatch(text):
        digits = text.replace("_", "")
        integer = int(digits, 8) if re.fullmatch(r"0[0-7]+", digits) else int(digits, 0)
        if integer <= (1 << 63) - 1:
            return float(integer), None
    lower = text.lower()
    if lower in ("inf", "+inf", "infinity", "+infinity"):
        return math.inf, None
    if lower in ("-inf", "-infinity"):
        return -math.inf, None
    if lower == "nan":
        return math.nan, None
    syntax = f"strconv.ParseFloat: parsing {go_quote(text)}: invalid syntax"
    mantissa = re.split("[eE]", text, maxsplit=1)[0]
    value: float
    if _GO_DEC_FLOAT.fullmatch(text) and any(c.isdigit() for c in mantissa):
        value = float(text.replace("_", ""))
    elif _GO_HEX_FLOAT.fullmatch(text):
        value = float.fromhex(text.replace("_", ""))
    else:
        return 0.0, syntax
    if math.isinf(value):
        return value, f"strconv.ParseFloat: parsing {go_quote(text)}: value out of range"
    return value, None


_DURATION_RE = re.compile(r"((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?")
_UNITS = {"y": (1, 365 * 86400_000), "w": (2, 7 * 86400_000), "d": (3, 86400_000), "h": (4, 3600_000), "m": (5, 60_000)}
_UNITS |= {"s": (6, 1000), "ms": (7, 1)}
_INT64_MAX = (1 << 63) - 1


def go_duration(text: str, dialect: Dialect) -> tuple[float, str | None]:
    """prometheus/common model.ParseDuration as the target links it -> (seconds, error)."""
    if text == "0":
        return 0.0, None
    if text == "":
        return 0.0, "empty duration string"
    if dialect.regex_duration_parser:
        match = _DURATION_RE.fullmatch(text)
        if match is None:
            return 0.0, f"not a valid duration string: {go_quote(text)}"
        total = 0
        for group, (_, mult) in zip((2, 4, 6, 8, 10, 12, 14), _UNITS.values(), strict=True):
            if match.group(group):
                n = int(match.group(group))
                if n > _INT64_MAX // 1_000_000 // mult:
                    return 0.0, "duration out of range"
                total += n * mult * 1_000_000
                if total > _INT64_MAX:
                    return 0.0, "duration out of range"
        return total / 1e9, None
    rest, total_ms, last = text, 0, 0
    while rest:
        if not rest[0].isdigit():
            return 0.0, f"not a valid duration string: {go_quote(text)}"
        i = 0
        while i < len(rest) and rest[i].isdigit():
            i += 1
        n = int(rest[:i])
        rest = rest[i:]
        j = 0
        while j < len(rest) and not rest[j].isdigit():
            j += 1
        if j == 0:
            return 0.0, f"not a valid duration string: {go_quote(text)}"
        unit, rest = rest[:j], rest[j:]
        if unit not in _UNITS:
            return 0.0, f"unknown unit {go_quote(unit)} in duration {go_quote(text)}"
        position, mult = _UNITS[unit]
        if position <= last:
            return 0.0, f"not a valid duration string: {go_quote(text)}"
        last = position
        if n > (1 << 63) // (mult * 1_000_000):
            return 0.0, "duration out of range"
        total_ms += n * mult
        if total_ms * 1_000_000 > _INT64_MAX:
            return 0.0, "duration out of range"
    return total_ms / 1000, None


_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"'}


def unquote(text: str) -> str:
    """The value of a STRING token (the lexer has validated its escapes)."""
    if text.startswith("`"):
        return text[1:-1]
    body, out, i = text[1:-1], [], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        e = body[i + 1]
        if e in _ESCAPES:
            out.append(_ESCAPES[e])
            i += 2
        elif e in "01234567":
            out.append(chr(int(body[i + 1 : i + 4], 8)))
            i += 4
        else:
            width = {"x": 2, "u": 4, "U": 8}[e]
            out.append(chr(int(body[i + 2 : i + 2 + width], 16)))
            i += 2 + width
    return "".join(out)


# --- the parser ------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, dialect: Dialect) -> None:
        self.text = text
        self.dialect = dialect
        self.tokens = tokenize(text, dialect)
        self.last = len(self.tokens) - 1
        self.i = 0
        self.error: ParseError | None = None
        self.lexer_failed = False
        self.catchers: list[tuple[str, str]] = []
        self.depth = 0

    # --- tokens and errors ---------------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> Token:
        index = self.i + ahead
        if index >= self.last:  # only the last token can be a lexer error (or EOF)
            tok = self.tokens[self.last]
            if tok.kind == "ERROR":
                self.fail(tok.pos, tok.text, "lex")
            return tok
        return self.tokens[index]

    def advance(self) -> Token:
        tok = self.peek()
        self.i += 1
        return tok

    def fail(self, pos: int, message: str, kind: str = "semantic", subject: str = "") -> NoReturn:
        if self.error is None:
            self.error = ParseError(pos, message, kind, subject)
        raise _Stop

    def unexpected(self, local: tuple[str, str] | None = None, tok: Token | None = None) -> NoReturn:
        """A syntax error at `tok` (the next token): promtool names the innermost grammar state with an error rule."""
        tok = tok or self.peek()
        context, expected = local or (self.catchers[-1] if self.catchers else ("", ""))
        message = "unexpected " + describe(tok, self.dialect)
        if context:
            message += f" in {context}"
        if expected:
            message += f", expected {expected}"
        self.fail(tok.pos, message, "syntax")

    def starts_expression(self, tok: Token) -> bool:
        kind = tok.kind
        if kind in ("NUMBER", "STRING", "LEFT_PAREN", "LEFT_BRACE", "ADD", "SUB"):
            return True
        if kind == "DURATION":
            return self.dialect.durations_as_numbers
        if kind in LIMIT_AGGREGATORS:
            return self.dialect.limit_aggregators
        return kind in _METRIC_IDENTIFIER_KINDS

    # --- expressions -----------------------------------------------------------------------------------
    def parse(self) -> Node:
        if self.peek().kind == "EOF":
            self.fail(0, "no expression found in input")
        node = self.expr(0)
        if self.peek().kind != "EOF":
            self.unexpected()
        return node

    def expr(self, min_precedence: int) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionTooDeep(self.peek().pos, MAX_DEPTH)
        lhs = self.unary()
        while True:
            tok = self.peek()
            precedence = _BINARY_PRECEDENCE.get(tok.kind)
            if precedence is None or precedence < min_precedence:
                break
            self.advance()
            lhs = self.binary(tok, lhs, precedence)
        self.depth -= 1
        return lhs

    def binary(self, op: Token, lhs: Node, precedence: int) -> Node:
        return_bool = False
        if self.peek().kind == "BOOL":
            self.advance()
            return_bool = True
        on, matching, include, card = False, None, [], "one-to-one"
        tok = self.peek()
        if tok.kind in ("ON", "IGNORING"):
            self.advance()
            on = tok.kind == "ON"
            matching = self.grouping_labels()
            side = self.peek()
            if side.kind in ("GROUP_LEFT", "GROUP_RIGHT"):
                self.advance()
                card = "many-to-one" if side.kind == "GROUP_LEFT" else "one-to-many"
                nxt = self.peek()
                if nxt.kind == "LEFT_PAREN":
                    include = self.grouping_labels()
                elif not self.starts_expression(nxt):
                    self.unexpected(("grouping opts", '"("'))
        rhs = self.expr(precedence if op.kind == "POW" else precedence + 1)
        return BinaryExpr(lhs.start, rhs.end, op.kind, op.text, lhs, rhs, return_bool, on, matching, include, card)

    def unary(self) -> Node:
        tok = self.peek()
        if tok.kind not in ("ADD", "SUB"):
            return self.postfix(self.primary())
        self.advance()
        operand = self.expr(_BINARY_PRECEDENCE["POW"])
        if isinstance(operand, NumberLiteral):
            if tok.kind == "SUB":
                operand.value = -operand.value
            operand.start = tok.pos
            return operand
        return UnaryExpr(tok.pos, operand.end, tok.kind, operand)

    def postfix(self, node: Node) -> Node:
        while True:
            kind = self.peek().kind
            if kind == "LEFT_BRACKET":
                node = self.bracket(node)
            elif kind == "OFFSET":
                node = self.offset(node)
            elif kind == "AT":
                node = self.at(node)
            else:
                return node

    def primary(self) -> Node:
        tok = self.peek()
        kind = tok.kind
        if kind == "NUMBER":
            self.advance()
            return self.number_literal(tok)
        if kind == "DURATION" and self.dialect.durations_as_numbers:
            self.advance()
            return self.duration_literal(tok)
        if kind == "STRING":
            self.advance()
            return StringLiteral(tok.pos, tok.end, unquote(tok.text))
        if kind == "LEFT_PAREN":
            self.advance()
            self.depth += 1
            inner = self.expr(0)
            self.depth -= 1
            close = self.peek()
            if close.kind != "RIGHT_PAREN":
                self.unexpected()
            self.advance()
            return ParenExpr(tok.pos, close.end, inner)
        if kind == "LEFT_BRACE":
            return self.vector_selector(None)
        is_aggregator = kind in AGGREGATOR_KINDS or (kind in LIMIT_AGGREGATORS and self.dialect.limit_aggregators)
        if is_aggregator and self.peek(1).kind in ("LEFT_PAREN", "BY", "WITHOUT"):
            return self.aggregate()
        if kind == "IDENTIFIER" and self.peek(1).kind == "LEFT_PAREN":
            return self.call()
        if kind in _METRIC_IDENTIFIER_KINDS or is_aggregator:
            return self.vector_selector(tok)
        self.unexpected()

    def number_literal(self, tok: Token) -> NumberLiteral:
        value, error = go_number(tok.text)
        if error:
            self.fail(tok.pos, f"error parsing number: {error}")
        return NumberLiteral(tok.pos, tok.end, value)

    def duration_literal(self, tok: Token) -> NumberLiteral:
        seconds = self.duration_value(tok)
        return NumberLiteral(tok.pos, tok.end, seconds, duration=True)

    def duration_value(self, tok: Token, *, positive: bool | None = None) -> float:
        """A DURATION token's seconds; `positive`: reject zero (upstream's parseDuration up to 3.3)."""
        seconds, error = go_duration(tok.text, self.dialect)
        if error:
            self.fail(tok.pos, error)
        if positive is None:
            positive = not self.dialect.duration_expressions
        if positive and seconds == 0:
            self.fail(tok.pos, "duration must be greater than 0")
        return seconds

    # --- selectors -------------------------------------------------------------------------------------
    def vector_selector(self, name_tok: Token | None) -> VectorSelector:
        start = name_tok.pos if name_tok else self.peek().pos
        end = name_tok.end if name_tok else start
        if name_tok is not None:
            self.advance()
        node = VectorSelector(start, end, name_tok.text if name_tok else "")
        if self.peek().kind == "LEFT_BRACE":
            node.matchers, node.end = self.label_matchers()
        return node

    def label_matchers(self) -> tuple[list[LabelMatcher], int]:
        self.advance()  # {
        first_or_after_comma = ("label matching", 'identifier or "}"')
        matchers: list[LabelMatcher] = []
        tok = self.peek()
        if tok.kind == "RIGHT_BRACE":
            self.advance()
            return matchers, tok.end
        while True:
            matchers.append(self.label_matcher(first_or_after_comma))
            tok = self.peek()
            if tok.kind == "RIGHT_BRACE":
                self.advance()
                return matchers, tok.end
            if tok.kind != "COMMA":
                self.unexpected(("label matching", '"," or "}"'))
            self.advance()
            tok = self.peek()
            if tok.kind == "RIGHT_BRACE":
                self.advance()
                return matchers, tok.end

    def label_matcher(self, context: tuple[str, str]) -> LabelMatcher:
        tok = self.peek()
        if tok.kind == "IDENTIFIER":
            self.advance()
            op = self.peek()
            if op.kind not in _MATCH_OPS:
                self.unexpected(("label matching", "label matching operator"))
            self.advance()
            return self.matcher_value(tok, tok.text, op)
        if tok.kind == "STRING" and self.dialect.quoted_braces:
            self.advance()
            name = unquote(tok.text)
            op = self.peek()
            if op.kind in _MATCH_OPS:
                self.advance()
                return self.matcher_value(tok, name, op)
            return LabelMatcher(NAME, "=", name, name == "")
        self.unexpected(context)

    def matcher_value(self, label: Token, name: str, op: Token) -> LabelMatcher:
        value_tok = self.peek()
        if value_tok.kind != "STRING":
            self.unexpected(("label matching", "string"))
        self.advance()
        value = unquote(value_tok.text)
        symbol = _MATCH_OPS[op.kind]
        if symbol in ("=~", "!~"):
            checked = check_regex(value, self.dialect.regex)
            if checked.error:
                self.fail(label.pos, checked.error, "regex")
            matches_empty = checked.matches_empty if symbol == "=~" else not checked.matches_empty
        else:
            matches_empty = (value == "") if symbol == "=" else (value != "")
        return LabelMatcher(name, symbol, value, matches_empty)

    def bracket(self, node: Node) -> Node:
        left = self.advance()
        numbers = self.dialect.durations_as_numbers
        what = "number or duration" if numbers else "duration"
        range_seconds = self.bracket_duration(("subquery selector", what), step=False)
        tok = self.peek()
        if tok.kind == "RIGHT_BRACKET":
            self.advance()
            error = None
            if not isinstance(node, VectorSelector):
                error = "ranges only allowed for vector selectors"
            elif node.offset != 0:
                error = "no offset modifiers allowed before range"
            elif node.at is not None:
                error = "no @ modifiers allowed before range"
            if error:
                self.fail(left.pos, error)
            return MatrixSelector(node.start, tok.end, node, range_seconds, left.end)
        if tok.kind != "COLON":
            self.unexpected(("subquery or range", '":" or "]"'))
        self.advance()
        step = 0.0
        tok = self.peek()
        if tok.kind != "RIGHT_BRACKET":
            step = self.bracket_duration(("subquery selector", f'{what} or "]"'), step=True)
            tok = self.peek()
            if tok.kind != "RIGHT_BRACKET":
                self.unexpected(("subquery selector", '"]"'))
        self.advance()
        return SubqueryExpr(node.start, tok.end, node, range_seconds, step)

    def bracket_duration(self, context: tuple[str, str], *, step: bool) -> float:
        tok = self.peek()
        if self.dialect.duration_expressions:
            if tok.kind not in ("NUMBER", "DURATION", "ADD", "SUB", "LEFT_PAREN"):
                self.unexpected(context)
            self.catchers.append(context)
            value = self.duration_expression()
            self.catchers.pop()
            if isinstance(value, NumberLiteral) and value.value <= 0:
                self.fail(value.start, "duration must be greater than 0")
            return value.value if isinstance(value, NumberLiteral) else 0.0
        if tok.kind == "DURATION":
            self.advance()
            return self.duration_value(tok)
        if tok.kind == "NUMBER" and self.dialect.durations_as_numbers:
            self.advance()
            return self.number_literal(tok).value
        self.unexpected(context)

    # --- 3.4+ duration expressions -------------------------------------------------------------------------
    def duration_expression(self, min_precedence: int = 0) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionTooDeep(self.peek().pos, MAX_DEPTH)
        lhs = self.duration_operand()
        while True:
            tok = self.peek()
            precedence = {"ADD": 4, "SUB": 4, "MUL": 5, "DIV": 5, "MOD": 5, "POW": 6}.get(tok.kind)
            if precedence is None or precedence < min_precedence:
                break
            self.advance()
            rhs = self.duration_expression(precedence if tok.kind == "POW" else precedence + 1)
            self.experimental_duration(lhs)
            lhs = DurationExpr(lhs.start, rhs.end)
        self.depth -= 1
        return lhs

    def duration_operand(self) -> Node:
        tok = self.peek()
        if tok.kind in ("ADD", "SUB"):
            self.advance()
            operand = self.duration_expression(5)
            if isinstance(operand, NumberLiteral):
                if tok.kind == "SUB":
                    operand.value = -operand.value
                if abs(operand.value) > _MAX_DURATION_SECONDS:
                    self.fail(tok.pos, "duration out of range")
                operand.start = tok.pos
                return operand
            return DurationExpr(tok.pos, operand.end)
        if tok.kind == "LEFT_PAREN":
            self.advance()
            inner = self.duration_expression(0)
            close = self.peek()
            if close.kind != "RIGHT_PAREN":
                self.unexpected()
            self.advance()
            self.experimental_duration(inner)
            return inner if isinstance(inner, NumberLiteral) else DurationExpr(tok.pos, close.end)
        if tok.kind in ("NUMBER", "DURATION"):
            self.advance()
            literal = self.number_literal(tok) if tok.kind == "NUMBER" else self.duration_literal(tok)
            if abs(literal.value) > _MAX_DURATION_SECONDS:
                self.fail(tok.pos, "duration out of range")
            return literal
        self.unexpected()

    def experimental_duration(self, node: Node) -> None:
        if not self.dialect.duration_arithmetic:
            self.fail(node.start, "experimental duration expression is not enabled", "not-enabled", "duration-expressions")

    # --- offset and @ ------------------------------------------------------------------------------------
    def offset(self, node: Node) -> Node:
        self.advance()
        numbers = self.dialect.durations_as_numbers
        context = ("offset", "number or duration" if numbers else "duration")
        tok = self.peek()
        if self.dialect.duration_expressions:
            seconds = self.offset_duration(context)
        else:
            sign = 1.0
            if tok.kind == "SUB":
                self.advance()
                sign, tok = -1.0, self.peek()
            if tok.kind == "DURATION":
                self.advance()
                seconds = sign * self.duration_value(tok)
            elif tok.kind == "NUMBER" and numbers:
                self.advance()
                seconds = sign * self.number_literal(tok).value
            else:
                self.unexpected(context)
        self.add_offset(node, seconds)
        node.end = self.tokens[self.i - 1].end
        return node

    def offset_duration(self, context: tuple[str, str]) -> float:
        tok = self.peek()
        if tok.kind in ("NUMBER", "DURATION"):
            operand = self.duration_operand()
            return operand.value if isinstance(operand, NumberLiteral) else 0.0
        if tok.kind in ("ADD", "SUB"):
            nxt = self.peek(1)
            if nxt.kind in ("NUMBER", "DURATION"):
                self.advance()
                self.advance()
                literal = self.number_literal(nxt) if nxt.kind == "NUMBER" else self.duration_literal(nxt)
                seconds = -literal.value if tok.kind == "SUB" else literal.value
                if abs(seconds) > _MAX_DURATION_SECONDS:
                    self.fail(tok.pos, "duration out of range")
                return seconds
        if tok.kind in ("ADD", "SUB", "LEFT_PAREN"):
            self.catchers.append(context)
            expression = self.duration_expression()
            self.catchers.pop()
            return expression.value if isinstance(expression, NumberLiteral) else 0.0
        self.unexpected(context)

    def add_offset(self, node: Node, seconds: float) -> None:
        target: VectorSelector | SubqueryExpr
        if isinstance(node, VectorSelector):
            target = node
        elif isinstance(node, MatrixSelector):
            if not isinstance(node.selector, VectorSelector):
                self.fail(node.start, "ranges only allowed for vector selectors")
            target = node.selector
        elif isinstance(node, SubqueryExpr):
            target = node
        else:
            self.fail(
                node.start,
                "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery",
            )
        if target.offset != 0:
            self.fail(node.start, "offset may not be set multiple times")
        target.offset = seconds

    def at(self, node: Node) -> Node:
        self.advance()
        context = ("@", "timestamp")
        tok = self.peek()
        keyword = None
        timestamp = 0.0
        if tok.kind in ("START", "END"):
            self.advance()
            if self.peek().kind != "LEFT_PAREN":
                self.unexpected(context)
            self.advance()
            if self.peek().kind != "RIGHT_PAREN":
                self.unexpected(context)
            self.advance()
            keyword = tok.text.lower()
        else:
            sign = 1.0
            if tok.kind in ("ADD", "SUB"):
                self.advance()
                sign = -1.0 if tok.kind == "SUB" else 1.0
                tok = self.peek()
            if tok.kind == "NUMBER":
                self.advance()
                timestamp = sign * self.number_literal(tok).value
            elif tok.kind == "DURATION" and self.dialect.durations_as_numbers:
                self.advance()
                timestamp = sign * self.duration_value(tok)
            else:
                self.unexpected(context)
            if math.isinf(timestamp) or math.isnan(timestamp) or not (-9.223372036854776e18 < timestamp < 9.223372036854776e18):
                self.fail(node.start, f"timestamp out of bounds for @ modifier: {_go_float(timestamp)}")
        target: VectorSelector | SubqueryExpr
        if isinstance(node, VectorSelector):
            target = node
        elif isinstance(node, MatrixSelector):
            if not isinstance(node.selector, VectorSelector):
                self.fail(node.start, "ranges only allowed for vector selectors")
            target = node.selector
        elif isinstance(node, SubqueryExpr):
            target = node
        else:
            self.fail(
                node.start, "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery"
            )
        if target.at is not None or target.at_keyword is not None:
            self.fail(node.start, "@ <timestamp> may not be set multiple times")
        if keyword:
            target.at_keyword = keyword
        else:
            target.at = timestamp
        node.end = self.tokens[self.i - 1].end
        return node

    # --- calls and aggregations ----------------------------------------------------------------------------
    def call_body(self) -> tuple[list[Node], int]:
        """`( args )` after a function name or aggregation; the `(` is next."""
        tok = self.peek()
        if tok.kind != "LEFT_PAREN":
            self.unexpected()
        self.advance()
        args: list[Node] = []
        if self.peek().kind == "RIGHT_PAREN":
            return args, self.advance().end
        self.depth += 1
        args.append(self.expr(0))
        while True:
            tok = self.peek()
            if tok.kind == "RIGHT_PAREN":
                self.advance()
                self.depth -= 1
                return args, tok.end
            if tok.kind != "COMMA":
                self.unexpected()
            self.advance()
            if not self.starts_expression(self.peek()):
                self.fail(tok.pos, "trailing commas not allowed in function call args")
            args.append(self.expr(0))

    def call(self) -> Node:
        name_tok = self.advance()
        args, end = self.call_body()
        name = name_tok.text
        info = function_info(name, self.dialect.version)
        if info is None:
            self.fail(name_tok.pos, f"unknown function with name {go_quote(name)}", "unknown-function", name)
        if self.dialect.experimental_gate and info.experimental_in(self.dialect.version) and not self.dialect.experimental:
            self.fail(name_tok.pos, f"function {go_quote(name)} is not enabled", "not-enabled", name)
        return Call(name_tok.pos, end, name, info, args)

    def aggregate(self) -> Node:
        op = self.advance()
        self.catchers.append(("aggregation", ""))
        grouping: list[str] = []
        without = False
        tok = self.peek()
        if tok.kind in ("BY", "WITHOUT"):
            self.advance()
            without = tok.kind == "WITHOUT"
            grouping = self.grouping_labels()
            args, end = self.call_body()
        elif tok.kind == "LEFT_PAREN":
            args, end = self.call_body()
            tok = self.peek()
            if tok.kind in ("BY", "WITHOUT"):
                self.advance()
                without = tok.kind == "WITHOUT"
                grouping = self.grouping_labels()
                end = self.tokens[self.i - 1].end
        else:
            self.unexpected()
        self.catchers.pop()
        name = op.text.lower()
        if not args:
            self.fail(op.pos, "no arguments for aggregate expression provided")
        wanted = 1
        if name in AGGREGATIONS_WITH_PARAM:
            if op.kind in LIMIT_AGGREGATORS and not self.dialect.experimental:
                if not self.dialect.at_least(3, 1):
                    message = "limitk() and limit_ratio() are experimental and must be enabled with --enable-feature=promql-experimental-functions"
                else:
                    message = f"{name}() is experimental and must be enabled with --enable-feature=promql-experimental-functions"
                self.fail(op.pos, message, "not-enabled", name)
            wanted = 2
        if len(args) != wanted:
            self.fail(op.pos, f"wrong number of arguments for aggregate expression provided, expected {wanted}, got {len(args)}")
        param = args[0] if wanted == 2 else None
        return AggregateExpr(op.pos, end, name, args[-1], param, grouping, without)

    def grouping_labels(self) -> list[str]:
        tok = self.peek()
        if tok.kind != "LEFT_PAREN":
            self.unexpected(("grouping opts", '"("'))
        self.advance()
        labels: list[str] = []
        if self.peek().kind == "RIGHT_PAREN":
            self.advance()
            return labels
        while True:
            labels.append(self.grouping_label())
            tok = self.peek()
            if tok.kind == "RIGHT_PAREN":
                self.advance()
                return labels
            if tok.kind != "COMMA":
                self.unexpected(("grouping opts", '"," or ")"'))
            self.advance()
            if self.peek().kind == "RIGHT_PAREN":
                self.advance()
                return labels

    def grouping_label(self) -> str:
        tok = self.peek()
        names = self.dialect.grouping_names
        if tok.kind in _MAYBE_LABEL_KINDS or (tok.kind in LIMIT_AGGREGATORS and self.dialect.limit_aggregators):
            self.advance()
            name = tok.text
            if names == "legacy-lexer":
                if not is_valid_label_name(name):
                    self.unexpected(("grouping opts", "label"), tok)
            elif not self.valid_label_name(name):
                self.fail(tok.pos, f"invalid label name for grouping: {go_quote(name)}")
            return name
        if tok.kind == "STRING" and self.dialect.quoted_grouping:
            self.advance()
            name = unquote(tok.text)
            if not self.valid_label_name(name):
                self.fail(tok.pos, f"invalid label name for grouping: {go_quote(name)}")
            return name
        self.unexpected(("grouping opts", "label"))

    def valid_label_name(self, name: str) -> bool:
        return is_valid_label_name(name, utf8=self.dialect.grouping_names == "utf8")


def _go_float(value: float) -> str:
    """Go's %f."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return f"{value:f}"


# --- types and checkAST ----------------------------------------------------------------------------------


def children(node: Node) -> list[Node]:
    """The operands of `node` in source order."""
    if isinstance(node, BinaryExpr):
        return [node.lhs, node.rhs]
    if isinstance(node, AggregateExpr):
        return [n for n in (node.expr, node.param) if n is not None]
    if isinstance(node, Call):
        return list(node.args)
    if isinstance(node, ParenExpr | UnaryExpr):
        return [node.expr]
    if isinstance(node, SubqueryExpr):
        return [node.expr]
    if isinstance(node, MatrixSelector):
        return [node.selector]
    return []


def value_types(root: Node) -> dict[int, str]:
    """The PromQL value type of every node (by id), computed bottom-up without recursion."""
    types: dict[int, str] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if not done:
            stack.append((node, True))
            stack.extend((child, False) for child in children(node))
            continue
        if isinstance(node, NumberLiteral | DurationExpr):
            types[id(node)] = SCALAR
        elif isinstance(node, StringLiteral):
            types[id(node)] = STRING
        elif isinstance(node, VectorSelector | AggregateExpr):
            types[id(node)] = VECTOR
        elif isinstance(node, MatrixSelector | SubqueryExpr):
            types[id(node)] = MATRIX
        elif isinstance(node, Call):
            types[id(node)] = node.func.returns
        elif isinstance(node, ParenExpr | UnaryExpr):
            types[id(node)] = types[id(node.expr)]
        elif isinstance(node, BinaryExpr):
            both_scalar = types[id(node.lhs)] == SCALAR and types[id(node.rhs)] == SCALAR
            types[id(node)] = SCALAR if both_scalar else VECTOR
    return types


class _Checker:
    """Upstream's checkAST, in its traversal order, with an explicit stack."""

    def __init__(self, text: str, root: Node, dialect: Dialect) -> None:
        self.text = text
        self.types = value_types(root)
        self.dialect = dialect
        self.tasks: list[Callable[[], None] | Node] = [root]

    def run(self) -> ParseError | None:
        try:
            while self.tasks:
                task = self.tasks.pop()
                if isinstance(task, Node):
                    self.visit(task)
                else:
                    task()
        except _Stop:
            return self.error
        return None

    def fail(self, pos: int, message: str) -> NoReturn:
        self.error = ParseError(pos, message, "type")
        raise _Stop

    def type_of(self, node: Node) -> str:
        return self.types[id(node)]

    def schedule(self, *steps: Callable[[], None] | Node) -> None:
        """Run `steps` in order before anything already scheduled."""
        self.tasks.extend(reversed(steps))

    def expect(self, node: Node, want: str, context: str) -> list[Callable[[], None] | Node]:
        def compare() -> None:
            got = self.type_of(node)
            if got != want:
                self.fail(node.start, f"expected type {_DOCUMENTED_TYPE[want]} in {context}, got {_DOCUMENTED_TYPE[got]}")

        return [node, compare]

    def op_start(self, node: BinaryExpr) -> int:
        pos = node.lhs.end
        while pos < len(self.text) and self.text[pos] in " \t\n\r":
            pos += 1
        return pos

    def visit(self, node: Node) -> None:
        if isinstance(node, AggregateExpr):
            steps: list[Callable[[], None] | Node] = []
            if node.expr is not None:
                steps += self.expect(node.expr, VECTOR, "aggregation expression")
            if node.param is not None:
                want = STRING if node.op == "count_values" else SCALAR
                steps += self.expect(node.param, want, "aggregation parameter")
            self.schedule(*steps)
        elif isinstance(node, BinaryExpr):
            self.schedule(node.lhs, node.rhs, lambda: self.binary(node))
        elif isinstance(node, Call):
            self.call(node)
        elif isinstance(node, ParenExpr):
            self.schedule(node.expr)
        elif isinstance(node, UnaryExpr):

            def unary() -> None:
                got = self.type_of(node.expr)
                if got not in (SCALAR, VECTOR):
                    self.fail(
                        node.start,
                        f"unary expression only allowed on expressions of type scalar or instant vector, got {go_quote(_DOCUMENTED_TYPE[got])}",
                    )

            self.schedule(node.expr, unary)
        elif isinstance(node, SubqueryExpr):

            def subquery() -> None:
                got = self.type_of(node.expr)
                if got != VECTOR:
                    self.fail(node.start, f"subquery is only allowed on instant vector, got {got} instead")

            self.schedule(node.expr, subquery)
        elif isinstance(node, MatrixSelector):
            self.schedule(node.selector)
        elif isinstance(node, VectorSelector):
            self.vector_selector(node)

    def vector_selector(self, node: VectorSelector) -> None:
        if node.name:
            for m in node.matchers:
                if m.name == NAME:
                    self.fail(node.start, f"metric name must not be set twice: {go_quote(node.name)} or {go_quote(m.value)}")
            return
        if node.bypass_empty_check:
            return
        if all(m.matches_empty for m in node.matchers):
            self.fail(node.start, "vector selector must contain at least one non-empty matcher")

    def call(self, node: Call) -> None:
        func = node.func
        nargs = len(func.args)
        if func.variadic == 0:
            if nargs != len(node.args):
                self.fail(node.start, f"expected {nargs} argument(s) in call to {go_quote(func.name)}, got {len(node.args)}")
        else:
            least = nargs - 1
            if least > len(node.args):
                self.fail(
                    node.start, f"expected at least {least} argument(s) in call to {go_quote(func.name)}, got {len(node.args)}"
                )
            elif func.variadic > 0 and least + func.variadic < len(node.args):
                most = least + func.variadic
                self.fail(
                    node.start, f"expected at most {most} argument(s) in call to {go_quote(func.name)}, got {len(node.args)}"
                )
        if func.name == "info" and len(node.args) > 1:
            second = node.args[1]
            if self.type_of(second) != VECTOR:
                self.fail(
                    node.start,
                    f"expected type instant vector in call to function {go_quote(func.name)}, got {_DOCUMENTED_TYPE[self.type_of(second)]}",
                )
            if not isinstance(second, VectorSelector):
                self.fail(node.start, "unexpected error")
            assert isinstance(second, VectorSelector)
            if second.name:
                self.fail(second.start, "expected label selectors only, got vector selector instead")
            second.bypass_empty_check = True
        steps: list[Callable[[], None] | Node] = []
        for position, arg in enumerate(node.args):
            index = position
            if position >= nargs:
                if func.variadic == 0:
                    break
                index = nargs - 1
            steps += self.expect(arg, func.args[index], f"call to function {go_quote(func.name)}")
        self.schedule(*steps)

    def binary(self, node: BinaryExpr) -> None:
        lt, rt = self.type_of(node.lhs), self.type_of(node.rhs)
        comparison = node.op in _COMPARISONS
        set_op = node.op in SET_OPERATORS
        if node.return_bool and not comparison:
            self.fail(self.op_start(node), "bool modifier can only be used on comparison operators")
        if comparison and not node.return_bool and lt == SCALAR and rt == SCALAR:
            self.fail(self.op_start(node), "comparisons between scalars must use BOOL modifier")
        card = "many-to-many" if set_op and node.card == "one-to-one" else node.card
        if node.on:
            for label in node.matching or []:
                if label in node.include:
                    self.fail(self.op_start(node), f"label {go_quote(label)} must not occur in ON and GROUP clause at once")
        if lt not in (SCALAR, VECTOR):
            self.fail(node.lhs.start, "binary expression must contain only scalar and instant vector types")
        if rt not in (SCALAR, VECTOR):
            self.fail(node.rhs.start, "binary expression must contain only scalar and instant vector types")
        if lt != VECTOR or rt != VECTOR:
            if node.matching:
                self.fail(node.start, "vector matching only allowed between instant vectors")
        elif set_op:
            if card in ("one-to-many", "many-to-one"):
                self.fail(node.start, f"no grouping allowed for {go_quote(node.op_text.lower())} operation")
            if card != "many-to-many":
                self.fail(node.start, "set operations must always be many-to-many")
        if SCALAR in (lt, rt) and set_op:
            self.fail(node.start, f"set operator {go_quote(node.op_text.lower())} not allowed in binary scalar expression")

    error: ParseError | None = None


@dataclass(frozen=True, slots=True)
class ParseResult:
    text: str
    tree: Node | None
    error: ParseError | None

    def promtool_position(self) -> tuple[int, int]:
        """The error's line and column as promtool prints them (columns count UTF-8 bytes)."""
        assert self.error is not None
        return byte_position(self.text, self.error.pos)


def byte_position(text: str, pos: int) -> tuple[int, int]:
    pos = max(0, min(pos, len(text)))
    line = text.count("\n", 0, pos) + 1
    line_start = text.rfind("\n", 0, pos) + 1
    return line, len(text[line_start:pos].encode("utf-8", "surrogatepass")) + 1


def parse(text: str, dialect: Dialect) -> ParseResult:
    """Parse `text` as promtool of `dialect` does; raises ExpressionTooDeep past MAX_DEPTH."""
    parser = _Parser(text, dialect)
    try:
        tree = parser.parse()
    except _Stop:
        return ParseResult(text, None, parser.error)
    error = _Checker(text, tree, dialect).run()
    return ParseResult(text, None if error else tree, error)


def promtool_message(result: ParseResult) -> str:
    """What `promtool check rules` prints after "could not parse expression: "."""
    assert result.error is not None
    if not result.text:
        return f"unknown position: parse error: {result.error.message}"
    line, col = result.promtool_position()
    return f"{line}:{col}: parse error: {result.error.message}"
