"""The spec's `silences` as Alertmanager silences, kept in sync idempotently.

A silence callalert manages ends its comment with ` [callalert:<key>]` (render/silences.py: the
same marker silences.json carries for `amtool silence import`); editing times or comment keeps the
key (-> update) while editing matchers makes a new silence (and the old one is expired). Silences
without the marker are never read as managed, so never touched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from callalert.analysis.times import as_utc, parse_rfc3339, rfc3339
from callalert.render.silences import marked, silence_key, silence_keys

if TYPE_CHECKING:
    from callalert.live.amapi import AlertmanagerClient
    from callalert.live.cluster import Cluster
    from callalert.model import Silence

__all__ = ["Desired", "Plan", "managed_key", "marked", "plan", "silence_key"]

MARKER_RE = re.compile(r" \[callalert:([0-9a-f]{12}(?:-\d+)?)\]$")


def managed_key(silence: Mapping[str, Any]) -> str | None:
    found = MARKER_RE.search(str(silence.get("comment", "")))
    return found.group(1) if found else None


@dataclass(frozen=True)
class Desired:
    key: str
    matchers: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str  # with the marker

    @classmethod
    def from_spec(cls, silences: Sequence[Silence]) -> list[Desired]:
        return [
            cls(key, tuple(s.matchers), as_utc(s.starts_at), as_utc(s.ends_at), s.created_by, marked(s.comment, key))
            for s, key in zip(silences, silence_keys(silences), strict=True)
        ]


@dataclass(frozen=True)
class Update:
    desired: Desired
    existing: Mapping[str, Any]
    changes: tuple[str, ...]


@dataclass
class Plan:
    create: list[Desired] = field(default_factory=list)
    update: list[Update] = field(default_factory=list)
    expire: list[Mapping[str, Any]] = field(default_factory=list)
    skip: list[Desired] = field(default_factory=list)
    unchanged: list[Desired] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        """Would `apply` change anything in Alertmanager?"""
        return bool(self.create or self.update or self.expire)

    @property
    def summary(self) -> str:
        return f"{len(self.create)} to create, {len(self.update)} to update, {len(self.expire)} to expire"

    def lines(self) -> list[str]:
        out = [f"create: {describe(d)}" for d in self.create]
        out += [f"update: {describe(u.desired)} (id {u.existing['id']}; {', '.join(u.changes)} changed)" for u in self.update]
        out += [f"expire: {describe_existing(s)}" for s in self.expire]
        out += [f"skipped: {describe(d)}: ended at {rfc3339(d.ends_at)}" for d in self.skip]
        out += [f"unchanged: {describe(d)}" for d in self.unchanged]
        return out


def describe(d: Desired) -> str:
    return f"{{{', '.join(d.matchers)}}} {rfc3339(d.starts_at)} → {rfc3339(d.ends_at)} [callalert:{d.key}]"


def describe_existing(s: Mapping[str, Any]) -> str:
    from callalert.live.amapi import Matcher

    matchers = ", ".join(str(Matcher.from_api(m)) for m in s.get("matchers", []))
    return f"{{{matchers}}} {rfc3339(parse_rfc3339(s['startsAt']))} → {rfc3339(parse_rfc3339(s['endsAt']))} (id {s['id']})"


def plan(desired: Sequence[Desired], existing: Sequence[Mapping[str, Any]], now: datetime) -> Plan:
    """What to do so Alertmanager's managed, unexpired silences equal the spec's unended ones."""
    result = Plan()
    by_key: dict[str, list[Mapping[str, Any]]] = {}
    for s in existing:
        key = managed_key(s)
        if key is None or s.get("status", {}).get("state") == "expired":
            continue
        by_key.setdefault(key, []).append(s)
    for d in desired:
        current = by_key.pop(d.key, [])
        if d.ends_at <= now:
            result.skip.append(d)
            result.expire.extend(current)
            continue
        if not current:
            result.create.append(d)
            continue
        first, extra = current[0], current[1:]
        result.expire.extend(extra)
        changes = _changes(d, first, now)
        if changes:
            result.update.append(Update(d, first, changes))
        else:
            result.unchanged.append(d)
    for leftover in by_key.values():
        result.expire.extend(leftover)
    return result


def _changes(d: Desired, s: Mapping[str, Any], now: datetime) -> tuple[str, ...]:
    changes = []
    start = parse_rfc3339(s["startsAt"])
    # Alertmanager moves a start in the past to the creation time, so any two past starts are equal.
    if start != d.starts_at and not (start <= now and d.starts_at <= now):
        changes.append("starts_at")
    if parse_rfc3339(s["endsAt"]) != d.ends_at:
        changes.append("ends_at")
    if s.get("comment") != d.comment:
        changes.append("comment")
    if s.get("createdBy") != d.created_by:
        changes.append("created_by")
    return tuple(changes)


def gone(silence: Mapping[str, Any] | None) -> bool:
    """An expired silence as a peer shows it: expired, or no longer listed."""
    return silence is None or silence.get("status", {}).get("state") == "expired"


def _as_desired(d: Desired) -> Any:
    def check(silence: Mapping[str, Any] | None) -> bool:
        return (
            silence is not None
            and silence.get("status", {}).get("state") != "expired"
            and parse_rfc3339(str(silence["endsAt"])) == d.ends_at
            and silence.get("comment") == d.comment
        )

    return check


def apply_to(cluster: Cluster, todo: Plan) -> dict[str, Any]:
    """`apply` through a cluster: each change written once (to the first peer that answers); returns
    what every peer must then show, by silence id (for `Cluster.converge`)."""
    expect: dict[str, Any] = {}

    def create(d: Desired, old: str | None = None) -> str:
        def write(client: AlertmanagerClient) -> str:
            return client.create_silence(d.matchers, d.starts_at, d.ends_at, d.created_by, d.comment, id=old)

        return str(cluster.write(write))

    def expire(sid: str) -> None:
        def write(client: AlertmanagerClient) -> None:
            client.expire_silence(sid)

        cluster.write(write)

    for d in todo.create:
        expect[create(d)] = _as_desired(d)
    for u in todo.update:
        old = str(u.existing["id"])
        new = create(u.desired, old)
        expect[new] = _as_desired(u.desired)
        if new != old:  # Alertmanager replaced it: the old one ends
            expect[old] = gone
    for s in todo.expire:
        expire(str(s["id"]))
        expect[str(s["id"])] = gone
    return expect
