"""What a rule's PromQL does that it probably should not, decided without a Prometheus (the offline
checks cloudflare/pint runs): alerts without a condition, sampling aggregations and partial-data
arithmetic in alerts, queries that can never match, regex selectors that need no regex or cut
substrings out of a label, counters read raw, rate() over a sum, and rate()/delta() given the wrong
kind of metric.

A metric's kind is decided by evidence, never by the name alone (`MetricTypes`): the --metrics
catalog (its `# TYPE` lines, or the YAML list), the OpenMetrics `_total` suffix of counters, and
how the rules themselves use the metric (rate() of it somewhere is counter evidence, deriv() of it
gauge evidence). A metric with no evidence either way is not judged.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from promql_parser import (
    AggModifierType,
    AggregateExpr,
    BinaryExpr,
    Call,
    Expr,
    LabelModifierType,
    MatchOp,
    MatrixSelector,
    NumberLiteral,
    ParenExpr,
    SubqueryExpr,
    UnaryExpr,
    VectorSelector,
)

from callalert.analysis.promql.catalog import MetricsCatalog
from callalert.analysis.promql.labels import COMPARISON_OPS, NAME, SET_OPS, LabelInference
from callalert.analysis.promql.pitfalls import Pitfall
from callalert.analysis.promql.syntax import ast_of, iter_nodes

ARITHMETIC = frozenset({"+", "-", "*", "/", "%", "^", "atan2"})
RATE_FUNCS = frozenset({"rate", "irate", "increase"})
COUNTER_FUNCS = frozenset({"rate", "irate", "increase", "resets"})
GAUGE_FUNCS = frozenset({"delta", "idelta", "deriv", "predict_linear", "holt_winters", "double_exponential_smoothing"})
_TYPED_FUNCS = COUNTER_FUNCS | GAUGE_FUNCS  # functions whose argument's kind of metric matters
SAMPLING = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})
# Functions and aggregations that read which series exist, not their values.
_EXISTENCE = frozenset({"absent", "absent_over_time", "present_over_time", "timestamp", "count", "group", "count_values"})
_HUMANIZE = re.compile(r"\bhumanize\w*|\bprintf\b|\bhumanizePercentage\b")
_VALUE = re.compile(r"\$value\b|\.Value\b")
_GAUGE_UNITS = ("_bytes", "_ratio", "_percent", "_percentage", "_celsius", "_info", "_timestamp_seconds", "_time_seconds")


def _unparen(node: Expr) -> Expr:
    while isinstance(node, ParenExpr):
        node = node.expr
    return node


def selector_name(vs: VectorSelector) -> str | None:
    if vs.name:
        return str(vs.name)
    for matcher in vs.matchers.matchers:
        if matcher.name == NAME and matcher.op == MatchOp.Equal:
            return str(matcher.value)
    return None


def _node_uses(node: Expr) -> Iterator[tuple[str, str]]:
    """What `node` itself tells of the kinds of metrics (MetricTypes.uses): a metric compared with
    ==, < or <= ("compared-low"), a metric a rate()- or delta()-like function reads (its name)."""
    if isinstance(node, BinaryExpr) and str(node.op) in ("==", "<", "<="):
        for side in (_unparen(node.lhs), _unparen(node.rhs)):
            name = selector_name(side) if isinstance(side, VectorSelector) else None
            if name is not None:
                yield name, "compared-low"
    if isinstance(node, Call) and node.func.name in _TYPED_FUNCS:
        for arg in node.args:
            if isinstance(arg, MatrixSelector):
                name = selector_name(arg.vector_selector)
                if name is not None:
                    yield name, node.func.name


# --- what kind of metric: evidence --------------------------------------------------------------


@dataclass
class MetricTypes:
    """Evidence of each metric's kind: the catalog, names, and the functions the rules apply to it
    (`uses[metric][function]` = names of the rules doing it)."""

    catalog: MetricsCatalog | None = None
    uses: dict[str, dict[str, set[str]]] = field(default_factory=dict)

    @classmethod
    def from_rules(cls, rules: Iterable[tuple[str, str]], catalog: MetricsCatalog | None = None) -> MetricTypes:
        """`rules`: (rule name, expression) of every rule the world has."""
        types = cls(catalog)
        for rule, expr in rules:
            try:
                ast = ast_of(expr)
            except Exception:
                continue
            types.add_uses(rule, (use for node in iter_nodes(ast) for use in _node_uses(node)))
        return types

    def add_uses(self, rule: str, uses: Iterable[tuple[str, str]]) -> None:
        """Record that `rule` uses each (metric, how) of `uses` (`SmellFacts.uses`)."""
        for name, how in uses:
            self.uses.setdefault(name, {}).setdefault(how, set()).add(rule)

    def catalog_type(self, name: str) -> str | None:
        if self.catalog is None:
            return None
        found = self.catalog.type_of(name)
        return None if found in (None, "unknown", "untyped") else found

    def counter_evidence(self, name: str, rule: str = "") -> str | None:
        """Why `name` is a counter, or None. `rule`: the rule asking (its own use is no evidence)."""
        kind = self.catalog_type(name)
        if kind in ("counter", "histogram", "summary"):
            return f"the metrics catalog says it is a {kind}"
        if kind is not None:
            return None
        if name.endswith("_total"):
            return "its _total suffix marks a counter"
        users = sorted({r for f in COUNTER_FUNCS for r in self.uses.get(name, {}).get(f, set())} - {rule})
        if users:
            return f"{users[0]} takes rate()/increase() of it"
        return None

    def gauge_evidence(self, name: str, rule: str = "") -> tuple[str, str] | None:
        """(why `name` is a gauge, "warning" or "info" for how strong that is), or None."""
        kind = self.catalog_type(name)
        if kind == "gauge":
            return "the metrics catalog says it is a gauge", "warning"
        if kind is not None or name.endswith(("_total", "_count", "_bucket", "_sum")):
            return None
        users = sorted({r for f in GAUGE_FUNCS for r in self.uses.get(name, {}).get(f, set())} - {rule})
        if users:
            return f"{users[0]} treats it as a gauge (deriv()/delta() of it)", "info"
        if name.endswith(_GAUGE_UNITS):
            return f"its unit suffix {name[name.rfind('_') :]} names a level, not a count", "info"
        return None


# --- the checks -------------------------------------------------------------------------------


def _text(node: Expr) -> str:
    try:
        text = str(node.prettify())
    except Exception:
        return ""
    return re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", re.sub(r"\s+", " ", text)))


def _filters(node: Expr) -> bool:
    """Whether `node` returns series only under some condition (a comparison, a set operation, absent)."""
    node = _unparen(node)
    if isinstance(node, BinaryExpr):
        op = str(node.op)
        returns_bool = node.modifier is not None and node.modifier.return_bool
        if op in COMPARISON_OPS:
            return not returns_bool
        if op in ("and", "unless"):
            return True
        if op == "or":
            return _filters(node.lhs) and _filters(node.rhs)
        return _filters(node.lhs) or _filters(node.rhs)
    if isinstance(node, AggregateExpr):
        return _filters(node.expr)
    if isinstance(node, Call):
        if node.func.name in ("absent", "absent_over_time"):
            return True
        return any(_filters(a) for a in node.args if not isinstance(a, (NumberLiteral, MatrixSelector)))
    if isinstance(node, (UnaryExpr, SubqueryExpr)):
        return _filters(node.expr)
    return False


def confirms_itself(expr: str) -> bool:
    """An `and` of two conditions (a multiwindow burn-rate alert: short window > x and long window > x):
    one bad evaluation of one window does not fire it."""
    try:
        ast = ast_of(expr)
    except Exception:
        return False
    return any(isinstance(n, BinaryExpr) and str(n.op) == "and" and _filters(n.lhs) and _filters(n.rhs) for n in iter_nodes(ast))


def _has_selector(node: Expr) -> bool:
    return any(isinstance(n, VectorSelector) for n in iter_nodes(node))


def _jobs(node: Expr) -> frozenset[str]:
    jobs = set()
    for n in iter_nodes(node):
        if isinstance(n, VectorSelector):
            for m in n.matchers.matchers:
                if m.name == "job" and m.op == MatchOp.Equal:
                    jobs.add(str(m.value))
    return frozenset(jobs)


def _regex_smells(vs: VectorSelector) -> Iterator[Pitfall]:
    for m in vs.matchers.matchers:
        if m.op not in (MatchOp.Re, MatchOp.NotRe) or m.name == NAME:
            continue
        value = str(m.value)
        op = "=~" if m.op == MatchOp.Re else "!~"
        literal_op = "=" if op == "=~" else "!="
        body = value
        anchored = body.startswith("^") or (body.endswith("$") and not body.endswith("\\$"))
        body = body.removeprefix("^")
        if body.endswith("$") and not body.endswith("\\$"):
            body = body[:-1]
        if anchored:
            yield Pitfall(
                "promql-regex-unnecessary",
                "info",
                f'{m.name}{op}"{value}": Prometheus anchors every regex already, the ^ and $ are redundant',
                f'write {m.name}{op}"{body}"',
                value,
            )
        if re.fullmatch(r"(?:[^\\.*+?|()\[\]{}^$]|\\[.\-/:_])*", body):
            literal = re.sub(r"\\(.)", r"\1", body)
            yield Pitfall(
                "promql-regex-unnecessary",
                "info",
                f'{m.name}{op}"{value}" has no regex in it: it matches exactly "{literal}"',
                f'write {m.name}{literal_op}"{literal}" (cheaper, and says what it does)',
                value,
            )
            continue
        if "|" in body:
            continue  # an alternation of whole values
        parts = re.split(r"(\.\*|\.\+)", body)
        wild = [i for i, part in enumerate(parts) if part in (".*", ".+")]
        for i in wild:
            # a wildcard between two words: `svc_.+_production` (`.*etcd.*`, a name searched anywhere, is not)
            before = "".join(parts[:i])
            after = "".join(parts[i + 1 :])
            if _word(before) and _word(after):
                yield Pitfall(
                    "promql-regex-smelly",
                    "info",
                    f'{m.name}{op}"{value}" cuts a piece out of the middle of the {m.name} value: it holds several '
                    "things that should be labels of their own",
                    f"split {m.name} into labels (relabel_configs), then match them with =",
                    value,
                )
                break


def _word(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]", text)) and not any(c in text for c in "()[]|")


def query_smells(
    expr: str | Expr,
    *,
    rule: str,
    alert: bool,
    has_for: bool,
    types: MetricTypes,
    records: Mapping[str, str] | None = None,
    catalog: MetricsCatalog | None = None,
    inference: LabelInference | None = None,
) -> list[Pitfall]:
    """What pint would find in one rule's expression, offline. `records`: recording rule name ->
    its expression (for rate() over a recorded sum). `inference`: one with `catalog` that has seen
    the expression's tree already (its labels were inferred), to ask it again."""
    facts = smell_facts(
        expr, alert=alert, has_for=has_for, records=records, catalog=catalog, inference=inference, kinds=types.catalog
    )
    return facts.resolve(rule, types)


