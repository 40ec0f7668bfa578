"""Bad input on the live side (bad-input.md D11, D12, D15, D27, D32-D34): URLs, replies that are not
Alertmanager's, servers that never finish, alerts that cannot be encoded. httpx.MockTransport, no
network; tests/live runs the same commands against a real Alertmanager."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from callalert.errors import UsageError
from callalert.live.amapi import AlertmanagerClient, AlertmanagerError, check_url, display_url
from callalert.live.service import AlertService
from tests.conftest import CliResult
from tests.unit.test_bad_input import MINIMAL, spec_file

URL = "http://127.0.0.1:9093"


# --- URLs (D11, D27) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://[::1", "invalid ipv6 url"),
        ("http://127.0.0.1:9093 x", "empty or contains spaces or control characters"),
        ("http://127.0.0.1:99999", "port out of range 0-65535"),
        ("notaurl", "the scheme must be http:// or https://"),
        ("ftp://127.0.0.1", "the scheme must be http:// or https://"),
        ("http://", "no host"),
        ("", "empty"),
    ],
)
def test_an_unusable_alertmanager_url_is_a_usage_error_before_any_work(
    url: str, reason: str, tmp_path: Path, run_cli: Callable[..., CliResult]
) -> None:
    with pytest.raises(ValueError, match=f"^{reason}$"):
        check_url(url)
    spec = spec_file(tmp_path)
    for args in (("drill", "Down", str(spec)), ("silences", "plan", str(spec)), ("silences", "list")):
        result = run_cli(*args, "--alertmanager-url", url)
        assert result.exit_code == 2, result
        assert result.stdout == ""  # nothing printed before the error
        assert result.stderr == (
            f"callalert: error: --alertmanager-url '{display_url(url)}': not a valid URL ({reason}); e.g. http://127.0.0.1:9093\n"
        )


def test_credentials_in_the_url_are_never_shown(run_cli: Callable[..., CliResult]) -> None:
    assert display_url("http://admin:S3CRET@127.0.0.1:1/am") == "http://admin:***@127.0.0.1:1/am"
    assert display_url("http://admin:S3CRET@[::1") == "http://admin:***@[::1"
    result = run_cli("silences", "list", "--alertmanager-url", "http://admin:S3CRET@127.0.0.1:1")
    assert result.exit_code == 1
    assert (
        result.stderr
        == "callalert: error: Alertmanager at http://admin:***@127.0.0.1:1 is unreachable: [Errno 111] Connection refused\n"
    )
    bad = run_cli("silences", "list", "--alertmanager-url", "http://admin:S3CRET@[::1")
    assert bad.exit_code == 2 and "S3CRET" not in bad.stderr


# --- replies that are not the API's (D12) ---------------------------------------------------------------


def client(handler: Callable[[httpx.Request], httpx.Response], deadline: float | None = None) -> AlertmanagerClient:
    return AlertmanagerClient(URL, transport=httpx.MockTransport(handler), deadline=deadline)


def test_a_200_that_is_not_json() -> None:
    html = client(lambda r: httpx.Response(200, text="<html>OK</html>", headers={"content-type": "text/html"}))
    with pytest.raises(AlertmanagerError) as err:
        html.list_silences()
    assert str(err.value) == (
        f"Alertmanager at {URL} answered GET /api/v2/silences with HTTP 200 but not JSON "
        "(text/html: <html>OK</html>); is this the URL of an Alertmanager?"
    )


@pytest.mark.parametrize(
    ("call", "reply", "message"),
    [
        (lambda c: c.get_alerts(), {}, "GET /api/v2/alerts with JSON that is not a list of alerts (got a mapping)"),
        (lambda c: c.get_alerts(), [{"labels": "x"}], "GET /api/v2/alerts with JSON that is not a list of alerts (got a list)"),
        (
            lambda c: c.list_silences(),
            [{"id": "1"}],
            "GET /api/v2/silences with JSON that is not a list of silences (got a list)",
        ),
        (
            lambda c: c.create_silence(['a="b"'], "2030-01-01T00:00:00Z", "2030-01-02T00:00:00Z", "me", "x"),
            {},
            "POST /api/v2/silences with JSON that is not an object with a silenceID (got a mapping)",
        ),
        (lambda c: c.status(), [], "GET /api/v2/status with JSON that is not an object (got a list)"),
    ],
)
def test_json_of_another_shape(call: Callable[[AlertmanagerClient], object], reply: object, message: str) -> None:
    with pytest.raises(AlertmanagerError) as err:
        call(client(lambda r: httpx.Response(200, json=reply)))
    assert str(err.value) == f"Alertmanager at {URL} answered {message}; is this the URL of an Alertmanager (API v2)?"


def test_errors_from_a_hostile_server_reach_the_terminal_escaped() -> None:
    with pytest.raises(AlertmanagerError) as err:
        client(lambda r: httpx.Response(500, text="boom\x1b[2J\nforged line")).get_alerts()
    assert (
        str(err.value)
        == f"Alertmanager at {URL} answered GET /api/v2/alerts with HTTP 500 Internal Server Error: boom\\x1b[2J\\nforged line"
    )


# --- a total deadline (D15) --------------------------------------------------------------------------------


class Trickle(httpx.SyncByteStream):
    """Headers at once, then one byte every `delay` seconds, forever."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

    def __iter__(self) -> Iterator[bytes]:
        while True:
            time.sleep(self.delay)
            yield b" "


