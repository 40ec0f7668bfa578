"""The internal model: what every renderer, check and lint rule reads.

Frozen, built once by `resolve` from a spec of any format version, with references resolved,
defaults applied and routes derived. It holds nothing of the spec's classes: a spec format 2
needs a new resolver, not new renderers. Alertmanager sections (receivers, global settings,
time intervals) are kept as Alertmanager's own mappings (its option names, `from`, `class`,
`continue`), with `Secret` references where a value must never be written in plain text.
Every part remembers the key path it came from in the spec, so problems can be positioned.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from callalert.diagnostics import KeyPath, escape


@dataclass(frozen=True)
class Secret:
    """A reference to a secret: a file Alertmanager reads, or an environment variable
    resolved only by `render --secrets=env`. Never a value."""

    file: str | None = None
    env: str | None = None


# An Alertmanager mapping (a receiver config, `global`, a time interval) with Secret leaves.
AMData = Mapping[str, Any]


@dataclass(frozen=True)
class Targets:
    prometheus: str
    alertmanager: str
    prometheus_features: tuple[str, ...] = ()
    prometheus_written: bool = False  # the spec names its Prometheus (not the default)


@dataclass(frozen=True)
class Defaults:
    group_by: tuple[str, ...]
    group_wait: str
    group_interval: str
    repeat_interval: str
    resolve_timeout: str
    evaluation_interval: str | None  # None: groups use Prometheus' global evaluation_interval
    dashboard_base_url: str | None
    runbook_base_url: str | None
    external_labels: Mapping[str, str]
    targets: Targets
    scrape_interval: str = "1m"  # how often Prometheus scrapes what the rules read (range checks)


@dataclass(frozen=True)
class Severity:
    name: str
    description: str | None
    response_time: str | None
    notify: tuple[str, ...]
    paging: bool | None


@dataclass(frozen=True)
class Category:
    name: str
    description: str | None
    notify: tuple[str, ...]


@dataclass(frozen=True)
class Runbook:
    title: str | None
    description: str | None
    investigation: tuple[str, ...]
    mitigation: tuple[str, ...]
    contacts: tuple[str, ...]
    escalation: str | tuple[str, ...] | None


@dataclass(frozen=True)
class Alert:
    name: str
    group: str
    expr: str
    for_: str | None
    keep_firing_for: str | None
    severity: str | None  # None: the alert has no severity label
    category: str | None
    summary: str | None
    description: str | None
    labels: Mapping[str, str]  # as rendered: severity, category, then the alert's own labels
    annotations: Mapping[str, str]  # as rendered: summary, description, dashboard, runbook_url, then extra
    extra_annotations: Mapping[str, str]  # the spec's `annotations:` only
    own_dashboard: str | None  # the spec's `dashboard:` as written (None: the base dashboard)
    dashboard: str | None
    runbook: Runbook | None
    runbook_file: str  # file name of its runbook (and stem of its promtool test files): safe for any alert name
    key: KeyPath
    own_runbook_url: str | None = None  # the spec's `runbook_url:` (None: the link to the rendered runbook)
    shares_name: bool = False  # another alert before it has the same name, on purpose

    def text_fields(self) -> Iterator[tuple[KeyPath, str, str]]:
        """(key path, annotation name, template text) of every annotation the spec wrote."""
        if self.summary is not None:
            yield (*self.key, "summary"), "summary", self.summary
        if self.description is not None:
            yield (*self.key, "description"), "description", self.description
        if self.own_runbook_url is not None:
            yield (*self.key, "runbook_url"), "runbook_url", self.own_runbook_url
        for name, text in self.extra_annotations.items():
            yield (*self.key, "annotations", name), name, text


@dataclass(frozen=True)
class Record:
    record: str
    expr: str
    labels: Mapping[str, str]
    key: KeyPath


@dataclass(frozen=True)
class Group:
    name: str
    file_name: str  # the rule file it renders into (groups may share one)
    interval: str | None
    limit: int | None
    records: tuple[Record, ...]
    alerts: tuple[Alert, ...]
    key: KeyPath
    query_offset: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    partial_response_strategy: str | None = None  # Thanos Ruler's group option
    rules: tuple[Record | Alert, ...] = ()  # every rule in evaluation order

    def ordered(self) -> tuple[Record | Alert, ...]:
        return self.rules or (*self.records, *self.alerts)


@dataclass(frozen=True)
class Route:
    """A route as the spec wrote it (or as derived from the tables, then `key` is None)."""

    matchers: tuple[str, ...] = ()
    receiver: str | None = None
    continue_: bool = False
    group_by: tuple[str, ...] | None = None
    group_wait: str | None = None
    group_interval: str | None = None
    repeat_interval: str | None = None
    mute_time_intervals: tuple[str, ...] | None = None
    active_time_intervals: tuple[str, ...] | None = None
    routes: tuple[Route, ...] = ()
    key: KeyPath | None = None
    labels: Mapping[str, str] | None = None  # route labels (Alertmanager 0.34)

    def walk(self) -> Iterator[Route]:
        """This route and every route below it, depth first (iterative: trees can be deep)."""
        stack: list[Route] = [self]
        while stack:
            route = stack.pop()
            yield route
            stack.extend(reversed(route.routes))


@dataclass(frozen=True)
class Routing:
    receiver: str
    group_by: tuple[str, ...]
    group_by_key: KeyPath  # where group_by was set (routing.group_by or defaults.group_by)
    routes: tuple[Route, ...]
    derived: bool  # routes come from the severity and category tables

    def walk(self) -> Iterator[Route]:
        for route in self.routes:
            yield from route.walk()


@dataclass(frozen=True)
class Receiver:
    name: str
    description: str | None
    config: AMData  # Alertmanager's receiver mapping without `name`: {"slack_configs": [...], ...}
    key: KeyPath


@dataclass(frozen=True)
class InhibitRule:
    source_matchers: tuple[str, ...]
    target_matchers: tuple[str, ...]
    equal: tuple[str, ...]
    description: str | None
    key: KeyPath
    name: str | None = None  # Alertmanager 0.30


@dataclass(frozen=True)
class PolicyEntry:
    """The declared routing policy for the alerts `matchers` select (spec `policy:`)."""

    matchers: tuple[str, ...]
    notify: tuple[str, ...]
    notify_any: tuple[str, ...]
    only: tuple[str, ...] | None
    never: tuple[str, ...]
    description: str | None
    key: KeyPath


@dataclass(frozen=True)
class TimeInterval:
    name: str
    time_intervals: tuple[AMData, ...]  # Alertmanager's own mappings (times, weekdays, ...)
    key: KeyPath


@dataclass(frozen=True)
class Silence:
    matchers: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    key: KeyPath


@dataclass(frozen=True)
class TemplateFile:
    name: str  # output file name, e.g. payments.tmpl
    source: str  # path it was read from
    display: str  # path as shown in problems (relative to where callalert runs)
    text: str
    key: KeyPath


@dataclass(frozen=True)
class Templates:
    builtin: tuple[str, ...]
    files: tuple[TemplateFile, ...]


@dataclass(frozen=True)
class SeriesInput:
    series: str
    values: str


@dataclass(frozen=True)
class ExpectedAlert:
    labels: Mapping[str, str]
    annotations: Mapping[str, str]


@dataclass(frozen=True)
class RuleExpectation:
    eval_time: str
    alerts: tuple[ExpectedAlert, ...]

    def annotation_names(self) -> tuple[str, ...] | None:
        """The annotation names this expectation compares (None: it expects no alert, fits any set)."""
        if not self.alerts:
            return None
        names: list[str] = []
        for alert in self.alerts:
            names.extend(name for name in alert.annotations if name not in names)
        return tuple(sorted(names))


@dataclass(frozen=True)
class RuleTest:
    name: str | None
    alert: str
    interval: str
    series: tuple[SeriesInput, ...]
    expect: tuple[RuleExpectation, ...]
    key: KeyPath


@dataclass(frozen=True)
class RoutingTest:
    name: str | None
    alert: str | None
    labels: Mapping[str, str]
    firing: tuple[Mapping[str, str], ...]
    at: datetime | None
    receivers: tuple[str, ...]
    key: KeyPath


@dataclass(frozen=True)
class Tests:
    rules: tuple[RuleTest, ...] = ()
    routing: tuple[RoutingTest, ...] = ()


# --- outputs: what `render` writes, and how --------------------------------------------------


@dataclass(frozen=True)
class Alerting:
    """`prometheus/alerting.yml`: rule_files and the Alertmanager peers Prometheus sends to."""

    alertmanagers: tuple[str, ...]
    scheme: str | None = None
    path_prefix: str | None = None
    timeout: str | None = None
    rules_dir: str = "rules"


@dataclass(frozen=True)
class PrometheusTarget:
    name: ClassVar[str] = "prometheus"
    alerting: Alerting | None = None
    key: KeyPath | None = None  # where the spec lists it (None: chosen on the command line, defaults)


@dataclass(frozen=True)
class KubernetesTarget:
    name: ClassVar[str] = "kubernetes"
    namespace: str = "monitoring"
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    team_label: str = "team"
    rules_split: str = "group"  # group | team
    rules_namespaces: Mapping[str, str] = field(default_factory=dict)  # team -> namespace
    am_mode: str = "secret"  # secret | alertmanagerconfig | none
    am_name: str = "main"
    am_namespace: str | None = None  # None: `namespace`
    matcher_strategy: str = "OnNamespace"
    am_namespaces: Mapping[str, str] = field(default_factory=dict)  # team -> AlertmanagerConfig namespace
    secret: str = "alertmanager-secrets"
    resource: bool = True
    base: str = "secret"  # secret | none
    key: KeyPath | None = None

    @property
    def alertmanager_namespace(self) -> str:
        return self.am_namespace or self.namespace


@dataclass(frozen=True)
class MimirTarget:
    name: ClassVar[str] = "mimir"
    split: str = "spec"  # spec | team
    namespace: str | None = None  # None: the spec's name
    team_label: str = "team"
    alertmanager: bool = True
    key: KeyPath | None = None


@dataclass(frozen=True)
class ThanosTarget:
    name: ClassVar[str] = "thanos"
    key: KeyPath | None = None


Target = PrometheusTarget | KubernetesTarget | MimirTarget | ThanosTarget
TARGETS: dict[str, type[Target]] = {t.name: t for t in (PrometheusTarget, KubernetesTarget, MimirTarget, ThanosTarget)}


@dataclass(frozen=True)
class Model:
    """A whole alerting setup, ready to render."""

    name: str | None
    locale: str
    sources: tuple[str, ...]  # the spec files it was read from, as given
    defaults: Defaults
    global_: AMData  # Alertmanager `global:` (smtp_* flattened), resolve_timeout included
    severities: Mapping[str, Severity]
    categories: Mapping[str, Category]
    receivers: Mapping[str, Receiver]
    routing: Routing
    inhibit_rules: tuple[InhibitRule, ...]
    time_intervals: tuple[TimeInterval, ...]
    silences: tuple[Silence, ...]
    templates: Templates
    groups: tuple[Group, ...]
    tests: Tests
    alerts: tuple[Alert, ...] = field(default=())
    policy: tuple[PolicyEntry, ...] = field(default=())
    outputs: tuple[Target, ...] = field(default=())  # the spec's `outputs:`; empty: prometheus
    tracing: AMData | None = None  # Alertmanager's `tracing:` mapping

    @property
    def am_version(self) -> str:
        return self.defaults.targets.alertmanager

    @property
    def prom_version(self) -> str:
        return self.defaults.targets.prometheus

    @property
    def source_name(self) -> str:
        """How generated files name their origin: every spec file, comma-separated, control
        characters escaped (a newline in a file name must not end the header's comment line)."""
        return ", ".join(escape(source) for source in self.sources)

    def alert(self, name: str) -> Alert | None:
        return next((a for a in self.alerts if a.name == name), None)
