"""`callalert import` without the tools: reading every input kind with positions, the mapping of
rules and Alertmanager configurations onto the spec, secrets, splitting, the CLI's usage errors.
The proof with promtool and amtool is in tests/tools/test_import.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from callalert.importer import emit
from callalert.importer.alertmanager import AMImport
from callalert.importer.build import Built
from callalert.importer.nodes import Origin, Pos, Y
from callalert.importer.operator import merge_operator_configs, snake
from callalert.importer.read import first_comment, read_inputs
from callalert.importer.rules import import_rules, severity_table
from callalert.importer.secrets import SecretStore, finish
from callalert.spec.kinds import detect
from callalert.spec.load import load_all_text, load_text
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "import"


def _y(text: str, path: str = "in.yml") -> Y:
    doc = load_text(text, path)
    assert doc.root is not None, doc.problems
    return Y(doc.root, Origin(path))


def _rules(text: str, path: str = "rules.yml") -> tuple[list[dict[str, Any]], Built]:
    from callalert.importer.inputs import RuleSource

    y = _y(text, path)
    out = Built()
    groups = y.get("groups")
    assert groups is not None
    return import_rules([RuleSource(groups, path, Path(path).stem)], out), out


# --- kinds ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ({"namespace": "payments", "groups": []}, "mimir-rules"),
        ({"alertmanager_config": "route: {}", "template_files": {}}, "mimir-alertmanager"),
        ({"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule"}, "prometheusrule"),
        ({"apiVersion": "monitoring.coreos.com/v1alpha1", "kind": "AlertmanagerConfig"}, "alertmanagerconfig"),
        ({"apiVersion": "monitoring.coreos.com/v1", "kind": "Alertmanager"}, "k8s-alertmanager"),
        ({"apiVersion": "v1", "kind": "Secret"}, "k8s-secret"),
        ({"apiVersion": "v1", "kind": "ConfigMap"}, "k8s-configmap"),
        ({"apiVersion": "v1", "kind": "List", "items": []}, "k8s-list"),
        ({"apiVersion": "apps/v1", "kind": "Deployment"}, "k8s-other"),
        ({"alertmanager": {"config": {"route": {}}}}, "helm-values"),
        ({"additionalPrometheusRulesMap": {"x": {"groups": []}}}, "helm-values"),
        ({"groups": []}, "rules"),
        ({"route": {"receiver": "x"}}, "alertmanager"),
    ],
)
def test_one_detector_tells_every_input_kind(data: dict[str, Any], kind: str) -> None:
    assert detect("in.yaml", "", data) == kind


def test_every_fixture_document_has_a_kind_import_reads() -> None:
    kinds = []
    for path in sorted(FIXTURES.rglob("*.yaml")):
        for doc in load_all_text(path.read_text(encoding="utf-8"), str(path)):
            kinds.append((path.name, detect(str(path), doc.text, doc.data)))
    assert kinds == [
        ("values.yaml", "helm-values"),
        ("alertmanager-secret.yaml", "k8s-secret"),
        ("alertmanagerconfig.yaml", "k8s-alertmanager"),
        ("alertmanagerconfig.yaml", "alertmanagerconfig"),
        ("alertmanagerconfig.yaml", "k8s-secret"),
        ("prometheusrules.yaml", "prometheusrule"),
        ("prometheusrules.yaml", "prometheusrule"),
        ("prometheusrules.yaml", "k8s-other"),
        ("alertmanager-tenant.yaml", "mimir-alertmanager"),
        ("ruler-namespace.yaml", "mimir-rules"),
    ]


# --- reading, with positions --------------------------------------------------------------------


def test_a_config_inside_a_secret_keeps_its_lines_in_the_outer_file() -> None:
    inputs = read_inputs([FIXTURES / "k8s" / "alertmanager-secret.yaml"])
    (am,) = inputs.ams
    route = am.config.get("route")
    assert route is not None
    receiver = route.get("receiver")
    assert receiver is not None
    # `receiver: default` is line 15, column 16 of the Secret's file (inside `alertmanager.yaml: |`)
    assert receiver.pos() == Pos(str(FIXTURES / "k8s" / "alertmanager-secret.yaml"), 15, 17)
    assert receiver.where == "stringData.alertmanager.yaml.route.receiver"
    assert sorted(am.virtual or {}) == ["shop.tmpl"]


def test_multi_document_files_give_each_object() -> None:
    inputs = read_inputs([FIXTURES / "k8s" / "prometheusrules.yaml"])
    assert [(r.label.split(" ", 1)[1], r.file_stem) for r in inputs.rules] == [
        ("(PrometheusRule shop/checkout)", "shop-checkout"),
        ("(PrometheusRule monitoring/platform)", "monitoring-platform"),
    ]
    assert [p.message.split(":")[0] for p in inputs.problems if "Deployment" in p.message] == [
        "a Kubernetes object of kind Deployment (apps/v1)"
    ]


def test_helm_values_and_mimir_files() -> None:
    helm = read_inputs([FIXTURES / "helm" / "values.yaml"])
    assert [r.file_stem for r in helm.rules] == ["node-rules"]
    assert sorted(helm.ams[0].virtual or {}) == ["mail.tmpl"]
    mimir = read_inputs([FIXTURES / "mimir" / "ruler-namespace.yaml", FIXTURES / "mimir" / "alertmanager-tenant.yaml"])
    assert [r.file_stem for r in mimir.rules] == ["payments"]
    assert sorted(mimir.ams[0].virtual or {}) == ["payments.tmpl"]
    at = mimir.ams[0].config.get("route")
    assert at is not None and at.pos().line == 5  # the string's literal block maps line for line


def test_callalerts_own_header_block_gives_back_the_descriptions() -> None:
    from callalert.importer.read import generated_intent

    text = (
        "# Generated by callalert from call-automation.yaml. DO NOT EDIT: change the spec and run `callalert render`.\n"
        "# receivers:\n#   sms: SMS gateway: on call\n# inhibit_rules:\n#   [0]: Critical mutes warning.\n"
        "# a comment of the team\nglobal: {}\n"
    )
    assert generated_intent(text) == ({"sms": "SMS gateway: on call"}, {0: "Critical mutes warning."}, 5)
    assert first_comment(text, "f") == Pos("f", 6, 1)  # callalert's own block is not the team's comment


def test_comments_are_found_outside_strings_only() -> None:
    assert first_comment("a: 1 # c\n", "f") == Pos("f", 1, 6)
    assert first_comment("b: 'x # y'\nc: |\n  # inside a block\n", "f") is None
    assert first_comment("# Generated by callalert from x.yaml. DO NOT EDIT\nb: 1\n", "f") is None
    assert first_comment("url: http://x/#anchor\n", "f") is None
    # past callalert's own header: the header alone, no `#` that can start a comment, one that only
    # looks like one (in a block), and the first real one, on the line right after the header
    header = "# Generated by callalert from x.yaml. DO NOT EDIT\n"
    assert first_comment(header.rstrip("\n"), "f") is None
    assert first_comment(header + "a: x#y\nb: '#'\n", "f") is None
    assert first_comment(header + "c: |\n  # inside a block\n", "f") is None
    assert first_comment(header + "# ours\nd: 1\n", "f") == Pos("f", 2, 1)
    assert first_comment(header + "d: 1\t# ours\n", "f") == Pos("f", 2, 6)


# --- rules ------------------------------------------------------------------------------------

RULES = """\
groups:
  - name: app
    interval: 30s
    rules:
      - alert: AppDown
        expr: up{job="app"} == 0
        for: 5m
        labels: {severity: critical, team: web, category: availability}
        annotations:
          summary: App is down
          description: '{{ $labels.instance }} is down'
          runbook_url: runbooks/AppDown.md
          dashboard: https://grafana.example.com/d/app
          playbook: https://wiki.example.com/app
      - alert: AppDown
        expr: up{job="app"} == 0
        for: 1m
        labels: {severity: warning, team: web}
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: "Service Is Down"
        expr: job:up:sum == 0
        labels: {priority: 1, ratio: 0.10}
