"""What the Prometheus Operator does with Alertmanager configuration, knowing nothing of the spec.

Two directions of one table:

- `to_crd`: an Alertmanager receiver (or time interval) as an `AlertmanagerConfig`
  (monitoring.coreos.com/v1alpha1) spells it, and which options the CRD has no field for;
- `assemble`: the configuration the Operator generates from a base configuration and
  `AlertmanagerConfig` objects (pkg/alertmanager/amcfg.go, operator 0.93): receivers and time
  intervals named `<namespace>/<object>/<name>`, each object's top route first in the root's
  routes (objects in namespace/name order) with `continue: true` and, by the Alertmanager's
  `alertmanagerConfigMatcherStrategy`, a `namespace="<namespace>"` matcher (on both sides of its
  inhibit rules too); Secret key selectors replaced by the Secrets' values.

Field names come from the CRD schema of operator 0.93 (../shared/k8s/crds); the tests check
every object callalert writes against it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from callalert.analysis.alertmanager.matchers import Op, format_matcher

KeyPath = tuple[str | int, ...]

MATCHER_STRATEGIES = ("OnNamespace", "OnNamespaceExceptForAlertmanagerNamespace", "None")
# Where the Operator mounts what the Alertmanager object names (pkg/alertmanager/statefulset.go).
SECRETS_DIR = "/etc/alertmanager/secrets"
CONFIG_DIR = "/etc/alertmanager/config"  # the generated config Secret: alertmanager.yaml's siblings (templates)
_MOUNTED = re.compile(rf"^{re.escape(SECRETS_DIR)}/([^/]+)/([^/]+)$")


def mounted_secret(path: str) -> tuple[str, str] | None:
    """(Secret name, key) of a path where the Operator mounts `Alertmanager.spec.secrets`."""
    m = _MOUNTED.match(path)
    return (m.group(1), m.group(2)) if m else None


def mount_path(secret: str, key: str) -> str:
    return f"{SECRETS_DIR}/{secret}/{key}"


# --- the field table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class F:
    """One option: its CRD name and how its value is spelled there.

    kind: value (as is), secret (a Secret key selector), url_or_secret (a string `url`, or a
    selector in `secret_name`), kv (a mapping as [{key, value}]), http, tls, list / object (of
    `sub`), threading (email threading: `thread_by_date` → `threadByDate`, capitalised), path (a
    file path as a Secret key selector).
    """

    crd: str
    kind: str = "value"
    sub: Mapping[str, F] = field(default_factory=dict)
    secret_name: str = ""


def _t(**fields: F | str) -> dict[str, F]:
    return {k: (v if isinstance(v, F) else F(v)) for k, v in fields.items()}


TLS = _t(
    ca_file=F("ca", "path"),
    cert_file=F("cert", "path"),
    key_file=F("keySecret", "path"),
    server_name="serverName",
    insecure_skip_verify="insecureSkipVerify",
    min_version="minVersion",
    max_version="maxVersion",
)
HTTP = _t(
    basic_auth=F("basicAuth", "object", _t(username=F("username", "secret"), password=F("password", "secret"))),
    authorization=F("authorization", "object", _t(type="type", credentials=F("credentials", "secret"))),
    bearer_token=F("bearerTokenSecret", "secret"),
    proxy_url="proxyURL",
    tls_config=F("tlsConfig", "tls"),
    follow_redirects="followRedirects",
    enable_http2="enableHttp2",
)
COMMON = _t(send_resolved="sendResolved", http_config=F("httpConfig", "http"))

RECEIVERS: dict[str, tuple[str, dict[str, F]]] = {
    "email_configs": (
        "emailConfigs",
        _t(
            to="to",
            **{"from": F("from")},
            smarthost="smarthost",
            hello="hello",
            auth_username="authUsername",
            auth_password=F("authPassword", "secret"),
            auth_secret=F("authSecret", "secret"),
            auth_identity="authIdentity",
            require_tls="requireTLS",
            force_implicit_tls="forceImplicitTLS",
            tls_config=F("tlsConfig", "tls"),
            html="html",
            text="text",
            headers=F("headers", "kv"),
            threading=F("threading", "threading"),
            send_resolved="sendResolved",
        ),
    ),
    "slack_configs": (
        "slackConfigs",
        _t(
            api_url=F("apiURL", "secret"),
            channel="channel",
            username="username",
            color="color",
            title="title",
            title_link="titleLink",
            pretext="pretext",
            text="text",
            message_text="messageText",
            footer="footer",
            fallback="fallback",
            callback_id="callbackId",
            icon_emoji="iconEmoji",
            icon_url="iconURL",
            image_url="imageURL",
            thumb_url="thumbURL",
            link_names="linkNames",
            mrkdwn_in="mrkdwnIn",
            fields=F("fields", "list", _t(title="title", value="value", short="short")),
            short_fields="shortFields",
            actions=F(
                "actions",
                "list",
                _t(
                    type="type",
                    text="text",
                    url="url",
                    style="style",
                    name="name",
                    value="value",
                    confirm=F("confirm", "object", _t(text="text", title="title", ok_text="okText", dismiss_text="dismissText")),
                ),
            ),
            update_message="updateMessage",
            timeout="timeout",
            **COMMON,
        ),
    ),
    "pagerduty_configs": (
        "pagerdutyConfigs",
        _t(
            routing_key=F("routingKey", "secret"),
            service_key=F("serviceKey", "secret"),
            url="url",
            client="client",
            client_url="clientURL",
            description="description",
            severity="severity",
            **{"class": F("class")},
            component="component",
            group="group",
            source="source",
            details=F("details", "kv"),
            images=F("pagerDutyImageConfigs", "list", _t(src="src", alt="alt", href="href")),
            links=F("pagerDutyLinkConfigs", "list", _t(href="href", text="alt")),
            timeout="timeout",
            **COMMON,
        ),
    ),
    "webhook_configs": (
        "webhookConfigs",
        _t(url=F("url", "url_or_secret", secret_name="urlSecret"), max_alerts="maxAlerts", timeout="timeout", **COMMON),
    ),
    "opsgenie_configs": (
        "opsgenieConfigs",
        _t(
            api_key=F("apiKey", "secret"),
            api_url="apiURL",
            message="message",
            description="description",
            source="source",
            details=F("details", "kv"),
            entity="entity",
            responders=F("responders", "list", _t(id="id", name="name", username="username", type="type")),
            actions="actions",
            tags="tags",
            note="note",
            priority="priority",
            update_alerts="updateAlerts",
            **COMMON,
        ),
    ),
    "msteams_configs": (
        "msteamsConfigs",
        _t(webhook_url=F("webhookUrl", "secret"), title="title", summary="summary", text="text", **COMMON),
    ),
    "msteamsv2_configs": ("msteamsv2Configs", _t(webhook_url=F("webhookURL", "secret"), title="title", text="text", **COMMON)),
    "telegram_configs": (
        "telegramConfigs",
        _t(
            bot_token=F("botToken", "secret"),
            chat_id=F("chatID", "int"),
            message_thread_id="messageThreadID",
            api_url="apiURL",
            message="message",
            disable_notifications="disableNotifications",
            parse_mode="parseMode",
            **COMMON,
        ),
    ),
    "discord_configs": (
        "discordConfigs",
        _t(
            webhook_url=F("apiURL", "secret"),
            title="title",
            message="message",
            content="content",
            username="username",
            avatar_url="avatarURL",
            **COMMON,
        ),
    ),
    "webex_configs": ("webexConfigs", _t(room_id="roomID", api_url="apiURL", message="message", **COMMON)),
    "victorops_configs": (
        "victoropsConfigs",
        _t(
            routing_key="routingKey",
            api_key=F("apiKey", "secret"),
            api_url="apiUrl",
            message_type="messageType",
            entity_display_name="entityDisplayName",
            state_message="stateMessage",
            monitoring_tool="monitoringTool",
            custom_fields=F("customFields", "kv"),
            **COMMON,
        ),
    ),
    "pushover_configs": (
        "pushoverConfigs",
        _t(
            user_key=F("userKey", "secret"),
            token=F("token", "secret"),
            title="title",
            message="message",
            url="url",
            url_title="urlTitle",
            device="device",
            sound="sound",
            priority="priority",
            retry="retry",
            expire="expire",
            ttl="ttl",
            html="html",
            monospace="monospace",
            **COMMON,
        ),
    ),
    "sns_configs": (
        "snsConfigs",
        _t(
            api_url="apiURL",
            sigv4=F(
                "sigv4",
                "object",
                _t(
                    region="region",
                    access_key=F("accessKey", "secret"),
                    secret_key=F("secretKey", "secret"),
                    profile="profile",
                    role_arn="roleArn",
                    external_id="externalId",
                    use_fips_sts_endpoint="useFIPSSTSEndpoint",
                ),
            ),
            topic_arn="topicARN",
            phone_number="phoneNumber",
            target_arn="targetARN",
            subject="subject",
            message="message",
            attributes="attributes",
            use_aws_http_client="useAWSHTTPClient",
            **COMMON,
        ),
    ),
    "wechat_configs": (
        "wechatConfigs",
        _t(
            api_secret=F("apiSecret", "secret"),
            api_url="apiURL",
            corp_id="corpID",
            message="message",
            message_type="messageType",
            agent_id="agentID",
            to_user="toUser",
            to_party="toParty",
            to_tag="toTag",
            **COMMON,
        ),
    ),
    "rocketchat_configs": (
        "rocketchatConfigs",
        _t(
            api_url="apiURL",
            token=F("token", "secret"),
            token_id=F("tokenID", "secret"),
            channel="channel",
            color="color",
            title="title",
            title_link="titleLink",
            text="text",
            fields=F("fields", "list", _t(title="title", value="value", short="short")),
            short_fields="shortFields",
            emoji="emoji",
            icon_url="iconURL",
            image_url="imageURL",
            thumb_url="thumbURL",
            link_names="linkNames",
            actions=F("actions", "list", _t(text="text", url="url", msg="msg")),
            **COMMON,
        ),
    ),
}
# Secret key selectors whose Alertmanager option holds a file path rather than a value (`*_file`).
SECRET_SUFFIX = "_file"


@dataclass
class Conversion:
    """Callbacks of one conversion: `secret` turns a secret reference into a Secret key selector,
    `path` a file path into one (None: reported by the callback), `unsupported` reports an option
    the CRD has no field for."""

    secret: Callable[[Any, KeyPath], dict[str, str] | None]
    path: Callable[[str, KeyPath], dict[str, str] | None]
    unsupported: Callable[[KeyPath, str], None]


def _convert(data: Mapping[str, Any], table: Mapping[str, F], key: KeyPath, conv: Conversion, what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in data.items():
        fkey = (*key, name)
        f = table.get(name)
        if f is None:
            conv.unsupported(fkey, f"AlertmanagerConfig has no field for {what}.{name}")
            continue
        if f.kind == "value":
            out[f.crd] = value
        elif f.kind == "int":
            if isinstance(value, int) and not isinstance(value, bool):
                out[f.crd] = value
            else:
                conv.unsupported(fkey, f"AlertmanagerConfig's {f.crd} is a number; it cannot read {what}.{name} from a file")
        elif f.kind == "secret":
            ref = conv.secret(value, fkey)
            if ref is not None:
                out[f.crd] = ref
        elif f.kind == "url_or_secret":
            if isinstance(value, str):
                out[f.crd] = value
            else:
                ref = conv.secret(value, fkey)
                if ref is not None:
                    out[f.secret_name] = ref
        elif f.kind == "kv":
            out[f.crd] = [{"key": str(k), "value": str(v)} for k, v in value.items()]
        elif f.kind == "threading":
            thread: dict[str, Any] = {}
            for tname, tvalue in value.items():
                if tname == "thread_by_date":
                    thread["threadByDate"] = str(tvalue).capitalize()
                elif tname == "enabled" and tvalue is True:
                    continue  # the CRD's threading block is enabled by being there
                else:
                    conv.unsupported((*fkey, tname), f"AlertmanagerConfig has no field for {what}.threading.{tname}: {tvalue}")
            out[f.crd] = thread
        elif f.kind == "path":
            ref = conv.path(value, fkey)
            if ref is not None:
                out[f.crd] = {"secret": ref} if f.crd in ("ca", "cert") else ref
        elif f.kind in ("http", "tls", "object"):
            sub = HTTP if f.kind == "http" else TLS if f.kind == "tls" else f.sub
            out[f.crd] = _convert(value, sub, fkey, conv, f"{what}.{name}")
        elif f.kind == "list":
            out[f.crd] = [_convert(item, f.sub, (*fkey, i), conv, f"{what}.{name}[]") for i, item in enumerate(value)]
        else:  # pragma: no cover - a table entry with a kind this function does not know
            raise AssertionError(f.kind)
    return out


def receiver_to_crd(name: str, config: Mapping[str, Any], key: KeyPath, conv: Conversion) -> dict[str, Any]:
    """An Alertmanager receiver (its mapping without `name`) as an AlertmanagerConfig receiver."""
    out: dict[str, Any] = {"name": name}
    for kind, configs in config.items():
        if kind not in RECEIVERS:
            conv.unsupported(
                (*key, kind),
                f"AlertmanagerConfig has no {kind} (its receivers: {', '.join(sorted(RECEIVERS))})"
                if kind.endswith("_configs")
                else f"AlertmanagerConfig receivers have no {kind}",
            )
            continue
        crd, table = RECEIVERS[kind]
        out[crd] = [_convert(item, table, (*key, kind, i), conv, kind) for i, item in enumerate(configs)]
    return out


def day_range(text: str) -> dict[str, int]:
    start, _, end = str(text).partition(":")
    return {"start": int(start), "end": int(end or start)}


def time_interval_to_crd(name: str, intervals: Iterable[Mapping[str, Any]], key: KeyPath, conv: Conversion) -> dict[str, Any]:
    """A named time interval as an AlertmanagerConfig `muteTimeIntervals` item (it has no
    `location`: the Operator's time intervals are UTC)."""
    out: list[dict[str, Any]] = []
    for j, interval in enumerate(intervals):
        item: dict[str, Any] = {}
        for option, value in interval.items():
            okey = (*key, "time_intervals", j, option)
            if option == "times":
                item["times"] = [{"startTime": t["start_time"], "endTime": t["end_time"]} for t in value]
            elif option in ("weekdays", "months"):
                item[option] = [str(v).lower() for v in value]
            elif option == "years":
                item["years"] = [str(v) for v in value]
            elif option == "days_of_month":
                item["daysOfMonth"] = [day_range(v) for v in value]
            else:
                conv.unsupported(
                    okey,
                    f"AlertmanagerConfig time intervals have no {option} (the Operator's intervals are in UTC)"
                    if option == "location"
                    else f"AlertmanagerConfig time intervals have no {option}",
                )
        out.append(item)
    return {"name": name, "timeIntervals": out}


def matcher_to_crd(name: str, op: str, value: str) -> dict[str, str]:
    return {"name": name, "value": value, "matchType": op}


# --- the Operator's side: AlertmanagerConfig objects into one configuration ----------------------


def _reverse(table: Mapping[str, F]) -> dict[str, tuple[str, F]]:
    out: dict[str, tuple[str, F]] = {}
    for am, f in table.items():
        out[f.crd] = (am, f)
        if f.kind == "url_or_secret":
            out[f.secret_name] = (am, F(f.secret_name, "secret"))
    return out


def _from_crd(
    data: Mapping[str, Any], table: Mapping[str, F], secret_value: Callable[[Mapping[str, Any]], str]
) -> dict[str, Any]:
    back = _reverse(table)
    out: dict[str, Any] = {}
    for crd_name, value in data.items():
        if crd_name not in back:
            raise ValueError(f"no Alertmanager option for the CRD field {crd_name!r}")
        am, f = back[crd_name]
        if f.kind in ("value", "int", "url_or_secret"):
            out[am] = value
        elif f.kind == "secret":
            out[am] = secret_value(value)
        elif f.kind == "kv":
            out[am] = {item["key"]: item["value"] for item in value}
        elif f.kind == "threading":
            out[am] = {"enabled": True, "thread_by_date": str(value["threadByDate"]).lower()}
        elif f.kind == "path":
            ref = value.get("secret", value) if f.crd in ("ca", "cert") else value
            out[am] = mount_path(ref["name"], ref["key"])  # the Operator mounts TLS assets; the path is what matters here
        elif f.kind in ("http", "tls", "object"):
            sub = HTTP if f.kind == "http" else TLS if f.kind == "tls" else f.sub
            out[am] = _from_crd(value, sub, secret_value)
        elif f.kind == "list":
            out[am] = [_from_crd(item, f.sub, secret_value) for item in value]
    return out


def receiver_from_crd(receiver: Mapping[str, Any], secret_value: Callable[[Mapping[str, Any]], str]) -> dict[str, Any]:
    crd_kinds = {crd: (am, table) for am, (crd, table) in RECEIVERS.items()}
    out: dict[str, Any] = {"name": receiver["name"]}
    for crd, configs in receiver.items():
        if crd == "name":
            continue
        am, table = crd_kinds[crd]
        out[am] = [_from_crd(c, table, secret_value) for c in configs]
    return out


def _matchers(items: Iterable[Mapping[str, Any]]) -> list[str]:
    out = []
    for m in items:
        op = cast(Op, m.get("matchType") or ("=~" if m.get("regex") else "="))
        out.append(format_matcher(m["name"], op, m.get("value", "")))
    return out


def _prefixed(name: str, namespace: str, obj: str) -> str:
    return f"{namespace}/{obj}/{name}" if name else ""


def _route(route: Mapping[str, Any], namespace: str, obj: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if route.get("receiver"):
        out["receiver"] = _prefixed(route["receiver"], namespace, obj)
    if route.get("matchers"):
        out["matchers"] = _matchers(route["matchers"])
    if route.get("continue"):
        out["continue"] = True
    for crd, am in (("groupBy", "group_by"), ("groupWait", "group_wait"), ("groupInterval", "group_interval")):
        if route.get(crd):
            out[am] = list(route[crd]) if crd == "groupBy" else route[crd]
    if route.get("repeatInterval"):
        out["repeat_interval"] = route["repeatInterval"]
    for crd, am in (("muteTimeIntervals", "mute_time_intervals"), ("activeTimeIntervals", "active_time_intervals")):
        if route.get(crd):
            out[am] = [_prefixed(n, namespace, obj) for n in route[crd]]
    if route.get("routes"):
        out["routes"] = [_route(child, namespace, obj) for child in route["routes"]]
    return out


def _time_interval_from_crd(item: Mapping[str, Any], namespace: str, obj: str) -> dict[str, Any]:
    intervals = []
    for ti in item.get("timeIntervals", []):
        out: dict[str, Any] = {}
        if ti.get("times"):
            out["times"] = [{"start_time": t["startTime"], "end_time": t["endTime"]} for t in ti["times"]]
        for name in ("weekdays", "months", "years"):
            if ti.get(name):
                out[name] = list(ti[name])
        if ti.get("daysOfMonth"):
            out["days_of_month"] = [f"{d['start']}:{d['end']}" for d in ti["daysOfMonth"]]
        intervals.append(out)
    return {"name": _prefixed(item["name"], namespace, obj), "time_intervals": intervals}


def namespace_matched(strategy: str, namespace: str, am_namespace: str) -> bool:
    """Whether the Operator adds `namespace="<namespace>"` to an object's top route and inhibit rules."""
    if strategy == "None":
        return False
    return not (strategy == "OnNamespaceExceptForAlertmanagerNamespace" and namespace == am_namespace)


def assemble(
    base: Mapping[str, Any],
    objects: Iterable[Mapping[str, Any]],
    *,
    strategy: str = "OnNamespace",
    am_namespace: str,
    secret_value: Callable[[str, Mapping[str, Any]], str],
) -> dict[str, Any]:
    """The Alertmanager configuration the Operator generates from `base` (the configuration
    Secret's alertmanager.yaml) and AlertmanagerConfig `objects`; `secret_value(namespace, selector)`
    reads a Secret key as the Operator does."""
    config: dict[str, Any] = dict(base.items())
    config["route"] = dict(base["route"])
    config["receivers"] = list(base.get("receivers", []))
    config["inhibit_rules"] = list(base.get("inhibit_rules", []))
    mute: list[dict[str, Any]] = list(base.get("mute_time_intervals", []))
    sub_routes: list[dict[str, Any]] = []
    by_id = {f"{o['metadata']['namespace']}/{o['metadata']['name']}": o for o in objects}
    for ident in sorted(by_id):
        obj = by_id[ident]
        namespace, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        spec = obj.get("spec", {})
        enforce = namespace_matched(strategy, namespace, am_namespace)
        ns_matcher = format_matcher("namespace", "=", namespace)
        for rule in spec.get("inhibitRules", []):
            item: dict[str, Any] = {
                "source_matchers": _matchers(rule.get("sourceMatch", [])),
                "target_matchers": _matchers(rule.get("targetMatch", [])),
            }
            if enforce:
                for side in ("source_matchers", "target_matchers"):
                    if ns_matcher not in item[side]:
                        item[side].append(ns_matcher)
            if rule.get("equal"):
                item["equal"] = list(rule["equal"])
            config["inhibit_rules"].append(item)
        if spec.get("route") is None:
            continue
        route = _route(spec["route"], namespace, name)
        if enforce:
            route["matchers"] = [*route.get("matchers", []), ns_matcher]
        route["continue"] = True
        sub_routes.append(route)

        def value(selector: Mapping[str, Any], namespace: str = namespace) -> str:
            return secret_value(namespace, selector)

        for receiver in spec.get("receivers", []):
            plain = receiver_from_crd(receiver, value)
            plain["name"] = _prefixed(receiver["name"], namespace, name)
            config["receivers"].append(plain)
        mute.extend(_time_interval_from_crd(item, namespace, name) for item in spec.get("muteTimeIntervals", []))
    config["route"]["routes"] = [*sub_routes, *base["route"].get("routes", [])]
    if mute:
        config["mute_time_intervals"] = mute
    if not config["inhibit_rules"]:
        del config["inhibit_rules"]
    return config
