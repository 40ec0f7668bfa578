"""Markdown runbooks: `runbooks/<AlertName>.md` and the index `runbooks/README.md`."""

from __future__ import annotations

from callalert.render.templates import jinja_env
from callalert.model.resolve import Resolved

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "alert": "Alert", "severity": "Severity", "category": "Category", "group": "Rule group",
        "expression": "Expression", "for": "For", "summary": "Summary", "description": "Description",
        "investigation": "Investigation steps", "mitigation": "Mitigation steps", "contacts": "Contacts",
        "escalation": "Escalation", "runbooks": "Runbooks", "response_time": "Response time",
        "respond_within": "respond within", "no_description": "_No description yet: add `runbook.description` to the spec._",
        "no_action": "no action",
    },
    "es": {
        "alert": "Alerta", "severity": "Severidad", "category": "Categoría", "group": "Grupo de reglas",
        "expression": "Expresión", "for": "Duración (for)", "summary": "Resumen", "description": "Descripción",
        "investigation": "Pasos de Investigación", "mitigation": "Pasos de Mitigación", "contacts": "Contactos",
        "escalation": "Escalado", "runbooks": "Runbooks", "response_time": "Tiempo de respuesta",
        "respond_within": "responder en <", "no_description": "_Sin descripción: añade `runbook.description` al spec._",
        "no_action": "N/A",
    },
}


def render(resolved: Resolved) -> dict[str, str]:
    spec = resolved.spec
    env = jinja_env()
    t = STRINGS[spec.locale]
    page = env.get_template("runbook.md.j2")
    files: dict[str, str] = {}
    for alert in resolved.alerts:
        title = (alert.runbook.title if alert.runbook and alert.runbook.title else None) or alert.spec.summary
        files[f"runbooks/{alert.runbook_file}"] = page.render(
            a=alert, rb=alert.runbook, t=t, title=title, severity=spec.severities.get(alert.severity), source=resolved.source_name
        )
    response = {
        name: (f"< {sev.response_time}" if sev.response_time else t["no_action"]) for name, sev in spec.severities.items()
    }
    for alert in resolved.alerts:
        response.setdefault(alert.severity, "-")
    index = env.get_template("runbooks-index.md.j2")
    files["runbooks/README.md"] = index.render(alerts=resolved.alerts, t=t, response=response, name=spec.name, source=resolved.source_name)
    return files
