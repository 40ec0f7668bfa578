"""The typed hand-offs every command uses: spec paths → `Validated` → `Rendered`.

Both raise `ProblemsFound` (exit 1, every problem positioned) instead of returning something
half valid, so a command cannot render or check a spec with errors by accident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from callalert.diagnostics import Problem
from callalert.errors import ProblemsFound
from callalert.model import Model
from callalert.render import RenderContext, render_all
from callalert.render.context import SecretMode
from callalert.spec.load import Merged
from callalert.validate import validate


@dataclass(frozen=True)
class Valid:
    """A spec that validated without errors: its model, where its parts came from, and its warnings."""

    model: Model
    merged: Merged
    warnings: list[Problem]


@dataclass(frozen=True)
class Rendered:
    valid: Valid
    files: dict[str, str]
    ctx: RenderContext

    @property
    def model(self) -> Model:
        return self.valid.model

    @property
    def warnings(self) -> list[Problem]:
        return self.valid.warnings


def load_valid(paths: Sequence[Path], overlays: Sequence[Path] = (), note: str = "") -> Valid:
    validated = validate(paths, overlays=overlays)
    if not validated.ok or validated.model is None:
        raise ProblemsFound(validated.problems, note)
    return Valid(validated.model, validated.merged, validated.problems)


def render(
    paths: Sequence[Path],
    *,
    secrets: SecretMode = "ref",
    ctx: RenderContext | None = None,
    overlays: Sequence[Path] = (),
) -> Rendered:
    valid = load_valid(paths, overlays, "nothing written")
    ctx = ctx or RenderContext(secrets=secrets)
    ctx.problem = valid.merged.problem
    try:
        files = render_all(valid.model, ctx)
    except ProblemsFound as exc:
        raise ProblemsFound(valid.warnings + exc.problems, exc.note) from None
    return Rendered(valid, files, ctx)
