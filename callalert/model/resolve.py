"""Spec format 1 → the internal model: references resolved, defaults applied, routes derived.

Everything the renderers need is computed here once, so render modules stay pure and small,
and nothing after this point reads a spec class.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from callalert import diagnostics as d
from callalert.diagnostics import KeyPath, Problem, Rule, did_you_mean, format_key, shown
from callalert.limits import MAX_FILE_NAME_BYTES
from callalert.model import (
    Alert,
    Alerting,
    Category,
    Defaults,
    ExpectedAlert,
    Group,
    InhibitRule,
    KubernetesTarget,
    MimirTarget,
    Model,
    PolicyEntry,
    PrometheusTarget,
    Receiver,
    Record,
    Route,
    Routing,
    RoutingTest,
    RuleExpectation,
    RuleTest,
    Runbook,
    Secret,
    SeriesInput,
    Severity,
    Silence,
    Target,
    Targets,
    TemplateFile,
    Templates,
    Tests,
    ThanosTarget,
    TimeInterval,
)
from callalert.spec import v1
from callalert.spec.compose import join_url, looks_like_host
from callalert.spec.read import InputError, read_text

ProblemFactory = Callable[..., Problem]

# Field names in the spec that differ from Alertmanager's (Python keywords).
RENAMES = {"from_": "from", "class_": "class", "continue_": "continue"}


def file_name_for_group(name: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name)
    return safe.strip(".") or "rules"


_PLAIN_NAME = re.compile(r"[A-Za-z0-9_:]+")


def runbook_file_name(alert_name: str) -> str:
    """`<AlertName>.md`, with what a file name cannot hold replaced (names are free text under
    `defaults.alert_names: text`)."""
    if _PLAIN_NAME.fullmatch(alert_name):
        return f"{alert_name}.md"
    return file_name_for_group(alert_name) + ".md"


def default_runbook_url(runbook_base_url: str | None, runbook_file: str) -> str:
    """The `runbook_url` of an alert without its own: its rendered runbook."""
    return join_url(runbook_base_url, runbook_file) if runbook_base_url else f"runbooks/{runbook_file}"


def am_data(model: BaseModel, *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A spec config model as Alertmanager's mapping: unset fields dropped, Alertmanager's option
    names, secret references as `Secret` leaves (the renderer decides how they are written)."""
    out: dict[str, Any] = {}
    names = list(type(model).model_fields)
    if "send_resolved" in names:  # Alertmanager's docs list it first of the options, people write it last
        names.remove("send_resolved")
        names.append("send_resolved")
    for name in names:
        if name in skip:
            continue
        value = getattr(model, name)
        if value is not None:
            out[RENAMES.get(name, name)] = _am_value(value)
    return out


def _am_value(value: Any) -> Any:
    if isinstance(value, v1.SecretRef):
        return Secret(value.file, value.env)
    if isinstance(value, v1.FileRef):
        return Secret(value.file, None)
    if isinstance(value, BaseModel):
        return am_data(value)
    if isinstance(value, list):
        return [_am_value(v) for v in value]
    if isinstance(value, dict):
        return dict(value)
    return value


def derive_routes(spec: v1.Spec) -> tuple[Route, ...]:
    """The route tree implied by the severity and category tables.

    One route per receiver named in the severity table (in order of first mention), matching
    every severity that lists it, each with `continue: true` so all of them get the alert;
    then one route per category receiver, matching all categories that list it. The last route
    does not continue (nothing follows it)."""
    routes: list[Route] = []
    tables: tuple[tuple[str, Mapping[str, v1.Severity | v1.Category]], ...] = (
        ("severity", spec.severities),
        ("category", spec.categories),
    )
    for label, table in tables:
        names_by_receiver: dict[str, list[str]] = {}
        for name, entry in table.items():
            for receiver in entry.notify:
                names_by_receiver.setdefault(receiver, []).append(name)
        for receiver, names in names_by_receiver.items():
            matcher = f'{label}="{names[0]}"' if len(names) == 1 else f'{label}=~"{"|".join(names)}"'
            routes.append(Route(matchers=(matcher,), receiver=receiver, continue_=True))
    if routes:
        last = routes[-1]
        routes[-1] = Route(matchers=last.matchers, receiver=last.receiver, continue_=False)
    return tuple(routes)


