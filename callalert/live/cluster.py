"""Several Alertmanager peers of one cluster, as `drill` and `silences` talk to them.

Prometheus sends every alert to every peer; the peers gossip silences and their notification log,
so each notification leaves the cluster once and a silence made on one peer reaches every peer.
callalert follows that: a drill goes to every peer (as Prometheus sends it), silences are read from
every peer (their union, so `apply` never makes a second copy of a silence one peer already has)
and written to one, then every other reachable peer is watched until it shows the change.

A peer that cannot be reached is a warning, not a failure, as long as one peer answers: the cluster
hands it the state when it rejoins (memberlist's full state exchange). Peers that are not one
cluster (clustering disabled, or each in a cluster of its own) are refused before anything is
written: silences would not spread and each would notify on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callalert import diagnostics as d
from callalert.diagnostics import Problem, kind_of, shown
from callalert.errors import CallalertError, ProblemsFound, UsageError
from callalert.live.amapi import AlertmanagerClient, AlertmanagerError, check_url, display_url

POLL_INTERVAL = 0.2


class ClusterError(CallalertError):
    """The peers are not one cluster, or did not converge in time."""


def load_cluster_file(path: Path) -> list[str]:
    """A cluster file: a YAML list of the peers' base URLs. Problems are positioned in it."""
    from callalert.spec.load import load_text
    from callalert.spec.read import InputError, display, read_text

    try:
        text = read_text(path)
    except InputError as exc:
        if exc.kind == "encoding":
            raise ProblemsFound([exc.problem()]) from None
        raise UsageError(f"--cluster {display(path)}: {exc.reason}") from None
    doc = load_text(text, str(path))
    if doc.problems:
        raise ProblemsFound(doc.problems)
    data = doc.data
    problems: list[Problem] = []
    if not isinstance(data, list) or not data:
        line, col = doc.position(())
        problems.append(
            d.problem(
                str(path),
                line,
                col,
                "a cluster file is a YAML list of the peers' URLs, e.g. - http://alertmanager-0:9093",
                d.CLUSTER_FILE,
            )
        )
        raise ProblemsFound(problems)
    urls: list[str] = []
    for i, item in enumerate(data):
        line, col = doc.position((i,))
        if not isinstance(item, str) or not item.strip():
            got = "an empty string" if isinstance(item, str) else kind_of(item)
            problems.append(d.problem(str(path), line, col, f"expected a URL, got {got}", d.CLUSTER_FILE, key=f"[{i}]"))
            continue
        try:
            urls.append(check_url(item.strip()))
        except ValueError as exc:
            message = f"{shown(display_url(item))} is not a valid URL ({exc}); e.g. http://alertmanager-0:9093"
            problems.append(d.problem(str(path), line, col, message, d.CLUSTER_FILE, key=f"[{i}]"))
    if problems:
        raise ProblemsFound(problems)
    return urls


def peer_urls(urls: Sequence[str], cluster_file: Path | None) -> list[str]:
    """`--alertmanager-url` (repeatable) and `--cluster FILE` together, each URL once, in order."""
    found = list(urls)
    if cluster_file is not None:
        found += load_cluster_file(cluster_file)
    if not found:
        raise UsageError("give the Alertmanager to talk to: --alertmanager-url URL (repeatable for a cluster) or --cluster FILE")
    return list(dict.fromkeys(found))


@dataclass
class Peer:
    client: AlertmanagerClient
    status: dict[str, Any] | None = None
    error: AlertmanagerError | None = None

    @property
    def url(self) -> str:
        return self.client.display

    @property
    def name(self) -> str | None:
        cluster = (self.status or {}).get("cluster")
        name = cluster.get("name") if isinstance(cluster, dict) else None
        return name if isinstance(name, str) and name else None

    @property
    def cluster_status(self) -> str | None:
        cluster = (self.status or {}).get("cluster")
        status = cluster.get("status") if isinstance(cluster, dict) else None
        return status if isinstance(status, str) else None

    @property
    def peer_names(self) -> set[str]:
        cluster = (self.status or {}).get("cluster")
        peers = cluster.get("peers") if isinstance(cluster, dict) else None
        if not isinstance(peers, list):
            return set()
        return {str(p["name"]) for p in peers if isinstance(p, dict) and isinstance(p.get("name"), str)}


@dataclass
class Silences:
    """The union of the peers' silences: by id, the newest version; and which peers have each."""

    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen_on: dict[str, list[str]] = field(default_factory=dict)

    @property
    def all(self) -> list[dict[str, Any]]:
        return list(self.by_id.values())


