"""Each lint rule: a case that triggers it and a case that does not."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from callalert.analysis import gotemplate
from callalert.lint import lint_paths
from callalert.lint.engine import Options

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def lint(tmp_path: Path, files: dict[str, str], **opts: object) -> list[tuple[str, int, str, str]]:
    paths = []
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        paths.append(path)
    ext = opts.pop("external_labels", None)
    result = lint_paths(paths, Options(NOW, **opts), external_labels=ext)  # type: ignore[arg-type]
    return [(Path(p.path).name, p.line, p.rule, p.message) for p in result.problems]


def rules_of(found: list[tuple[str, int, str, str]]) -> set[str]:
    return {f[2] for f in found}


RULES = """
groups:
- name: g
  rules:
  - alert: HighErrors
    expr: sum(rate(errors_total[5m])) > 1
    for: 5m
    labels: {severity: critical}
    annotations:
      summary: 'errors on {{ $labels.instance }}'
      description: d
      runbook_url: https://r/x
      dashboard: https://d/x
"""


def test_annotation_label_aggregated_away(tmp_path: Path) -> None:
    found = lint(tmp_path, {"r.yml": RULES})
    assert (
        "r.yml",
        9,
        "annotation-label-never-set",
        "annotation summary of HighErrors reads $labels.instance, but the expression never returns the label instance "
        "(it is aggregated away), so it renders empty",
    ) in found


def test_annotation_label_kept_by(tmp_path: Path) -> None:
    found = lint(tmp_path, {"r.yml": RULES.replace("sum(rate", "sum by (instance) (rate")})
    assert "annotation-label-never-set" not in rules_of(found)


def test_annotation_reads_rule_label(tmp_path: Path) -> None:
    # Checked with promtool 2.42: $labels holds only the result's labels, not the rule's own labels.
    found = lint(tmp_path, {"r.yml": RULES.replace("$labels.instance", "$labels.severity")})
    msgs = [f[3] for f in found if f[2] == "annotation-label-never-set"]
    assert msgs == [
        "annotation summary of HighErrors reads $labels.severity, but severity is a rule label, not a label of "
        "the expression's result: $labels holds only the result's labels, so it renders empty"
    ]


AM = """
route:
  receiver: pager
  group_by: [alertname, team]
  routes:
  - matchers: ['severity="critical"']
    receiver: pager
inhibit_rules:
- source_matchers: ['severity="critical"']
  target_matchers: ['severity="warning"']
  equal: [cluster]
receivers:
- name: pager
  pagerduty_configs:
  - routing_key_file: /s
    description: '{{ .CommonLabels.team }}'
