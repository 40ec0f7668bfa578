"""An Alertmanager configuration → the spec's `defaults` (root timings), `global`, `receivers`,
`routing` (the route tree, written explicitly), `inhibit_rules` and `time_intervals`.

`match`, `match_re`, `source_match*` and `target_match*` become `matchers`; every matcher is
written in the one form both of Alertmanager's parsers read alike (`name="value"`). Receivers,
`global` and `http_config` are mapped key by key onto the spec's own models (fields.py): a
literal secret becomes a reference (secrets.py), a key the spec has no field for is reported.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from callalert import diagnostics as d
from callalert.analysis.alertmanager.matchers import MatcherError, format_matcher, parse_matchers
from callalert.analysis.versions import am_feature, am_go, am_matcher_mode, secret_file_feature
from callalert.importer.build import Built
from callalert.importer.fields import FieldKind, fields
from callalert.importer.nodes import Y
from callalert.importer.secrets import SecretStore
from callalert.spec import v1
from callalert.spec.v1 import duration_seconds
from callalert.validate.secrets import literal_secret_reason

K8S_SECRET_TAG = "!callalert/k8s-secret"  # a node standing for a Kubernetes Secret key (AlertmanagerConfig)

TOP_KEYS = ("global", "route", "receivers", "inhibit_rules", "templates", "time_intervals", "mute_time_intervals", "tracing")
ROUTE_KEYS = (
    "receiver",
    "group_by",
    "continue",
    "match",
    "match_re",
    "matchers",
    "group_wait",
    "group_interval",
    "repeat_interval",
    "mute_time_intervals",
    "active_time_intervals",
    "routes",
)
SPEC_TIMING_DEFAULTS = {"group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h"}


class AMImport:
    def __init__(self, out: Built, store: SecretStore, k8s_secrets: dict[tuple[str, str], dict[str, Any]], target: str) -> None:
        self.out = out
        self.store = store
        self.k8s_secrets = k8s_secrets
        self.mode = am_matcher_mode(target)
        self.legacy: list[Y] = []  # match/match_re/source_match*/target_match* met (one note for all)
        self.go = am_go(target)

    # --- top level ------------------------------------------------------------------------

    def run(self, config: Y, descriptions: tuple[dict[str, str], dict[int, str]] = ({}, {})) -> None:
        out = self.out
        if not config.is_map:
            out.loss(config, "an Alertmanager configuration must be a mapping", at_key=False)
            return
        for key, value in config.items():
            if key not in TOP_KEYS:
                out.loss(value, f"the spec cannot express Alertmanager's top-level `{key}`")
        tracing = config.get("tracing")
        if tracing is not None and tracing.is_map:
            out.at(("tracing",), tracing)
            out.spec["tracing"] = self.model(tracing, v1.Tracing, ("tracing",), "tracing", "tracing")
        glob = config.get("global")
        if glob is not None and glob.is_map:
            self.global_(glob)
        route = config.get("route")
        if route is not None and route.is_map:
            self.root_route(route)
        receivers = config.get("receivers")
        spec_receivers: dict[str, Any] = {}
        for ry in receivers if receivers is not None else []:
            name_y = ry.get("name")
            name = name_y.text() if name_y is not None else ""
            receiver = self.receiver(ry, name)
            if name in descriptions[0]:
                receiver = {"description": descriptions[0][name], **receiver}
            spec_receivers[name] = receiver
            out.at(("receivers", name), ry)
        out.spec["receivers"] = spec_receivers
        rules = config.get("inhibit_rules")
        if rules is not None and len(rules):
            out.spec["inhibit_rules"] = [self.inhibit_rule(iy, i) for i, iy in enumerate(rules)]
            for i, rule in enumerate(out.spec["inhibit_rules"]):
                if i in descriptions[1]:
                    rule["description"] = descriptions[1][i]
        intervals: list[dict[str, Any]] = []
        for key in ("mute_time_intervals", "time_intervals"):
            found = config.get(key)
            for ty in found if found is not None else []:
                intervals.append(self.time_interval(ty, len(intervals)))
        if intervals:
            out.spec["time_intervals"] = intervals
        if self.legacy:
            out.note(
                self.legacy[0],
                f"{len(self.legacy)} deprecated `match`/`match_re` (routes) or `source_match*`/`target_match*` (inhibit "
                "rules) written as `matchers` (this is the first)",
            )

    # --- global -----------------------------------------------------------------------------

    def global_(self, gy: Y) -> None:
        out = self.out
        spec_global: dict[str, Any] = {}
        smtp: dict[str, Any] = {}
        smtp_fields = fields(v1.SMTP)
        global_fields = fields(v1.Global)
        for key, value in gy.items():
            if key == "resolve_timeout":
                if _seconds(value.text()) != _seconds("5m"):
                    out.spec.setdefault("defaults", {})["resolve_timeout"] = value.text()
                    out.at(("defaults", "resolve_timeout"), value)
                continue
            if key.startswith("smtp_"):
                self.field(smtp, key[5:], value, smtp_fields, ("global", "smtp"), "global", f"global.{key}", prefix="smtp_")
                continue
            self.field(spec_global, key, value, global_fields, ("global",), "global", f"global.{key}")
        if smtp:
            spec_global = {"smtp": smtp, **spec_global}
        if spec_global:
            out.spec["global"] = spec_global

    # --- fields by the spec's models ------------------------------------------------------------

    def field(
        self,
        target: dict[str, Any],
        key: str,
        value: Y,
        known: dict[str, FieldKind],
        spec_key: tuple[str | int, ...],
        section: str,
        what: str,
        prefix: str = "",
    ) -> None:
        """Put the input's `key: value` into `target` (a spec mapping of kind `known`)."""
        out = self.out
        if value.is_null:
            return
        kind = known.get(key)
        name = key
        from_file = False
        if kind is None and key.endswith("_file") and known.get(key[:-5]) is not None:
            base_kind = known[key[:-5]]
            if base_kind.kind in ("secret", "str_or_secret"):
                name, kind, from_file = key[:-5], base_kind, True
        if kind is None:
            out.loss(value, f"the spec has no `{key}` for {section} (it cannot carry it)")
            return
        path = (*spec_key, name)
        out.at(path, value)
        if from_file:
            target[name] = {"file": value.text()}
            return
        converted = self.value(value, kind, path, section, what, prefix + key)
        if converted is not None:
            target[name] = converted

    def value(self, y: Y, kind: FieldKind, path: tuple[str | int, ...], section: str, what: str, field: str) -> Any:
        out = self.out
        if kind.kind in ("secret", "str_or_secret"):
            if not y.is_scalar:
                out.loss(y, f"{what} must be a string", at_key=False)
                return None
            if kind.kind == "str_or_secret" and y.node.tag != K8S_SECRET_TAG and literal_secret_reason(y.text()) is None:
                return y.text()
            return self.secret(y, path, what)
        if kind.kind == "str":
            if not y.is_scalar:
                out.loss(y, f"{what} must be a string", at_key=False)
                return None
            if y.node.tag == K8S_SECRET_TAG:
                out.loss(y, f"{what} comes from a Kubernetes Secret, and the spec cannot read this field from a file")
                return None
            reason = literal_secret_reason(y.text())
            if reason is not None:
                self.out.add(
                    y.pos(),
                    f"{what} is {reason}, and the spec cannot take this field from a file: move the credential out of "
                    "the value (e.g. into http_config)",
                    d.IMPORT_SECRET,
                    key=y.where,
                )
                return None
            return y.text()
        if kind.kind in ("bool", "int", "float", "any"):
            return y.typed()
        if kind.kind == "model":
            assert kind.model is not None
            if not y.is_map:
                out.loss(y, f"{what} must be a mapping", at_key=False)
                return None
            return self.model(y, kind.model, path, section, what)
        if kind.kind == "list":
            assert kind.item is not None
            if not y.is_list:
                if kind.item.kind == "str" and y.is_scalar:  # a string where a list of them fits (`to: a@b`)
                    return [y.text()]
                out.loss(y, f"{what} must be a list", at_key=False)
                return None
            items = []
            for i, item in enumerate(y):
                converted = self.value(item, kind.item, (*path, i), section, f"{what}[{i}]", field)
                if converted is not None:
                    items.append(converted)
            return items
        if kind.kind == "dict":
            assert kind.item is not None
            if not y.is_map:
                out.loss(y, f"{what} must be a mapping", at_key=False)
                return None
            found: dict[str, Any] = {}
            for k, v in y.items():
                converted = self.value(v, kind.item, (*path, k), section, f"{what}.{k}", field)
                if converted is not None:
                    found[k] = converted
            return found
        return y.typed()

    def model(self, y: Y, model: type[BaseModel], path: tuple[str | int, ...], section: str, what: str) -> dict[str, Any]:
        known = fields(model)
        data: dict[str, Any] = {}
        for key, value in y.items():
            self.field(data, key, value, known, path, section, f"{what}.{key}")
        return data

    def secret(self, y: Y, path: tuple[str | int, ...], what: str) -> dict[str, str]:
        """The reference for the secret at spec path `path`: a file where the target Alertmanager
        has the `*_file` variant (raising the target to the release that added it), else an
        environment variable."""
        section, dotted = _am_field(path)
        feature = secret_file_feature(section, dotted)
        if feature is not None:
            self.out.need(
                "alertmanager",
                f"{feature.since.major}.{feature.since.minor}",
                f"{section} `{dotted}_file` (the secret is read from a file)",
                y.pos(),
            )
        env = feature is None
        if y.node.tag == K8S_SECRET_TAG:
            namespace, name, key = y.text().split("\x00")
            found = self.k8s_secrets.get((namespace, name), {}).get(key)
            hint = f"{namespace}-{name}-{key}"
            if found is None:
                missing = f"key {key!r} of the Kubernetes Secret {namespace}/{name}"
                return self.store.add(y, what, hint, None, env=env, missing=missing)
            return self.store.add(y, what, hint, found.value, env=env)
        return self.store.add(y, what, _hint(path), y.text(), env=env)

    # --- receivers ------------------------------------------------------------------------------

    def receiver(self, ry: Y, name: str) -> dict[str, Any]:
        out = self.out
        known = fields(v1.Receiver)
        data: dict[str, Any] = {}
        for key, value in ry.items():
            if key == "name":
                continue
            kind = known.get(key)
            if kind is None or not key.endswith("_configs"):
                out.loss(value, f"the spec has no receiver type `{key}` yet (receiver {name!r})")
                continue
            if value.is_null or not len(value):
                continue
            path = ("receivers", name, key)
            out.at(path, value)
            configs = []
            for i, cy in enumerate(value):
                assert kind.item is not None and kind.item.model is not None
                cfg = self.model(cy, kind.item.model, (*path, i), key, f"receivers[{name}].{key}[{i}]")
                configs.append(cfg)
            data[key] = configs
        return data

    # --- routes ---------------------------------------------------------------------------------

    def root_route(self, ry: Y) -> None:
        out = self.out
        routing: dict[str, Any] = {}
        receiver = ry.get("receiver")
        if receiver is not None and receiver.text() != v1.Routing.model_fields["receiver"].default:
            routing["receiver"] = receiver.text()
            out.at(("routing", "receiver"), receiver)
        defaults = out.spec.setdefault("defaults", {})
        group_by = ry.get("group_by")
        labels = [item.text() for item in group_by] if group_by is not None and group_by.is_list else []
        if labels != ["alertname"]:
            defaults["group_by"] = labels
            if group_by is not None:
                out.at(("defaults", "group_by"), group_by)
        for key, default in SPEC_TIMING_DEFAULTS.items():
            value = ry.get(key)
            if value is not None and not value.is_null and _seconds(value.text()) != _seconds(default):
                defaults[key] = value.text()
                out.at(("defaults", key), value)
        for key, value in ry.items():
            if key not in ROUTE_KEYS:
                out.loss(value, f"the spec cannot express a route's `{key}`")
        children = ry.get("routes")
        routing["routes"] = [self.route(cy, ("routing", "routes", i)) for i, cy in enumerate(children or [])]
        out.spec["routing"] = routing

    def route(self, ry: Y, path: tuple[str | int, ...]) -> dict[str, Any]:
        out = self.out
        out.at(path, ry)
        route: dict[str, Any] = {}
        matchers = self.matchers(ry, "")
        if matchers:
            route["matchers"] = matchers
            out.at((*path, "matchers"), ry.get("matchers") or ry.get("match") or ry.get("match_re") or ry)
        receiver = ry.get("receiver")
        if receiver is not None and receiver.text():
            route["receiver"] = receiver.text()
            out.at((*path, "receiver"), receiver)
        cont = ry.get("continue")
        if cont is not None and cont.typed() is True:
            route["continue"] = True
        for key in ("group_by", "mute_time_intervals", "active_time_intervals"):
            value = ry.get(key)
            if value is not None and value.is_list and len(value):
                route[key] = [item.text() for item in value]
                out.at((*path, key), value)
        for key in ("group_wait", "group_interval", "repeat_interval"):
            value = ry.get(key)
            if value is not None and not value.is_null:
                route[key] = value.text()
                out.at((*path, key), value)
        for key, value in ry.items():
            if key not in ROUTE_KEYS:
                out.loss(value, f"the spec cannot express a route's `{key}`")
        children = ry.get("routes")
        if children is not None and len(children):
            route["routes"] = [self.route(cy, (*path, "routes", i)) for i, cy in enumerate(children)]
        return route

    def matchers(self, y: Y, prefix: str) -> list[str]:
        """`{prefix}match`, `{prefix}match_re` and `{prefix}matchers` as one `matchers` list."""
        found: list[str] = []
        match = y.get(f"{prefix}match")
        for name, value in match.items() if match is not None else []:
            found.append(format_matcher(name, "=", value.text()))
        match_re = y.get(f"{prefix}match_re")
        for name, value in match_re.items() if match_re is not None else []:
            found.append(format_matcher(name, "=~", value.text()))
        legacy = match if match is not None and len(match) else match_re
        if legacy is not None and len(legacy):
            self.legacy.append(legacy)
        listed = y.get(f"{prefix}matchers")
        for item in listed if listed is not None else []:
            try:
                found.extend(str(m) for m in parse_matchers(item.text(), self.mode, self.go))
            except MatcherError:
                found.append(item.text())  # validation says why, positioned here
        return found

    # --- inhibit rules and time intervals ------------------------------------------------------

    def inhibit_rule(self, iy: Y, i: int) -> dict[str, Any]:
        path = ("inhibit_rules", i)
        self.out.at(path, iy)
        rule: dict[str, Any] = {}
        for side in ("source_", "target_"):
            matchers = self.matchers(iy, side)
            if matchers:
                rule[f"{side}matchers"] = matchers
                self.out.at((*path, f"{side}matchers"), iy.get(f"{side}matchers") or iy.get(f"{side}match") or iy)
        equal = iy.get("equal")
        if equal is not None and equal.is_list and len(equal):
            rule["equal"] = [item.text() for item in equal]
            self.out.at((*path, "equal"), equal)
        known = (
            "source_match",
            "source_match_re",
            "source_matchers",
            "target_match",
            "target_match_re",
            "target_matchers",
            "equal",
        )
        for key, value in iy.items():
            if key in known:
                continue
            if key in fields(v1.InhibitRule) and value.is_scalar:
                rule[key] = value.text()
                self.out.at((*path, key), value)
                continue
            self.out.loss(value, f"the spec cannot express an inhibit rule's `{key}`")
        return rule

    def time_interval(self, ty: Y, i: int) -> dict[str, Any]:
        path = ("time_intervals", i)
        self.out.at(path, ty)
        name = ty.get("name")
        entry: dict[str, Any] = {"name": name.text() if name is not None else ""}
        intervals = ty.get("time_intervals")
        entry["time_intervals"] = [
            self.model(item, v1.TimeInterval, (*path, "time_intervals", j), "time_intervals", item.where)
            for j, item in enumerate(intervals or [])
        ]
        return entry


