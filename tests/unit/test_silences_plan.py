"""Pure planning of `callalert silences`: keys, markers, create/update/expire/skip."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest

from callalert.live.amapi import silence_body
from callalert.live.silences import Desired, managed_key, marked, plan, silence_key
from callalert.spec.v1 import Silence
from tests.conftest import CliResult

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def spec_silence(matchers: list[str], start: str, end: str, comment: str = "maintenance") -> Silence:
    return Silence(
        matchers=matchers,
        starts_at=datetime.fromisoformat(start),
        ends_at=datetime.fromisoformat(end),
        created_by="ops",
        comment=comment,
    )


def am_silence(
    d: Desired, sid: str, *, start: str | None = None, end: str | None = None, comment: str | None = None, state: str = "pending"
) -> dict[str, Any]:
    return {
        "id": sid,
        "matchers": [],
        "startsAt": start or d.starts_at.isoformat().replace("+00:00", "Z"),
        "endsAt": end or d.ends_at.isoformat().replace("+00:00", "Z"),
        "createdBy": d.created_by,
        "comment": d.comment if comment is None else comment,
        "status": {"state": state},
    }


def test_key_is_stable_order_and_quote_insensitive() -> None:
    assert silence_key(['instance="a"', "job=api"]) == silence_key(['job="api"', 'instance="a"'])
    assert silence_key(['instance="a"']) != silence_key(['instance="b"'])
    assert len(silence_key(['instance="a"'])) == 12


def test_marker_roundtrip_and_foreign_comments() -> None:
    key = silence_key(['instance="a"'])
    assert managed_key({"comment": marked("window", key)}) == key
    assert managed_key({"comment": "by hand"}) is None
    assert managed_key({"comment": f"[callalert:{key}] not at the end"}) is None


def test_duplicate_matchers_get_distinct_keys() -> None:
    a, b = Desired.from_spec([spec_silence(['x="1"'], "2030-02-01T00:00:00Z", "2030-02-02T00:00:00Z")] * 2)
    assert b.key == a.key + "-2"
    assert b.comment.endswith(f" [callalert:{a.key}-2]")


def test_plan_create_update_expire_skip_unchanged() -> None:
    new, changed, same, ended = Desired.from_spec(
        [
            spec_silence(['instance="new"'], "2030-02-01T00:00:00Z", "2030-02-02T00:00:00Z"),
            spec_silence(['instance="changed"'], "2030-02-01T00:00:00Z", "2030-02-03T00:00:00Z", "longer"),
            spec_silence(['instance="same"'], "2029-12-01T00:00:00Z", "2030-03-01T00:00:00Z"),
            spec_silence(['instance="ended"'], "2029-01-01T00:00:00Z", "2029-01-02T00:00:00Z"),
        ]
    )
    gone_key = silence_key(['instance="gone"'])
    existing = [
        am_silence(changed, "c1", end="2030-02-02T00:00:00.000Z", comment=marked("short", changed.key)),
        # Alertmanager moved the past start to the creation time: not a change.
        am_silence(same, "s1", start="2030-01-01T11:00:00.123Z"),
        {
            "id": "g1",
            "matchers": [{"name": "instance", "value": "gone", "isRegex": False, "isEqual": True}],
            "startsAt": "2030-01-01T00:00:00Z",
            "endsAt": "2030-06-01T00:00:00Z",
            "createdBy": "ops",
            "comment": marked("old", gone_key),
            "status": {"state": "active"},
        },
        {
            "id": "h1",
            "matchers": [],
            "startsAt": "2030-01-01T00:00:00Z",
            "endsAt": "2030-06-01T00:00:00Z",
            "createdBy": "someone",
            "comment": "by hand",
            "status": {"state": "active"},
        },
        {
            "id": "x1",
            "matchers": [],
            "startsAt": "2029-01-01T00:00:00Z",
            "endsAt": "2029-06-01T00:00:00Z",
            "createdBy": "ops",
            "comment": marked("expired already", silence_key(['instance="old"'])),
            "status": {"state": "expired"},
        },
    ]
    result = plan([new, changed, same, ended], existing, NOW)
    assert result.create == [new]
    assert [(u.desired, u.existing["id"], u.changes) for u in result.update] == [(changed, "c1", ("ends_at", "comment"))]
    assert [s["id"] for s in result.expire] == ["g1"]
    assert result.skip == [ended]
    assert result.unchanged == [same]
    assert result.summary == "1 to create, 1 to update, 1 to expire"
    lines = result.lines()
    assert lines[0] == f'create: {{instance="new"}} 2030-02-01T00:00:00Z → 2030-02-02T00:00:00Z [callalert:{new.key}]'
    assert lines[2] == 'expire: {instance="gone"} 2030-01-01T00:00:00Z → 2030-06-01T00:00:00Z (id g1)'
    assert (
        lines[3]
        == f'skipped: {{instance="ended"}} 2029-01-01T00:00:00Z → 2029-01-02T00:00:00Z [callalert:{ended.key}]: ended at 2029-01-02T00:00:00Z'
    )


def test_future_start_change_is_an_update_and_duplicates_are_expired() -> None:
    (d,) = Desired.from_spec([spec_silence(['job="api"'], "2030-02-01T00:00:00Z", "2030-02-02T00:00:00Z")])
    existing = [am_silence(d, "a", start="2030-01-20T00:00:00Z"), am_silence(d, "b")]
    result = plan([d], existing, NOW)
    assert [(u.existing["id"], u.changes) for u in result.update] == [("a", ("starts_at",))]
    assert [s["id"] for s in result.expire] == ["b"]


def test_nothing_to_do_when_in_sync() -> None:
    (d,) = Desired.from_spec([spec_silence(['job="api"'], "2030-02-01T00:00:00Z", "2030-02-02T00:00:00Z")])
    result = plan([d], [am_silence(d, "a", start="2030-02-01T00:00:00.000Z")], NOW)
    assert result.summary == "0 to create, 0 to update, 0 to expire"
    assert result.unchanged == [d]


def test_label_name_with_colon() -> None:
    # Alertmanager (and validate) accept ':' in label names; planning such a silence used to exit 3.
    (d,) = Desired.from_spec([spec_silence(['team:tier="db"', "env=prod"], "2030-02-01T00:00:00Z", "2030-02-02T00:00:00Z")])
    assert d.key == silence_key(['env="prod"', 'team:tier="db"'])
    result = plan([d], [], NOW)
    assert result.lines() == [
        f'create: {{team:tier="db", env=prod}} 2030-02-01T00:00:00Z → 2030-02-02T00:00:00Z [callalert:{d.key}]'
    ]
    body = silence_body(d.matchers, d.starts_at, d.ends_at, d.created_by, d.comment)
    assert body["matchers"] == [
        {"name": "team:tier", "value": "db", "isRegex": False, "isEqual": True},
        {"name": "env", "value": "prod", "isRegex": False, "isEqual": True},
    ]


class FakeClient:
    """Stands in for AlertmanagerClient: no silences yet, records what would be created."""

    created: ClassVar[list[tuple[str, ...]]] = []

    def __init__(self, url: str, **options: object) -> None:
        self.url = url

    def __enter__(self) -> FakeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def close(self) -> None:
        pass

    def list_silences(self) -> list[dict[str, Any]]:
        return []

    def create_silence(self, matchers: tuple[str, ...], *args: object, **kwargs: object) -> str:
        FakeClient.created.append(tuple(matchers))
        return "new"


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_cli_silence_on_label_name_with_colon(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Callable[..., CliResult]
) -> None:
    spec = tmp_path / "spec.yaml"
    assert run_cli("init", str(spec)).exit_code == 0
    text = spec.read_text().split("\nsilences:\n")[0]
    spec.write_text(
        text
        + "\nsilences:\n"
        + "  - matchers: ['team:tier=\"db\"']\n    starts_at: 2030-02-01T00:00:00Z\n    ends_at: 2030-02-02T00:00:00Z\n"
        + "    created_by: ops\n    comment: maintenance\n"
    )
    assert run_cli("validate", str(spec)).exit_code == 0
    monkeypatch.setattr("callalert.cli.live.AlertmanagerClient", FakeClient)
    FakeClient.created = []
    result = run_cli("silences", command, "--alertmanager-url", "http://127.0.0.1:9", str(spec))
    assert result.exit_code == 0, result
    assert result.stdout.startswith('create: {team:tier="db"} 2030-02-01T00:00:00Z → 2030-02-02T00:00:00Z [callalert:')
    assert FakeClient.created == ([('team:tier="db"',)] if command == "apply" else [])
