"""What each alert instance did over the range, from `ALERTS` and `ALERTS_FOR_STATE` as Prometheus
returned them on a grid: firing and pending spans, episodes, pending time before firing, and the
gaps between one firing and the next.

A grid point t reads the window (t - step, t]: the one rule evaluation inside it saw the alert pending
or firing (collect.py queries `last_over_time(ALERTS[window])` so that every window holds exactly one
evaluation). An evaluation's verdict holds until the next one, so point t stands for [t, t + step)
and a run of points i..j for the span [t_i, t_j + step): an alert seen firing at k evaluations was
firing for k * step. When evaluations fall on the grid (backfilled data does) the spans are exact;
otherwise they are late by less than one step.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median

from callalert.quality.spans import Span

LabelSet = tuple[tuple[str, str], ...]
# Labels of ALERTS that are not the alert's own: the metric name and the state.
SERIES_ONLY = frozenset({"__name__", "alertstate"})


def label_set(metric: Mapping[str, str]) -> LabelSet:
    return tuple(sorted((k, v) for k, v in metric.items() if k not in SERIES_ONLY))


@dataclass(frozen=True)
class Grid:
    """Points start + i * step for i = 0..n-1, standing for the range [start, start + n * step)."""

    start: int  # ms
    step: int  # ms
    n: int

    @property
    def end(self) -> int:
        return self.start + self.n * self.step

    def index(self, seconds: float) -> int:
        return round((seconds * 1000 - self.start) / self.step)

    def time(self, index: int) -> int:
        return self.start + index * self.step


def runs(indices: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive runs of sorted unique indices, as (first, last)."""
    out: list[tuple[int, int]] = []
    for i in sorted(set(indices)):
        if out and i == out[-1][1] + 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def spans_of(indices: Iterable[int], grid: Grid) -> list[Span]:
    return [(grid.time(first), grid.time(last) + grid.step) for first, last in runs(indices)]


@dataclass(frozen=True)
class Episode:
    """One firing of one instance: [start, end) in ms; pending before it (None: unknown)."""

    start: int
    end: int
    pending: int | None
    open_start: bool  # already firing when the range began
    open_end: bool  # still firing when the range ended

    @property
    def duration(self) -> int:
        return self.end - self.start


@dataclass
class Instance:
    """One alert instance (one label set of one rule) over the range."""

    alertname: str
    labels: LabelSet
    grid: Grid
    firing_points: set[int] = field(default_factory=set)
    pending_points: set[int] = field(default_factory=set)
    active_at: dict[int, float] = field(default_factory=dict)  # point index -> ALERTS_FOR_STATE (unix seconds)

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)

    @property
    def firing(self) -> list[Span]:
        return spans_of(self.firing_points, self.grid)

    @property
    def pending(self) -> list[Span]:
        # a coarse grid may see both states in one window: firing wins
        return spans_of(self.pending_points - self.firing_points, self.grid)

    def episodes(self) -> list[Episode]:
        grid = self.grid
        pending_before = {end: (start, end) for start, end in self.pending}
        out: list[Episode] = []
        for (first, last), (start, end) in zip(runs(self.firing_points), self.firing, strict=True):
            open_start = first == 0
            span = pending_before.get(start)
            active = self.active_at.get(first)
            pending: int | None
            if open_start and span is None:
                pending = None  # firing since before the range: its pending time is not in it
            elif span is not None and span[0] > grid.start:
                pending = span[1] - span[0]
            elif active is not None:
                # pending since before the range (or hidden by a coarse step): ALERTS_FOR_STATE holds
                # when the alert became active, in whole seconds; the point whose window holds it
                pending = max(0, start - _window_end(active * 1000, grid))
            elif span is not None:
                pending = span[1] - span[0]  # at least this long
            else:
                pending = 0  # no `for`, or it fired at its first evaluation
            out.append(Episode(start, end, pending, open_start, last == grid.n - 1))
        return out


def _window_end(ms: float, grid: Grid) -> int:
    """The grid point whose window (t - step, t] holds the time `ms`."""
    return grid.start + math.ceil((ms - grid.start) / grid.step) * grid.step


def gaps(episodes: Sequence[Episode]) -> list[int]:
    """Time between each resolve and the next firing of the same instance."""
    return [b.start - a.end for a, b in itertools.pairwise(episodes)]


def median_int(values: Sequence[int]) -> int | None:
    return int(median(values)) if values else None
