from __future__ import annotations

from pathlib import Path

import pytest

from callalert.analysis.gotemplate import (
    AM_DEFAULT_TEMPLATES_025,
    PROMETHEUS_TEMPLATE_FUNCS,
    FuncRef,
    LabelRead,
    Position,
    TemplateCall,
    TemplateSyntaxError,
    UndefinedFunction,
    VarRef,
    am_default_templates,
    check_fields,
    label_reads,
    parse_prometheus_template,
    parse_template,
    prometheus_label_reads,
    read_names,
    undefined_functions,
)
from callalert.analysis.versions import Version

# The seed's Slack template (reference design), verbatim apart from dropped lines.
SEED_SLACK = """{{ define "slack.default.title" -}}
  [{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }}
{{- end }}

{{ define "slack.default.text" -}}
  {{ range .Alerts }}
    *Alerta:* {{ .Annotations.summary }}
    *Severidad:* {{ .Labels.severity }}
    *Inicio:* {{ .StartsAt | since }}
  {{ end }}
{{- end }}
"""


def err(text: str) -> TemplateSyntaxError:
    with pytest.raises(TemplateSyntaxError) as info:
        parse_template(text, "t.tmpl")
    return info.value


# ---- parser: positions -------------------------------------------------------------------


def test_seed_template_defines_functions_and_fields_with_positions() -> None:
    info = parse_template(SEED_SLACK, "slack.tmpl")
    assert info.defines == {"slack.default.title": Position(1, 11), "slack.default.text": Position(5, 11)}
    assert info.functions == [
        FuncRef("toUpper", Position(2, 17), False),
        FuncRef("eq", Position(2, 33), True),
        FuncRef("len", Position(2, 76), True),
        FuncRef("since", Position(9, 30), False),
    ]
    assert [(f.chain, f.context, f.pos, f.template) for f in info.fields] == [
        (("Status",), "Data", Position(2, 7), "slack.default.title"),
        (("Status",), "Data", Position(2, 36), "slack.default.title"),
        (("Alerts", "Firing"), "Data", Position(2, 59), "slack.default.title"),
        (("CommonLabels", "alertname"), "Data", Position(2, 96), "slack.default.title"),
        (("Alerts",), "Data", Position(6, 12), "slack.default.text"),
        (("Annotations", "summary"), "Alert", Position(7, 18), "slack.default.text"),
        (("Labels", "severity"), "Alert", Position(8, 21), "slack.default.text"),
        (("StartsAt",), "Alert", Position(9, 18), "slack.default.text"),
    ]
    assert info.fields[2].positions == (Position(2, 59), Position(2, 66))
    assert check_fields(info) == []


def test_template_and_block_calls_and_variables() -> None:
    text = (
        '{{ template "a" . }}{{ block "b" .Alerts }}{{ range $i, $a := . }}{{ $i }}{{ $a.Status }}'
        "{{ end }}{{ end }}{{ $x := 1 }}{{ $x = 2 }}{{ $ }}"
    )
    info = parse_template(text)
    assert info.template_calls == [TemplateCall("a", Position(1, 13), "template"), TemplateCall("b", Position(1, 30), "block")]
    assert info.defines == {"b": Position(1, 30)}
    assert info.define_context == {"b": "Alerts"}
    assert info.variables == [
        VarRef("$i", Position(1, 53), True),
        VarRef("$a", Position(1, 57), True),
        VarRef("$i", Position(1, 70), False),
        VarRef("$a", Position(1, 78), False),
        VarRef("$x", Position(1, 111), True),
        VarRef("$x", Position(1, 124), True),
        VarRef("$", Position(1, 136), False),
    ]
    # Inside the block, `.` ranges over the alerts it was given: $a is an Alert.
    assert [(f.chain, f.context, f.base) for f in info.fields] == [
        (("Alerts",), "Data", "."),
        (("Status",), "Alert", "$a"),
    ]


