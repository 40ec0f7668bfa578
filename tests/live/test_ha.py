"""A highly available Alertmanager, for real: three `prometheus-alertmanager` peers gossiping on
loopback, one Prometheus sending every alert to all three, the three-team example's alerts firing,
and every notification counted at the sinks: exactly one per receiver and alert group, none lost
when the peer that was sending is stopped mid-test. `silences apply --cluster` writes once and
every peer shows it; `drill` to every peer notifies once.

Runs on the newest installed toolchain and on the oldest (the spec's target, Alertmanager 0.25). The
bundled spec (specs/call-automation.yaml, Alertmanager 0.28) runs the same way on the newest and the
oldest toolchain at or above its target, its expected notifications computed by callalert's routing
engine from the alerts Prometheus fires.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from callalert.analysis.alertmanager.delivery import deliver
from callalert.analysis.versions import Version
from callalert.pipeline import load_valid
from tests.conftest import EXAMPLE_SPEC, ROOT, CliResult, installed_toolchains, require_in

from .harness import AlertmanagerProcess, Exporter, HttpSink, PrometheusProcess, free_port, wait_until

pytestmark = pytest.mark.live

WEB_SHOP = ROOT / "specs" / "web-shop"
PEERS = 3
# a peer waits its place in the order × --cluster.peer-timeout (2s here) before it notifies: the last
# of three waits 4s; after that and a group_interval (2s) more, a duplicate would have arrived
QUIET = 2 * 2.0 + 2.0 + 2.0


def _newest_and_oldest(chains: list[Any]) -> list[Any]:
    return ([chains[-1]] + ([chains[0]] if len(chains) > 1 else [])) if chains else [None]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "edge_chain" in metafunc.fixturenames:
        picked = _newest_and_oldest(installed_toolchains())
        metafunc.parametrize("edge_chain", picked, ids=[c.name if c else "no-toolchain" for c in picked])
    if "bundled_chain" in metafunc.fixturenames:
        # the bundled spec targets Alertmanager 0.28: the newest toolchain and the oldest at or above it
        target = Version.parse(load_valid([EXAMPLE_SPEC]).model.defaults.targets.alertmanager)
        able = [c for c in installed_toolchains() if (am := c.get("alertmanager")) is not None and am.version >= target]
        picked = _newest_and_oldest(able)
        metafunc.parametrize("bundled_chain", picked, ids=[c.name if c else "no-toolchain" for c in picked])


def _overlay(sink: HttpSink, spec: Path = WEB_SHOP) -> str:
    """Every receiver of the spec posts to the sink at /<receiver> (replaced wholesale: no
    pagerduty or slack option is left over), timings of seconds, `for` of one second."""
    receivers = sorted(load_valid([spec]).model.receivers)
    lines = [
        "defaults: {group_wait: 1s, group_interval: 2s, repeat_interval: 1h, evaluation_interval: 1s}",
        "global: !replace {}",
        "receivers:",
    ]
    lines += [
        f"  {name}: !replace {{webhook_configs: [{{url: '{sink.url_for(name)}', send_resolved: false}}]}}" for name in receivers
    ]
    lines += ["alerts:", '  "*": {for: 1s}']
    return "\n".join(lines) + "\n"


@dataclass
class Stack:
    out: Path
    sink: HttpSink
    peers: list[AlertmanagerProcess]
    cluster_file: Path
    overlay: Path

    @property
    def urls(self) -> list[str]:
        return [p.url for p in self.peers]

    def notifications(self) -> Counter[tuple[str, str]]:
        """(receiver, alert group's alertname) -> how many notifications arrived."""
        found: Counter[tuple[str, str]] = Counter()
        for request in self.sink.received:
            found[(request.path.lstrip("/"), request.json["groupLabels"].get("alertname", ""))] += 1
        return found

    def sender(self) -> AlertmanagerProcess:
        """The peer that notifies first: position 0 among the members sorted by name (Alertmanager's rule)."""
        names = {p.status()["cluster"]["name"]: p for p in self.peers if p.running}
        return names[min(names)]


def _start(exits: ExitStack, spec: Path, chain: Any, tmp_path: Path, run_cli: Callable[..., CliResult]) -> Stack:
    """`spec` rendered with every receiver pointing at a sink, and three peers of one cluster running it."""
    binary = require_in(chain, "alertmanager").path
    sink = exits.enter_context(HttpSink())
    overlay = tmp_path / "sinks.yaml"
    overlay.write_text(_overlay(sink, spec))
    out = tmp_path / "out"
    rendered = run_cli("render", str(spec), "--overlay", str(overlay), "--out", str(out))
    assert rendered.exit_code == 0, rendered
    ports = [free_port() for _ in range(PEERS)]
    peers = []
    for i, port in enumerate(ports):
        proc = AlertmanagerProcess(
            out / "alertmanager/alertmanager.yml",
            workdir=tmp_path / f"peer-{i}",
            binary=binary,
            cluster_port=port,
            peers=[f"127.0.0.1:{p}" for p in ports if p != port],
        )
        peers.append(exits.enter_context(proc))

    def joined() -> bool:
        statuses = [p.status()["cluster"] for p in peers]
        return all(s["status"] == "ready" and len(s["peers"]) == PEERS for s in statuses)

    wait_until(joined, 30, f"{PEERS} Alertmanager peers to form one cluster", interval=0.1)
    cluster_file = tmp_path / "cluster.yaml"
    cluster_file.write_text("# the peers of the Alertmanager cluster\n" + "".join(f"- {p.url}\n" for p in peers))
    return Stack(out, sink, peers, cluster_file, overlay)


def _prometheus(
    exits: ExitStack,
    stack: Stack,
    spec: Path,
    chain: Any,
    tmp_path: Path,
    run_cli: Callable[..., CliResult],
    targets: dict[str, str],
) -> PrometheusProcess:
    """One Prometheus run with the Prometheus side the `prometheus` target writes for the cluster
    (`outputs: [{target: prometheus, alerting: ...}]`, set by an overlay: the rule files and every
    peer in prometheus/alerting.yml), scraping `targets`."""
    peers_overlay = tmp_path / "peers.yaml"
    hosts = [u.removeprefix("http://") for u in stack.urls]
    peers_overlay.write_text(f"outputs: [{{target: prometheus, alerting: {{alertmanagers: [{', '.join(hosts)}]}}}}]\n")
    out = tmp_path / "with-peers"
    rendered = run_cli("render", str(spec), "--overlay", str(stack.overlay), "--overlay", str(peers_overlay), "--out", str(out))
    assert rendered.exit_code == 0, rendered
    alerting = out / "prometheus/alerting.yml"
    peers = yaml.safe_load(alerting.read_text())["alerting"]["alertmanagers"]
    assert peers == [{"static_configs": [{"targets": hosts}]}]
    prometheus = exits.enter_context(
        PrometheusProcess(
            tmp_path / "prometheus", (), targets, binary=require_in(chain, "prometheus").path, alerting_file=alerting
        )
    )
    assert len(prometheus.config()["rule_files"]) == len(list((out / "prometheus/rules").glob("*.yml")))
    return prometheus


@pytest.fixture
def stack(edge_chain: Any, tmp_path: Path, run_cli: Callable[..., CliResult]) -> Iterator[Stack]:
    with ExitStack() as exits:
        yield _start(exits, WEB_SHOP, edge_chain, tmp_path, run_cli)


def test_every_notification_once_and_none_lost_when_the_sending_peer_stops(
    stack: Stack, edge_chain: Any, tmp_path: Path, run_cli: Callable[..., CliResult]
) -> None:
    with ExitStack() as exits:
        app = exits.enter_context(
            Exporter(
                types={
                    "payments_requests_total": "counter",
                    "checkout_orders_total": "counter",
                    "checkout_orders_failed_total": "counter",
                }
            )
        )
        edge, cart = exits.enter_context(Exporter()), exits.enter_context(Exporter())
        edge.healthy = cart.healthy = False  # up == 0: EdgeProxyDown, CartServiceDown
        app.set_rate("payments_requests_total", 5.0, outcome="ok")
        app.set_rate("payments_requests_total", 5.0, outcome="error")  # 50% > 5%: PaymentsErrorRatioHigh
        app.set_rate("checkout_orders_total", 10.0)
        app.set_rate("checkout_orders_failed_total", 1.0)  # 10% > 2%: CheckoutFailuresHigh
        # every peer gets every alert, as in production (prometheus/alerting.yml of the prometheus target)
        prometheus = _prometheus(
            exits, stack, WEB_SHOP, edge_chain, tmp_path, run_cli, {"shop": app.url, "edge-proxy": edge.url, "cart": cart.url}
        )
        expected = {
            (receiver, alert)
            for alert, team_receivers in {
                "EdgeProxyDown": ("platform-pager", "platform-slack"),
                "CartServiceDown": ("checkout-oncall", "checkout-slack"),
                "CheckoutFailuresHigh": ("checkout-oncall", "checkout-slack"),
                "PaymentsErrorRatioHigh": ("payments-pager", "payments-slack"),
            }.items()
            for receiver in ("incidents", *team_receivers)
        }
        wait_until(lambda: set(stack.notifications()) >= expected, 60, f"{len(expected)} notifications", interval=0.1)
        time.sleep(QUIET)
        first = stack.notifications()
        assert first == Counter(dict.fromkeys(expected, 1)), (first, prometheus.alerts())

        # the peer that has been sending stops; Prometheus goes on sending to all three
        stopped = stack.sender()
        stopped.stop()
        app.set("search_index_last_update_timestamp_seconds", 0, indexer="products")  # SearchIndexStale
        more = {("incidents", "SearchIndexStale"), ("search-pager", "SearchIndexStale"), ("search-slack", "SearchIndexStale")}
        wait_until(lambda: set(stack.notifications()) >= expected | more, 60, "the notifications after a peer stopped")
        time.sleep(QUIET)
        after = stack.notifications()
        assert after == Counter(dict.fromkeys(expected | more, 1)), after
        # Prometheus did send to the stopped peer too (and failed): the cluster, not luck, made it one
        metrics = httpx.get(f"{prometheus.url}/metrics", timeout=5).text
        errors = [line for line in metrics.splitlines() if line.startswith("prometheus_notifications_errors_total{")]
        assert any(stopped.url.removeprefix("http://") in line and not line.endswith(" 0") for line in errors), errors
    print(  # the report's numbers (pytest -s)
        f"{edge_chain.name}: {len(expected)} notifications expected and {sum(first.values())} received from "
        f"{PEERS} peers; after stopping the sending peer, {len(more)} more expected and "
        f"{sum(after.values()) - sum(first.values())} received; no duplicate"
    )


def test_silences_apply_once_and_every_peer_has_them(stack: Stack, run_cli: Callable[..., CliResult]) -> None:
    cluster = ("--cluster", str(stack.cluster_file))
    applied = run_cli("silences", "apply", str(WEB_SHOP), *cluster)
    assert applied.exit_code == 0, applied
    assert applied.stdout.splitlines()[-2:] == [
        "applied: 2 to create, 0 to update, 0 to expire",
        f"in sync on 3 of 3 peer(s): {', '.join(stack.urls)}",
    ]

    def managed(peer: AlertmanagerProcess) -> list[str]:
        return sorted(
            s["id"] for s in peer.get("/api/v2/silences") if "[callalert:" in s["comment"] and s["status"]["state"] != "expired"
        )

    ids = managed(stack.peers[0])
    assert len(ids) == 2 and all(managed(p) == ids for p in stack.peers)  # the same two silences everywhere
    # again, through another peer first: nothing to do, and no second copy anywhere
    again = run_cli("silences", "apply", str(WEB_SHOP), "--alertmanager-url", stack.urls[2], *cluster)
    assert "applied: 0 to create, 0 to update, 0 to expire" in again.stdout, again
    assert all(managed(p) == ids for p in stack.peers)
    # one peer down: the others still agree, and apply stays idempotent
    stack.peers[0].stop()
    down = run_cli("silences", "plan", str(WEB_SHOP), *cluster, "--exit-code")
    assert down.exit_code == 0, down
    assert down.stdout.splitlines()[-1] == "plan: 0 to create, 0 to update, 0 to expire"
    assert down.stderr.startswith(f"callalert: warning: Alertmanager at {stack.urls[0]} is unreachable: ")
    expired = run_cli("silences", "expire", *cluster)
    assert expired.exit_code == 0, expired
    assert expired.stdout.splitlines()[-1] == f"in sync on 2 of 3 peer(s): {', '.join(stack.urls[1:])}"
    assert all(managed(p) == [] for p in stack.peers[1:])


def test_a_drill_sent_to_every_peer_notifies_once(stack: Stack, run_cli: Callable[..., CliResult]) -> None:
    result = run_cli(
        "drill", "CartServiceDown", str(WEB_SHOP), "--cluster", str(stack.cluster_file), "--label", "instance=cart-1"
    )
    assert result.exit_code == 0, result
    assert result.stdout.splitlines() == [
        'alert: {alertname="CartServiceDown", category="availability", drill="true", instance="cart-1", severity="critical", '
        'team="checkout"}',
        "receivers now (per the spec's routing): incidents, checkout-oncall, checkout-slack",
        "sending to 3 Alertmanager peer(s); one cluster notifies once",
        *(f"accepted by Alertmanager at {url} (state active)" for url in stack.urls),
    ]
    expected = {(r, "CartServiceDown") for r in ("incidents", "checkout-oncall", "checkout-slack")}
    wait_until(lambda: set(stack.notifications()) >= expected, 30, "the drill's notifications", interval=0.1)
    time.sleep(QUIET)
    assert stack.notifications() == Counter(dict.fromkeys(expected, 1))
    (request,) = stack.sink.requests_to("/incidents")
    assert request.json["alerts"][0]["labels"]["drill"] == "true"


def test_peers_that_are_not_one_cluster_are_refused(edge_chain: Any, tmp_path: Path, run_cli: Callable[..., CliResult]) -> None:
    binary = require_in(edge_chain, "alertmanager").path
    config = tmp_path / "alertmanager.yml"
    config.write_text("route: {receiver: 'null'}\nreceivers: [{name: 'null'}]\n")
    with ExitStack() as exits:
        alone = [exits.enter_context(AlertmanagerProcess(config, workdir=tmp_path / f"am-{i}", binary=binary)) for i in range(2)]
        result = run_cli(
            "silences", "apply", str(WEB_SHOP), "--alertmanager-url", alone[0].url, "--alertmanager-url", alone[1].url
        )
        assert all(httpx.get(f"{am.url}/api/v2/silences").json() == [] for am in alone)  # nothing was written
    assert result.exit_code == 1, result
    assert result.stdout == ""
    assert result.stderr == (
        f"callalert: error: Alertmanager at {alone[0].url} runs without clustering (its cluster status is disabled): "
        "silences made on another peer never reach it, and it notifies on its own; start it with --cluster.peer, or give "
        "only one URL\n"
    )


def _expected(stack: Stack, firing: list[dict[str, str]], version: str) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    """(receiver, group labels) of every notification the firing alerts make, by callalert's own
    routing engine (time intervals now, inhibit rules among the firing alerts)."""
    config = yaml.safe_load((stack.out / "alertmanager/alertmanager.yml").read_text())
    now = datetime.now(UTC)
    found = set()
    for labels in firing:
        delivery = deliver(config, labels, firing=firing, at=now, version=version)
        for route in delivery.routes:
            if route.receiver in delivery.notified:
                found.add((route.receiver, tuple((g, labels[g]) for g in sorted(route.group_by) if g in labels)))
    return found


def _groups(stack: Stack) -> Counter[tuple[str, tuple[tuple[str, str], ...]]]:
    """(receiver, the notification's group labels) -> how many notifications arrived."""
    found: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
    for request in stack.sink.received:
        found[(request.path.lstrip("/"), tuple(sorted(request.json["groupLabels"].items())))] += 1
    return found


def test_the_bundled_spec_notifies_once_per_receiver_and_group(
    bundled_chain: Any, tmp_path: Path, run_cli: Callable[..., CliResult]
) -> None:
    """The bundled spec (specs/call-automation.yaml) on the cluster: what its firing alerts should
    notify, by callalert's routing engine, arrives exactly once, also after the sending peer stops."""
    version = require_in(bundled_chain, "alertmanager").version.short
    with ExitStack() as exits:
        stack = _start(exits, EXAMPLE_SPEC, bundled_chain, tmp_path, run_cli)
        app = exits.enter_context(Exporter(types={"process_cpu_seconds_total": "counter"}))
        service, blackbox = exits.enter_context(Exporter()), exits.enter_context(Exporter())
        service.healthy = False  # up{job="call-automation"} == 0: ServiceDown
        blackbox.set("probe_success", 0)  # EndpointDown
        app.set("audio_quality_score", 0.5)  # LowAudioQuality
        app.set("ai_sentiment_score", -0.6)  # NegativeSentiment
        app.set("process_resident_memory_bytes", 3 * 1024**3)  # HighMemoryUsage
        app.set("process_cpu_seconds_total", 0, instance="app-1")  # a counter from the start: a jump later is a rate
        prometheus = _prometheus(
            exits,
            stack,
            EXAMPLE_SPEC,
            bundled_chain,
            tmp_path,
            run_cli,
            {"app": app.url, "call-automation": service.url, "call-automation-blackbox": blackbox.url},
        )
        names = {"ServiceDown", "EndpointDown", "LowAudioQuality", "NegativeSentiment", "HighMemoryUsage"}

        def firing() -> list[dict[str, str]]:
            return [a["labels"] for a in prometheus.alerts() if a["state"] == "firing"]

        wait_until(lambda: {a["alertname"] for a in firing()} >= names, 60, f"{sorted(names)} to fire", interval=0.2)
        expected = _expected(stack, firing(), version)
        assert len(expected) >= len(names)
        wait_until(lambda: set(_groups(stack)) >= expected, 60, f"{len(expected)} notifications", interval=0.1)
        time.sleep(QUIET)
        first = _groups(stack)
        assert first == Counter(dict.fromkeys(expected, 1)), (first, expected)

        stopped = stack.sender()
        stopped.stop()
        app.inc("process_cpu_seconds_total", 1_000, instance="app-1")  # rate over [2m] >> 0.8: HighCPUUsage
        wait_until(lambda: "HighCPUUsage" in {a["alertname"] for a in firing()}, 60, "HighCPUUsage to fire", interval=0.2)
        more = _expected(stack, firing(), version) - expected
        assert more, firing()
        wait_until(lambda: set(_groups(stack)) >= expected | more, 60, "the notifications after a peer stopped")
        time.sleep(QUIET)
        after = _groups(stack)
        assert after == Counter(dict.fromkeys(expected | more, 1)), after
        metrics = httpx.get(f"{prometheus.url}/metrics", timeout=5).text  # it did send to the stopped peer too
        errors = [line for line in metrics.splitlines() if line.startswith("prometheus_notifications_errors_total{")]
        assert any(stopped.url.removeprefix("http://") in line and not line.endswith(" 0") for line in errors), errors
    print(
        f"{bundled_chain.name}: bundled spec: {len(expected)} notifications expected and {sum(first.values())} received; "
        f"after stopping the sending peer, {len(more)} more expected and {sum(after.values()) - sum(first.values())} received"
    )
