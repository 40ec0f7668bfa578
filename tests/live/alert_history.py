"""A known alert history, written as Prometheus itself writes it (ALERTS and ALERTS_FOR_STATE, one sample
per rule evaluation), loaded into a TSDB with `promtool tsdb create-blocks-from openmetrics`.

An `Activation` is one instance becoming active at `at`: `pending` seconds pending, then `firing` seconds
firing (0: it never fired). Every sample falls on the evaluation grid (multiples of `interval` after the
origin), as a rule group's evaluations do, so the figures a report must find follow exactly.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

MINUTE = 60
HOUR = 3600
DAY = 86400


@dataclass(frozen=True)
class Activation:
    alertname: str
    at: int  # seconds after the origin (may be negative: before it)
    pending: int
    firing: int
    labels: Mapping[str, str] = field(default_factory=dict)
    interval: int | None = None  # its rule group's evaluation interval, when not the history's


def _series(name: str, labels: Mapping[str, str]) -> str:
    pairs = sorted(labels.items())
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in pairs) + "}"


def samples(activations: Iterable[Activation], origin: int, interval: int) -> dict[str, dict[str, list[tuple[int, int]]]]:
    """{metric: {series: [(unix seconds, value), ...]}}, checked: no two activations of one instance overlap."""
    out: dict[str, dict[str, list[tuple[int, int]]]] = {"ALERTS": {}, "ALERTS_FOR_STATE": {}}
    busy: dict[str, list[tuple[int, int]]] = {}
    for a in activations:
        every = a.interval or interval
        assert a.pending % every == 0 and a.firing % every == 0 and a.at % every == 0, a
        labels = {"alertname": a.alertname, **a.labels}
        instance = _series("", labels)
        start, end = origin + a.at, origin + a.at + a.pending + a.firing
        for other in busy.get(instance, []):
            assert end <= other[0] or start >= other[1], f"overlapping activations of {instance}"
        busy.setdefault(instance, []).append((start, end))
        for k in range(a.pending // every):
            t = start + k * every
            out["ALERTS"].setdefault(_series("ALERTS", {**labels, "alertstate": "pending"}), []).append((t, 1))
            out["ALERTS_FOR_STATE"].setdefault(_series("ALERTS_FOR_STATE", labels), []).append((t, start))
        for k in range(a.firing // every):
            t = start + a.pending + k * every
            out["ALERTS"].setdefault(_series("ALERTS", {**labels, "alertstate": "firing"}), []).append((t, 1))
            out["ALERTS_FOR_STATE"].setdefault(_series("ALERTS_FOR_STATE", labels), []).append((t, start))
    return out


@dataclass(frozen=True)
class Counter:
    """A counter scraped every `every` seconds from `start` to `end` (after the origin), growing by `increments`
    ({seconds after the origin: amount}) — what Prometheus holds of Alertmanager's notification counters."""

    name: str
    labels: Mapping[str, str]
    start: int
    end: int
    every: int
    increments: Mapping[int, int]

    def samples(self, origin: int) -> list[tuple[int, int]]:
        out, value = [], 0
        for t in range(self.start, self.end + 1, self.every):
            value += sum(n for at, n in self.increments.items() if t - self.every < at <= t)
            out.append((origin + t, value))
        return out


def openmetrics(activations: Sequence[Activation], origin: int, interval: int, counters: Sequence[Counter] = ()) -> str:
    lines: list[str] = []
    families = samples(activations, origin, interval)
    for counter in counters:
        families.setdefault(counter.name, {})[_series(counter.name, counter.labels)] = counter.samples(origin)
    for metric, series in families.items():
        lines.append(f"# HELP {metric} Written by the callalert tests as Prometheus' rule evaluation writes it.")
        lines.append(f"# TYPE {metric} gauge")
        for name in sorted(series):
            lines.extend(f"{name} {int(value)} {t}" for t, value in sorted(series[name]))
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def backfill(promtool: str, text: str, data_dir: Path) -> None:
    """Blocks for `text` in `data_dir` (Prometheus' --storage.tsdb.path)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    source = data_dir.parent / "history.om"
    source.write_text(text)
    # week-long blocks: 2 blocks instead of 86 two-hour ones for a week of counters (0.4 s instead of 9 s)
    command = [promtool, "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=168h", str(source), str(data_dir)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, f"promtool backfill failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
