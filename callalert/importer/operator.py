"""Kubernetes AlertmanagerConfig objects (monitoring.coreos.com/v1alpha1) merged into the
Alertmanager configuration the way the Prometheus Operator merges them
(pkg/alertmanager/amcfg.go), so the spec says explicitly what the Operator adds implicitly:

- every receiver, time interval and route receiver is named `<namespace>/<object>/<name>`;
- the object's top route gets `continue: true` and, by the Alertmanager object's
  `alertmanagerConfigMatcherStrategy` (OnNamespace when no Alertmanager object is given), the
  matcher `namespace="<namespace>"` (OnNamespaceExceptForAlertmanagerNamespace: not for objects in
  the Alertmanager's own namespace; None: never); inhibit rules get it on both sides;
- the objects' routes come first, in namespace/name order, before the base configuration's.
  Without a base configuration the Operator's own one is used (root receiver "null").

Keys are the CRD's camelCase turned into Alertmanager's; Secret key selectors become secrets
(their values when the Secret is among the inputs).
"""

from __future__ import annotations

import re
from typing import cast

import yaml
from yaml.nodes import Node, ScalarNode

from callalert import diagnostics as d
from callalert.analysis.alertmanager.matchers import OPS, Op, format_matcher
from callalert.importer.alertmanager import K8S_SECRET_TAG
from callalert.importer.build import Built
from callalert.importer.inputs import AMSource, Inputs, OperatorConfig
from callalert.importer.nodes import Origin, Pos, Y, fixed, mapping, scalar, sequence

BOOL = "tag:yaml.org,2002:bool"
# CRD keys whose Alertmanager name the generic camelCase rule does not give.
RENAMES = {
    "useAWSHTTPClient": "use_aws_http_client",
    "pagerDutyImageConfigs": "images",
    "pagerDutyLinkConfigs": "links",
    "bearerTokenSecret": "bearer_token",
    "urlSecret": "url",
    "apiUrl": "api_url",
    "proxyURL": "proxy_url",
    "opsgenieConfigs": "opsgenie_configs",
    "pagerdutyConfigs": "pagerduty_configs",
    "victoropsConfigs": "victorops_configs",
    "wechatConfigs": "wechat_configs",
    "msteamsConfigs": "msteams_configs",
    "msteamsv2Configs": "msteamsv2_configs",
    "rocketchatConfigs": "rocketchat_configs",
}
KEY_VALUE_LISTS = ("details", "headers", "customFields")  # [{key, value}] → a mapping
SECRET_FIELDS = (
    "apiURL",
    "routingKey",
    "serviceKey",
    "apiKey",
    "apiSecret",
    "authPassword",
    "authSecret",
    "userKey",
    "token",
    "tokenID",
    "botToken",
    "webhookUrl",
    "webhookURL",
    "urlSecret",
    "credentials",
    "password",
    "username",
    "bearerTokenSecret",
    "clientSecret",
    "accessKey",
    "secretKey",
)
MATCHER_STRATEGIES = ("OnNamespace", "OnNamespaceExceptForAlertmanagerNamespace", "None")
# The base configuration the Operator starts from when the Alertmanager object names none.
OPERATOR_DEFAULT = 'route:\n  receiver: "null"\nreceivers:\n- name: "null"\n'


def snake(key: str) -> str:
    if key in RENAMES:
        return RENAMES[key]
    key = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", key)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key).lower()