def _route(route: v1.Route, key: KeyPath) -> Route:
    def opt(values: list[str] | None) -> tuple[str, ...] | None:
        return tuple(values) if values is not None else None

    return Route(
        matchers=tuple(route.matchers),
        receiver=route.receiver,
        continue_=route.continue_,
        group_by=opt(route.group_by),
        group_wait=route.group_wait,
        group_interval=route.group_interval,
        repeat_interval=route.repeat_interval,
        mute_time_intervals=opt(route.mute_time_intervals),
        active_time_intervals=opt(route.active_time_intervals),
        routes=tuple(_route(child, (*key, "routes", i)) for i, child in enumerate(route.routes)),
        key=key,
        labels=dict(route.labels) if route.labels is not None else None,
    )


def _runbook(rb: v1.Runbook | None) -> Runbook | None:
    if rb is None:
        return None
    escalation = tuple(rb.escalation) if isinstance(rb.escalation, list) else rb.escalation
    return Runbook(rb.title, rb.description, tuple(rb.investigation), tuple(rb.mitigation), tuple(rb.contacts), escalation)


def _global(spec: v1.Spec) -> dict[str, Any]:
    glob: dict[str, Any] = {"resolve_timeout": spec.defaults.resolve_timeout}
    if spec.global_ is not None:
        g = spec.global_
        if g.smtp is not None:
            for name, value in am_data(g.smtp).items():
                glob[f"smtp_{name}"] = value
        glob.update(am_data(g, skip=frozenset({"smtp"})))
    return glob


def _tests(spec: v1.Spec) -> Tests:
    rules = tuple(
        RuleTest(
            t.name,
            t.alert,
            t.interval,
            tuple(SeriesInput(s.series, s.values) for s in t.series),
            tuple(
                RuleExpectation(e.eval_time, tuple(ExpectedAlert(dict(a.labels), dict(a.annotations)) for a in e.alerts))
                for e in t.expect
            ),
            ("tests", "rules", i),
        )
        for i, t in enumerate(spec.tests.rules)
    )
    routing = tuple(
        RoutingTest(
            t.name, t.alert, dict(t.labels), tuple(dict(f) for f in t.firing), t.at, tuple(t.receivers), ("tests", "routing", i)
        )
        for i, t in enumerate(spec.tests.routing)
    )
    return Tests(rules, routing)


