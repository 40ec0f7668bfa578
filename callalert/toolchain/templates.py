"""Rendering Alertmanager notification templates with the real amtool (`amtool template render`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


def default_template_file(amtool: str) -> Path | None:
    """Alertmanager's own default.tmpl when it lives beside the binaries (Debian's amtool 0.25 does
    not load it, Debian's alertmanager does; upstream builds embed it in both)."""
    real = Path(os.path.realpath(amtool))
    for candidate in (
        real.parent.parent / "share/prometheus/alertmanager/default.tmpl",
        Path("/usr/share/prometheus/alertmanager/default.tmpl"),
    ):
        if candidate.is_file():
            return candidate
    return None


def render_command(amtool: str, globs: Sequence[str], text: str, data: Path, html: bool = False) -> list[str]:
    """`amtool template render` of `text` with the templates of `globs` and the JSON data file `data`
    (`html`: as an html/template, as Alertmanager renders an email's `html`)."""
    cmd = [amtool, "template", "render", *(f"--template.glob={g}" for g in globs)]
    cmd += [f"--template.text={text}", f"--template.data={data}"]
    return cmd + (["--template.type=html"] if html else [])