"""


def test_rules_are_lifted_into_the_spec_fields_and_keep_their_order() -> None:
    groups, out = _rules(RULES)
    assert groups == [
        {
            "name": "app",
            "file": "rules",
            "interval": "30s",
            "alerts_and_records": [
                {
                    "name": "AppDown",
                    "expr": 'up{job="app"} == 0',
                    "for": "5m",
                    "severity": "critical",
                    "category": "availability",
                    "summary": "App is down",
                    "description": "{{ $labels.instance }} is down",
                    "dashboard": "https://grafana.example.com/d/app",
                    "labels": {"team": "web"},
                    "annotations": {"playbook": "https://wiki.example.com/app"},
                },
                {
                    "name": "AppDown",
                    "expr": 'up{job="app"} == 0',
                    "for": "1m",
                    "severity": "warning",
                    "labels": {"team": "web"},
                    "shares_name": True,
                },
                {"record": "job:up:sum", "expr": "sum by (job) (up)"},
                # label values keep their text: Prometheus reads 0.10, not 0.1
                {"name": "Service Is Down", "expr": "job:up:sum == 0", "labels": {"priority": "1", "ratio": "0.10"}},
            ],
        }
    ]
    assert out.text_alert_names
    assert (out.severities, out.categories) == (["critical", "warning"], ["availability"])
    assert out.spec == {}  # runbook_url: runbooks/AppDown.md is what the spec writes anyway: not repeated


def test_a_shared_runbook_base_becomes_runbook_base_url() -> None:
    groups, out = _rules(
        "groups:\n- name: g\n  rules:\n"
        "  - {alert: A, expr: up == 0, annotations: {runbook_url: 'https://rb.example.com/x/A.md'}}\n"
        "  - {alert: B, expr: up == 0, annotations: {runbook_url: 'https://rb.example.com/x/B.md'}}\n"
        "  - {alert: C, expr: up == 0}\n"
    )
    assert out.spec == {"defaults": {"runbook_base_url": "https://rb.example.com/x"}}
    assert [a.get("runbook_url") for a in groups[0]["alerts"]] == [None, None, None]
    groups, out = _rules(
        "groups:\n- name: g\n  rules:\n"
        "  - {alert: A, expr: up == 0, annotations: {runbook_url: 'https://rb.example.com/x/A.md'}}\n"
        "  - {alert: B, expr: up == 0, annotations: {runbook_url: 'https://wiki.example.com/b'}}\n"
    )
    assert out.spec == {}
    assert [a.get("runbook_url") for a in groups[0]["alerts"]] == ["https://rb.example.com/x/A.md", "https://wiki.example.com/b"]


def test_what_the_spec_cannot_hold_is_reported_where_it_is() -> None:
    groups, out = _rules(
        "groups:\n"
        "- name: g\n"
        "  source_tenants: [a, b]\n"
        "  partial_response_strategy: warn\n"
        "  rules:\n"
        "  - {alert: A, expr: up == 0, labels: {__meta: x, alertname: B}}\n"
    )
    assert [p.format() for p in out.problems] == [
        "rules.yml:3:3: error: groups[0].source_tenants: rule group key `source_tenants` is not Prometheus' (Mimir, "
        "Cortex or Thanos): the spec cannot express it [import-loss]",
        "rules.yml:6:40: error: groups[0].rules[0].labels.__meta: label name '__meta' starts with __ (Prometheus' own "
        "names): the spec refuses it [import-loss]",
        "rules.yml:6:51: warning: groups[0].rules[0].labels.alertname: label `alertname` is replaced by Prometheus "
        "with the alert's name: not carried [import-note]",
    ]
    assert groups[0]["alerts"] == [{"name": "A", "expr": "up == 0"}]
    assert groups[0]["partial_response_strategy"] == "warn"  # Thanos Ruler's: the spec has it


def test_partial_response_strategy_is_read_as_thanos_reads_it() -> None:
    """Any case; empty is Thanos' default (abort), which the spec means without one; anything else is lost."""
    groups, out = _rules(
        "groups:\n"
        "- {name: g, partial_response_strategy: ABORT, rules: []}\n"
        "- {name: h, partial_response_strategy: maybe, rules: []}\n"
        "- {name: i, partial_response_strategy: '', rules: []}\n"
    )
    assert [p.format() for p in out.problems] == [
        "rules.yml:3:13: error: groups[1].partial_response_strategy: Thanos Ruler's partial_response_strategy is warn "
        "or abort, not 'maybe' [import-loss]",
    ]
    assert [g.get("partial_response_strategy") for g in groups] == ["abort", None, None]


