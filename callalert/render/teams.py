"""Who owns what, for the targets that split by team (Kubernetes objects, Mimir namespaces):
a rule group belongs to the team its alerts' team label names; a top-level route to the team
its equality matcher on that label names."""

from __future__ import annotations

from collections.abc import Sequence

from callalert import diagnostics as d
from callalert.analysis.alertmanager.matchers import Matcher, MatcherError, parse_matchers
from callalert.analysis.versions import am_go, am_matcher_mode
from callalert.model import Group, Model, Route
from callalert.render.context import RenderContext


def group_team(group: Group, label: str, ctx: RenderContext) -> tuple[bool, str | None]:
    """(ok, team) of a rule group: the one value of `label` its alerts carry, None when no alert
    carries it; not ok (reported) when its alerts name several teams or only some name one."""
    teams = {alert.labels.get(label) for alert in group.alerts}
    named = sorted(t for t in teams if t is not None)
    if len(named) > 1 or (named and None in teams):
        parts = [
            f"{alert.name} ({label}={alert.labels[label]!r})" if label in alert.labels else f"{alert.name} (no {label})"
            for alert in group.alerts
        ]
        ctx.fail(
            group.key,
            f"rule group {group.name!r} mixes owners: {', '.join(parts)}; splitting by team keeps each group whole "
            "(a group is evaluated as one), so give its alerts one team or split the group",
            d.TARGET_OPTION,
        )
        return False, None
    return True, (named[0] if named else None)


def groups_by_team(model: Model, label: str, ctx: RenderContext, nameless: str) -> dict[str, list[Group]]:
    """Rule groups by team, in spec order; groups without a team go under `nameless`."""
    out: dict[str, list[Group]] = {}
    for group in model.groups:
        ok, team = group_team(group, label, ctx)
        if ok:
            out.setdefault(team if team is not None else nameless, []).append(group)
    return out


def route_matchers(route: Route, model: Model) -> list[Matcher]:
    mode, go = am_matcher_mode(model.am_version), am_go(model.am_version)
    out: list[Matcher] = []
    for text in route.matchers:
        try:
            out.extend(parse_matchers(text, mode, go))
        except MatcherError:
            continue  # validate reported it; the spec would not get here
    return out


def route_team(route: Route, label: str, model: Model) -> str | None:
    """The team a top-level route is for: the value of its `label="..."` matcher."""
    for m in route_matchers(route, model):
        if m.name == label and m.op == "=" and m.value:
            return m.value
    return None


def may_overlap(a: Sequence[Matcher], b: Sequence[Matcher]) -> bool:
    """Whether some label set could match both matcher lists. False only when provable: a label
    one side pins to a value (`=`) that a matcher of the other side on that label refuses."""
    for left, right in ((a, b), (b, a)):
        for pin in left:
            if pin.op != "=":
                continue
            if any(m.name == pin.name and not m.matches_value(pin.value) for m in right):
                return False
    return True
