"""Markdown runbooks: `runbooks/<AlertName>.md` and the index `runbooks/README.md`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from callalert.analysis.alertmanager.inhibit import InhibitRule, build_inhibit_rules
from callalert.analysis.alertmanager.routing import Route, build_route_tree, match_routes
from callalert.model import Alert, Model
from callalert.model.builtin_templates import jinja_env
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

    @property
    def receivers(self) -> list[str]:
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


def alert_routing(alert: Alert, root: Route, inhibit: Sequence[InhibitRule], t: Mapping[str, str]) -> AlertRouting:
    """Where Alertmanager sends `alert`, from its own labels (alertname and the rule's labels)."""
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
    routed_on = {m.name for node in root.walk() for m in node.matchers}
    dynamic = tuple(sorted(name for name in routed_on if name not in labels))
    return AlertRouting(hops, tuple(inhibited), dynamic)


def owner(alert: Alert) -> str | None:
    for name in OWNER_LABELS:
        if name in alert.labels:
            return alert.labels[name]
    return None


def render(model: Model) -> dict[str, str]:
    env = jinja_env()
    t = STRINGS[model.locale]
    page = env.get_template("runbook.md.j2")
    data = routing_data(model)
    root = build_route_tree(data, model.am_version)
    inhibit = build_inhibit_rules(data["inhibit_rules"], model.am_version)
    md = {"cell": markdown.cell, "code": markdown.code, "fenced": markdown.fenced, "readable": markdown.readable}
    routing = {alert.key: alert_routing(alert, root, inhibit, t) for alert in model.alerts}
    files: dict[str, str] = {}
    for alert in model.alerts:
        if f"runbooks/{alert.runbook_file}" in files:
            continue  # alerts that share a name share the runbook of the first
        title = (alert.runbook.title if alert.runbook and alert.runbook.title else None) or alert.summary or alert.name
        own = {k: v for k, v in alert.labels.items() if k not in ("severity", "category")}
        files[f"runbooks/{alert.runbook_file}"] = page.render(
            a=alert,
            rb=alert.runbook,
            t=t,
            title=markdown.readable(title),
            severity=model.severities.get(alert.severity or ""),
            source=model.source_name,
            owner=owner(alert),
            labels=own,
            routing=routing[alert.key],
            **md,
        )
    response = {
        name: (f"< {sev.response_time}" if sev.response_time else t["no_action"]) for name, sev in model.severities.items()
    }
    for alert in model.alerts:
        response.setdefault(alert.severity or "", "-")
    owners = {alert.name: owner(alert) for alert in model.alerts}
    taken: dict[str, list[str]] = {}
    for alert in model.alerts:
        for hop in routing[alert.key].hops:
            names = taken.setdefault(hop.path, [])
            if alert.name not in names:
                names.append(alert.name)
    notes = {
        path: [
            f"{t['alerts']}: {', '.join(names[:ALERTS_PER_ROUTE])}"
            + (f" (+{len(names) - ALERTS_PER_ROUTE} {t['more']})" if len(names) > ALERTS_PER_ROUTE else "")
        ]
        for path, names in taken.items()
    }
    tree = routetree.mermaid(routetree.tree_view(root, notes=notes))
    index = env.get_template("runbooks-index.md.j2")
    files["runbooks/README.md"] = index.render(
        alerts=model.alerts,
        t=t,
        response=response,
        name=model.name,
        source=model.source_name,
        owners=owners if any(owners.values()) else None,
        routing=routing,
        tree=tree,
        **md,
    )
    return files