def test_severities_most_severe_first_then_by_name() -> None:
    assert severity_table(["info", "zebra", "warning", "alpha", "critical", "none", "page"]) == [
        "critical",
        "page",
        "warning",
        "info",
        "none",
        "alpha",
        "zebra",
    ]


# --- Alertmanager -------------------------------------------------------------------------------

AM = """\
global:
  resolve_timeout: 10m
  smtp_smarthost: smtp.example.com:587
  smtp_auth_password: hunter2-not-real
  slack_api_url_file: /etc/am/slack
route:
  receiver: mail
  group_by: [alertname]
  group_wait: 30s
  routes:
    - match: {team: db, version: 1.10}
      match_re: {env: prod|staging}
      receiver: pager
      continue: true
    - matchers: ['severity = critical', 'alertname=~"A|B",instance!=""']
      receiver: mail
inhibit_rules:
  - source_match: {severity: critical}
    target_matchers: [severity="warning"]
    equal: [alertname]
receivers:
  - name: mail
    email_configs: [{to: ops@example.com, send_resolved: true}]
  - name: pager
    pagerduty_configs:
      - routing_key: 0123456789abcdef0123456789abcdef
        details: {team: db}
    webhook_configs:
      - url: https://hooks.example.com/alert?token=abc123
      - url: http://127.0.0.1:9/plain
templates: []
"""