"""


def test_cross_layer_label_contract(tmp_path: Path) -> None:
    found = lint(tmp_path, {"r.yml": RULES, "am.yml": AM}, external_labels=[])
    by_rule = {f[2]: f for f in found}
    assert by_rule["group-by-label-never-set"][:2] == ("am.yml", 3)
    assert by_rule["inhibit-equal-never-set"][:2] == ("am.yml", 10)
    assert (
        by_rule["template-label-never-set"][3]
        == "receiver pager: .CommonLabels.team: no alert carries the label 'team', so it is always empty"
    )


def test_cross_layer_skipped_without_alerts_or_external_labels(tmp_path: Path) -> None:
    assert not {"group-by-label-never-set", "inhibit-equal-never-set"} & rules_of(lint(tmp_path, {"am.yml": AM}))
    # external labels unknown: cluster/team could come from them
    assert not {"group-by-label-never-set", "inhibit-equal-never-set"} & rules_of(lint(tmp_path, {"r.yml": RULES, "am.yml": AM}))
    # the label is on the alert: fine
    found = lint(
        tmp_path,
        {"r.yml": RULES.replace("severity: critical}", "severity: critical, team: a, cluster: b}"), "am.yml": AM},
        external_labels=[],
    )
    assert not {"group-by-label-never-set", "inhibit-equal-never-set", "template-label-never-set"} & rules_of(found)


def test_route_matcher_label_never_set(tmp_path: Path) -> None:
    am = AM.replace(
        """  - matchers: ['severity="critical"']\n    receiver: pager""", """  - matchers: ['team="db"']\n    receiver: pager"""
    )
    assert "route-matcher-label-never-set" in rules_of(lint(tmp_path, {"r.yml": RULES, "am.yml": am}, external_labels=[]))
    assert "route-matcher-label-never-set" not in rules_of(lint(tmp_path, {"r.yml": RULES, "am.yml": AM}, external_labels=[]))


def test_promql_pitfalls(tmp_path: Path) -> None:
    bad = RULES.replace("sum(rate(errors_total[5m])) > 1", "histogram_quantile(0.9, sum(rate(x_bucket[30s]))) > 1")
    found = rules_of(lint(tmp_path, {"r.yml": bad}))
    assert {"promql-histogram-quantile-no-le", "promql-range-too-short"} <= found
    assert not {"promql-histogram-quantile-no-le", "promql-range-too-short"} & rules_of(lint(tmp_path, {"r.yml": RULES}))


def test_promql_unknown_metric_with_catalog(tmp_path: Path) -> None:
    from callalert.analysis.promql.catalog import load_catalog

    found = lint(tmp_path, {"r.yml": RULES}, catalog=load_catalog("- {name: errors_totl, type: counter}\n"))
    assert [f[3] for f in found if f[2] == "promql-unknown-metric"] == [
        "alert HighErrors: metric 'errors_total' is not in the metrics catalog; did you mean 'errors_totl'?"
    ]
    found = lint(tmp_path, {"r.yml": RULES}, catalog=load_catalog("- {name: errors_total, type: counter}\n"))
    assert "promql-unknown-metric" not in rules_of(found)


def test_practice_rules(tmp_path: Path) -> None:
    bad = """
    groups:
    - name: g
      rules:
      - alert: Down
        expr: up == 0
        labels: {severity: critical}
    """
    found = rules_of(lint(tmp_path, {"r.yml": bad}))
    assert {"alert-missing-annotation", "alert-missing-runbook", "alert-missing-dashboard", "critical-without-for"} <= found
    assert not found & {
        "alert-missing-annotation",
        "alert-missing-runbook",
        "alert-missing-dashboard",
        "critical-without-for",
    } - rules_of(lint(tmp_path, {"r.yml": bad}))
    assert not {
        "alert-missing-annotation",
        "alert-missing-runbook",
        "alert-missing-dashboard",
        "critical-without-for",
    } & rules_of(lint(tmp_path, {"r.yml": RULES}))


def test_secrets(tmp_path: Path) -> None:
    bad = "route: {receiver: a}\nreceivers:\n- name: a\n  webhook_configs:\n  - url: https://h/x?token=abc\n    http_config:\n      basic_auth: {username: u, password: p}\n"
    found = [f for f in lint(tmp_path, {"am.yml": bad}) if f[2] == "am-plaintext-secret"]
    assert [(f[1], f[3]) for f in found] == [
        (5, "plaintext secret: url is written in the file (a URL with a credential in its query (token=...))"),
        (7, "plaintext secret: password is written in the file"),
    ]
    good = "route: {receiver: a}\nreceivers:\n- name: a\n  webhook_configs:\n  - url: https://h/x\n    http_config:\n      basic_auth: {username: u, password_file: /p}\n"
    assert "am-plaintext-secret" not in rules_of(lint(tmp_path, {"am.yml": good}))


def test_routing_rules_plain(tmp_path: Path) -> None:
    bad = """
    route:
      receiver: a
      routes:
      - matchers: ['severity="critical"']
        receiver: slack
      - matchers: ['severity="critical"', 'team=~"db"']
        receiver: nope
      - matchers: ['category="availability|errors"', 'team=db ops']
        receiver: a
    receivers:
    - name: a
    - name: slack
    - name: unused
    """
    found = lint(tmp_path, {"am.yml": bad})
    rules = rules_of(found)
    assert {
        "route-shadowed",
        "receiver-undefined",
        "receiver-unused",
        "critical-no-paging",
        "matcher-regex-literal",
        "matcher-literal-regex",
        "matcher-unquoted-special",
    } <= rules
    assert [f[3] for f in found if f[2] == "receiver-undefined"] == ["receiver 'nope' is not defined"]
    good = """
    route:
      receiver: a
      routes:
      - matchers: ['severity="critical"', 'team="db"']
        receiver: pager
      - matchers: ['severity="critical"']
        receiver: pager
        continue: true
      - matchers: ['category=~"availability|errors"']
        receiver: a
    receivers:
    - name: a
      webhook_configs: [{url: 'http://chat.example.com/hook'}]
    - name: pager
      pagerduty_configs: [{routing_key_file: /etc/alertmanager/pagerduty}]
    """
    assert not rules & rules_of(lint(tmp_path, {"am.yml": good}))


def test_matcher_several_in_one(tmp_path: Path) -> None:
    am = 'route:\n  receiver: a\n  routes:\n  - matchers: [\'severity="critical",team="db"\']\n    receiver: a\nreceivers:\n- name: a\n'
    assert "matcher-several-in-one" in rules_of(lint(tmp_path, {"am.yml": am}))


def test_alert_default_only(tmp_path: Path) -> None:
    am = "route:\n  receiver: a\n  routes:\n  - matchers: ['severity=\"critical\"']\n    receiver: pager\nreceivers:\n- name: a\n- name: pager\n"
    typo = RULES.replace("severity: critical", "severity: crtical")
    found = lint(tmp_path, {"r.yml": typo, "am.yml": am})
    assert [f[3] for f in found if f[2] == "alert-default-only"] == [
        "alert HighErrors matches no route: only the default receiver 'a' gets it"
    ]
    assert "alert-default-only" not in rules_of(lint(tmp_path, {"r.yml": RULES, "am.yml": am}))


def test_templates(tmp_path: Path) -> None:
    tmpl = '{{ define "x" }}{{ .CommonLabel.alertname | upper }}{{ template "y" . }}{{ .StartsAt | since }}{{ end }}\n'
    found = lint(tmp_path, {"t.tmpl": tmpl}, target_alertmanager="0.25")
    assert sorted((f[2], f[3]) for f in found) == [
        ("template-function-unknown", "function 'upper' is not defined in Alertmanager templates; did you mean 'toUpper'?"),
        (
            "template-function-version",
            "function 'since' needs Alertmanager ≥ 0.28; the target is 0.25, which refuses to load this template",
        ),
        ("template-undefined", "template 'y' is not defined in any template given"),
        (
            "template-unknown-field",
            ".CommonLabel.alertname: Alertmanager's template data has no field 'CommonLabel'; did you mean 'CommonLabels'?",
        ),
        # .StartsAt belongs to each alert: at this level `.` is template.Data (amtool 0.25 fails the same way)
        (
            "template-unknown-field",
            ".StartsAt: Alertmanager's template data has no field 'StartsAt'; .StartsAt belongs to each alert: "
            "use it inside {{ range .Alerts }}",
        ),
    ]
    assert [(f[1], f[2]) for f in lint(tmp_path, {"t.tmpl": tmpl}, target_alertmanager="0.25")] == [
        (1, "template-unknown-field"),
        (1, "template-function-unknown"),
        (1, "template-undefined"),
        (1, "template-unknown-field"),
        (1, "template-function-version"),
    ]
    good = '{{ define "x" }}{{ .CommonLabels.alertname | toUpper }}{{ template "slack.default.title" . }}{{ range .Alerts }}{{ .StartsAt | since }}{{ end }}{{ end }}\n'
    assert lint(tmp_path, {"t.tmpl": good}, target_alertmanager="0.28") == []


def test_template_fields_follow_dot(tmp_path: Path) -> None:
    tmpl = """
    {{ define "x" }}{{ range .Alerts }}{{ .Labels.team }} {{ .CommonLabels.team }} {{ $.CommonLabels.team }}{{ end }}
    {{ .Labels.team }} {{ $.Receiver }} {{ range .Alerts.Firing }}{{ .StartsAt.Unix }} {{ .Startsat }}{{ end }}{{ end }}
    """
    found = lint(tmp_path, {"t.tmpl": tmpl})
    assert [(f[1], f[3]) for f in found if f[2] == "template-unknown-field"] == [
        (
            1,
            ".CommonLabels.team: an alert (template.Alert, inside range .Alerts) has no field 'CommonLabels'; "
            ".CommonLabels belongs to the notification: use $.CommonLabels inside range",
        ),
        (
            2,
            ".Labels.team: Alertmanager's template data has no field 'Labels'; did you mean 'CommonLabels'? "
            "(.Labels belongs to each alert: {{ range .Alerts }}{{ .Labels.x }}{{ end }})",
        ),
        (2, ".Startsat: an alert (template.Alert, inside range .Alerts) has no field 'Startsat'; did you mean 'StartsAt'?"),
    ]


def test_template_builtin_names_by_version(tmp_path: Path) -> None:
    # msteams.default.* arrived after 0.25: amtool 0.25 has no such template in its default.tmpl
    tmpl = '{{ define "x" }}{{ template "msteams.default.title" . }}{{ template "slack.default.title" . }}{{ end }}\n'
    assert [f[1:] for f in lint(tmp_path, {"t.tmpl": tmpl}, target_alertmanager="0.25")] == [
        (1, "template-undefined", "template 'msteams.default.title' is not defined in any template given")
    ]
    assert lint(tmp_path, {"t.tmpl": tmpl}, target_alertmanager="0.28") == []


def test_template_syntax_plain_files(tmp_path: Path) -> None:
    tmpl = '{{ define "x" }}\n{{ if .Alerts }}firing\n{{ end }}\n'
    assert lint(tmp_path, {"t.tmpl": tmpl}) == [("t.tmpl", 4, "template-syntax", "invalid template: unexpected EOF")]
    am = "route: {receiver: a}\nreceivers:\n- name: a\n  slack_configs:\n  - channel: x\n    text: '{{ .CommonLabels.a '\n"
    found = [f for f in lint(tmp_path, {"am.yml": am}) if f[2].startswith("template")]
    assert [(f[1], f[2]) for f in found] == [(6, "template-syntax")]
    assert found[0][3].startswith("receiver a: invalid template: ")


def test_template_label_read_inside_range(tmp_path: Path) -> None:
    tmpl = '{{ define "x" }}{{ range .Alerts }}\n{{ .Labels.team }}{{ index .Labels "cluster" }}{{ end }}{{ .GroupLabels.instance }}{{ end }}\n'
    found = lint(tmp_path, {"r.yml": RULES, "t.tmpl": tmpl}, external_labels=[])
    assert [(f[1], f[3]) for f in found if f[2] == "template-label-never-set"] == [
        (2, ".Labels.team: no alert carries the label 'team', so this is always empty"),
        (2, ".Labels.cluster: no alert carries the label 'cluster', so this is always empty"),
        (2, ".GroupLabels.instance: no alert carries the label 'instance', so this is always empty"),
    ]


TEMPLATED_SPEC = """
version: 1
defaults:
  targets: {alertmanager: "0.28"}
