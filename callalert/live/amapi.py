"""A small Alertmanager v2 API client (sync for the CLI, async for the service).

httpx is imported inside the clients, so importing this module costs nothing on the CLI's fast path.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from callalert.analysis.alertmanager.matchers import MatcherError, MatcherFormatError, Op, format_matcher, parse_matcher
from callalert.analysis.times import parse_rfc3339, rfc3339
from callalert.diagnostics import clip, escape, kind_of, shown
from callalert.errors import CallalertError, UsageError
from callalert.limits import DEFAULT_READ_TIMEOUT, MAX_RESPONSE_BYTES, NETWORK_DEADLINE

if TYPE_CHECKING:
    import httpx

DEFAULT_TIMEOUT = DEFAULT_READ_TIMEOUT
_BODY_LIMIT = 2000


class AlertmanagerError(CallalertError):
    """Alertmanager could not be reached or refused a request.

    `status` is the HTTP status (None when no answer came), `retryable` tells a delivery loop whether
    trying again later can help (connection problems, timeouts, 5xx, 429) or not (other 4xx).
    """

    def __init__(self, message: str, *, url: str, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.body = body

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status >= 500 or self.status == 429


@dataclass(frozen=True)
class Matcher:
    """A matcher as the v2 API carries it; read from and written as text by analysis.alertmanager.matchers,
    the way Alertmanager itself parses `filter` parameters and amtool arguments."""

    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True

    @classmethod
    def parse(cls, text: str) -> Matcher:
        """`name="value"`, `name!="v"`, `name=~"re"`, `name!~"re"` (quotes optional), as Alertmanager 0.25 reads them."""
        try:
            found = parse_matcher(text)
        except MatcherFormatError:
            raise MatcherError(
                f'bad matcher {text!r}: expected name="value", name!="value", name=~"regex" or name!~"regex"'
            ) from None
        except MatcherError as exc:
            raise MatcherError(f"bad matcher {text!r}: {exc}") from None
        return cls(found.name, found.value, is_regex=found.op in ("=~", "!~"), is_equal=found.op in ("=", "=~"))

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Matcher:
        return cls(str(data["name"]), str(data["value"]), bool(data.get("isRegex", False)), bool(data.get("isEqual", True)))

    @property
    def operator(self) -> Op:
        ops: dict[tuple[bool, bool], Op] = {(False, True): "=", (False, False): "!=", (True, True): "=~", (True, False): "!~"}
        return ops[(self.is_regex, self.is_equal)]

    def to_api(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "isRegex": self.is_regex, "isEqual": self.is_equal}

    def __str__(self) -> str:
        return format_matcher(self.name, self.operator, self.value)


MatcherLike = Matcher | str | Mapping[str, Any]


def to_matcher(value: MatcherLike) -> Matcher:
    if isinstance(value, Matcher):
        return value
    if isinstance(value, str):
        return Matcher.parse(value)
    return Matcher.from_api(value)


def format_time(value: datetime | str) -> str:
    """RFC 3339 in UTC with milliseconds, as Alertmanager's API writes times (text passes through)."""
    return value if isinstance(value, str) else rfc3339(value, millis=True)


def silence_body(
    matchers: Iterable[MatcherLike],
    starts_at: datetime | str,
    ends_at: datetime | str,
    created_by: str,
    comment: str,
    id: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "matchers": [to_matcher(m).to_api() for m in matchers],
        "startsAt": format_time(starts_at),
        "endsAt": format_time(ends_at),
        "createdBy": created_by,
        "comment": comment,
    }
    if not body["matchers"]:
        raise ValueError("a silence needs at least one matcher")
    if id:
        body["id"] = id
    return body


def alerts_params(
    matchers: Iterable[MatcherLike], active: bool, silenced: bool, inhibited: bool, unprocessed: bool, receiver: str | None
) -> list[tuple[str, str]]:
    params = [("filter", str(to_matcher(m))) for m in matchers]
    params += [
        ("active", _bool(active)),
        ("silenced", _bool(silenced)),
        ("inhibited", _bool(inhibited)),
        ("unprocessed", _bool(unprocessed)),
    ]
    if receiver:
        params.append(("receiver", receiver))
    return params


def _bool(value: bool) -> str:
    return "true" if value else "false"


