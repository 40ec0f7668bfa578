"""What the rules look at: alerts, an Alertmanager config and templates, from a spec or from files.

A spec is a world of its own. Plain files passed together (rule files + alertmanager.yml +
templates) form one world; whatever was not given is unknown, and the checks that need it skip.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from promql_parser import VectorSelector

from callalert.analysis import gotemplate
from callalert.analysis.alertmanager.matchers import format_matcher
from callalert.analysis.alertmanager.routing import Route, build_route_tree
from callalert.analysis.promql import LabelInfo, Pitfall, find_pitfalls, output_labels
from callalert.analysis.promql.catalog import MetricInfo, MetricsCatalog
from callalert.analysis.promql.labels import LabelInference
from callalert.analysis.promql.smells import MetricTypes, SmellFacts, selector_name, smell_facts, value_not_humanized
from callalert.analysis.promql.syntax import ast_of, iter_nodes
from callalert.analysis.times import parse_rfc3339
from callalert.analysis.versions import DEFAULT_ALERTMANAGER, DEFAULT_PROMETHEUS, am_go
from callalert.diagnostics import KeyPath, Level, Problem, Rule, did_you_mean, format_key
from callalert.model import Runbook
from callalert.model.builtin_templates import builtin_templates
from callalert.pipeline import Valid
from callalert.render.alertmanager import config_data
from callalert.render.context import RenderContext
from callalert.spec.load import Document, Merged

# the name of a recorded series: level:metric:operations (a colon in it)
_RECORDED = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_:]*$")

Locate = Callable[[KeyPath, bool], tuple[str, int, int]]
LocateInValue = Callable[[KeyPath, int, int], tuple[str, int, int]]
Parsed = gotemplate.TemplateInfo | gotemplate.TemplateSyntaxError
# one rule's analyses (World.analyze_rules): label info, pitfalls, query smells before the kinds of
# metrics are weighed (None: the expression does not parse), recorded series read, annotations
# printing $value raw; an alert's own only for an alert
_Analysis = tuple[LabelInfo | None, list[Pitfall] | None, SmellFacts | None, frozenset[str] | None, list[str] | None]


@dataclass
class Source:
    """Turns a key path into a positioned finding (in a spec, or in a plain file)."""

    locate: Locate
    locate_in_value: LocateInValue | None = None
    # the key path as the file shows it (a spec in several files counts list items per file)
    local: Callable[[KeyPath], KeyPath] = field(default=lambda key: key)

    def problem_in_value(
        self, key: KeyPath, line: int, col: int, message: str, rule: Rule, *, level: Level | None = None, fix: str | None = None
    ) -> Problem:
        """A problem at (line, col) inside the string value at `key` (a PromQL expression, a template)."""
        if self.locate_in_value is None:
            return self.problem(key, message, rule, level=level, fix=fix)
        path, line, col = self.locate_in_value(key, line, col)
        return Problem(path, line, col, level or rule.level, message, rule.id, format_key(self.local(key)), fix)

    def problem(
        self, key: KeyPath, message: str, rule: Rule, *, level: Level | None = None, at_key: bool = False, fix: str | None = None
    ) -> Problem:
        path, line, col = self.locate(key, at_key)
        return Problem(path, line, col, level or rule.level, message, rule.id, format_key(self.local(key)), fix)


def doc_source(doc: Document) -> Source:
    return Source(
        lambda key, at_key: (doc.path, *doc.position(key, at_key=at_key)),
        lambda key, line, col: (doc.path, *doc.position_in_value(key, line, col)),
    )


@dataclass
class AlertRec:
    name: str
    expr: str
    for_: str | None
    labels: dict[str, str]  # static rule labels (plus alertname)
    annotations: dict[str, str]
    src: Source
    key: KeyPath
    expr_key: KeyPath
    annotation_keys: dict[str, KeyPath]
    external: frozenset[str] = frozenset()
    runbook: Runbook | None = None
    from_spec: bool = False
    catalog: MetricsCatalog | None = field(default=None, repr=False)  # --metrics, plus the recording rules' labels
    _info: LabelInfo | None = field(default=None, repr=False)
    _parsed: bool = field(default=False, repr=False)
    _pitfalls: list[Pitfall] | None = field(default=None, repr=False)

    def label_info(self, inference: LabelInference | None = None) -> LabelInfo | None:
        """The labels of the expression's output, or None when it does not parse. `inference`: the
        one to infer them with (with this alert's catalog), for the query smells to ask again."""
        if not self._parsed:
            self._parsed = True
            try:
                if inference is not None and inference.catalog is self.catalog:
                    self._info = inference.infer(ast_of(self.expr))
                else:
                    self._info = output_labels(self.expr, catalog=self.catalog)
            except Exception:  # invalid PromQL: validation reports it; lint only skips
                self._info = None
        return self._info

    def expr_can_have(self, label: str) -> bool | None:
        info = self.label_info()
        if info is None:
            return None
        result: bool | None = info.can_have(label)
        return result

    def can_have(self, label: str) -> bool | None:
        """Whether the alert as Alertmanager sees it can carry `label`: True / False / None (unknown)."""
        if label == "alertname" or label in self.labels or label in self.external:
            return True
        return self.expr_can_have(label)

    def pitfalls(
        self,
        scrape_interval: float,
        catalog: MetricsCatalog | None,
        records: frozenset[str],
        target: str = DEFAULT_PROMETHEUS,
        inference: LabelInference | None = None,
    ) -> list[Pitfall]:
        """PromQL pitfalls of the expression at Prometheus `target` (found once per run: one lint rule
        reports each kind). `inference`: the one the labels were inferred with, to ask again."""
        if self._pitfalls is None:
            self._pitfalls = []
            if self.label_info() is not None:  # does not parse: validate / promtool report it
                try:
                    self._pitfalls = find_pitfalls(
                        self.expr,
                        scrape_interval=scrape_interval,
                        catalog=catalog,
                        extra_metrics=records,
                        target=target,
                        inference=inference,
                    )
                except Exception:
                    self._pitfalls = []
        return self._pitfalls

    @property
    def severity(self) -> str | None:
        return self.labels.get("severity")


@dataclass(frozen=True)
class LabelVerdict:
    label: str
    can: bool | None  # some alert can carry it / provably none / unknown
    open_alerts: list[str]  # when unknown: the alerts whose label sets are open
    producible: frozenset[str]

    def suggestion(self) -> str:
        """ "; did you mean 'team'?" against the labels the alerts can produce, or ''."""
        return did_you_mean(self.label, self.producible - {self.label})

    def open_note(self, limit: int = 3) -> str:
        names = self.open_alerts[:limit]
        more = f" and {len(self.open_alerts) - limit} more" if len(self.open_alerts) > limit else ""
        return f"{', '.join(names)}{more}"


def _shared_values(done: dict[int, _Analysis]) -> dict[int, _Analysis]:
    """The analyses with one object for each distinct label info and set of recorded series (they
    are immutable, and most rules share a few): what a child sends back pickles to less."""
    seen: dict[Any, Any] = {}
    out = {}
    for i, (info, pitfalls, smells, selectors, not_humanized) in done.items():
        one_info = None if info is None else seen.setdefault(info, info)
        one_selectors = None if selectors is None else seen.setdefault(selectors, selectors)
        out[i] = (one_info, pitfalls, smells, one_selectors, not_humanized)
    return out


def with_records(catalog: MetricsCatalog | None, records: Sequence[tuple[str, str, Mapping[str, str]]]) -> MetricsCatalog | None:
    """The catalog plus what each recording rule's series carry: the labels of its expression
    (when known exactly) and its static labels. Records that read other records are resolved in
    order, twice, so a chain of records closes too."""
    if not records:
        return catalog
    known = MetricsCatalog(dict(catalog.metrics) if catalog is not None else {})
    for _ in range(2):
        for name, expr, labels in records:
            if name in known.metrics and known.metrics[name].labels:
                continue
            try:
                info = output_labels(expr, catalog=known)
            except Exception:
                continue
            if info.open:
                continue
            found = (set(info.possible) | set(labels)) - {"__name__"}
            known.metrics[name] = MetricInfo(name, "unknown", frozenset(found), "recording rule", name)
    return known


@dataclass
class SilenceRec:
    """A silence: its matchers (Alertmanager's text) and window, and where it is written."""

    matchers: list[str]
    starts_at: datetime
    ends_at: datetime
    src: Source
    key: KeyPath  # the silence; (*key, "matchers") and (*key, "ends_at"/"endsAt") point inside it
    ends_key: KeyPath
    matchers_key: KeyPath


@dataclass
class RecordRec:
    """A recording rule: its name, expression and static labels, and where it is written."""

    name: str
    expr: str
    labels: dict[str, str]
    src: Source
    key: KeyPath
    expr_key: KeyPath


@dataclass
class TemplateFile:
    path: str
    text: str
    src: Source | None  # None: generated by callalert (defines only, no findings)


@dataclass
class AMConfig:
    data: dict[str, Any]
    src: Source
    from_spec: bool = False
    routes_derived: bool = False
    root_group_by_key: KeyPath = ("route", "group_by")
    am_version: str = DEFAULT_ALERTMANAGER  # the release whose matcher parser and label names the tree follows
    _receiver_index: dict[str, int] = field(default_factory=dict)
    _tree: Route | Exception | None = field(default=None, repr=False)

    def route_tree(self) -> Route | Exception:
        """The route tree as Alertmanager builds it, or why it cannot (receivers are checked by a rule of
        their own, so an undefined receiver does not stop the tree)."""
        if self._tree is None:
            try:
                self._tree = build_route_tree({k: v for k, v in self.data.items() if k != "receivers"}, self.am_version)
            except Exception as exc:
                self._tree = exc
        return self._tree

    def route_key(self, path: str) -> KeyPath:
        parts: list[str | int] = []
        for name, index in re.findall(r"([A-Za-z_]+)(?:\[(\d+)\])?", path):
            parts.append(name)
            if index:
                parts.append(int(index))
        if not self.from_spec:
            return tuple(parts)
        if self.routes_derived:
            return ("severities",)
        return ("routing", *parts[1:])

    def receiver_key(self, name: str) -> KeyPath:
        if self.from_spec:
            return ("receivers", name)
        if not self._receiver_index:
            for i, r in enumerate(self.data.get("receivers") or []):
                if isinstance(r, dict):
                    self._receiver_index.setdefault(str(r.get("name")), i)
        return ("receivers", self._receiver_index.get(name, 0))

    def receivers(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for r in self.data.get("receivers") or []:
            if isinstance(r, dict) and r.get("name") is not None:
                out.setdefault(str(r["name"]), r)
        return out


@dataclass
class World:
    alerts: list[AlertRec]
    alerts_known: bool
    am: AMConfig | None
    templates: list[TemplateFile]
    am_version: str
    external_labels: dict[str, str] | None = None
    spec: Valid | None = None  # when the world is a spec
    records: frozenset[str] = frozenset()
    rule_files: list[Document] = field(default_factory=list)  # plain rule files
    prom_version: str = DEFAULT_PROMETHEUS  # the Prometheus release whose PromQL semantics apply
    record_recs: list[RecordRec] = field(default_factory=list)  # the recording rules, positioned
    silences: list[SilenceRec] = field(default_factory=list)
    catalog: MetricsCatalog | None = None  # --metrics plus the recording rules' labels (use_catalog)
    scrape_interval: float | None = None  # the spec's defaults.scrape_interval (seconds)
    _label_cache: dict[str, bool | None] = field(default_factory=dict)
    _producible: frozenset[str] | None = field(default=None, repr=False)
    _types: MetricTypes | None = field(default=None, repr=False)
    _smells: dict[int, list[Pitfall]] = field(default_factory=dict, repr=False)
    _facts: dict[int, SmellFacts | None] = field(default_factory=dict, repr=False)  # query smells before weighing
    _records_by_name: dict[str, str] | None = field(default=None, repr=False)
    _parsed: dict[tuple[str, str], Parsed] = field(default_factory=dict)
    _selectors: dict[int, frozenset[str] | None] = field(default_factory=dict, repr=False)
    _not_humanized: dict[int, list[str]] = field(default_factory=dict, repr=False)
    _smells_by_id: dict[str, list[tuple[AlertRec | RecordRec, Pitfall]]] | None = field(default=None, repr=False)
    _pitfalls_by_id: tuple[tuple[float, int], dict[str, list[tuple[AlertRec, Pitfall]]]] | None = field(default=None, repr=False)

    def parse_template(self, text: str, kind: str = "alertmanager") -> Parsed:
        """The template's analysis, or the TemplateSyntaxError Go would raise; parsed once per world
        (the template and label rules read the same texts)."""
        cached = self._parsed.get((kind, text))
        if cached is None:
            try:
                cached = (
                    gotemplate.parse_prometheus_template(text)
                    if kind == "prometheus"
                    else gotemplate.parse_template(text, go=am_go(self.am_version))
                )
            except gotemplate.TemplateSyntaxError as exc:
                cached = exc
            self._parsed[(kind, text)] = cached
        return cached

    def spec_source(self) -> Source | None:
        """Positions in the spec's files, when the world is a spec."""
        if self.spec is None:
            return None
        return _merged_source(self.spec.merged)

    def use_catalog(self, catalog: MetricsCatalog | None) -> None:
        """Label inference of every alert reads `catalog` (--metrics) and the recording rules' own labels."""
        self.catalog = with_records(catalog, [(r.name, r.expr, r.labels) for r in self.record_recs])
        for alert in self.alerts:
            alert.catalog = self.catalog
            alert._parsed = False
        self._label_cache.clear()
        self._producible = None
        self._types = None
        self._smells.clear()
        self._facts.clear()
        self._smells_by_id = self._pitfalls_by_id = None

    def analyze_rules(self, scrape_interval: float, catalog: MetricsCatalog | None, *, min_parallel: int | None = None) -> None:
        """Every analysis the lint rules make of each rule's expression, rule after rule, so the
        expression's parse (analysis.promql.syntax keeps the last few) serves them all and each
        expression is parsed once per run. The query smells weigh the kinds of metrics across every
        rule: each rule's walk also gives what it tells of them (smells.SmellFacts), and once every
        rule is walked they are weighed and the smells finished. `scrape_interval` and `catalog`:
        what the PromQL pitfall rules ask `AlertRec.pitfalls` with (--scrape-interval, --metrics).

        With many rules, a forked child on the second core analyses rules from the back while this
        process analyses them from the front, until they meet (lint/split.py); the results are the
        same as from one process. `min_parallel`: the fewest rules worth a child (None:
        split.MIN_PARALLEL_RULES)."""
        from callalert.lint.split import MIN_PARALLEL_RULES, share

        rules: list[AlertRec | RecordRec] = [*self.alerts, *self.record_recs]
        self._smells_by_id = self._pitfalls_by_id = None
        tasks = [functools.partial(self._analysis, rule, scrape_interval, catalog) for rule in rules]
        minimum = MIN_PARALLEL_RULES if min_parallel is None else min_parallel
        for rule, result in zip(rules, share(tasks, len(rules), minimum, chunk=8, pack=_shared_values), strict=True):
            if id(rule) not in self._facts:  # analysed by the child: kept where `_analysis` keeps it here
                self._keep(rule, result)
        types = self.metric_types()
        smells, facts_of = self._smells, self._facts
        for rule in rules:
            key = id(rule)
            if key not in smells:
                facts = facts_of.pop(key, None)
                # most expressions smell of nothing: nothing to weigh
                smells[key] = facts.resolve(rule.name, types) if facts is not None and (facts.found or facts.counters) else []

    def _analysis(self, rule: AlertRec | RecordRec, scrape_interval: float, catalog: MetricsCatalog | None) -> _Analysis:
        """What `analyze_rules` finds for one rule (kept in the caches the lint rules read)."""
        inference = None
        if isinstance(rule, AlertRec):
            inference = LabelInference(self.catalog)
            rule.label_info(inference)
            pitfalls = rule.pitfalls(scrape_interval, catalog, self.records, self.prom_version, inference)
            not_humanized: list[str] | None = self.not_humanized(rule)
        facts = self.smell_facts(rule, inference)
        selectors = self.recorded_reads(rule)
        if isinstance(rule, AlertRec):
            return (rule._info, pitfalls, facts, selectors, not_humanized)
        return (None, None, facts, selectors, None)

    def _keep(self, rule: AlertRec | RecordRec, result: _Analysis) -> None:
        """Put one rule's analysis, made by a child process, where `_analysis` would have."""
        info, pitfalls, facts, selectors, not_humanized = result
        if isinstance(rule, AlertRec):
            rule._parsed, rule._info, rule._pitfalls = True, info, pitfalls
            self._not_humanized[id(rule)] = not_humanized or []
        self._facts[id(rule)] = facts
        self._selectors[id(rule)] = selectors

    def recorded_reads(self, rule: AlertRec | RecordRec) -> frozenset[str] | None:
        """The names of recorded series (level:metric:operations, with a colon) the rule's expression
        selects; None when it does not parse."""
        key = id(rule)
        if key not in self._selectors:
            if ":" not in rule.expr and "\\" not in rule.expr:
                # no such name in the text (nor an escape that could spell a colon): nothing to parse for
                self._selectors[key] = frozenset()
                return self._selectors[key]
            try:
                ast = ast_of(rule.expr)
            except Exception:
                self._selectors[key] = None
            else:
                names = (selector_name(node) for node in iter_nodes(ast) if isinstance(node, VectorSelector))
                self._selectors[key] = frozenset(n for n in names if n is not None and _RECORDED.match(n))
        return self._selectors[key]

    def not_humanized(self, alert: AlertRec) -> list[str]:
        """The alert's annotations that print $value of a rate() without humanize."""
        found = self._not_humanized.get(id(alert))
        if found is None:
            found = self._not_humanized[id(alert)] = value_not_humanized(alert.expr, alert.annotations)
        return found

    def metric_types(self) -> MetricTypes:
        """What kind each metric is, from the catalog, names and how every rule of the world uses it."""
        if self._types is None:
            types = MetricTypes(self.catalog)
            rules: list[AlertRec | RecordRec] = [*self.alerts, *self.record_recs]
            for rule in rules:
                facts = self.smell_facts(rule)
                if facts is not None and facts.uses:
                    types.add_uses(rule.name, facts.uses)
            self._types = types
        return self._types

    def _record_exprs(self) -> dict[str, str]:
        if self._records_by_name is None:
            self._records_by_name = {r.name: r.expr for r in self.record_recs}
        return self._records_by_name

    def smell_facts(self, rule: AlertRec | RecordRec, inference: LabelInference | None = None) -> SmellFacts | None:
        """The query smells of one rule before the kinds of metrics are weighed (found once per run),
        None when its expression does not parse. `inference`: the one the alert's labels were
        inferred with (`AlertRec.label_info`), to ask again."""
        if id(rule) in self._facts:
            return self._facts[id(rule)]
        is_alert = isinstance(rule, AlertRec)
        try:
            facts: SmellFacts | None = smell_facts(
                rule.expr,
                alert=is_alert,
                has_for=bool(is_alert and rule.for_ and rule.for_ not in ("0", "0s")),  # type: ignore[union-attr]
                records=self._record_exprs(),
                catalog=self.catalog,
                inference=inference,
                kinds=self.catalog,
            )
        except Exception:
            facts = None  # does not parse: validate / promtool report it
        self._facts[id(rule)] = facts
        return facts

    def query_smells(self, rule: AlertRec | RecordRec) -> list[Pitfall]:
        """pint's offline findings for one rule's expression (found once per run)."""
        found = self._smells.get(id(rule))
        if found is None:
            facts = self.smell_facts(rule)
            found = self._smells[id(rule)] = [] if facts is None else facts.resolve(rule.name, self.metric_types())
        return found

    def smells_of(self, rule_id: str) -> list[tuple[AlertRec | RecordRec, Pitfall]]:
        """The query smells of one lint rule, rule by rule in the world's order (each lint rule asks
        for its own: the smells of every rule are grouped once, not searched once per lint rule)."""
        if self._smells_by_id is None:
            grouped: dict[str, list[tuple[AlertRec | RecordRec, Pitfall]]] = {}
            recs: list[AlertRec | RecordRec] = [*self.alerts, *self.record_recs]
            for rec in recs:
                for p in self.query_smells(rec):
                    grouped.setdefault(p.rule, []).append((rec, p))
            self._smells_by_id = grouped
        return self._smells_by_id.get(rule_id, [])

    def pitfalls_of(self, rule_id: str, scrape_interval: float, catalog: MetricsCatalog | None) -> list[tuple[AlertRec, Pitfall]]:
        """The PromQL pitfalls of one lint rule, alert by alert in the world's order (grouped once, as `smells_of`)."""
        key = (scrape_interval, id(catalog))
        if self._pitfalls_by_id is None or self._pitfalls_by_id[0] != key:
            grouped: dict[str, list[tuple[AlertRec, Pitfall]]] = {}
            for alert in self.alerts:
                for p in alert.pitfalls(scrape_interval, catalog, self.records, self.prom_version):
                    grouped.setdefault(p.rule, []).append((alert, p))
            self._pitfalls_by_id = (key, grouped)
        return self._pitfalls_by_id[1].get(rule_id, [])

    def label_verdict(self, label: str) -> LabelVerdict:
        """Whether some alert can carry `label`, which alerts might (open label sets) and the labels
        the alerts can produce (for a did-you-mean)."""
        can = self.any_alert_can_have(label)
        open_alerts = [a.name for a in self.alerts if a.can_have(label) is None] if can is None else []
        return LabelVerdict(label, can, list(dict.fromkeys(open_alerts)), self.producible_labels())

    def producible_labels(self) -> frozenset[str]:
        """Every label some alert certainly or possibly carries (static, expression, external)."""
        if self._producible is None:
            names: set[str] = {"alertname"}
            for alert in self.alerts:
                names |= set(alert.labels) | set(alert.external)
                info = alert.label_info()
                if info is not None:
                    names |= set(info.possible) - {"__name__"}
            names |= set(self.external_labels or {})
            self._producible = frozenset(names)
        return self._producible

    def any_alert_can_have(self, label: str) -> bool | None:
        """True if some alert can carry it, False if provably none can, None if unknown."""
        if label in self._label_cache:
            return self._label_cache[label]
        result: bool | None = False
        if not self.alerts_known:
            result = None
        elif self.external_labels is None and label not in ("alertname",):
            # external labels unknown (plain files): any label could come from them
            result = None if not any(a.can_have(label) for a in self.alerts) else True
        else:
            for alert in self.alerts:
                can = alert.can_have(label)
                if can:
                    result = True
                    break
                if can is None:
                    result = None
        self._label_cache[label] = result
        return result


# --- spec worlds ----------------------------------------------------------------------------


def _merged_source(merged: Merged) -> Source:
    def in_value(key: KeyPath, line: int, col: int) -> tuple[str, int, int]:
        found = merged.problem_in_value(key, line, col, "", _POSITION_ONLY)
        return (found.path, found.line, found.col)

    return Source(lambda key, at_key: merged.locate(key, at_key=at_key), in_value, merged.local_key)


_POSITION_ONLY = Rule("position", "info", "lint", "")


def spec_world(valid: Valid) -> World:
    model = valid.model
    merged = valid.merged
    src = _merged_source(merged)
    external = dict(model.defaults.external_labels)
    ext_names = frozenset(external)
    alerts: list[AlertRec] = []
    for ra in model.alerts:
        ann_keys: dict[str, KeyPath] = {"summary": (*ra.key, "summary"), "description": (*ra.key, "description")}
        if ra.own_dashboard is not None:
            ann_keys["dashboard"] = (*ra.key, "dashboard")
        if ra.own_runbook_url is not None:
            ann_keys["runbook_url"] = (*ra.key, "runbook_url")
        for name in ra.extra_annotations:
            ann_keys[name] = (*ra.key, "annotations", name)
        labels = {"alertname": ra.name, **ra.labels}
        alerts.append(
            AlertRec(
                ra.name,
                ra.expr,
                ra.for_,
                labels,
                dict(ra.annotations),
                src,
                ra.key,
                (*ra.key, "expr"),
                ann_keys,
                ext_names,
                ra.runbook,
                True,
            )
        )
    ctx = RenderContext()
    data = config_data(model, ctx)
    ctx.failures.clear()  # env secrets do not matter to lint
    am = AMConfig(
        data,
        src,
        from_spec=True,
        routes_derived=model.routing.derived,
        root_group_by_key=model.routing.group_by_key,
        am_version=model.am_version,
    )
    templates = [TemplateFile(f"alertmanager/templates/{name}", text, None) for name, text in builtin_templates(model).items()]
    templates += [TemplateFile(tf.source, tf.text, Source(_text_locate(tf.source))) for tf in model.templates.files]
    records = frozenset(r.record for g in model.groups for r in g.records)
    recs = [RecordRec(r.record, r.expr, dict(r.labels), src, r.key, (*r.key, "expr")) for g in model.groups for r in g.records]
    silences = [
        SilenceRec(list(sl.matchers), sl.starts_at, sl.ends_at, src, sl.key, (*sl.key, "ends_at"), (*sl.key, "matchers"))
        for sl in model.silences
    ]
    from callalert.spec.v1 import duration_seconds

    return World(
        alerts,
        True,
        am,
        templates,
        model.am_version,
        external,
        valid,
        records,
        prom_version=model.prom_version,
        record_recs=recs,
        silences=silences,
        scrape_interval=duration_seconds(model.defaults.scrape_interval),
    )


def _text_locate(path: str) -> Locate:
    return lambda key, at_key: (path, 1, 1)


# --- plain-file worlds -------------------------------------------------------------------------


def rule_alerts(doc: Document) -> Iterator[AlertRec]:
    src = doc_source(doc)
    groups = doc.data.get("groups") if isinstance(doc.data, dict) else None
    for gi, group in enumerate(groups or []):
        if not isinstance(group, dict):
            continue
        for ri, rule in enumerate(group.get("rules") or []):
            if not isinstance(rule, dict) or "alert" not in rule:
                continue
            key: KeyPath = ("groups", gi, "rules", ri)
            raw_labels = rule.get("labels")
            labels = {str(k): _s(v) for k, v in raw_labels.items()} if isinstance(raw_labels, dict) else {}
            labels["alertname"] = _s(rule.get("alert"))
            anns = rule.get("annotations")
            annotations = {str(k): _s(v) for k, v in anns.items()} if isinstance(anns, dict) else {}
            ann_keys: dict[str, KeyPath] = {name: (*key, "annotations", name) for name in annotations}
            for_ = rule.get("for")
            yield AlertRec(
                _s(rule.get("alert")),
                _s(rule.get("expr")),
                None if for_ is None else _s(for_),
                labels,
                annotations,
                src,
                key,
                (*key, "expr"),
                ann_keys,
            )


def rule_records(doc: Document) -> Iterator[str]:
    for rec in record_definitions(doc):
        yield rec.name


def record_definitions(doc: Document) -> Iterator[RecordRec]:
    """Every recording rule of a plain rule file."""
    src = doc_source(doc)
    groups = doc.data.get("groups") if isinstance(doc.data, dict) else None
    for gi, group in enumerate(groups or []):
        if isinstance(group, dict):
            for ri, rule in enumerate(group.get("rules") or []):
                if isinstance(rule, dict) and "record" in rule:
                    raw = rule.get("labels")
                    labels = {str(k): _s(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
                    key: KeyPath = ("groups", gi, "rules", ri)
                    yield RecordRec(_s(rule["record"]), _s(rule.get("expr")), labels, src, key, (*key, "expr"))


def silence_records(doc: Document) -> Iterator[SilenceRec]:
    """The silences of a file in Alertmanager's API format (a JSON list, as `callalert render` writes)."""
    src = doc_source(doc)
    for i, raw in enumerate(doc.data if isinstance(doc.data, list) else []):
        if not isinstance(raw, dict):
            continue
        try:
            starts, ends = parse_rfc3339(_s(raw.get("startsAt"))), parse_rfc3339(_s(raw.get("endsAt")))
        except ValueError:
            continue
        texts = []
        for m in raw.get("matchers") or []:
            if isinstance(m, dict):
                op = ("=" if m.get("isEqual", True) else "!") + ("~" if m.get("isRegex") else "")
                op = {"=": "=", "=~": "=~", "!": "!=", "!~": "!~"}[op]
                texts.append(format_matcher(_s(m.get("name")), op, _s(m.get("value"))))  # type: ignore[arg-type]
        yield SilenceRec(texts, starts, ends, src, (i,), (i, "endsAt"), (i, "matchers"))


def _s(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def text_source(path: str, text: str) -> Source:
    """Positions for a file that is not YAML (a .tmpl): the key is (line, col)."""

    def locate(key: KeyPath, at_key: bool) -> tuple[str, int, int]:
        line = key[0] if key and isinstance(key[0], int) else 1
        col = key[1] if len(key) > 1 and isinstance(key[1], int) else 1
        return (path, line, col)

    return Source(locate)