@dataclass(frozen=True)
class _Weighed:
    """A rate()- or delta()-like call whose finding weighs how the other rules use its metric:
    decided once every rule's uses are known (`SmellFacts.resolve`)."""

    function: str
    metric: str
    text: str


@dataclass
class SmellFacts:
    """What `query_smells` finds in one expression before the kinds of metrics are weighed across
    the rules, from one walk of its tree: the findings, with those that weigh the kinds left open
    in their place (so the order is kept); the metrics an alert compares raw from below; and what
    the expression tells of the kinds of metrics (`MetricTypes.add_uses`). `resolve` finishes it
    for a rule once the kinds are weighed, as `query_smells` would have found it."""

    found: list[Pitfall | _Weighed]
    counters: list[str]  # metrics an alert compares raw with > N, >= N or != N (`_counter_raw`)
    uses: list[tuple[str, str]]

    def resolve(self, rule: str, types: MetricTypes) -> list[Pitfall]:
        found: list[Pitfall] = []
        for item in self.found:
            if isinstance(item, Pitfall):
                found.append(item)
            else:
                verdict = _typed_call(item.function, item.metric, rule, types)
                if verdict is not None:
                    found.append(Pitfall(*verdict, item.text))
        found.extend(_counter_raw(self.counters, rule, types))
        unique: dict[tuple[str, str], Pitfall] = {}
        for pitfall in found:
            unique.setdefault((pitfall.rule, pitfall.message), pitfall)
        return list(unique.values())