def test_define_context_is_inferred_from_call_sites() -> None:
    text = (
        '{{ define "list" }}{{ range . }}{{ .Labels.team }}{{ end }}{{ end }}'
        '{{ define "main" }}{{ template "list" .Alerts.Firing }}{{ template "list" .Alerts.Resolved }}{{ end }}'
    )
    info = parse_template(text)
    assert info.define_context == {"list": "AlertList", "main": "Data"}
    assert read_names(info) == {"team"}
    assert check_fields(info) == []


def test_every_construct_parses() -> None:
    text = """{{/* comment */}}{{- /* trimmed */ -}}
{{ $v := .Status }}{{ if eq $v "firing" }}f{{ else if eq $v "resolved" }}r{{ else }}?{{ end }}
{{ with .CommonLabels.severity }}{{ . }}{{ else }}none{{ end }}
{{ range $i, $a := .Alerts }}{{ if $i }}{{ continue }}{{ end }}{{ break }}{{ end }}
{{ range .Alerts }}{{ else }}no alerts{{ end }}
{{ printf "%s %d %q %v" `raw` 0x1F 'c' nil }}{{ (index .Alerts 0).Labels.alertname }}
{{ 1e3 }}{{ -2 }}{{ .5 }}{{ true }}{{ "\\u00e9\\x41\\101\\n" }}{{ .CommonLabels.Remove .GroupLabels.Names | len }}
{{ .Status
   | toUpper }}"""
    info = parse_template(text)
    assert [f.name for f in info.functions] == ["eq", "eq", "printf", "index", "len", "toUpper"]
    assert check_fields(info) == []
    chain = next(f for f in info.fields if f.base == "(...)")
    assert (chain.chain, chain.context, chain.pos) == (("Labels", "alertname"), "Alert", Position(6, 66))


# ---- parser: errors, messages as Go 1.19 writes them (checked against amtool 0.25) --------


@pytest.mark.parametrize(
    ("text", "message", "line", "col"),
    [
        ('{{ define "x" }}{{ end }}{{ end }}', "unexpected {{end}}", 1, 29),
        ('{{ define "x" }}{{ if . }}', "unexpected EOF", 1, 27),
        ("{{ $foo }}", 'undefined variable "$foo"', 1, 4),
        ('{{ "abc }}', "unterminated quoted string", 1, 4),
        ("{{ `abc }}", "unterminated raw quoted string", 1, 4),
        ("{{ 'ab' }}", "malformed character constant: 'ab'", 1, 4),
        ('{{ if . }}{{ define "y" }}{{ end }}{{ end }}{{ end }}', "unexpected <define> in command", 1, 14),
        ("{{ /* c */ }}", 'unexpected "/" in command', 1, 4),
        ("{{/* c */ }}", "comment ends before closing delimiter", 1, 3),
        ("{{/* c  }}", "unclosed comment", 1, 3),
        ("{{ with . }}{{ else if . }}{{ end }}", "unexpected <if> in input", 1, 21),
        ("{{ with . }}{{ else with . }}{{ end }}", "unexpected <with> in else", 1, 21),
        ('{{ define "x" }}a{{ end }}{{ define "x" }}b{{ end }}', 'template: multiple definition of template "x"', 1, 37),
        ("{{ break }}", "{{break}} outside {{range}}", 1, 4),
        ("{{ range . }}{{ continue 1 }}{{ end }}", 'unexpected "1" in {{continue}}', 1, 26),
        ('{{ .Status | "s" }}', "non executable command in pipeline stage 2", 1, 14),
        ("{{ }}", "missing value for command", 1, 4),
        ("{{ if }}{{ end }}", "missing value for if", 1, 7),
        ("{{ 1 - 2 }}", 'illegal number syntax: "-"', 1, 6),
        ("{{ 08 }}", 'integer overflow: "08"', 1, 4),
        ("{{ 12abc }}", 'bad number syntax: "12a"', 1, 4),
        ('{{ "\\q" }}', "invalid syntax", 1, 4),
        ("{{ 1.2.3 }}", 'unexpected ".3" in operand', 1, 7),
        ("{{ (1 }}", "unclosed left paren", 1, 7),
        ("{{ 1) }}", 'unexpected ")" in command', 1, 5),
        ("{{ .A@ }}", "bad character U+0040 '@'", 1, 4),
        ("{{ $x=1 }}", "bad character U+003D '='", 1, 4),
        ('{{ "a".b }}', 'unexpected . after term "\\"a\\""', 1, 7),
        ("{{ template y }}", 'unexpected "y" in template clause', 1, 13),
        ("{{ define x }}{{ end }}", 'unexpected "x" in define clause', 1, 11),
        ("{{ $a, $b := . }}", "too many declarations in command", 1, 6),
        ("{{ range $a, $b := . }}{{ end }}{{ $a }}", 'undefined variable "$a"', 1, 36),
        ("{{ if true }}{{ $y := 2 }}{{ end }}{{ $y }}", 'undefined variable "$y"', 1, 39),
        ("{{ .Status }}{{ else }}", "unexpected {{else}}", 1, 17),
        ("{{ if . }}{{ else }}{{ else }}{{ end }}", "expected end; found {{else}}", 1, 24),
        ("{{ end", "unclosed action", 1, 7),
        ("{{ ¿ }}", "unrecognized character in action: U+00BF '¿'", 1, 4),
    ],
)
def test_syntax_errors(text: str, message: str, line: int, col: int) -> None:
    error = err(text)
    assert (error.message, error.line, error.col) == (message, line, col)
    assert str(error) == f"t.tmpl:{line}:{col}: {message}"


