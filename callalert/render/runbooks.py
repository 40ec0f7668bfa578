"""Markdown runbooks: `runbooks/<AlertName>.md` and the index `runbooks/README.md`."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from callalert.analysis.alertmanager.inhibit import InhibitRule, build_inhibit_rules
from callalert.analysis.alertmanager.routing import Route, build_route_tree, match_routes
from callalert.diagnostics import KeyPath
from callalert.model import Alert, Model
from callalert.render import markdown, routetree
from callalert.render.alertmanager import routing_data

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "alert": "Alert",
        "severity": "Severity",
        "category": "Category",
        "group": "Rule group",
        "expression": "Expression",
        "for": "For",
        "summary": "Summary",
        "description": "Description",
        "investigation": "Investigation steps",
        "mitigation": "Mitigation steps",
        "contacts": "Contacts",
        "escalation": "Escalation",
        "runbooks": "Runbooks",
        "response_time": "Response time",
        "respond_within": "respond within",
        "no_description": "_No description yet: add `runbook.description` to the spec._",
        "no_action": "no action",
        "owner": "Owner",
        "labels": "Labels",
        "notifies": "Notifies",
        "route": "Route",
        "routing": "Who is notified",
        "immediately": "immediately (no `for`)",
        "root_route": "the root route: no other route matches",
        "only_during": "only during",
        "not_during": "not during",
        "inhibited": "Not sent while an alert matching",
        "inhibited_equal": "fires with the same",
        "inhibited_tail": "fires",
        "nobody": "nobody",
        "dynamic": "Computed by `callalert render` from the alert's own labels. Routes that match on labels the "
        "expression sets at runtime ({labels}) may send an instance elsewhere: check with "
        "`callalert routes test SPEC alertname={name} ...`.",
        "computed": "Computed by `callalert render` from the alert's own labels and the spec's routes.",
        "route_tree": "Route tree",
        "route_tree_note": "Each box is a route with the alerts it notifies about; siblings are tried in the order on "
        "the arrows and the first that matches takes the alert, unless it has `continue: true` (dashed).",
        "alerts": "alerts",
        "more": "more",
    },
    "es": {
        "alert": "Alerta",
        "severity": "Severidad",
        "category": "Categoría",
        "group": "Grupo de reglas",
        "expression": "Expresión",
        "for": "Duración (for)",
        "summary": "Resumen",
        "description": "Descripción",
        "investigation": "Pasos de Investigación",
        "mitigation": "Pasos de Mitigación",
        "contacts": "Contactos",
        "escalation": "Escalado",
        "runbooks": "Runbooks",
        "response_time": "Tiempo de respuesta",
        "respond_within": "responder en <",
        "no_description": "_Sin descripción: añade `runbook.description` al spec._",
        "no_action": "N/A",
        "owner": "Responsable",
        "labels": "Etiquetas",
        "notifies": "Notifica a",
        "route": "Ruta",
        "routing": "A quién se notifica",
        "immediately": "inmediata (sin `for`)",
        "root_route": "la ruta raíz: ninguna otra ruta coincide",
        "only_during": "solo durante",
        "not_during": "excepto durante",
        "inhibited": "No se envía mientras una alerta con",
        "inhibited_equal": "esté activa con el mismo valor de",
        "inhibited_tail": "esté activa",
        "nobody": "nadie",
        "dynamic": "Calculado por `callalert render` con las etiquetas propias de la alerta. Las rutas que "
        "comprueban etiquetas que la expresión añade en tiempo de ejecución ({labels}) pueden enviar una "
        "instancia a otro sitio: compruébalo con `callalert routes test SPEC alertname={name} ...`.",
        "computed": "Calculado por `callalert render` con las etiquetas propias de la alerta y las rutas del spec.",
        "route_tree": "Árbol de rutas",
        "route_tree_note": "Cada caja es una ruta con las alertas que notifica; las rutas hermanas se prueban en el "
        "orden de las flechas y la primera que coincide se queda la alerta, salvo que tenga `continue: true` (discontinua).",
        "alerts": "alertas",
        "more": "más",
    },
}


# The route tree of the index names at most this many alerts per route.
ALERTS_PER_ROUTE = 6

# Labels that say who owns an alert, in the order they are looked for.
OWNER_LABELS = ("team", "owner")


@dataclass(frozen=True)
class Hop:
    """One receiver an alert reaches: the route that sends it there and when it does."""

    receiver: str
    path: str  # e.g. route.routes[0].routes[1]
    matchers: str  # the matchers from the root to this route, e.g. {team="payments"} › {severity="critical"}
    when: str  # "" (always), or the time intervals that gate the route


@dataclass(frozen=True)
class AlertRouting:
    hops: tuple[Hop, ...]
    inhibited: tuple[str, ...]  # one sentence per inhibit rule that can mute this alert
    dynamic: tuple[str, ...]  # labels routes match on that the alert does not set itself

    @functools.cached_property
    def receivers(self) -> list[str]:  # one AlertRouting serves many alerts (routings)
        return list(dict.fromkeys(h.receiver for h in self.hops))


def _chain(route: Route) -> str:
    parts: list[str] = []
    node: Route | None = route
    while node is not None and node.parent is not None:
        parts.append(node.matchers_text() if node.matchers else "{}")
        node = node.parent
    return " › ".join(reversed(parts))


def _when(route: Route, t: Mapping[str, str]) -> str:
    parts = []
    if route.active_time_intervals:
        parts.append(f"{t['only_during']} {', '.join(route.active_time_intervals)}")
    if route.mute_time_intervals:
        parts.append(f"{t['not_during']} {', '.join(route.mute_time_intervals)}")
    return "; ".join(parts)


def routed_on(root: Route) -> frozenset[str]:
    """The labels some route of the tree matches on."""
    return frozenset(m.name for node in root.walk() for m in node.matchers)


def alert_routing(
    alert: Alert, root: Route, inhibit: Sequence[InhibitRule], t: Mapping[str, str], routed: frozenset[str] | None = None
) -> AlertRouting:
    """Where Alertmanager sends `alert`, from its own labels (alertname and the rule's labels).
    `routed`: routed_on(root), when the caller asks for many alerts of one tree."""
    labels = {"alertname": alert.name, **alert.labels}
    hops = tuple(
        Hop(r.receiver, r.path, _chain(r) if r.parent is not None else t["root_route"], _when(r, t))
        for r in match_routes(root, labels)
    )
    inhibited = []
    for rule in inhibit:
        if rule.target and all(m.matches(labels) for m in rule.target):
            source = markdown.code("{" + ", ".join(str(m) for m in rule.source) + "}")
            if rule.equal:
                inhibited.append(f"{rule.path}: {t['inhibited']} {source} {t['inhibited_equal']} {', '.join(rule.equal)}")
            else:
                inhibited.append(f"{rule.path}: {t['inhibited']} {source} {t['inhibited_tail']}")
    dynamic = tuple(sorted(name for name in (routed_on(root) if routed is None else routed) if name not in labels))
    return AlertRouting(hops, tuple(inhibited), dynamic)


def routings(
    alerts: Sequence[Alert], root: Route, inhibit: Sequence[InhibitRule], t: Mapping[str, str], routed: frozenset[str]
) -> dict[KeyPath, AlertRouting]:
    """alert_routing of every alert, computed once per distinct routing key: the value (or absence)
    of each label a route or an inhibit rule's target matches on is all alert_routing reads of an
    alert, so alerts that agree on those labels route alike (10,000 alerts, a handful of keys)."""
    names = sorted(routed | {m.name for rule in inhibit for m in rule.target})
    seen: dict[tuple[str | None, ...], AlertRouting] = {}
    out: dict[KeyPath, AlertRouting] = {}
    for alert in alerts:
        labels = {"alertname": alert.name, **alert.labels}  # as alert_routing sees them
        key = tuple(labels.get(name) for name in names)
        found = seen.get(key)
        if found is None:
            found = seen[key] = alert_routing(alert, root, inhibit, t, routed)
        out[alert.key] = found
    return out


def owner(alert: Alert) -> str | None:
    for name in OWNER_LABELS:
        if name in alert.labels:
            return alert.labels[name]
    return None


def render(model: Model) -> dict[str, str]:
    t = STRINGS[model.locale]
    data = routing_data(model)
    root = build_route_tree(data, model.am_version)
    inhibit = build_inhibit_rules(data["inhibit_rules"], model.am_version)
    routed = routed_on(root)  # once, not once per alert: a team's tree has many routes
    routing = routings(model.alerts, root, inhibit, t, routed)
    # pure functions of one string, asked thousands of times for the same severities, groups and receivers
    cell = functools.lru_cache(maxsize=4096)(markdown.cell)
    code = functools.lru_cache(maxsize=4096)(markdown.code)
    readable = functools.lru_cache(maxsize=4096)(markdown.readable)
    shared = _Shared(model, t, cell, code)
    files: dict[str, str] = {}
    for alert in model.alerts:
        if f"runbooks/{alert.runbook_file}" in files:
            continue  # alerts that share a name share the runbook of the first
        files[f"runbooks/{alert.runbook_file}"] = _page(model, alert, routing[alert.key], t, cell, code, readable, shared)
    response = {
        name: (f"< {sev.response_time}" if sev.response_time else t["no_action"]) for name, sev in model.severities.items()
    }
    for alert in model.alerts:
        response.setdefault(alert.severity or "", "-")
    owners = {alert.name: owner(alert) for alert in model.alerts}
    taken: dict[str, dict[str, None]] = {}  # route path -> the names of its alerts, in order, each once
    for alert in model.alerts:
        for hop in routing[alert.key].hops:
            taken.setdefault(hop.path, {})[alert.name] = None
    notes = {
        path: [
            f"{t['alerts']}: {', '.join(list(names)[:ALERTS_PER_ROUTE])}"
            + (f" (+{len(names) - ALERTS_PER_ROUTE} {t['more']})" if len(names) > ALERTS_PER_ROUTE else "")
        ]
        for path, names in taken.items()
    }
    tree = routetree.mermaid(routetree.tree_view(root, notes=notes))
    files["runbooks/README.md"] = _index(
        model, routing, response, owners if any(owners.values()) else None, tree, t, cell, code, shared
    )
    return files


Text = Callable[[str], str]


def _steps(steps: Sequence[str], indent: str) -> str:
    return "".join(f"{i}. {step.replace(chr(10), chr(10) + indent)}\n" for i, step in enumerate(steps, 1))


class _Shared:
    """What every page of one render has in common: the header, and the text of each AlertRouting
    (many alerts share one), made once."""

    def __init__(self, model: Model, t: Mapping[str, str], cell: Text, code: Text) -> None:
        self.header = f"<!-- Generated by callalert from {model.source_name}. DO NOT EDIT: change the spec and run `callalert render`. -->\n"
        self.t, self.cell, self.code = t, cell, code
        self._routing: dict[int, tuple[AlertRouting, str, str, str]] = {}
        self._steps: dict[tuple[str, ...], str] = {}
        self._labels: dict[tuple[tuple[str, str], ...], str] = {}

    def owner_and_labels(self, a: Alert) -> str:
        """The "Owner" and "Labels" rows of `a`'s page (alerts of one team share them)."""
        key = tuple(a.labels.items())
        text = self._labels.get(key)
        if text is None:
            t, cell, code = self.t, self.cell, self.code
            owned = owner(a)
            labels = {k: v for k, v in a.labels.items() if k not in ("severity", "category")}
            text = f"| {t['owner']} | {cell(owned)} |\n" if owned else ""
            if labels:
                shown = ", ".join(cell(code(f'{k}="{v}"')) for k, v in labels.items())
                text += f"| {t['labels']} | {shown} |\n"
            if len(self._labels) < 4096:
                self._labels[key] = text
        return text

    def steps(self, steps: Sequence[str]) -> str:
        """_steps(steps, "   "): the same steps recur in many runbooks."""
        if not isinstance(steps, tuple):
            return _steps(steps, "   ")
        text = self._steps.get(steps)
        if text is None:
            text = self._steps[steps] = _steps(steps, "   ")
        return text

    def routing(self, routing: AlertRouting) -> tuple[str, str, str]:
        """The "Notifies" cell and the "Who is notified" list of `routing` (a page), and its "Route"
        cell (the index)."""
        known = self._routing.get(id(routing))
        if known is None or known[0] is not routing:
            t, cell, code = self.t, self.cell, self.code
            receivers = routing.receivers
            notifies = cell(", ".join(receivers)) if receivers else t["nobody"]
            out: list[str] = []
            for hop in routing.hops:
                out.append(f"- {code(hop.receiver)}: {code(hop.path)}")
                if hop.matchers:
                    out.append(f" {hop.matchers if hop.path == 'route' else code(hop.matchers)}")
                if hop.when:
                    out.append(f" ({hop.when})")
                out.append("\n")
            out.extend(f"- {line}\n" for line in routing.inhibited)
            route = "; ".join(
                f"{cell(code(hop.path))} {cell(code(hop.matchers) if hop.path != 'route' else hop.matchers)} → {cell(hop.receiver)}"
                for hop in routing.hops
            )
            known = self._routing[id(routing)] = (routing, notifies, "".join(out), route)
        return known[1], known[2], known[3]


def _page(
    model: Model, a: Alert, routing: AlertRouting, t: Mapping[str, str], cell: Text, code: Text, readable: Text, shared: _Shared
) -> str:
    """One alert's runbook, `runbooks/<alert>.md`."""
    rb = a.runbook
    title = (rb.title if rb and rb.title else None) or a.summary or a.name
    severity = model.severities.get(a.severity or "")
    notifies, hops, _ = shared.routing(routing)
    out = [
        shared.header,
        f"# Runbook: {readable(title)}\n\n| | |\n|---|---|\n",
        f"| {t['alert']} | {code(a.name)} |\n",
        f"| {t['severity']} | **{cell(a.severity or '-')}**",
    ]
    if severity and severity.response_time:
        out.append(f" ({t['respond_within']} {cell(severity.response_time)})")
    out.append(" |\n")
    if a.category:
        out.append(f"| {t['category']} | {cell(a.category)} |\n")
    out.append(shared.owner_and_labels(a))
    out.append(f"| {t['group']} | {cell(a.group)} |\n")
    out.append(f"| {t['for']} | {cell(a.for_) if a.for_ else t['immediately']} |\n")
    out.append(f"| {t['notifies']} | {notifies} |\n")
    if a.dashboard:
        out.append(f"| Dashboard | {cell(a.dashboard)} |\n")
    out.append(
        f"\n**{t['summary']}:** {readable(a.annotations.get('summary', '-'))}\n\n{readable(a.annotations.get('description', ''))}\n\n"
    )
    out.append(f"## {t['expression']}\n\n{markdown.fenced(a.expr, 'promql')}\n\n## {t['routing']}\n\n")
    out.append(hops)
    note = t["dynamic"].format(labels=", ".join(routing.dynamic), name=a.name) if routing.dynamic else t["computed"]
    out.append(f"\n_{note}_\n\n## {t['description']}\n{rb.description if rb and rb.description else t['no_description']}\n")
    if rb and rb.investigation:
        out.append(f"\n## {t['investigation']}\n{shared.steps(rb.investigation)}")
    if rb and rb.mitigation:
        out.append(f"\n## {t['mitigation']}\n{shared.steps(rb.mitigation)}")
    if rb and rb.contacts:
        contacts = "".join(f"- {c.replace(chr(10), chr(10) + '  ')}\n" for c in rb.contacts)
        out.append(f"\n## {t['contacts']}\n{contacts}")
    if rb and rb.escalation:
        escalation = f"{rb.escalation}\n" if isinstance(rb.escalation, str) else _steps(rb.escalation, "   ")
        out.append(f"\n## {t['escalation']}\n{escalation}")
    return "".join(out)


def _index(
    model: Model,
    routing: Mapping[KeyPath, AlertRouting],
    response: Mapping[str, str],
    owners: Mapping[str, str | None] | None,
    tree: str,
    t: Mapping[str, str],
    cell: Text,
    code: Text,
    shared: _Shared,
) -> str:
    """The index of every runbook, `runbooks/README.md`."""
    out = [
        shared.header,
        f"# {t['runbooks']}{': ' + cell(model.name) if model.name else ''}\n\n",
        f"| {t['alert']} | {t['severity']} | {t['category']} |{' ' + t['owner'] + ' |' if owners else ''} "
        f"{t['response_time']} | {t['notifies']} | {t['route']} | Runbook |\n",
        f"|---|---|---|{'---|' if owners else ''}---|---|---|---|\n",
    ]
    for a in model.alerts:
        owned = f" {cell(owners[a.name] or '-')} |" if owners else ""
        receivers, _, hops = shared.routing(routing[a.key])
        out.append(
            f"| {cell(a.name)} | {cell(a.severity or '-')} | {cell(a.category or '-')} |{owned} {cell(response[a.severity or ''])} "
            f"| {receivers} | {hops} | [{a.runbook_file}]({a.runbook_file}) |\n"
        )
    out.append(f"\n## {t['route_tree']}\n\n{t['route_tree_note']}\n\n```mermaid\n{tree}```\n\n")
    return "".join(out)
