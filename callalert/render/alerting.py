"""`prometheus/alerting.yml`: the part of prometheus.yml that loads the rule files and sends the
alerts to every Alertmanager peer (`rule_files` + `alerting.alertmanagers`).

It is a complete prometheus.yml on its own (Prometheus needs no scrape job to evaluate rules), so
`prometheus --config.file=prometheus/alerting.yml` runs it as written; usually it is merged into
the prometheus.yml that holds the scrape jobs.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from callalert import diagnostics as d
from callalert.model import Model, PrometheusTarget
from callalert.render.context import RenderContext
from callalert.render.yamlout import dump, header

PATH = "prometheus/alerting.yml"
_HOST_PORT = re.compile(r"^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$")


def rule_files(model: Model, rules_dir: str) -> list[str]:
    return list(dict.fromkeys(posixpath.join(rules_dir, group.file_name) for group in model.groups))


def render(model: Model, ctx: RenderContext, target: PrometheusTarget) -> dict[str, str]:
    assert target.alerting is not None
    options = target.alerting
    base = target.key or ("outputs",)
    for i, peer in enumerate(options.alertmanagers):
        if not _HOST_PORT.match(peer):
            ctx.fail(
                (*base, "alerting", "alertmanagers", i),
                f"{peer!r} is not host:port; Prometheus' static targets are host:port (the scheme is `scheme:`, a path "
                "`path_prefix:`)",
                d.TARGET_OPTION,
            )
    manager: dict[str, Any] = {}
    if options.scheme is not None:
        manager["scheme"] = options.scheme
    if options.path_prefix is not None:
        manager["path_prefix"] = options.path_prefix
    if options.timeout is not None:
        manager["timeout"] = options.timeout
    manager["static_configs"] = [{"targets": list(options.alertmanagers)}]
    data = {"rule_files": rule_files(model, options.rules_dir.rstrip("/") or "/"), "alerting": {"alertmanagers": [manager]}}
    note = (
        "# Merge into prometheus.yml: Prometheus loads these rule files and sends every alert to each Alertmanager\n"
        "# below (the peers of one cluster deduplicate the notifications).\n"
    )
    return {PATH: header(model.source_name) + note + dump(data)}
