"""`callalert diff`: what a change does to alerting, for review.

Two configurations (sides.py reads a spec, a rendered output folder or plain files; the old side may
come from a git revision) compared part by part (parts.py: rules, receivers, global settings, inhibit
rules, time intervals, silences, template files), by what the notifications say (templates.py:
rendered by amtool for sample alerts) and, above all, by who is notified (routing.py: every label set
the routes decide on, through both route trees). output.py writes text, Markdown (a pull-request
comment with a Mermaid picture of the changed routes) or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from callalert.analysis.alertmanager.routing import RoutingError
from callalert.diff.parts import (
    Item,
    diff_global,
    diff_inhibit_rules,
    diff_receivers,
    diff_rules,
    diff_silences,
    diff_template_files,
    diff_time_intervals,
)
from callalert.diff.routing import LABEL_SET_LIMIT, Routing, RoutingDiff, diff_routing
from callalert.diff.sides import Side
from callalert.diff.templates import Rendered, render_both

FAIL_ON = ("routing", "any", "none")


@dataclass
class DiffResult:
    old: Side
    new: Side
    routing: RoutingDiff
    rules: list[Item] = field(default_factory=list)
    receivers: list[Item] = field(default_factory=list)
    global_: list[Item] = field(default_factory=list)
    inhibit_rules: list[Item] = field(default_factory=list)
    time_intervals: list[Item] = field(default_factory=list)
    silences: list[Item] = field(default_factory=list)
    templates: list[Item] = field(default_factory=list)
    rendered: Rendered = field(default_factory=Rendered)
    target: tuple[str, str] | None = None  # the Alertmanager version both sides are read as, when it differs
    errors: list[str] = field(default_factory=list)

    @property
    def notifies_differently(self) -> bool:
        """Anything that changes who is notified (or when, or whether): routing, receivers, global
        settings, inhibit rules, time intervals, silences."""
        return bool(
            self.routing.changes
            or self.routing.alerts
            or self.receivers
            or self.global_
            or self.inhibit_rules
            or self.time_intervals
            or self.silences
            or self.errors
        )

    @property
    def changed(self) -> bool:
        return bool(
            self.notifies_differently or self.routing.tree or self.rules or self.templates or self.rendered.items or self.target
        )

    def exit_code(self, fail_on: str) -> int:
        if fail_on == "none":
            return 0
        if fail_on == "any":
            return 1 if self.changed else 0
        return 1 if self.notifies_differently else 0


def _routing(side: Side, errors: list[str], which: str) -> Routing | None:
    if side.am is None:
        return None
    try:
        return Routing.of(side.am, side.am_version)
    except RoutingError as exc:
        errors.append(f"{which} side ({side.label}): Alertmanager {side.am_version} would reject its routing: {exc}")
        return None


def compare(old: Side, new: Side, *, limit: int = LABEL_SET_LIMIT, render_templates: bool = True) -> DiffResult:
    # a side that does not say which Alertmanager it is for (plain files, a rendered folder) is read
    # as the other side's release: a spec rendered and compared with its own output is no change
    if old.target_set and not new.target_set:
        new.am_version = old.am_version
    elif new.target_set and not old.target_set:
        old.am_version = new.am_version
    errors: list[str] = []
    old_routing = _routing(old, errors, "old")
    new_routing = _routing(new, errors, "new")
    if old_routing is None and new_routing is not None and old.am is None:
        errors.append(f"the old side ({old.label}) has no alertmanager.yml: routing is not compared")
    routing = diff_routing(
        old_routing,
        new_routing,
        [(a.name, a.alert_labels) for a in old.alerts],
        [(a.name, a.alert_labels) for a in new.alerts],
        limit,
    )
    result = DiffResult(
        old,
        new,
        routing,
        diff_rules(old, new),
        diff_receivers(old, new),
        diff_global(old, new),
        diff_inhibit_rules(old, new),
        diff_time_intervals(old, new),
        diff_silences(old, new),
        diff_template_files(old, new),
        errors=errors,
    )
    if new_routing is not None:
        from callalert.diff.routing import outcome

        ids = {r.path: r.path for r in new_routing.root.walk()}
        labels = {a.name: a.alert_labels for a in reversed(new.alerts)}
        for item in result.rules:
            if item.kind == "alert" and item.change == "added" and item.name in labels:
                notified = outcome(new_routing, labels[item.name], ids).receivers
                item.lines.append(f"notifies: {', '.join(notified)} (from its own labels)")
    if old.am_version != new.am_version and old.target_set and new.target_set:
        result.target = (old.am_version, new.am_version)
    if render_templates:
        result.rendered = render_both(old, new)
    return result


__all__ = ["FAIL_ON", "DiffResult", "compare"]
