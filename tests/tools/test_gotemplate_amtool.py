"""Differential tests: callalert's Go template parser against the real amtool and promtool of every
installed toolchain.

A template is accepted by amtool's `template render` exactly when it parses and uses only defined
functions; callalert, judging with the Go that built that amtool and the functions of its
Alertmanager release, must agree on accept/reject, and on parse errors also on the message and the
line Go reports. SNIPPETS run through every amtool in test_am_templates.py (with the constructs
later Go releases changed); every template function and the feature table's entries in both
directions in test_am_templates.py and test_am_feature_table.py.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from callalert.analysis.gotemplate import (
    TemplateSyntaxError,
    parse_prometheus_template,
    parse_template,
    undefined_functions,
)
from callalert.analysis.versions import Version
from tests.conftest import require_in

if TYPE_CHECKING:
    from callalert.toolchain import Tool, Toolchain

pytestmark = pytest.mark.tools

PARSE_ERROR = re.compile(r"template: (?P<file>[^:]+):(?P<line>\d+): (?P<message>.*)")

# Each defines "x"; valid and invalid, covering every construct and every parse error path.
SNIPPETS = [
    '{{ define "x" }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ if . }}',
    '{{ define "x" }}{{ $foo }}{{ end }}',
    '{{ define "x" }}{{ $x = 1 }}{{ end }}',
    '{{ define "x" }}{{ "abc }}{{ end }}',
    '{{ define "x" }}{{ `abc }}{{ end }}',
    '{{ define "x" }}{{ if . }}{{ define "y" }}{{ end }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ /* c */ }}{{ end }}',
    '{{ define "x" }}{{/* c */ }}{{ end }}',
    '{{ define "x" }}{{/* c  }}{{ end }}',
    '{{ define "x" }}{{ with . }}{{ else if . }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ with . }}{{ else with . }}{{ end }}{{ end }}',
    '{{ define "x" }}a{{ end }}{{ define "x" }}b{{ end }}',
    '{{ define "x" }}{{ break }}{{ end }}',
    '{{ define "x" }}{{ .Status | "s" }}{{ end }}',
    '{{ define "x" }}{{ }}{{ end }}',
    '{{ define "x" }}{{ 1 - 2 }}{{ end }}',
    '{{ define "x" }}{{ "\\q" }}{{ end }}',
    '{{ define "x" }}{{ 1.2.3 }}{{ end }}',
    '{{ define "x" }}{{ (1 }}{{ end }}',
    '{{ define "x" }}{{ 1) }}{{ end }}',
    '{{ define "x" }}{{ .Status }}{{ else }}{{ end }}',
    '{{ define "x" }}',
    "{{ define x }}{{ end }}",
    '{{ define "x" }}{{ $a, $b := . }}{{ end }}',
    '{{ define "x" }}{{ range $a, $b := .Alerts }}{{ $b }}{{ end }}{{ $a }}{{ end }}',
    "{{ define \"x\" }}{{ 'ab' }}{{ end }}",
    '{{ define "x" }}{{ .A@ }}{{ end }}',
    '{{ define "x" }}{{ "a".b }}{{ end }}',
    '{{ define "x" }}{{ template y }}{{ end }}',
    '{{ define "x" }}{{ end',
    '{{ define "x" }}{{ if }}{{ end }}{{ end }}',
    '{{ define "x" }}{{- .Status -}} {{ end }}',
    '{{ define "x" }}{{-.Status}}{{ end }}',
    '{{ define "x" }}{{ -3 }}{{ end }}',
    '{{ define "x" }}{{ range $i, $a := .Alerts }}{{ if $i }}, {{ end }}{{ $a.Labels.alertname }}{{ break }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ range .Alerts }}{{ continue }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}{{ end }}',
    '{{ define "x" }}{{ if true }}{{ $y := 2 }}{{ end }}{{ $y }}{{ end }}',
    '{{ define "x" }}{{ block "y" . }}b{{ end }}{{ end }}',
    '{{ define "x" }}{{ $x := 1 }}{{ define "y" }}{{ end }}{{ end }}',
    "{{ define \"x\" }}{{ 'a' }} {{ '\\n' }} {{ '\\'' }}{{ end }}",
    '{{ define "x" }}{{ \'\\"\' }}{{ end }}',
    '{{ define "x" }}{{ "\\x41\\u00e9\\101" }}{{ end }}',
    '{{ define "x" }}{{ 0x1F }} {{ 1e3 }} {{ 0o17 }} {{ 1_000 }} {{ 017 }} {{ 08 }} {{ .5 }}{{ end }}',
    '{{ define "x" }}{{ 1e }}{{ end }}',
    '{{ define "x" }}{{ 12abc }}{{ end }}',
    '{{ define "x" }}{{ nil }}{{ end }}',
    '{{ define "x" }}{{ printf "%d" nil }}{{ end }}',
    '{{ define "x" }}{{ .Status | printf "%s" | toUpper }}{{ end }}',
    '{{ define "x" }}{{ (index .Alerts 0).Labels.alertname }}{{ end }}',
    '{{ define "x" }}{{ $x=1 }}{{ end }}',
    '{{ define "x" }}{{ .Status\n | toUpper }}{{ end }}',
    '{{ define "x" }}{{ if',
    '{{ define "x" }}\n{{ if .Status }}\n{{ "abc\n}}{{ end }}{{ end }}',
    '{{ define "x" }}{{ ¿ }}{{ end }}',
    '{{ define "x" }}{{ . . }}{{ end }}',
    '{{ define "x" }}{{ with $x := .Status }}{{ $x }}{{ end }}{{ $x }}{{ end }}',
    '{{ define "x" }}{{ template "y" . }}{{ end }}{{ define "y" }}{{ .Status }}{{ end }}',
    '{{ define "x" }}{{ range $k, $v := .CommonLabels }}{{ $k }}={{ $v }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ range $a, $b, $c := .Alerts }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ range $a, 1 := .Alerts }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ end }}{{ define "x" }}  {{ end }}',
    '{{ define "x" }}{{ .Status | since }}{{ end }}',
    '{{ define "x" }}{{ .Status | trimSpace }}{{ end }}',
    '{{ define "x" }}{{ template "x" | len }}{{ end }}',
    '{{ define "x" }}{{ else }}{{ end }}',
    '{{ define "x" }}{{ if .Status }}{{ else }}{{ else }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ if .Status }}{{ else if .Status }}{{ else }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ $ }}{{ $.Status }}{{ end }}',
    '{{ define "x" }}{{ ( ) }}{{ end }}',
    '{{ define "x" }}{{ .Status | }}{{ end }}',
    '{{ define "x" }}{{ | .Status }}{{ end }}',
    '{{ define "x" }}{{ .Status ,}}{{ end }}',
    '{{ define "x" }}{{ "\\z" | printf }}{{ end }}',
    '{{ define "x" }}{{ `a\nb` }}{{ end }}',
    '{{ define "x" }}{{ define "y" }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ true.x }}{{ end }}',
    '{{ define "x" }}{{ 1 | 2 }}{{ end }}',
    '{{ define "x" }}{{ print 1 2 | print }}{{ end }}',
    '{{ define "x" -}} a {{- end }}',
    '{{ define "x" }}{{ .Status -}}\n {{ end }}',
    '{{ define "x" }}{{ 99999999999999999999 }}{{ end }}',
    '{{ define "x" }}{{ 08 }}{{ end }}',
    '{{ define "x" }}{{ 0x1F }} {{ 1e3 }} {{ 0o17 }} {{ 1_000 }} {{ 017 }} {{ .5 }} {{ -1.5e-3 }} {{ 0x1p-2 }}{{ end }}',
    '{{ define "x" }}{{ 1__0 }}{{ end }}',
    '{{ define "x" }}{{ 18446744073709551615 }}{{ end }}',
    '{{ define "x" }}{{ "a" | printf "%s" "b" | len }}{{ end }}',
    '{{ define "x" }}{{ with .Alerts }}{{ len . }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ range .Alerts }}{{ range . }}{{ end }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ template "y" }}{{ end }}{{ define "y" }}b{{ end }}',
    '{{ define "x" }}{{ .CommonLabels.Remove .GroupLabels.Names | len }}{{ end }}',
    '{{ define "x" }}{{ $x := .Alerts }}{{ range $x }}{{ $x }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ range $i := .Alerts }}{{ $i.Status }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ range $i, := .Alerts }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ with .Status }}{{ else }}{{ $ }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ $ := 1 }}{{ end }}',
    '{{ define "x" }}{{ $.Alerts.Firing }}{{ end }}',
    '{{ define "x" }}{{/* a */}}{{- /* b */ -}}{{ end }}',
    '{{ define "x" }}{{ "\\u00e9" }}{{ "\\U0001F600" }}{{ "\\ud800" }}{{ end }}',
    '{{ define "x" }}{{ "\\400" }}{{ end }}',
    "{{ define \"x\" }}{{ '' }}{{ end }}",
    '{{ define "x" }}{{ printf "%s" (.Status }}{{ end }}',
    '{{ define "x" }}{{ .Status) }}{{ end }}\n',
]


def amtool_render(amtool: str, path: Path, name: str) -> tuple[int, str]:
    proc = subprocess.run(
        [amtool, "template", "render", f"--template.glob={path}", f'--template.text={{{{ template "{name}" . }}}}'],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode, proc.stderr.strip()


def go_of(tool: Tool) -> Version:
    assert tool.go is not None, f"{tool.path} --version names no Go release"
    return Version.parse(tool.go)


def ours(text: str, name: str, amtool: Tool) -> tuple[str, str, int] | None:
    """None if this amtool would parse it, else (kind, Go's message, Go's line)."""
    try:
        info = parse_template(text, name, go_of(amtool))
    except TemplateSyntaxError as exc:
        return ("syntax", exc.message, exc.go_line)
    undefined = undefined_functions(info, version=amtool.version)
    if undefined:
        first = undefined[0]
        return ("function", f"function {first.name!r}".replace("'", '"') + " not defined", first.pos.line)
    return None


def assert_agrees(amtool: Tool, path: Path, define: str) -> None:
    text = path.read_text()
    rc, stderr = amtool_render(amtool.path, path, define)
    verdict = ours(text, path.name, amtool)
    parse_error = PARSE_ERROR.search(stderr)
    if parse_error:
        assert verdict is not None, f"amtool {amtool.version} rejects, callalert accepts: {stderr}"
        assert (verdict[1], verdict[2]) == (parse_error["message"], int(parse_error["line"])), stderr
    else:
        assert verdict is None, f"callalert rejects {verdict}, amtool {amtool.version} says rc={rc} {stderr}"


CORPUS_TEMPLATES = {
    "alertmanager__default.tmpl": "slack.default.title",
    "alertmanager__email.tmpl": "email.default.subject",
    "alertmanager__teams-webhook-example.tmpl": "wh_teams_alertlist",
    "dingtalk__default.tmpl": "default.title",
}


@pytest.mark.parametrize("name", sorted(CORPUS_TEMPLATES))
def test_corpus_template_agrees_with_amtool(toolchain: Toolchain | None, corpus: Path, name: str) -> None:
    assert_agrees(require_in(toolchain, "amtool"), corpus / "templates" / name, CORPUS_TEMPLATES[name])


def test_dingtalk_undefined_functions_are_what_amtool_names(toolchain: Toolchain | None, corpus: Path) -> None:
    amtool = require_in(toolchain, "amtool")
    path = corpus / "templates" / "dingtalk__default.tmpl"
    _, stderr = amtool_render(amtool.path, path, "default.title")
    info = parse_template(path.read_text(), path.name, go_of(amtool))
    undefined = undefined_functions(info, version=amtool.version)
    # amtool names the first one it meets; the rest are what callalert adds
    assert undefined and f'function "{undefined[0].name}" not defined' in stderr, stderr
    assert {u.name for u in undefined} == {"markdown", "upper"}


def test_every_alertmanager_yml_template_string_parses(corpus: Path) -> None:
    def strings(node: object) -> list[str]:
        if isinstance(node, str):
            return [node]
        if isinstance(node, dict):
            return [s for v in node.values() for s in strings(v)]
        if isinstance(node, list):
            return [s for v in node for s in strings(v)]
        return []

    seen = 0
    for path in sorted((corpus / "alertmanager").glob("*.yml")):
        for value in strings(yaml.safe_load(path.read_text())):
            if "{{" in value:
                parse_template(value, path.name)
                seen += 1
    assert seen >= 4


PROMTOOL_TEMPLATE_ERROR = re.compile(
    r'^(?P<file>[^:]+): group "[^"]*", rule \d+, "[^"]*": (?:annotation|label) "[^"]*": template: [^:]+:\d+: (?P<message>.*)$'
)


def test_rule_annotations_agree_with_promtool(toolchain: Toolchain | None, corpus: Path) -> None:
    """Every annotation and label template of the corpus rule files: the template errors callalert
    finds (with the Go that built this promtool) are exactly the ones `promtool check rules` reports."""
    promtool = require_in(toolchain, "promtool")
    ours_rejected: set[tuple[str, str]] = set()
    theirs_rejected: set[tuple[str, str]] = set()
    for path in sorted(corpus.glob("rules*/**/*.y*ml")):
        data = yaml.safe_load(path.read_text())
        if not isinstance(data, dict) or "groups" not in data:
            continue
        for group in data["groups"] or []:
            for rule in group.get("rules") or []:
                for value in {**(rule.get("annotations") or {}), **(rule.get("labels") or {})}.values():
                    if isinstance(value, str) and "{{" in value:
                        try:
                            info = parse_prometheus_template(value, go=go_of(promtool))
                            assert undefined_functions(info) == [], value
                        except TemplateSyntaxError as exc:
                            ours_rejected.add((path.name, exc.message))
        proc = subprocess.run([promtool.path, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
        for line in (proc.stdout + proc.stderr).splitlines():
            found = PROMTOOL_TEMPLATE_ERROR.match(line)
            if found:
                theirs_rejected.add((Path(found["file"]).name, found["message"]))
    assert ours_rejected == theirs_rejected, f"promtool {promtool.version} (Go {promtool.go})"
    assert theirs_rejected, "the corpus has a rule file with a bad template (rules-bad.yml uses $label): none found"


def test_prometheus_function_catalog_matches_promtool(toolchain: Toolchain | None, tmp_path: Path) -> None:
    from callalert.analysis.gotemplate import PROMETHEUS_TEMPLATE_FUNCS

    promtool = require_in(toolchain, "promtool")
    path = tmp_path / "r.yml"
    for func in sorted(PROMETHEUS_TEMPLATE_FUNCS | {"tmpl", "since", "trimSpace", "toDuration"}):
        rules = {
            "groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0", "annotations": {"x": f"{{{{ {func} }}}}"}}]}]
        }
        path.write_text(yaml.safe_dump(rules))
        proc = subprocess.run([promtool.path, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
        promtool_ok = proc.returncode == 0
        ours_ok = not undefined_functions(parse_prometheus_template(f"{{{{ {func} }}}}", go=go_of(promtool)))
        assert promtool_ok == ours_ok, (f"promtool {promtool.version}", func, proc.stdout, proc.stderr)
