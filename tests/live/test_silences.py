"""`callalert silences plan|apply|list|expire` against a real Alertmanager 0.25."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from callalert.live.amapi import AlertmanagerClient
from callalert.live.silences import silence_key
from tests.conftest import CliResult

from .harness import AlertmanagerProcess

AM_CONFIG = "route: {receiver: 'null'}\nreceivers: [{name: 'null'}]\n"

pytestmark = pytest.mark.live


def z(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def write_spec(path: Path, run_cli: Callable[..., CliResult], silences: str) -> None:
    if not path.exists():
        assert run_cli("init", str(path)).exit_code == 0
    text = path.read_text().split("\nsilences:\n")[0]
    path.write_text(text + "\nsilences:\n" + silences)


def test_apply_is_idempotent_updates_expires_and_leaves_foreign_silences(
    tmp_path: Path, start_alertmanager: Callable[..., AlertmanagerProcess], run_cli: Callable[..., CliResult]
) -> None:
    am = start_alertmanager(AM_CONFIG)
    now = datetime.now(UTC).replace(microsecond=0)
    start, end, later = now + timedelta(days=1), now + timedelta(days=2), now + timedelta(days=3)
    spec = tmp_path / "spec.yaml"
    write_spec(
        spec,
        run_cli,
        f"""  - matchers: ['instance="app-1"']
    starts_at: {z(start)}
    ends_at: {z(end)}
    created_by: ops
    comment: maintenance
  - matchers: ['alertname="MyServiceErrors"']
    starts_at: {z(now - timedelta(hours=1))}
    ends_at: {z(end)}
    created_by: ops
    comment: known issue
  - matchers: ['job="old"']
    starts_at: 2023-06-01T10:00:00Z
    ends_at: 2023-06-01T12:00:00Z
    created_by: ops
    comment: long over
""",
    )
    k1, k2, k3 = silence_key(['instance="app-1"']), silence_key(['alertname="MyServiceErrors"']), silence_key(['job="old"'])
    with AlertmanagerClient(am.url) as client:
        foreign = client.create_silence(['instance="app-1"'], start, end, "human", "by hand")

    url = ["--alertmanager-url", am.url]
    planned = run_cli("silences", "plan", str(spec), *url)
    assert planned.exit_code == 0, planned
    assert planned.stdout.splitlines() == [
        f'create: {{instance="app-1"}} {z(start)} → {z(end)} [callalert:{k1}]',
        f'create: {{alertname="MyServiceErrors"}} {z(now - timedelta(hours=1))} → {z(end)} [callalert:{k2}]',
        f'skipped: {{job="old"}} 2023-06-01T10:00:00Z → 2023-06-01T12:00:00Z [callalert:{k3}]: ended at 2023-06-01T12:00:00Z',
        "plan: 2 to create, 0 to update, 0 to expire",
    ]
    applied = run_cli("silences", "apply", str(spec), *url)
    assert applied.exit_code == 0, applied
    assert applied.stdout.splitlines()[-1] == "applied: 2 to create, 0 to update, 0 to expire"
    silences = {s["comment"]: s for s in am.get("/api/v2/silences") if s["status"]["state"] != "expired"}
    assert sorted(silences) == sorted(["by hand", f"maintenance [callalert:{k1}]", f"known issue [callalert:{k2}]"])
    assert silences[f"maintenance [callalert:{k1}]"]["status"]["state"] == "pending"
    assert silences[f"known issue [callalert:{k2}]"]["status"]["state"] == "active"

    again = run_cli("silences", "apply", str(spec), *url)
    assert again.stdout.splitlines()[-1] == "applied: 0 to create, 0 to update, 0 to expire", again

    # Change the first silence's end, drop the second: one update, one expire; the hand-made one stays.
    write_spec(
        spec,
        run_cli,
        f"""  - matchers: ['instance="app-1"']
    starts_at: {z(start)}
    ends_at: {z(later)}
    created_by: ops
    comment: maintenance
""",
    )
    changed = run_cli("silences", "apply", str(spec), *url)
    assert changed.exit_code == 0, changed
    lines = changed.stdout.splitlines()
    assert lines[0].startswith(f'update: {{instance="app-1"}} {z(start)} → {z(later)} [callalert:{k1}] (id ')
    assert lines[0].endswith("; ends_at changed)")
    assert lines[1].startswith('expire: {alertname="MyServiceErrors"}')
    assert lines[-1] == "applied: 0 to create, 1 to update, 1 to expire"
    assert (
        run_cli("silences", "apply", str(spec), *url).stdout.splitlines()[-1] == "applied: 0 to create, 0 to update, 0 to expire"
    )

    listed = run_cli("silences", "list", *url)
    assert listed.exit_code == 0, listed
    assert listed.stdout.splitlines()[-1] == "1 managed silence(s)"
    assert f"maintenance [callalert:{k1}]" in listed.stdout and "by hand" not in listed.stdout

    expired = run_cli("silences", "expire", *url)
    assert expired.exit_code == 0, expired
    assert expired.stdout.splitlines()[-1] == "1 managed silence(s) expired"
    live = [s for s in am.get("/api/v2/silences") if s["status"]["state"] != "expired"]
    assert [(s["id"], s["comment"]) for s in live] == [(foreign, "by hand")]
    assert run_cli("silences", "list", *url).stdout == "0 managed silence(s)\n"


def test_silences_imported_with_amtool_are_recognised_and_plan_exit_code_reports_drift(
    tmp_path: Path, start_alertmanager: Callable[..., AlertmanagerProcess], run_cli: Callable[..., CliResult]
) -> None:
    import subprocess

    from tests.conftest import require_tool

    amtool = require_tool("amtool")
    am = start_alertmanager(AM_CONFIG)
    now = datetime.now(UTC).replace(microsecond=0)
    start, end = now + timedelta(days=1), now + timedelta(days=2)
    spec = tmp_path / "spec.yaml"
    write_spec(
        spec,
        run_cli,
        f"""  - matchers: ['alertname=~"Redis.*"', 'namespace="shop"']
    starts_at: {z(start)}
    ends_at: {z(end)}
    created_by: sre
    comment: Redis upgrade
""",
    )
    out = tmp_path / "out"
    assert run_cli("render", str(spec), "--out", str(out)).exit_code == 0
    imported = subprocess.run(
        [amtool, "silence", "import", f"--alertmanager.url={am.url}", str(out / "alertmanager/silences.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported
    key = silence_key(['alertname=~"Redis.*"', 'namespace="shop"'])
    url = ["--alertmanager-url", am.url]
    planned = run_cli("silences", "plan", str(spec), *url, "--exit-code")
    assert planned.exit_code == 0, planned
    assert planned.stdout.splitlines() == [
        f'unchanged: {{alertname=~"Redis.*", namespace="shop"}} {z(start)} → {z(end)} [callalert:{key}]',
        "plan: 0 to create, 0 to update, 0 to expire",
    ]
    assert (
        run_cli("silences", "apply", str(spec), *url).stdout.splitlines()[-1] == "applied: 0 to create, 0 to update, 0 to expire"
    )
    assert len([s for s in am.get("/api/v2/silences") if s["status"]["state"] != "expired"]) == 1

    spec.write_text(spec.read_text().replace("comment: Redis upgrade", "comment: Redis 7 upgrade"))
    drift = run_cli("silences", "plan", str(spec), *url, "--exit-code")
    assert drift.exit_code == 1, drift
    assert drift.stdout.splitlines()[-1] == "plan: 0 to create, 1 to update, 0 to expire"
    assert run_cli("silences", "plan", str(spec), *url).exit_code == 0  # without --exit-code plan only reports
