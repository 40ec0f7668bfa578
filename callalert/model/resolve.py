"""Validated spec → frozen internal model: references resolved, defaults applied, routes derived.

Everything the renderers need is computed here once, so render modules stay pure and small.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callalert.diagnostics import KeyPath, Problem, did_you_mean
from callalert.spec.v1 import Alert, Group, Route, Runbook, Severity, Spec

ProblemFactory = Callable[..., Problem]


@dataclass(frozen=True)
class ResolvedAlert:
    name: str
    group: str
    expr: str
    for_: str | None
    keep_firing_for: str | None
    severity: str
    category: str | None
    labels: dict[str, str]
    annotations: dict[str, str]
    runbook: Runbook | None
    runbook_file: str
    dashboard: str | None
    key: KeyPath
    spec: Alert


@dataclass(frozen=True)
class ResolvedGroup:
    name: str
    file_name: str
    interval: str | None
    limit: int | None
    spec: Group
    alerts: tuple[ResolvedAlert, ...]
    key: KeyPath


@dataclass(frozen=True)
class ResolvedRoute:
    """A route with the spec key it came from (None when derived from the severity table)."""

    route: Route
    key: KeyPath | None
    children: tuple[ResolvedRoute, ...] = ()


@dataclass
class Resolved:
    spec: Spec
    source_dir: Path
    source_name: str
    groups: list[ResolvedGroup]
    alerts: list[ResolvedAlert]
    routes: list[ResolvedRoute]
    routes_derived: bool
    template_files: dict[str, tuple[str, str]] = field(default_factory=dict)  # output name -> (source path, text)

    @property
    def am_version(self) -> str:
        return self.spec.defaults.targets.alertmanager

    @property
    def prom_version(self) -> str:
        return self.spec.defaults.targets.prometheus

    def severity(self, name: str) -> Severity | None:
        return self.spec.severities.get(name)


def _join_url(base: str | None, tail: str) -> str:
    if base is None or "://" in tail:
        return tail
    return base.rstrip("/") + "/" + tail.lstrip("/")


def file_name_for_group(name: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name)
    return safe.strip(".") or "rules"


def derive_routes(spec: Spec) -> list[Route]:
    """The route tree implied by the severity and category tables.

    One route per receiver named in the severity table (in order of first mention), matching
    every severity that lists it, each with `continue: true` so all of them get the alert;
    then one route per category receiver, matching all categories that list it. The last route does not continue (nothing follows it).
    """
    routes: list[Route] = []
    for label, table in (("severity", spec.severities), ("category", spec.categories)):
        names_by_receiver: dict[str, list[str]] = {}
        for name, entry in table.items():
            for receiver in entry.notify:
                names_by_receiver.setdefault(receiver, []).append(name)
        for receiver, names in names_by_receiver.items():
            matcher = f'{label}="{names[0]}"' if len(names) == 1 else f'{label}=~"{"|".join(names)}"'
            routes.append(Route.model_validate({"matchers": [matcher], "receiver": receiver, "continue": True}))
    if routes:
        routes[-1] = routes[-1].model_copy(update={"continue_": False})
    return routes


def _wrap(routes: list[Route], key: KeyPath | None) -> list[ResolvedRoute]:
    out = []
    for i, route in enumerate(routes):
        child_key = (*key, i) if key is not None else None
        out.append(ResolvedRoute(route, child_key, tuple(_wrap(route.routes, (*child_key, "routes") if child_key else None))))
    return out


def resolve(spec: Spec, problem: ProblemFactory, source: Path) -> tuple[Resolved, list[Problem]]:
    problems: list[Problem] = []
    severities = list(spec.severities)
    categories = list(spec.categories)
    receivers = set(spec.receivers)
    interval_names = [ti.name for ti in spec.time_intervals]

    def ref(kind: str, name: str, known: list[str] | set[str], key: KeyPath, rule: str) -> None:
        if name not in known:
            hint = did_you_mean(name, known)
            listing = ", ".join(sorted(known)) or "none defined"
            problems.append(problem(key, f"unknown {kind} {name!r}{hint} (defined: {listing})", rule))

    # severities and categories: receivers they name exist; a severity must notify someone
    for sev_name, sev in spec.severities.items():
        for i, receiver in enumerate(sev.notify):
            ref("receiver", receiver, receivers, ("severities", sev_name, "notify", i), "unknown-receiver")
    for cat_name, cat in spec.categories.items():
        for i, receiver in enumerate(cat.notify):
            ref("receiver", receiver, receivers, ("categories", cat_name, "notify", i), "unknown-receiver")

    routes_derived = spec.routing.routes is None
    route_list = derive_routes(spec) if routes_derived else list(spec.routing.routes or [])
    resolved_routes = _wrap(route_list, None if routes_derived else ("routing", "routes"))
    if "receiver" in spec.routing.model_fields_set:
        ref("receiver", spec.routing.receiver, receivers, ("routing", "receiver"), "unknown-receiver")
    elif spec.routing.receiver not in receivers:
        problems.append(
            problem(
                ("receivers",),
                f"no receiver named {spec.routing.receiver!r}: the root route sends every alert no other route takes "
                f"there by default",
                "unknown-receiver",
                at_key=True,
                fix=f"define a receiver named {spec.routing.receiver!r}, or set routing.receiver to one of: {', '.join(sorted(receivers))}",
            )
        )

    def walk(rroutes: list[ResolvedRoute] | tuple[ResolvedRoute, ...]) -> None:
        for rr in rroutes:
            if rr.key is not None:
                if rr.route.receiver is not None:
                    ref("receiver", rr.route.receiver, receivers, (*rr.key, "receiver"), "unknown-receiver")
                for attr in ("mute_time_intervals", "active_time_intervals"):
                    for i, name in enumerate(getattr(rr.route, attr) or []):
                        ref("time interval", name, interval_names, (*rr.key, attr, i), "unknown-time-interval")
            walk(rr.children)

    walk(resolved_routes)

    # a severity that notifies nobody: no receiver listed and (with derived routing) nothing else reaches it
    for sev_name, sev in spec.severities.items():
        if not sev.notify:
            problems.append(
                problem(
                    ("severities", sev_name),
                    f"severity {sev_name!r} notifies nobody: list the receivers it must reach in `notify`",
                    "severity-without-receiver",
                    at_key=True,
                )
            )

    seen_intervals: dict[str, int] = {}
    for i, ti in enumerate(spec.time_intervals):
        if ti.name in seen_intervals:
            problems.append(problem(("time_intervals", i, "name"), f"time interval {ti.name!r} is defined twice (first at time_intervals[{seen_intervals[ti.name]}])", "duplicate-name"))
        seen_intervals.setdefault(ti.name, i)

    # alerts
    defaults = spec.defaults
    groups: list[ResolvedGroup] = []
    all_alerts: list[ResolvedAlert] = []
    first_alert: dict[str, KeyPath] = {}
    group_files: dict[str, int] = {}
    for gi, group in enumerate(spec.groups):
        gkey: KeyPath = ("groups", gi)
        file_name = file_name_for_group(group.name) + ".yml"
        if file_name in group_files:
            problems.append(
                problem((*gkey, "name"), f"group {group.name!r} renders to the same file as groups[{group_files[file_name]}] ({file_name}); rename one", "duplicate-name")
            )
        group_files.setdefault(file_name, gi)
        alerts: list[ResolvedAlert] = []
        for ai, alert in enumerate(group.alerts):
            akey: KeyPath = (*gkey, "alerts", ai)
            if alert.name in first_alert:
                from callalert.diagnostics import format_key

                problems.append(
                    problem((*akey, "name"), f"duplicate alert name {alert.name!r} (first defined at {format_key(first_alert[alert.name])})", "duplicate-alert")
                )
            else:
                first_alert[alert.name] = akey
            ref("severity", alert.severity, severities, (*akey, "severity"), "unknown-severity")
            if alert.category is not None:
                ref("category", alert.category, categories, (*akey, "category"), "unknown-category")
            for reserved in ("severity", "category", "alertname"):
                if reserved in alert.labels:
                    problems.append(
                        problem((*akey, "labels", reserved), f"label {reserved!r} is set by callalert from the alert's own field; remove it from `labels`", "reserved-label", at_key=True)
                    )
            for reserved in ("summary", "description", "dashboard", "runbook_url"):
                if reserved in alert.annotations:
                    problems.append(
                        problem((*akey, "annotations", reserved), f"annotation {reserved!r} comes from the alert's own field; remove it from `annotations`", "reserved-annotation", at_key=True)
                    )
            labels = {"severity": alert.severity}
            if alert.category is not None:
                labels["category"] = alert.category
            labels.update(sorted(alert.labels.items()))
            runbook_file = f"{alert.name}.md"
            # every alert links a dashboard: its own, else the base dashboard of the system
            dashboard = _join_url(defaults.dashboard_base_url, alert.dashboard) if alert.dashboard else defaults.dashboard_base_url
            annotations = {"summary": alert.summary, "description": alert.description}
            if dashboard:
                annotations["dashboard"] = dashboard
            annotations["runbook_url"] = _join_url(defaults.runbook_base_url, runbook_file) if defaults.runbook_base_url else f"runbooks/{runbook_file}"
            annotations.update(sorted(alert.annotations.items()))
            ra = ResolvedAlert(
                name=alert.name,
                group=group.name,
                expr=alert.expr,
                for_=alert.for_,
                keep_firing_for=alert.keep_firing_for,
                severity=alert.severity,
                category=alert.category,
                labels=labels,
                annotations=annotations,
                runbook=alert.runbook,
                runbook_file=runbook_file,
                dashboard=dashboard,
                key=akey,
                spec=alert,
            )
            alerts.append(ra)
        all_alerts.extend(alerts)
        interval = group.interval
        if interval is None and "evaluation_interval" in defaults.model_fields_set:
            interval = defaults.evaluation_interval
        groups.append(ResolvedGroup(group.name, file_name, interval, group.limit, group, tuple(alerts), gkey))

    resolved = Resolved(
        spec=spec,
        source_dir=source.parent,
        source_name=source.name,
        groups=groups,
        alerts=all_alerts,
        routes=resolved_routes,
        routes_derived=routes_derived,
    )
    problems.extend(_resolve_templates(spec, resolved, problem))
    return resolved, problems


def _resolve_templates(spec: Spec, resolved: Resolved, problem: ProblemFactory) -> list[Problem]:
    """Read the user's template files (relative to the spec) so they can be checked and rendered."""
    problems: list[Problem] = []
    builtin_names = {f"{name}.tmpl" for name in spec.templates.builtin}
    for i, rel in enumerate(spec.templates.files):
        key: KeyPath = ("templates", "files", i)
        path = (resolved.source_dir / rel).resolve()
        out_name = Path(rel).name
        if not out_name.endswith(".tmpl"):
            problems.append(problem(key, f"template file {rel!r} must end in .tmpl (alertmanager.yml loads templates/*.tmpl)", "template-file"))
            continue
        if out_name in builtin_names:
            problems.append(
                problem(
                    key,
                    f"{out_name!r} is also the name of a built-in template file; remove {out_name[:-5]!r} from templates.builtin to replace it, or rename your file",
                    "template-file",
                )
            )
            continue
        if out_name in resolved.template_files:
            problems.append(problem(key, f"two template files are both named {out_name!r}; rename one", "template-file"))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            problems.append(problem(key, f"cannot read template file {rel!r}: {exc.strerror or exc}", "template-file"))
            continue
        resolved.template_files[out_name] = (str(path), text)
    return problems
