"""Grafana Mimir (and Cortex): ruler namespace files and the tenant's Alertmanager configuration.

- `mimir/rules/<namespace>.yaml`: `namespace:` + `groups:` (Prometheus' rule groups), the shape
  `mimirtool rules load` reads (pkg/mimirtool/rules: RuleNamespace; unknown keys refused). One
  namespace for the whole spec, or one per team.
- `mimir/alertmanager/alertmanager.yml` + the templates beside it, bare-named: what
  `mimirtool alertmanager load alertmanager.yml *.tmpl` takes when run in that folder (it keys
  each template by the path given, and Mimir refuses a template name with a path in it).
- `mimir/alertmanager-tenant.yaml`: the same as the API stores it, `template_files:` (name →
  text) + `alertmanager_config:` (the configuration as a string): the body of
  `POST /api/v1/alerts` (pkg/alertmanager/api.go: UserConfig).

Mimir's Alertmanager refuses every `*_file` option in a tenant configuration (it must not read
the tenant's files), TLS files included: secrets are values, so only `{env:}` secrets rendered
with `--secrets=env`; a `{file:}` secret is reported, not written.
"""

from __future__ import annotations

import re
from typing import Any

from callalert import diagnostics as d
from callalert.diagnostics import KeyPath
from callalert.model import MimirTarget, Model, Secret
from callalert.model.builtin_templates import builtin_templates
from callalert.render.alertmanager import config_data, inline_env, intent
from callalert.render.context import MIMIR_CONFIG, MIMIR_TENANT, RenderContext
from callalert.render.prometheus import group_data
from callalert.render.teams import groups_by_team
from callalert.render.yamlout import dump, header

CONFIG, TENANT = MIMIR_CONFIG, MIMIR_TENANT
TLS_FILES = ("ca_file", "cert_file", "key_file")


def namespace_name(model: Model, target: MimirTarget) -> str:
    return target.namespace or model.name or "callalert"


def _file_name(namespace: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", namespace).strip(".-")
    return (safe or "rules") + ".yaml"


def rule_namespaces(model: Model, ctx: RenderContext, target: MimirTarget) -> dict[str, list[dict[str, Any]]]:
    """Ruler namespace → its rule groups (as Prometheus writes them), in spec order."""
    spec_wide = namespace_name(model, target)
    if target.split == "team":
        by_team = groups_by_team(model, target.team_label, ctx, spec_wide)
    else:
        by_team = {spec_wide: list(model.groups)} if model.groups else {}
    return {ns: [group_data(g) for g in groups] for ns, groups in by_team.items()}


def _secret(ctx: RenderContext, key: KeyPath, field: str, ref: Secret, out: dict[str, Any]) -> None:
    if ref.file is not None:
        option = f"smtp_{field}" if key[:2] == ("global", "smtp") else field
        ctx.fail(
            key,
            f"Mimir's Alertmanager refuses `{option}_file` (a tenant configuration may not read files), so "
            f"{{file: {ref.file}}} cannot be written; give this secret as {{env: NAME}} and render with --secrets=env",
            d.TARGET_UNSUPPORTED,
        )
        return
    inline_env(ctx, key, field, ref, out)


def _tls_files(data: Any, key: KeyPath, ctx: RenderContext) -> None:
    """Report TLS certificate files, which Mimir refuses in a tenant configuration."""
    if isinstance(data, dict):
        for name, value in data.items():
            if name == "tls_config" and isinstance(value, dict):
                for f in TLS_FILES:
                    if f in value:
                        ctx.fail(
                            (*key, name, f),
                            f"Mimir's Alertmanager refuses TLS files in a tenant configuration (tls_config.{f}); "
                            "keep this receiver on an Alertmanager you run yourself",
                            d.TARGET_UNSUPPORTED,
                        )
            else:
                _tls_files(value, (*key, name), ctx)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _tls_files(value, (*key, i), ctx)


def template_files(model: Model) -> dict[str, str]:
    files = dict(builtin_templates(model))
    files.update({tf.name: tf.text for tf in model.templates.files})
    return dict(sorted(files.items()))


def render(model: Model, ctx: RenderContext, target: MimirTarget) -> dict[str, str]:
    head = header(model.source_name)
    files: dict[str, str] = {}
    for namespace, groups in rule_namespaces(model, ctx, target).items():
        files[f"mimir/rules/{_file_name(namespace)}"] = head + dump({"namespace": namespace, "groups": groups})
    if not target.alertmanager:
        return files
    if model.tracing is not None:
        ctx.fail(
            ("tracing",),
            "Mimir runs each tenant's Alertmanager inside its own process and traces it with its own settings, so a "
            "tenant configuration's `tracing` would not be applied; leave it out of the spec for this target",
            d.TARGET_UNSUPPORTED,
        )
    templates = template_files(model)
    data = config_data(model, ctx, _secret, templates=list(templates))
    for receiver in model.receivers.values():
        _tls_files(dict(receiver.config), receiver.key, ctx)
    _tls_files({k: v for k, v in model.global_.items() if k == "http_config"}, ("global",), ctx)
    if "smtp_tls_config" in model.global_:
        _tls_files({"tls_config": model.global_["smtp_tls_config"]}, ("global", "smtp"), ctx)
    config = head + intent(model) + dump(data)
    files[CONFIG] = config
    for name, text in templates.items():
        files[f"mimir/alertmanager/{name}"] = text
    tenant_note = (
        "# The tenant's Alertmanager configuration as Mimir's API takes it:\n"
        "#   curl -X POST -H 'X-Scope-OrgID: <tenant>' --data-binary @alertmanager-tenant.yaml <mimir>/api/v1/alerts\n"
    )
    files[TENANT] = head + tenant_note + dump({"template_files": templates, "alertmanager_config": config})
    return files