def test_a_server_that_never_finishes_answering_is_given_up(tmp_path: Path) -> None:
    trickle = client(lambda r: httpx.Response(200, stream=Trickle(0.1)), deadline=1.0)
    start = time.monotonic()
    with pytest.raises(AlertmanagerError) as err:
        trickle.list_silences()
    assert time.monotonic() - start < 3
    assert str(err.value) == f"Alertmanager at {URL} did not finish answering GET /api/v2/silences within 1s"
    with pytest.raises(AlertmanagerError) as spent:  # the budget is for all requests together
        trickle.get_alerts()
    assert str(spent.value).startswith(f"Alertmanager at {URL}: no time left for GET /api/v2/alerts")


def test_cli_commands_share_one_deadline() -> None:
    from callalert.cli import live
    from callalert.limits import NETWORK_DEADLINE

    assert live._client(URL).deadline == NETWORK_DEADLINE == 30.0


# --- drill finds what it sent (D32) -----------------------------------------------------------------------


class FakeAlertmanager:
    """Keeps posted alerts as Alertmanager does (labels with an empty value dropped) and answers
    GET /api/v2/alerts with its filter applied."""

    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            for alert in json.loads(request.content):
                labels = {k: v for k, v in alert["labels"].items() if v != ""}
                self.alerts.append({"labels": labels, "status": {"state": "active"}})
            return httpx.Response(200)
        filters = [f.split("=", 1) for f in request.url.params.get_list("filter")]
        found = [a for a in self.alerts if all(a["labels"].get(k) == json.loads(v) for k, v in filters)]
        return httpx.Response(200, json=found)


@pytest.mark.parametrize("label", ["alertname=Other", "severity=", "team=", "extra=x"])
def test_drill_finds_the_alert_it_sent(
    label: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Callable[..., CliResult]
) -> None:
    am = FakeAlertmanager()
    real = AlertmanagerClient
    monkeypatch.setattr(
        "callalert.cli.live.AlertmanagerClient", lambda url, **kw: real(url, transport=httpx.MockTransport(am), **kw)
    )
    spec = spec_file(tmp_path)
    result = run_cli("drill", "Down", str(spec), "--alertmanager-url", URL, "--label", label)
    assert result.exit_code == 0, result
    assert result.stdout.endswith(f"accepted by Alertmanager at {URL} (state active)\n")
    name, _, value = label.partition("=")
    sent = am.alerts[0]["labels"]
    assert (sent.get(name) == value) if value else (name not in sent)


