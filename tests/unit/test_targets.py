"""Output targets (`render --target`, the spec's `outputs:`): prometheus, kubernetes, mimir, thanos.

What each writes is pinned by the golden cases (call-automation-targets, teams-targets) and what a
target cannot express by the invalid cases (targets-*); here: the CLI, the Kubernetes objects
against the Operator's CRD schemas, the Operator's assembled configuration routing exactly like the
plain one, and the shapes Mimir and Thanos read. The real promtool, amtool and prometheus run in
tests/tools/test_targets_tools.py and tests/live/test_alerting_live.py.
"""

from __future__ import annotations

import copy
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from callalert.analysis.alertmanager.matchers import Matcher
from callalert.analysis.alertmanager.routing import build_route_tree
from callalert.analysis.operator import assemble
from callalert.errors import ProblemsFound
from callalert.pipeline import render
from callalert.render import RenderContext
from tests.conftest import EXAMPLE_SPEC, ROOT
from tests.k8s import load_objects, notifications, operator_config, time_intervals_by_name, validate_object
from tests.tools.test_routing_differential import derive_label_sets

CASES = ROOT / "tests" / "golden" / "cases"
TEAMS = CASES / "teams-targets"
TEAMS_ENV: dict[str, str] = yaml.safe_load((TEAMS / "env.yaml").read_text(encoding="utf-8"))


TEAMS_SPEC = TEAMS.relative_to(ROOT) / "spec.yaml"  # as problems show it (tests run from ROOT)


