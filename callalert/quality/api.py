"""GET/POST JSON from Prometheus' and Alertmanager's HTTP APIs, each call under one total deadline.

httpx's timeouts bound each phase (connect, every read); `asyncio.timeout` bounds the whole call, so a
server that trickles its answer cannot hold the report longer than `timeout` seconds per call.
Credentials in a URL (`http://user:pass@host`) are sent as basic auth, as httpx does, and never shown:
every message names the server by `redact(url)`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from callalert.errors import EXIT_USAGE, CallalertError, UsageError

if TYPE_CHECKING:
    import httpx

_BODY_LIMIT = 500


class ServerError(CallalertError):
    """A server the report needs is unreachable, refuses us, or answers something unusable (exit 2)."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def check_url(url: str, option: str) -> str:
    """The base URL without a trailing slash; a usage error for anything but http(s)://host[:port][/path]."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        raise UsageError(f"{option}: {redact(url)} is not a URL (e.g. http://127.0.0.1:9090)") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{option}: {redact(url)} is not an http(s) URL (e.g. http://127.0.0.1:9090)")
    if parts.query or parts.fragment:
        raise UsageError(f"{option}: give the server's base URL, without ?query or #fragment")
    return url.rstrip("/")


def redact(url: str) -> str:
    """`url` with any user name and password replaced by `***`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an invalid URL)"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, "***@" + host, parts.path, parts.query, parts.fragment))


def _secrets_of(url: str) -> list[str]:
    parts = urlsplit(url)
    return [s for s in (parts.username, parts.password) if s]


class JsonApi:
    """One server (`what` names it in messages: "Prometheus", "Alertmanager")."""

    def __init__(self, what: str, url: str, timeout: float, transport: httpx.AsyncBaseTransport | None = None) -> None:
        import httpx

        self.what = what
        self.url = url.rstrip("/")
        self.shown = redact(self.url)
        self.timeout = timeout
        self._secrets = _secrets_of(self.url)
        self._client = httpx.AsyncClient(timeout=timeout, transport=transport, follow_redirects=True)

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    async def get(self, path: str, params: Sequence[tuple[str, str]] | Mapping[str, str] = ()) -> Any:
        return await self._call("GET", path, params=list(params.items()) if isinstance(params, Mapping) else list(params))

    async def post_form(self, path: str, data: Mapping[str, str]) -> Any:
        return await self._call("POST", path, data=dict(data))

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        where = f"{self.what} at {self.shown}"
        try:
            async with asyncio.timeout(self.timeout):
                response = await self._client.request(method, self.url + path, **kwargs)
        except TimeoutError:
            raise ServerError(f"{where} did not answer {method} {path} within {self.timeout:g}s (--timeout)") from None
        except httpx.TimeoutException:
            raise ServerError(f"{where} did not answer {method} {path} within {self.timeout:g}s (--timeout)") from None
        except httpx.TransportError as exc:
            reason = self._scrub(str(exc) or type(exc).__name__)
            raise ServerError(f"{where} is unreachable: {reason}") from None
        status = response.status_code
        if status in (401, 403):
            raise ServerError(
                f"{where} refused {method} {path}: HTTP {status} {response.reason_phrase}"
                " (check the credentials: http://user:password@host in the URL)",
                status,
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not response.is_success:
            detail = self._detail(body) or self._scrub(response.text.strip()[:_BODY_LIMIT]) or "(empty body)"
            hint = f" (is this the base URL of {self.what}?)" if status == 404 else ""
            raise ServerError(
                f"{where} answered {method} {path} with HTTP {status} {response.reason_phrase}: {detail}{hint}", status
            )
        if body is None and response.content:
            raise ServerError(
                f"{where} answered {method} {path} with something that is not JSON (is this the URL of {self.what}?)"
            )
        if isinstance(body, dict) and body.get("status") == "error":
            raise ServerError(f"{where} could not answer {method} {path}: {self._detail(body)}")
        return body

    def _detail(self, body: Any) -> str:
        if isinstance(body, dict) and body.get("error"):
            kind = f"{body['errorType']}: " if body.get("errorType") else ""
            return self._scrub(f"{kind}{body['error']}")
        return ""

    async def aclose(self) -> None:
        await self._client.aclose()