# --- AlertService (D33, D34) ---------------------------------------------------------------------------


def test_one_alert_that_cannot_be_encoded_never_stops_delivery() -> None:
    posted: list[dict[str, Any]] = []

    def am(request: httpx.Request) -> httpx.Response:
        posted.extend(json.loads(request.content))
        return httpx.Response(200)

    async def scenario() -> tuple[bool, AlertService]:
        service = AlertService(URL, transport=httpx.MockTransport(am), batch_size=3)
        await service.send_alert("critical", "file /data/\udcff.wav unreadable")
        for i in range(5):
            await service.send_alert("warning", f"good alert {i}", name=f"Good{i}")
        flushed = await service.flush(5)
        await service.aclose(1)
        return flushed, service

    flushed, service = asyncio.run(scenario())
    assert flushed and service.delivered_count == 6 and service.rejected_count == 0
    assert posted[0]["annotations"]["summary"] == "file /data/\\udcff.wav unreadable"
    assert [a["annotations"]["summary"] for a in posted[1:]] == [f"good alert {i}" for i in range(5)]


def test_an_alert_that_cannot_be_sent_is_dropped_alone(caplog: pytest.LogCaptureFixture) -> None:
    posted: list[str] = []

    def am(request: httpx.Request) -> httpx.Response:
        posted.extend(a["labels"]["alertname"] for a in json.loads(request.content))
        return httpx.Response(200)

    async def scenario() -> AlertService:
        service = AlertService(URL, transport=httpx.MockTransport(am))
        poison = await service.send_alert("warning", "poison", name="Poison")
        object.__setattr__(poison, "annotations", {"summary": "\udcff"})  # as if built without sanitizing
        service._queue[-1] = poison
        await service.send_alert("warning", "fine", name="Fine")
        await service.flush(5)
        await service.aclose(1)
        return service

    with caplog.at_level(logging.ERROR, logger="callalert.service"):
        service = asyncio.run(scenario())
    assert posted == ["Fine"] and service.rejected_count == 1
    assert "alert Poison cannot be sent" in caplog.text


def test_odd_context_and_metric_values_never_raise(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> list[str]:
        service = AlertService(None)
        circular: dict[str, Any] = {}
        circular["self"] = circular
        out = [
            (await service.send_alert("warning", "mixed", {1: "a", "b": 2})).annotations["description"],
            (await service.send_alert("warning", "loop", circular)).annotations["description"],
            (await service.send_alert("warning", "list", ["not", "a", "mapping"])).annotations["description"],  # type: ignore[arg-type]
        ]
        assert await service.check_quality_thresholds({"latency": None, "error_rate": "high"}) == []  # type: ignore[dict-item]
        with pytest.raises(ValueError, match=r"^label 'team' is None: give it a value, or leave it out$"):
            await service.send_alert("warning", "m", labels={"team": None})  # type: ignore[dict-item]
        await service.aclose()
        return out

    with caplog.at_level(logging.WARNING, logger="callalert.service"):
        described = asyncio.run(scenario())
    assert described == ['{"1": "a", "b": 2}', "{'self': " * 6 + "{...}" + "}" * 6, '{"context": ["not", "a", "mapping"]}']
    assert "metrics['latency'] is None, not a number; not checked" in caplog.text
    assert "metrics['error_rate'] is 'high', not a number; not checked" in caplog.text


def test_alert_service_refuses_a_bad_url_at_once() -> None:
    with pytest.raises(ValueError, match=r"^alertmanager_url 'http://u:\*\*\*@\[::1' is not a valid URL: invalid ipv6 url$"):
        AlertService("http://u:pw@[::1")


def test_usage_error_is_what_the_cli_gets() -> None:
    with pytest.raises(UsageError):
        AlertmanagerClient("http://[::1")
    assert MINIMAL  # the shared spec of the bad-input tests
