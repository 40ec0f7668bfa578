"""Time as Prometheus and Alertmanager write it: RFC 3339 in UTC with a `Z`.

One formatter and one parser for every place callalert shows or sends a time (silences.json,
the Alertmanager API, plans, lint messages). A time without a zone is taken as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def rfc3339(value: datetime, *, millis: bool = False) -> str:
    """2024-01-15T10:00:00Z (or .000Z with `millis`, as Alertmanager's API writes times)."""
    text = as_utc(value).isoformat(timespec="milliseconds" if millis else "auto")
    return text.replace("+00:00", "Z")


def parse_rfc3339(text: str) -> datetime:
    """An aware UTC datetime; raises ValueError for text that is not an ISO 8601 / RFC 3339 time."""
    return as_utc(datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00")))