severities:
  critical: {notify: [pager]}
receivers:
  pager: {webhook_configs: [{url: http://pager}]}
routing: {receiver: pager}
templates:
  files: [t.tmpl]
groups:
  - name: g
    alerts:
      - name: Down
        expr: up == 0
        for: 5m
        severity: critical
        summary: s
        description: d
        dashboard: /d
        runbook: {description: x, investigation: [a], mitigation: [b]}
"""


def test_spec_templates_not_reported_twice(tmp_path: Path) -> None:
    tmpl = '{{ define "x" }}{{ range .Alerts }}{{ .StartsAt | since }} {{ .Status }}{{ .Bogus }}{{ end }}{{ end }}\n'
    (tmp_path / "t.tmpl").write_text(tmpl, encoding="utf-8")
    (tmp_path / "s.yaml").write_text(TEMPLATED_SPEC.lstrip("\n"), encoding="utf-8")

    def run(target: str | None) -> list[tuple[str, int, int, str, str]]:
        result = lint_paths([tmp_path / "s.yaml"], Options(NOW, target))
        return [(Path(p.path).name, p.line, p.col, p.rule, p.message) for p in result.problems if "template" in p.rule]

    # the spec's own target: validate checked functions and calls; lint adds the field check only
    bogus = (
        "t.tmpl",
        1,
        76,
        "template-unknown-field",
        ".Bogus: an alert (template.Alert, inside range .Alerts) has no field 'Bogus'",
    )
    assert run(None) == [bogus]
    # another target: lint checks functions for it (validate checked 0.28)
    assert run("0.25") == [
        (
            "t.tmpl",
            1,
            51,
            "template-function-version",
            "function 'since' needs Alertmanager ≥ 0.28; the target is 0.25, which refuses to load this template",
        ),
        bogus,
    ]
    # the spec's target too low: validate's error only, the lint world is not built
    (tmp_path / "s.yaml").write_text(TEMPLATED_SPEC.lstrip("\n").replace('"0.28"', '"0.25"'), encoding="utf-8")
    assert [(r[0], r[3]) for r in run(None)] == [("t.tmpl", "template-function")]


def test_deprecated_match(tmp_path: Path) -> None:
    am = "route:\n  receiver: a\n  routes:\n  - match: {team: db}\n    match_re: {env: prod|stage}\n    receiver: a\nreceivers:\n- name: a\n"
    found = lint(tmp_path, {"am.yml": am})
    assert [f for f in found if f[2] == "am-deprecated-match"] == [
        ("am.yml", 4, "am-deprecated-match", "match and match_re are deprecated")
    ]


def test_spec_policy_and_silences(tmp_path: Path) -> None:
    from tests.conftest import EXAMPLE_SPEC

    result = lint_paths([EXAMPLE_SPEC], Options(NOW))
    found = [(p.key, p.rule, p.message) for p in result.problems]
    # the table read as the policy of explicit routes: each declared receiver must be reachable by an
    # alert of that severity (nothing routes to sms), each alert must reach a declared receiver (they do)
    assert [(k, m) for k, r, m in found if r == "routing-policy-mismatch"] == [
        (
            "severities.critical.notify[1]",
            "severity critical declares sms, but no alert with severity='critical' can reach it: no route that delivers "
            "to sms matches severity='critical'",
        )
    ]
    assert ("receivers.sms", "receiver-unused", "receiver 'sms' is not used by any route") in found
    assert [k for k, r, _ in found if r == "silence-expired"] == ["silences[0].ends_at", "silences[1].ends_at"]
    later = lint_paths([EXAMPLE_SPEC], Options(datetime(2023, 6, 1, 11, tzinfo=UTC)))
    assert [p.key for p in later.problems if p.rule == "silence-expired"] == []
    assert "silence-matches-nothing" not in {p.rule for p in later.problems}


SPEC = """
version: 1
severities:
  critical: {notify: [chat]}
receivers:
  chat: {webhook_configs: [{url: http://chat}]}
routing: {receiver: chat}
silences:
  - matchers: ['alertname="Nope"']
    starts_at: 2023-06-01T10:00:00Z
    ends_at: 2099-06-01T12:00:00Z
    created_by: me
    comment: c
  - matchers: ['severity="critical"']
    starts_at: 2023-06-01T10:00:00Z
    ends_at: 2099-06-01T12:00:00Z
    created_by: me
    comment: c
groups:
  - name: g
    alerts:
      - name: Down
        expr: up == 0
        severity: critical
        summary: s
        description: d
        runbook: {description: x}
      - name: Down2
        expr: up == 0
        for: 1m
        severity: critical
        summary: s
        description: d
        dashboard: /d
        runbook: {description: x, investigation: [a], mitigation: [b]}
"""


def test_spec_rules(tmp_path: Path) -> None:
    found = lint(tmp_path, {"s.yaml": SPEC})
    rules = [(f[1], f[2]) for f in found]
    assert (21, "critical-no-paging") in rules and (27, "critical-no-paging") in rules
    assert (8, "silence-matches-nothing") in rules
    assert (13, "silence-all-critical") in rules
    assert (21, "critical-without-for") in rules
    assert (26, "critical-runbook-steps") in rules
    assert (21, "alert-missing-dashboard") in rules
    fixed = SPEC.replace("['alertname=\"Nope\"']", "['alertname=\"Down\"']").replace(
        "severity: critical\n", "severity: critical\n        for: 2m\n"
    )
    fixed = (
        fixed.replace("chat: {webhook_configs", "pager: {webhook_configs")
        .replace("[chat]", "[pager]")
        .replace("receiver: chat", "receiver: pager")
    )
    fixed = fixed.replace("runbook: {description: x}", "runbook: {description: x, investigation: [a], mitigation: [b]}")
    fixed = fixed.replace("['severity=\"critical\"']", "['severity=\"critical\"', 'instance=\"a\"']")
    assert not {
        "critical-no-paging",
        "silence-matches-nothing",
        "silence-all-critical",
        "critical-without-for",
        "critical-runbook-steps",
    } & rules_of(lint(tmp_path, {"s.yaml": fixed}))


def test_invalid_spec_reports_validation(tmp_path: Path) -> None:
    result = (
        lint_paths([tmp_path / "s.yaml"], Options(NOW))
        if (tmp_path / "s.yaml").write_text("version: 1\nseverities: {}\nreceivers: {}\nbogus: 1\n")
        else None
    )
    assert result is not None and not result.valid
    assert ("unknown-key", "unknown key 'bogus'") in [(p.rule, p.message) for p in result.problems]


def test_route_shadowed_explains_time_intervals(run_cli) -> None:
    result = run_cli("lint", "--explain", "route-shadowed")
    assert "outside its window it still matches (and notifies nobody)" in result.stdout
    assert "active_time_intervals" in result.stdout


def test_route_shadowed_by_a_time_bound_route_says_why(run_cli) -> None:
    from tests.conftest import ROOT

    spec = ROOT / "tests/lint/fixtures/shadowed-by-time-interval.yaml"
    result = run_cli("lint", str(spec))
    assert (
        f'{spec}:14:7: warning: routing.routes[1]: route {{team="payments"}} (receiver oncall) is unreachable: the earlier '
        'sibling {team="payments"} (receiver chat) takes every alert it matches and does not continue (also outside its '
        'time intervals: a muted route still matches), e.g. {team="payments"} [route-shadowed]\n'
    ) in result.stdout


def test_inhibit_rules_alertmanager_refuses_are_invalid(tmp_path: Path) -> None:
    # the corpus' conf.nil-source_match_re-inhibition.yml: every amtool refuses `invalid regexp value for ...`
    am = "route: {receiver: a}\nreceivers: [{name: a}]\ninhibit_rules:\n  - source_match_re: {broken: null}\n    target_match_re: {severity: critical}\n"
    assert [f for f in lint(tmp_path, {"am.yml": am}) if f[2] == "am-config-invalid"] == [
        (
            "am.yml",
            4,
            "am-config-invalid",
            'invalid regexp value for "broken"',
        )
    ]
    # an invalid matcher is reported once, at the matcher
    am = "route: {receiver: a}\nreceivers: [{name: a}]\ninhibit_rules:\n  - source_matchers: ['a=~\"(\"']\n"
    assert [(f[1], f[2]) for f in lint(tmp_path, {"am.yml": am}) if f[2] == "am-config-invalid"] == [(4, "am-config-invalid")]


def test_rule_file_templates_read_once_each_reported_where_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A template text many alerts share is parsed once for the whole lint (the world's cache serves
    the rule-file check and the template rules alike); each alert still gets its own finding."""
    parsed: list[str] = []
    real = gotemplate.parse_prometheus_template

    def counting(text: str, *args: object, **kwargs: object) -> gotemplate.TemplateInfo:
        parsed.append(text)
        return real(text, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gotemplate, "parse_prometheus_template", counting)
    alert = """
      - alert: {name}
        expr: up == 0
        annotations:
          summary: '{{{{ $labels.job '
          description: '{{{{ $value | nosuch }}}}'
          runbook_url: 'https://r/{{{{ $labels.job }}}}'
    """
    rules = "groups:\n- name: g\n  rules:\n" + "".join(
        textwrap.indent(textwrap.dedent(alert.format(name=n)).lstrip("\n"), "  ") for n in ("A", "B", "C")
    )
    found = [f for f in lint(tmp_path, {"r.yml": rules}) if f[2] == "template-syntax"]
    assert found == [
        (
            "r.yml",
            line + offset,
            "template-syntax",
            "annotation 'summary': unclosed action"
            if offset == 0
            else "annotation 'description': function \"nosuch\" not defined",
        )
        for line in (7, 13, 19)
        for offset in (0, 1)
    ]
    assert sorted(parsed) == sorted({"{{ $labels.job ", "{{ $value | nosuch }}", "https://r/{{ $labels.job }}"})
