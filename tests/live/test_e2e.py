"""End-to-end: the bundled spec rendered through the real pipeline, run by a real Prometheus and
Alertmanager, notifications caught by local Slack/PagerDuty/webhook/SMTP sinks.

One Prometheus and one Alertmanager serve the whole module (a restart costs ~5 s); scenarios are
driven through exporter values. The overlay (generated per run, ports are dynamic) keeps the
spec's route tree, inhibit rule, receivers and templates, and changes only where notifications go,
the timings (`for: 1s`, group_wait/interval 1s), the silence list, and one extra route for an
injected `e2e_probe="sms"` alert (the spec routes nothing to `sms`, so its `send_resolved: false`
could not be observed otherwise).

Rate-based rules keep their 5m/1m windows. Ratio rules (p95, error ratio) resolve by flooding good
observations; the pure rates (ElevenLabsErrors, HighCPUUsage) resolve once their history is deleted
through the TSDB admin API, which is what the window running empty would do minutes later.
"""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import yaml

from callalert.analysis.alertmanager.delivery import deliver
from callalert.analysis.alertmanager.routing import Route, build_route_tree
from callalert.live.amapi import AlertmanagerClient
from callalert.pipeline import Rendered, render
from callalert.render.context import RenderContext
from callalert.write import write_tree
from tests.conftest import EXAMPLE_SPEC, CliResult, require_in

from .harness import AlertmanagerProcess, Exporter, HttpRequest, HttpSink, Mail, PrometheusProcess, SmtpSink, wait_until

if TYPE_CHECKING:
    from callalert.toolchain import Toolchain

pytestmark = pytest.mark.live
# The end-to-end suite runs on the oldest and on the newest installed toolchain.
LIVE_TOOLCHAINS = "oldest-and-newest"

SLACK_RECEIVERS = ("default", "slack-critical", "slack-warnings")
HTTP_PATHS = {
    "default": "/slack/default",
    "slack-critical": "/slack/slack-critical",
    "slack-warnings": "/slack/slack-warnings",
    "pagerduty": "/pagerduty/v2/enqueue",
    "sms": "/sms/alertmanager",
}
ALL_RECEIVERS = (*HTTP_PATHS, "email")
PAGERDUTY_KEY = "e2e-routing-key-0123456789abcdef"


def slack_env(receiver: str) -> str:
    return f"E2E_SLACK_{receiver.upper().replace('-', '_')}"


GB = 1024**3
INFO_PROBE = {"alertname": "E2EInfoProbe", "severity": "info", "category": "quality"}  # no rule has severity info

# Which alerts each scenario fires through metrics; together: the spec's 10 alerts.
SCENARIO_ALERTS = {
    "routing": ("HighCallErrorRate", "ElevenLabsErrors", "LowAudioQuality", "NegativeSentiment", "ServiceDown", "EndpointDown"),
    "inhibit": ("HighCallLatency", "HighAIResponseTime"),
    "silence": ("HighMemoryUsage", "HighCPUUsage"),
}

# The seed's routing, written out by hand (the module also checks callalert.routing.deliver agrees).
SEED_RECEIVERS = {
    "HighCallErrorRate": {"pagerduty", "slack-critical", "email"},
    "ServiceDown": {"pagerduty", "slack-critical", "email"},
    "EndpointDown": {"pagerduty", "slack-critical", "email"},
    "ElevenLabsErrors": {"slack-warnings", "email"},
    "LowAudioQuality": {"slack-warnings"},
    "NegativeSentiment": {"slack-warnings"},
    "HighCallLatency": {"slack-warnings"},
    "HighAIResponseTime": {"slack-warnings"},
    "HighCPUUsage": {"slack-warnings"},
    "HighMemoryUsage": {"slack-warnings"},
}
SEND_RESOLVED = {"default": True, "slack-critical": True, "slack-warnings": True, "pagerduty": True, "email": True, "sms": False}

_TITLE = re.compile(r"^\[(FIRING|RESOLVED)(?::(\d+))?\] ([^\s:]+)")


# --------------------------------------------------------------------------------------------
# Notifications as the sinks saw them


@dataclass(frozen=True)
class Note:
    receiver: str
    alertname: str
    status: str  # "firing" | "resolved"
    raw: HttpRequest | Mail


def _parse_title(text: str) -> tuple[str, str]:
    match = _TITLE.match(text)
    assert match, f"title/subject not in the template's format: {text!r}"
    return match[3], match[1].lower()


