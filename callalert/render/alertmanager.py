"""`alertmanager/alertmanager.yml` (and `alertmanager/silences.json` for `amtool silence import`)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from callalert.diagnostics import KeyPath
from callalert.render.context import RenderContext
from callalert.render.yamlout import dump, header
from callalert.model.resolve import Resolved, ResolvedRoute
from callalert.spec.v1 import SecretRef

# Field names in the spec that differ from Alertmanager's (Python keywords).
_RENAMES = {"from_": "from", "class_": "class", "continue_": "continue"}
_DOC_ONLY = {"description"}


def _secret(ctx: RenderContext, key: KeyPath, field: str, ref: SecretRef, out: dict[str, Any]) -> None:
    if ref.file is not None:
        out[f"{field}_file"] = ref.file
        return
    assert ref.env is not None
    if ctx.secrets != "env":
        ctx.pending.append(
            (key, f"secret comes from environment variable {ref.env}; it is resolved only with `--secrets=env` "
                  f"(or use {{file: PATH}} so Alertmanager reads it at runtime)", "secret-env"),
        )
        return
    value = ctx.environ.get(ref.env)
    if value is None or value == "":
        ctx.pending.append((key, f"environment variable {ref.env} is not set (needed by --secrets=env)", "secret-env"))
        return
    ctx.secret_values.add(value)
    ctx.secret_fields.add(field)
    out[field] = value


def _plain(model: BaseModel, ctx: RenderContext, key: KeyPath, *, doc_only: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A config model as Alertmanager's mapping: unset fields dropped, secrets as *_file."""
    out: dict[str, Any] = {}
    names = list(type(model).model_fields)
    if "send_resolved" in names:  # Alertmanager's docs list it first of the options, people write it last
        names.remove("send_resolved")
        names.append("send_resolved")
    for name in names:
        if name in doc_only:
            continue
        value = getattr(model, name)
        if value is None:
            continue
        field = _RENAMES.get(name, name)
        fkey = (*key, field)
        if isinstance(value, SecretRef):
            _secret(ctx, fkey, field, value, out)
        elif isinstance(value, BaseModel):
            out[field] = _plain(value, ctx, fkey)
        elif isinstance(value, list):
            out[field] = [_plain(v, ctx, (*fkey, i)) if isinstance(v, BaseModel) else v for i, v in enumerate(value)]
        elif isinstance(value, dict):
            out[field] = dict(value)
        else:
            out[field] = value
    return out


def _route(rr: ResolvedRoute) -> dict[str, Any]:
    r = rr.route
    out: dict[str, Any] = {}
    if r.receiver is not None:
        out["receiver"] = r.receiver
    if r.matchers:
        out["matchers"] = list(r.matchers)
    if r.continue_:
        out["continue"] = True
    for name in ("group_by", "group_wait", "group_interval", "repeat_interval", "mute_time_intervals", "active_time_intervals"):
        value = getattr(r, name)
        if value is not None:
            out[name] = list(value) if isinstance(value, list) else value
    if rr.children:
        out["routes"] = [_route(c) for c in rr.children]
    return out


def config_data(resolved: Resolved, ctx: RenderContext) -> dict[str, Any]:
    spec = resolved.spec
    defaults = spec.defaults
    glob: dict[str, Any] = {"resolve_timeout": defaults.resolve_timeout}
    if spec.global_ is not None:
        g = spec.global_
        if g.smtp is not None:
            for name, value in _plain(g.smtp, ctx, ("global", "smtp")).items():
                glob[f"smtp_{name}"] = value
        rest = _plain(g, ctx, ("global",))
        rest.pop("smtp", None)
        glob.update(rest)

    route: dict[str, Any] = {
        "receiver": spec.routing.receiver,
        "group_by": list(spec.routing.group_by if spec.routing.group_by is not None else defaults.group_by),
        "group_wait": defaults.group_wait,
        "group_interval": defaults.group_interval,
        "repeat_interval": defaults.repeat_interval,
    }
    if resolved.routes:
        route["routes"] = [_route(rr) for rr in resolved.routes]

    receivers = []
    for name, receiver in spec.receivers.items():
        entry: dict[str, Any] = {"name": name}
        entry.update(_plain(receiver, ctx, ("receivers", name), doc_only=frozenset(_DOC_ONLY)))
        receivers.append(entry)

    data: dict[str, Any] = {"global": glob, "route": route}
    if spec.inhibit_rules:
        rules = []
        for rule in spec.inhibit_rules:
            item: dict[str, Any] = {}
            if rule.source_matchers:
                item["source_matchers"] = list(rule.source_matchers)
            if rule.target_matchers:
                item["target_matchers"] = list(rule.target_matchers)
            if rule.equal:
                item["equal"] = list(rule.equal)
            rules.append(item)
        data["inhibit_rules"] = rules
    data["receivers"] = receivers
    if spec.time_intervals:
        data["time_intervals"] = [
            {"name": ti.name, "time_intervals": [_plain(t, ctx, ("time_intervals", i, "time_intervals", j)) for j, t in enumerate(ti.time_intervals)]}
            for i, ti in enumerate(spec.time_intervals)
        ]
    data["templates"] = ["templates/*.tmpl"]
    return data


def silences_data(resolved: Resolved) -> list[dict[str, Any]]:
    from callalert.analysis.alertmanager.matchers import parse_matcher

    out = []
    for silence in resolved.spec.silences:
        matchers = []
        for text in silence.matchers:
            m = parse_matcher(text)
            matchers.append({"name": m.name, "value": m.value, "isRegex": m.op in ("=~", "!~"), "isEqual": m.op in ("=", "=~")})
        out.append(
            {
                "matchers": matchers,
                "startsAt": silence.starts_at.isoformat().replace("+00:00", "Z"),
                "endsAt": silence.ends_at.isoformat().replace("+00:00", "Z"),
                "createdBy": silence.created_by,
                "comment": silence.comment,
            }
        )
    return out


def render(resolved: Resolved, ctx: RenderContext) -> dict[str, str]:
    data = config_data(resolved, ctx)
    ctx.fail_if_pending()
    files = {"alertmanager/alertmanager.yml": header(resolved.source_name) + dump(data)}
    if resolved.spec.silences:
        files["alertmanager/silences.json"] = json.dumps(silences_data(resolved), indent=2, ensure_ascii=False) + "\n"
    return files
