"""Two alert histories for `callalert report`, both over the week 2025-01-06T00:00Z to 2025-01-13T00:00Z.

EXACT: a small spec, evaluated every 30s, whose every figure follows by arithmetic from the
activations below (the comments do the arithmetic; test_report.py asserts it).
DEMO: the bundled spec's alerts over a plausible week, evaluated every 1m, for README's example.
"""

from __future__ import annotations

from .alert_history import DAY, HOUR, MINUTE, Activation, Counter

ORIGIN = 1_736_121_600  # 2025-01-06T00:00:00Z, a Monday
END = "2025-01-13T00:00:00Z"
M, H, D = MINUTE, HOUR, DAY

EXACT_SPEC = """\
version: 1
name: report-test
defaults:
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  targets: {prometheus: "2.42", alertmanager: "0.25"}
severities:
  critical: {response_time: 15m, notify: [pager]}
  warning: {response_time: 4h, notify: [chat]}
receivers:
  chat:      # Slack: send_resolved is false by default
    slack_configs:
      - api_url: {file: /etc/alertmanager/slack-url}
        channel: '#alerts'
  pager:     # PagerDuty: send_resolved is true by default
    pagerduty_configs:
      - routing_key: {file: /etc/alertmanager/pagerduty-key}
routing:
  receiver: chat
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [instance]
silences:
  - matchers: ['alertname="Silenced"']
    starts_at: 2025-01-09T02:00:00Z
    ends_at: 2025-01-09T10:00:00Z
    created_by: ops
    comment: known
groups:
  - name: test
    alerts:
      - {name: Flappy, expr: 'up == 0', for: 2m, severity: warning, summary: s, description: d}
      - {name: PagerNoise, expr: 'up == 0', severity: critical, summary: s, description: d}
      - {name: Silenced, expr: 'up == 0', severity: warning, summary: s, description: d}
      - {name: DiskWarning, expr: 'up == 0', severity: warning, summary: s, description: d}
      - {name: DiskCritical, expr: 'up == 0', severity: critical, summary: s, description: d}
      - {name: NeverFires, expr: 'up == 0', for: 5m, severity: warning, summary: s, description: d}
      - {name: StillFiring, expr: 'up == 0', severity: warning, summary: s, description: d}
      - {name: SlowStart, expr: 'up == 0', for: 10m, severity: warning, summary: s, description: d}
      - {name: OldNews, expr: 'up == 0', severity: warning, summary: s, description: d}
  - name: slow
    interval: 2m
    alerts:
      - {name: Hourly, expr: 'up == 0', severity: warning, summary: s, description: d}
"""


def _a(name: str, at: int, pending: int, firing: int, instance: str, severity: str) -> Activation:
    return Activation(name, at, pending, firing, {"instance": instance, "severity": severity})


