"""Go template syntax and functions by release, against every installed amtool.

The same snippets as test_gotemplate_amtool.py (plus the constructs later Go releases changed),
judged by callalert with the text/template of the Go that built the amtool under test and the
function table of its Alertmanager version: accept/reject, message and line must agree.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from callalert.analysis.gotemplate import TemplateSyntaxError, parse_template, undefined_functions
from callalert.analysis.versions import AM_TEMPLATE_FUNCS, GO_FEATURES, Version
from tests.conftest import require_in
from tests.tools.test_gotemplate_amtool import PARSE_ERROR, SNIPPETS

if TYPE_CHECKING:
    from callalert.toolchain import Toolchain

pytestmark = pytest.mark.tools

GO_SNIPPETS = [
    '{{ define "x" }}{{ with . }}A{{ else with .Status }}B{{ end }}{{ end }}',
    '{{ define "x" }}{{ with .Alerts }}A{{ else with .Status }}B{{ else }}C{{ end }}{{ end }}',
    '{{ define "x" }}{{ range .Alerts }}A{{ else with .Status }}B{{ end }}{{ end }}',
    '{{ define "x" }}{{ if . }}A{{ else with .Status }}B{{ end }}{{ end }}',
    '{{ define "x" }}{{ with $s := .Status }}{{ else with $s }}{{ $s }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ len .Alerts) }}{{ end }}',
    '{{ define "x" }}\n{{ printf "%s"\n .Status) }}{{ end }}',
    '{{ define "x" }}{{ reReplaceAll "(?<n>x)" "y" .Status }}{{ end }}',
    '{{ define "x" }}{{ range 3 }}{{ . }}{{ end }}{{ end }}',
]


def _amtool(toolchain: Toolchain | None) -> tuple[str, Version, Version]:
    tool = require_in(toolchain, "amtool")
    assert tool.go is not None
    return tool.path, tool.version, Version.parse(tool.go)


def _ours(text: str, name: str, version: Version, go: Version) -> tuple[str, int] | None:
    try:
        info = parse_template(text, name, go)
    except TemplateSyntaxError as exc:
        return (exc.message, exc.go_line)
    undefined = undefined_functions(info, version=version)
    if undefined:
        return (f'function "{undefined[0].name}" not defined', undefined[0].pos.line)
    return None


def _theirs(amtool: str, path: Path) -> tuple[str, int] | None:
    proc = subprocess.run(
        [amtool, "template", "render", f"--template.glob={path}", '--template.text={{ template "x" . }}'],
        capture_output=True,
        text=True,
        timeout=60,
    )
    found = PARSE_ERROR.search(proc.stderr)
    return (found["message"], int(found["line"])) if found else None


@pytest.mark.parametrize("text", SNIPPETS + GO_SNIPPETS, ids=range(len(SNIPPETS) + len(GO_SNIPPETS)))
def test_template_agrees_with_the_amtool_of_each_toolchain(toolchain: Toolchain | None, tmp_path: Path, text: str) -> None:
    amtool, version, go = _amtool(toolchain)
    path = tmp_path / "t.tmpl"
    path.write_text(text)
    assert _ours(text, path.name, version, go) == _theirs(amtool, path), f"amtool {version} (Go {go})"


def test_every_template_function_agrees_with_each_amtool(toolchain: Toolchain | None, tmp_path: Path) -> None:
    amtool, version, go = _amtool(toolchain)
    for name in AM_TEMPLATE_FUNCS:
        path = tmp_path / "f.tmpl"
        path.write_text(f'{{{{ define "x" }}}}{{{{ if false }}}}{{{{ {name} }}}}{{{{ end }}}}{{{{ end }}}}')
        assert _ours(path.read_text(), path.name, version, go) == _theirs(amtool, path), name


def test_go_features_are_proven_in_both_directions_by_the_installed_builds() -> None:
    from callalert.analysis.versions import AM_BUILDS

    for feature in GO_FEATURES.values():
        if feature.proven_by:
            verdicts = {feature.in_go(b.go) for b in AM_BUILDS if b.toolchain in feature.proven_by}
            assert verdicts == {True, False}, feature.name