def _am(text: str) -> tuple[dict[str, Any], Built]:
    out = Built()
    AMImport(out, SecretStore(out), {}, "0.25").run(_y(text, "am.yml"))
    finish(out, None)
    return out.spec, out


def test_alertmanager_config_maps_onto_the_spec() -> None:
    spec, out = _am(AM)
    assert spec["defaults"] == {"resolve_timeout": "10m"}
    assert spec["global"] == {
        "smtp": {
            "smarthost": "smtp.example.com:587",
            "auth_password": {"file": "/etc/alertmanager/secrets/global-smtp-auth_password"},
        },
        "slack_api_url": {"file": "/etc/am/slack"},
    }
    assert spec["routing"] == {
        "receiver": "mail",
        "routes": [
            {
                "matchers": ['team="db"', 'version="1.10"', 'env=~"prod|staging"'],
                "receiver": "pager",
                "continue": True,
            },
            {"matchers": ['severity="critical"', 'alertname=~"A|B"', 'instance!=""'], "receiver": "mail"},
        ],
    }
    assert spec["inhibit_rules"] == [
        {"source_matchers": ['severity="critical"'], "target_matchers": ['severity="warning"'], "equal": ["alertname"]}
    ]
    assert spec["receivers"]["pager"] == {
        "pagerduty_configs": [
            {"routing_key": {"file": "/etc/alertmanager/secrets/pager-pagerduty-0-routing_key"}, "details": {"team": "db"}}
        ],
        "webhook_configs": [
            {"url": {"file": "/etc/alertmanager/secrets/pager-webhook-0-url"}},
            {"url": "http://127.0.0.1:9/plain"},
        ],
    }
    # what must move is listed by name and path, never by value
    messages = "\n".join(p.format() for p in out.problems)
    for value in ("hunter2-not-real", "0123456789abcdef0123456789abcdef", "abc123"):
        assert value not in messages
    assert [p.format() for p in out.problems if p.rule == "import-secret"] == [
        "am.yml:4:23: error: global.smtp_auth_password: a secret written in the input: it must move to "
        "/etc/alertmanager/secrets/global-smtp-auth_password (give --secrets-dir DIR and import writes it there) [import-secret]",
        "am.yml:26:22: error: receivers[1].pagerduty_configs[0].routing_key: a secret written in the input: it must "
        "move to /etc/alertmanager/secrets/pager-pagerduty-0-routing_key (give --secrets-dir DIR and import writes it "
        "there) [import-secret]",
        "am.yml:29:14: error: receivers[1].webhook_configs[0].url: a secret written in the input: it must move to "
        "/etc/alertmanager/secrets/pager-webhook-0-url (give --secrets-dir DIR and import writes it there) [import-secret]",
    ]
    assert [p.format() for p in out.problems if p.rule == "import-note"] == [
        "am.yml:11:7: info: route.routes[0].match: 2 deprecated `match`/`match_re` (routes) or `source_match*`/"
        "`target_match*` (inhibit rules) written as `matchers` (this is the first) [import-note]"
    ]