EXACT = [
    # Flappy/web-1, Tuesday from 10:00: four times 2m pending + 3m firing, a new activation every 9m,
    # so 6m between a resolve and the next firing: 3 flaps, keep_firing_for 6m merges them; each short
    # firing held its condition 2m + 3m, so for: 5m drops them. Thursday 12:00: 2m + 60m. Saturday
    # 08:00: pending 1m only (its `for` filtered it).
    *[_a("Flappy", D + 10 * H + k * 9 * M, 2 * M, 3 * M, "web-1", "warning") for k in range(4)],
    _a("Flappy", 3 * D + 12 * H, 2 * M, 60 * M, "web-1", "warning"),
    _a("Flappy", 5 * D + 8 * H, 1 * M, 0, "web-1", "warning"),
    # Flappy/web-2, Sunday 00:00: 2m + 20m. Flappy: 6 firings, 12m + 60m + 20m = 1h32m, median of
    # 3,3,3,3,20,60 minutes = 3m, pending 2m each.
    _a("Flappy", 6 * D, 2 * M, 20 * M, "web-2", "warning"),
    # PagerNoise, critical without `for`: 5m at 03:00 on six days. 6 pages a week, each resolved within
    # the 15m response time; 12 notifications (PagerDuty: firing + resolved).
    *[_a("PagerNoise", d * D + 3 * H, 0, 5 * M, "api-1", "critical") for d in range(6)],
    # Silenced: Thursday 00:00-10:00; the spec's silence covers 02:00-10:00 = 8h of 10h (80%).
    # It notifies for the 2 unsilenced hours only: 1 notification. 10h outlasts its 4h response time.
    _a("Silenced", 3 * D, 0, 10 * H, "batch-1", "warning"),
    # DiskWarning 06:00-08:00 Friday; DiskCritical on the same instance 06:30-07:30 inhibits it for 1h:
    # DiskWarning notifies twice (06:00 and again 07:30), DiskCritical pages once (firing + resolved).
    _a("DiskWarning", 4 * D + 6 * H, 0, 2 * H, "db-1", "warning"),
    _a("DiskCritical", 4 * D + 6 * H + 30 * M, 0, 1 * H, "db-1", "critical"),
    # Rogue is in no spec: two 10m firings on Wednesday.
    _a("Rogue", 2 * D + 1 * H, 0, 10 * M, "x", "warning"),
    _a("Rogue", 2 * D + 5 * H, 0, 10 * M, "x", "warning"),
    # StillFiring: from 23:00 Sunday past the end of the range: 1h of it inside, still firing at the end.
    _a("StillFiring", 7 * D - 1 * H, 0, 2 * H, "web-2", "warning"),
    # SlowStart, for 10m: pending since 4m before the range, firing 00:06-00:36. Only 6m of pending
    # are inside the range; ALERTS_FOR_STATE says since when: 10m.
    _a("SlowStart", -4 * M, 10 * M, 30 * M, "web-5", "warning"),
    # OldNews: firing since 22:00 the day before, until 01:00: 1h inside, pending time unknown.
    _a("OldNews", -2 * H, 0, 3 * H, "web-3", "warning"),
    # Hourly's group is evaluated every 2m (the spec says so): its own query, on a 2m grid. 30m on Wednesday.
    Activation("Hourly", 2 * D + 12 * H, 0, 30 * M, {"instance": "cron-1", "severity": "warning"}, interval=2 * M),
]

# Alertmanager's counters as Prometheus scraped them every 5m, from before the range to its end:
# PagerDuty sent 14 notifications, 2 failed; Slack sent 13. (The range's edges hold no increase, so
# increase()'s extrapolation changes nothing once rounded.)
_AM = {"job": "alertmanager", "instance": "am-1:9093"}
COUNTERS = [
    Counter(
        "alertmanager_notifications_total",
        {**_AM, "integration": "pagerduty"},
        -10 * M,
        7 * D,
        5 * M,
        {d * D + 4 * H: 2 for d in range(7)},
    ),
    Counter("alertmanager_notifications_total", {**_AM, "integration": "slack"}, -10 * M, 7 * D, 5 * M, {3 * D: 13}),
    Counter("alertmanager_notifications_total", {**_AM, "integration": "email"}, -10 * M, 7 * D, 5 * M, {}),
    Counter(
        "alertmanager_notifications_failed_total",
        {**_AM, "integration": "pagerduty", "reason": "serverError"},
        -10 * M,
        7 * D,
        5 * M,
        {2 * D + 4 * H: 1, 5 * D + 4 * H: 1},
    ),
]


def _d(name: str, at: int, pending: int, firing: int, **labels: str) -> Activation:
    return Activation(name, at, pending, firing, labels)


PERF = {"severity": "warning", "category": "performance"}
QUALITY = {"severity": "warning", "category": "quality"}
ERRORS_WARN = {"severity": "warning", "category": "errors"}
ERRORS_CRIT = {"severity": "critical", "category": "errors"}
RESOURCES = {"severity": "warning", "category": "resources"}
AVAILABILITY = {"severity": "critical", "category": "availability"}

