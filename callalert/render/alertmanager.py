"""`alertmanager/alertmanager.yml` (silences.json is render/silences.py)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from callalert.diagnostics import KeyPath
from callalert.model import Model, Receiver, Route, Secret, TimeInterval
from callalert.render.context import RenderContext
from callalert.render.yamlout import dump, header

# How a renderer writes one secret reference: (ctx, key path, field name, reference, mapping to fill).
SecretWriter = Callable[[RenderContext, KeyPath, str, Secret, dict[str, Any]], None]


def _secret(ctx: RenderContext, key: KeyPath, field: str, ref: Secret, out: dict[str, Any]) -> None:
    if ref.file is not None:
        out[f"{field}_file"] = ref.file
        return
    inline_env(ctx, key, field, ref, out)


def inline_env(ctx: RenderContext, key: KeyPath, field: str, ref: Secret, out: dict[str, Any]) -> None:
    """An {env: NAME} secret written as its value (only with --secrets=env)."""
    assert ref.env is not None
    if ctx.secrets != "env":
        ctx.fail(
            key,
            f"secret comes from environment variable {ref.env}; it is resolved only with `--secrets=env` "
            f"(or use {{file: PATH}} so Alertmanager reads it at runtime)",
        )
        return
    value = ctx.environ.get(ref.env)
    if value is None or value == "":
        ctx.fail(key, f"environment variable {ref.env} is not set (needed by --secrets=env)")
        return
    ctx.secret_values.add(value)
    ctx.secret_fields.add(field)
    out[field] = value


def plain(data: Mapping[str, Any], ctx: RenderContext, key: KeyPath, secret: SecretWriter = _secret) -> dict[str, Any]:
    """A model mapping as Alertmanager reads it: secrets as `*_file` (or inline with --secrets=env)."""
    out: dict[str, Any] = {}
    for field, value in data.items():
        fkey = (*key, field)
        if isinstance(value, Secret):
            secret(ctx, fkey, field, value, out)
        elif isinstance(value, Mapping):
            out[field] = plain(value, ctx, fkey, secret)
        elif isinstance(value, list):
            out[field] = [plain(v, ctx, (*fkey, i), secret) if isinstance(v, Mapping) else v for i, v in enumerate(value)]
        else:
            out[field] = value
    return out


def _smtp(name: str, value: Any, ctx: RenderContext, secret: SecretWriter) -> dict[str, Any]:
    return {f"smtp_{k}": v for k, v in plain({name[5:]: value}, ctx, ("global", "smtp"), secret).items()}


def _route(route: Route) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if route.receiver is not None:
        out["receiver"] = route.receiver
    if route.matchers:
        out["matchers"] = list(route.matchers)
    if route.continue_:
        out["continue"] = True
    for name in ("group_by", "group_wait", "group_interval", "repeat_interval", "mute_time_intervals", "active_time_intervals"):
        value = getattr(route, name)
        if value is not None:
            out[name] = list(value) if isinstance(value, tuple) else value
    if route.labels is not None:
        out["labels"] = dict(route.labels)
    if route.routes:
        out["routes"] = [_route(c) for c in route.routes]
    return out


def route_data(model: Model) -> dict[str, Any]:
    """The root route of alertmanager.yml, with its subtree."""
    defaults = model.defaults
    route: dict[str, Any] = {
        "receiver": model.routing.receiver,
        "group_by": list(model.routing.group_by),
        "group_wait": defaults.group_wait,
        "group_interval": defaults.group_interval,
        "repeat_interval": defaults.repeat_interval,
    }
    if model.routing.routes:
        route["routes"] = [_route(r) for r in model.routing.routes]
    return route


def inhibit_data(model: Model) -> list[dict[str, Any]]:
    rules = []
    for rule in model.inhibit_rules:
        item: dict[str, Any] = {}
        if rule.name is not None:
            item["name"] = rule.name
        if rule.source_matchers:
            item["source_matchers"] = list(rule.source_matchers)
        if rule.target_matchers:
            item["target_matchers"] = list(rule.target_matchers)
        if rule.equal:
            item["equal"] = list(rule.equal)
        rules.append(item)
    return rules


def routing_data(model: Model) -> dict[str, Any]:
    """The parts of alertmanager.yml that decide where an alert goes (route, inhibit rules, time
    intervals): no receiver settings, so no secrets are needed to build it."""
    data: dict[str, Any] = {"route": route_data(model), "inhibit_rules": inhibit_data(model)}
    data["time_intervals"] = [
        {"name": ti.name, "time_intervals": [dict(t) for t in ti.time_intervals]} for ti in model.time_intervals
    ]
    return data


def global_data(model: Model, ctx: RenderContext, secret: SecretWriter = _secret) -> dict[str, Any]:
    glob: dict[str, Any] = {}
    for name, value in model.global_.items():  # smtp_* options sit under `smtp:` in the spec
        glob.update(
            _smtp(name, value, ctx, secret) if name.startswith("smtp_") else plain({name: value}, ctx, ("global",), secret)
        )
    return glob


def receiver_data(receiver: Receiver, ctx: RenderContext, secret: SecretWriter = _secret) -> dict[str, Any]:
    return {"name": receiver.name, **plain(receiver.config, ctx, receiver.key, secret)}


def time_interval_data(ti: TimeInterval, ctx: RenderContext, secret: SecretWriter = _secret) -> dict[str, Any]:
    return {
        "name": ti.name,
        "time_intervals": [plain(t, ctx, (*ti.key, "time_intervals", j), secret) for j, t in enumerate(ti.time_intervals)],
    }


def config_data(
    model: Model,
    ctx: RenderContext,
    secret: SecretWriter = _secret,
    templates: Sequence[str] = ("templates/*.tmpl",),
    receivers: Collection[str] | None = None,
    time_intervals: Collection[str] | None = None,
) -> dict[str, Any]:
    """alertmanager.yml as data; `secret` writes each secret reference, `templates` is the
    `templates:` list (where the deployment finds the .tmpl files); `receivers` and
    `time_intervals` pick the ones it holds by name (default: all)."""
    receivers_ = [receiver_data(r, ctx, secret) for r in model.receivers.values() if receivers is None or r.name in receivers]
    data: dict[str, Any] = {"global": global_data(model, ctx, secret), "route": route_data(model)}
    if model.inhibit_rules:
        data["inhibit_rules"] = inhibit_data(model)
    data["receivers"] = receivers_
    intervals = [
        time_interval_data(ti, ctx, secret) for ti in model.time_intervals if time_intervals is None or ti.name in time_intervals
    ]
    if intervals:
        data["time_intervals"] = intervals
    data["templates"] = list(templates)
    if model.tracing is not None:
        data["tracing"] = plain(model.tracing, ctx, ("tracing",), secret)
    return data


def render(model: Model, ctx: RenderContext) -> dict[str, str]:
    data = config_data(model, ctx)
    ctx.raise_if_failed()
    return {"alertmanager/alertmanager.yml": header(model.source_name) + intent(model) + dump(data)}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def intent(model: Model) -> str:
    """The spec's descriptions of receivers and inhibit rules, which alertmanager.yml has no field
    for, as comments at the top: the deployed file keeps why each part exists."""
    lines = [f"#   {r.name}: {_one_line(r.description)}" for r in model.receivers.values() if r.description]
    out = ("# receivers:\n" + "\n".join(lines) + "\n") if lines else ""
    rules = [f"#   [{i}]: {_one_line(r.description)}" for i, r in enumerate(model.inhibit_rules) if r.description]
    out += ("# inhibit_rules:\n" + "\n".join(rules) + "\n") if rules else ""
    return out
