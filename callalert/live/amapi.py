"""A small Alertmanager v2 API client (sync for the CLI, async for the service).

httpx is imported inside the clients, so importing this module costs nothing on the CLI's fast path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from callalert.analysis.alertmanager.matchers import MatcherError, MatcherFormatError, Op, format_matcher, parse_matcher
from callalert.analysis.times import rfc3339
from callalert.errors import CallalertError

if TYPE_CHECKING:
    import httpx

DEFAULT_TIMEOUT = 5.0
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


class _Base:
    def __init__(self, url: str, timeout: float, headers: Mapping[str, str] | None) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.headers = dict(headers or {})

    def _api(self, path: str) -> str:
        return f"{self.url}/api/v2{path}"

    def _transport_error(self, method: str, path: str, exc: Exception) -> AlertmanagerError:
        import httpx

        if isinstance(exc, httpx.TimeoutException):
            return AlertmanagerError(
                f"Alertmanager at {self.url} did not answer {method} /api/v2{path} within {self.timeout:g}s", url=self.url
            )
        return AlertmanagerError(f"Alertmanager at {self.url} is unreachable: {exc or type(exc).__name__}", url=self.url)

    def _check(self, method: str, path: str, response: httpx.Response) -> Any:
        if response.is_success:
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                return response.text
        body = response.text.strip()
        shown = body if len(body) <= _BODY_LIMIT else body[:_BODY_LIMIT] + f"... ({len(body) - _BODY_LIMIT} more characters)"
        raise AlertmanagerError(
            f"Alertmanager at {self.url} answered {method} /api/v2{path} with HTTP {response.status_code}"
            f" {response.reason_phrase}: {shown or '(empty body)'}",
            url=self.url,
            status=response.status_code,
            body=body,
        )


class AlertmanagerClient(_Base):
    """Blocking client; use as a context manager or call close()."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        import httpx

        super().__init__(url, timeout, headers)
        self._client = httpx.Client(timeout=timeout, headers=self.headers, transport=transport)

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        try:
            response = self._client.request(method, self._api(path), **kwargs)
        except httpx.TransportError as exc:
            raise self._transport_error(method, path, exc) from exc
        return self._check(method, path, response)

    def status(self) -> dict[str, Any]:
        return dict(self._request("GET", "/status"))

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
        return list(self._request("GET", "/alerts", params=params))

    def list_silences(self, matchers: Iterable[MatcherLike] = ()) -> list[dict[str, Any]]:
        return list(self._request("GET", "/silences", params=[("filter", str(to_matcher(m))) for m in matchers]))

    def get_silence(self, silence_id: str) -> dict[str, Any]:
        return dict(self._request("GET", f"/silence/{silence_id}"))

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
        return str(self._request("POST", "/silences", json=body)["silenceID"])

    def expire_silence(self, silence_id: str) -> None:
        self._request("DELETE", f"/silence/{silence_id}")

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> AlertmanagerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncAlertmanagerClient(_Base):
    """Async twin of AlertmanagerClient; use `async with` or `await aclose()`."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        import httpx

        super().__init__(url, timeout, headers)
        self._client = httpx.AsyncClient(timeout=timeout, headers=self.headers, transport=transport)

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        try:
            response = await self._client.request(method, self._api(path), **kwargs)
        except httpx.TransportError as exc:
            raise self._transport_error(method, path, exc) from exc
        return self._check(method, path, response)

    async def status(self) -> dict[str, Any]:
        return dict(await self._request("GET", "/status"))

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
        return list(await self._request("GET", "/alerts", params=params))

    async def list_silences(self, matchers: Iterable[MatcherLike] = ()) -> list[dict[str, Any]]:
        return list(await self._request("GET", "/silences", params=[("filter", str(to_matcher(m))) for m in matchers]))

    async def get_silence(self, silence_id: str) -> dict[str, Any]:
        return dict(await self._request("GET", f"/silence/{silence_id}"))

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
        return str((await self._request("POST", "/silences", json=body))["silenceID"])

    async def expire_silence(self, silence_id: str) -> None:
        await self._request("DELETE", f"/silence/{silence_id}")

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> AsyncAlertmanagerClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