def notes_of(http: HttpSink, smtp: SmtpSink) -> list[Note]:
    notes: list[Note] = []
    pagerduty_names: dict[str, str] = {}  # dedup_key -> alertname (a v2 resolve event has no payload)
    by_path = {path: name for name, path in HTTP_PATHS.items()}
    for request in http.received:
        receiver = by_path.get(request.path)
        assert receiver is not None, f"request to an unknown path: {request!r}"
        body = request.json
        if receiver == "pagerduty":
            if body["event_action"] == "trigger":
                name, status = _parse_title(body["payload"]["summary"])
                pagerduty_names[body["dedup_key"]] = name
            else:
                name, status = pagerduty_names.get(body["dedup_key"], "?"), "resolved"
        elif receiver == "sms":
            name, status = body["commonLabels"]["alertname"], body["status"]
        else:
            name, status = _parse_title(body["attachments"][0]["title"])
        notes.append(Note(receiver, name, status, request))
    for mail in smtp.received:
        name, status = _parse_title(mail.subject)
        notes.append(Note("email", name, status, mail))
    return notes


@dataclass
class Stack:
    rendered: Rendered
    config: dict[str, Any]
    root: Route
    out: Path
    prometheus: PrometheusProcess
    alertmanager: AlertmanagerProcess
    exporter: Exporter
    canary: Exporter  # a second call-automation target, for ServiceDown without taking the metrics down
    blackbox: Exporter
    http: HttpSink
    smtp: SmtpSink
    timings: dict[str, float] = field(default_factory=dict)
    fired: dict[str, dict[str, Any]] = field(default_factory=dict)  # alertname -> Prometheus alert when it fired
    overlay: Path | None = None

    def notes(self, alertname: str | None = None, status: str | None = None, receiver: str | None = None) -> list[Note]:
        return [
            n
            for n in notes_of(self.http, self.smtp)
            if (alertname is None or n.alertname == alertname)
            and (status is None or n.status == status)
            and (receiver is None or n.receiver == receiver)
        ]

    def receivers_of(self, alertname: str, status: str = "firing") -> set[str]:
        return {n.receiver for n in self.notes(alertname, status)}

    def wait_receivers(self, alertname: str, expected: set[str], status: str = "firing", timeout: float = 20.0) -> float:
        try:
            return wait_until(
                lambda: expected <= self.receivers_of(alertname, status), timeout, f"{status} {alertname}", interval=0.05
            )
        except AssertionError as exc:
            seen = [(n.receiver, n.alertname, n.status) for n in self.notes()]
            raise AssertionError(
                f"{exc}: wanted at {sorted(expected)}, got {sorted(self.receivers_of(alertname, status))};"
                f" every notification: {seen}; alertmanager holds: {self.alertmanager.alerts()}"
            ) from None

    def expected_receivers(self, labels: Mapping[str, str]) -> set[str]:
        return set(deliver(self.config, labels, root=self.root).notified)

    def am_alert(self, alertname: str, **labels: str) -> dict[str, Any] | None:
        for alert in self.alertmanager.alerts():
            if alert["labels"]["alertname"] == alertname and all(alert["labels"].get(k) == v for k, v in labels.items()):
                return alert
        return None

    def wait_inactive(self, alertname: str, timeout: float = 20.0) -> float:
        return wait_until(
            lambda: all(a["labels"]["alertname"] != alertname for a in self.prometheus.alerts()),
            timeout,
            f"prometheus alert {alertname} to resolve",
            interval=0.1,
        )

    def delete_history(self, metric: str) -> None:
        # What the rate window running empty would do minutes later: the rule sees only new samples.
        response = httpx.post(f"{self.prometheus.url}/api/v1/admin/tsdb/delete_series", params={"match[]": metric}, timeout=5)
        assert response.status_code == 204, response.text

    def client(self) -> AlertmanagerClient:
        return AlertmanagerClient(self.alertmanager.url)


# --------------------------------------------------------------------------------------------
# The overlay and the module's servers


def build_overlay(
    spec: Mapping[str, Any], http: HttpSink, smtp: SmtpSink, silence_window: tuple[datetime, datetime]
) -> dict[str, Any]:
    """A partial spec: same receivers and routes, every destination a local sink, fast timings."""
    receivers: dict[str, Any] = {}
    for name, receiver in spec["receivers"].items():
        changed: dict[str, Any] = {}
        for config in receiver.get("slack_configs") or []:
            changed.setdefault("slack_configs", []).append({**config, "api_url": {"env": slack_env(name)}})
        for config in receiver.get("pagerduty_configs") or []:
            # v1 (service_key) ignores `url:` in Alertmanager 0.25; v2 (routing_key) posts to it.
            new = {k: v for k, v in config.items() if k != "service_key"}
            changed.setdefault("pagerduty_configs", []).append(
                {**new, "routing_key": {"env": "E2E_PAGERDUTY_KEY"}, "url": http.url_for(HTTP_PATHS["pagerduty"])}
            )
        for config in receiver.get("webhook_configs") or []:
            changed.setdefault("webhook_configs", []).append({**config, "url": http.url_for(HTTP_PATHS[name])})
        if changed:
            receivers[name] = changed
    start, end = silence_window
    return {
        "defaults": {"group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h"},
        "global": {
            # the sink speaks neither TLS nor AUTH; null removes the spec's credentials
            "smtp": {"smarthost": smtp.address, "require_tls": False, "auth_username": None, "auth_password": None},
            "slack_api_url": None,
        },
        "receivers": receivers,
        "routing": {
            "routes": [
                {"matchers": ['e2e_probe="sms"'], "receiver": "sms", "continue": True},
                *copy.deepcopy(spec["routing"]["routes"]),
            ]
        },
        "silences": [
            {
                "matchers": ['alertname="HighMemoryUsage"'],
                "starts_at": start.isoformat(),
                "ends_at": end.isoformat(),
                "created_by": "callalert-e2e",
                "comment": "known problem (e2e)",
            }
        ],
        "alerts": {"*": {"for": "1s"}},
    }


