"""Parity with the real tools, as a floor: on plain files, what `promtool check rules` and
`amtool check-config` of the target release refuse is an error here too, at the key it is about
(analysis/rulefile.py and analysis/alertmanager/config.py know what each release refuses; a spec
gets the same verdicts from `callalert validate`)."""

from __future__ import annotations

from collections.abc import Iterator

from callalert import diagnostics as d
from callalert.analysis.alertmanager.config import config_issues
from callalert.analysis.alertmanager.matchers import MatcherError
from callalert.analysis.rulefile import rule_file_issues
from callalert.analysis.versions import Version
from callalert.diagnostics import KeyPath, Problem, Rule
from callalert.lint.engine import LintRule, Options
from callalert.lint.rules.routing import matcher_sites
from callalert.lint.world import Parsed, World, doc_source

AREA = "parity"

_AM = """\
route:
  receiver: chat
  group_by: [alertname]
  routes:
    - matchers: ['team="db"']
      receiver: oncall
receivers:
  - name: chat
{chat}  - name: oncall
    pagerduty_configs:
      - routing_key_file: /etc/alertmanager/secrets/pagerduty-routing-key
"""
_RULES = """\
groups:
  - name: node
    rules:
      - record: instance:node_cpu_utilisation:rate5m
        expr: 1 - avg by (instance) (rate(node_cpu_seconds_total{{mode="idle"}}[5m]))
{extra}      - alert: NodeCpuHigh
        expr: instance:node_cpu_utilisation:rate5m > 0.9
        for: 15m
        labels:
          severity: warning
        annotations:
          summary: 'CPU of {{{{ $labels.instance }}}} above 90%'
          description: 'CPU utilisation is {{{{ $value | humanizePercentage }}}}.'
          runbook_url: https://runbooks.example.com/NodeCpuHigh.md
          dashboard: https://grafana.example.com/d/node
"""

AM_CONFIG_INVALID = Rule(
    "am-config-invalid",
    "error",
    AREA,
    "alertmanager.yml the target Alertmanager would refuse to load",
    "`amtool check-config` and Alertmanager refuse the whole file: Alertmanager keeps running the previous config "
    "(or does not start). Reported for every refusal at once, each at its key: fields the target release does not "
    "have, receivers without the option they need (an email receiver without smarthost, a Slack one without "
    "api_url, a webhook without url), duplicate receiver or time-interval names, time ranges that end before they "
    "start, invalid matchers, URLs and durations, and the route tree's own rules.",
    bad=_AM.format(chat="    webhook_configs:\n      - send_resolved: true\n"),
    good=_AM.format(chat="    webhook_configs:\n      - url: http://chat.example.com/alertmanager\n"),
)
RULE_FILE_INVALID = Rule(
    "rule-file-invalid",
    "error",
    AREA,
    "rule file the target Prometheus would refuse to load",
    "`promtool check rules` and Prometheus refuse the whole file, so none of its rules run. Reported for every refusal "
    "at once: unknown fields, a group without a name or with a repeated one, a rule with both or neither of record "
    "and alert, `for` or annotations on a recording rule, invalid record, label and annotation names (UTF-8 names "
    "from Prometheus 3.0). PromQL the target cannot parse is reported as promql-syntax or promql-version, and "
    "label or annotation templates that do not parse as template-syntax.",
    bad=_RULES.format(extra="        for: 5m\n"),
    good=_RULES.format(extra=""),
)

_KINDS: dict[str, Rule] = {
    "promql-syntax": d.PROMQL_SYNTAX,
    "promql-version": d.PROMQL_VERSION,
    "template-syntax": d.TEMPLATE_SYNTAX,
    "rule-file": RULE_FILE_INVALID,
}


def _rule_file_invalid(world: World, options: Options) -> Iterator[Problem]:
    target = Version.parse(world.prom_version)

    def read_template(text: str) -> Parsed:
        return world.parse_template(text, "prometheus")

    for doc in world.rule_files:
        src = doc_source(doc)
        for issue in rule_file_issues(doc.data, target, read_template):
            rule = _KINDS[issue.kind]
            message = (
                f"{issue.message} (promtool {target.short} refuses the file)" if rule is RULE_FILE_INVALID else issue.message
            )
            if issue.line:
                yield src.problem_in_value(issue.key, issue.line, issue.col, message, rule)
            else:
                yield src.problem(issue.key, message, rule, at_key=issue.at_key)


def _am_config_invalid(world: World, options: Options) -> Iterator[Problem]:
    am = world.am
    if am is None or am.from_spec:  # validate checks a spec
        return
    reported: list[KeyPath] = []
    for src, key, text, parsed in matcher_sites(world):
        if isinstance(parsed, MatcherError):
            reported.append(key)
            yield src.problem(
                key,
                f"invalid matcher {text!r}: {parsed}",
                AM_CONFIG_INVALID,
                fix='write label="value", label!="value", label=~"regex" or label!~"regex"',
            )
    for issue in config_issues(am.data, am.am_version):
        if any(issue.key == site[: len(issue.key)] for site in reported):
            continue  # the route or inhibit rule stopped at a matcher reported above, with its text
        yield am.src.problem(issue.key, issue.message, AM_CONFIG_INVALID, at_key=issue.at_key)


RULES: tuple[LintRule, ...] = (
    LintRule(RULE_FILE_INVALID, "rules", _rule_file_invalid),
    LintRule(AM_CONFIG_INVALID, "alertmanager", _am_config_invalid),
)
