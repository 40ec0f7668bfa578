"""Rendering Alertmanager notification templates with the real amtool (`amtool template render`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from callalert.toolchain.discover import Tool


def default_template_file(amtool: Tool) -> Path:
    """Where the default.tmpl of `amtool`'s own build is: beside it, as a package installs it
    (<prefix>/bin/amtool, <prefix>/share/prometheus/alertmanager/default.tmpl). Never another
    Alertmanager's: built-in template names differ between versions. It may not exist (upstream
    builds embed it)."""
    real = Path(os.path.realpath(amtool.path))
    return real.parent.parent / "share/prometheus/alertmanager/default.tmpl"


def render_command(amtool: str, globs: Sequence[str], text: str, data: Path, html: bool = False) -> list[str]:
    """`amtool template render` of `text` with the templates of `globs` and the JSON data file `data`
    (`html`: as an html/template, as Alertmanager renders an email's `html`)."""
    cmd = [amtool, "template", "render", *(f"--template.glob={g}" for g in globs)]
    cmd += [f"--template.text={text}", f"--template.data={data}"]
    return cmd + (["--template.type=html"] if html else [])