def resolve(
    spec: v1.Spec,
    problem: ProblemFactory,
    sources: tuple[str, ...],
    template_dir: Path,
    locate: Callable[[KeyPath], tuple[str, int, int]] | None = None,
) -> tuple[Model, list[Problem]]:
    """The model of `spec`, and the problems found resolving it (unknown references, duplicates).

    `problem(key, message, rule, ...)` positions a problem at a key path of the spec;
    `template_dir` is the folder `templates.files` are relative to; `locate(key)` gives the file,
    line and column of a key path, so a duplicate in another file is named by its place."""
    problems: list[Problem] = []

    def first_at(first: KeyPath, key: KeyPath) -> str:
        """Where the first of two definitions is: its key path, or its file and line when another file has it."""
        if locate is not None:
            path, line, col = locate(first)
            if path != locate(key)[0]:
                return f"{path}:{line}:{col}"
        return format_key(first)

    severities = list(spec.severities)
    categories = list(spec.categories)
    receivers = set(spec.receivers)
    interval_names = [ti.name for ti in spec.time_intervals]

    def ref(kind: str, name: str, known: list[str] | set[str], key: KeyPath, rule: Rule) -> None:
        if name not in known:
            hint = did_you_mean(name, known)
            listing = ", ".join(sorted(known)) or "none defined"
            problems.append(problem(key, f"unknown {kind} {name!r}{hint} (defined: {listing})", rule))

    for sev_name, sev in spec.severities.items():
        for i, receiver in enumerate(sev.notify):
            ref("receiver", receiver, receivers, ("severities", sev_name, "notify", i), d.UNKNOWN_RECEIVER)
    for cat_name, cat in spec.categories.items():
        for i, receiver in enumerate(cat.notify):
            ref("receiver", receiver, receivers, ("categories", cat_name, "notify", i), d.UNKNOWN_RECEIVER)

    for i, entry in enumerate(spec.policy):
        for field_name in ("notify", "notify_any", "only", "never"):
            for j, receiver in enumerate(getattr(entry, field_name) or []):
                ref("receiver", receiver, receivers, ("policy", i, field_name, j), d.UNKNOWN_RECEIVER)

    derived = spec.routing.routes is None
    routes = (
        derive_routes(spec)
        if derived
        else tuple(_route(r, ("routing", "routes", i)) for i, r in enumerate(spec.routing.routes or []))
    )
    if "receiver" in spec.routing.model_fields_set:
        ref("receiver", spec.routing.receiver, receivers, ("routing", "receiver"), d.UNKNOWN_RECEIVER)
    elif spec.routing.receiver not in receivers:
        problems.append(
            problem(
                ("receivers",),
                f"no receiver named {spec.routing.receiver!r}: the root route sends every alert no other route takes there by default",
                d.UNKNOWN_RECEIVER,
                at_key=True,
                fix=f"define a receiver named {spec.routing.receiver!r}, or set routing.receiver to one of: {', '.join(sorted(receivers))}",
            )
        )
    for top in routes:
        for route in top.walk():
            if route.key is None:
                continue
            if route.receiver is not None:
                ref("receiver", route.receiver, receivers, (*route.key, "receiver"), d.UNKNOWN_RECEIVER)
            for attr in ("mute_time_intervals", "active_time_intervals"):
                for i, name in enumerate(getattr(route, attr) or ()):
                    ref("time interval", name, interval_names, (*route.key, attr, i), d.UNKNOWN_TIME_INTERVAL)

    # With derived routing the severity table *is* the routing: a severity without `notify` would
    # reach only the root receiver. With an explicit tree the routes decide and `notify` is the
    # optional declared policy that lint compares them with (docs/spec.md).
    for sev_name, sev in spec.severities.items() if derived else ():
        if not sev.notify:
            problems.append(
                problem(
                    ("severities", sev_name),
                    f"severity {sev_name!r} notifies nobody: routes are derived from `notify`, so its alerts reach only "
                    f"the root receiver {spec.routing.receiver!r}",
                    d.SEVERITY_WITHOUT_RECEIVER,
                    at_key=True,
                    fix=f"list the receivers it must reach (severities.{sev_name}.notify: [{spec.routing.receiver}] says the "
                    "root receiver is enough), or write the routes yourself in routing.routes",
                )
            )

    seen_intervals: dict[str, int] = {}
    for i, ti in enumerate(spec.time_intervals):
        if ti.name in seen_intervals:
            problems.append(
                problem(
                    ("time_intervals", i, "name"),
                    f"time interval {ti.name!r} is defined twice (first at "
                    f"{first_at(('time_intervals', seen_intervals[ti.name], 'name'), ('time_intervals', i, 'name'))})",
                    d.DUPLICATE_NAME,
                )
            )
        seen_intervals.setdefault(ti.name, i)

    defaults = spec.defaults
    groups: list[Group] = []
    all_alerts: list[Alert] = []
    first_alert: dict[str, KeyPath] = {}
    # rule file -> (index of the first group in it, whether that group named the file, group names in it)
    group_files: dict[str, tuple[int, bool, dict[str, int]]] = {}
    runbook_files: dict[str, str] = {}
    for gi, group in enumerate(spec.groups):
        gkey: KeyPath = ("groups", gi)
        file_name = file_name_for_group(group.file if group.file is not None else group.name) + ".yml"
        explicit = group.file is not None
        if len(file_name.encode("utf-8", "surrogatepass")) > MAX_FILE_NAME_BYTES:
            problems.append(
                problem(
                    (*gkey, "file" if explicit else "name"),
                    f"group {'file' if explicit else 'name'} makes a {len(file_name.encode('utf-8', 'surrogatepass'))}-byte "
                    f"rule file name; file names must stay within {MAX_FILE_NAME_BYTES} bytes",
                    d.GROUP_NAME,
                    fix=f"shorten the group {'file' if explicit else 'name'}",
                )
            )
        if file_name in group_files:
            first, first_explicit, names = group_files[file_name]
            if not (explicit and first_explicit):
                problems.append(
                    problem(
                        (*gkey, "name"),
                        f"group {group.name!r} renders to the same file as {first_at(('groups', first), gkey)} ({file_name}); "
                        "rename one",
                        d.DUPLICATE_NAME,
                    )
                )
            elif group.name in names:
                problems.append(
                    problem(
                        (*gkey, "name"),
                        f"group {group.name!r} is already in rule file {file_name} ({first_at(('groups', names[group.name]), gkey)}); "
                        "Prometheus refuses a group name twice in one file",
                        d.DUPLICATE_NAME,
                    )
                )
            names.setdefault(group.name, gi)
        else:
            group_files[file_name] = (gi, explicit, {group.name: gi})
        alerts: list[Alert] = []
        records: list[Record] = []
        ordered: list[Record | Alert] = []
        layout = "alerts_and_records" if group.alerts_and_records else None
        ai = ri = 0
        for item in group.ordered():
            if isinstance(item, v1.Record):
                rkey: KeyPath = (*gkey, layout or "records", ri if layout is None else len(ordered))
                ri += 1
                record = Record(item.record, item.expr, dict(item.labels), rkey)
                records.append(record)
                ordered.append(record)
                continue
            alert = item
            akey: KeyPath = (*gkey, layout or "alerts", ai if layout is None else len(ordered))
            ai += 1
            if len(alert.name) > MAX_FILE_NAME_BYTES:
                problems.append(
                    problem(
                        (*akey, "name"),
                        f"alert name is {len(alert.name)} characters; it names the alert's runbook and test files, "
                        f"which must stay within {MAX_FILE_NAME_BYTES} bytes",
                        d.ALERT_NAME,
                        fix="shorten the alert name",
                    )
                )
            if alert.name in first_alert and not alert.shares_name:
                problems.append(
                    problem(
                        (*akey, "name"),
                        f"duplicate alert name {alert.name!r} (first defined at {first_at(first_alert[alert.name], akey)})",
                        d.DUPLICATE_ALERT,
                    )
                )
            elif alert.name not in first_alert and alert.shares_name:
                problems.append(
                    problem(
                        (*akey, "shares_name"),
                        f"no earlier alert is named {alert.name!r}: `shares_name` is for a later alert that reuses a name",
                        d.DUPLICATE_ALERT,
                    )
                )
            first_alert.setdefault(alert.name, akey)
            if defaults.alert_names == "identifier":
                name_problem = v1.alert_name_problem(alert.name)
                if name_problem is not None:
                    problems.append(problem((*akey, "name"), name_problem, d.ALERT_NAME))
            if alert.severity is not None:
                ref("severity", alert.severity, severities, (*akey, "severity"), d.UNKNOWN_SEVERITY)
            if alert.category is not None:
                ref("category", alert.category, categories, (*akey, "category"), d.UNKNOWN_CATEGORY)
            for reserved in ("severity", "category", "alertname"):
                if reserved in alert.labels:
                    problems.append(
                        problem(
                            (*akey, "labels", reserved),
                            f"label {reserved!r} is set by callalert from the alert's own field; remove it from `labels`",
                            d.RESERVED_LABEL,
                            at_key=True,
                        )
                    )
            for reserved in ("summary", "description", "dashboard", "runbook_url"):
                if reserved in alert.annotations:
                    problems.append(
                        problem(
                            (*akey, "annotations", reserved),
                            f"annotation {reserved!r} comes from the alert's own field; remove it from `annotations`",
                            d.RESERVED_ANNOTATION,
                            at_key=True,
                        )
                    )
            labels: dict[str, str] = {}
            if alert.severity is not None:
                labels["severity"] = alert.severity
            if alert.category is not None:
                labels["category"] = alert.category
            labels.update(sorted(alert.labels.items()))
            if alert.dashboard and looks_like_host(alert.dashboard):
                problems.append(
                    problem(
                        (*akey, "dashboard"),
                        f"{alert.dashboard!r} looks like a host name without https://; it is "
                        + (
                            f"joined to dashboard_base_url as a path ({join_url(defaults.dashboard_base_url, alert.dashboard)})"
                            if defaults.dashboard_base_url
                            else "not a link"
                        ),
                        d.DASHBOARD_URL,
                        fix=f"write https://{alert.dashboard}, or a path like /{alert.dashboard.split('/', 1)[-1]} "
                        "to join dashboard_base_url",
                    )
                )
            runbook_file = runbook_file_name(alert.name)
            if runbook_files.setdefault(runbook_file, alert.name) != alert.name:
                problems.append(
                    problem(
                        (*akey, "name"),
                        f"alert {alert.name!r} and alert {runbook_files[runbook_file]!r} would share the runbook file "
                        f"{runbook_file} (a file name cannot hold every character); rename one",
                        d.DUPLICATE_NAME,
                    )
                )
            # every alert links a dashboard: its own, else the base dashboard of the system
            dashboard = join_url(defaults.dashboard_base_url, alert.dashboard) if alert.dashboard else defaults.dashboard_base_url
            annotations: dict[str, str] = {}
            if alert.summary is not None:
                annotations["summary"] = alert.summary
            if alert.description is not None:
                annotations["description"] = alert.description
            if dashboard:
                annotations["dashboard"] = dashboard
            annotations["runbook_url"] = (
                alert.runbook_url
                if alert.runbook_url is not None
                else default_runbook_url(defaults.runbook_base_url, runbook_file)
            )
            annotations.update(sorted(alert.annotations.items()))
            model_alert = Alert(
                name=alert.name,
                group=group.name,
                expr=alert.expr,
                for_=alert.for_,
                keep_firing_for=alert.keep_firing_for,
                severity=alert.severity,
                category=alert.category,
                summary=alert.summary,
                description=alert.description,
                labels=labels,
                annotations=annotations,
                extra_annotations=dict(alert.annotations),
                own_dashboard=alert.dashboard,
                dashboard=dashboard,
                runbook=_runbook(alert.runbook),
                runbook_file=runbook_file,
                key=akey,
                own_runbook_url=alert.runbook_url,
                shares_name=alert.shares_name,
            )
            alerts.append(model_alert)
            ordered.append(model_alert)
        all_alerts.extend(alerts)
        interval = group.interval
        if interval is None and "evaluation_interval" in defaults.model_fields_set:
            interval = defaults.evaluation_interval
        groups.append(
            Group(
                group.name,
                file_name,
                interval,
                group.limit,
                tuple(records),
                tuple(alerts),
                gkey,
                query_offset=group.query_offset,
                labels=dict(group.labels),
                partial_response_strategy=group.partial_response_strategy,
                rules=tuple(ordered) if layout else (),
            )
        )

    template_files, template_problems = _template_files(spec, problem, template_dir)
    problems.extend(template_problems)
    model = Model(
        name=spec.name,
        locale=spec.locale,
        sources=sources,
        defaults=Defaults(
            group_by=tuple(defaults.group_by),
            group_wait=defaults.group_wait,
            group_interval=defaults.group_interval,
            repeat_interval=defaults.repeat_interval,
            resolve_timeout=defaults.resolve_timeout,
            evaluation_interval=defaults.evaluation_interval if "evaluation_interval" in defaults.model_fields_set else None,
            dashboard_base_url=defaults.dashboard_base_url,
            runbook_base_url=defaults.runbook_base_url,
            external_labels=dict(defaults.external_labels),
            targets=Targets(
                defaults.targets.prometheus,
                defaults.targets.alertmanager,
                tuple(defaults.targets.prometheus_features),
                prometheus_written="prometheus" in defaults.targets.model_fields_set,
            ),
            scrape_interval=defaults.scrape_interval,
        ),
        global_=_global(spec),
        severities={
            n: Severity(n, s.description, s.response_time, tuple(s.notify), s.paging) for n, s in spec.severities.items()
        },
        categories={n: Category(n, c.description, tuple(c.notify)) for n, c in spec.categories.items()},
        receivers={
            n: Receiver(n, r.description, am_data(r, skip=frozenset({"description"})), ("receivers", n))
            for n, r in spec.receivers.items()
        },
        routing=Routing(
            receiver=spec.routing.receiver,
            group_by=tuple(spec.routing.group_by if spec.routing.group_by is not None else defaults.group_by),
            group_by_key=("routing", "group_by") if spec.routing.group_by is not None else ("defaults", "group_by"),
            routes=routes,
            derived=derived,
        ),
        inhibit_rules=tuple(
            InhibitRule(
                tuple(r.source_matchers), tuple(r.target_matchers), tuple(r.equal), r.description, ("inhibit_rules", i), r.name
            )
            for i, r in enumerate(spec.inhibit_rules)
        ),
        time_intervals=tuple(
            TimeInterval(ti.name, tuple(am_data(t) for t in ti.time_intervals), ("time_intervals", i))
            for i, ti in enumerate(spec.time_intervals)
        ),
        silences=tuple(
            Silence(tuple(s.matchers), s.starts_at, s.ends_at, s.created_by, s.comment, ("silences", i))
            for i, s in enumerate(spec.silences)
        ),
        templates=Templates(tuple(spec.templates.builtin), template_files),
        tracing=am_data(spec.tracing) if spec.tracing is not None else None,
        groups=tuple(groups),
        tests=_tests(spec),
        alerts=tuple(all_alerts),
        outputs=_outputs(spec, problem, problems),
        policy=tuple(
            PolicyEntry(
                tuple(p.matchers),
                tuple(p.notify),
                tuple(p.notify_any),
                tuple(p.only) if p.only is not None else None,
                tuple(p.never),
                p.description,
                ("policy", i),
            )
            for i, p in enumerate(spec.policy)
        ),
    )
    return model, problems