def check_url(url: str) -> str:
    """`url` if it can be an Alertmanager base URL (http or https, a host, a valid port), else
    ValueError saying why. Nothing is sent: a typo is reported before any other work."""
    from urllib.parse import urlsplit

    if not url or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise ValueError("empty or contains spaces or control characters" if url else "empty")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(str(exc).lower().rstrip(".")) from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("the scheme must be http:// or https://")
    if not parts.hostname:
        raise ValueError("no host")
    if port == 0:
        raise ValueError("port 0")
    if parts.query or parts.fragment:
        raise ValueError("a base URL has no ?query or #fragment")
    return url


def display_url(url: str) -> str:
    """`url` as messages and logs show it: a password in it replaced by ***."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = f"{parts.username or ''}:***@{parts.netloc.rsplit('@', 1)[1]}"
        return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return re.sub(r"(//[^/@\s:]*:)[^/@\s]*@", r"\1***@", url)


def _snippet(body: bytes, content_type: str) -> str:
    text = body[:200].decode("utf-8", "replace")
    return (
        f"{content_type or 'no content type'}: {escape(clip(text, 80))}"
        if text.strip()
        else f"{content_type or 'no content type'}, empty"
    )


class _Base:
    def __init__(self, url: str, timeout: float, headers: Mapping[str, str] | None, deadline: float | None) -> None:
        """`timeout`: seconds without a byte before a read fails; `deadline`: seconds this client
        may spend in total over all its requests (None: each request alone gets NETWORK_DEADLINE)."""
        try:
            self.url = check_url(url.strip()).rstrip("/")
        except ValueError as exc:
            raise UsageError(
                f"--alertmanager-url {shown(display_url(url))}: not a valid URL ({exc}); e.g. http://127.0.0.1:9093"
            ) from None
        self.display = display_url(self.url)
        self.timeout = timeout
        self.headers = dict(headers or {})
        self.deadline = deadline
        self._deadline_at: float | None = None  # the clock starts with the first request

    def _api(self, path: str) -> str:
        return f"{self.url}/api/v2{path}"

    def _budget(self, method: str, path: str) -> tuple[float, float]:
        """(seconds this request may take in all, the read timeout) or AlertmanagerError when spent."""
        if self.deadline is not None and self._deadline_at is None:
            self._deadline_at = time.monotonic() + self.deadline
        total = NETWORK_DEADLINE if self._deadline_at is None else min(NETWORK_DEADLINE, self._deadline_at - time.monotonic())
        if total <= 0:
            raise AlertmanagerError(
                f"Alertmanager at {self.display}: no time left for {method} /api/v2{path} "
                f"(all requests together may take {self.deadline:g}s)",
                url=self.display,
            )
        return total, min(self.timeout, total)

    def _clean(self, text: str) -> str:
        # an error text from the transport may quote the URL, credentials included
        if self.url != self.display:
            text = text.replace(self.url, self.display)
        return escape(clip(text, 300))

    def _transport_error(self, method: str, path: str, exc: Exception, read_timeout: float) -> AlertmanagerError:
        import httpx

        if isinstance(exc, httpx.TimeoutException):
            return AlertmanagerError(
                f"Alertmanager at {self.display} did not answer {method} /api/v2{path} within {read_timeout:g}s", url=self.display
            )
        detail = self._clean(str(exc) or type(exc).__name__)
        return AlertmanagerError(f"Alertmanager at {self.display} is unreachable: {detail}", url=self.display)

    def _too_slow(self, method: str, path: str, total: float) -> AlertmanagerError:
        return AlertmanagerError(
            f"Alertmanager at {self.display} did not finish answering {method} /api/v2{path} within {total:.3g}s",
            url=self.display,
        )

    def _check(self, method: str, path: str, status: int, reason: str, content_type: str, body: bytes) -> Any:
        if 200 <= status < 300:
            if not body:
                return None
            try:
                return json.loads(body)
            except ValueError:
                raise AlertmanagerError(
                    f"Alertmanager at {self.display} answered {method} /api/v2{path} with HTTP {status} but not JSON "
                    f"({_snippet(body, content_type)}); is this the URL of an Alertmanager?",
                    url=self.display,
                    status=status,
                ) from None
        text = body.decode("utf-8", "replace").strip()
        shown_body = escape(clip(text, _BODY_LIMIT))
        raise AlertmanagerError(
            f"Alertmanager at {self.display} answered {method} /api/v2{path} with HTTP {status}"
            f" {reason}: {shown_body or '(empty body)'}",
            url=self.display,
            status=status,
            body=text,
        )

    def _too_big(self, method: str, path: str) -> AlertmanagerError:
        return AlertmanagerError(
            f"Alertmanager at {self.display} answered {method} /api/v2{path} with more than "
            f"{MAX_RESPONSE_BYTES // (1024 * 1024)} MiB; callalert stops reading there",
            url=self.display,
        )

    def _shape(self, method: str, path: str, what: str, data: Any, ok: bool) -> Any:
        """`data` when `ok`; else the reply is not what Alertmanager's v2 API sends."""
        if ok:
            return data
        raise AlertmanagerError(
            f"Alertmanager at {self.display} answered {method} /api/v2{path} with JSON that is not {what} "
            f"(got {kind_of(data)}); is this the URL of an Alertmanager (API v2)?",
            url=self.display,
        )

    # shapes of the replies -----------------------------------------------------------------------
    def _alerts(self, data: Any) -> list[dict[str, Any]]:
        ok = isinstance(data, list) and all(
            isinstance(a, dict)
            and isinstance(a.get("labels"), dict)
            and all(isinstance(v, str) for v in a["labels"].values())
            and isinstance(a.get("status"), dict)
            and isinstance(a["status"].get("state"), str)
            for a in data
        )
        return self._shape("GET", "/alerts", "a list of alerts", data, ok)  # type: ignore[no-any-return]

    def _silence_ok(self, s: Any) -> bool:
        if not (
            isinstance(s, dict)
            and isinstance(s.get("id"), str)
            and isinstance(s.get("matchers"), list)
            and all(
                isinstance(m, dict) and isinstance(m.get("name"), str) and isinstance(m.get("value"), str) for m in s["matchers"]
            )
            and isinstance(s.get("status"), dict)
            and isinstance(s["status"].get("state"), str)
            and isinstance(s.get("comment", ""), str)
            and isinstance(s.get("createdBy", ""), str)
        ):
            return False
        try:
            parse_rfc3339(str(s.get("startsAt")))
            parse_rfc3339(str(s.get("endsAt")))
        except ValueError:
            return False
        return True

    def _silences(self, data: Any) -> list[dict[str, Any]]:
        ok = isinstance(data, list) and all(self._silence_ok(s) for s in data)
        return self._shape("GET", "/silences", "a list of silences", data, ok)  # type: ignore[no-any-return]

    def _silence_id(self, data: Any) -> str:
        ok = isinstance(data, dict) and isinstance(data.get("silenceID"), str) and bool(data["silenceID"])
        return str(self._shape("POST", "/silences", "an object with a silenceID", data, ok)["silenceID"])

    def _object(self, method: str, path: str, data: Any) -> dict[str, Any]:
        return self._shape(method, path, "an object", data, isinstance(data, dict))  # type: ignore[no-any-return]


