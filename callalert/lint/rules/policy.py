"""What a project requires of its alerts, declared in its configuration (`lint.policy` of
.callalert.yml or [tool.callalert]): labels and annotations with value patterns, a range for
`for`, a name pattern, the receivers each severity may reach."""

from __future__ import annotations

from collections.abc import Iterator

from callalert.analysis.times import model_duration_seconds
from callalert.diagnostics import Problem, Rule
from callalert.lint.engine import LintRule, Options
from callalert.lint.project import Policy, full_match, matches_receiver
from callalert.lint.rules.routing import deliveries
from callalert.lint.world import AlertRec, World

AREA = "policy"

_RULES = """\
groups:
  - name: api
    rules:
      - alert: {name}
        expr: up{{job="api"}} == 0
        for: {for_}
        labels:
          severity: critical
{team}        annotations:
          summary: The API is down
          description: No scrape for a while.
          runbook_url: {runbook}
          dashboard: https://grafana.example.com/d/api
"""
_PROJECT = """\
lint:
  policy:
    labels: {team: "payments|search|platform"}
    annotations: {runbook_url: "https://runbooks\\\\.example\\\\.com/.+"}
    for: {min: 1m, max: 30m}
    name: "[A-Z][A-Za-z0-9]+"
"""


def _rules(
    name: str = "ApiDown",
    for_: str = "5m",
    team: str = "          team: platform\n",
    runbook: str = "https://runbooks.example.com/ApiDown.md",
) -> str:
    return _RULES.format(name=name, for_=for_, team=team, runbook=runbook)


_RECEIVERS_SPEC = """\
version: 1
severities:
  critical: {notify: [pager]}
receivers:
  pager:
    pagerduty_configs:
      - routing_key: {file: /etc/alertmanager/secrets/pagerduty-routing-key}
  chat:
    webhook_configs:
      - url: http://chat.example.com/alertmanager
routing:
  receiver: chat
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
%s
groups:
  - name: api
    alerts:
      - name: ApiDown
        expr: up{job="api"} == 0
        for: 5m
        severity: critical
        summary: The API is down
        description: No scrape for 5 minutes.
        dashboard: https://grafana.example.com/d/api
        runbook:
          description: The API is not scraped.
          investigation: [Check the pods]
          mitigation: [Restart the deployment]
"""
POLICY_LABEL = Rule(
    "policy-label",
    "warning",
    AREA,
    "alert without a label the project requires, or with a value outside its pattern",
    "A project that routes by team, or reports by service, needs every alert to say it: the policy lists the labels and "
    "the values they may take (a regex matched against the whole value). A label the expression may set is judged "
    "only when the alert sets it itself.",
    bad=_rules(team="          team: platfrom\n"),
    good=_rules(),
)
POLICY_ANNOTATION = Rule(
    "policy-annotation",
    "warning",
    AREA,
    "alert without an annotation the project requires, or with a value outside its pattern",
    "Runbooks on the company wiki, dashboards on the company Grafana: the policy says which annotations every alert "
    "carries and what their values look like.",
    bad=_rules(runbook="https://wiki.example.com/ApiDown"),
    good=_rules(),
)
POLICY_FOR = Rule(
    "policy-for",
    "warning",
    AREA,
    "alert whose `for` is outside the project's range",
    "Too short and a blip pages someone; too long and the outage is old news when the alert arrives. The policy sets "
    "the range (`for: {min: 1m, max: 30m}`); an alert without `for` has 0.",
    bad=_rules(for_="2h"),
    good=_rules(),
)
POLICY_NAME = Rule(
    "policy-name",
    "warning",
    AREA,
    "alert name outside the project's pattern",
    "Names are what people search, silence and route by; a pattern (CamelCase, a team prefix) keeps them findable.",
    bad=_rules(name="api_down"),
    good=_rules(),
)
POLICY_RECEIVERS = Rule(
    "policy-receivers",
    "warning",
    AREA,
    "alert of a severity routed to a receiver the project does not allow for it",
    "`receivers: {critical: ['*-pagerduty']}`: every critical alert may only reach matching receivers (globs). Judged on "
    "the alerts that exist and where the routes send them, when the routes depend on labels the alerts set.",
    bad=_RECEIVERS_SPEC % "      continue: true\n    - matchers: ['severity=\"critical\"']\n      receiver: chat",
    good=_RECEIVERS_SPEC % "",
)

# The project configuration each example is linted with (EXAMPLE_PROJECTS below).
_RECEIVERS_PROJECT = """\
lint:
  policy:
    receivers: {critical: ["pager"]}
"""