class _Asked(dict[str, dict[str, set[str]]]):
    """Uses of metrics that know nothing, and tell whether they were asked: a finding decided
    without asking is the same whatever the other rules do."""

    asked = False

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self.asked = True
        return default


def smell_facts(
    expr: str | Expr,
    *,
    alert: bool,
    has_for: bool,
    records: Mapping[str, str] | None = None,
    catalog: MetricsCatalog | None = None,
    inference: LabelInference | None = None,
    kinds: MetricsCatalog | None = None,
) -> SmellFacts:
    """`query_smells` up to weighing the kinds of metrics across the rules (`SmellFacts`). `kinds`:
    the catalog the kinds are weighed with (MetricTypes.catalog)."""
    ast = ast_of(expr)
    found: list[Pitfall | _Weighed] = []
    uses: list[tuple[str, str]] = []
    if inference is None or inference.catalog is not catalog:
        inference = LabelInference(catalog)
    top = _unparen(ast)
    if alert and _has_selector(ast) and not _filters(ast):
        found.append(
            Pitfall(
                "alert-no-condition",
                "warning",
                "the expression has no condition: every series it returns is a firing alert, whatever its value",
                "add the condition that makes it a problem, e.g. ... > 0.05 (or `== 0` for something down)",
                _text(top),
            )
        )
    for node in iter_nodes(ast):
        if isinstance(node, BinaryExpr):
            uses.extend(_node_uses(node))
            found.extend(_binary_smells(node, inference, alert=alert, has_for=has_for))
        elif isinstance(node, AggregateExpr):
            if alert and str(node.op) in SAMPLING:
                found.append(
                    Pitfall(
                        "promql-fragile-sampling",
                        "warning",
                        f"{node.op}() picks different series from one evaluation to the next: each pick is an alert of its "
                        "own, so alerts resolve and fire as the ranking shifts",
                        f"alert on a condition instead (... > threshold), and keep {node.op}() for dashboards",
                        _text(node),
                    )
                )
            if node.modifier is not None and node.modifier.type == AggModifierType.By:
                inner = inference.infer(node.expr)
                gone = [label for label in node.modifier.labels if inner.can_have(label) is False]
                if gone:
                    found.append(
                        Pitfall(
                            "promql-impossible",
                            "info",
                            f"{node.op} by ({', '.join(node.modifier.labels)}) groups by {', '.join(gone)}, which the inner "
                            f"expression has already removed ({_text(node.expr)})",
                            f"keep {', '.join(gone)} in the inner aggregation, or drop it from by (...)",
                            _text(node),
                        )
                    )
        elif isinstance(node, VectorSelector):
            found.extend(_regex_smells(node))
        elif isinstance(node, Call) and node.func.name in _TYPED_FUNCS:
            uses.extend(_node_uses(node))
            found.extend(_type_smells(node, kinds, records or {}))
    return SmellFacts(found, _raw_counters(ast) if alert else [], uses)


