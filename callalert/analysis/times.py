"""Time as Prometheus and Alertmanager write it: RFC 3339 in UTC with a `Z`.

One formatter and one parser for every place callalert shows or sends a time (silences.json,
the Alertmanager API, plans, lint messages). A time without a zone is taken as UTC.
"""

from __future__ import annotations

import re
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


_MODEL_DURATION = re.compile(r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?")
_MODEL_UNITS = (365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001)


def model_duration_seconds(text: str) -> float | None:
    """Seconds of a Prometheus/Alertmanager duration ("1h30m", "0"), or None when it is not one."""
    if text == "0":
        return 0.0
    match = _MODEL_DURATION.fullmatch(text)
    if not text or match is None:
        return None
    return float(sum(int(g) * unit for g, unit in zip(match.groups(), _MODEL_UNITS, strict=True) if g))