class Converter:
    def __init__(self, cr: OperatorConfig, out: Built) -> None:
        self.cr = cr
        self.out = out

    def named(self, name: str) -> str:
        return f"{self.cr.namespace}/{self.cr.name}/{name}" if name else ""

    def str_node(self, y: Y, value: str | None = None) -> Node:
        return scalar(y.text() if value is None else value, y.pos(), where=y.where)

    # --- matchers --------------------------------------------------------------------------

    def matcher(self, m: Y) -> str:
        name = m.get("name")
        value = m.get("value")
        match_type = m.get("matchType")
        regex = m.get("regex")
        op = match_type.text() if match_type is not None and match_type.text() else None
        if op is None:
            op = "=~" if regex is not None and regex.typed() is True else "="
        if op not in OPS:  # the CRD's enum refuses it; keep it visible rather than guess
            self.out.loss(m, f"matchType {op!r} is not one of {', '.join(OPS)}")
            op = "="
        return format_matcher(name.text() if name else "", cast(Op, op), value.text() if value else "")

    def matchers(self, y: Y | None) -> list[ScalarNode]:
        return [scalar(self.matcher(m), m.pos(), where=m.where) for m in y or []]

    # --- routes -------------------------------------------------------------------------------

    def route(self, ry: Y, top: bool, enforce: bool) -> Node:
        entries: list[tuple[str, Node]] = []
        keys: dict[str, Pos] = {}
        matchers = self.matchers(ry.get("matchers"))
        if top and enforce:
            matchers.append(scalar(format_matcher("namespace", "=", self.cr.namespace), ry.pos()))
        for key, value in ry.items():
            keys[snake(key)] = value.key_pos()
            if key == "receiver":
                if value.text():
                    entries.append(("receiver", self.str_node(value, self.named(value.text()))))
            elif key in ("groupBy",):
                entries.append(("group_by", fixed(value)))
            elif key in ("groupWait", "groupInterval", "repeatInterval"):
                entries.append((snake(key), fixed(value)))
            elif key == "continue":
                if not top:
                    entries.append(("continue", fixed(value)))
            elif key in ("muteTimeIntervals", "activeTimeIntervals"):
                entries.append((snake(key), sequence([self.str_node(v, self.named(v.text())) for v in value], value.pos())))
            elif key == "routes":
                entries.append(("routes", sequence([self.route(child, False, enforce) for child in value], value.pos())))
            elif key != "matchers":
                self.out.loss(value, f"AlertmanagerConfig route key `{key}`: the spec cannot express it")
        if matchers:
            entries.append(("matchers", sequence(matchers, ry.pos())))
        if top:
            entries.append(("continue", scalar("true", ry.pos(), BOOL)))
        return mapping(entries, ry.pos(), keys, ry.where)

    # --- receivers ----------------------------------------------------------------------------

    def receiver(self, ry: Y) -> Node:
        entries: list[tuple[str, Node]] = []
        for key, value in ry.items():
            if key == "name":
                entries.append(("name", self.str_node(value, self.named(value.text()))))
                continue
            if not key.endswith("Configs"):
                self.out.loss(value, f"AlertmanagerConfig receiver key `{key}`: the spec cannot express it")
                continue
            entries.append((snake(key), sequence([self.options(cfg) for cfg in value], value.pos(), value.where)))
        return mapping(entries, ry.pos(), where=ry.where)

    def secret_ref(self, y: Y) -> Node:
        """A Secret key selector ({name, key}): a node standing for that Secret's key."""
        name = y.get("name")
        key = y.get("key")
        text = f"{self.cr.namespace}\x00{name.text() if name else ''}\x00{key.text() if key else ''}"
        return scalar(text, y.pos(), K8S_SECRET_TAG, where=y.where)

    def options(self, y: Y) -> Node:
        """A receiver config (or a part of one) with Alertmanager's keys."""
        if not y.is_map:
            return fixed(y)
        entries: list[tuple[str, Node]] = []
        keys: dict[str, Pos] = {}
        for key, value in y.items():
            name = snake(key)
            keys[name] = value.key_pos()
            if key in SECRET_FIELDS and value.is_map and value.get("key") is not None:
                entries.append((name, self.secret_ref(value)))
            elif key in ("clientId",) and value.is_map:
                secret = value.get("secret")
                if secret is not None:
                    entries.append(("client_id", self.secret_ref(secret)))
                else:
                    self.out.loss(value, "oauth2 clientId from a ConfigMap: the spec cannot read it")
            elif key in KEY_VALUE_LISTS and value.is_list:
                pairs = []
                for item in value:
                    k, v = item.get("key"), item.get("value")
                    if k is not None and v is not None:
                        pairs.append((k.text(), fixed(v)))
                entries.append((name, mapping(pairs, value.pos())))
            elif key == "pagerDutyLinkConfigs" and value.is_list:
                links = []
                for item in value:
                    href, alt = item.get("href"), item.get("alt")
                    link = [("href", fixed(href))] if href is not None else []
                    if alt is not None:
                        link.append(("text", fixed(alt)))
                    links.append(mapping(link, item.pos()))
                entries.append(("links", sequence(links, value.pos())))
            elif key == "tlsConfig" and value.is_map and any(value.get(k) is not None for k in ("ca", "cert", "keySecret")):
                self.out.loss(
                    value,
                    "TLS certificates from Secrets or ConfigMaps: the Operator mounts them as files; the spec cannot say where",
                )
            elif key == "daysOfMonth" and value.is_list:
                ranges = []
                for item in value:
                    start, end = item.get("start"), item.get("end")
                    text = start.text() if start is not None else ""
                    if end is not None and end.text() != text:
                        text = f"{text}:{end.text()}"
                    ranges.append(scalar(text, item.pos()))
                entries.append(("days_of_month", sequence(ranges, value.pos())))
            elif value.is_map:
                entries.append((name, self.options(value)))
            elif value.is_list:
                entries.append((name, sequence([self.options(item) for item in value], value.pos(), value.where)))
            else:
                entries.append((name, fixed(value)))
        return mapping(entries, y.pos(), keys, y.where)

    # --- inhibit rules and time intervals ----------------------------------------------------------

    def inhibit_rule(self, iy: Y, enforce: bool) -> Node:
        entries: list[tuple[str, Node]] = []
        ns = format_matcher("namespace", "=", self.cr.namespace)
        for key, side in (("sourceMatch", "source_matchers"), ("targetMatch", "target_matchers")):
            found = self.matchers(iy.get(key))
            if enforce and not any(n.value == ns for n in found):
                found.append(scalar(ns, iy.pos()))
            if found:
                entries.append((side, sequence(found, iy.pos())))
        equal = iy.get("equal")
        if equal is not None:
            entries.append(("equal", fixed(equal)))
        return mapping(entries, iy.pos())

    def time_interval(self, ty: Y) -> Node:
        name = ty.get("name")
        intervals = ty.get("timeIntervals")
        entries: list[tuple[str, Node]] = [("name", scalar(self.named(name.text() if name else ""), ty.pos()))]
        entries.append(("time_intervals", sequence([self.options(t) for t in intervals or []], ty.pos())))
        return mapping(entries, ty.pos())


