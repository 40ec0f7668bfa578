"""Alertmanager 0.25 time intervals: which entries it refuses to load (with its messages) and
whether an instant falls inside one (timeinterval.ContainsTime). amtool 0.25 does not evaluate
them; tests/live/test_time_intervals.py checks the answers against a running Alertmanager.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callalert.analysis.alertmanager.matchers import go_yaml_string
from callalert.analysis.alertmanager.routing import RoutingError, str_list

_WEEKDAYS = {d: i for i, d in enumerate(["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"])}
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
    )
}
_TIME_RE = re.compile(r"(([01][0-9]|2[0-3]):[0-5][0-9])|(24:00)")


class TimeIntervalError(RoutingError):
    """Alertmanager's refusal, with where it applies: `key` inside the entry (("weekdays", 0)),
    `offset` of the bad word inside that string value, and a `fix` where one is obvious."""

    def __init__(
        self,
        message: str,
        *,
        key: tuple[str | int, ...] = (),
        offset: int | None = None,
        fix: str | None = None,
        suggestion: str = "",
    ) -> None:
        super().__init__(message)
        self.key = key
        self.offset = offset
        self.fix = fix
        self.suggestion = suggestion  # "; did you mean 'friday'?"


def _field(where: str) -> tuple[str | int, ...]:
    """'time interval.times[0].start_time' -> ('times', 0, 'start_time'): the part after the entry."""
    tail = where.split(".", 1)[1] if "." in where else ""
    out: list[str | int] = []
    for name, index in re.findall(r"([a-z_]+)|\[(\d+)\]", tail):
        out.append(int(index) if index else name)
    return tuple(out)


def _ranges(values: Any, where: str, parse_one: Callable[[str, str], int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for i, raw in enumerate(str_list(values, where)):
        item = f"{where}[{i}]"
        parts = raw.split(":")
        if len(parts) > 2:
            raise TimeIntervalError(f"{where}: invalid range {raw!r}", key=_field(item))
        try:
            begin = parse_one(parts[0].strip(), where)
        except TimeIntervalError as exc:
            exc.key, exc.offset = _field(item), raw.index(parts[0].strip()) if parts[0].strip() else 0
            raise
        try:
            end = parse_one(parts[-1].strip(), where)
        except TimeIntervalError as exc:
            exc.key, exc.offset = _field(item), len(parts[0]) + 1 + (len(parts[-1]) - len(parts[-1].lstrip()))
            raise
        out.append((begin, end))
    return out


def _suggest(text: str, names: Sequence[str]) -> str:
    import difflib

    found = difflib.get_close_matches(text.lower(), names, n=1, cutoff=0.6)
    return f"; did you mean {found[0]!r}?" if found else ""


def _weekday(text: str, where: str) -> int:
    try:
        return _WEEKDAYS[text.lower()]
    except KeyError:
        raise TimeIntervalError(
            f"{where}: {text!r} is not a valid weekday",
            suggestion=_suggest(text, list(_WEEKDAYS)),
            fix="weekdays are sunday … saturday, or a range like monday:friday",
        ) from None


def _month(text: str, where: str) -> int:
    if text.lower() in _MONTHS:
        return _MONTHS[text.lower()]
    if text.lstrip("-").isdigit() and 1 <= int(text) <= 12:
        return int(text)
    raise TimeIntervalError(
        f"{where}: {text!r} is not a valid month",
        suggestion=_suggest(text, list(_MONTHS)),
        fix="months are january … december or 1 … 12, or a range like march:may",
    )


_GO_INT = re.compile(r"[+-]?[0-9]+")


def _int(text: str, where: str) -> int:
    # Go's strconv.Atoi: ASCII digits and a sign, within int64
    if not _GO_INT.fullmatch(text):
        raise TimeIntervalError(f"{where}: {text[:80]!r} is not an integer")
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise TimeIntervalError(f'{where}: strconv.Atoi: parsing "{text[:80]}": value out of range')
    return value


def _minutes(text: str, where: str) -> int:
    if not _TIME_RE.fullmatch(text):
        raise TimeIntervalError(
            f"{where}: couldn't parse timestamp {text}, invalid format",
            key=_field(where),
            fix="times are 24-hour HH:MM between 00:00 and 24:00, e.g. start_time: '09:00' (quoted)",
        )
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _location(name: Any, where: str) -> tzinfo:
    if name is None or name in ("", "UTC"):
        return UTC
    if name == "Local":
        local = datetime.now().astimezone().tzinfo
        return local if local is not None else UTC
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise TimeIntervalError(f"{where}.location: unknown time zone {name}") from None


def _days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def validate_time_interval(spec: Mapping[str, Any], where: str = "time_interval") -> None:
    """Raise TimeIntervalError where Alertmanager 0.25 refuses to load the entry (its messages).

    Checked eagerly and for every field, so an error is found even where evaluation at some
    instant would stop early (e.g. weekdays never looked at because `times` did not match)."""
    for j, span in enumerate(spec.get("times") or []):
        start = _minutes(go_yaml_string(span.get("start_time", "")), f"{where}.times[{j}].start_time")
        end = _minutes(go_yaml_string(span.get("end_time", "")), f"{where}.times[{j}].end_time")
        if start >= end:
            raise TimeIntervalError(f"{where}.times[{j}]: start time cannot be equal or greater than end time")
    for begin, end in _ranges(spec.get("weekdays"), f"{where}.weekdays", _weekday):
        if begin > end:
            raise TimeIntervalError(f"{where}.weekdays: start day cannot be before end day (weeks start on sunday)")
    for begin, end in _ranges(spec.get("days_of_month"), f"{where}.days_of_month", _int):
        for day in (begin, end):
            if day == 0 or not -31 <= day <= 31:
                raise TimeIntervalError(f"{where}.days_of_month: {day} is not a valid day of the month: out of range")
        if begin < 0 < end:
            raise TimeIntervalError(f"{where}.days_of_month: end day must be negative if start day is negative")
        # as Alertmanager: catch ranges that are empty in every month (28-day minimum)
        check_begin = 28 + begin if begin < 0 else begin
        check_end = 28 + end if end < 0 else end
        if check_begin > check_end:
            raise TimeIntervalError(f"{where}.days_of_month: end day {end} is always before start day {begin}")
    for begin, end in _ranges(spec.get("months"), f"{where}.months", _month):
        if begin > end:
            raise TimeIntervalError(f"{where}.months: end month is before start month")
    for begin, end in _ranges(spec.get("years"), f"{where}.years", _int):
        if begin > end:
            raise TimeIntervalError(f"{where}.years: end year {end} is before start year {begin}")
    _location(spec.get("location"), where)


def _one_interval_active(spec: Mapping[str, Any], at: datetime, where: str) -> bool:
    validate_time_interval(spec, where)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    # Without a location Alertmanager compares in UTC (the server clock converted to UTC).
    at = at.astimezone(_location(spec.get("location"), where))
    times = spec.get("times") or []
    if times:
        minute = at.hour * 60 + at.minute
        ok = False
        for j, span in enumerate(times):
            start = _minutes(go_yaml_string(span.get("start_time", "")), f"{where}.times[{j}].start_time")
            end = _minutes(go_yaml_string(span.get("end_time", "")), f"{where}.times[{j}].end_time")
            if start >= end:
                raise TimeIntervalError(f"{where}.times[{j}]: start time cannot be equal or greater than end time")
            if start <= minute < end:
                ok = True
                break
        if not ok:
            return False
    days = _ranges(spec.get("days_of_month"), f"{where}.days_of_month", _int)
    if days:
        in_month = _days_in_month(at.year, at.month)
        ok = False
        for begin, end in days:
            if begin == 0 or end == 0 or not -31 <= begin <= 31 or not -31 <= end <= 31:
                raise TimeIntervalError(f"{where}.days_of_month: {begin}:{end} is not a valid day of month range")
            b = in_month + begin + 1 if begin < 0 else begin
            e = in_month + end + 1 if end < 0 else end
            if b > in_month:  # days that do not exist this month
                continue
            b = max(-in_month, min(b, in_month))
            e = max(-in_month, min(e, in_month))
            if b <= at.day <= e:
                ok = True
                break
        if not ok:
            return False
    for key, value, parse in (
        ("weekdays", (at.isoweekday() % 7), _weekday),
        ("months", at.month, _month),
        ("years", at.year, _int),
    ):
        spans = _ranges(spec.get(key), f"{where}.{key}", parse)
        if spans and not any(begin <= value <= end for begin, end in spans):
            return False
    return True


def interval_active(time_intervals: Sequence[Mapping[str, Any]], at: datetime, where: str = "time_intervals") -> bool:
    """Any of the entries contains `at` (the list under one named time interval)."""
    return any(_one_interval_active(spec, at, f"{where}[{i}]") for i, spec in enumerate(time_intervals))


# --- what a time interval covers, decided exactly over the calendar ------------------------------
#
# Whether an entry is active on a day depends on the weekday, the day of the month, the month, the
# number of days in that month (negative days_of_month) and the year. Every combination of the
# first four occurs in every 400-year Gregorian cycle, again and again, so an entry without
# `years` is active on some future day exactly when some combination satisfies it, and a set of
# entries covers every instant exactly when, for every combination, the time ranges of the entries
# active that day cover the whole day. Times are local clock times: covering every local minute
# covers every instant, whatever the location's DST does.

_FULL_DAY = (0, 1440)


def _month_lengths(month: int) -> tuple[int, ...]:
    return (28, 29) if month == 2 else (30,) if month in (4, 6, 9, 11) else (31,)


def _day_predicate(spec: Mapping[str, Any], where: str) -> Callable[[int, int, int, int], bool]:
    """(weekday 0=sunday, day of month, month, days in that month) -> whether the entry's date fields match."""
    weekdays = _ranges(spec.get("weekdays"), f"{where}.weekdays", _weekday)
    days = _ranges(spec.get("days_of_month"), f"{where}.days_of_month", _int)
    months = _ranges(spec.get("months"), f"{where}.months", _month)

    def matches(weekday: int, day: int, month: int, in_month: int) -> bool:
        if weekdays and not any(b <= weekday <= e for b, e in weekdays):
            return False
        if months and not any(b <= month <= e for b, e in months):
            return False
        if days:
            ok = False
            for begin, end in days:
                b = in_month + begin + 1 if begin < 0 else begin
                e = in_month + end + 1 if end < 0 else end
                if b > in_month:
                    continue
                b = max(-in_month, min(b, in_month))
                e = max(-in_month, min(e, in_month))
                if b <= day <= e:
                    ok = True
                    break
            if not ok:
                return False
        return True

    return matches


