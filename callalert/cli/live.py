"""Command bodies that talk to a running Alertmanager: `drill` and `silences plan|apply|list|expire`."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from callalert import pipeline
from callalert.analysis.alertmanager.delivery import deliver
from callalert.cli.routes import parse_label_args
from callalert.errors import EXIT_OK, EXIT_PROBLEMS, CallalertError
from callalert.live import silences as sil
from callalert.live.amapi import AlertmanagerClient
from callalert.live.drill import DRILL_LABEL, DrillError, drill_alert
from callalert.render.alertmanager import routing_data
from callalert.render.silences import silence_windows


def cmd_drill(
    specs: Sequence[Path],
    alertname: str,
    url: str,
    resolve: bool,
    label_args: Sequence[str],
    overlays: Sequence[Path] = (),
    now: datetime | None = None,
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
    sys.stdout.write(f"alert: {{{shown}}}\n")
    sys.stdout.write(f"receivers now (per the spec's routing): {', '.join(delivery.notified) or '(none)'}\n")
    for route in delivery.routes:
        if route.path in delivery.muted:
            sys.stdout.write(f"muted now: {route.receiver} ({route.path} {delivery.muted[route.path]})\n")
    if delivery.silenced_by is not None:
        s = delivery.silenced_by
        sys.stdout.write(
            f"silenced now by {s.path} {{{', '.join(s.matchers)}}} until {s.ends_at.isoformat().replace('+00:00', 'Z')}: "
            f"{', '.join(delivery.receivers)} would be notified otherwise\n"
        )
    with AlertmanagerClient(url) as client:
        client.post_alerts([alert])
        present = [
            a
            for a in client.get_alerts([f'alertname="{labels["alertname"]}"', f'{DRILL_LABEL}="true"'])
            if a.get("labels") == labels
        ]
    if resolve:
        if present:
            sys.stdout.write(f"resolved at {url}; Alertmanager still lists it (state {_state(present[0])})\n")
        else:
            sys.stdout.write(f"resolved at {url}; Alertmanager no longer lists it as active\n")
        return EXIT_OK
    if not present:
        raise DrillError(f"Alertmanager at {url} accepted the alert but does not list it in GET /api/v2/alerts")
    sys.stdout.write(f"accepted by Alertmanager at {url} (state {_state(present[0])})\n")
    return EXIT_OK


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
    url: str,
    do_apply: bool,
    now: datetime | None = None,
    overlays: Sequence[Path] = (),
    exit_code: bool = False,
) -> int:
    """`exit_code`: plan exits 1 when apply would change something (like `git diff --exit-code`)."""
    desired = sil.Desired.from_spec(pipeline.load_valid(specs, overlays).model.silences)
    with AlertmanagerClient(url) as client:
        todo = sil.plan(desired, client.list_silences(), now or datetime.now(UTC))
        for line in todo.lines():
            sys.stdout.write(line + "\n")
        if do_apply:
            sil.apply(client, todo)
            sys.stdout.write(f"applied: {todo.summary}\n")
        else:
            sys.stdout.write(f"plan: {todo.summary}\n")
    if exit_code and not do_apply and todo.pending:
        return EXIT_PROBLEMS
    return EXIT_OK


def cmd_silences_list(url: str) -> int:
    with AlertmanagerClient(url) as client:
        found = sil.managed(client)
    for s in found:
        sys.stdout.write(f"{s['status']['state']}: {sil.describe_existing(s)} {s['comment']}\n")
    sys.stdout.write(f"{len(found)} managed silence(s)\n")
    return EXIT_OK


def cmd_silences_expire(url: str) -> int:
    with AlertmanagerClient(url) as client:
        found = sil.managed(client)
        for s in found:
            client.expire_silence(str(s["id"]))
            sys.stdout.write(f"expired: {sil.describe_existing(s)}\n")
    sys.stdout.write(f"{len(found)} managed silence(s) expired\n")
    return EXIT_OK
