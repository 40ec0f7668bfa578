"""`callalert report`: how well the spec's alerts work, from what the real Prometheus (and Alertmanager)
recorded: firings, firing and pending time, flapping, noise, pages, silences, failed notifications, and
a ranked list of what to fix first.

collect.py  every HTTP request (api.py: one deadline per call, credentials never shown)
history.py  ALERTS / ALERTS_FOR_STATE on a grid -> spans and episodes per alert instance
analyze.py  figures per alert and the findings, from the history and the spec's routing (pure)
output.py   JSON, Markdown and the terminal table; html.py: one self-contained HTML file with SVG timelines
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from callalert.pipeline import Valid
from callalert.quality.analyze import DEFAULT_FLAP_THRESHOLD, Report, analyze
from callalert.quality.api import JsonApi
from callalert.quality.collect import Observed, collect


async def _observe(
    valid: Valid,
    prometheus_url: str,
    alertmanager_url: str | None,
    start: int,
    end: int,
    timeout: float,
    progress: Callable[[str], None] | None,
) -> Observed:
    prom = JsonApi("Prometheus", prometheus_url, timeout)
    am = JsonApi("Alertmanager", alertmanager_url, timeout) if alertmanager_url else None
    try:
        return await collect(prom, am, valid.model, start, end, progress)
    finally:
        await prom.aclose()
        if am is not None:
            await am.aclose()


def build_report(
    valid: Valid,
    *,
    spec_name: str,
    prometheus_url: str,
    alertmanager_url: str | None,
    start: int,
    end: int,
    timeout: float,
    flap_threshold: int = DEFAULT_FLAP_THRESHOLD,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """`start`/`end` in unix milliseconds."""
    from callalert.render import RenderContext
    from callalert.render.alertmanager import config_data

    observed = asyncio.run(_observe(valid, prometheus_url, alertmanager_url, start, end, timeout, progress))
    ctx = RenderContext(secrets="ref")
    config = config_data(valid.model, ctx)
    return analyze(observed, valid.model, valid.merged, config, spec_name=spec_name, flap_threshold=flap_threshold)


__all__ = ["Report", "build_report"]