DEMO = [
    # Tuesday evening: audio quality flaps around its threshold (5m pending, 4m firing, 3m quiet).
    *[_d("LowAudioQuality", D + 19 * H + k * 12 * M, 5 * M, 4 * M, **QUALITY) for k in range(5)],
    _d("LowAudioQuality", 3 * D + 15 * H, 5 * M, 40 * M, **QUALITY),
    # The error-rate page fires three times and resolves before anyone could respond.
    _d("HighCallErrorRate", 9 * H + 12 * M, 5 * M, 7 * M, **ERRORS_CRIT),
    _d("HighCallErrorRate", 2 * D + 14 * H + 30 * M, 5 * M, 6 * M, **ERRORS_CRIT),
    _d("HighCallErrorRate", 4 * D + 2 * H + 10 * M, 5 * M, 9 * M, **ERRORS_CRIT),
    # A real outage on Wednesday night.
    _d("ServiceDown", 2 * D + 3 * H, 1 * M, 42 * M, job="call-automation", instance="10.0.0.7:8000", **AVAILABILITY),
    _d("EndpointDown", 2 * D + 3 * H + 1 * M, 2 * M, 40 * M, instance="api.example.com:443", **AVAILABILITY),
    # Memory leak on Thursday, until a restart in the evening.
    _d("HighMemoryUsage", 3 * D + 10 * H, 10 * M, 6 * H, **RESOURCES),
    # Slow AI, and slow calls with it on Friday.
    _d("HighAIResponseTime", 11 * H, 5 * M, 25 * M, **PERF),
    _d("HighAIResponseTime", 4 * D + 16 * H, 5 * M, 18 * M, **PERF),
    _d("HighCallLatency", 4 * D + 16 * H + 2 * M, 5 * M, 20 * M, **PERF),
    # ElevenLabs errors: many short firings, each notifying slack-warnings and email twice.
    *[
        _d("ElevenLabsErrors", day * D + hour * H, 5 * M, 6 * M, **ERRORS_WARN)
        for day, hour in ((0, 8), (0, 17), (1, 9), (2, 11), (3, 8), (4, 13), (5, 10), (6, 18))
    ],
    # Sentiment dips, but never for the full 10m.
    *[_d("NegativeSentiment", day * D + 15 * H, 4 * M, 0, **QUALITY) for day in (1, 3, 4)],
    # An alert of another team's rules, not in the spec.
    _d("DiskSpaceLow", 5 * D + 4 * H, 0, 50 * M, instance="db-1:9100", severity="warning"),
    _d("DiskSpaceLow", 6 * D + 4 * H, 0, 35 * M, instance="db-1:9100", severity="warning"),
]

DEMO_COUNTERS = [
    Counter(
        "alertmanager_notifications_total",
        {**_AM, "integration": "slack"},
        -10 * M,
        7 * D,
        5 * M,
        {d * D + 12 * H: 8 for d in range(7)},
    ),
    Counter(
        "alertmanager_notifications_total",
        {**_AM, "integration": "email"},
        -10 * M,
        7 * D,
        5 * M,
        {d * D + 12 * H: 3 for d in range(7)},
    ),
    Counter(
        "alertmanager_notifications_total",
        {**_AM, "integration": "pagerduty"},
        -10 * M,
        7 * D,
        5 * M,
        {9 * H + 20 * M: 3, 2 * D + 3 * H: 3, 2 * D + 15 * H: 3, 4 * D + 2 * H + 20 * M: 3},
    ),
    Counter(
        "alertmanager_notifications_failed_total",
        {**_AM, "integration": "pagerduty", "reason": "clientError"},
        -10 * M,
        7 * D,
        5 * M,
        {2 * D + 3 * H: 3},
    ),
]
