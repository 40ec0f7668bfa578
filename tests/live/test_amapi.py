"""callalert.amapi against a real Alertmanager (the newest installed; and a few pure checks)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from callalert.errors import CallalertError
from callalert.live.amapi import AlertmanagerClient, AlertmanagerError, AsyncAlertmanagerClient, Matcher, format_time
from callalert.toolchain import Toolchain
from tests.conftest import require_in

from .harness import AlertmanagerProcess, free_port

AM_CONFIG = "route: {receiver: 'null'}\nreceivers: [{name: 'null'}]\n"


@pytest.fixture
def am(start_alertmanager: Callable[..., AlertmanagerProcess]) -> AlertmanagerProcess:
    return start_alertmanager(AM_CONFIG)


def names(alerts: list[dict[str, Any]]) -> list[str]:
    return sorted(a["labels"]["alertname"] for a in alerts)


def alert(name: str, **labels: str) -> dict[str, object]:
    return {"labels": {"alertname": name, **labels}, "annotations": {"summary": f"{name} summary"}}


# ------------------------------------------------------------------------------- pure


@pytest.mark.parametrize(
    ("text", "expected", "rendered"),
    [
        ('alertname="HighCPU"', Matcher("alertname", "HighCPU"), 'alertname="HighCPU"'),
        ("severity!=info", Matcher("severity", "info", is_equal=False), 'severity!="info"'),
        (
            'category=~"availability|errors"',
            Matcher("category", "availability|errors", is_regex=True),
            'category=~"availability|errors"',
        ),
        ('instance!~"app-.*"', Matcher("instance", "app-.*", is_regex=True, is_equal=False), 'instance!~"app-.*"'),
        ('summary="say \\"hi\\""', Matcher("summary", 'say "hi"'), 'summary="say \\"hi\\""'),
    ],
)
def test_matcher_parse_and_render(text: str, expected: Matcher, rendered: str) -> None:
    assert Matcher.parse(text) == expected
    assert str(expected) == rendered
    assert Matcher.from_api(expected.to_api()) == expected


def test_matcher_api_shape() -> None:
    assert Matcher("category", "a|b", is_regex=True).to_api() == {
        "name": "category",
        "value": "a|b",
        "isRegex": True,
        "isEqual": True,
    }


def test_matcher_parse_error() -> None:
    with pytest.raises(ValueError, match=r"^bad matcher '1abc=x': expected "):
        Matcher.parse("1abc=x")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('team:tier="db"', Matcher("team:tier", "db")),  # ':' is allowed in label names, as Alertmanager allows it
        ('a="x\\ty"', Matcher("a", "x\\ty")),  # a spurious escape keeps its backslash (JSON would read a tab)
        ("a=x y", Matcher("a", "x y")),  # an unquoted value may hold spaces
    ],
)
def test_matcher_parse_reads_text_as_alertmanager(text: str, expected: Matcher) -> None:
    assert Matcher.parse(text) == expected
    assert Matcher.parse(str(expected)) == expected


def test_matcher_str_escapes_as_alertmanager() -> None:
    # Only backslash, newline and double quote are escaped; JSON's \t would read back as backslash-t.
    assert str(Matcher("a", 'tab\there\nand \\ "q"')) == 'a="tab\there\\nand \\\\ \\"q\\""'


def test_matcher_parse_says_why() -> None:
    with pytest.raises(ValueError, match=r"^bad matcher 'a=~\"\(\"': error parsing regexp: missing closing \): "):
        Matcher.parse('a=~"("')


def test_format_time() -> None:
    assert format_time(datetime(2023, 6, 1, 10, 0, tzinfo=UTC)) == "2023-06-01T10:00:00.000Z"
    assert format_time(datetime(2023, 6, 1, 12, 0, tzinfo=UTC).astimezone()) == "2023-06-01T12:00:00.000Z"
    assert format_time("2023-06-01T10:00:00Z") == "2023-06-01T10:00:00Z"


def test_unreachable_is_a_callalert_error() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with AlertmanagerClient(url, timeout=2) as client, pytest.raises(AlertmanagerError) as info:
        client.status()
    assert isinstance(info.value, CallalertError)
    assert str(info.value) == f"Alertmanager at {url} is unreachable: [Errno 111] Connection refused"
    assert info.value.status is None
    assert info.value.retryable


def test_timeout_message() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with (
        AlertmanagerClient("http://127.0.0.1:9", timeout=0.5, transport=httpx.MockTransport(hang)) as client,
        pytest.raises(
            AlertmanagerError, match=r"^Alertmanager at http://127.0.0.1:9 did not answer GET /api/v2/status within 0.5s$"
        ),
    ):
        client.status()


# ------------------------------------------------------------------------------- live

live = pytest.mark.live


def alert_status(state: str, silenced_by: list[str], got: dict[str, Any]) -> dict[str, Any]:
    """The status object Alertmanager gives an alert; newer ones (time intervals muting) add `mutedBy`."""
    expected: dict[str, Any] = {"state": state, "silencedBy": silenced_by, "inhibitedBy": []}
    if "mutedBy" in got:
        expected["mutedBy"] = []
    return expected


@live
def test_status(am: AlertmanagerProcess, live_chain: Toolchain | None) -> None:
    with AlertmanagerClient(am.url) as client:
        status = client.status()
    assert status["cluster"]["status"] == "disabled"
    # the version the binary reports (Debian's builds add +ds: 0.28.1+ds)
    reported = status["versionInfo"]["version"]
    assert reported.split("+")[0] == str(require_in(live_chain, "alertmanager").version), reported
    assert 'receiver: "null"' in status["config"]["original"]


@live
def test_post_and_filter_alerts(am: AlertmanagerProcess) -> None:
    with AlertmanagerClient(am.url) as client:
        client.post_alerts(
            [alert("HighCPU", severity="warning"), alert("ServiceDown", severity="critical"), alert("Info", severity="info")]
        )
        assert names(client.get_alerts()) == ["HighCPU", "Info", "ServiceDown"]
        assert names(client.get_alerts(['alertname="HighCPU"'])) == ["HighCPU"]
        assert names(client.get_alerts(["severity!=info"])) == ["HighCPU", "ServiceDown"]
        assert names(client.get_alerts([Matcher("severity", "warn.*|crit.*", is_regex=True)])) == ["HighCPU", "ServiceDown"]
        assert names(client.get_alerts(['alertname!~"High.*"', "severity=~critical"])) == ["ServiceDown"]
        [got] = client.get_alerts(['alertname="ServiceDown"'])
    assert got["labels"] == {"alertname": "ServiceDown", "severity": "critical"}
    assert got["annotations"] == {"summary": "ServiceDown summary"}
    assert got["status"] == alert_status("active", [], got["status"])
    assert got["receivers"] == [{"name": "null"}]


@live
def test_silence_lifecycle(am: AlertmanagerProcess) -> None:
    now = datetime.now(UTC)
    with AlertmanagerClient(am.url) as client:
        client.post_alerts([alert("HighMemoryUsage", instance="app-server-01")])
        silence_id = client.create_silence(
            ["alertname=HighMemoryUsage"], now - timedelta(minutes=1), now + timedelta(hours=1), "admin", "Problema conocido"
        )
        [silence] = client.list_silences()
        assert silence["id"] == silence_id
        assert silence["status"] == {"state": "active"}
        assert silence["matchers"] == [{"name": "alertname", "value": "HighMemoryUsage", "isRegex": False, "isEqual": True}]
        assert (silence["createdBy"], silence["comment"]) == ("admin", "Problema conocido")
        [silenced] = client.get_alerts()
        assert silenced["status"] == alert_status("suppressed", [silence_id], silenced["status"])
        assert client.get_alerts(silenced=False) == []

        # Alertmanager clamps a past startsAt to the creation time. An update that keeps the stored
        # startsAt and matchers keeps the id; anything else expires the old silence and makes a new one.
        assert silence["startsAt"] != format_time(now - timedelta(minutes=1))
        same = client.create_silence(
            ["alertname=HighMemoryUsage"], silence["startsAt"], now + timedelta(hours=2), "admin", "ampliado", id=silence_id
        )
        assert same == silence_id
        assert client.get_silence(silence_id)["comment"] == "ampliado"
        other = client.create_silence(
            ["instance=app-server-01"], now - timedelta(minutes=1), now + timedelta(hours=2), "admin", "otro", id=silence_id
        )
        assert other != silence_id
        assert client.get_silence(silence_id)["status"] == {"state": "expired"}

        client.expire_silence(other)
        assert client.get_silence(other)["status"] == {"state": "expired"}
        assert [s["id"] for s in client.list_silences(["instance=app-server-01"])] == [other]
        [active] = client.get_alerts()
        assert active["status"]["state"] == "active"


@live
def test_http_error_carries_status_and_body(am: AlertmanagerProcess) -> None:
    with AlertmanagerClient(am.url) as client:
        with pytest.raises(AlertmanagerError) as info:
            client.post_alerts([{"labels": {}}])
        assert info.value.status == 400
        assert not info.value.retryable
        assert str(info.value).startswith(f"Alertmanager at {am.url} answered POST /api/v2/alerts with HTTP 400 Bad Request: ")
        assert "at least one label pair required" in str(info.value)
        unknown = "/api/v2/silence/00000000-0000-0000-0000-000000000000"
        # Alertmanager 0.25 answers an unknown silence id with 500 and a body, 0.28 and 0.33 with a bare 404:
        # the error must carry whatever this one answers.
        raw = httpx.delete(am.url + unknown, timeout=5)
        assert raw.status_code in (404, 500)
        with pytest.raises(AlertmanagerError) as info:
            client.expire_silence("00000000-0000-0000-0000-000000000000")
        assert info.value.status == raw.status_code
        body = raw.text.strip() or "(empty body)"
        assert str(info.value) == (
            f"Alertmanager at {am.url} answered DELETE {unknown} with HTTP {raw.status_code} {raw.reason_phrase}: {body}"
        )


@live
def test_async_client(am: AlertmanagerProcess) -> None:
    async def scenario() -> tuple[list[dict[str, Any]], str, list[dict[str, Any]]]:
        async with AsyncAlertmanagerClient(am.url) as client:
            await client.post_alerts([alert("AsyncAlert", severity="warning")])
            alerts = await client.get_alerts(['alertname="AsyncAlert"'])
            now = datetime.now(UTC)
            silence_id = await client.create_silence(["alertname=AsyncAlert"], now, now + timedelta(minutes=5), "t", "c")
            await client.expire_silence(silence_id)
            silences = await client.list_silences()
            return alerts, silence_id, silences

    alerts, silence_id, silences = asyncio.run(scenario())
    assert [a["labels"] for a in alerts] == [{"alertname": "AsyncAlert", "severity": "warning"}]
    assert [(s["id"], s["status"]["state"]) for s in silences] == [(silence_id, "expired")]


def test_async_unreachable() -> None:
    url = f"http://127.0.0.1:{free_port()}"

    async def scenario() -> None:
        async with AsyncAlertmanagerClient(url) as client:
            await client.post_alerts([alert("X")])

    with pytest.raises(AlertmanagerError, match=rf"^Alertmanager at {url} is unreachable: "):
        asyncio.run(scenario())
