"""Command bodies that talk to a running Alertmanager: `drill` and `silences plan|apply|list|expire`."""

from __future__ import annotations

import difflib
import functools
import math
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from callalert import pipeline
from callalert.analysis.alertmanager.delivery import deliver
from callalert.cli.routes import parse_label_args
from callalert.diagnostics import escape
from callalert.errors import EXIT_OK, EXIT_PROBLEMS, CallalertError, UsageError
from callalert.limits import CLUSTER_SYNC_TIMEOUT, NETWORK_DEADLINE
from callalert.live import silences as sil
from callalert.live.amapi import AlertmanagerClient, AlertmanagerError, Matcher
from callalert.live.cluster import Cluster, Silences, peer_urls
from callalert.live.drill import DRILL_LABEL, DrillError, drill_alert
from callalert.render.alertmanager import routing_data
from callalert.render.silences import silence_windows


def _out(text: str) -> None:
    # what Alertmanager sends back (comments, label values) reaches the terminal escaped
    sys.stdout.write(escape(text[:-1]) + "\n" if text.endswith("\n") else escape(text))


def _client(url: str, deadline: float = NETWORK_DEADLINE) -> AlertmanagerClient:
    # every request of one command together within NETWORK_DEADLINE; a bad URL fails before any work
    return AlertmanagerClient(url, deadline=deadline)


def _cluster(urls: Sequence[str], cluster_file: Path | None, sync_timeout: float = CLUSTER_SYNC_TIMEOUT) -> Cluster:
    """The peers to talk to: one URL as before, or several of one cluster (docs/live.md).
    Every request of one command together within NETWORK_DEADLINE (plus the time a cluster may take
    to converge); a bad URL fails before any work."""
    if not (math.isfinite(sync_timeout) and sync_timeout > 0):
        raise UsageError(f"--sync-timeout {sync_timeout:g}: give a number of seconds above 0")
    peers = peer_urls(urls, cluster_file)
    deadline = NETWORK_DEADLINE + (sync_timeout if len(peers) > 1 else 0)
    return Cluster(peers, deadline=deadline, sync_timeout=sync_timeout, client=_client)


def _warn(cluster: Cluster) -> None:
    for warning in cluster.warnings:
        sys.stderr.write(f"callalert: warning: {escape(warning)}\n")
    cluster.warnings.clear()


def cmd_drill(
    specs: Sequence[Path],
    alertname: str,
    urls: Sequence[str],
    resolve: bool,
    label_args: Sequence[str],
    overlays: Sequence[Path] = (),
    now: datetime | None = None,
    cluster_file: Path | None = None,
) -> int:
    with _cluster(urls, cluster_file) as cluster:
        try:
            return _drill(cluster, specs, alertname, resolve, label_args, overlays, now)
        finally:
            _warn(cluster)


