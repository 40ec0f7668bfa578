"""Alertmanager inhibition: which firing alert mutes which (inhibit.Inhibitor.Mutes); rules read
as the release `version` reads them (UTF-8 `equal` names from 0.28, matchers by its parser)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from callalert.analysis.alertmanager.matchers import Matcher, all_match
from callalert.analysis.alertmanager.routing import RoutingError, mapping_list, read_matchers, str_list
from callalert.analysis.labels import is_valid_label_name
from callalert.analysis.versions import DEFAULT_ALERTMANAGER, Version, am_utf8_label_names


@dataclass(frozen=True)
class InhibitRule:
    index: int
    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"inhibit_rules[{self.index}]"


def build_inhibit_rules(
    raw_rules: Sequence[Mapping[str, Any]] | None, version: str | Version = DEFAULT_ALERTMANAGER
) -> list[InhibitRule]:
    rules: list[InhibitRule] = []
    utf8 = am_utf8_label_names("equal", version)
    for i, raw in enumerate(mapping_list(raw_rules, "inhibit_rules")):
        where = f"inhibit_rules[{i}]"
        equal = tuple(str_list(raw.get("equal"), f"{where}.equal"))
        for name in equal:
            if not is_valid_label_name(name, utf8=utf8):
                raise RoutingError(f'{where}.equal: "{name}" is not a valid label name')
        source = tuple(read_matchers(raw, "source_", where, version))
        target = tuple(read_matchers(raw, "target_", where, version))
        rules.append(InhibitRule(i, source, target, equal))
    return rules


def inhibiting_rule(
    alert_labels: Mapping[str, str],
    firing: Sequence[Mapping[str, str]],
    inhibit_rules: Sequence[Mapping[str, Any]] | Sequence[InhibitRule],
    version: str | Version = DEFAULT_ALERTMANAGER,
) -> tuple[InhibitRule, Mapping[str, str]] | None:
    """The first rule (and source alert) that mutes `alert_labels`, as inhibit.Inhibitor.Mutes finds it."""
    rules = [r for r in inhibit_rules if isinstance(r, InhibitRule)]
    if len(rules) != len(inhibit_rules):
        rules = build_inhibit_rules(inhibit_rules, version)  # type: ignore[arg-type]
    for rule in rules:
        if not all_match(list(rule.target), alert_labels):
            continue
        # An alert matching both sides cannot be inhibited by alerts that also match both sides;
        # that is what keeps an alert from inhibiting itself.
        two_sided = all_match(list(rule.source), alert_labels)
        for source in firing:
            if not all_match(list(rule.source), source):
                continue
            # absent == absent and absent == "" (Go map lookups give "").
            if any(source.get(n, "") != alert_labels.get(n, "") for n in rule.equal):
                continue
            if two_sided and all_match(list(rule.target), source):
                continue
            return rule, source
    return None


def is_inhibited(
    alert_labels: Mapping[str, str],
    firing: Sequence[Mapping[str, str]],
    inhibit_rules: Sequence[Mapping[str, Any]] | Sequence[InhibitRule],
    version: str | Version = DEFAULT_ALERTMANAGER,
) -> bool:
    return inhibiting_rule(alert_labels, firing, inhibit_rules, version) is not None
