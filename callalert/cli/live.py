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
from callalert.diagnostics import escape
from callalert.errors import EXIT_OK, EXIT_PROBLEMS, CallalertError
from callalert.limits import NETWORK_DEADLINE
from callalert.live import silences as sil
from callalert.live.amapi import AlertmanagerClient, Matcher
from callalert.live.drill import DRILL_LABEL, DrillError, drill_alert
from callalert.render.alertmanager import routing_data
from callalert.render.silences import silence_windows


def _out(text: str) -> None:
    # what Alertmanager sends back (comments, label values) reaches the terminal escaped
    sys.stdout.write(escape(text[:-1]) + "\n" if text.endswith("\n") else escape(text))


def _client(url: str) -> AlertmanagerClient:
    # every request of one command together within NETWORK_DEADLINE; a bad URL fails before any work
    return AlertmanagerClient(url, deadline=NETWORK_DEADLINE)


def cmd_drill(
    specs: Sequence[Path],
    alertname: str,
    url: str,
    resolve: bool,
    label_args: Sequence[str],
    overlays: Sequence[Path] = (),
    now: datetime | None = None,
) -> int:
    with _client(url) as client:
        return _drill(client, specs, alertname, resolve, label_args, overlays, now)


def _drill(
    client: AlertmanagerClient,
    specs: Sequence[Path],
    alertname: str,
    resolve: bool,
    label_args: Sequence[str],
    overlays: Sequence[Path],
    now: datetime | None,
) -> int:
    url = client.display
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
    client.post_alerts([alert])
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
        return EXIT_OK
    if not present:
        raise DrillError(f"Alertmanager at {url} accepted the alert but does not list it in GET /api/v2/alerts")
    _out(f"accepted by Alertmanager at {url} (state {_state(present[0])})\n")
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
    with _client(url) as client:
        desired = sil.Desired.from_spec(pipeline.load_valid(specs, overlays).model.silences)
        todo = sil.plan(desired, client.list_silences(), now or datetime.now(UTC))
        for line in todo.lines():
            _out(line + "\n")
        if do_apply:
            sil.apply(client, todo)
            _out(f"applied: {todo.summary}\n")
        else:
            _out(f"plan: {todo.summary}\n")
    if exit_code and not do_apply and todo.pending:
        return EXIT_PROBLEMS
    return EXIT_OK


def cmd_silences_list(url: str) -> int:
    with _client(url) as client:
        found = sil.managed(client)
    for s in found:
        _out(f"{s['status']['state']}: {sil.describe_existing(s)} {s['comment']}\n")
    _out(f"{len(found)} managed silence(s)\n")
    return EXIT_OK


def cmd_silences_expire(url: str) -> int:
    with _client(url) as client:
        found = sil.managed(client)
        for s in found:
            client.expire_silence(str(s["id"]))
            _out(f"expired: {sil.describe_existing(s)}\n")
    _out(f"{len(found)} managed silence(s) expired\n")
    return EXIT_OK