class AlertmanagerClient(_Base):
    """Blocking client; use as a context manager or call close(). `deadline` bounds the time all
    its requests together may take (the CLI's commands: NETWORK_DEADLINE)."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        deadline: float | None = None,
    ) -> None:
        import httpx

        super().__init__(url, timeout, headers, deadline)
        self._client = httpx.Client(timeout=timeout, headers=self.headers, transport=transport)

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        total, read_timeout = self._budget(method, path)
        give_up = time.monotonic() + total
        body = bytearray()
        try:
            with self._client.stream(method, self._api(path), timeout=read_timeout, **kwargs) as response:
                for chunk in response.iter_bytes():
                    body += chunk
                    if time.monotonic() > give_up:
                        raise self._too_slow(method, path, total)
                    if len(body) > MAX_RESPONSE_BYTES:
                        raise self._too_big(method, path)
                status, reason = response.status_code, response.reason_phrase
                content_type = response.headers.get("content-type", "")
        except httpx.HTTPError as exc:
            raise self._transport_error(method, path, exc, read_timeout) from exc
        except httpx.InvalidURL as exc:
            raise UsageError(f"--alertmanager-url {shown(self.display)}: not a valid URL ({exc})") from None
        if time.monotonic() > give_up:
            raise self._too_slow(method, path, total)
        return self._check(method, path, status, reason, content_type, bytes(body))

    def status(self) -> dict[str, Any]:
        return self._object("GET", "/status", self._request("GET", "/status"))

    def post_alerts(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        self._request("POST", "/alerts", json=list(alerts))

    def get_alerts(
        self,
        matchers: Iterable[MatcherLike] = (),
        *,
        active: bool = True,
        silenced: bool = True,
        inhibited: bool = True,
        unprocessed: bool = True,
        receiver: str | None = None,
    ) -> list[dict[str, Any]]:
        params = alerts_params(matchers, active, silenced, inhibited, unprocessed, receiver)
        return self._alerts(self._request("GET", "/alerts", params=params))

    def list_silences(self, matchers: Iterable[MatcherLike] = ()) -> list[dict[str, Any]]:
        return self._silences(self._request("GET", "/silences", params=[("filter", str(to_matcher(m))) for m in matchers]))

    def get_silence(self, silence_id: str) -> dict[str, Any]:
        return self._object("GET", "/silence", self._request("GET", f"/silence/{silence_id}"))

    def create_silence(
        self,
        matchers: Iterable[MatcherLike],
        starts_at: datetime | str,
        ends_at: datetime | str,
        created_by: str,
        comment: str,
        id: str | None = None,
    ) -> str:
        """Create (or, with `id`, update) a silence; returns its id (Alertmanager gives an update a new id)."""
        body = silence_body(matchers, starts_at, ends_at, created_by, comment, id)
        return self._silence_id(self._request("POST", "/silences", json=body))

    def expire_silence(self, silence_id: str) -> None:
        self._request("DELETE", f"/silence/{silence_id}")

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> AlertmanagerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncAlertmanagerClient(_Base):
    """Async twin of AlertmanagerClient; use `async with` or `await aclose()`. Each request may
    take at most NETWORK_DEADLINE seconds in all (or what is left of `deadline`)."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        deadline: float | None = None,
    ) -> None:
        import httpx

        super().__init__(url, timeout, headers, deadline)
        self._client = httpx.AsyncClient(timeout=timeout, headers=self.headers, transport=transport)

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        total, read_timeout = self._budget(method, path)
        give_up = time.monotonic() + total
        body = bytearray()
        try:
            async with self._client.stream(method, self._api(path), timeout=read_timeout, **kwargs) as response:
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if time.monotonic() > give_up:
                        raise self._too_slow(method, path, total)
                    if len(body) > MAX_RESPONSE_BYTES:
                        raise self._too_big(method, path)
                status, reason = response.status_code, response.reason_phrase
                content_type = response.headers.get("content-type", "")
        except httpx.HTTPError as exc:
            raise self._transport_error(method, path, exc, read_timeout) from exc
        except httpx.InvalidURL as exc:
            raise UsageError(f"--alertmanager-url {shown(self.display)}: not a valid URL ({exc})") from None
        if time.monotonic() > give_up:
            raise self._too_slow(method, path, total)
        return self._check(method, path, status, reason, content_type, bytes(body))

    async def status(self) -> dict[str, Any]:
        return self._object("GET", "/status", await self._request("GET", "/status"))

    async def post_alerts(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        await self._request("POST", "/alerts", json=list(alerts))

    async def get_alerts(
        self,
        matchers: Iterable[MatcherLike] = (),
        *,
        active: bool = True,
        silenced: bool = True,
        inhibited: bool = True,
        unprocessed: bool = True,
        receiver: str | None = None,
    ) -> list[dict[str, Any]]:
        params = alerts_params(matchers, active, silenced, inhibited, unprocessed, receiver)
        return self._alerts(await self._request("GET", "/alerts", params=params))

    async def list_silences(self, matchers: Iterable[MatcherLike] = ()) -> list[dict[str, Any]]:
        return self._silences(await self._request("GET", "/silences", params=[("filter", str(to_matcher(m))) for m in matchers]))

    async def get_silence(self, silence_id: str) -> dict[str, Any]:
        return self._object("GET", "/silence", await self._request("GET", f"/silence/{silence_id}"))

    async def create_silence(
        self,
        matchers: Iterable[MatcherLike],
        starts_at: datetime | str,
        ends_at: datetime | str,
        created_by: str,
        comment: str,
        id: str | None = None,
    ) -> str:
        body = silence_body(matchers, starts_at, ends_at, created_by, comment, id)
        return self._silence_id(await self._request("POST", "/silences", json=body))

    async def expire_silence(self, silence_id: str) -> None:
        await self._request("DELETE", f"/silence/{silence_id}")

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> AsyncAlertmanagerClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
