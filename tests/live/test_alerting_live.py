"""`prometheus/alerting.yml` run as written by the real Prometheus of every installed toolchain
(on loopback): it loads the rule files it names, discovers every Alertmanager peer it lists
(/api/v1/alertmanagers), and sends a firing alert to each of them.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import yaml

from callalert.pipeline import render
from callalert.render import RenderContext
from callalert.write import write_tree
from tests.conftest import ROOT, require_in

from .harness import AlertmanagerProcess, PrometheusProcess, wait_until

if TYPE_CHECKING:
    from callalert.toolchain import Toolchain

pytestmark = pytest.mark.live

TEAMS = ROOT / "tests/golden/cases/teams-targets"
# Alertmanager peers that notify nobody: the test looks at what they received, and no server it
# starts may reach beyond 127.0.0.1.
NULL_CONFIG = 'route: {receiver: "null", group_wait: 1s}\nreceivers: [{name: "null"}]\n'


class RenderedPrometheus(PrometheusProcess):
    """prometheus run with a configuration file callalert rendered, untouched."""

    def __init__(self, config_file: Path, workdir: Path, binary: str) -> None:
        super().__init__(workdir, binary=binary)
        self.config_file = config_file

    def prepare(self) -> None:
        pass


def _get(url: str) -> Any:
    response = httpx.get(url, timeout=5)
    response.raise_for_status()
    return response.json()["data"]


def test_alerting_yml_loads_the_rules_and_sends_to_every_peer(toolchain: Toolchain | None, tmp_path: Path) -> None:
    prometheus = require_in(toolchain, "prometheus")
    alertmanager = require_in(toolchain, "alertmanager")
    with ExitStack() as stack:
        peers = []
        for i in range(3):
            workdir = tmp_path / f"alertmanager-{i}"
            workdir.mkdir()
            (workdir / "alertmanager.yml").write_text(NULL_CONFIG, encoding="utf-8")
            peers.append(
                stack.enter_context(AlertmanagerProcess(workdir / "alertmanager.yml", workdir=workdir, binary=alertmanager.path))
            )
        overlay = tmp_path / "live.yaml"
        overlay.write_text(
            yaml.safe_dump(
                {
                    "defaults": {"evaluation_interval": "1s"},
                    "alerts": {"NodeNotReady": {"expr": "vector(1)", "for": "0s"}},
                    "outputs": [{"target": "prometheus", "alerting": {"alertmanagers": [f"127.0.0.1:{p.port}" for p in peers]}}],
                }
            ),
            encoding="utf-8",
        )
        env = yaml.safe_load((TEAMS / "env.yaml").read_text(encoding="utf-8"))
        rendered = render([TEAMS / "spec.yaml"], overlays=[overlay], ctx=RenderContext(secrets="env", environ=env))
        out = tmp_path / "out"
        write_tree(out, rendered.files, private=True)
        server = stack.enter_context(
            RenderedPrometheus(out / "prometheus/alerting.yml", tmp_path / "prometheus", prometheus.path)
        )

        expected = sorted(f"http://127.0.0.1:{p.port}/api/v2/alerts" for p in peers)

        def discovered() -> bool:
            active = _get(f"{server.url}/api/v1/alertmanagers")["activeAlertmanagers"]
            return sorted(a["url"] for a in active) == expected

        wait_until(discovered, 30, f"Prometheus {prometheus.version.short} to discover {expected}", interval=0.2)

        groups = _get(f"{server.url}/api/v1/rules")["groups"]
        assert [(g["name"], g["file"].rsplit("/", 2)[-2:]) for g in groups] == [
            ("shop.payments", ["rules", "shop.payments.yml"]),
            ("shop.platform", ["rules", "shop.platform.yml"]),
            ("shop.search", ["rules", "shop.search.yml"]),
        ]
        assert sorted(r["name"] for g in groups for r in g["rules"]) == sorted(
            [
                "CheckoutErrorRatioHigh",
                "CheckoutLatencyHigh",
                "NodeNotReady",
                "SearchTrafficDropped",
                "service:search_requests:rate5m",
            ]
        )

        def everywhere() -> bool:
            return all(any(a["labels"].get("alertname") == "NodeNotReady" for a in p.alerts()) for p in peers)

        wait_until(everywhere, 30, "NodeNotReady at every Alertmanager peer", interval=0.2)
        for peer in peers:
            [alert] = [a for a in peer.alerts() if a["labels"]["alertname"] == "NodeNotReady"]
            assert alert["labels"]["team"] == "platform"
            assert alert["annotations"]["runbook_url"] == "https://runbooks.shop.example.com/NodeNotReady.md"