def _binary_smells(node: BinaryExpr, inference: LabelInference, *, alert: bool, has_for: bool) -> Iterator[Pitfall]:
    op = str(node.op)
    lhs, rhs = _unparen(node.lhs), _unparen(node.rhs)
    left, right = inference.infer(lhs), inference.infer(rhs)
    if left.kind != "vector" or right.kind != "vector":
        return
    modifier = node.modifier
    matching = modifier.matching if modifier is not None else None
    if op != "or" and matching is None:
        # one-to-one on all labels: a side with no labels at all never matches a side that always has one
        for one, other, side in ((right, left, "right"), (left, right, "left")):
            if one.exact is not None and not (one.exact - {NAME}) and (other.certain - {NAME}):
                what = "the operation never matches" if op not in SET_OPS else f"`{op}` never matches"
                yield Pitfall(
                    "promql-impossible",
                    "warning",
                    f"{what}: the {side} side has no labels ({_text(rhs if side == 'right' else lhs)}) while the other "
                    f"always has {', '.join(sorted(other.certain - {NAME}))}, and series only match with equal label sets",
                    "match on the labels both sides have: on(...) / ignoring(...), or aggregate both sides alike",
                    _text(node),
                )
                break
    if matching is not None and matching.type == LabelModifierType.Include:
        gone = [label for label in matching.labels if left.can_have(label) is False or right.can_have(label) is False]
        if gone:
            yield Pitfall(
                "promql-impossible",
                "info",
                f"on({', '.join(matching.labels)}) joins on {', '.join(gone)}, which a side has already removed: "
                "it compares empty values",
                f"keep {', '.join(gone)} on both sides, or drop it from on(...)",
                _text(node),
            )
    if alert and not has_for and op in ARITHMETIC and isinstance(lhs, AggregateExpr) and isinstance(rhs, AggregateExpr):
        lj, rj = _jobs(lhs), _jobs(rhs)
        if lj and rj and lj != rj:
            yield Pitfall(
                "promql-fragile-aggregation",
                "warning",
                f"{op} between aggregations of different jobs ({', '.join(sorted(lj))} and {', '.join(sorted(rj))}) in an "
                "alert without `for`: while Prometheus (re)starts, one side covers fewer targets than the other and the "
                "result can cross the threshold",
                "add `for:` of at least two scrape intervals (e.g. for: 2m)",
                _text(node),
            )


