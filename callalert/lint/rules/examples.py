"""Building blocks of the rules' bad/good examples that are callalert specs.

A spec example is a whole spec (the examples are run by the test suite, and `--explain` prints
them), but a rule's example differs from a clean spec in one or two sections only; those sections
are written out in the rule's module and the rest comes from here. Rule files, alertmanager.yml
and templates are short enough to be written out whole where the rule is.
"""

from __future__ import annotations

SEVERITIES = """\
severities:
  critical: {notify: [pager]}
  warning: {notify: [chat]}
"""
RECEIVERS = """\
receivers:
  pager:
    pagerduty_configs:
      - routing_key: {file: /etc/alertmanager/secrets/pagerduty-routing-key}
  chat:
    webhook_configs:
      - url: http://chat.example.com/alertmanager
"""
ROUTING = """\
routing:
  receiver: chat
"""
RUNBOOK = """\
        runbook:
          description: Calls to the API fail; users see errors.
          investigation: [Read the logs of the failing instance, Check the databases the API calls]
          mitigation: [Roll back the last deployment]
"""


def alert(
    name: str = "HighErrorRate",
    expr: str = 'sum by (instance) (rate(http_request_errors_total{job="api"}[5m])) > 1',
    *,
    severity: str = "critical",
    for_: str | None = "5m",
    summary: str = "The API fails requests",
    description: str = "'{{ $labels.instance }} fails more than one request per second.'",
    runbook: str = RUNBOOK,
    extra: str = "",
) -> str:
    """One alert of a spec's group (indented for `groups[].alerts`); `extra`: more keys, indented alike."""
    return (
        f"      - name: {name}\n"
        f"        expr: {expr}\n" + (f"        for: {for_}\n" if for_ else "") + f"        severity: {severity}\n"
        f"        summary: {summary}\n"
        f"        description: {description}\n"
        f"        dashboard: https://grafana.example.com/d/api\n"
        f"{runbook}{extra}"
    )


def spec(
    *,
    defaults: str = "",
    severities: str = SEVERITIES,
    receivers: str = RECEIVERS,
    routing: str = ROUTING,
    extra: str = "",
    alerts: str | None = None,
) -> str:
    """A spec that lints clean with the defaults; each argument replaces one top-level section."""
    return (
        f"version: 1\n{defaults}{severities}{receivers}{routing}{extra}"
        f"groups:\n  - name: api\n    alerts:\n{alert() if alerts is None else alerts}"
    )