def _outputs(spec: v1.Spec, problem: ProblemFactory, problems: list[Problem]) -> tuple[Target, ...]:
    """The spec's `outputs:` as render targets, each listed once."""
    out: list[Target] = []
    seen: dict[str, int] = {}
    for i, o in enumerate(spec.outputs):
        key: KeyPath = ("outputs", i)
        if o.target in seen:
            problems.append(
                problem(
                    (*key, "target"),
                    f"target {o.target!r} is listed twice (first at outputs[{seen[o.target]}]); one entry per target",
                    d.DUPLICATE_NAME,
                )
            )
            continue
        seen[o.target] = i
        if isinstance(o, v1.PrometheusOutput):
            a = o.alerting
            alerting = (
                Alerting(tuple(a.alertmanagers), a.scheme, a.path_prefix, a.timeout, a.rules_dir) if a is not None else None
            )
            out.append(PrometheusTarget(alerting, key))
        elif isinstance(o, v1.KubernetesOutput):
            am = o.alertmanager
            out.append(
                KubernetesTarget(
                    namespace=o.namespace,
                    labels=dict(o.labels),
                    annotations=dict(o.annotations),
                    team_label=o.team_label,
                    rules_split=o.rules.split,
                    rules_namespaces=dict(o.rules.namespaces),
                    am_mode=am.mode,
                    am_name=am.name,
                    am_namespace=am.namespace,
                    matcher_strategy=am.matcher_strategy,
                    am_namespaces=dict(am.namespaces),
                    secret=am.secret,
                    resource=am.resource,
                    base=am.base,
                    key=key,
                )
            )
        elif isinstance(o, v1.MimirOutput):
            out.append(MimirTarget(o.split, o.namespace, o.team_label, o.alertmanager, key))
        else:
            out.append(ThanosTarget(key))
    return tuple(out)