def test_sigv4_secret_key_comes_from_the_environment() -> None:
    spec, _ = _am(
        "route: {receiver: sns}\nreceivers:\n- name: sns\n  sns_configs:\n  - topic_arn: arn:aws:sns:x:1:t\n"
        "    sigv4: {region: x, access_key: AKIAEXAMPLE, secret_key: not-a-real-key}\n"
    )
    sigv4 = spec["receivers"]["sns"]["sns_configs"][0]["sigv4"]
    assert sigv4 == {
        "region": "x",
        "access_key": "AKIAEXAMPLE",
        "secret_key": {"env": "CALLALERT_SECRET_SNS_SNS_0_SIGV4_SECRET_KEY"},
    }


def test_keys_the_spec_has_no_field_for_are_lost_out_loud() -> None:
    _, out = _am("route: {receiver: a, labels: {x: y}}\nreceivers:\n- name: a\n  foo_configs: [{}]\nevent_recorder: {}\n")
    assert [p.format() for p in out.problems] == [
        "am.yml:5:1: error: event_recorder: the spec cannot express Alertmanager's top-level `event_recorder` [import-loss]",
        "am.yml:1:22: error: route.labels: the spec cannot express a route's `labels` [import-loss]",
        "am.yml:4:3: error: receivers[0].foo_configs: the spec has no receiver type `foo_configs` yet (receiver 'a') [import-loss]",
    ]


# --- AlertmanagerConfig ---------------------------------------------------------------------------


def test_crd_keys_become_alertmanager_keys() -> None:
    assert [snake(k) for k in ("apiURL", "sendResolved", "chatID", "topicARN", "enableHttp2", "useAWSHTTPClient")] == [
        "api_url",
        "send_resolved",
        "chat_id",
        "topic_arn",
        "enable_http2",
        "use_aws_http_client",
    ]


def test_alertmanagerconfig_is_merged_as_the_operator_does() -> None:
    inputs = read_inputs([FIXTURES / "k8s" / "alertmanagerconfig.yaml"])
    out = Built()
    merge_operator_configs(inputs, out)
    config = inputs.ams[0].config.data()
    assert config["route"]["receiver"] == "null"
    (top,) = config["route"]["routes"]
    assert top["receiver"] == "team-a/oncall/slack"
    assert top["continue"] is True
    assert top["matchers"] == ['severity=~"critical|warning"', 'namespace="team-a"']  # the Operator's matcher, explicit
    assert top["routes"][0]["matchers"] == ['severity="critical"']  # only the top route gets it
    assert top["routes"][0]["mute_time_intervals"] == ["team-a/oncall/maintenance"]
    assert [r["name"] for r in config["receivers"]] == ["null", "team-a/oncall/slack", "team-a/oncall/pager"]
    assert config["inhibit_rules"][0]["source_matchers"] == ['severity="critical"', 'namespace="team-a"']
    assert config["mute_time_intervals"][0]["time_intervals"] == [
        {"weekdays": ["saturday"], "times": [{"start_time": "02:00", "end_time": "04:00"}]}
    ]