def _drill(
    cluster: Cluster,
    specs: Sequence[Path],
    alertname: str,
    resolve: bool,
    label_args: Sequence[str],
    overlays: Sequence[Path],
    now: datetime | None,
) -> int:
    valid = pipeline.load_valid(specs, overlays)
    model = valid.model
    alerts = {a.name: a for a in model.alerts}
    found = alerts.get(alertname)
    if found is None:
        close = difflib.get_close_matches(alertname, list(alerts), n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise CallalertError(f"no alert named {alertname!r} in the spec{hint}")
    extra = parse_label_args(list(label_args), model.am_version)
    moment = now or datetime.now(UTC)
    alert = drill_alert(
        found.name, found.labels, found.annotations, extra, moment, resolve, found.expr, model.defaults.external_labels
    )
    labels: dict[str, str] = alert["labels"]
    # Who gets it *now*: the routes, the time intervals at this moment and the spec's silences, as
    # Alertmanager decides (a route outside its active_time_intervals matches but notifies nobody).
    delivery = deliver(routing_data(model), labels, at=moment, version=model.am_version, silences=silence_windows(model))
    shown = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    _out(f"alert: {{{shown}}}\n")
    _out(f"receivers now (per the spec's routing): {', '.join(delivery.notified) or '(none)'}\n")
    for route in delivery.routes:
        if route.path in delivery.muted:
            _out(f"muted now: {route.receiver} ({route.path} {delivery.muted[route.path]})\n")
    if delivery.silenced_by is not None:
        s = delivery.silenced_by
        _out(
            f"silenced now by {s.path} {{{', '.join(s.matchers)}}} until {s.ends_at.isoformat().replace('+00:00', 'Z')}: "
            f"{', '.join(delivery.receivers)} would be notified otherwise\n"
        )
    cluster.connect()
    if not cluster.single:
        # as Prometheus does: every peer gets the alert; their gossiped notification log makes one notification
        _out(f"sending to {len(cluster.reachable)} Alertmanager peer(s); one cluster notifies once\n")
    sent: list[AlertmanagerClient] = []
    for peer in cluster.reachable:
        try:
            peer.client.post_alerts([alert])
            sent.append(peer.client)
        except AlertmanagerError as exc:
            if cluster.single or not exc.retryable:
                raise
            cluster.warnings.append(f"{exc}; the other peers have the alert")
    if not sent:
        raise DrillError("no Alertmanager peer took the alert: " + "; ".join(cluster.warnings))
    for client in sent:
        _confirm(client, labels, resolve)
    return EXIT_OK


def _confirm(client: AlertmanagerClient, labels: Mapping[str, str], resolve: bool) -> None:
    url = client.display
    # looked up by what was sent (an overridden alertname included; empty values were dropped)
    present = [
        a
        for a in client.get_alerts([Matcher("alertname", labels["alertname"]), Matcher(DRILL_LABEL, "true")])
        if a.get("labels") == labels
    ]
    if resolve:
        if present:
            _out(f"resolved at {url}; Alertmanager still lists it (state {_state(present[0])})\n")
        else:
            _out(f"resolved at {url}; Alertmanager no longer lists it as active\n")
        return
    if not present:
        raise DrillError(f"Alertmanager at {url} accepted the alert but does not list it in GET /api/v2/alerts")
    _out(f"accepted by Alertmanager at {url} (state {_state(present[0])})\n")


def _state(alert: Mapping[str, Any]) -> str:
    """Alertmanager's own verdict: active, or suppressed and by which silences / inhibiting alerts."""
    status = alert.get("status") or {}
    text = str(status.get("state", "unknown"))
    silenced, inhibited = status.get("silencedBy") or [], status.get("inhibitedBy") or []
    if silenced:
        text += f"; silenced by {', '.join(map(str, silenced))}"
    if inhibited:
        text += f"; inhibited by {', '.join(map(str, inhibited))}"
    return text


def cmd_silences_plan(
    specs: Sequence[Path],
    urls: Sequence[str],
    do_apply: bool,
    now: datetime | None = None,
    overlays: Sequence[Path] = (),
    exit_code: bool = False,
    cluster_file: Path | None = None,
    sync_timeout: float = CLUSTER_SYNC_TIMEOUT,
) -> int:
    """`exit_code`: plan exits 1 when apply would change something (like `git diff --exit-code`)."""
    with _cluster(urls, cluster_file, sync_timeout) as cluster:
        try:
            desired = sil.Desired.from_spec(pipeline.load_valid(specs, overlays).model.silences)
            cluster.connect()
            union = cluster.silences()
            todo = sil.plan(desired, union.all, now or datetime.now(UTC))
            for line in todo.lines():
                _out(line + "\n")
            if not cluster.single:
                for line in _not_everywhere(cluster, union):
                    _out(line + "\n")
            if do_apply:
                expect = sil.apply_to(cluster, todo)
                _out(f"applied: {todo.summary}\n")
                if not cluster.single:
                    _out(cluster.in_sync_line(cluster.converge(expect, "the applied silences")) + "\n")
            else:
                _out(f"plan: {todo.summary}\n")
        finally:
            _warn(cluster)
    if exit_code and not do_apply and todo.pending:
        return EXIT_PROBLEMS
    return EXIT_OK


def _not_everywhere(cluster: Cluster, union: Silences) -> list[str]:
    """Managed silences some reachable peer does not list yet (gossip on its way, or a peer that was away)."""
    up = [p.url for p in cluster.reachable]
    lines = []
    for sid, s in union.by_id.items():
        if sil.managed_key(s) is None or s.get("status", {}).get("state") == "expired":
            continue
        missing = [url for url in up if url not in union.seen_on.get(sid, [])]
        if missing:
            lines.append(f"not yet on {', '.join(missing)}: {sil.describe_existing(s)} (the cluster's gossip brings it)")
    return lines


def cmd_silences_list(urls: Sequence[str], cluster_file: Path | None = None) -> int:
    with _cluster(urls, cluster_file) as cluster:
        try:
            cluster.connect()
            union = cluster.silences()
        finally:
            _warn(cluster)
    found = [s for s in union.all if sil.managed_key(s) is not None and s.get("status", {}).get("state") != "expired"]
    up = [p.url for p in cluster.reachable]
    for s in found:
        missing = [url for url in up if url not in union.seen_on.get(str(s["id"]), [])]
        where = f" (not yet on {', '.join(missing)})" if missing and not cluster.single else ""
        _out(f"{s['status']['state']}: {sil.describe_existing(s)} {s['comment']}{where}\n")
    _out(f"{len(found)} managed silence(s)\n")
    return EXIT_OK


def _expire(sid: str, client: AlertmanagerClient) -> None:
    client.expire_silence(sid)


def cmd_silences_expire(urls: Sequence[str], cluster_file: Path | None = None, sync_timeout: float = CLUSTER_SYNC_TIMEOUT) -> int:
    with _cluster(urls, cluster_file, sync_timeout) as cluster:
        try:
            cluster.connect()
            found = [
                s
                for s in cluster.silences().all
                if sil.managed_key(s) is not None and s.get("status", {}).get("state") != "expired"
            ]
            expect: dict[str, Any] = {}
            for s in found:
                sid = str(s["id"])
                cluster.write(functools.partial(_expire, sid))
                expect[sid] = sil.gone
                _out(f"expired: {sil.describe_existing(s)}\n")
            _out(f"{len(found)} managed silence(s) expired\n")
            if not cluster.single:
                _out(cluster.in_sync_line(cluster.converge(expect, "the expired silences")) + "\n")
        finally:
            _warn(cluster)
    return EXIT_OK
