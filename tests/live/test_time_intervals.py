"""Mute/active time intervals and inhibition: callalert's engine against the real Alertmanager 0.25.

amtool 0.25's `config routes test` ignores both, so this is where the engine's answers for
`routes test --at/--firing` and the spec's routing tests are proven against Alertmanager itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import yaml

from callalert.analysis.alertmanager.delivery import deliver
from callalert.live.amapi import AlertmanagerClient

from .harness import AlertmanagerProcess, HttpSink

pytestmark = pytest.mark.live

CONFIG = """
route:
  receiver: fallback
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  routes:
    - {matchers: ['team="muted"'], receiver: muted, mute_time_intervals: [always]}
    - {matchers: ['team="inactive"'], receiver: inactive, active_time_intervals: [long-ago]}
    - {matchers: ['team="open"'], receiver: open, mute_time_intervals: [long-ago]}
    - {matchers: ['team="inhibited"'], receiver: inhibited}
inhibit_rules:
  - {source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: [team]}
time_intervals:
  - name: always
    time_intervals: [{weekdays: ['sunday:saturday'], location: Europe/Madrid}]
  - name: long-ago
    time_intervals: [{years: ['2001'], months: ['january'], days_of_month: ['1:-1']}]
receivers:
  - {name: fallback, webhook_configs: [{url: 'URL/fallback'}]}
  - {name: muted, webhook_configs: [{url: 'URL/muted'}]}
  - {name: inactive, webhook_configs: [{url: 'URL/inactive'}]}
  - {name: open, webhook_configs: [{url: 'URL/open'}]}
  - {name: inhibited, webhook_configs: [{url: 'URL/inhibited'}]}
"""


def test_engine_agrees_with_alertmanager_on_time_intervals_and_inhibition(
    start_alertmanager: Callable[..., AlertmanagerProcess], http_sink: HttpSink
) -> None:
    text = CONFIG.replace("URL", http_sink.url)
    config = yaml.safe_load(text)
    am = start_alertmanager(text)
    now = datetime.now(UTC)
    alerts = {
        "muted": {"alertname": "A1", "team": "muted", "severity": "warning"},
        "inactive": {"alertname": "A2", "team": "inactive", "severity": "warning"},
        "open": {"alertname": "A3", "team": "open", "severity": "warning"},
        "inhibited": {"alertname": "A4", "team": "inhibited", "severity": "warning"},
        "source": {"alertname": "A5", "team": "inhibited", "severity": "critical"},
    }
    firing = list(alerts.values())
    expected = {
        name: deliver(config, labels, [f for f in firing if f is not labels], now).notified for name, labels in alerts.items()
    }
    assert expected == {
        "muted": [],
        "inactive": [],
        "open": ["open"],
        "inhibited": [],
        "source": ["inhibited"],
    }
    with AlertmanagerClient(am.url) as client:
        client.post_alerts([{"labels": labels} for labels in alerts.values()])
    # the delivered ones arrive after group_wait; the suppressed ones would arrive with them
    http_sink.wait_for_path("/open", timeout=15)
    http_sink.wait_for_path("/inhibited", timeout=15)
    time.sleep(2.5)
    received = {
        path: sorted(a["labels"]["alertname"] for r in http_sink.requests_to(f"/{path}") for a in r.json["alerts"])
        for path in ("fallback", "muted", "inactive", "open", "inhibited")
    }
    assert received == {"fallback": [], "muted": [], "inactive": [], "open": ["A3"], "inhibited": ["A5"]}
