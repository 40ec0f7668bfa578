"""check's failure handling without tools: Alertmanager's receiver defaults, promtool's report read
back into the spec, and one block per distinct failure."""

from __future__ import annotations

from callalert.analysis.alertmanager.defaults import unset_defaults
from callalert.check import rule_tests
from callalert.check.report import failure_report
from callalert.check.steps import Case, Step, default_fields

# promtool test rules 2.42 (2.53 and 3.5 print the same block) for two failing groups of one file
PROMTOOL_OUTPUT = "".join(
    line + "\n"
    for line in (
        "Unit Testing:  tests/Down.test.yml",
        "  FAILED:",
        "    name: second,",
        "    alertname: Down, time: 1m30s, ",
        "        exp:[",
        "            0:",
        '              Labels:{alertname="Down", instance="x:1", job="api", severity="critical"}',
        "              Annotations:{}",
        "            ], ",
        "        got:[",
        "            0:",
        '              Labels:{alertname="Down", instance="b:1", job="api", severity="critical"}',
        "              Annotations:{}",
        "            ]",
        "",
        "    name: tests.rules[2] Down,",
        "    alertname: Down, time: 4m, ",
        "        exp:[], ",
        "        got:[",
        "            0:",
        '              Labels:{alertname="Down", instance="a:1", job="api", severity="critical"}',
        '              Annotations:{summary="api is down"}',
        "            ]",
        "",
    )
)


def test_unset_defaults_follow_alertmanager_s_rules() -> None:
    names = lambda entry, version="0.25": [d.path for d in unset_defaults("slack_configs", entry, version)]  # noqa: E731
    assert ("text",) in names({"channel": "#x"})
    assert ("text",) not in names({"text": "mine"})
    assert ("color",) in names({})
    # the Subject header is found case-insensitively
    email = lambda entry: [d.path for d in unset_defaults("email_configs", entry, "0.25")]  # noqa: E731
    assert email({"to": "a@b"}) == [("headers", "Subject"), ("html",)]
    assert email({"headers": {"subject": "s"}, "html": "h"}) == []
    # pagerduty details fill in key by key; their text changed in 0.30
    pd = {d.path: d.text for d in unset_defaults("pagerduty_configs", {"details": {"firing": "x"}}, "0.30")}
    assert ("details", "firing") not in pd
    assert pd[("details", "resolved")] == "{{ .Alerts.Resolved | toJson }}"
    assert {d.path: d.text for d in unset_defaults("pagerduty_configs", {}, "0.29")}[("details", "resolved")] == (
        '{{ template "pagerduty.default.instances" .Alerts.Resolved }}'
    )
    # slack's color became a template name in 0.32; jira's summary a {template} mapping in 0.30
    assert {d.path: d.text for d in unset_defaults("slack_configs", {}, "0.32")}[("color",)] == (
        '{{ template "slack.default.color" . }}'
    )
    assert [d.path for d in unset_defaults("jira_configs", {"summary": "mine"}, "0.33")] == [
        ("description", "template"),
        ("priority",),
    ]
    assert unset_defaults("webhook_configs", {"url": "http://x"}, "0.33") == []


def test_default_fields_name_the_receiver_field_they_fill() -> None:
    config = {"receivers": [{"name": "chat", "slack_configs": [{"channel": "#x", "title": "t"}]}]}
    fields = default_fields(config, "0.25")
    assert (
        "chat",
        "receivers.chat.slack_configs[0].text (Alertmanager's default)",
        "text",
        '{{ template "slack.default.text" . }}',
    ) in fields
    assert not any(f[2] == "title" for f in fields)


def test_promtool_failures_are_read_back_with_their_expectations() -> None:
    failures = rule_tests.parse_failures(PROMTOOL_OUTPUT)
    assert [(f.name, f.alert, f.time) for f in failures] == [("second", "Down", "1m30s"), ("tests.rules[2] Down", "Down", "4m")]
    assert [rule_tests.message(f) for f in failures] == [
        'Down at 1m30s: expected {alertname="Down", instance="x:1", job="api", severity="critical"}, '
        'got {alertname="Down", instance="b:1", job="api", severity="critical"}',
        'Down at 4m: expected no alert, got {alertname="Down", instance="a:1", job="api", severity="critical"} '
        'with annotations {summary="api is down"}',
    ]
    odd = rule_tests.parse_failures("  FAILED:\n    name: t,\n    1:3: parse error: unexpected <EOF>\n")
    assert [rule_tests.message(f) for f in odd] == ["t: 1:3: parse error: unexpected <EOF>"]


def test_identical_failures_are_reported_once() -> None:
    cases = [
        Case(
            f"f{field} with A{alert} ({status})",
            False,
            message="boom",
            output="cmd",
            data="template data: {}",
            subject=f"f{field}",
            sample=f"A{alert} ({status})",
        )
        for field in range(2)
        for alert in range(7)
        for status in ("firing", "resolved")
    ]
    cases.append(Case("f0 with A0 (firing)", False, message="other", output="cmd2", subject="f0", sample="A0 (firing)"))
    report = failure_report([Step("amtool template render", cases)])
    assert report == (
        "FAILED amtool template render: f0 with A0 (firing): boom\n"
        "    and 27 more with the same error (2 fields × 7 alerts × firing/resolved): fields f0, f1; "
        "alerts A0, A1, A2, A3, A4, … (7 in all)\n"
        "    cmd\n"
        "    template data: {}\n"
        "FAILED amtool template render: f0 with A0 (firing): other\n"
        "    cmd2\n"
    )
