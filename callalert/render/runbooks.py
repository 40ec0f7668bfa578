"""Markdown runbooks: `runbooks/<AlertName>.md` and the index `runbooks/README.md`."""

from __future__ import annotations

from callalert.model import Model
from callalert.model.builtin_templates import jinja_env

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
    },
}


def render(model: Model) -> dict[str, str]:
    env = jinja_env()
    t = STRINGS[model.locale]
    page = env.get_template("runbook.md.j2")
    files: dict[str, str] = {}
    for alert in model.alerts:
        if f"runbooks/{alert.runbook_file}" in files:
            continue  # alerts that share a name share the runbook of the first
        title = (alert.runbook.title if alert.runbook and alert.runbook.title else None) or alert.summary or alert.name
        files[f"runbooks/{alert.runbook_file}"] = page.render(
            a=alert,
            rb=alert.runbook,
            t=t,
            title=title,
            severity=model.severities.get(alert.severity or ""),
            source=model.source_name,
        )
    response = {
        name: (f"< {sev.response_time}" if sev.response_time else t["no_action"]) for name, sev in model.severities.items()
    }
    for alert in model.alerts:
        response.setdefault(alert.severity or "", "-")
    index = env.get_template("runbooks-index.md.j2")
    files["runbooks/README.md"] = index.render(
        alerts=model.alerts, t=t, response=response, name=model.name, source=model.source_name
    )
    return files
