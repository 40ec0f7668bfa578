"""Static analysis of Go text/template sources: Alertmanager notification templates and
Prometheus rule annotations.

The lexer (`lex`) and parser (`parse`) follow Go 1.19's text/template/parse (the Go that built the
amtool 0.25 and promtool 2.42 we verify against): the same tokens, the same parse errors with the
same messages, and undefined variables rejected at parse time. Nothing is executed. On top of the
parse tree a small type walk (`walk`, over the tables in `types`) tracks what `.` is
(Alertmanager's template.Data, an Alert inside `range .Alerts`, ...) so field chains can be
checked and label/annotation reads collected.

Functions are not checked while parsing (Go does check them, against the function map of the
program); `undefined_functions` does that against a catalog per tool and version.
"""

from __future__ import annotations

from callalert.analysis.gotemplate.parse import Position, TemplateSyntaxError
from callalert.analysis.gotemplate.types import (
    AM_DEFAULT_TEMPLATES_025,
    AM_DEFAULT_TEMPLATES_LATER,
    ANY,
    GO_BUILTINS,
    PROMETHEUS_PREAMBLE_VARS,
    PROMETHEUS_TEMPLATE_FUNCS,
    TYPES,
    am_default_templates,
    go_type_name,
    member_type,
)
from callalert.analysis.gotemplate.walk import (
    FieldRef,
    Finding,
    FuncRef,
    LabelRead,
    TemplateCall,
    TemplateInfo,
    UndefinedFunction,
    VarRef,
    check_fields,
    label_reads,
    parse_prometheus_template,
    parse_template,
    prometheus_label_reads,
    read_names,
    undefined_functions,
)

__all__ = [
    "AM_DEFAULT_TEMPLATES_025",
    "AM_DEFAULT_TEMPLATES_LATER",
    "ANY",
    "GO_BUILTINS",
    "PROMETHEUS_PREAMBLE_VARS",
    "PROMETHEUS_TEMPLATE_FUNCS",
    "TYPES",
    "FieldRef",
    "Finding",
    "FuncRef",
    "LabelRead",
    "Position",
    "TemplateCall",
    "TemplateInfo",
    "TemplateSyntaxError",
    "UndefinedFunction",
    "VarRef",
    "am_default_templates",
    "check_fields",
    "go_type_name",
    "label_reads",
    "member_type",
    "parse_prometheus_template",
    "parse_template",
    "prometheus_label_reads",
    "read_names",
    "undefined_functions",
]
