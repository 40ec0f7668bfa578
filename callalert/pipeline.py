"""The typed hand-offs every command uses: spec paths → `Validated` → `Rendered`.

Both raise `ProblemsFound` (exit 1, every problem positioned) instead of returning something
half valid, so a command cannot render or check a spec with errors by accident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from callalert.diagnostics import Problem, did_you_mean
from callalert.errors import ProblemsFound, UsageError
from callalert.model import TARGETS, Model, Target
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
    validated = validate(paths, overlays=overlays, split=True)
    if not validated.ok or validated.model is None:
        raise ProblemsFound(validated.problems, note)
    return Valid(validated.model, validated.merged, validated.problems)


def select_targets(model: Model, names: Sequence[str] | None) -> tuple[Target, ...]:
    """The targets to render: `names` (each with the spec's options for it when `outputs:` lists
    it, else its defaults), or the spec's `outputs:`, or prometheus."""
    if not names:
        return model.outputs or (TARGETS["prometheus"](),)
    listed = {t.name: t for t in model.outputs}
    out: list[Target] = []
    for name in dict.fromkeys(names):
        if name not in TARGETS:
            raise UsageError(f"unknown --target {name!r}; choose {', '.join(TARGETS)}" + did_you_mean(name, TARGETS))
        out.append(listed.get(name) or TARGETS[name]())
    return tuple(out)


def render(
    paths: Sequence[Path],
    *,
    secrets: SecretMode = "ref",
    ctx: RenderContext | None = None,
    overlays: Sequence[Path] = (),
    targets: Sequence[str] | None = None,
) -> Rendered:
    return render_valid(load_valid(paths, overlays, "nothing written"), secrets=secrets, ctx=ctx, targets=targets)


def render_valid(
    valid: Valid, *, secrets: SecretMode = "ref", ctx: RenderContext | None = None, targets: Sequence[str] | None = None
) -> Rendered:
    """render() of a spec load_valid() accepted."""
    chosen = select_targets(valid.model, targets)
    ctx = ctx or RenderContext(secrets=secrets)
    ctx.problem = valid.merged.problem
    try:
        files = render_all(valid.model, ctx, chosen)
    except ProblemsFound as exc:
        raise ProblemsFound(valid.warnings + exc.problems, exc.note) from None
    return Rendered(Valid(valid.model, valid.merged, valid.warnings + ctx.warnings), files, ctx)


class _AnySecret(dict[str, str]):
    """An environment in which every {env:} secret has a value (for checks that write nothing)."""

    def get(self, key: str, default: object = None) -> str:
        return f"https://placeholder.invalid/{key}"


def output_problems(model: Model, merged: Merged) -> list[Problem]:
    """What rendering the spec's listed `outputs:` would report (their options, what a target
    cannot express), without writing anything; {env:} secrets count as set."""
    if not model.outputs:
        return []
    ctx = RenderContext(secrets="env", environ=_AnySecret())
    ctx.problem = merged.problem
    try:
        render_all(model, ctx, model.outputs)
    except ProblemsFound as exc:
        return exc.problems
    return ctx.warnings