def _times(spec: Mapping[str, Any], where: str) -> list[tuple[int, int]]:
    spans = []
    for j, span in enumerate(spec.get("times") or []):
        start = _minutes(go_yaml_string(span.get("start_time", "")), f"{where}.times[{j}].start_time")
        end = _minutes(go_yaml_string(span.get("end_time", "")), f"{where}.times[{j}].end_time")
        spans.append((start, end))
    return spans or [_FULL_DAY]


def _covers_day(spans: list[tuple[int, int]]) -> bool:
    reached = 0
    for start, end in sorted(spans):
        if start > reached:
            return False
        reached = max(reached, end)
    return reached >= 1440


def always_active(time_intervals: Sequence[Mapping[str, Any]]) -> bool:
    """True when the entries (one named time interval, or several together) contain every instant.
    Entries limited to some `years` are left out: they end, so they cannot make it always (a
    False answer is then "not proved", never "proved not")."""
    entries = []
    for i, spec in enumerate(time_intervals):
        validate_time_interval(spec, f"time_intervals[{i}]")
        if spec.get("years"):
            continue
        entries.append((_day_predicate(spec, f"time_intervals[{i}]"), _times(spec, f"time_intervals[{i}]")))
    if not entries:
        return False
    for month in range(1, 13):
        for in_month in _month_lengths(month):
            for day in range(1, in_month + 1):
                for weekday in range(7):
                    spans = [span for matches, times in entries if matches(weekday, day, month, in_month) for span in times]
                    if not _covers_day(spans):
                        return False
    return True