@pytest.mark.parametrize(("strategy", "matched"), [("None", False), ("OnNamespaceExceptForAlertmanagerNamespace", True)])
def test_matcher_strategy_of_the_alertmanager_object(strategy: str, matched: bool, tmp_path: Path) -> None:
    text = (
        (FIXTURES / "k8s" / "alertmanagerconfig.yaml")
        .read_text(encoding="utf-8")
        .replace("type: OnNamespace", f"type: {strategy}")
    )
    path = tmp_path / "amc.yaml"
    path.write_text(text, encoding="utf-8")
    inputs = read_inputs([path])
    merge_operator_configs(inputs, Built())
    top = inputs.ams[0].config.data()["route"]["routes"][0]
    assert ('namespace="team-a"' in top["matchers"]) is matched


# --- writing ------------------------------------------------------------------------------------


def test_split_by_group_and_by_team() -> None:
    spec = {
        "version": 1,
        "severities": {},
        "receivers": {"default": {}},
        "groups": [
            {"name": "a", "alerts": [{"name": "A", "expr": "1", "labels": {"team": "web"}}]},
            {"name": "b", "alerts": [{"name": "B", "expr": "1", "labels": {"team": "db"}}, {"name": "C", "expr": "1"}]},
            {"name": "c", "labels": {"team": "db"}, "records": [{"record": "r", "expr": "1"}]},
        ],
    }
    assert sorted(emit.split(spec, "group", ["in.yml"])) == ["groups/a.yaml", "groups/b.yaml", "groups/c.yaml", "specs.yaml"]
    files = emit.split(spec, "team", ["in.yml"])
    assert sorted(files) == ["specs.yaml", "teams/db.yaml", "teams/web.yaml"]
    assert "name: b" in files["specs.yaml"]  # b has alerts of a team and of none: it stays in the main file
    assert files["teams/db.yaml"].startswith(emit.HEADER_PREFIX + "in.yml")


def test_cli_usage_errors(run_cli: Any, tmp_path: Path) -> None:
    assert run_cli("import").stderr == (
        "callalert: error: give the files to import: rule files, alertmanager.yml, templates, Kubernetes objects, folders\n"
    )
    rules = tmp_path / "r.yml"
    rules.write_text("groups: []\n", encoding="utf-8")
    result = run_cli("import", str(rules), "--split", "group")
    assert (result.exit_code, result.stderr) == (2, "callalert: error: --split group writes several files: give --out DIR\n")
    result = run_cli("import", str(rules), "--split", "nope", "--out", str(tmp_path / "o"))
    assert (result.exit_code, result.stderr) == (2, "callalert: error: unknown --split 'nope'; choose none, group or team\n")
    result = run_cli("import", str(tmp_path / "missing.yml"))
    assert (result.exit_code, result.stderr) == (2, f"callalert: error: file not found: {tmp_path / 'missing.yml'}\n")


def test_lint_says_import_reads_what_it_does_not(run_cli: Any) -> None:
    import json

    path = FIXTURES / "k8s" / "alertmanager-secret.yaml"
    found = json.loads(run_cli("lint", str(path), "--format", "json").stdout)
    assert [(f["rule"], f["message"]) for f in found] == [
        (
            "lint-unknown-file",
            f"a Kubernetes Secret: lint reads specs, plain rule files, alertmanager.yml and .tmpl templates; "
            f"`callalert import {path}` turns this one into a spec",
        )
    ]
    path = FIXTURES / "k8s" / "prometheusrules.yaml"
    found = json.loads(run_cli("lint", str(path), "--format", "json").stdout)
    assert [(f["rule"], f["message"]) for f in found] == [
        (
            "lint-unknown-file",
            "3 YAML documents (a Kubernetes PrometheusRule, a Kubernetes PrometheusRule, a Kubernetes object): lint "
            f"reads one document per file; `callalert import {path}` turns them into a spec",
        )
    ]


