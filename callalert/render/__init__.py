"""Renderers: pure functions from the model to {relative path: text}.

Each output target is a module (prometheus + alertmanager + templates for the default target,
kubernetes, mimir, thanos); runbooks, the promtool tests and silences.json belong to no target
and are written with any of them (docs/targets.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from callalert.model import KubernetesTarget, MimirTarget, Model, PrometheusTarget, Target, ThanosTarget
from callalert.render import (
    alerting,
    alertmanager,
    kubernetes,
    mimir,
    prometheus,
    promtool_tests,
    runbooks,
    silences,
    templates,
    thanos,
)
from callalert.render.context import RenderContext


def _prometheus(model: Model, ctx: RenderContext, target: PrometheusTarget) -> dict[str, str]:
    files = prometheus.render(model)
    files.update(alertmanager.render(model, ctx))
    files.update(templates.render(model))
    if target.alerting is not None:
        files.update(alerting.render(model, ctx, target))
    return files


RENDERERS: dict[str, Callable[[Model, RenderContext, Any], dict[str, str]]] = {
    PrometheusTarget.name: _prometheus,
    KubernetesTarget.name: kubernetes.render,
    MimirTarget.name: mimir.render,
    ThanosTarget.name: thanos.render,
}


def render_all(model: Model, ctx: RenderContext, targets: Sequence[Target] | None = None) -> dict[str, str]:
    """Every output file of `targets` (default: the spec's outputs, else prometheus), by path
    relative to the output directory."""
    chosen = tuple(targets) if targets else (model.outputs or (PrometheusTarget(),))
    files: dict[str, str] = {}
    for target in chosen:
        files.update(RENDERERS[target.name](model, ctx, target))
    files.update(silences.render(model))
    files.update(runbooks.render(model))
    files.update(promtool_tests.render(model))
    ctx.raise_if_failed()
    return dict(sorted(files.items()))


__all__ = ["RenderContext", "render_all"]
