"""PromQL analysis: syntax as promtool of a given Prometheus version sees it, output labels, pitfalls.

Parsing is done by the `promql-parser` package (a Rust port of the Prometheus parser). It follows a
newer Prometheus than the 2.42 we target, so `check_syntax` adds what 2.42 rejects on top of it
(newer functions, quoted/UTF-8 label names, unit-less durations, fill() modifiers...). Every such
difference was found by running the corpus and hand-written cases through the real promtool 2.42
(see tests/tools/test_promql_promtool.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from callalert.errors import CallalertError

if TYPE_CHECKING:
    from callalert.analysis.promql.catalog import MetricsCatalog

Version = tuple[int, int]
DEFAULT_TARGET: Version = (2, 42)

EXPERIMENTAL_FLAG = "promql-experimental-functions"


# --------------------------------------------------------------------------------------------------
# Function catalog
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FunctionInfo:
    name: str
    added: Version
    # Versions from `added` up to (not including) `stable` need --enable-feature=promql-experimental-functions.
    stable: Version | None = (0, 0)
    removed: Version | None = None
    renamed_to: str | None = None
    aggregation: bool = False

    def experimental_in(self, version: Version) -> bool:
        return self.stable is None or version < self.stable


def _fn(names: str, added: Version, **kw: Any) -> dict[str, FunctionInfo]:
    return {name: FunctionInfo(name, added, **kw) for name in names.split()}


# Sources: Prometheus CHANGELOG; every name marked as present at 2.42 was checked with promtool 2.42.
# Versions after 2.42 come from the changelogs (2.47 histogram_stddev, 2.49 sort_by_label/mad_over_time,
# 2.51 histogram_avg, 2.54 limitk, 3.0 info/double_exponential_smoothing, ...).
FUNCTIONS: dict[str, FunctionInfo] = {
    **_fn(
        "abs absent ceil changes clamp_max clamp_min day_of_month day_of_week days_in_month delta deriv exp "
        "floor histogram_quantile hour idelta increase irate label_join label_replace ln log2 log10 minute "
        "month predict_linear rate resets round scalar sort sort_desc sqrt time timestamp vector year "
        "avg_over_time min_over_time max_over_time sum_over_time count_over_time quantile_over_time "
        "stddev_over_time stdvar_over_time",
        (2, 0),
    ),
    "holt_winters": FunctionInfo("holt_winters", (2, 0), removed=(3, 0), renamed_to="double_exponential_smoothing"),
    **_fn("absent_over_time", (2, 16)),
    **_fn("clamp last_over_time sgn", (2, 26)),
    **_fn("present_over_time", (2, 29)),
    **_fn("acos acosh asin asinh atan atanh cos cosh sin sinh tan tanh deg rad pi day_of_year", (2, 31)),
    **_fn("histogram_count histogram_sum histogram_fraction", (2, 40)),
    **_fn("histogram_stddev histogram_stdvar", (2, 47)),
    **_fn("sort_by_label sort_by_label_desc mad_over_time", (2, 49), stable=None),
    **_fn("histogram_avg", (2, 51)),
    **_fn("limitk limit_ratio", (2, 54), stable=None, aggregation=True),
    **_fn("double_exponential_smoothing info", (3, 0), stable=None),
    **_fn("ts_of_max_over_time ts_of_min_over_time ts_of_last_over_time", (3, 5), stable=None),
    **_fn("first_over_time ts_of_first_over_time", (3, 7), stable=(3, 14)),
    **_fn("histogram_quantiles", (3, 9), stable=None),
    **_fn("step min_of max_of", (3, 6), stable=None),
    **_fn("start_timestamp", (3, 14), stable=None),
}

AGGREGATIONS = frozenset(
    "sum avg min max count stddev stdvar group quantile topk bottomk count_values limitk limit_ratio".split()
)


def _version_text(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def function_problem(name: str, target: Version = DEFAULT_TARGET, *, experimental: bool = False) -> str | None:
    """Why `name` cannot be used with Prometheus `target` (None: it can)."""
    info = FUNCTIONS.get(name)
    if info is None:
        return None
    if target < info.added:
        flag = f" behind --enable-feature={EXPERIMENTAL_FLAG}" if info.experimental_in(info.added) else ""
        return (
            f'unknown function "{name}" (added in Prometheus {_version_text(info.added)}{flag}; '
            f"the target is Prometheus {_version_text(target)})"
        )
    if info.removed is not None and target >= info.removed:
        instead = f"; use {info.renamed_to}() instead" if info.renamed_to else ""
        return f'unknown function "{name}" (removed in Prometheus {_version_text(info.removed)}{instead})'
    if info.experimental_in(target) and not experimental:
        return (
            f'function "{name}" is experimental in Prometheus {_version_text(target)}: it needs '
            f"--enable-feature={EXPERIMENTAL_FLAG}"
        )
    return None


# --------------------------------------------------------------------------------------------------
# Parsing and syntax problems
# --------------------------------------------------------------------------------------------------


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
    # A promql_parser.Expr, shared through the parse cache: read it, never mutate it.
    ast: Any


_REGISTERED = False


def _parser() -> Any:
    global _REGISTERED
    import promql_parser

    if not _REGISTERED:
        _REGISTERED = True
        # promql-parser dropped holt_winters (renamed in Prometheus 3.0); 2.x has it.
        vt = promql_parser.ValueType
        try:
            promql_parser.register_extra_functions(
                [promql_parser.Function("holt_winters", [vt.Matrix, vt.Scalar, vt.Scalar], vt.Vector)]
            )
        except ValueError:
            pass
    return promql_parser


@lru_cache(maxsize=16384)
def _parse_cached(expr: str) -> tuple[Any, str | None]:
    try:
        return _parser().parse(expr), None
    except ValueError as exc:
        return None, str(exc)


def parse_expr(expr: str, *, target: Version = DEFAULT_TARGET, experimental: bool = False) -> ParsedExpr:
    """Parse, raising PromQLSyntaxError with every problem `check_syntax` finds."""
    problems = check_syntax(expr, target=target, experimental=experimental)
    if problems:
        raise PromQLSyntaxError(expr, problems)
    ast, _ = _parse_cached(expr)
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
        from callalert.diagnostics import did_you_mean

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
                prev.text.lower() == "offset"
                or (prev.text == "-" and prev2 is not None and prev2.text.lower() == "offset")
            )
            if context == "bracket":
                yield _problem(
                    expr, tok.pos, f'missing unit character in duration "{tok.text}" (write e.g. {tok.text}s or 5m)'
                )
            elif after_offset:
                yield _problem(expr, tok.pos, f'unexpected number "{tok.text}" in offset, expected a duration such as 5m')
        elif tok.kind == "dur" and context != "bracket":
            after_offset = prev is not None and (
                prev.text.lower() == "offset"
                or (prev.text == "-" and prev2 is not None and prev2.text.lower() == "offset")
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


def _iter_nodes(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        name = type(current).__name__
        if name == "BinaryExpr":
            stack.append(current.rhs)
            stack.append(current.lhs)
        elif name in ("AggregateExpr",):
            stack.append(current.expr)
            if current.param is not None:
                stack.append(current.param)
        elif name == "Call":
            stack.extend(reversed(current.args))
        elif name in ("ParenExpr", "UnaryExpr", "SubqueryExpr"):
            stack.append(current.expr)
        elif name == "MatrixSelector":
            stack.append(current.vector_selector)


def check_syntax(
    expr: str, *, target: Version = DEFAULT_TARGET, experimental: bool = False
) -> list[SyntaxProblem]:
    """Problems that make `promtool check rules` of Prometheus `target` reject `expr`; [] when it is valid."""
    if not expr.strip():
        return [SyntaxProblem("empty expression")]
    ast, error = _parse_cached(expr)
    tokens = _tokens(expr)
    if error is not None:
        pos, message = _locate_parser_error(expr, error, tokens)
        return [_problem(expr, pos, message)]
    problems = list(_compat_problems(expr, tokens)) if target < (3, 0) else []
    seen: set[str] = set()
    for node in _iter_nodes(ast):
        kind = type(node).__name__
        if kind == "Call":
            name = node.func.name
        elif kind == "AggregateExpr":
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


# --------------------------------------------------------------------------------------------------
# Output label inference
# --------------------------------------------------------------------------------------------------

NAME = "__name__"
# Labels Prometheus attaches to every scraped series from the target (unless relabelled away).
TARGET_LABELS: frozenset[str] = frozenset({"job", "instance"})
_EMPTY: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class LabelInfo:
    """Label names of the series an expression returns.

    `possible`: names that may be present (includes `certain`); `certain`: names every series has;
    `open`: other, unknown labels of the input metrics may be present too; `dropped`: names known
    to be absent. `exact` is the full set when it is known (not open). `kind` is the PromQL value type.
    """

    possible: frozenset[str] = _EMPTY
    open: bool = False
    dropped: frozenset[str] = _EMPTY
    certain: frozenset[str] = _EMPTY
    kind: str = "vector"

    @property
    def exact(self) -> frozenset[str] | None:
        return None if self.open else self.possible

    def can_have(self, label: str) -> bool | None:
        """True: certainly or possibly present; False: never; None: unknown (open, not known either way)."""
        if label in self.possible:
            return True
        if label in self.dropped or not self.open:
            return False
        return None

    def drop(self, labels: Iterable[str]) -> LabelInfo:
        gone = frozenset(labels)
        if not gone:
            return self
        return LabelInfo(self.possible - gone, self.open, self.dropped | gone, self.certain - gone, self.kind)

    def add(self, labels: Iterable[str], *, certain: bool = False) -> LabelInfo:
        new = frozenset(labels)
        return LabelInfo(
            self.possible | new, self.open, self.dropped - new, self.certain | new if certain else self.certain, self.kind
        )

    def keep_only(self, labels: Iterable[str]) -> LabelInfo:
        keep = frozenset(labels)
        possible = keep - self.dropped if self.open else keep & self.possible
        gone = (self.possible - keep) | self.dropped | ({NAME} - keep)
        return LabelInfo(possible, False, gone, self.certain & keep, self.kind)

    def union(self, other: LabelInfo) -> LabelInfo:
        return LabelInfo(
            self.possible | other.possible,
            self.open or other.open,
            (self.dropped & other.dropped) - self.possible - other.possible,
            self.certain & other.certain,
            "vector",
        )


SCALAR = LabelInfo(kind="scalar")
STRING = LabelInfo(kind="string")
NO_LABELS = LabelInfo(dropped=frozenset({NAME}))

_COMPARISON = frozenset({"==", "!=", ">", "<", ">=", "<="})
_SET_OPS = frozenset({"and", "or", "unless"})
# Functions whose result keeps the input metric name (verified with promtool 2.42 test rules).
_KEEP_NAME = frozenset(
    {"sort", "sort_desc", "sort_by_label", "sort_by_label_desc", "last_over_time", "first_over_time",
     "label_replace", "label_join"}
)
_SCALAR_RESULT = frozenset({"scalar", "time", "pi", "step"})


class _Inference:
    def __init__(self, catalog: MetricsCatalog | None) -> None:
        self.catalog = catalog

    def selector(self, vs: Any) -> LabelInfo:
        name: str | None = vs.name
        certain: set[str] = set()
        possible: set[str] = set()
        dropped: set[str] = set()
        for matcher in vs.matchers.matchers:
            label, value, op = matcher.name, matcher.value, str(matcher.op)
            if label == NAME:
                if op == "MatchOp.Equal":
                    name = value
                certain.add(NAME)
                continue
            if op == "MatchOp.Equal":
                (certain if value else dropped).add(label)
            elif op == "MatchOp.Re":
                (certain if not _regex_matches_empty(value) else possible).add(label)
            elif op == "MatchOp.NotEqual" and value == "":
                certain.add(label)
            else:
                possible.add(label)
        for group in vs.matchers.or_matchers:
            for matcher in group:
                possible.add(matcher.name)
        if vs.name:
            certain.add(NAME)
        possible |= certain
        is_scraped = name is not None and ":" not in name and name not in ("ALERTS", "ALERTS_FOR_STATE")
        if is_scraped:
            possible |= TARGET_LABELS - dropped
        info = self.catalog.get(name) if (self.catalog is not None and name) else None
        if info is not None:
            known = set(info.labels) | possible | {NAME}
            return LabelInfo(frozenset(known - dropped), False, frozenset(dropped), frozenset(certain))
        return LabelInfo(frozenset(possible - dropped), True, frozenset(dropped), frozenset(certain))

    def infer(self, node: Any) -> LabelInfo:
        kind = type(node).__name__
        if kind == "VectorSelector":
            return self.selector(node)
        if kind == "MatrixSelector":
            result = self.selector(node.vector_selector)
            return LabelInfo(result.possible, result.open, result.dropped, result.certain, "matrix")
        if kind in ("ParenExpr",):
            return self.infer(node.expr)
        if kind == "SubqueryExpr":
            inner = self.infer(node.expr)
            return LabelInfo(inner.possible, inner.open, inner.dropped, inner.certain, "matrix")
        if kind == "UnaryExpr":
            inner = self.infer(node.expr)
            return inner if inner.kind == "scalar" else inner.drop((NAME,))
        if kind == "NumberLiteral":
            return SCALAR
        if kind == "StringLiteral":
            return STRING
        if kind == "AggregateExpr":
            return self.aggregate(node)
        if kind == "Call":
            return self.call(node)
        if kind == "BinaryExpr":
            return self.binary(node)
        return LabelInfo(open=True)

    def aggregate(self, node: Any) -> LabelInfo:
        op = str(node.op)
        inner = self.infer(node.expr)
        if op in ("topk", "bottomk", "limitk", "limit_ratio"):
            return inner
        modifier = node.modifier
        if modifier is None:
            result = inner.keep_only(())
        elif str(modifier.type) == "AggModifierType.By":
            result = inner.keep_only(modifier.labels)
        else:
            result = inner.drop((NAME, *modifier.labels))
        if op == "count_values" and type(node.param).__name__ == "StringLiteral":
            result = result.add((node.param.val,), certain=True)
        return result

    def call(self, node: Any) -> LabelInfo:
        name = node.func.name
        args = node.args
        if name in _SCALAR_RESULT:
            return SCALAR
        if name in ("absent", "absent_over_time"):
            arg = args[0] if args else None
            vs = arg.vector_selector if type(arg).__name__ == "MatrixSelector" else arg
            if type(vs).__name__ != "VectorSelector":
                return NO_LABELS
            labels = {m.name for m in vs.matchers.matchers if str(m.op) == "MatchOp.Equal" and m.name != NAME}
            return LabelInfo(frozenset(labels), False, frozenset({NAME}), frozenset(labels))
        if name == "vector" or not args:
            # vector(s) and the date functions called without an argument (they use vector(time())).
            return NO_LABELS
        source = None
        for arg in args:
            info = self.infer(arg)
            if info.kind in ("vector", "matrix"):
                source = info
                break
        if source is None:
            return NO_LABELS
        result = LabelInfo(source.possible, source.open, source.dropped, source.certain)
        if name == "label_replace" and len(args) >= 2 and type(args[1]).__name__ == "StringLiteral":
            return result.add((args[1].val,))
        if name == "label_join" and len(args) >= 2 and type(args[1]).__name__ == "StringLiteral":
            return result.add((args[1].val,))
        if name in _KEEP_NAME:
            return result
        if name == "histogram_quantile":
            return result.drop((NAME, "le"))
        if name == "info":
            # info() adds the data labels of matching info metrics: unknown without looking at the data.
            return LabelInfo(result.possible, True, result.dropped - {NAME}, result.certain).drop((NAME,))
        return result.drop((NAME,))

    def binary(self, node: Any) -> LabelInfo:
        op = str(node.op)
        lhs = self.infer(node.lhs)
        rhs = self.infer(node.rhs)
        modifier = node.modifier
        return_bool = bool(modifier is not None and modifier.return_bool)
        drop_name = op not in _COMPARISON and op not in _SET_OPS or return_bool
        if lhs.kind == "scalar" and rhs.kind == "scalar":
            return SCALAR
        if lhs.kind == "scalar" or rhs.kind == "scalar":
            vector = rhs if lhs.kind == "scalar" else lhs
            return vector.drop((NAME,)) if drop_name else vector
        if op in ("and", "unless"):
            return lhs
        if op == "or":
            return lhs.union(rhs)
        card = str(modifier.card) if modifier is not None else "VectorMatchCardinality.OneToOne"
        matching = modifier.matching if modifier is not None else None
        group_labels = list(modifier.group_labels or ()) if modifier is not None else []
        if card == "VectorMatchCardinality.OneToMany":
            result, other = rhs, lhs
        else:
            result, other = lhs, rhs
        if drop_name:
            result = result.drop((NAME,))
        if card == "VectorMatchCardinality.OneToOne" and matching is not None:
            if str(matching.type) == "LabelModifierType.Include":
                # Even a filtering comparison keeps only the on(...) labels (and loses the name).
                result = result.keep_only(matching.labels)
            else:
                result = result.drop(matching.labels)
        if group_labels:
            certain = [label for label in group_labels if label in other.certain]
            result = result.add(group_labels).add(certain, certain=True)
        return result


def _regex_matches_empty(pattern: str) -> bool:
    try:
        return re.fullmatch(pattern, "") is not None
    except re.error:
        return True


def _ast_of(expr: str | ParsedExpr | Any) -> Any:
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


def output_labels(expr: str | ParsedExpr | Any, *, catalog: MetricsCatalog | None = None) -> LabelInfo:
    return _Inference(catalog).infer(_ast_of(expr))


# --------------------------------------------------------------------------------------------------
# Pitfalls
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pitfall:
    rule: str
    level: str  # "error" | "warning" | "info", as in callalert.diagnostics
    message: str
    fix: str = ""
    subject: str = field(default="", compare=False)


COUNTER_SUFFIXES = ("_total", "_count", "_sum", "_bucket")
_RATE_FUNCS = frozenset({"rate", "irate", "increase", "resets"})
_GAUGE_FUNCS = frozenset({"delta", "deriv"})
_NEEDS_TWO_SAMPLES = frozenset({"rate", "irate", "increase", "delta", "idelta", "deriv", "predict_linear", "resets"})
# Series Prometheus makes itself: they are never in a /metrics snapshot.
SYNTHETIC_METRICS = frozenset(
    {"up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
     "scrape_series_added", "ALERTS", "ALERTS_FOR_STATE"}
)


def _selector_name(vs: Any) -> str | None:
    if vs.name:
        return str(vs.name)
    for matcher in vs.matchers.matchers:
        if matcher.name == NAME and str(matcher.op) == "MatchOp.Equal":
            return str(matcher.value)
    return None


def _unparen(node: Any) -> Any:
    while type(node).__name__ == "ParenExpr":
        node = node.expr
    return node


def _text(node: Any) -> str:
    try:
        text = str(node.prettify())
    except Exception:  # prettify is best effort; a message must not fail because of it
        return ""
    # prettify() indents multi-line output; a message wants one line: "sum by (job) (rate(x[5m]))".
    return re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", re.sub(r"\s+", " ", text)))


def _duration_text(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)}m"
    return f"{seconds:g}s"


def find_pitfalls(
    expr: str | ParsedExpr | Any,
    *,
    scrape_interval: float | None = None,
    catalog: MetricsCatalog | None = None,
    extra_metrics: Iterable[str] = (),
) -> list[Pitfall]:
    """Likely mistakes in a (syntactically valid) expression. `extra_metrics`: names recorded by rules."""
    ast = _ast_of(expr)
    found: list[Pitfall] = []
    inference = _Inference(catalog)
    known_extra = frozenset(extra_metrics)
    reported_unknown: set[str] = set()
    for node in _iter_nodes(ast):
        kind = type(node).__name__
        if kind == "Call":
            found.extend(_call_pitfalls(node, inference, catalog, scrape_interval))
        elif kind == "VectorSelector" and catalog is not None:
            name = _selector_name(node)
            if (
                name is not None
                and name not in reported_unknown
                and catalog.get(name) is None
                and name not in SYNTHETIC_METRICS
                and name not in known_extra
            ):
                reported_unknown.add(name)
                from callalert.diagnostics import did_you_mean

                hint = did_you_mean(name, [*catalog.names(), *known_extra])
                found.append(
                    Pitfall(
                        "promql-unknown-metric",
                        "warning",
                        f"metric {name!r} is not in the metrics catalog{hint}",
                        "check the metric name, or add it to the catalog",
                        name,
                    )
                )
    division = _unguarded_division(ast)
    if division is not None:
        found.append(division)
    unique: dict[tuple[str, str], Pitfall] = {}
    for pitfall in found:
        unique.setdefault((pitfall.rule, pitfall.message), pitfall)
    return list(unique.values())


def _metric_type(name: str, catalog: MetricsCatalog | None) -> str | None:
    if catalog is None:
        return None
    info = catalog.get(name)
    if info is None or info.type in ("unknown", "untyped"):
        return None
    return info.type


def _call_pitfalls(
    node: Any, inference: _Inference, catalog: MetricsCatalog | None, scrape_interval: float | None
) -> Iterator[Pitfall]:
    name = node.func.name
    args = node.args
    matrix = next((a for a in args if type(a).__name__ == "MatrixSelector"), None)
    metric = _selector_name(matrix.vector_selector) if matrix is not None else None
    if matrix is not None and scrape_interval and name in _NEEDS_TWO_SAMPLES:
        seconds = matrix.range.total_seconds()
        if seconds < 2 * scrape_interval:
            yield Pitfall(
                "promql-range-too-short",
                "warning",
                f"{name}() over [{_duration_text(seconds)}] sees fewer than 2 samples at a "
                f"{_duration_text(scrape_interval)} scrape interval, so it returns nothing",
                f"use a range of at least 4x the scrape interval, e.g. [{_duration_text(4 * scrape_interval)}]",
                _text(node),
            )
    if metric is not None and name in _RATE_FUNCS:
        mtype = _metric_type(metric, catalog)
        if mtype == "gauge":
            yield Pitfall(
                "promql-rate-on-gauge",
                "warning",
                f"{name}() of {metric!r}, which the metrics catalog says is a gauge: {name}() only makes sense "
                "for counters (it treats every decrease as a counter reset)",
                "use deriv() or delta() for a gauge, or max_over_time()/avg_over_time()",
                _text(node),
            )
        elif mtype is None and ":" not in metric and not metric.endswith(COUNTER_SUFFIXES):
            yield Pitfall(
                "promql-rate-on-gauge",
                "info",
                f"{name}() of {metric!r}, whose name does not end in _total/_count/_sum/_bucket: if it is a "
                f"gauge, {name}() gives wrong results",
                "if it is a gauge use deriv() or delta(); if it is a counter, consider naming it *_total",
                _text(node),
            )
    if metric is not None and name in _GAUGE_FUNCS:
        mtype = _metric_type(metric, catalog)
        if mtype == "counter":
            yield Pitfall(
                "promql-delta-on-counter",
                "warning",
                f"{name}() of {metric!r}, which the metrics catalog says is a counter: {name}() does not "
                "handle counter resets",
                "use rate() or increase() for counters",
                _text(node),
            )
        elif mtype is None and metric.endswith("_total"):
            yield Pitfall(
                "promql-delta-on-counter",
                "info",
                f"{name}() of {metric!r}, which is named like a counter: {name}() does not handle counter resets",
                "use rate() or increase() for counters",
                _text(node),
            )
    if name == "histogram_quantile" and len(args) == 2:
        yield from _histogram_pitfalls(node, inference, catalog)


def _histogram_pitfalls(node: Any, inference: _Inference, catalog: MetricsCatalog | None) -> Iterator[Pitfall]:
    arg = node.args[1]
    labels = inference.infer(arg)
    if labels.can_have("le") is False:
        yield Pitfall(
            "promql-histogram-quantile-no-le",
            "warning",
            "histogram_quantile() needs the le label of the buckets, but its argument drops it "
            f"({_text(arg)}): the result is empty",
            "keep le in the aggregation, e.g. sum by (le) (rate(x_bucket[5m])), or add le to by (...)",
            _text(node),
        )
        return
    names = [_selector_name(n) for n in _iter_nodes(arg) if type(n).__name__ == "VectorSelector"]
    names = [n for n in names if n is not None]
    if not names or any(n.endswith("_bucket") or ":" in n for n in names):
        return
    if catalog is not None and any(catalog.type_of(n) == "histogram" for n in names):
        return  # a native histogram
    yield Pitfall(
        "promql-histogram-quantile-not-bucket",
        "info",
        f"histogram_quantile() over {', '.join(repr(n) for n in sorted(set(names)))}, which is not a *_bucket "
        "series: that only works for native histograms",
        "for a classic histogram use the _bucket series: histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))",
        _text(node),
    )


def _unguarded_division(ast: Any) -> Pitfall | None:
    """`a / b > 0.05` alone: when b is 0 the ratio is NaN and the alert never fires (no traffic = silence)."""
    top = _unparen(ast)
    if type(top).__name__ != "BinaryExpr" or str(top.op) not in _COMPARISON:
        return None
    if top.modifier is not None and top.modifier.return_bool:
        return None
    lhs, rhs = _unparen(top.lhs), _unparen(top.rhs)
    if type(rhs).__name__ == "NumberLiteral":
        ratio, threshold = lhs, rhs
    elif type(lhs).__name__ == "NumberLiteral":
        ratio, threshold = rhs, lhs
    else:
        return None
    # Allow a scale factor: (a / b) * 100 > 5.
    while type(ratio).__name__ == "BinaryExpr" and str(ratio.op) in ("*",) and (
        type(_unparen(ratio.rhs)).__name__ == "NumberLiteral" or type(_unparen(ratio.lhs)).__name__ == "NumberLiteral"
    ):
        ratio = _unparen(ratio.lhs) if type(_unparen(ratio.rhs)).__name__ == "NumberLiteral" else _unparen(ratio.rhs)
    if type(ratio).__name__ != "BinaryExpr" or str(ratio.op) != "/":
        return None
    denominator = _unparen(ratio.rhs)
    if type(denominator).__name__ == "NumberLiteral" or _is_guarded(denominator):
        return None
    # Only a rate of traffic drops to exactly 0 in normal operation; count(...) or a raw gauge such as
    # a filesystem size does not, and flagging them would be noise.
    if not any(type(n).__name__ == "Call" and n.func.name in _RATE_FUNCS - {"resets"} for n in _iter_nodes(denominator)):
        return None
    value = threshold.val
    if isinstance(value, float) and math.isnan(value):
        return None
    den = _text(denominator)
    return Pitfall(
        "promql-division-nan",
        "info",
        f"when the denominator {den} is 0 (e.g. no traffic), the ratio is NaN and the comparison is "
        "false: the alert silently never fires",
        f"if that is not intended, alert on the no-data case separately, or guard it: ... and {den} > 0",
        _text(ratio),
    )


def _is_guarded(node: Any) -> bool:
    for sub in _iter_nodes(node):
        kind = type(sub).__name__
        if kind == "BinaryExpr" and (str(sub.op) in _COMPARISON or str(sub.op) in ("or", "and", "unless")):
            return True
        if kind == "Call" and sub.func.name in ("clamp_min", "clamp", "vector", "absent"):
            return True
    return False
