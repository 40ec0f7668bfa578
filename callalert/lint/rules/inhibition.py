"""Inhibition: rules that mute more than meant (no `equal`), nothing at all (source and target the
same alerts, or no known alerts on a side), or each other's sources (circular). Decided over the
matchers' real semantics (analysis/alertmanager/matchset.py), each finding with its example."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from callalert.analysis.alertmanager.inhibit import InhibitRule, build_inhibit_rules
from callalert.analysis.alertmanager.matchers import Matcher, matchers_str
from callalert.analysis.alertmanager.matchset import Sat, includes, labels_text, new_cache, satisfiable
from callalert.diagnostics import Problem, Rule, did_you_mean
from callalert.lint.engine import LintRule, Options
from callalert.lint.rules import examples as ex
from callalert.lint.rules.routing import alertname_unknown, notifies_nobody
from callalert.lint.world import AlertRec, AMConfig, World

AREA = "inhibition"

_CONFIG = """\
route:
  receiver: chat
  group_by: [alertname, cluster]
receivers:
  - name: chat
    webhook_configs:
      - url: http://chat.example.com/alertmanager
inhibit_rules:
{rules}"""


def _rule(source: str, target: str, equal: str | None = "[cluster]") -> str:
    return f"  - source_matchers: {source}\n    target_matchers: {target}\n" + (f"    equal: {equal}\n" if equal else "")


_CRIT = """['severity="critical"']"""
_WARN = """['severity="warning"']"""
_INHIBIT_SPEC = """\
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [{equal}]
"""
_WARNING_ALERT = ex.alert(
    "HighLatency",
    'histogram_quantile(0.99, sum by (le, instance) (rate(http_request_duration_seconds_bucket{job="api"}[5m]))) > 1',
    severity="warning",
    summary="The API is slow",
    description="'{{ $labels.instance }} answers in more than a second.'",
)

INHIBIT_NO_EQUAL = Rule(
    "inhibit-no-equal",
    "warning",
    AREA,
    "inhibit rule without `equal`",
    "Without `equal`, any firing source alert mutes every target alert everywhere: one critical alert in one cluster "
    "silences the warnings of all clusters. Name the labels that tie a source to its targets (cluster, namespace, "
    "instance...).",
    bad=_CONFIG.format(rules=_rule(_CRIT, _WARN, None)),
    good=_CONFIG.format(rules=_rule(_CRIT, _WARN)),
)
INHIBIT_SAME_ALERTS = Rule(
    "inhibit-same-alerts",
    "warning",
    AREA,
    "inhibit rule whose source and target match exactly the same alerts",
    "Alertmanager never lets an alert that matches both sides of a rule be muted by another alert that matches both "
    "sides (that is what keeps an alert from muting itself). When source and target describe the same alerts, every "
    "pair is like that: the rule never mutes anything.",
    bad=_CONFIG.format(rules=_rule("""['severity=~"warning|critical"']""", """['severity=~"critical|warning"']""")),
    good=_CONFIG.format(rules=_rule(_CRIT, _WARN)),
)
INHIBIT_CIRCULAR = Rule(
    "inhibit-circular",
    "warning",
    AREA,
    "inhibit rules that can mute each other's source alerts",
    "When rule A's target can be rule B's source and B's target A's source, two alerts firing together mute each other "
    "and nobody hears of either. The finding gives such a pair of label sets.",
    bad=_CONFIG.format(
        rules=_rule("""['alertname="NodeDown"']""", """['alertname="NetworkUnreachable"']""")
        + _rule("""['alertname="NetworkUnreachable"']""", """['alertname="NodeDown"']""")
    ),
    good=_CONFIG.format(rules=_rule("""['alertname="NetworkUnreachable"']""", """['alertname="NodeDown"']""")),
)
INHIBIT_UNKNOWN_ALERTNAME = Rule(
    "inhibit-unknown-alertname",
    "warning",
    AREA,
    "inhibit rule matcher on an alertname no rule produces",
    "When the rules are known, an inhibit rule for an alert name none of them has is a typo or a leftover: the "
    "muting it was written for does not happen.",
    bad=ex.spec(
        extra=_INHIBIT_SPEC.replace(
            "source_matchers: ['severity=\"critical\"']", "source_matchers: ['alertname=\"HighErorRate\"']"
        ).format(equal="instance"),
        alerts=ex.alert() + _WARNING_ALERT,
    ),
    good=ex.spec(
        extra=_INHIBIT_SPEC.replace(
            "source_matchers: ['severity=\"critical\"']", "source_matchers: ['alertname=\"HighErrorRate\"']"
        ).format(equal="instance"),
        alerts=ex.alert() + _WARNING_ALERT,
    ),
)
INHIBIT_NEVER_MATCHES = Rule(
    "inhibit-never-matches",
    "info",
    AREA,
    "inhibit rule no pair of the known alerts can trigger",
    "Checked against the alerts of the spec or of the given rule files, with their static labels: no alert matches "
    "one side, or no source and target alert can agree on the `equal` labels (only labels every alert involved sets "
    "statically are compared). Alerts from elsewhere (another Prometheus, a script) may still match, hence info.",
    bad=ex.spec(extra=_INHIBIT_SPEC.format(equal="alertname"), alerts=ex.alert() + _WARNING_ALERT),
    good=ex.spec(extra=_INHIBIT_SPEC.format(equal="instance"), alerts=ex.alert() + _WARNING_ALERT),
)


def _rules(world: World) -> tuple[AMConfig, list[InhibitRule]] | None:
    am = world.am
    if am is None or isinstance(am.route_tree(), Exception):
        return None
    try:
        return am, build_inhibit_rules(am.data.get("inhibit_rules"), am.am_version)
    except Exception:
        return None  # am-config-invalid reports it


def _inhibit_no_equal(world: World, options: Options) -> Iterator[Problem]:
    found = _rules(world)
    if found is None:
        return
    am, rules = found
    for rule in rules:
        if not rule.equal and not notifies_nobody(world, list(rule.target)):
            yield am.src.problem(
                ("inhibit_rules", rule.index),
                f"inhibit rule {matchers_str(list(rule.source))} → {matchers_str(list(rule.target))} has no `equal`: "
                "any firing source alert mutes every target alert, whatever cluster, namespace or instance it is about",
                INHIBIT_NO_EQUAL,
                fix="add equal: [the labels that tie a source to its targets, e.g. cluster, namespace]",
            )


def _inhibit_same_alerts(world: World, options: Options) -> Iterator[Problem]:
    found = _rules(world)
    if found is None:
        return
    am, rules = found
    cache = new_cache()
    for rule in rules:
        forward = includes(list(rule.source), list(rule.target), cache)
        backward = includes(list(rule.target), list(rule.source), cache)
        if forward.holds is True and backward.holds is True and forward.example is not None:
            yield am.src.problem(
                ("inhibit_rules", rule.index),
                f"the source {matchers_str(list(rule.source))} and the target {matchers_str(list(rule.target))} match "
                f"exactly the same alerts (e.g. {labels_text(forward.example)}): an alert matching both sides is never "
                "muted by another that matches both, so this rule mutes nothing",
                INHIBIT_SAME_ALERTS,
                fix='make the target the alerts to mute (e.g. severity="warning") and the source the ones that explain them',
            )


def _rename(matchers: Sequence[Matcher], keep: frozenset[str], prefix: str) -> list[Matcher]:
    return [m if m.name in keep else Matcher(prefix + m.name, m.op, m.value, m.go) for m in matchers]


def _alert_constraints(alert: AlertRec, names: set[str]) -> list[Matcher]:
    """What is known of `alert`'s labels: its static labels, and an empty value for each of `names`
    it provably never carries; any other label is left free."""
    out = [Matcher(k, "=", v) for k, v in alert.labels.items()]
    out += [Matcher(n, "=", "") for n in sorted(names - set(alert.labels)) if alert.can_have(n) is False]
    return out


def _cycle(
    world: World, a: InhibitRule, b: InhibitRule, x_known: list[Matcher], y_known: list[Matcher], cache: object
) -> tuple[dict[str, str], dict[str, str]] | None:
    """Two label sets X (a's target, b's source) and Y (a's source, b's target) agreeing on both
    rules' `equal` labels, that mute each other past Alertmanager's both-sides guard."""
    keep = frozenset(a.equal) | frozenset(b.equal)
    y_prefix = "\x00y\x00"
    x = [*a.target, *b.source, *x_known]
    y = _rename([*a.source, *b.target, *y_known], keep, y_prefix)
    guards = [
        [*a.source, *_rename(list(a.target), keep, y_prefix)],
        [*b.target, *_rename(list(b.source), keep, y_prefix)],
    ]
    result = satisfiable([*x, *y], guards, cache)  # type: ignore[arg-type]
    if not isinstance(result, Sat):
        return None
    first = {k: v for k, v in result.labels.items() if not k.startswith(y_prefix)}
    second = {k.removeprefix(y_prefix): v for k, v in result.labels.items() if k.startswith(y_prefix)}
    second.update({k: v for k, v in first.items() if k in keep})
    return first, second


def _inhibit_circular(world: World, options: Options) -> Iterator[Problem]:
    """With the alerts known, only cycles two of them can form; without, only cycles every alert of
    both targets forms (each rule's target inside the other's source)."""
    found = _rules(world)
    if found is None:
        return
    am, rules = found
    cache = new_cache()
    known = world.alerts_known and bool(world.alerts)
    for i, a in enumerate(rules):
        for b in rules[i + 1 :]:
            pair = None
            if known:
                names = {m.name for m in (*a.source, *a.target, *b.source, *b.target)} | set(a.equal) | set(b.equal)
                xs = [al for al in world.alerts if _side(al, a.target) is not False and _side(al, b.source) is not False]
                ys = [al for al in world.alerts if _side(al, a.source) is not False and _side(al, b.target) is not False]
                for ax in xs:
                    for ay in ys:
                        if ax is ay:
                            continue
                        pair = _cycle(world, a, b, _alert_constraints(ax, names), _alert_constraints(ay, names), cache)
                        if pair is not None:
                            break
                    if pair is not None:
                        break
            elif (
                includes(list(b.source), list(a.target), cache).holds is True
                and includes(list(a.source), list(b.target), cache).holds is True
            ):
                pair = _cycle(world, a, b, [], [], cache)
            if pair is None:
                continue
            if notifies_nobody(world, list(a.target)) or notifies_nobody(world, list(b.target)):
                continue  # one side is an inhibitor alert that notifies nobody anyway: muting it changes nothing
            first, second = pair
            yield am.src.problem(
                ("inhibit_rules", b.index),
                f"inhibit_rules[{a.index}] and inhibit_rules[{b.index}] can mute each other's source: "
                f"{labels_text(first)} and {labels_text(second)} firing together mute each other, and nobody hears of either",
                INHIBIT_CIRCULAR,
                fix="decide which alert explains the other and keep only that direction",
            )


def _inhibit_unknown_alertname(world: World, options: Options) -> Iterator[Problem]:
    found = _rules(world)
    if found is None:
        return
    am, rules = found
    names = sorted({a.name for a in world.alerts})
    for rule in rules:
        for side, matchers in (("source", rule.source), ("target", rule.target)):
            for m in matchers:
                if alertname_unknown(world, m):
                    hint = did_you_mean(m.value, names) if m.op == "=" else ""
                    yield am.src.problem(
                        ("inhibit_rules", rule.index),
                        f"{side} matcher {m}: none of the alerts linted is named that{hint}",
                        INHIBIT_UNKNOWN_ALERTNAME,
                        fix="fix the name, or remove the inhibit rule if the alert is gone",
                    )


def _side(alert: AlertRec, matchers: Sequence[Matcher]) -> bool | None:
    """Whether `alert` matches: True/False when its static labels decide, None when a label the
    expression may set is involved."""
    unknown = False
    for m in matchers:
        if m.name in alert.labels:
            if not m.matches_value(alert.labels[m.name]):
                return False
            continue
        can = alert.can_have(m.name)
        if can is False:
            if not m.matches_value(""):
                return False
        else:
            unknown = True
    return None if unknown else True


def _inhibit_never_matches(world: World, options: Options) -> Iterator[Problem]:
    found = _rules(world)
    if found is None or not (world.alerts_known and world.alerts):
        return
    am, rules = found
    what = "the alerts linted"
    for rule in rules:
        if any(alertname_unknown(world, m) for m in (*rule.source, *rule.target)):
            continue  # inhibit-unknown-alertname says why
        sources = [(a, _side(a, rule.source)) for a in world.alerts]
        targets = [(a, _side(a, rule.target)) for a in world.alerts]
        if any(v is None for _, v in sources + targets):
            continue  # a label the expressions may set decides: not provable
        src = [a for a, v in sources if v]
        tgt = [a for a, v in targets if v]
        where = f"(source {matchers_str(list(rule.source))}, target {matchers_str(list(rule.target))})"
        if not src or not tgt:
            side = "source" if not src else "target"
            message = f"none of {what} matches the {side} side {where}; alerts from other sources may still match"
        else:
            if not all(label in a.labels for a in src + tgt for label in rule.equal):
                continue  # an equal label comes from the expression: its values are not known here
            if any(s is not t and all(s.labels[n] == t.labels[n] for n in rule.equal) for s in src for t in tgt):
                continue
            message = f"no pair of {what} {where} agrees on {', '.join(rule.equal)}; alerts from other sources may still match"
        yield am.src.problem(
            ("inhibit_rules", rule.index),
            message,
            INHIBIT_NEVER_MATCHES,
            fix="check the matchers and `equal` against the alerts meant to mute each other",
        )


RULES: tuple[LintRule, ...] = (
    LintRule(INHIBIT_NO_EQUAL, "alertmanager", _inhibit_no_equal),
    LintRule(INHIBIT_SAME_ALERTS, "alertmanager", _inhibit_same_alerts),
    LintRule(INHIBIT_CIRCULAR, "alertmanager", _inhibit_circular),
    LintRule(INHIBIT_UNKNOWN_ALERTNAME, "spec", _inhibit_unknown_alertname),
    LintRule(INHIBIT_NEVER_MATCHES, "spec", _inhibit_never_matches),
)
