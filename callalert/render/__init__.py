"""Renderers: pure functions from the resolved model to {relative path: text}."""

from __future__ import annotations

from callalert.render.context import RenderContext, RenderFailed, render_all

__all__ = ["RenderContext", "RenderFailed", "render_all"]