@pytest.fixture(autouse=True)
def _from_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def teams_variant(tmp_path: Path, edit: Callable[[dict[str, Any]], None], name: str = "overlay.yaml") -> Path:
    """An overlay for the three-team spec: its `outputs` (and `routing`) after `edit`; the spec's
    other positions stay those of the spec file."""
    data = yaml.safe_load((TEAMS / "spec.yaml").read_text(encoding="utf-8"))
    edited = copy.deepcopy(data)
    edit(edited)
    overlay = {k: edited[k] for k in ("outputs", "routing", "defaults") if edited[k] != data[k]}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(overlay, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def kubernetes_output(data: dict[str, Any]) -> dict[str, Any]:
    return next(o for o in data["outputs"] if isinstance(o, dict) and o.get("target") == "kubernetes")


def render_env(overlay: Path | None = None, targets: list[str] | None = None) -> dict[str, str]:
    return render_teams(overlay, targets).files


def render_teams(overlay: Path | None = None, targets: list[str] | None = None) -> Any:
    overlays = [overlay] if overlay is not None else []
    return render([TEAMS_SPEC], ctx=RenderContext(secrets="env", environ=TEAMS_ENV), targets=targets, overlays=overlays)


# --- the CLI ---------------------------------------------------------------------------------------


def test_default_target_is_todays_layout() -> None:
    default = render([EXAMPLE_SPEC]).files
    assert default == render([EXAMPLE_SPEC], targets=["prometheus"]).files
    assert {rel.split("/")[0] for rel in default} == {"alertmanager", "prometheus", "runbooks", "tests"}
    assert "prometheus/alerting.yml" not in default  # only with outputs: [{target: prometheus, alerting: ...}]


def test_cli_target_renders_the_chosen_targets(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("render", str(EXAMPLE_SPEC), "--target", "kubernetes", "-t", "thanos", "--out", str(out))
    assert result.exit_code == 0, result
    tops = {p.relative_to(out).parts[0] for p in out.rglob("*") if p.is_file() and p.name != ".callalert"}
    # runbooks, the promtool tests and silences.json belong to no target: written with any
    assert tops == {"kubernetes", "thanos", "runbooks", "tests", "alertmanager"}
    assert sorted(p.name for p in (out / "alertmanager").iterdir()) == ["silences.json"]
    again = run_cli("render", str(EXAMPLE_SPEC), "--target", "kubernetes", "-t", "thanos", "--out", str(out), "--check")
    assert again.exit_code == 0, again
    drift = run_cli("render", str(EXAMPLE_SPEC), "--target", "kubernetes", "--out", str(out), "--check")
    assert drift.exit_code == 1
    assert drift.stderr.endswith(f"run `callalert render {EXAMPLE_SPEC} --target kubernetes --out {out}`\n")


def test_cli_unknown_target_is_a_usage_error(run_cli, tmp_path: Path) -> None:
    result = run_cli("render", str(EXAMPLE_SPEC), "--target", "kubernetess", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result
    assert result.stderr == (
        "callalert: error: unknown --target 'kubernetess'; choose prometheus, kubernetes, mimir, thanos; "
        "did you mean 'kubernetes'?\n"
    )
    assert not (tmp_path / "out").exists()


def test_cli_target_overrides_the_spec_outputs_and_keeps_their_options(tmp_path: Path) -> None:
    files = render_env(targets=["kubernetes"])
    assert not any(rel.startswith(("mimir/", "thanos/", "prometheus/")) for rel in files)
    # the spec's options for kubernetes (mode alertmanagerconfig, team namespaces) still apply
    assert "kubernetes/alertmanager/configs/payments-payments.yaml" in files
    assert "kubernetes/rules/payments.yaml" in files


def test_mimir_refuses_file_secrets_of_the_bundled_spec(run_cli, tmp_path: Path) -> None:
    result = run_cli("render", "specs/call-automation.yaml", "--target", "mimir", "--out", str(tmp_path / "out"), cwd=ROOT)
    assert result.exit_code == 1
    assert result.stdout == (
        "specs/call-automation.yaml:31:20: error: global.smtp.auth_password: Mimir's Alertmanager refuses "
        "`smtp_auth_password_file` (a tenant configuration may not read files), so "
        "{file: /etc/alertmanager/secrets/smtp-password} cannot be written; give this secret as {env: NAME} and render "
        "with --secrets=env [target-unsupported]\n"
        "specs/call-automation.yaml:32:18: error: global.slack_api_url: Mimir's Alertmanager refuses `slack_api_url_file` "
        "(a tenant configuration may not read files), so {file: /etc/alertmanager/secrets/slack-webhook-url} cannot be "
        "written; give this secret as {env: NAME} and render with --secrets=env [target-unsupported]\n"
        "specs/call-automation.yaml:82:22: error: receivers.pagerduty.pagerduty_configs[0].service_key: Mimir's "
        "Alertmanager refuses `service_key_file` (a tenant configuration may not read files), so "
        "{file: /etc/alertmanager/secrets/pagerduty-service-key} cannot be written; give this secret as {env: NAME} and "
        "render with --secrets=env [target-unsupported]\n"
    )
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_mimir_env_secrets_need_secrets_env(tmp_path: Path) -> None:
    with pytest.raises(ProblemsFound) as exc:
        render([TEAMS_SPEC], targets=["mimir"])
    messages = sorted({p.message for p in exc.value.problems})
    assert messages[0] == (
        "secret comes from environment variable OPSGENIE_SEARCH; it is resolved only with `--secrets=env` (or use "
        "{file: PATH} so Alertmanager reads it at runtime)"
    )
    assert {p.rule for p in exc.value.problems} == {"secret-env"}


def test_secret_files_of_mimir_are_private(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(
        "render", str(TEAMS / "spec.yaml"), "--secrets", "env", "--target", "mimir", "--out", str(out), env=TEAMS_ENV
    )
    assert result.exit_code == 0, result
    for rel in ("mimir/alertmanager/alertmanager.yml", "mimir/alertmanager-tenant.yaml"):
        assert stat.S_IMODE(os.stat(out / rel).st_mode) == 0o600, rel
    assert "hooks.slack.example.com" not in result.stdout + result.stderr


def test_kubernetes_never_writes_secret_values() -> None:
    files = render_env(targets=["kubernetes"])
    text = "".join(files.values())
    for value in TEAMS_ENV.values():
        assert value not in text
    assert "key: SLACK_PAYMENTS" in files["kubernetes/alertmanager/configs/payments-payments.yaml"]


# --- Kubernetes objects against the Operator's CRDs -----------------------------------------------


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        return _variants(tmp_path_factory.mktemp("variants"))


def _variants(tmp_path: Path) -> dict[str, dict[str, str]]:
    def secret_mode(data: dict[str, Any]) -> None:
        kubernetes_output(data)["alertmanager"] = {"mode": "secret", "secret": "shop-secrets"}
        data["defaults"]["targets"]["alertmanager"] = "0.28"  # bot_token_file (0.26): see the test below

    def strategy_none(data: dict[str, Any]) -> None:
        kubernetes_output(data)["alertmanager"]["matcher_strategy"] = "None"
        kubernetes_output(data)["alertmanager"]["namespaces"] = {
            "payments": "payments",
            "search": "search",
            "platform": "platform",
        }

    def on_namespace(data: dict[str, Any]) -> None:
        kubernetes_output(data)["alertmanager"]["matcher_strategy"] = "OnNamespace"
        data["routing"]["routes"][2]["matchers"].append('namespace="monitoring"')

    return {
        "call-automation": render([EXAMPLE_SPEC], targets=["prometheus", "kubernetes"]).files,
        "team-routing": render(
            [CASES / "team-routing" / "spec.yaml"],
            overlays=[CASES / "team-routing-targets" / "overlay.yaml"],
            targets=["prometheus", "kubernetes"],
        ).files,
        "teams": render_env(),
        "teams, secret mode": render_env(teams_variant(tmp_path, secret_mode, "a.yaml")),
        "teams, strategy None": render_env(teams_variant(tmp_path, strategy_none, "b.yaml")),
        "teams, strategy OnNamespace": render_env(teams_variant(tmp_path, on_namespace, "c.yaml")),
    }


def test_secret_mode_needs_the_file_options_of_the_target(tmp_path: Path) -> None:
    def secret_mode(data: dict[str, Any]) -> None:
        kubernetes_output(data)["alertmanager"] = {"mode": "secret"}

    with pytest.raises(ProblemsFound) as exc:
        render_env(teams_variant(tmp_path, secret_mode), targets=["kubernetes"])
    assert [p.format() for p in exc.value.problems] == [
        f"{TEAMS_SPEC}:65:20: error: receivers.platform-telegram.telegram_configs[0].bot_token: the configuration Secret "
        "reads secrets as mounted files, and `bot_token_file` (telegram_configs) needs Alertmanager ≥ 0.26; the target "
        "is 0.25 [target-version]"
    ]


def test_every_kubernetes_object_validates_against_the_crds(variants: dict[str, dict[str, str]]) -> None:
    counted: dict[str, int] = {}
    for name, files in variants.items():
        objects = load_objects(files)
        assert objects, name
        for rel, obj in objects.items():
            assert validate_object(obj) == [], f"{name}: {rel}"
            counted[obj["kind"]] = counted.get(obj["kind"], 0) + 1
    assert counted == {"PrometheusRule": 20, "Secret": 6, "Alertmanager": 6, "AlertmanagerConfig": 9}


def test_the_crd_check_has_teeth() -> None:
    objects = load_objects(render_env(targets=["kubernetes"]))
    amc = copy.deepcopy(objects["kubernetes/alertmanager/configs/payments-payments.yaml"])
    amc["spec"]["route"]["routes"][1]["activeTimeIntervals"] = "business-hours"  # a child route: schemaless in the CRD
    amc["spec"]["receivers"][0]["pagerdutyConfigs"][0]["routing_key"] = "x"  # not a CRD field (strict)
    amc["spec"]["muteTimeIntervals"][0]["timeIntervals"][0]["weekdays"] = ["mon:fri"]  # the CRD's RE2 pattern
    assert validate_object(amc) == [
        "AlertmanagerConfig.spec.muteTimeIntervals.0.timeIntervals.0.weekdays.0: 'mon:fri' does not match "
        "'^((?i)sun|mon|tues|wednes|thurs|fri|satur)day(?:((:(sun|mon|tues|wednes|thurs|fri|satur)day)$)|$)'",
        "AlertmanagerConfig.spec.receivers.0.pagerdutyConfigs.0: Additional properties are not allowed "
        "('routing_key' was unexpected)",
        "AlertmanagerConfig.spec.route.routes[1].activeTimeIntervals: 'business-hours' is not of type 'array'",
    ]
    rule = copy.deepcopy(objects["kubernetes/rules/search.yaml"])
    rule["metadata"]["name"] = "Search"
    rule["spec"]["groups"].append(rule["spec"]["groups"][0])
    rule["spec"]["groups"][0]["partial_response_strategy"] = "maybe"
    assert validate_object(rule) == [
        "metadata.name 'Search' is not a DNS-1123 subdomain",
        "PrometheusRule.spec.groups.0.partial_response_strategy: 'maybe' does not match '^(?i)(abort|warn)?$'",
        "PrometheusRule.spec.groups.1.partial_response_strategy: 'maybe' does not match '^(?i)(abort|warn)?$'",
        "spec.groups: name 'shop.search' twice",
    ]


# --- the Operator's configuration routes like the plain one ----------------------------------------


def _label_sets(config: dict[str, Any], model_labels: list[dict[str, str]], namespaces: set[str]) -> list[dict[str, str]]:
    root = build_route_tree(config, "0.25")
    extra = [Matcher("namespace", "=", ns) for ns in sorted(namespaces)]
    sets = derive_label_sets(root, seed=13, extra=extra)
    sets += model_labels + [{**labels, "namespace": ns} for labels in model_labels for ns in sorted(namespaces)]
    return sets


def assert_operator_routes_like_plain(files: dict[str, str]) -> int:
    plain = yaml.safe_load(files["alertmanager/alertmanager.yml"])
    objects = load_objects(files, "kubernetes/alertmanager/")
    assembled = operator_config(objects)
    namespaces = {o["metadata"]["namespace"] for o in objects.values()} | {"other"}
    alerts = [
        {"alertname": rule["alert"], **rule.get("labels", {})}
        for rel, text in files.items()
        if rel.startswith("prometheus/rules/")
        for group in yaml.safe_load(text)["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]
    plain_root, operator_root = build_route_tree(plain, "0.25"), build_route_tree(assembled, "0.25")
    label_sets = _label_sets(plain, alerts, namespaces)
    differences = [
        (labels, notifications(plain_root, labels), notifications(operator_root, labels))
        for labels in label_sets
        if notifications(plain_root, labels) != notifications(operator_root, labels)
    ]
    assert differences == []
    assert time_intervals_by_name(assembled) == time_intervals_by_name(plain)
    return len(label_sets)


@pytest.mark.parametrize(
    "variant", ["teams", "teams, strategy None", "teams, strategy OnNamespace", "call-automation", "team-routing"]
)
def test_operator_configuration_routes_like_the_plain_one(variant: str, variants: dict[str, dict[str, str]]) -> None:
    checked = assert_operator_routes_like_plain(variants[variant])
    assert checked > 100, checked


def test_the_routing_comparison_sees_the_injected_matcher(tmp_path: Path) -> None:
    """The same objects under the default strategy (OnNamespace), which the spec did not render
    for: platform's AlertmanagerConfig gets namespace="monitoring", alerts without it go elsewhere."""
    files = render_env(targets=["prometheus", "kubernetes"])
    objects = load_objects(files, "kubernetes/alertmanager/")
    am = objects["kubernetes/alertmanager/alertmanager.yaml"]
    am["spec"]["alertmanagerConfigMatcherStrategy"]["type"] = "OnNamespace"
    plain_root = build_route_tree(yaml.safe_load(files["alertmanager/alertmanager.yml"]), "0.25")
    operator_root = build_route_tree(operator_config(objects), "0.25")
    node = {"alertname": "NodeNotReady", "severity": "critical", "category": "availability", "team": "platform"}
    assert [n[0] for n in notifications(plain_root, node)] == ["platform-telegram"]
    assert [n[0] for n in notifications(operator_root, node)] == ["default"]
    assert [n[0] for n in notifications(operator_root, {**node, "namespace": "monitoring"})] == ["platform-telegram"]


def test_assemble_follows_the_operator() -> None:
    """amcfg.go (operator 0.93): objects sorted by namespace/name, their top routes first with
    continue: true and the namespace matcher, names prefixed, inhibit rules enforced on both sides."""
    base = {
        "route": {"receiver": "null", "routes": [{"receiver": "null", "matchers": ['x="1"']}]},
        "receivers": [{"name": "null"}],
    }
    objects = [
        {
            "metadata": {"namespace": ns, "name": name},
            "spec": {
                "route": {
                    "receiver": "r",
                    "matchers": [{"name": "team", "value": name, "matchType": "="}],
                    "muteTimeIntervals": ["t"],
                },
                "receivers": [{"name": "r", "webhookConfigs": [{"urlSecret": {"name": "s", "key": "k"}}]}],
                "muteTimeIntervals": [{"name": "t", "timeIntervals": [{"daysOfMonth": [{"start": 1, "end": 2}]}]}],
                "inhibitRules": [{"sourceMatch": [{"name": "severity", "value": "critical"}], "targetMatch": [], "equal": ["a"]}],
            },
        }
        for ns, name in (("b", "one"), ("a", "two"))
    ]
    config = assemble(
        base,
        objects,
        am_namespace="a",
        strategy="OnNamespaceExceptForAlertmanagerNamespace",
        secret_value=lambda ns, s: f"{ns}:{s['key']}",
    )
    assert config["route"]["routes"] == [
        {"receiver": "a/two/r", "matchers": ['team="two"'], "mute_time_intervals": ["a/two/t"], "continue": True},
        {
            "receiver": "b/one/r",
            "matchers": ['team="one"', 'namespace="b"'],
            "mute_time_intervals": ["b/one/t"],
            "continue": True,
        },
        {"receiver": "null", "matchers": ['x="1"']},
    ]
    assert config["receivers"][1:] == [
        {"name": "a/two/r", "webhook_configs": [{"url": "a:k"}]},
        {"name": "b/one/r", "webhook_configs": [{"url": "b:k"}]},
    ]
    assert config["inhibit_rules"] == [
        {"source_matchers": ['severity="critical"'], "target_matchers": [], "equal": ["a"]},
        {"source_matchers": ['severity="critical"', 'namespace="b"'], "target_matchers": ['namespace="b"'], "equal": ["a"]},
    ]
    assert config["mute_time_intervals"][0] == {"name": "a/two/t", "time_intervals": [{"days_of_month": ["1:2"]}]}


# --- base: none, no team, the other shapes ---------------------------------------------------------


def test_base_none_reports_what_another_owner_must_deploy(tmp_path: Path) -> None:
    path = teams_variant(tmp_path, lambda data: kubernetes_output(data)["alertmanager"].update(base="none"))
    rendered = render_teams(path, targets=["kubernetes"])
    assert not any(rel.endswith(("config-secret.yaml", "alertmanager/alertmanager.yaml")) for rel in rendered.files)
    assert sum(rel.startswith("kubernetes/alertmanager/configs/") for rel in rendered.files) == 3
    assert [p.format().replace(str(tmp_path), "<tmp>") for p in rendered.warnings] == [
        "<tmp>/overlay.yaml:22:11: warning: outputs[1].alertmanager.base: not written (alertmanager.base: none): the "
        "Alertmanager's base configuration must hold the notification templates (slack.tmpl, email.tmpl, pagerduty.tmpl) "
        "[target-not-written]",
        f"{TEAMS_SPEC}:18:3: warning: global: not written (alertmanager.base: none): the Alertmanager's base configuration "
        "must hold these global settings [target-not-written]",
        f"{TEAMS_SPEC}:83:13: warning: routing.receiver: not written (alertmanager.base: none): the Alertmanager's base "
        "configuration must hold the root route (receiver 'default', group_by and timings) [target-not-written]",
        f"{TEAMS_SPEC}:101:7: warning: routing.routes[3]: not written (alertmanager.base: none): the Alertmanager's base "
        "configuration must hold this route (it selects no team) [target-not-written]",
        f"{TEAMS_SPEC}:104:5: warning: inhibit_rules[0]: not written (alertmanager.base: none): the Alertmanager's base "
        "configuration must hold this inhibit rule (an AlertmanagerConfig's would only see its own namespace) "
        "[target-not-written]",
    ]


def test_no_team_route_means_no_alertmanagerconfig(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("outputs: [{target: kubernetes, alertmanager: {mode: alertmanagerconfig}}]\n", encoding="utf-8")
    rendered = render([EXAMPLE_SPEC.relative_to(ROOT)], overlays=[overlay])
    assert not any("/configs/" in rel for rel in rendered.files)
    assert [p.format() for p in rendered.warnings] == [
        'specs/call-automation.yaml:96:3: info: routing: no top-level route selects a team (team="..."), so there is no '
        "AlertmanagerConfig to write: the whole configuration is the base configuration Secret [target-option]"
    ]
    secret = yaml.safe_load(rendered.files["kubernetes/alertmanager/config-secret.yaml"])
    plain = render([EXAMPLE_SPEC]).files["alertmanager/alertmanager.yml"]
    # the same configuration as the plain target's, but for where the files are mounted
    assert secret["stringData"]["alertmanager.yaml"] == plain.replace(
        "/etc/alertmanager/secrets/", "/etc/alertmanager/secrets/alertmanager-secrets/"
    ).replace("- templates/*.tmpl", "- /etc/alertmanager/config/*.tmpl")


def test_alertmanager_mode_none_writes_the_rules_only(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("outputs: [{target: kubernetes, alertmanager: {mode: none}}]\n", encoding="utf-8")
    rendered = render([EXAMPLE_SPEC], overlays=[overlay])
    kubernetes = sorted(rel for rel in rendered.files if rel.startswith("kubernetes/"))
    assert kubernetes == sorted(
        rel for rel in render([EXAMPLE_SPEC], targets=["kubernetes"]).files if rel.startswith("kubernetes/rules/")
    )
    assert {yaml.safe_load(rendered.files[rel])["kind"] for rel in kubernetes} == {"PrometheusRule"}
    assert rendered.warnings == []


def test_alertmanager_tracing_is_refused_where_it_would_not_apply(tmp_path: Path) -> None:
    """The Operator's configuration types have no `tracing` (it would refuse the Secret); Mimir traces
    tenants' Alertmanagers itself. The plain target and the Operator's rules-only mode keep it."""
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        'defaults: {targets: {alertmanager: "0.33"}}\ntracing: {endpoint: "127.0.0.1:4317", insecure: true}\n',
        encoding="utf-8",
    )
    for target in ("kubernetes", "mimir"):
        with pytest.raises(ProblemsFound) as exc:
            render([EXAMPLE_SPEC.relative_to(ROOT)], overlays=[overlay], targets=[target])
        assert [p.format().replace(str(tmp_path), "<tmp>") for p in exc.value.problems if p.key == "tracing"] == [
            {
                "kubernetes": "<tmp>/overlay.yaml:2:10: error: tracing: the Prometheus Operator cannot configure "
                "Alertmanager's own tracing: it reads the configuration Secret into its own configuration types, which "
                "have no `tracing` (so it would refuse the Secret), and the Alertmanager CRD has no tracing field; leave "
                "`tracing` out of the spec for this target [target-unsupported]",
                "mimir": "<tmp>/overlay.yaml:2:10: error: tracing: Mimir runs each tenant's Alertmanager inside its own "
                "process and traces it with its own settings, so a tenant configuration's `tracing` would not be "
                "applied; leave it out of the spec for this target [target-unsupported]",
            }[target]
        ]
    plain = render([EXAMPLE_SPEC], overlays=[overlay]).files["alertmanager/alertmanager.yml"]
    assert "tracing:\n  endpoint: 127.0.0.1:4317\n" in plain
    none = tmp_path / "none.yaml"
    none.write_text("outputs: [{target: kubernetes, alertmanager: {mode: none}}]\n", encoding="utf-8")
    assert render([EXAMPLE_SPEC], overlays=[overlay, none]).files


ORDERED_SPEC = """\
version: 1
name: shop
severities:
  warning: {notify: [default]}
categories:
  availability: {}
receivers:
  default: {webhook_configs: [{url: 'http://127.0.0.1:9099/hook'}]}
groups:
- name: ordered
  alerts_and_records:
  - {name: First, expr: up == 0, severity: warning, category: availability, summary: s, description: d}
  - {record: "job:up:sum", expr: sum by (job) (up)}
  - {name: Second, expr: "job:up:sum == 0", severity: warning, category: availability, summary: s, description: d}
"""


def test_every_target_keeps_a_groups_evaluation_order(tmp_path: Path) -> None:
    """`alerts_and_records` (a recording rule after an alert) reaches every target's rule files in that order."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(ORDERED_SPEC, encoding="utf-8")
    files = render([spec], targets=["prometheus", "kubernetes", "mimir", "thanos"]).files
    groups = {
        "prometheus": yaml.safe_load(files["prometheus/rules/ordered.yml"])["groups"],
        "kubernetes": yaml.safe_load(files["kubernetes/rules/ordered.yaml"])["spec"]["groups"],
        "mimir": yaml.safe_load(files["mimir/rules/shop.yaml"])["groups"],
        "thanos": yaml.safe_load(files["thanos/rules/ordered.yml"])["groups"],
    }
    order = {name: [r.get("alert") or r["record"] for g in gs for r in g["rules"]] for name, gs in groups.items()}
    assert order == {name: ["First", "job:up:sum", "Second"] for name in groups}


def test_mimir_files_have_the_shapes_mimirtool_and_the_api_read() -> None:
    files = render_env(targets=["mimir"])
    namespaces = {rel: yaml.safe_load(text) for rel, text in files.items() if rel.startswith("mimir/rules/")}
    assert sorted(namespaces) == ["mimir/rules/payments.yaml", "mimir/rules/platform.yaml", "mimir/rules/search.yaml"]
    for rel, data in namespaces.items():
        assert list(data) == ["namespace", "groups"], rel  # mimirtool refuses unknown keys
        assert rel == f"mimir/rules/{data['namespace']}.yaml"
        assert all("partial_response_strategy" not in g for g in data["groups"])
    tenant = yaml.safe_load(files["mimir/alertmanager-tenant.yaml"])
    assert list(tenant) == ["template_files", "alertmanager_config"]
    assert tenant["alertmanager_config"] == files["mimir/alertmanager/alertmanager.yml"]
    config = yaml.safe_load(tenant["alertmanager_config"])
    assert config["templates"] == sorted(tenant["template_files"])  # bare names: Mimir refuses paths
    assert all(files[f"mimir/alertmanager/{name}"] == text for name, text in tenant["template_files"].items())
    assert "_file" not in tenant["alertmanager_config"]  # Mimir refuses every *_file option


def test_mimir_split_spec_uses_the_spec_name() -> None:
    files = render([EXAMPLE_SPEC], overlays=[CASES / "call-automation-targets" / "overlay.yaml"], targets=["mimir"]).files
    assert [rel for rel in files if rel.startswith("mimir/")] == ["mimir/rules/call-automation.yaml"]
    assert yaml.safe_load(files["mimir/rules/call-automation.yaml"])["namespace"] == "call-automation"


def test_thanos_writes_partial_response_strategy_where_the_spec_asks() -> None:
    files = render_env(targets=["thanos", "prometheus"])
    strategies = {
        rel: [g.get("partial_response_strategy") for g in yaml.safe_load(text)["groups"]]
        for rel, text in files.items()
        if rel.startswith("thanos/")
    }
    assert strategies == {
        "thanos/rules/shop.payments.yml": [None],
        "thanos/rules/shop.platform.yml": ["abort"],
        "thanos/rules/shop.search.yml": ["warn"],
    }
    assert "partial_response_strategy" not in "".join(t for r, t in files.items() if r.startswith("prometheus/"))
    thanos = yaml.safe_load(files["thanos/rules/shop.search.yml"])["groups"][0]
    assert list(thanos) == ["name", "partial_response_strategy", "rules"]
    prometheus = yaml.safe_load(files["prometheus/rules/shop.search.yml"])["groups"][0]
    assert thanos["rules"] == prometheus["rules"]


def test_prometheus_alerting_fragment() -> None:
    files = render_env(targets=["prometheus"])
    data = yaml.safe_load(files["prometheus/alerting.yml"])
    assert data == {
        "rule_files": ["rules/shop.payments.yml", "rules/shop.search.yml", "rules/shop.platform.yml"],
        "alerting": {
            "alertmanagers": [{"static_configs": [{"targets": ["127.0.0.1:9093", "127.0.0.1:9094", "127.0.0.1:9095"]}]}]
        },
    }
    assert all(rule in files for rule in (f"prometheus/{r}" for r in data["rule_files"]))


def test_drift_diff_of_mimir_tenant_files_shows_no_secret(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    spec = str(TEAMS / "spec.yaml")
    assert run_cli("render", spec, "--secrets", "env", "-t", "mimir", "--out", str(out), env=TEAMS_ENV).exit_code == 0
    changed = {**TEAMS_ENV, "SLACK_PAYMENTS": "https://hooks.slack.example.com/services/T0/B0/rotated"}
    result = run_cli("render", spec, "--secrets", "env", "-t", "mimir", "--out", str(out), "--check", env=changed)
    assert result.exit_code == 1, result
    assert "+++ b/mimir/alertmanager-tenant.yaml" in result.stdout
    for value in (TEAMS_ENV["SLACK_PAYMENTS"], changed["SLACK_PAYMENTS"], TEAMS_ENV["PD_PAYMENTS"]):
        assert value not in result.stdout + result.stderr