def seed_baseline(exporter: Exporter, blackbox: Exporter) -> None:
    """Every series present and healthy before Prometheus starts, so rates have a baseline."""
    for histogram in ("call_latency_seconds", "ai_response_time_seconds"):
        exporter.observe(histogram, 0.1, n=0)
    exporter.set("total_calls", 0, status="failed")
    exporter.set("total_calls", 0, status="completed")
    exporter.set("elevenlabs_errors_total", 0)
    exporter.set("process_cpu_seconds_total", 0)
    exporter.set("process_resident_memory_bytes", 1 * GB)
    exporter.set("audio_quality_score", 0.9)
    exporter.set("ai_sentiment_score", 0.2)
    blackbox.set("probe_success", 1)


def targets_of(chain: Toolchain | None) -> dict[str, str]:
    """The spec rendered for the servers under test, as a team running them would target them."""
    return {
        product: f"{tool.version.major}.{tool.version.minor}"
        for product, tool in (
            ("prometheus", require_in(chain, "prometheus")),
            ("alertmanager", require_in(chain, "alertmanager")),
        )
    }


@pytest.fixture(scope="module")
def stack(
    prometheus_bin: str, alertmanager_bin: str, live_chain: Toolchain | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    started = time.monotonic()
    tmp = tmp_path_factory.mktemp("e2e")
    spec = yaml.safe_load(EXAMPLE_SPEC.read_text(encoding="utf-8"))
    with Exporter() as exporter, Exporter() as canary, Exporter() as blackbox, HttpSink() as http, SmtpSink() as smtp:
        now = datetime.now(UTC).replace(microsecond=0)
        overlay = tmp / "e2e-overlay.yaml"
        changes = build_overlay(spec, http, smtp, (now - timedelta(hours=1), now + timedelta(hours=1)))
        changes["defaults"]["targets"] = targets_of(live_chain)
        overlay.write_text(yaml.safe_dump(changes, sort_keys=False))
        # Secrets go through `{env: NAME}` references, resolved from this mapping only.
        environ = {slack_env(name): http.url_for(HTTP_PATHS[name]) for name in SLACK_RECEIVERS}
        environ["E2E_PAGERDUTY_KEY"] = PAGERDUTY_KEY
        rendered = render([EXAMPLE_SPEC], secrets="env", overlays=[overlay], ctx=RenderContext(secrets="env", environ=environ))
        out = tmp / "out"
        write_tree(out, rendered.files, private=True)
        config = yaml.safe_load(rendered.files["alertmanager/alertmanager.yml"])
        seed_baseline(exporter, blackbox)
        with AlertmanagerProcess(out / "alertmanager" / "alertmanager.yml", workdir=tmp / "am", binary=alertmanager_bin) as am:
            rules = sorted((out / "prometheus" / "rules").glob("*.yml"))
            targets = {"call-automation": [exporter.address, canary.address], "call-automation-blackbox": [blackbox.address]}
            # Alertmanager's notification counters, for `callalert report` (nothing else of it: its own
            # process_* metrics must not feed the spec's HighCPUUsage/HighMemoryUsage rules)
            am_metrics = {
                "job_name": "alertmanager",
                "static_configs": [{"targets": [am.url.removeprefix("http://")]}],
                "metric_relabel_configs": [
                    {"source_labels": ["__name__"], "regex": "alertmanager_notifications.*", "action": "keep"}
                ],
            }
            with PrometheusProcess(
                tmp / "prom",
                rules,
                targets,
                am.url,
                binary=prometheus_bin,
                extra_args=["--web.enable-admin-api"],
                extra_scrape_configs=[am_metrics],
            ) as prom:
                # A fresh Prometheus first scrapes ~5-6 s after start (measured here); thresholds are
                # crossed only after a baseline scrape, so rates have a zero to start from.
                prom.wait_for_targets_up(timeout=15)
                tree = build_route_tree(config, rendered.model.am_version)
                result = Stack(rendered, config, tree, out, prom, am, exporter, canary, blackbox, http, smtp)
                result.overlay = overlay
                result.timings["startup"] = time.monotonic() - started
                yield result
                # shown with `pytest -s`: where the module's time goes
                print("\ne2e timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items()))


# --------------------------------------------------------------------------------------------
# Pure checks of the plan (no servers)


def test_scenarios_cover_every_alert_of_the_spec() -> None:
    spec = yaml.safe_load(EXAMPLE_SPEC.read_text(encoding="utf-8"))
    names = sorted(a["name"] for g in spec["groups"] for a in g["alerts"])
    assert len(names) == 10
    assert sorted(n for alerts in SCENARIO_ALERTS.values() for n in alerts) == names
    assert sorted(SEED_RECEIVERS) == names


# --------------------------------------------------------------------------------------------
# Live scenarios


def test_rendered_config_routes_as_the_seed_says(stack: Stack) -> None:
    """callalert.routing on the rendered alertmanager.yml agrees with the hand-written seed table."""
    for name, expected in SEED_RECEIVERS.items():
        assert stack.rendered.model is not None
        alert = next(r for r in stack.rendered.model.alerts if r.name == name)
        assert stack.expected_receivers({"alertname": name, **alert.labels}) == expected, name
    assert stack.expected_receivers({"alertname": "X", "severity": "info", "category": "quality"}) == {"default"}
    assert stack.expected_receivers({"alertname": "X", "severity": "warning", "category": "quality", "e2e_probe": "sms"}) == {
        "sms",
        "slack-warnings",
    }
    # The overlay pointed everything at the sinks and nothing else changed in the route tree.
    assert [(r.receiver, r.matchers_text()) for r in stack.root.routes][1:] == [
        ("pagerduty", '{severity="critical"}'),
        ("slack-critical", '{severity="critical"}'),
        ("slack-warnings", '{severity="warning"}'),
        ("email", '{category=~"availability|errors"}'),
    ]


def probe_alert(labels: Mapping[str, str], ends_at: datetime | None = None) -> dict[str, Any]:
    """An alert posted straight to Alertmanager (what the spec has no rule for)."""
    name = labels["alertname"]
    alert: dict[str, Any] = {"labels": dict(labels), "annotations": {"summary": f"{name} (e2e)", "description": "injected"}}
    if ends_at is not None:
        alert["endsAt"] = ends_at.isoformat().replace("+00:00", "Z")
    return alert


def assert_delivered_exactly(stack: Stack, labels_by_alert: Mapping[str, Mapping[str, str]]) -> None:
    """Every alert reached exactly its receivers once firing, and once resolved where send_resolved is on."""
    for name, labels in labels_by_alert.items():
        expected = stack.expected_receivers(labels)
        for receiver in ALL_RECEIVERS:
            firing = stack.notes(name, "firing", receiver)
            resolved = stack.notes(name, "resolved", receiver)
            assert len(firing) == (receiver in expected), (name, receiver, firing)
            assert len(resolved) == (receiver in expected and SEND_RESOLVED[receiver]), (name, receiver, resolved)


@pytest.fixture(scope="module")
def routing_run(stack: Stack) -> dict[str, dict[str, str]]:
    """Fire six of the spec's alerts (and an injected info alert) at once, then resolve them all.
    Returns each alert's labels as Prometheus/the injection gave them."""
    started = time.monotonic()
    exp, names = stack.exporter, SCENARIO_ALERTS["routing"]
    with stack.client() as am:
        am.post_alerts([probe_alert(INFO_PROBE)])
    # Cross every threshold at once.
    exp.inc("total_calls", 50, status="failed")
    exp.inc("total_calls", 50, status="completed")
    exp.inc("elevenlabs_errors_total", 10_000)
    exp.set("audio_quality_score", 0.5)
    exp.set("ai_sentiment_score", -0.5)
    stack.canary.healthy = False
    stack.blackbox.set("probe_success", 0)

    labels: dict[str, dict[str, str]] = {}
    for name in names:
        stack.fired[name] = stack.prometheus.wait_for_alert(name, "firing", timeout=25)
        labels[name] = dict(stack.fired[name]["labels"])
    assert labels["ServiceDown"] == {
        "alertname": "ServiceDown",
        "category": "availability",
        "instance": stack.canary.address,
        "job": "call-automation",
        "severity": "critical",
    }
    assert labels["EndpointDown"]["instance"] == stack.blackbox.address
    labels["E2EInfoProbe"] = dict(INFO_PROBE)
    for name, alert_labels in labels.items():
        expected = stack.expected_receivers(alert_labels)
        if name in SEED_RECEIVERS:
            assert expected == SEED_RECEIVERS[name], name
        stack.wait_receivers(name, expected)
    assert stack.expected_receivers(labels["E2EInfoProbe"]) == {"default"}
    fired = time.monotonic() - started

    # Back to normal: ratios by flooding good calls, pure rates by emptying their window.
    exp.inc("total_calls", 100_000, status="completed")
    stack.delete_history("elevenlabs_errors_total")
    exp.set("audio_quality_score", 0.9)
    exp.set("ai_sentiment_score", 0.2)
    stack.canary.healthy = True
    stack.blackbox.set("probe_success", 1)
    with stack.client() as am:
        am.post_alerts([probe_alert(INFO_PROBE, ends_at=datetime.now(UTC))])
    for name in names:
        stack.wait_inactive(name)
    for name, alert_labels in labels.items():
        stack.wait_receivers(name, {r for r in stack.expected_receivers(alert_labels) if SEND_RESOLVED[r]}, "resolved")
    stack.timings["routing"] = time.monotonic() - started
    stack.timings["routing.fire"] = fired
    return labels


def test_every_alert_reaches_exactly_its_receivers_and_resolves(stack: Stack, routing_run: dict[str, dict[str, str]]) -> None:
    assert sorted(routing_run) == sorted([*SCENARIO_ALERTS["routing"], "E2EInfoProbe"])
    assert_delivered_exactly(stack, routing_run)
    # nothing routes to sms in the bundled spec, and the injected info alert reached only default
    assert [n for n in stack.notes(receiver="sms") if n.alertname in routing_run] == []
    assert {n.alertname for n in stack.notes(receiver="default")} == {"E2EInfoProbe"}


_DATE = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"


def starts_pattern(stack: Stack) -> re.Pattern[str]:
    """How the spec's Slack template shows when an alert started: `since` and the date where the
    target Alertmanager has `since` (0.28), else the date alone."""
    if "| since" in stack.rendered.files["alertmanager/templates/slack.tmpl"]:
        return re.compile(rf"\d[\d.]*(?:[µnm]?s|h|m)(?:[\d.]+(?:[µnm]?s|h|m))* \({_DATE}\)")
    return re.compile(_DATE)


def template_pattern(template: str) -> str:
    """A regex for what a Prometheus annotation template renders to: `{{ ... }}` parts vary ($value moves)."""
    return ".+?".join(re.escape(part) for part in re.split(r"\{\{.*?\}\}", template))


def slack_text_pattern(
    labels: Mapping[str, str], annotations: Mapping[str, str], description: str, status: str, starts: str
) -> str:
    """What the spec's slack.default.text renders for one alert (`description` and `starts` are regexes):
    the distinguishing labels when it has any, the end once resolved, its source, a silence link while firing."""
    return (
        re.escape(f"*Alerta:* {annotations['summary']}\n*Descripción:* ")
        + description
        + re.escape(f"\n*Severidad:* {labels['severity']} ({labels['category']})\n")
        + r"(?:\*Etiquetas:\*( `[^`=]+=[^`]*`)+\n)?"
        + re.escape("*Inicio:* ")
        + starts
        + (re.escape("\n*Resuelta:* ") + _DATE if status == "resolved" else "")
        + re.escape(f"\n*Dashboard:* {annotations['dashboard']}\n*Runbook:* {annotations['runbook_url']}\n*Origen:* http://")
        + r"\S+/graph\?g0\.expr=\S+\n"
        + (r"\*Silenciar:\* http://\S+/#/silences/new\?filter=%7B\S+%7D\n" if status == "firing" else "")
        + "\n"
    )


def test_notifications_carry_the_rendered_texts(stack: Stack, routing_run: dict[str, dict[str, str]]) -> None:
    # The seed's values, by hand, for three alerts.
    error_rate = stack.fired["HighCallErrorRate"]["annotations"]
    assert error_rate == {
        "summary": "Alta tasa de error en llamadas",
        "description": "La tasa de error es 50%, superando el umbral del 5%",
        "dashboard": "https://grafana.example.com/d/errors/error-rates",
        "runbook_url": "https://runbooks.example.com/call-automation/HighCallErrorRate.md",
    }
    assert stack.fired["EndpointDown"]["annotations"]["description"] == f"El endpoint {stack.blackbox.address} está inaccesible"
    assert stack.fired["ServiceDown"]["annotations"]["description"] == "El servicio call-automation está caído"

    [slack] = stack.notes("HighCallErrorRate", "firing", "slack-critical")
    assert isinstance(slack.raw, HttpRequest)
    attachment = slack.raw.json["attachments"][0]
    assert slack.raw.json["channel"] == "#alerts-critical"
    assert attachment["title"] == "[FIRING:1] HighCallErrorRate"
    assert attachment["color"] == "danger"
    assert attachment["text"].splitlines() == [
        "*Alerta:* Alta tasa de error en llamadas",
        "*Descripción:* La tasa de error es 50%, superando el umbral del 5%",
        "*Severidad:* critical (errors)",
        attachment["text"].splitlines()[3],
        "*Dashboard:* https://grafana.example.com/d/errors/error-rates",
        "*Runbook:* https://runbooks.example.com/call-automation/HighCallErrorRate.md",
        attachment["text"].splitlines()[6],
        attachment["text"].splitlines()[7],
        "",
    ]
    assert starts_pattern(stack).fullmatch(attachment["text"].splitlines()[3].removeprefix("*Inicio:* ")), attachment["text"]
    # the rule's source in Prometheus, and a silence for exactly this alert (no label besides
    # alertname/severity/category: an aggregated ratio has none, so no *Etiquetas:* line)
    assert attachment["text"].splitlines()[6].startswith("*Origen:* http://")
    assert "/graph?g0.expr=" in attachment["text"].splitlines()[6]
    assert attachment["text"].splitlines()[7] == (
        f"*Silenciar:* {stack.alertmanager.url}/#/silences/new?filter=%7Balertname%3D%22HighCallErrorRate%22%2C"
        "category%3D%22errors%22%2Cseverity%3D%22critical%22%7D"
    )

    [mail] = stack.notes("HighCallErrorRate", "firing", "email")
    assert isinstance(mail.raw, Mail)
    assert (mail.raw.subject, mail.raw.header("To"), mail.raw.header("From"), mail.raw.rcpt_tos) == (
        "[FIRING:1] HighCallErrorRate",
        "alerts@example.com",
        "alertmanager@example.com",
        ("alerts@example.com",),
    )
    html = mail.raw.html or ""
    for fragment in (
        "<h2>HighCallErrorRate</h2>",
        "<p>Estado: FIRING</p>",
        # inline styles (mail clients drop <style> blocks): the critical colours
        "background-color: #f8d7da; border: 1px solid #f5c6cb;",
        "<h3>Alta tasa de error en llamadas</h3>",
        "<p>La tasa de error es 50%, superando el umbral del 5%</p>",
        "<p><strong>Severidad:</strong> critical</p>",
        '<a href="https://grafana.example.com/d/errors/error-rates">Ver dashboard</a>',
        '<a href="https://runbooks.example.com/call-automation/HighCallErrorRate.md">Ver runbook</a>',
    ):
        assert fragment in html, fragment

    [page] = stack.notes("HighCallErrorRate", "firing", "pagerduty")
    assert isinstance(page.raw, HttpRequest)
    event = page.raw.json
    assert (event["routing_key"], event["event_action"]) == (PAGERDUTY_KEY, "trigger")
    assert event["payload"]["summary"] == "[FIRING:1] HighCallErrorRate: Alta tasa de error en llamadas"
    details = event["payload"]["custom_details"]
    assert {k: details[k] for k in ("severity", "summary", "description")} == {
        "severity": "critical",
        "summary": "Alta tasa de error en llamadas",
        "description": "La tasa de error es 50%, superando el umbral del 5%",
    }
    # Alertmanager's default `firing` detail lists every annotation: dashboard and runbook reach the page.
    # 0.25 and 0.28 write it as text (` - name = value` lines); 0.33 (structured details) as the alerts' JSON.
    firing = details["firing"]
    if isinstance(firing, str):
        assert " - dashboard = https://grafana.example.com/d/errors/error-rates\n" in firing
        assert " - runbook_url = https://runbooks.example.com/call-automation/HighCallErrorRate.md\n" in firing
    else:
        [fired] = firing
        assert fired["annotations"]["dashboard"] == "https://grafana.example.com/d/errors/error-rates"
        assert fired["annotations"]["runbook_url"] == "https://runbooks.example.com/call-automation/HighCallErrorRate.md"

    # Every Prometheus alert's notification, in every format, carries its own rendered annotations.
    assert stack.rendered.model is not None
    templates = {a.name: a.annotations for a in stack.rendered.model.alerts}
    for name in SCENARIO_ALERTS["routing"]:
        labels, annotations = routing_run[name], stack.fired[name]["annotations"]
        assert re.fullmatch(template_pattern(templates[name]["description"]), annotations["description"]), name
        description = template_pattern(templates[name]["description"])
        assert annotations["runbook_url"] == f"https://runbooks.example.com/call-automation/{name}.md"
        assert annotations["dashboard"].startswith("https://grafana.example.com/d/")
        for note in stack.notes(name):
            tag = "[FIRING:1]" if note.status == "firing" else "[RESOLVED]"
            if note.receiver == "email":
                assert isinstance(note.raw, Mail)
                assert note.raw.subject == f"{tag} {name}"
                body = note.raw.html or ""
                assert f"<h3>{annotations['summary']}</h3>" in body and re.search(f"<p>{description}</p>", body), name
                assert f'<a href="{annotations["runbook_url"]}">' in body and f'<a href="{annotations["dashboard"]}">' in body, (
                    name
                )
                continue
            assert isinstance(note.raw, HttpRequest)
            if note.receiver == "pagerduty":
                payload = note.raw.json["payload"]
                assert payload["summary"] == f"{tag} {name}: {annotations['summary']}"
                assert re.fullmatch(description, payload["custom_details"]["description"]), name
                assert payload["custom_details"]["severity"] == labels["severity"]
            else:
                attachment = note.raw.json["attachments"][0]
                assert attachment["title"] == f"{tag} {name}"
                pattern = slack_text_pattern(labels, annotations, description, note.status, starts_pattern(stack).pattern)
                assert re.fullmatch(pattern, attachment["text"]), (
                    name,
                    note.receiver,
                    attachment,
                )
                assert attachment["color"] == ("danger" if note.status == "firing" else "good")


def first_arrival(stack: Stack, alertname: str, receiver: str, status: str = "firing") -> float:
    return min(n.raw.received_at for n in stack.notes(alertname, status, receiver))


def test_critical_inhibits_the_warning_of_the_same_name(stack: Stack) -> None:
    started = time.monotonic()
    critical = {"alertname": "HighCallLatency", "severity": "critical", "category": "performance"}
    injected = {"labels": critical, "annotations": {"summary": "Latencia crítica (inyectada)", "description": "e2e"}}
    with stack.client() as am:
        am.post_alerts([injected])
        stack.wait_receivers("HighCallLatency", stack.expected_receivers(critical))
        assert stack.expected_receivers(critical) == {"pagerduty", "slack-critical"}

        stack.exporter.observe("call_latency_seconds", 15.0, n=100)  # p95 19.5 s > 10
        stack.exporter.observe("ai_response_time_seconds", 5.0, n=100)  # p95 4.875 s > 3: the control
        for name in SCENARIO_ALERTS["inhibit"]:
            stack.fired[name] = stack.prometheus.wait_for_alert(name, "firing", timeout=25)
        warning = dict(stack.fired["HighCallLatency"]["labels"])
        assert warning == {"alertname": "HighCallLatency", "severity": "warning", "category": "performance"}
        assert stack.expected_receivers(warning) == SEED_RECEIVERS["HighCallLatency"]
        assert deliver(stack.config, warning, firing=[critical], root=stack.root).notified == []

        # Alertmanager holds the warning and marks it inhibited by the critical one.
        wait_until(
            lambda: (stack.am_alert("HighCallLatency", severity="warning") or {}).get("status", {}).get("inhibitedBy"),
            15,
            "the HighCallLatency warning to be inhibited",
            interval=0.05,
        )
        # The control warning, fired in the same evaluation, goes through: the group has flushed.
        stack.wait_receivers("HighAIResponseTime", {"slack-warnings"})
        assert stack.notes("HighCallLatency", receiver="slack-warnings") == []
        still = stack.am_alert("HighCallLatency", severity="warning")
        assert still is not None and still["status"]["state"] == "suppressed" and still["status"]["inhibitedBy"]

        lifted = time.monotonic()
        am.post_alerts([{**injected, "endsAt": datetime.now(UTC).isoformat().replace("+00:00", "Z")}])
    # With the critical resolved the warning is no longer inhibited and reaches slack-warnings.
    stack.wait_receivers("HighCallLatency", {"slack-warnings"})
    assert first_arrival(stack, "HighCallLatency", "slack-warnings") > lifted
    stack.wait_receivers("HighCallLatency", {"pagerduty", "slack-critical"}, "resolved")

    stack.exporter.observe("call_latency_seconds", 0.1, n=100_000)
    stack.exporter.observe("ai_response_time_seconds", 0.1, n=100_000)
    for name in SCENARIO_ALERTS["inhibit"]:
        stack.wait_inactive(name)
        stack.wait_receivers(name, {"slack-warnings"}, "resolved")
    # the critical and the warning share the name: count both
    firing = sorted(n.receiver for n in stack.notes("HighCallLatency", "firing"))
    resolved = sorted(n.receiver for n in stack.notes("HighCallLatency", "resolved"))
    assert firing == resolved == ["pagerduty", "slack-critical", "slack-warnings"]
    assert_delivered_exactly(stack, {"HighAIResponseTime": dict(stack.fired["HighAIResponseTime"]["labels"])})
    stack.timings["inhibit"] = time.monotonic() - started


def test_spec_silence_mutes_what_it_matches(stack: Stack) -> None:
    started = time.monotonic()
    silences = json.loads(stack.rendered.files["alertmanager/silences.json"])
    assert [(s["matchers"], s["createdBy"]) for s in silences] == [
        ([{"name": "alertname", "value": "HighMemoryUsage", "isRegex": False, "isEqual": True}], "callalert-e2e")
    ]
    with stack.client() as am:
        [silence_id] = [
            am.create_silence(s["matchers"], s["startsAt"], s["endsAt"], s["createdBy"], s["comment"]) for s in silences
        ]
        assert am.get_silence(silence_id)["status"]["state"] == "active"

        stack.exporter.set("process_resident_memory_bytes", 3 * GB)
        stack.exporter.inc("process_cpu_seconds_total", 1_000)  # rate over 1m >> 0.8
        for name in SCENARIO_ALERTS["silence"]:
            stack.fired[name] = stack.prometheus.wait_for_alert(name, "firing", timeout=25)
        wait_until(
            lambda: (stack.am_alert("HighMemoryUsage") or {}).get("status", {}).get("silencedBy") == [silence_id],
            15,
            "HighMemoryUsage to be silenced",
            interval=0.05,
        )
        # The other warning goes through; the silenced one reaches no sink at all.
        stack.wait_receivers("HighCPUUsage", {"slack-warnings"})
        assert stack.notes("HighMemoryUsage") == []

        lifted = time.monotonic()
        am.expire_silence(silence_id)
    # Without the silence the same alert is delivered where the routes send it.
    stack.wait_receivers("HighMemoryUsage", SEED_RECEIVERS["HighMemoryUsage"])
    assert first_arrival(stack, "HighMemoryUsage", "slack-warnings") > lifted

    stack.exporter.set("process_resident_memory_bytes", 1 * GB)
    stack.delete_history("process_cpu_seconds_total")
    for name in SCENARIO_ALERTS["silence"]:
        stack.wait_inactive(name)
        stack.wait_receivers(name, {"slack-warnings"}, "resolved")
    assert_delivered_exactly(stack, {name: dict(stack.fired[name]["labels"]) for name in SCENARIO_ALERTS["silence"]})
    stack.timings["silence"] = time.monotonic() - started


def test_resolved_is_not_sent_where_send_resolved_is_false(stack: Stack) -> None:
    started = time.monotonic()
    labels = {"alertname": "E2ESmsProbe", "e2e_probe": "sms", "severity": "warning", "category": "quality"}
    assert stack.expected_receivers(labels) == {"sms", "slack-warnings"}
    with stack.client() as am:
        am.post_alerts([probe_alert(labels)])
        stack.wait_receivers("E2ESmsProbe", {"sms", "slack-warnings"})
        [hook] = stack.notes("E2ESmsProbe", receiver="sms")
        assert isinstance(hook.raw, HttpRequest)
        body = hook.raw.json
        assert (body["version"], body["status"], body["receiver"]) == ("4", "firing", "sms")
        assert [a["labels"] for a in body["alerts"]] == [labels]

        am.post_alerts([probe_alert(labels, ends_at=datetime.now(UTC))])
        stack.wait_receivers("E2ESmsProbe", {"slack-warnings"}, "resolved")
        # A later alert to sms as a barrier: by the time it arrives the probe's group has flushed again.
        barrier = {**labels, "alertname": "E2ESmsBarrier"}
        am.post_alerts([probe_alert(barrier)])
        stack.wait_receivers("E2ESmsBarrier", {"sms"})
        am.post_alerts([probe_alert(barrier, ends_at=datetime.now(UTC))])
    assert [n.status for n in stack.notes("E2ESmsProbe", receiver="sms")] == ["firing"]
    assert [n.status for n in stack.notes("E2ESmsProbe", receiver="slack-warnings")] == ["firing", "resolved"]
    stack.timings["send_resolved"] = time.monotonic() - started


def test_report_sees_what_the_alerts_did(
    stack: Stack, routing_run: dict[str, dict[str, str]], run_cli: Callable[..., CliResult]
) -> None:
    """`callalert report` on this stack: the alerts that really fired, their owners, Alertmanager's silences and
    alerts, and its notification counters as Prometheus scraped them."""
    started = time.monotonic()
    # the notifications of the routing run reach Prometheus with its next scrape of Alertmanager
    wait_until(
        lambda: bool(stack.prometheus.query('sum(alertmanager_notifications_total{integration="pagerduty"}) > 0')),
        10,
        "Prometheus to scrape Alertmanager's notification counters",
        interval=0.2,
    )
    assert stack.overlay is not None
    result = run_cli(
        "report",
        str(EXAMPLE_SPEC),
        "--overlay",
        str(stack.overlay),
        "--prometheus-url",
        stack.prometheus.url,
        "--alertmanager-url",
        stack.alertmanager.url,
        "--range",
        "15m",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result
    data = json.loads(result.stdout)
    alerts = {a["name"]: a for a in data["alerts"]}
    assert list(alerts)[:10] == [a.name for a in stack.rendered.model.alerts]  # the spec's alerts first, in its order
    for name in SCENARIO_ALERTS["routing"]:
        alert = alerts[name]
        assert alert["in_spec"] and alert["fired"] >= 1 and alert["firing_seconds"] > 0, alert
        assert alert["for"] == "1s"  # the overlay's
        assert alert["owner"] == "receivers " + ", ".join(
            r for r in ("pagerduty", "slack-critical", "slack-warnings", "email") if r in SEED_RECEIVERS[name]
        )
        assert alert["loaded"] is True
        # each firing notified someone: the estimate counts at least the firing notification per receiver
        assert alert["notifications"]["estimated"] >= len(SEED_RECEIVERS[name]), alert
    # the injected info probe went straight to Alertmanager: Prometheus never had it
    assert "E2EInfoProbe" not in alerts
    assert data["resolution"][0]["step_seconds"] == 1  # the rule groups' 1s evaluation interval
    assert data["alertmanager"]["version"] == stack.alertmanager.get("/api/v2/status")["versionInfo"]["version"]
    sent = {i["integration"]: i for i in data["integrations"]}
    for integration in ("pagerduty", "slack", "email"):
        assert sent[integration]["sent"] >= 1 and sent[integration]["failed"] == 0, sent
    stack.timings["report"] = time.monotonic() - started
