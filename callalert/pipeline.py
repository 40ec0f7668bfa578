"""Spec paths → validated model → rendered files. Used by every command that needs outputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from callalert.diagnostics import Problem
from callalert.render.context import RenderContext, RenderFailed, SecretMode
from callalert.validate import Validated, validate


class SpecInvalid(Exception):
    """Validation found errors; carries every problem (the CLI prints them, exit 1)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class Rendered:
    validated: Validated
    files: dict[str, str]
    ctx: RenderContext

    @property
    def warnings(self) -> list[Problem]:
        return self.validated.problems


def render_spec(
    paths: Sequence[Path],
    *,
    secrets: SecretMode = "ref",
    ctx: RenderContext | None = None,
    overlays: Sequence[Path] = (),
) -> Rendered:
    validated = validate(paths, overlays=overlays)
    if not validated.ok:
        raise SpecInvalid(validated.problems)
    from callalert.render import render_all

    ctx = ctx or RenderContext(secrets=secrets)
    ctx.problem = validated.merged.problem
    try:
        files = render_all(validated.resolved, ctx)
    except RenderFailed as exc:
        raise SpecInvalid(validated.problems + exc.problems) from None
    return Rendered(validated, files, ctx)


def alertmanager_config(paths: Sequence[Path], overlays: Sequence[Path] = ()) -> dict[str, object]:
    """The alertmanager.yml a spec renders to, as data (secrets as *_file references)."""
    validated = validate(paths, overlays=overlays)
    if not validated.ok:
        raise SpecInvalid(validated.problems)
    from callalert.render.alertmanager import config_data

    ctx = RenderContext(secrets="ref")
    ctx.problem = validated.merged.problem
    ctx.pending.clear()
    data = config_data(validated.resolved, ctx)
    ctx.pending.clear()  # env secrets do not matter for routing
    return data
