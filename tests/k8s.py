"""Kubernetes objects checked the way the API server checks them, against the Prometheus Operator's
CRDs read in place from ../shared/k8s/crds (never copied into the project).

- the CRD's `openAPIV3Schema` with a JSON-schema validator (jsonschema, a test dependency): the
  API server's own check of a custom resource;
- strict field validation (kubectl's default since 1.25): a field the schema does not define is
  an error, so every object schema without `additionalProperties` is closed;
- `pattern` with RE2, the regular expressions the API server uses (the CRDs' patterns have
  inline flags such as `^((?i)sun|mon)...` that Python's re refuses);
- what the schema marks but does not enforce: `x-kubernetes-list-type: map` keys are unique, and
  an AlertmanagerConfig's child routes (schemaless, `x-kubernetes-preserve-unknown-fields`) are
  routes too (the Operator unmarshals them as such);
- object names, namespaces and labels as Kubernetes accepts them, and a core v1 Secret's shape.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import re2
import yaml
from jsonschema import Draft7Validator, ValidationError, validators

from tests.conftest import IN_CI, ROOT

CRDS = ROOT.parent / "shared" / "k8s" / "crds"
CRD_FILES = {
    ("monitoring.coreos.com/v1", "PrometheusRule"): "monitoring.coreos.com_prometheusrules.yaml",
    ("monitoring.coreos.com/v1alpha1", "AlertmanagerConfig"): "monitoring.coreos.com_alertmanagerconfigs.yaml",
    ("monitoring.coreos.com/v1", "Alertmanager"): "monitoring.coreos.com_alertmanagers.yaml",
}
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")


class _CRDLoader(yaml.SafeLoader):
    """YAML 1.1 reads a lone `=` as the `value` type; the CRDs' enums (`- =`) mean the string."""


_CRDLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:value"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def require_crds() -> Path:
    if CRDS.is_dir():
        return CRDS
    message = f"CRD folder {CRDS} is missing (it lives in ../shared beside the project)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _closed(schema: Any) -> Any:
    """The schema with every object that lists its properties closed to others (strict fields)."""
    if isinstance(schema, dict):
        out = {k: _closed(v) for k, v in schema.items()}
        if (
            out.get("type") == "object"
            and "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


def _re2_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    if validator.is_type(instance, "string") and not re2.search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(Draft7Validator, {"pattern": _re2_pattern})


@cache
def crd_schema(api_version: str, kind: str) -> dict[str, Any]:
    path = require_crds() / CRD_FILES[(api_version, kind)]
    crd = yaml.load(path.read_text(encoding="utf-8"), Loader=_CRDLoader)
    version = api_version.split("/")[1]
    served = next(v for v in crd["spec"]["versions"] if v["name"] == version)
    assert served.get("served", True), f"{kind} {version} is not served by this CRD"
    return _closed(served["schema"]["openAPIV3Schema"])


def _errors(schema: Mapping[str, Any], instance: Any, where: str) -> list[str]:
    return [
        f"{where}{'.' if e.absolute_path else ''}{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in sorted(_Validator(schema).iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    ]


def _metadata(obj: Mapping[str, Any], namespaced: bool = True) -> list[str]:
    meta = obj.get("metadata") or {}
    out = []
    name = meta.get("name", "")
    if not (0 < len(name) <= 253 and _SUBDOMAIN.match(name)):
        out.append(f"metadata.name {name!r} is not a DNS-1123 subdomain")
    if namespaced and not (0 < len(meta.get("namespace", "")) <= 63 and _DNS_LABEL.match(meta["namespace"])):
        out.append(f"metadata.namespace {meta.get('namespace')!r} is not a DNS-1123 label")
    for field in ("labels", "annotations"):
        for key, value in (meta.get(field) or {}).items():
            prefix, _, local = key.rpartition("/")
            if (prefix and not _SUBDOMAIN.match(prefix)) or not (0 < len(local) <= 63 and _LABEL.match(local)):
                out.append(f"metadata.{field}: bad key {key!r}")
            if not isinstance(value, str) or (field == "labels" and not (len(value) <= 63 and _LABEL.match(value))):
                out.append(f"metadata.{field}.{key}: bad value {value!r}")
    return out


def _route_errors(route_schema: Mapping[str, Any], route: Any, where: str) -> list[str]:
    out = _errors(route_schema, route, where)
    for i, child in enumerate(route.get("routes", []) if isinstance(route, dict) else []):
        out += _route_errors(route_schema, child, f"{where}.routes[{i}]")
    return out


def validate_object(obj: Mapping[str, Any]) -> list[str]:
    """Why the API server (with the Operator's CRDs installed) would refuse `obj`: [] when it takes it."""
    api, kind = obj.get("apiVersion"), obj.get("kind")
    errors = _metadata(obj)
    if (api, kind) == ("v1", "Secret"):
        allowed = {"apiVersion", "kind", "metadata", "type", "data", "stringData", "immutable"}
        errors += [f"Secret has no field {k!r}" for k in obj if k not in allowed]
        for key, value in (obj.get("stringData") or {}).items():
            if not re.fullmatch(r"[-._a-zA-Z0-9]+", key) or not isinstance(value, str):
                errors.append(f"stringData.{key}: keys are [-._a-zA-Z0-9]+ and values strings")
        return errors
    if (api, kind) not in CRD_FILES:
        return [*errors, f"no CRD for {api} {kind}"]
    schema = crd_schema(str(api), str(kind))
    errors += _errors(schema, obj, kind)
    spec = obj.get("spec") or {}
    if kind == "PrometheusRule":  # x-kubernetes-list-type: map, keyed by name
        names = [g.get("name") for g in spec.get("groups", [])]
        errors += [f"spec.groups: name {n!r} twice" for n in {n for n in names if names.count(n) > 1}]
    if kind == "AlertmanagerConfig" and isinstance(spec.get("route"), dict):
        route_schema = copy.deepcopy(schema["properties"]["spec"]["properties"]["route"])
        route_schema["properties"]["routes"]["items"] = route_schema  # children are routes
        for i, child in enumerate(spec["route"].get("routes", [])):
            errors += _route_errors(route_schema, child, f"AlertmanagerConfig.spec.route.routes[{i}]")
    return errors


def load_objects(files: Mapping[str, str], prefix: str = "kubernetes/") -> dict[str, dict[str, Any]]:
    """The Kubernetes objects of a rendered tree, by file."""
    return {rel: yaml.safe_load(text) for rel, text in sorted(files.items()) if rel.startswith(prefix)}


# --- the Operator's configuration, assembled from rendered objects -------------------------------


def placeholder_secret(namespace: str, selector: Mapping[str, Any]) -> str:
    """A Secret key's value for the tests: a URL (valid wherever Alertmanager wants a URL, a key or a token)."""
    return f"https://secret.invalid/{namespace}/{selector['name']}/{selector['key']}"


def operator_config(objects: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The configuration the Operator generates from rendered objects: the configuration Secret's
    alertmanager.yaml plus every AlertmanagerConfig, under the matcher strategy and namespace of the
    rendered Alertmanager object (callalert.analysis.operator.assemble, after amcfg.go)."""
    from callalert.analysis.operator import assemble

    by_kind: dict[str, list[Mapping[str, Any]]] = {}
    for obj in objects.values():
        by_kind.setdefault(str(obj["kind"]), []).append(obj)
    [secret] = by_kind["Secret"]
    base = yaml.safe_load(secret["stringData"]["alertmanager.yaml"])
    [am] = by_kind.get("Alertmanager", [{"metadata": secret["metadata"], "spec": {}}])
    strategy = (am["spec"].get("alertmanagerConfigMatcherStrategy") or {}).get("type", "OnNamespace")
    return assemble(
        base,
        by_kind.get("AlertmanagerConfig", []),
        strategy=strategy,
        am_namespace=am["metadata"]["namespace"],
        secret_value=placeholder_secret,
    )


def base_name(name: str) -> str:
    """A receiver or time interval name without the Operator's `<namespace>/<object>/` prefix."""
    return name.rsplit("/", 1)[-1]


def notifications(root: Any, labels: Mapping[str, str]) -> list[tuple[Any, ...]]:
    """What Alertmanager does with an alert of `labels`: per matched route its receiver, grouping,
    timings and time intervals (names without the Operator's prefix), as a sorted multiset."""
    from callalert.analysis.alertmanager.routing import match_routes

    return sorted(
        (
            base_name(r.receiver),
            r.group_by,
            r.group_wait,
            r.group_interval,
            r.repeat_interval,
            tuple(base_name(n) for n in r.mute_time_intervals),
            tuple(base_name(n) for n in r.active_time_intervals),
        )
        for r in match_routes(root, labels)
    )


def time_intervals_by_name(config: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every named time interval of a configuration (both `time_intervals` and the older
    `mute_time_intervals`, which the Operator writes), by name without prefix, normalised."""
    out: dict[str, list[list[dict[str, Any]]]] = {}
    for item in [*config.get("time_intervals", []), *config.get("mute_time_intervals", [])]:
        norm = []
        for ti in item["time_intervals"]:
            entry = {k: (sorted(map(str, v)) if isinstance(v, list) and k != "times" else v) for k, v in ti.items()}
            if "days_of_month" in entry:
                entry["days_of_month"] = sorted(d if ":" in d else f"{d}:{d}" for d in entry["days_of_month"])
            for k in ("weekdays", "months"):
                if k in entry:
                    entry[k] = [v.lower() for v in entry[k]]
            norm.append(entry)
        out.setdefault(base_name(item["name"]), []).append(norm)
    return {k: v[0] for k, v in out.items() if all(x == v[0] for x in v)}