def _type_smells(node: Call, kinds: MetricsCatalog | None, records: Mapping[str, str]) -> Iterator[Pitfall | _Weighed]:
    name = node.func.name
    arg = next((a for a in node.args if isinstance(a, (MatrixSelector, SubqueryExpr))), None)
    if arg is None:
        return
    if isinstance(arg, SubqueryExpr):
        inner = _unparen(arg.expr)
        if name in RATE_FUNCS and isinstance(inner, AggregateExpr) and str(inner.op) in ("sum", "count"):
            yield _rate_of_sum(name, _text(node), f"a subquery over {inner.op}()")
        return
    metric = selector_name(arg.vector_selector)
    if metric is None:
        return
    if name in RATE_FUNCS and metric in records:
        recorded = _unparen(ast_of(records[metric])) if _parses(records[metric]) else None
        if isinstance(recorded, AggregateExpr) and str(recorded.op) in ("sum", "count") and not _has_rate(recorded):
            yield _rate_of_sum(name, _text(node), f"{metric}, recorded as {recorded.op}() of raw counters")
            return
    alone = _Asked()
    verdict = _typed_call(name, metric, "", MetricTypes(kinds, alone))
    if alone.asked:  # how the other rules use the metric decides
        yield _Weighed(name, metric, _text(node))
    elif verdict is not None:
        yield Pitfall(*verdict, _text(node))


def _typed_call(name: str, metric: str, rule: str, types: MetricTypes) -> tuple[str, str, str, str] | None:
    """The finding (rule, level, message, fix) of `name`() over the metric `metric` in `rule`: a
    counter's function given a gauge, a gauge's given a counter, by the evidence `types` has."""
    if name in RATE_FUNCS | {"resets"} and types.catalog_type(metric) != "gauge":
        evidence = types.gauge_evidence(metric, rule)
        if evidence is not None and types.counter_evidence(metric, rule) is None:
            why, level = evidence
            return (
                "promql-rate-on-gauge",
                level,
                f"{name}() of {metric!r}: {why}, and {name}() reads every decrease of a gauge as a counter reset",
                "use deriv() or delta() for a gauge (or max_over_time/avg_over_time)",
            )
    if name in GAUGE_FUNCS and types.catalog_type(metric) is None:
        reason = types.counter_evidence(metric, rule)
        if reason is not None:
            strong = metric.endswith("_total")
            return (
                "promql-delta-on-counter",
                "warning" if strong else "info",
                f"{name}() of {metric!r}: {reason}, and {name}() does not handle counter resets (a restart looks like a huge drop)",
                "use rate() or increase() for counters",
            )
    return None


def _parses(expr: str) -> bool:
    try:
        ast_of(expr)
    except Exception:
        return False
    return True


def _has_rate(node: Expr) -> bool:
    return any(isinstance(n, Call) and n.func.name in COUNTER_FUNCS for n in iter_nodes(node))


def _rate_of_sum(name: str, text: str, what: str) -> Pitfall:
    return Pitfall(
        "promql-rate-of-sum",
        "warning",
        f"{name}() over {what}: a counter reset of any one series makes the sum drop, which {name}() reads as a reset "
        "of the whole sum (spikes of nonsense)",
        "rate first, then sum: sum(rate(x_total[5m])) (record that, not the raw sum)",
        text,
    )