def _with_values(node: Node, inputs: Inputs) -> Node:
    """A copy of `node` for the tools: every Kubernetes Secret key replaced by its value when the
    Secret is among the inputs, else by a placeholder of the right shape (a URL where one is read)."""
    from yaml.nodes import MappingNode, SequenceNode

    if isinstance(node, ScalarNode):
        if node.tag != K8S_SECRET_TAG:
            return node
        namespace, name, key = str(node.value).split("\x00")
        found = inputs.k8s_secrets.get((namespace, name), {}).get(key)
        value = found.value if found is not None else f"https://secret.invalid/{namespace}/{name}/{key}"
        return ScalarNode("tag:yaml.org,2002:str", value, node.start_mark, node.end_mark)
    if isinstance(node, SequenceNode):
        return SequenceNode(node.tag, [_with_values(n, inputs) for n in node.value], node.start_mark, node.end_mark)
    if isinstance(node, MappingNode):
        pairs = [(k, _with_values(v, inputs)) for k, v in node.value]
        return MappingNode(node.tag, pairs, node.start_mark, node.end_mark)
    return node


def _enforced(strategy: str, cr: OperatorConfig, am_namespace: str | None) -> bool:
    if strategy == "None":
        return False
    if strategy == "OnNamespaceExceptForAlertmanagerNamespace":
        return cr.namespace != am_namespace
    return True