def test_a_folder_of_a_split_import_named_alone_is_noted(tmp_path: Path, run_cli: Any) -> None:
    """`validate DIR` of a folder import wrote a split spec into reads DIR's own files only: the
    commands that read a spec say which subfolders of the spec were left out, and how to name them."""
    from callalert.cli.importer import unread_parts
    from callalert.spec.read import IMPORT_MARKER as MARKER

    out = tmp_path / "spec"
    (out / "groups").mkdir(parents=True)
    (out / "specs.yaml").write_text(
        "version: 1\nseverities:\n  warning: {notify: [default]}\nreceivers:\n  default:\n    webhook_configs:\n    - url: http://127.0.0.1:9/\n",
        encoding="utf-8",
    )
    (out / "groups" / "g.yaml").write_text(
        "groups:\n- name: g\n  alerts:\n  - name: Down\n    expr: up == 0\n    severity: warning\n    summary: down\n",
        encoding="utf-8",
    )
    assert unread_parts([out]) is None  # no marker: not import's folder, nothing to say
    (out / MARKER).write_text("groups/g.yaml\nspecs.yaml\n", encoding="utf-8")
    note = unread_parts([out])
    assert note == (
        f"note: {out}/groups/ holds the rest of the spec `callalert import` wrote, which these arguments leave out (a "
        f"folder argument reads only its own files): name it too, e.g. `callalert validate {out} {out}/groups/`\n"
    )
    assert unread_parts([out, out / "groups"]) is None
    assert unread_parts([out / "specs.yaml", out / "groups"]) is None
    assert unread_parts([out / "specs.yaml", out / "groups" / "g.yaml"]) is None
    assert unread_parts([out / "specs.yaml"]) == note.replace(f"validate {out} ", f"validate {out / 'specs.yaml'} ")
    (out / "mine.yaml").write_text("groups: []\n", encoding="utf-8")
    assert unread_parts([out / "mine.yaml"]) is None  # not a file import wrote
    (out / "mine.yaml").unlink()
    alone = run_cli("validate", str(out))
    assert (alone.exit_code, alone.stderr) == (0, note + f"{out}: valid (0 alerts, 1 receivers; no problems)\n"), alone
    whole = run_cli("validate", str(out), f"{out}/groups/")
    assert whole.exit_code == 0 and "valid (1 alerts," in whole.stderr and "note:" not in whole.stderr, whole
    # lint reads each folder of a tree as a spec of its own, but a split spec import wrote as one
    linted = run_cli("lint", str(out), "--format", "json")
    named = run_cli("lint", str(out / "specs.yaml"), str(out / "groups" / "g.yaml"), "--format", "json")
    assert linted.exit_code == named.exit_code == 0, linted
    assert linted.stdout == named.stdout and "missing-key" not in linted.stdout
    (out / MARKER).unlink()
    assert '"rule": "missing-key"' in run_cli("lint", str(out), "--format", "json").stdout  # groups/ alone: no receivers


def test_where_each_part_of_the_spec_came_from_outlives_the_input_trees() -> None:
    """What import built is positioned in its input (a problem of the imported spec points there): by
    each node's origin and start mark, not by the nodes, so the input's trees can go once built."""
    text = (
        "groups:\n- name: g\n  rules:\n  - alert: Down\n    expr: up == 0\n    for: 5m\n"
        "    labels: {severity: page, team: db}\n    annotations:\n      summary: s\n"
    )
    _, out = _rules(text)
    key = ("groups", 0, "alerts", 0)
    assert out.origin(key) == Pos("rules.yml", 4, 5)
    assert out.origin((*key, "expr")) == Pos("rules.yml", 5, 11)
    assert out.origin((*key, "labels", "team")) == Pos("rules.yml", 7, 36)
    assert out.origin((*key, "summary")) == Pos("rules.yml", 9, 16)  # a lifted annotation, at its value
    assert out.origin((*key, "nope")) is None
    # positions only: an origin and a mark, no node (a node holds the whole tree below it)
    assert all(
        isinstance(found, Pos) or (type(found) is tuple and isinstance(found[0], Origin) and hasattr(found[1], "line"))
        for found in out.origins.values()
    )
