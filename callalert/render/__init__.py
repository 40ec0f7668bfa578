"""Renderers: pure functions from the model to {relative path: text}."""

from __future__ import annotations

from callalert.model import Model
from callalert.render import alertmanager, prometheus, promtool_tests, runbooks, silences, templates
from callalert.render.context import RenderContext


def render_all(model: Model, ctx: RenderContext) -> dict[str, str]:
    """Every output file, by path relative to the output directory."""
    files: dict[str, str] = {}
    files.update(prometheus.render(model))
    files.update(alertmanager.render(model, ctx))
    files.update(silences.render(model))
    files.update(templates.render(model))
    files.update(runbooks.render(model))
    files.update(promtool_tests.render(model))
    return dict(sorted(files.items()))


__all__ = ["RenderContext", "render_all"]