def merge_operator_configs(inputs: Inputs, out: Built) -> None:
    """Replace the base configuration (or the Operator's default) by the merged one."""
    from callalert.spec.load import load_nodes

    strategy = inputs.matcher_strategy or "OnNamespace"
    first = inputs.operator_configs[0].obj
    if strategy not in MATCHER_STRATEGIES:
        out.add(
            first.pos(),
            f"unknown alertmanagerConfigMatcherStrategy {strategy!r} (known: {', '.join(MATCHER_STRATEGIES)})",
            d.IMPORT_INPUT,
        )
        return
    if inputs.ams:
        base = inputs.ams[0]
    else:
        doc = load_nodes(OPERATOR_DEFAULT, first.origin.path)
        assert doc.root is not None
        base = AMSource(
            Y(doc.root, Origin(first.origin.path, flat=first.pos())),
            "the Prometheus Operator's default configuration",
            OPERATOR_DEFAULT,
        )
        out.add(
            first.pos(),
            "no base Alertmanager configuration among the inputs: the Operator's default one is used (root receiver "
            '"null" that notifies nobody); give your Alertmanager\'s configSecret to start from it',
            d.IMPORT_NOTE,
        )
    if inputs.matcher_strategy is None:
        out.add(
            first.pos(),
            "no Alertmanager object among the inputs: its alertmanagerConfigMatcherStrategy is taken to be OnNamespace "
            '(each object\'s top route and inhibit rules match namespace="<its namespace>")',
            d.IMPORT_NOTE,
        )
    config = base.config
    routes: list[Node] = []
    receivers: list[Node] = []
    intervals: list[Node] = []
    inhibits: list[Node] = []
    for cr in sorted(inputs.operator_configs, key=lambda c: f"{c.namespace}/{c.name}"):
        conv = Converter(cr, out)
        enforce = _enforced(strategy, cr, inputs.am_namespace)
        spec = cr.obj.get("spec")
        if spec is None:
            out.add(cr.obj.pos(), "an AlertmanagerConfig without spec", d.IMPORT_INPUT)
            continue
        for iy in spec.get("inhibitRules") or []:
            inhibits.append(conv.inhibit_rule(iy, enforce))
        route = spec.get("route")
        if route is None:
            ignored = spec.get("receivers")
            if ignored is not None:
                out.note(
                    ignored,
                    "no route in this AlertmanagerConfig: the Operator ignores its receivers and time intervals",
                    level="warning",
                )
            continue
        routes.append(conv.route(route, True, enforce))
        for ry in spec.get("receivers") or []:
            receivers.append(conv.receiver(ry))
        for ty in spec.get("muteTimeIntervals") or []:
            intervals.append(conv.time_interval(ty))
    entries: list[tuple[str, Node]] = []
    keys: dict[str, Pos] = {}
    for key, value in config.items():
        keys[key] = value.key_pos()
        node = fixed(value)
        if key == "route":
            children = value.get("routes")
            others = [(k, fixed(v)) for k, v in value.items() if k != "routes"]
            merged_routes = routes + [fixed(c) for c in children or []]
            node = mapping([*others, ("routes", sequence(merged_routes, value.pos()))], value.pos())
        elif key == "receivers":
            node = sequence([fixed(r) for r in value] + receivers, value.pos())
        elif key == "inhibit_rules":
            node = sequence([fixed(r) for r in value] + inhibits, value.pos())
            inhibits = []
        elif key == "mute_time_intervals":
            node = sequence([fixed(r) for r in value] + intervals, value.pos())
            intervals = []
        entries.append((key, node))
    if inhibits:
        entries.append(("inhibit_rules", sequence(inhibits, first.pos())))
    if intervals:
        entries.append(("mute_time_intervals", sequence(intervals, first.pos())))
    root = mapping(entries, config.pos(), keys)
    text = yaml.serialize(_with_values(root, inputs), Dumper=yaml.SafeDumper)
    merged = AMSource(
        Y(root, config.origin),
        f"{base.label} with {len(inputs.operator_configs)} AlertmanagerConfig object(s)",
        text,
        base.base_dir,
        base.virtual,
    )
    inputs.ams = [merged, *inputs.ams[1:]]