def test_multiline_error_reports_go_line_and_action_start() -> None:
    error = err('{{ define "x" }}\n{{ if .Status }}\n{{ "abc\n}}{{ end }}{{ end }}')
    assert error.message == "unterminated quoted string"
    assert (error.line, error.col, error.go_line) == (3, 4, 3)
    error = err("{{ if\n")
    assert error.message == "unclosed action in action started at t.tmpl:1"
    assert (error.line, error.go_line) == (2, 2)


def test_go_accepts_these() -> None:
    for text in [
        "{{ $x = 1 }}",  # assignment to an undeclared variable fails only when executed
        '{{ template "y" }}',  # an undefined template also fails only when executed
        '{{ define "x" }}{{ end }}{{ define "x" }}  {{ end }}',  # empty redefinition
        "{{ 99 }}{{ 0o17 }}{{ 1_000 }}{{ 017 }}{{ 0x1p-2 }}{{ 18446744073709551615 }}",
        "{{-3}}",  # no space after '-': a negative number, not a trim marker
        "{{ `a\nb` }}",
    ]:
        parse_template(text)


# ---- field checks ------------------------------------------------------------------------


def test_check_fields_reports_go_type_errors_with_hints() -> None:
    info = parse_template(
        "{{ .CommonLabel.x }} {{ .Labels.team }} {{ .Alert }} "
        "{{ range .Alerts }}{{ .CommonLabels.a }}{{ .StartsAt.Foo }}{{ $.CommonLabels.a }}{{ end }}"
    )
    assert [(f.message, f.pos) for f in check_fields(info)] == [
        ("can't evaluate field CommonLabel in type template.Data; did you mean 'CommonLabels'?", Position(1, 4)),
        (
            "can't evaluate field Labels in type template.Data; did you mean 'CommonLabels'? "
            "(.Labels belongs to each alert: {{ range .Alerts }}{{ .Labels.x }}{{ end }})",
            Position(1, 25),
        ),
        ("can't evaluate field Alert in type template.Data; did you mean 'Alerts'?", Position(1, 44)),
        (
            "can't evaluate field CommonLabels in type template.Alert; "
            ".CommonLabels belongs to the notification: use $.CommonLabels inside range",
            Position(1, 76),
        ),
        ("can't evaluate field Foo in type time.Time", Position(1, 106)),
    ]
    assert {f.rule for f in check_fields(info)} == {"template-field"}


