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
from callalert.errors import EXIT_OK, EXIT_PROBLEMS, CallalertError
from callalert.live import silences as sil
from callalert.live.amapi import AlertmanagerClient
from callalert.live.drill import DrillError, drill_alert
from callalert.render import RenderContext
from callalert.render.alertmanager import config_data


def cmd_drill(specs: Sequence[Path], alertname: str, url: str, resolve: bool, label_args: Sequence[str]) -> int:
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
    sys.stdout.write(f"alert: {{{shown}}}\n")
    sys.stdout.write(f"receivers (per the spec's routing): {', '.join(delivery.notified) or '(none)'}\n")
    with AlertmanagerClient(url) as client:
        client.post_alerts([alert])
        present = [a for a in client.get_alerts([f'alertname="{found.name}"', 'drill="true"']) if a["labels"] == labels]
    if resolve:
        if present:
            sys.stdout.write(f"resolved at {url}; Alertmanager still lists it (state {present[0]['status']['state']})\n")
        else:
            sys.stdout.write(f"resolved at {url}; Alertmanager no longer lists it as active\n")
        return EXIT_OK
    if not present:
        raise DrillError(f"Alertmanager at {url} accepted the alert but does not list it in GET /api/v2/alerts")
    sys.stdout.write(f"accepted by Alertmanager at {url} (state {present[0]['status']['state']})\n")
    return EXIT_OK


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
