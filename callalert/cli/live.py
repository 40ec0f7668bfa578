"""Command bodies that talk to a running Alertmanager: `drill` and `silences plan|apply|list|expire`."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from callalert import pipeline
from callalert.analysis.alertmanager.delivery import deliver
from callalert.cli.routes import parse_label_args
from callalert.diagnostics import escape
from callalert.errors import EXIT_OK, CallalertError
from callalert.limits import NETWORK_DEADLINE
from callalert.live import silences as sil
from callalert.live.amapi import AlertmanagerClient, Matcher
from callalert.live.drill import DrillError, drill_alert
from callalert.render import RenderContext
from callalert.render.alertmanager import config_data


def _out(text: str) -> None:
    # what Alertmanager sends back (comments, label values) reaches the terminal escaped
    sys.stdout.write(escape(text[:-1]) + "\n" if text.endswith("\n") else escape(text))


def _client(url: str) -> AlertmanagerClient:
    # every request of one command together within NETWORK_DEADLINE; a bad URL fails before any work
    return AlertmanagerClient(url, deadline=NETWORK_DEADLINE)


def cmd_drill(specs: Sequence[Path], alertname: str, url: str, resolve: bool, label_args: Sequence[str]) -> int:
    client = _client(url)
    try:
        return _drill(client, specs, alertname, resolve, label_args)
    finally:
        client.close()


def _drill(client: AlertmanagerClient, specs: Sequence[Path], alertname: str, resolve: bool, label_args: Sequence[str]) -> int:
    url = client.display
    valid = pipeline.load_valid(specs)
    alerts = {a.name: a for a in valid.model.alerts}
    found = alerts.get(alertname)
    if found is None:
        close = difflib.get_close_matches(alertname, list(alerts), n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise CallalertError(f"no alert named {alertname!r} in the spec{hint}")
    extra = parse_label_args(list(label_args))
    alert = drill_alert(found.name, found.labels, found.annotations, extra, datetime.now(UTC), resolve)
    labels: dict[str, str] = alert["labels"]
    ctx = RenderContext(secrets="ref")
    config = config_data(valid.model, ctx)
    delivery = deliver(config, labels)
    shown = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    _out(f"alert: {{{shown}}}\n")
    _out(f"receivers (per the spec's routing): {', '.join(delivery.notified) or '(none)'}\n")
    client.post_alerts([alert])
    # looked up by what was sent (an overridden alertname or drill label included)
    lookup = [Matcher("alertname", labels["alertname"])] + ([Matcher("drill", labels["drill"])] if "drill" in labels else [])
    present = [a for a in client.get_alerts(lookup) if a["labels"] == labels]
    if resolve:
        if present:
            _out(f"resolved at {url}; Alertmanager still lists it (state {present[0]['status']['state']})\n")
        else:
            _out(f"resolved at {url}; Alertmanager no longer lists it as active\n")
        return EXIT_OK
    if not present:
        raise DrillError(f"Alertmanager at {url} accepted the alert but does not list it in GET /api/v2/alerts")
    _out(f"accepted by Alertmanager at {url} (state {present[0]['status']['state']})\n")
    return EXIT_OK


def cmd_silences_plan(specs: Sequence[Path], url: str, do_apply: bool, now: datetime | None = None) -> int:
    with _client(url) as client:
        desired = sil.Desired.from_spec(pipeline.load_valid(specs).model.silences)
        todo = sil.plan(desired, client.list_silences(), now or datetime.now(UTC))
        for line in todo.lines():
            _out(line + "\n")
        if do_apply:
            sil.apply(client, todo)
            _out(f"applied: {todo.summary}\n")
        else:
            _out(f"plan: {todo.summary}\n")
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
