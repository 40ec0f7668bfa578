"""What a file is, by content: a callalert spec, a Prometheus rule file, a promtool test file,
an alertmanager.yml, a Go notification template, a list of silences in Alertmanager's API format, or a
rule group callalert copied for its tests."""

from __future__ import annotations

from typing import Any, Literal

from callalert.render.promtool_tests import TEST_COPY_MARK

Kind = Literal["spec", "rules", "rules-test", "callalert-output", "alertmanager", "template", "silences", "unknown"]

_AM_KEYS = frozenset({"route", "receivers", "inhibit_rules", "templates", "time_intervals", "mute_time_intervals"})
_AM_GLOBAL_KEYS = frozenset(
    {"resolve_timeout", "smtp_smarthost", "smtp_from", "slack_api_url", "pagerduty_url", "opsgenie_api_url", "http_config"}
)


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
    if "version" in data and (
        "severities" in data
        or ("receivers" in data and isinstance(data.get("receivers"), dict))
        or ("groups" in data and _spec_groups(data["groups"]))
    ):
        return "spec"
    if "rule_files" in data and "tests" in data:
        return "rules-test"
    if isinstance(data.get("groups"), list):
        return "rules"
    if "route" in data or isinstance(data.get("receivers"), list):
        return "alertmanager"
    keys = set(map(str, data))
    if keys & _AM_KEYS or (isinstance(data.get("global"), dict) and set(map(str, data["global"])) & _AM_GLOBAL_KEYS):
        return "alertmanager"
    return "unknown"


def _spec_groups(groups: Any) -> bool:
    return isinstance(groups, list) and any(isinstance(g, dict) and "alerts" in g for g in groups)