def next_active_day(time_intervals: Sequence[Mapping[str, Any]], now: datetime) -> bool | None:
    """Whether any entry can be active at or after `now`: True, False (proved never again), or
    None (an entry limited to years too far ahead to check day by day)."""
    undecided = False
    for i, spec in enumerate(time_intervals):
        where = f"time_intervals[{i}]"
        validate_time_interval(spec, where)
        matches = _day_predicate(spec, where)
        years = _ranges(spec.get("years"), f"{where}.years", _int)
        if not years:
            if any(
                matches(weekday, day, month, in_month)
                for month in range(1, 13)
                for in_month in _month_lengths(month)
                for day in range(1, in_month + 1)
                for weekday in range(7)
            ):
                return True
            continue
        local = now.astimezone(_location(spec.get("location"), where))
        last = max(end for _, end in years)
        if last < local.year:
            continue
        if last > local.year + 4:
            undecided = True
            continue
        latest_end = max(end for _, end in _times(spec, where))
        day = local.date()
        while day.year <= last:
            in_year = any(b <= day.year <= e for b, e in years)
            weekday = day.isoweekday() % 7
            if (
                in_year
                and matches(weekday, day.day, day.month, _days_in_month(day.year, day.month))
                and (day != local.date() or local.hour * 60 + local.minute < latest_end)
            ):
                return True
            day = day.fromordinal(day.toordinal() + 1)
    return None if undecided else False