def _inside(path: Path, root: Path) -> bool:
    """Whether `path` (symlinks resolved) is `root` or below it."""
    return path == root or root in path.parents


def _template_files(spec: v1.Spec, problem: ProblemFactory, template_dir: Path) -> tuple[tuple[TemplateFile, ...], list[Problem]]:
    """Read the user's template files (relative to the spec file that lists them)."""
    problems: list[Problem] = []
    files: dict[str, TemplateFile] = {}
    builtin_names = {f"{name}.tmpl" for name in spec.templates.builtin}
    root = template_dir.resolve()
    for i, rel in enumerate(spec.templates.files):
        key: KeyPath = ("templates", "files", i)
        if "\0" in rel:
            problems.append(problem(key, f"template file name {shown(rel)} contains a NUL byte", d.TEMPLATE_FILE))
            continue
        try:
            path = (template_dir / rel).resolve()
        except (OSError, RuntimeError) as exc:  # a symlink loop, a name too long
            problems.append(problem(key, f"cannot read template file {shown(rel)}: {exc}", d.TEMPLATE_FILE))
            continue
        out_name = Path(rel).name
        if not out_name.endswith(".tmpl"):
            problems.append(
                problem(
                    key, f"template file {rel!r} must end in .tmpl (alertmanager.yml loads templates/*.tmpl)", d.TEMPLATE_FILE
                )
            )
            continue
        if out_name in builtin_names:
            problems.append(
                problem(
                    key,
                    f"{out_name!r} is also the name of a built-in template file; remove {out_name[:-5]!r} from templates.builtin "
                    "to replace it, or rename your file",
                    d.TEMPLATE_FILE,
                )
            )
            continue
        if out_name in files:
            problems.append(problem(key, f"two template files are both named {out_name!r}; rename one", d.TEMPLATE_FILE))
            continue
        if not _inside(path, root):
            problems.append(
                problem(
                    key,
                    f"template file {shown(rel)} resolves to {shown(str(path), 200)}, outside the spec's folder; "
                    "templates are read only from the spec's folder and below: copy it there",
                    d.TEMPLATE_FILE,
                )
            )
            continue
        try:
            text = read_text(path)
        except InputError as exc:
            problems.append(problem(key, f"cannot read template file {shown(rel)}: {exc.reason}", d.TEMPLATE_FILE))
            continue
        files[out_name] = TemplateFile(out_name, str(path), str(template_dir / rel), text, key)
    return tuple(files.values()), problems