def _seconds(text: str) -> float | None:
    try:
        return duration_seconds(text)
    except ValueError:
        return None


def _hint(path: tuple[str | int, ...]) -> str:
    parts = [str(p) for p in path if p not in ("receivers",)]
    parts = [p.removesuffix("_configs") for p in parts]
    return "-".join(parts)


def _am_field(path: tuple[str | int, ...]) -> tuple[str, str]:
    """(section, dotted Alertmanager path) of a spec path: ("slack_configs", "api_url"),
    ("global", "smtp_auth_password"), ("sns_configs", "sigv4.secret_key")."""
    if path[0] == "receivers":
        return str(path[2]), ".".join(str(p) for p in path[4:])
    if path[0] == "global" and len(path) > 2 and path[1] == "smtp":
        return "global", "smtp_" + ".".join(str(p) for p in path[2:])
    return str(path[0]), ".".join(str(p) for p in path[1:])


def am_needs(config: Y) -> tuple[str, str, Any] | None:
    """The newest Alertmanager feature `config` uses, by the verified feature table: (version,
    feature, where). Keys the table does not know are left to amtool's verdict."""
    from callalert.analysis.versions import Version

    best: list[Any] = []

    def consider(feature: str, y: Y) -> None:
        found = am_feature(feature)
        if found is None:
            return
        if not best or found.since > best[0]:
            best[:] = [found.since, feature, y.key_pos()]

    def options(prefix: str, y: Y) -> None:
        for key, value in y.items():
            if key == "http_config":
                continue
            consider(f"{prefix}.{key}", value)
            if value.is_map:
                options(f"{prefix}.{key}", value)

    def route(y: Y) -> None:
        for key, value in y.items():
            consider(f"route.{key}", value)
        for child in y.get("routes") or []:
            route(child)

    for key, value in config.items():
        consider(key, value)
        if key == "global" and value.is_map:
            for name, item in value.items():
                consider(f"global.{name}", item)
        elif key == "route" and value.is_map:
            route(value)
        elif key == "inhibit_rules":
            for rule in value:
                for name, item in rule.items():
                    consider(f"inhibit_rules.{name}", item)
        elif key == "receivers":
            for receiver in value:
                for name, item in receiver.items():
                    if name.endswith("_configs"):
                        consider(f"receivers.{name}", item)
                        for cfg in item:
                            options(name, cfg)
                    elif name != "name":
                        consider(f"receiver.{name}", item)
        elif key in ("time_intervals", "mute_time_intervals"):
            for named in value:
                for interval in named.get("time_intervals") or []:
                    for name, item in interval.items():
                        consider(f"time_intervals.{name}", item)
    if not best:
        return None
    version: Version = best[0]
    return (f"{version.major}.{version.minor}", best[1], best[2])
