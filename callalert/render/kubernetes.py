"""Prometheus Operator objects (docs/targets.md says how each maps onto the Operator):

- `kubernetes/rules/<name>.yaml`: one `PrometheusRule` (monitoring.coreos.com/v1) per rule group
  or per team;
- `kubernetes/alertmanager/`: the Alertmanager configuration, either the configuration Secret
  the Operator's `Alertmanager` reads (`alertmanager.yaml` + the templates), or one
  `AlertmanagerConfig` (monitoring.coreos.com/v1alpha1) per team route with the rest in that
  Secret; and the `Alertmanager` object the configuration relies on.

Secrets become Secret keys, never values: `{file: /etc/alertmanager/secrets/<secret>/<key>}` is
key <key> of Secret <secret> (where the Operator mounts `Alertmanager.spec.secrets`); any other
`{file: PATH}` is key basename(PATH), and `{env: NAME}` key NAME, of the Secret named by
`alertmanager.secret`. The configuration Secret reads them as mounted files, an
AlertmanagerConfig as Secret key selectors.

What the CRDs cannot express, and what the Operator would route differently from the spec
(its injected namespace matcher, its forced `continue: true`, its route order), is reported
with the spec position; nothing is dropped.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import Any

from callalert import diagnostics as d
from callalert.analysis.operator import (
    CONFIG_DIR,
    Conversion,
    matcher_to_crd,
    mount_path,
    mounted_secret,
    namespace_matched,
    receiver_to_crd,
    time_interval_to_crd,
)
from callalert.analysis.versions import Version, secret_file_feature
from callalert.diagnostics import KeyPath
from callalert.model import Group, KubernetesTarget, Model, Route, Secret
from callalert.model.builtin_templates import builtin_templates
from callalert.render.alertmanager import config_data, intent
from callalert.render.context import RenderContext
from callalert.render.teams import groups_by_team, may_overlap, route_matchers, route_team
from callalert.render.thanos import thanos_group
from callalert.render.yamlout import dump, header

API = "monitoring.coreos.com/v1"
API_ALPHA = "monitoring.coreos.com/v1alpha1"
MANAGED_BY = {"app.kubernetes.io/managed-by": "callalert"}
CONFIG_KEY = "alertmanager.yaml"

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


def dns_name(text: str) -> str:
    """`text` as a DNS-1123 subdomain (what Kubernetes accepts as an object name)."""
    out = re.sub(r"[^a-z0-9.-]+", "-", text.lower())
    out = re.sub(r"-{2,}", "-", out)
    out = re.sub(r"\.{2,}", ".", out)
    out = re.sub(r"(^|\.)[-.]+|[-.]+($|\.)", lambda m: m.group(1) or m.group(2), out).strip("-.")
    return out[:253].rstrip("-.") or "callalert"


def _label_key_problem(key: str) -> str | None:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _SUBDOMAIN.match(prefix)):
        return f"label key {key!r}: its prefix must be a DNS subdomain"
    if not name or len(name) > 63 or not _LABEL_NAME.match(name):
        return f"label key {key!r}: the name must be 1-63 letters, digits, -, _ or ., starting and ending with a letter or digit"
    return None


class _Kubernetes:
    def __init__(self, model: Model, ctx: RenderContext, target: KubernetesTarget) -> None:
        self.model = model
        self.ctx = ctx
        self.target = target
        self.base_key: KeyPath = target.key or ("outputs",)
        self.head = header(model.source_name)
        self.secret_keys: dict[tuple[str, str], str] = {}  # (Secret, key) -> the reference that maps to it
        self.mounted: set[tuple[str, str]] = set()  # (Secret, key) the configuration reads as mounted files
        self._check_metadata()

    # --- metadata -----------------------------------------------------------------------------

    def _check_metadata(self) -> None:
        for key, value in self.target.labels.items():
            problem = _label_key_problem(key)
            if problem is None and value and (len(value) > 63 or not _LABEL_NAME.match(value)):
                problem = (
                    f"label value {value!r}: at most 63 letters, digits, -, _ or ., starting and ending with a letter or digit"
                )
            if problem is not None:
                self.ctx.fail((*self.base_key, "labels", key), f"Kubernetes refuses {problem}", d.TARGET_OPTION)
        for key in self.target.annotations:
            problem = _label_key_problem(key)
            if problem is not None:
                self.ctx.fail(
                    (*self.base_key, "annotations", key),
                    f"Kubernetes refuses {problem.replace('label', 'annotation')}",
                    d.TARGET_OPTION,
                )

    @property
    def labels(self) -> dict[str, str]:
        return {**MANAGED_BY, **self.target.labels}

    def metadata(self, name: str, namespace: str) -> dict[str, Any]:
        meta: dict[str, Any] = {"name": name, "namespace": namespace, "labels": self.labels}
        if self.target.annotations:
            meta["annotations"] = dict(self.target.annotations)
        return meta

    def document(self, obj: dict[str, Any], note: str = "") -> str:
        return self.head + note + dump(obj)

    # --- PrometheusRule -----------------------------------------------------------------------

    def rules(self) -> dict[str, str]:
        objects: list[tuple[str, str, list[Group], KeyPath]] = []
        if self.target.rules_split == "team":
            nameless = self.model.name or "callalert"
            for team, groups in groups_by_team(self.model, self.target.team_label, self.ctx, nameless).items():
                namespace = self.target.rules_namespaces.get(team, self.target.namespace)
                objects.append((dns_name(team), namespace, groups, groups[0].key))
        else:
            objects = [(dns_name(g.name), self.target.namespace, [g], g.key) for g in self.model.groups]
        files: dict[str, str] = {}
        seen: dict[str, str] = {}
        for name, namespace, groups, key in objects:
            label = groups[0].name if self.target.rules_split == "group" else name
            if name in seen:
                self.ctx.fail(
                    (*key, "name"),
                    f"PrometheusRule name {name!r} (from {label!r}) is also the name of the object for {seen[name]!r}; "
                    "Kubernetes object names are lower-case, so rename one",
                    d.TARGET_OPTION,
                )
                continue
            seen[name] = label
            obj = {
                "apiVersion": API,
                "kind": "PrometheusRule",
                "metadata": self.metadata(name, namespace),
                "spec": {"groups": [thanos_group(g) for g in groups]},
            }
            files[f"kubernetes/rules/{name}.yaml"] = self.document(obj)
        return files

    # --- secrets ------------------------------------------------------------------------------

    def secret_key(self, ref: Secret, key: KeyPath) -> tuple[str, str] | None:
        if ref.file is not None:
            mounted = mounted_secret(ref.file)
            name, skey = mounted if mounted else (self.target.secret, posixpath.basename(ref.file))
            origin = f"{{file: {ref.file}}}"
        else:
            assert ref.env is not None
            name, skey = self.target.secret, ref.env
            origin = f"{{env: {ref.env}}}"
        if not _SECRET_KEY.match(skey) or not _SUBDOMAIN.match(name):
            self.ctx.fail(
                key,
                f"{origin} cannot name a Kubernetes Secret key ({name!r}, {skey!r}): keys are letters, digits, -, _ and .; "
                f"write the file as {mount_path('<secret>', '<key>')}",
                d.TARGET_OPTION,
            )
            return None
        previous = self.secret_keys.setdefault((name, skey), origin)
        if previous != origin:
            self.ctx.fail(
                key,
                f"{origin} becomes key {skey!r} of Secret {name!r}, which {previous} already is; rename one file",
                d.TARGET_OPTION,
            )
            return None
        return name, skey

    def file_secret(self, ctx: RenderContext, key: KeyPath, field: str, ref: Secret, out: dict[str, Any]) -> None:
        """A secret of the configuration Secret: the file where the Operator mounts its key."""
        if ref.env is not None and not self._file_option(key, field):
            return
        found = self.secret_key(ref, key)
        if found is not None:
            self.mounted.add(found)
            out[f"{field}_file"] = mount_path(*found)

    def _file_option(self, key: KeyPath, field: str) -> bool:
        """Whether the target Alertmanager has the `*_file` option an {env:} secret becomes here
        (validate checked the {file:} ones)."""
        if key[:2] == ("global", "smtp"):
            section, path = "global", f"smtp_{field}"
        elif key[0] == "global":
            section, path = "global", ".".join(str(p) for p in key[1:] if isinstance(p, str))
        else:
            section, path = str(key[2]), ".".join(p for p in key[4:] if isinstance(p, str))
        feature = secret_file_feature(section, path)
        option = f"{path.rsplit('.', 1)[-1]}_file"
        if feature is None:
            self.ctx.fail(
                key,
                f"the configuration Secret reads secrets as mounted files, and Alertmanager has no `{option}` option, so "
                "this secret cannot be given there; route it from a team's AlertmanagerConfig (a Secret key selector) or use "
                "the prometheus target",
                d.TARGET_UNSUPPORTED,
            )
            return False
        if not feature.available_in(Version.parse(self.model.am_version)):
            self.ctx.fail(
                key,
                f"the configuration Secret reads secrets as mounted files, and `{option}` ({section}) needs Alertmanager "
                f"≥ {feature.since.short}; the target is {self.model.am_version}",
                d.TARGET_VERSION,
            )
            return False
        return True

    def selector(self, value: Any, key: KeyPath) -> dict[str, str] | None:
        if not isinstance(value, Secret):
            self.ctx.fail(
                key,
                "AlertmanagerConfig reads this option from a Secret; write it as a secret reference ({file: PATH} or "
                "{env: NAME}) to have it in one",
                d.TARGET_UNSUPPORTED,
            )
            return None
        found = self.secret_key(value, key)
        return {"name": found[0], "key": found[1]} if found is not None else None

    def path_selector(self, path: str, key: KeyPath) -> dict[str, str] | None:
        mounted = mounted_secret(path)
        if mounted is None:
            self.ctx.fail(
                key,
                f"AlertmanagerConfig reads TLS files from Secrets, not from {path!r}; write the path as "
                f"{mount_path('<secret>', '<key>')} (key <key> of Secret <secret>)",
                d.TARGET_UNSUPPORTED,
            )
            return None
        return {"name": mounted[0], "key": mounted[1]}

    def _mounted_paths(self, data: Any) -> None:
        """Secrets whose files the configuration names directly (TLS files): mounted too."""
        if isinstance(data, dict):
            for name, value in data.items():
                if name.endswith("_file") and isinstance(value, str) and (found := mounted_secret(value)):
                    self.mounted.add(found)
                else:
                    self._mounted_paths(value)
        elif isinstance(data, list):
            for item in data:
                self._mounted_paths(item)

    # --- the Alertmanager's configuration Secret ----------------------------------------------

    def templates(self) -> dict[str, str]:
        files = dict(builtin_templates(self.model))
        files.update({tf.name: tf.text for tf in self.model.templates.files})
        return dict(sorted(files.items()))

    def config_secret(self, config: dict[str, Any]) -> dict[str, str]:
        self._mounted_paths(config)
        text = self.head + intent(self.model) + dump(config)
        t = self.target
        obj = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": self.metadata(f"alertmanager-{t.am_name}", t.alertmanager_namespace),
            "type": "Opaque",
            "stringData": {CONFIG_KEY: text, **self.templates()},
        }
        note = self._secrets_note(self.mounted, t.alertmanager_namespace, "mounts (Alertmanager.spec.secrets)")
        return {"kubernetes/alertmanager/config-secret.yaml": self.document(obj, note)}

    @staticmethod
    def _secrets_note(pairs: set[tuple[str, str]], namespace: str, how: str) -> str:
        if not pairs:
            return ""
        lines = [f"# It {how} Secrets callalert does not write (create them yourself, in namespace {namespace}):"]
        for name in sorted({s for s, _ in pairs}):
            lines.append(f"#   {name}: {', '.join(sorted(k for s, k in pairs if s == name))}")
        return "\n".join(lines) + "\n"

    def alertmanager_object(self, with_configs: bool) -> dict[str, str]:
        t = self.target
        spec: dict[str, Any] = {"configSecret": f"alertmanager-{t.am_name}"}
        if self.mounted:
            spec["secrets"] = sorted({name for name, _ in self.mounted})
        if with_configs:
            spec["alertmanagerConfigSelector"] = {"matchLabels": self.labels}
            spec["alertmanagerConfigNamespaceSelector"] = {}
            spec["alertmanagerConfigMatcherStrategy"] = {"type": t.matcher_strategy}
        obj = {
            "apiVersion": API,
            "kind": "Alertmanager",
            "metadata": self.metadata(t.am_name, t.alertmanager_namespace),
            "spec": spec,
        }
        note = (
            "# The fields of the Alertmanager object that the rendered configuration relies on; merge them into yours\n"
            "# (replicas, version, storage and resources are yours to set; spec.version must be at least the spec's\n"
            f"# target, Alertmanager {self.model.am_version}).\n"
        )
        return {"kubernetes/alertmanager/alertmanager.yaml": self.document(obj, note)}

    def secret_mode(self) -> dict[str, str]:
        config = config_data(self.model, self.ctx, self.file_secret, templates=[f"{CONFIG_DIR}/*.tmpl"])
        files = self.config_secret(config)
        if self.target.resource:
            files.update(self.alertmanager_object(with_configs=False))
        return files

    # --- AlertmanagerConfig per team ----------------------------------------------------------

    def _report(self, key: KeyPath, message: str) -> None:
        self.ctx.fail(key, message, d.TARGET_UNSUPPORTED)

    def conversion(self) -> Conversion:
        return Conversion(self.selector, self.path_selector, self._report)

    def crd_route(self, route: Route) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if route.receiver is not None:
            out["receiver"] = route.receiver
        matchers = route_matchers(route, self.model)
        if matchers:
            out["matchers"] = [matcher_to_crd(m.name, m.op, m.value) for m in matchers]
        if route.continue_:
            out["continue"] = True
        if route.group_by is not None:
            out["groupBy"] = list(route.group_by)
        for name, crd in (
            ("group_wait", "groupWait"),
            ("group_interval", "groupInterval"),
            ("repeat_interval", "repeatInterval"),
        ):
            value = getattr(route, name)
            if value is not None:
                out[crd] = value
        if route.mute_time_intervals is not None:
            out["muteTimeIntervals"] = list(route.mute_time_intervals)
        if route.active_time_intervals is not None:
            out["activeTimeIntervals"] = list(route.active_time_intervals)
        if route.labels is not None:
            self._report((*(route.key or ("routing",)), "labels"), "AlertmanagerConfig routes have no labels")
        if route.routes:
            out["routes"] = [self.crd_route(child) for child in route.routes]
        return out

    def _check_team_route(self, index: int, route: Route, namespace: str) -> None:
        key = route.key or ("routing", "routes", index)
        t = self.target
        if route.receiver is None:
            self.ctx.fail(
                key,
                "the top route of an AlertmanagerConfig must name a receiver (the Operator refuses one without); set "
                "`receiver:` on this route",
                d.TARGET_UNSUPPORTED,
            )
        matchers = route_matchers(route, self.model)
        if namespace_matched(t.matcher_strategy, namespace, t.alertmanager_namespace) and not any(
            m.name == "namespace" and m.op == "=" and m.value == namespace for m in matchers
        ):
            self.ctx.fail(
                (*key, "matchers"),
                f'the Operator adds namespace="{namespace}" to this route (alertmanagerConfigMatcherStrategy '
                f"{t.matcher_strategy}, AlertmanagerConfig in namespace {namespace}), so alerts without that label would "
                f'no longer reach it; add the matcher namespace="{namespace}", or set alertmanager.matcher_strategy: None '
                f"(or OnNamespaceExceptForAlertmanagerNamespace with the team's AlertmanagerConfig in {t.alertmanager_namespace})",
                d.TARGET_ROUTING,
            )

    def _check_order(self, routes: tuple[Route, ...], teams: dict[int, str]) -> None:
        """The Operator puts the AlertmanagerConfig routes first (namespace/name order) with
        `continue: true`, the base routes after them. The spec's outcome survives that exactly when
        of any two top-level routes that may match the same alert, one of them a team's, the
        earlier one (in the spec) has `continue: true` (docs/targets.md has the argument)."""
        matchers = [route_matchers(r, self.model) for r in routes]
        for i, earlier in enumerate(routes):
            if earlier.continue_:
                continue
            for j in range(i + 1, len(routes)):
                if (i not in teams and j not in teams) or not may_overlap(matchers[i], matchers[j]):
                    continue
                key = earlier.key or ("routing", "routes", i)
                if i in teams:
                    later = f"the route of team {teams[j]!r}" if j in teams else "a route of the base configuration"
                    message = (
                        f"the Operator gives this route (team {teams[i]!r}) continue: true, so alerts it takes that also "
                        f"match routing.routes[{j}] ({later}) would reach that route's receivers too; make the routes "
                        f"exclusive (e.g. a {self.target.team_label} matcher on routing.routes[{j}]) or set continue: true "
                        "here if both should be notified"
                    )
                else:
                    message = (
                        f"this route stops alerts that routing.routes[{j}] (team {teams[j]!r}) also matches, but the "
                        "Operator puts AlertmanagerConfig routes first (with continue: true), so those alerts would reach "
                        "both; make the routes exclusive or set continue: true here if both should be notified"
                    )
                self.ctx.fail(key, message, d.TARGET_ROUTING)
                break

    def _subtree_names(self, route: Route) -> tuple[list[str], list[str]]:
        receivers: list[str] = []
        intervals: list[str] = []
        for node in route.walk():
            if node.receiver is not None and node.receiver not in receivers:
                receivers.append(node.receiver)
            for name in (*(node.mute_time_intervals or ()), *(node.active_time_intervals or ())):
                if name not in intervals:
                    intervals.append(name)
        return receivers, intervals

    def alertmanager_config(self, name: str, namespace: str, route: Route) -> tuple[str, str]:
        receivers, intervals = self._subtree_names(route)
        conv = self.conversion()
        spec: dict[str, Any] = {"route": self.crd_route(route)}
        spec["receivers"] = [
            receiver_to_crd(r, self.model.receivers[r].config, self.model.receivers[r].key, conv)
            for r in self.model.receivers
            if r in receivers
        ]
        by_name = {ti.name: ti for ti in self.model.time_intervals}
        if intervals:
            spec["muteTimeIntervals"] = [
                time_interval_to_crd(n, by_name[n].time_intervals, by_name[n].key, conv) for n in by_name if n in intervals
            ]
        obj = {"apiVersion": API_ALPHA, "kind": "AlertmanagerConfig", "metadata": self.metadata(name, namespace), "spec": spec}
        note = self._secrets_note(set(self._selectors(spec)), namespace, "reads (Secret key selectors)")
        return f"kubernetes/alertmanager/configs/{namespace}-{name}.yaml", self.document(obj, note)

    def _selectors(self, data: Any) -> Iterator[tuple[str, str]]:
        if isinstance(data, dict):
            if set(data) == {"name", "key"} and all(isinstance(v, str) for v in data.values()):
                yield data["name"], data["key"]
            for value in data.values():
                yield from self._selectors(value)
        elif isinstance(data, list):
            for item in data:
                yield from self._selectors(item)

    def alertmanagerconfig_mode(self) -> dict[str, str]:
        t = self.target
        routes = self.model.routing.routes
        teams = {i: team for i, r in enumerate(routes) if (team := route_team(r, t.team_label, self.model)) is not None}
        files: dict[str, str] = {}
        if not teams:
            self.ctx.fail(
                ("routing",),
                f'no top-level route selects a team ({t.team_label}="..."), so there is no AlertmanagerConfig to write: the '
                "whole configuration is the base configuration Secret",
                d.TARGET_OPTION,
                level="info",
            )
        self._check_order(routes, teams)
        names: dict[str, int] = {}
        in_teams: set[str] = set()
        intervals_in_teams: set[str] = set()
        for index, team in teams.items():
            route = routes[index]
            namespace = t.am_namespaces.get(team, t.alertmanager_namespace)
            base_name = dns_name(team)
            names[base_name] = names.get(base_name, 0) + 1
            name = base_name if names[base_name] == 1 else f"{base_name}-{names[base_name]}"
            self._check_team_route(index, route, namespace)
            path, text = self.alertmanager_config(name, namespace, route)
            files[path] = text
            receivers, intervals = self._subtree_names(route)
            in_teams.update(receivers)
            intervals_in_teams.update(intervals)
        base_routes = tuple(r for i, r in enumerate(routes) if i not in teams)
        used_by_base: set[str] = {self.model.routing.receiver}
        intervals_by_base: set[str] = set()
        for route in base_routes:
            receivers, intervals = self._subtree_names(route)
            used_by_base.update(receivers)
            intervals_by_base.update(intervals)
        if t.base == "none":
            self._not_written(base_routes, teams)
            return files
        # the base keeps what its routes use, and what no route uses (nothing is dropped)
        config = config_data(
            self.model,
            self.ctx,
            self.file_secret,
            templates=[f"{CONFIG_DIR}/*.tmpl"],
            receivers=used_by_base | (set(self.model.receivers) - in_teams),
            time_intervals=intervals_by_base | ({ti.name for ti in self.model.time_intervals} - intervals_in_teams),
        )
        config["route"]["routes"] = [r for i, r in enumerate(config["route"].get("routes", [])) if i not in teams]
        if not config["route"]["routes"]:
            del config["route"]["routes"]
        files.update(self.config_secret(config))
        if t.resource:
            files.update(self.alertmanager_object(with_configs=True))
        return files

    def _not_written(self, base_routes: tuple[Route, ...], teams: dict[int, str]) -> None:
        why = "not written (alertmanager.base: none): the Alertmanager's base configuration must hold"
        warn = d.TARGET_NOT_WRITTEN
        self.ctx.fail(
            ("routing", "receiver"),
            f"{why} the root route (receiver {self.model.routing.receiver!r}, group_by and timings)",
            warn,
        )
        for i, route in enumerate(self.model.routing.routes):
            if i not in teams:
                self.ctx.fail(route.key or ("routing", "routes", i), f"{why} this route (it selects no team)", warn)
        if self.model.global_:
            self.ctx.fail(("global",), f"{why} these global settings", warn)
        for rule in self.model.inhibit_rules:
            self.ctx.fail(rule.key, f"{why} this inhibit rule (an AlertmanagerConfig's would only see its own namespace)", warn)
        names = [f"{n}.tmpl" for n in self.model.templates.builtin] + [tf.name for tf in self.model.templates.files]
        if names:
            self.ctx.fail(
                (*self.base_key, "alertmanager", "base"), f"{why} the notification templates ({', '.join(names)})", warn
            )


def render(model: Model, ctx: RenderContext, target: KubernetesTarget) -> dict[str, str]:
    k = _Kubernetes(model, ctx, target)
    files = k.rules()
    if model.tracing is not None and target.am_mode != "none":
        ctx.fail(
            ("tracing",),
            "the Prometheus Operator cannot configure Alertmanager's own tracing: it reads the configuration Secret "
            "into its own configuration types, which have no `tracing` (so it would refuse the Secret), and the "
            "Alertmanager CRD has no tracing field; leave `tracing` out of the spec for this target",
            d.TARGET_UNSUPPORTED,
        )
    if target.am_mode == "secret":
        files.update(k.secret_mode())
    elif target.am_mode == "alertmanagerconfig":
        files.update(k.alertmanagerconfig_mode())
    return files