def _counter_raw(metrics: Iterable[str], rule: str, types: MetricTypes) -> Iterator[Pitfall]:
    """Counters whose raw value an alert holds against a threshold from below (`> N`, `>= N`,
    `!= 0`; `metrics`: `_raw_counters`): a counter only grows, so the alert fires once the count
    passes N and stays firing until the process restarts. Not reported: a metric the rules also
    compare with ==, < or <= (a level, whatever its name says)."""
    for metric in metrics:
        why = types.counter_evidence(metric, rule)
        strong = types.catalog_type(metric) is not None or metric.endswith("_total")
        if why is not None and strong and not types.uses.get(metric, {}).get("compared-low"):
            yield Pitfall(
                "promql-counter-raw",
                "warning",
                f"the alert compares the raw value of the counter {metric!r} ({why}): it counts since the process "
                "started, so the alert fires once the count passes the threshold and stays until a restart",
                f"use the rate or the increase over a window: increase({metric}[1h]) > N, rate({metric}[5m]) > N",
                metric,
            )


def _raw_counters(ast: Expr) -> list[str]:
    """The metrics (not recorded series) whose raw value the expression compares with `> N`,
    `>= N` or `!= N`, in the order of the tree: what `_counter_raw` weighs. Not `x - x offset 1h`
    (an increase written by hand), nor what an existence function or aggregation reads."""
    found: list[str] = []

    def walk(node: Expr, reads_value: bool, cmp: str | None) -> None:
        node = _unparen(node)
        if isinstance(node, VectorSelector):
            metric = selector_name(node)
            if reads_value and cmp in (">", ">=", "!=") and metric is not None and ":" not in metric:
                found.append(metric)
        elif isinstance(node, Call):
            inner = reads_value and node.func.name not in _EXISTENCE
            for arg in node.args:
                walk(arg, inner, cmp)
        elif isinstance(node, AggregateExpr):
            walk(node.expr, reads_value and str(node.op) not in _EXISTENCE, cmp)
        elif isinstance(node, BinaryExpr):
            op = str(node.op)
            if op == "-" and _self_offset(node):
                return
            here = op if op in COMPARISON_OPS else cmp
            walk(node.lhs, reads_value, here)
            walk(node.rhs, reads_value and op not in ("and", "unless"), here)
        elif isinstance(node, (UnaryExpr, SubqueryExpr)):
            walk(node.expr, reads_value and not isinstance(node, SubqueryExpr), cmp)

    walk(ast, True, None)
    return found


def _self_offset(node: BinaryExpr) -> bool:
    lhs, rhs = _unparen(node.lhs), _unparen(node.rhs)
    return (
        isinstance(lhs, VectorSelector)
        and isinstance(rhs, VectorSelector)
        and selector_name(lhs) == selector_name(rhs)
        and (lhs.offset is not None or rhs.offset is not None)
    )


def value_in_labels(labels: Mapping[str, str]) -> list[str]:
    """The rule labels whose template reads the query value ($value, .Value)."""
    return [name for name, text in labels.items() if "{{" in text and _VALUE.search(text)]


_ACTION = re.compile(r"\{\{(.*?)\}\}", flags=re.S)


@functools.lru_cache(maxsize=4096)
def _prints_value_raw(text: str) -> bool:
    """Whether a template action of `text` prints $value (.Value) without a humanize function
    (by the text alone: the same annotation text is written on many alerts)."""
    return any(_VALUE.search(action) and not _HUMANIZE.search(action) for action in _ACTION.findall(text))


def value_not_humanized(expr: str, annotations: Mapping[str, str]) -> list[str]:
    """Annotations that print $value of a rate()/irate()/deriv() without a humanize function."""
    # a text with no action, or no $value / .Value in it, prints no value: not worth a cache entry
    out = [name for name, text in annotations.items() if "{{" in text and "alue" in text and _prints_value_raw(text)]
    if not out:
        return []  # the expression is parsed only when an annotation prints $value raw
    try:
        ast = ast_of(expr)
    except Exception:
        return []
    if not any(isinstance(n, Call) and n.func.name in ("rate", "irate", "deriv") for n in iter_nodes(ast)):
        return []
    return out