def test_check_fields_follows_methods_with_and_pairs() -> None:
    info = parse_template(
        "{{ range .CommonLabels.SortedPairs }}{{ .Name }}={{ .Value }}{{ .Key }}{{ end }}"
        "{{ with .Alerts.Firing }}{{ .Foo }}{{ end }}{{ .Status.Foo }}"
    )
    assert [f.message for f in check_fields(info)] == [
        "can't evaluate field Key in type template.Pair",
        "can't evaluate field Foo in type []template.Alert",
        "can't evaluate field Foo in type string",
    ]


def test_unknown_context_is_not_checked() -> None:
    info = parse_template('{{ define "x" }}{{ .Whatever }}{{ end }}{{ template "x" 1 }}{{ template "x" "s" }}')
    assert info.define_context["x"] == "any"
    assert check_fields(info) == []


# ---- label reads -------------------------------------------------------------------------


def test_label_and_annotation_reads() -> None:
    info = parse_template(
        '{{ .CommonLabels.team }}{{ .GroupLabels.env }}{{ index .CommonLabels "svc" }}'
        "{{ .CommonAnnotations.summary }}{{ range .Alerts }}{{ .Labels.instance }}"
        '{{ index .Annotations "runbook_url" }}{{ end }}{{ .GroupLabels.SortedPairs.Values | join " " }}'
    )
    assert label_reads(info) == [
        LabelRead("label", "team", Position(1, 17), "CommonLabels"),
        LabelRead("label", "env", Position(1, 40), "GroupLabels"),
        LabelRead("label", "svc", Position(1, 70), "CommonLabels"),
        LabelRead("annotation", "summary", Position(1, 99), "CommonAnnotations"),
        LabelRead("label", "instance", Position(1, 139), "Labels"),
        LabelRead("annotation", "runbook_url", Position(1, 173), "Annotations"),
        LabelRead("label", "*", Position(1, 213), "GroupLabels"),
    ]
    assert read_names(info) == {"team", "env", "svc", "instance"}
    assert read_names(info, "annotation") == {"summary", "runbook_url"}


def test_prometheus_templates() -> None:
    text = (
        '{{ $labels.instance }} {{ index $labels "job" }} {{ .Labels.pod }} {{ $externalLabels.cluster }} '
        '{{ $value | humanizePercentage }} {{ with query "up" }}{{ . | first | label "notalabel" }}'
        "{{ (. | first).Labels.other }}{{ end }}"
    )
    info = parse_prometheus_template(text)
    assert [(r.kind, r.name, r.via) for r in info.label_reads] == [
        ("label", "instance", "$labels"),
        ("label", "job", "$labels"),
        ("label", "pod", "Labels"),
        ("external_label", "cluster", "$externalLabels"),
    ]
    assert prometheus_label_reads(text) == {"instance", "job", "pod"}
    assert prometheus_label_reads("no template here") == set()
    assert undefined_functions(info) == []
    assert check_fields(info) == []


def test_prometheus_preamble_variables_exist_only_at_top_level() -> None:
    parse_prometheus_template("{{ $labels }}{{ $externalLabels }}{{ $externalURL }}{{ $value }}")
    with pytest.raises(TemplateSyntaxError) as info:
        parse_prometheus_template('{{ define "x" }}{{ $labels.a }}{{ end }}')
    assert info.value.message == 'undefined variable "$labels"'
    with pytest.raises(TemplateSyntaxError) as info:
        parse_prometheus_template("{{ $label.instance }}")  # the corpus' rules-bad.yml mistake
    assert (info.value.message, info.value.col) == ('undefined variable "$label"', 4)
    with pytest.raises(TemplateSyntaxError):
        parse_template("{{ $labels.instance }}")  # not predeclared in Alertmanager


# ---- function catalogs ---------------------------------------------------------------------


