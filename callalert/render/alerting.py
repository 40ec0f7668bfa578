"""The Prometheus side of a (highly available) Alertmanager: `prometheus/alerting.yml`.

Written only when render is given the Alertmanager peers (`--alertmanager-url`, `--cluster`): the
rule files (relative to this file, as Prometheus resolves `rule_files`), the spec's external labels
and `alerting.alertmanagers` listing every peer, so Prometheus sends every alert to every peer (the
peers then notify once between them). It is a complete Prometheus configuration without scrape
configurations: run Prometheus with it, or copy its keys into your prometheus.yml.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from callalert.model import Model
from callalert.render.yamlout import dump, header

PATH = "prometheus/alerting.yml"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def alertmanagers(urls: Sequence[str]) -> list[dict[str, Any]]:
    """One `alertmanagers` entry per scheme and path prefix (in the order first seen), each with
    its peers as `host:port` targets (a port always written: Prometheus needs one)."""
    entries: dict[tuple[str, str], list[str]] = {}
    for url in urls:
        parts = urlsplit(url)
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        target = f"{host}:{parts.port or _DEFAULT_PORTS[parts.scheme]}"
        targets = entries.setdefault((parts.scheme, parts.path.rstrip("/")), [])
        if target not in targets:
            targets.append(target)
    found: list[dict[str, Any]] = []
    for (scheme, prefix), targets in entries.items():
        entry: dict[str, Any] = {"scheme": scheme}
        if prefix:
            entry["path_prefix"] = prefix
        entry["static_configs"] = [{"targets": targets}]
        found.append(entry)
    return found


def render(model: Model, urls: Sequence[str]) -> dict[str, str]:
    if not urls:
        return {}
    data: dict[str, Any] = {}
    if model.defaults.external_labels:
        data["global"] = {"external_labels": dict(model.defaults.external_labels)}
    data["rule_files"] = [f"rules/{group.file_name}" for group in model.groups]
    data["alerting"] = {"alertmanagers": alertmanagers(urls)}
    note = (
        "# Prometheus sends every alert to every Alertmanager peer listed here; the peers notify once between them.\n"
        "# Run Prometheus with this file plus your scrape_configs, or copy its keys into your prometheus.yml.\n"
    )
    return {PATH: header(model.source_name) + note + dump(data)}