class Cluster:
    """Clients for every peer; `connect()` asks each for its status and keeps those that answer."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        deadline: float,
        sync_timeout: float,
        client: Callable[..., AlertmanagerClient] = AlertmanagerClient,
    ) -> None:
        """`client(url, deadline=...)` makes the client of one peer."""
        self.sync_timeout = sync_timeout
        self.peers: list[Peer] = []
        try:
            for url in urls:
                self.peers.append(Peer(client(url, deadline=deadline)))
        except BaseException:
            self.close()
            raise
        self.warnings: list[str] = []

    @property
    def single(self) -> bool:
        return len(self.peers) == 1

    @property
    def reachable(self) -> list[Peer]:
        return [p for p in self.peers if p.error is None]

    def close(self) -> None:
        for peer in self.peers:
            peer.client.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        """Find the peers that answer (one URL: nothing to ask) and check they are one cluster."""
        if self.single:
            return
        for peer in self.peers:
            try:
                peer.status = peer.client.status()
            except AlertmanagerError as exc:
                peer.error = exc
                self.warnings.append(f"{exc}; going on with the other peers (the cluster gives it the state when it rejoins)")
        up = self.reachable
        if not up:
            raise ClusterError("no Alertmanager peer answered: " + "; ".join(str(p.error) for p in self.peers))
        for peer in up:
            if peer.cluster_status == "disabled":
                raise ClusterError(
                    f"Alertmanager at {peer.url} runs without clustering (its cluster status is disabled): silences made "
                    "on another peer never reach it, and it notifies on its own; start it with --cluster.peer, or give "
                    "only one URL"
                )
        for a in up:
            for b in up:
                if a is b or a.name is None or b.status is None:
                    continue
                if a.name not in b.peer_names:
                    raise ClusterError(
                        f"Alertmanager at {a.url} is not a peer of the one at {b.url} ({b.url} knows "
                        f"{len(b.peer_names)} peer(s), not {a.url}'s name {a.name}): they are not one cluster, so silences "
                        "would not spread and each would notify; check their --cluster.peer flags (a peer that has just "
                        "started may still be joining: try again in a few seconds)"
                    )

    # -- silences ---------------------------------------------------------------------------------

    def silences(self) -> Silences:
        union = Silences()
        for peer in self.reachable:
            try:
                found = peer.client.list_silences()
            except AlertmanagerError as exc:
                if self.single:
                    raise
                self._lost(peer, exc)
                continue
            for s in found:
                sid = str(s["id"])
                union.seen_on.setdefault(sid, []).append(peer.url)
                current = union.by_id.get(sid)
                if current is None or str(s.get("updatedAt", "")) > str(current.get("updatedAt", "")):
                    union.by_id[sid] = s
        if not self.reachable:
            raise ClusterError("no Alertmanager peer answered: " + "; ".join(str(p.error) for p in self.peers))
        return union

    def _lost(self, peer: Peer, exc: AlertmanagerError) -> None:
        peer.error = exc
        self.warnings.append(f"{exc}; going on with the other peers")

    def write(self, action: Callable[[AlertmanagerClient], str | None]) -> str | None:
        """Run one write on the first peer that answers (the next one if it fails to answer)."""
        last: AlertmanagerError | None = None
        for peer in self.reachable:
            try:
                return action(peer.client)
            except AlertmanagerError as exc:
                if self.single or not exc.retryable:
                    raise
                last = exc
                self._lost(peer, exc)
        assert last is not None
        raise ClusterError(f"no Alertmanager peer took the change: {last}")

    def converge(self, expect: Mapping[str, Callable[[Mapping[str, Any] | None], bool]], what: str) -> list[str]:
        """Wait until every reachable peer shows each silence id as `expect[id]` wants it (given the
        silence, or None when the peer does not list it); the URLs of the peers that do, in the
        peers' order (not the order they converged in: the output is the same on every run)."""
        if self.single or not expect:
            return [p.url for p in self.reachable] if not self.single else []
        give_up = time.monotonic() + self.sync_timeout
        pending = list(self.reachable)
        done: list[str] = []
        while True:
            still: list[Peer] = []
            for peer in pending:
                try:
                    found = {str(s["id"]): s for s in peer.client.list_silences()}
                except AlertmanagerError as exc:
                    self._lost(peer, exc)
                    continue
                if all(check(found.get(sid)) for sid, check in expect.items()):
                    done.append(peer.url)
                else:
                    still.append(peer)
            pending = still
            if not pending:
                return [p.url for p in self.peers if p.url in done]
            if time.monotonic() >= give_up:
                names = ", ".join(p.url for p in pending)
                raise ClusterError(
                    f"{names} did not show {what} within {self.sync_timeout:g}s of the change (made at "
                    f"{self.reachable[0].url if self.reachable else '?'}): the peers do not gossip; check that they are one "
                    "cluster (GET /api/v2/status: cluster.peers) and that their cluster ports reach each other"
                )
            time.sleep(POLL_INTERVAL)

    def in_sync_line(self, peers: Sequence[str]) -> str:
        return f"in sync on {len(peers)} of {len(self.peers)} peer(s): {', '.join(peers)}"