def test_undefined_functions_by_alertmanager_version() -> None:
    info = parse_template(SEED_SLACK)
    assert undefined_functions(info, version="0.25") == [UndefinedFunction("since", Position(9, 30), Version(0, 28))]
    assert undefined_functions(info) == []  # the default target has it
    assert undefined_functions(info, version="0.28") == []
    info = parse_template('{{ .Status | trimSpace | markdown }}{{ stringSlice "a" | join "," }}{{ toJson . }}')
    assert [(u.name, u.added_in) for u in undefined_functions(info, version="0.25")] == [
        ("trimSpace", Version(0, 26)),
        ("markdown", None),
        ("toJson", Version(0, 30)),
    ]
    assert [u.name for u in undefined_functions(info, version="0.26.0")] == ["markdown", "toJson"]
    assert [u.name for u in undefined_functions(info, version="0.19")] == ["trimSpace", "markdown", "stringSlice", "toJson"]


def test_prometheus_function_catalog() -> None:
    info = parse_prometheus_template(
        "{{ $value | humanize }}{{ $value | humanizeDuration }}{{ $value | since }}{{ tmpl }}{{ toTime $value }}"
    )
    assert [(u.name, u.added_in) for u in undefined_functions(info)] == [("since", None), ("tmpl", None)]
    assert {
        "humanize",
        "humanize1024",
        "humanizePercentage",
        "query",
        "first",
        "label",
        "value",
        "sortByLabel",
        "strvalue",
        "args",
        "safeHtml",
        "match",
        "reReplaceAll",
        "title",
        "toUpper",
        "toLower",
        "graphLink",
        "tableLink",
        "parseDuration",
        "pathPrefix",
        "externalURL",
        "stripPort",
        "stripDomain",
        "humanizeTimestamp",
        "toTime",
        "humanizeDuration",
    } == PROMETHEUS_TEMPLATE_FUNCS


def test_default_template_names() -> None:
    assert len(AM_DEFAULT_TEMPLATES_025) == 41
    assert "slack.default.title" in am_default_templates("0.25")
    assert "msteams.default.title" not in am_default_templates("0.25")
    assert "msteams.default.title" in am_default_templates("0.28")


def test_corpus_default_tmpl_defines_known_names(corpus: Path) -> None:
    info = parse_template((corpus / "templates" / "alertmanager__default.tmpl").read_text(), "default.tmpl")
    email = parse_template((corpus / "templates" / "alertmanager__email.tmpl").read_text(), "email.tmpl")
    names = set(info.defines) | set(email.defines)
    assert names == am_default_templates("0.34")
    assert len(info.defines) == 62
    assert check_fields(info) == []
    # Called with .Alerts.Firing/.Resolved but also with `.` (pagerduty.default.instances):
    # no single type, so its fields are not checked.
    assert info.define_context["__text_alert_list"] == "any"
    assert info.define_context["__text_alert_list_markdown"] == "AlertList"


def test_dingtalk_template_uses_foreign_functions_and_fields(corpus: Path) -> None:
    info = parse_template((corpus / "templates" / "dingtalk__default.tmpl").read_text(), "dingtalk.tmpl")
    assert [(u.name, u.pos) for u in undefined_functions(info)] == [
        ("markdown", Position(6, 61)),
        ("markdown", Position(9, 66)),
        ("upper", Position(15, 30)),
        ("markdown", Position(22, 120)),
    ]
    assert [(f.message, f.pos, f.template) for f in check_fields(info)] == [
        ("can't evaluate field AtMobiles in type template.Data", Position(32, 10), "default.content"),
        ("can't evaluate field AtMobiles in type template.Data", Position(37, 10), "default.content"),
    ]


def test_annotation_parsing_is_repeatable() -> None:
    text = "El endpoint {{ $labels.instance }} está {{ $value | humanizePercentage }}"
    first = parse_prometheus_template(text)
    assert all(parse_prometheus_template(text) == first for _ in range(100))
