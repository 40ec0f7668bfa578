"""What a file (or one YAML document of it) is, by content: the one detector `lint`, `diff` and `import` share.

A callalert spec, a Prometheus rule file, a promtool test file, an alertmanager.yml, a Go
notification template, a list of silences in Alertmanager's API format, and the packagings real stacks keep them in: Kubernetes objects
(PrometheusRule, AlertmanagerConfig, Alertmanager, a Secret or ConfigMap holding alertmanager.yaml,
a List of them), kube-prometheus-stack Helm values, and Mimir/Cortex ruler namespace files and
Alertmanager tenant configurations.
"""

from __future__ import annotations

import re
from typing import Any, Literal

# The first line of the rule-group copies `render` writes for promtool tests (not deployed).
TEST_COPY_MARK = "# callalert test copy:"

Kind = Literal[
    "spec",
    "rules",
    "rules-test",
    "callalert-output",
    "alertmanager",
    "template",
    "silences",
    "mimir-rules",
    "mimir-alertmanager",
    "prometheusrule",
    "alertmanagerconfig",
    "k8s-alertmanager",
    "k8s-secret",
    "k8s-configmap",
    "k8s-list",
    "k8s-other",
    "helm-values",
    "unknown",
]

# The kinds that are Kubernetes objects (or a List of them).
KUBERNETES_KINDS: frozenset[Kind] = frozenset(
    {"prometheusrule", "alertmanagerconfig", "k8s-alertmanager", "k8s-secret", "k8s-configmap", "k8s-list", "k8s-other"}
)

# What each kind is, in words (for messages).
DESCRIPTIONS: dict[str, str] = {
    "spec": "a callalert spec",
    "rules": "a Prometheus rule file",
    "rules-test": "a promtool unit-test file",
    "callalert-output": "a rule group callalert copied for its tests",
    "alertmanager": "an alertmanager.yml",
    "template": "a notification template",
    "silences": "a list of silences in Alertmanager's API format",
    "mimir-rules": "a Mimir/Cortex ruler namespace file",
    "mimir-alertmanager": "a Mimir/Cortex Alertmanager tenant configuration",
    "prometheusrule": "a Kubernetes PrometheusRule",
    "alertmanagerconfig": "a Kubernetes AlertmanagerConfig",
    "k8s-alertmanager": "a Kubernetes Alertmanager object",
    "k8s-secret": "a Kubernetes Secret",
    "k8s-configmap": "a Kubernetes ConfigMap",
    "k8s-list": "a Kubernetes List",
    "k8s-other": "a Kubernetes object",
    "helm-values": "kube-prometheus-stack Helm values",
    "unknown": "an unknown file",
}

_AM_KEYS = frozenset({"route", "receivers", "inhibit_rules", "templates", "time_intervals", "mute_time_intervals"})
_AM_GLOBAL_KEYS = frozenset(
    {"resolve_timeout", "smtp_smarthost", "smtp_from", "slack_api_url", "pagerduty_url", "opsgenie_api_url", "http_config"}
)
_MONITORING_GROUP = "monitoring.coreos.com/"
_HELM_RULE_KEYS = ("additionalPrometheusRulesMap", "additionalPrometheusRules")
_HELM_AM_KEYS = ("config", "templateFiles", "stringConfig", "tplConfig", "alertmanagerSpec")


# A whole spec names itself in its top-level keys: `version: 1`, and `severities:` or `receivers:`.
_SPEC_VERSION = re.compile(r"(?m)^version:\s*['\"]?1['\"]?\s*(#.*)?$")
_SPEC_KEYS = re.compile(r"(?m)^(severities|receivers):\s*(#.*)?$")


def looks_like_spec(path: str, text: str) -> bool:
    """Whether `text` is a whole spec by its top-level keys, told without loading it: `lint` and
    `diff` hand such a file to validation, which loads it (once: a big spec's load is the costly part)."""
    return not path.endswith((".tmpl", ".tpl")) and bool(_SPEC_VERSION.search(text)) and bool(_SPEC_KEYS.search(text))


def detect(path: str, text: str, data: Any) -> Kind:
    """`data` is the loaded YAML (None for a template or an unreadable file)."""
    if text.startswith(TEST_COPY_MARK):
        return "callalert-output"  # render's copy for promtool tests: annotations dropped on purpose, not deployed
    if path.endswith(".tmpl") or ((data is None or isinstance(data, str)) and "{{" in text and "define" in text):
        return "template"
    if isinstance(data, list) and data and all(isinstance(s, dict) and "matchers" in s and "endsAt" in s for s in data):
        return "silences"  # Alertmanager API silences (what `callalert render` writes as silences.json)
    if not isinstance(data, dict):
        return "unknown"
    if "version" not in data and isinstance(data.get("alerts"), dict):
        return "unknown"  # an overlay (its `alerts:` changes alerts by name): lint the spec it is applied to
    if ("version" in data or "route" not in data) and (  # `route:` without `version:`: an alertmanager.yml
        "severities" in data
        or "routing" in data
        or ("receivers" in data and isinstance(data.get("receivers"), dict))
        or ("groups" in data and _spec_groups(data["groups"]))
    ):
        return "spec"  # a whole spec, or one file of a spec in several (a team's, without `version:`)
    k8s = _kubernetes(data)
    if k8s is not None:
        return k8s
    if "rule_files" in data and "tests" in data:
        return "rules-test"
    if isinstance(data.get("groups"), list):
        return "mimir-rules" if isinstance(data.get("namespace"), str) else "rules"
    if isinstance(data.get("alertmanager_config"), str):
        return "mimir-alertmanager"
    if _helm_values(data):
        return "helm-values"
    if "route" in data or isinstance(data.get("receivers"), list):
        return "alertmanager"
    keys = set(map(str, data))
    if keys & _AM_KEYS or (isinstance(data.get("global"), dict) and set(map(str, data["global"])) & _AM_GLOBAL_KEYS):
        return "alertmanager"
    return "unknown"


def _kubernetes(data: dict[Any, Any]) -> Kind | None:
    api, kind = data.get("apiVersion"), data.get("kind")
    if not isinstance(api, str) or not isinstance(kind, str):
        return None
    if api.startswith(_MONITORING_GROUP):
        if kind == "PrometheusRule":
            return "prometheusrule"
        if kind == "AlertmanagerConfig":
            return "alertmanagerconfig"
        if kind == "Alertmanager":
            return "k8s-alertmanager"
    if api == "v1":
        if kind == "Secret":
            return "k8s-secret"
        if kind == "ConfigMap":
            return "k8s-configmap"
        if kind == "List":
            return "k8s-list"
    if kind.endswith("List") and isinstance(data.get("items"), list):
        return "k8s-list"
    return "k8s-other"


def _helm_values(data: dict[Any, Any]) -> bool:
    if any(isinstance(data.get(key), (dict, list)) for key in _HELM_RULE_KEYS):
        return True
    am = data.get("alertmanager")
    return isinstance(am, dict) and any(key in am for key in _HELM_AM_KEYS)


def _spec_groups(groups: Any) -> bool:
    return isinstance(groups, list) and any(isinstance(g, dict) and "alerts" in g for g in groups)