def _policy(options: Options) -> Policy | None:
    project = options.project
    if project is None or project.policy.empty:
        return None
    return project.policy


def _static(alert: AlertRec, label: str) -> str | None:
    return alert.labels.get(label)


def _policy_label(world: World, options: Options) -> Iterator[Problem]:
    policy = _policy(options)
    if policy is None:
        return
    for alert in world.alerts:
        for label, pattern in policy.labels.items():
            value = _static(alert, label)
            if value is None:
                if alert.can_have(label) is not False:
                    continue  # the expression may set it: its values are not known here
                yield alert.src.problem(
                    alert.key,
                    f"alert {alert.name} has no {label} label, which the project requires ({label}=~{pattern!r})",
                    POLICY_LABEL,
                    fix=f"add labels: {{{label}: ...}}",
                )
            elif not full_match(pattern, value):
                yield alert.src.problem(
                    (*alert.key, "labels", label) if not alert.from_spec else alert.key,
                    f"alert {alert.name}: {label}={value!r} does not match the project's pattern {pattern!r}",
                    POLICY_LABEL,
                    fix=f"use a value matching {pattern!r}",
                )


def _policy_annotation(world: World, options: Options) -> Iterator[Problem]:
    policy = _policy(options)
    if policy is None:
        return
    for alert in world.alerts:
        for name, pattern in policy.annotations.items():
            value = alert.annotations.get(name)
            key = alert.annotation_keys.get(name, alert.key)
            if not value:
                yield alert.src.problem(
                    alert.key,
                    f"alert {alert.name} has no {name} annotation, which the project requires",
                    POLICY_ANNOTATION,
                    fix=f"add annotations: {{{name}: ...}}",
                )
            elif not full_match(pattern, value):
                yield alert.src.problem(
                    key,
                    f"alert {alert.name}: annotation {name} {value!r} does not match the project's pattern {pattern!r}",
                    POLICY_ANNOTATION,
                    fix=f"use a value matching {pattern!r}",
                )


def _policy_for(world: World, options: Options) -> Iterator[Problem]:
    policy = _policy(options)
    if policy is None or (policy.for_min is None and policy.for_max is None):
        return
    for alert in world.alerts:
        text = alert.for_ or "0s"
        seconds = model_duration_seconds(text)
        if seconds is None:
            continue
        low, high = policy.for_min, policy.for_max
        if (low is not None and seconds < low) or (high is not None and seconds > high):
            bounds = " to ".join(t for t in policy.for_text if t) if low is not None and high is not None else ""
            want = bounds or (f"at least {policy.for_text[0]}" if low is not None else f"at most {policy.for_text[1]}")
            yield alert.src.problem(
                (*alert.key, "for") if alert.for_ else alert.key,
                f"alert {alert.name}: for {text} is outside the project's range ({want})",
                POLICY_FOR,
                fix=f"set for: to {want}",
            )


def _policy_name(world: World, options: Options) -> Iterator[Problem]:
    policy = _policy(options)
    if policy is None or policy.name is None:
        return
    for alert in world.alerts:
        if not full_match(policy.name, alert.name):
            yield alert.src.problem(
                alert.key,
                f"alert name {alert.name!r} does not match the project's pattern {policy.name!r}",
                POLICY_NAME,
                fix="rename the alert (and the routes, silences and dashboards that name it)",
            )


def _policy_receivers(world: World, options: Options) -> Iterator[Problem]:
    policy = _policy(options)
    if policy is None or not policy.receivers:
        return
    decided, _undecided = deliveries(world)
    for dl in decided:
        severity = dl.labels.get("severity", "")
        allowed = policy.receivers.get(severity)
        if allowed is None:
            continue
        wrong = [r for r in dl.receivers if not matches_receiver(r, allowed)]
        if wrong:
            yield dl.alert.src.problem(
                dl.alert.key,
                f"alert {dl.alert.name} (severity {severity}) reaches {', '.join(wrong)}, which the project does not "
                f"allow for severity {severity} ({', '.join(allowed)})",
                POLICY_RECEIVERS,
                fix="change the routes, or the project's policy.receivers",
            )


RULES: tuple[LintRule, ...] = (
    LintRule(POLICY_LABEL, "rules", _policy_label, project=_PROJECT),
    LintRule(POLICY_ANNOTATION, "rules", _policy_annotation, project=_PROJECT),
    LintRule(POLICY_FOR, "rules", _policy_for, project=_PROJECT),
    LintRule(POLICY_NAME, "rules", _policy_name, project=_PROJECT),
    LintRule(POLICY_RECEIVERS, "spec", _policy_receivers, project=_RECEIVERS_PROJECT),
)
