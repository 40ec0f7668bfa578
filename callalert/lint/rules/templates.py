"""Notification templates: syntax, functions per Alertmanager version, undefined templates, unknown
fields; in .tmpl files and in the template strings of an alertmanager.yml's receivers.

The template knowledge (parser, types of `.`, function and built-in name tables) is
`analysis.gotemplate` and `analysis.versions`; this module only turns its answers into findings.
On a spec, validate has already checked syntax, functions and template calls at the spec's target
(rules template-syntax, template-function, unknown-template), so those are re-checked only for
another --target-alertmanager.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from callalert import diagnostics as d
from callalert.analysis.gotemplate import (
    GO_BUILTINS,
    TYPES,
    TemplateInfo,
    TemplateSyntaxError,
    UndefinedFunction,
    am_default_templates,
    check_fields,
    go_type_name,
    member_type,
    undefined_functions,
)
from callalert.analysis.versions import AM_TEMPLATE_FUNCS, Version
from callalert.diagnostics import KeyPath, Problem, Rule, did_you_mean, iter_strings, problem
from callalert.lint.engine import LintRule, Options
from callalert.lint.world import AMConfig, TemplateFile, World

AREA = "templates"

_NOTIFICATION = """\
{{{{ define "slack.ops.text" }}}}
{{{{ range .Alerts }}}}
*{{{{ .Labels.alertname }}}}* on {{{{ .Labels.instance }}}}: {{{{ .Annotations.summary }}}}
{body}{{{{ end }}}}
{{{{ end }}}}
"""


def _tmpl(body: str) -> str:
    return _NOTIFICATION.format(body=body)


# Validate reports it too (a spec's templates): the rule and its examples are in diagnostics.
TEMPLATE_SYNTAX = d.TEMPLATE_SYNTAX
TEMPLATE_FUNCTION_VERSION = Rule(
    "template-function-version",
    "error",
    AREA,
    "template function the target Alertmanager does not have yet",
    'Alertmanager refuses to load templates that call an undefined function (`function "toDate" not defined`), so '
    "the whole config fails to load. The target is --target-alertmanager, a spec's defaults.targets.alertmanager, "
    "or callalert's default target (the newest Alertmanager proven here).",
    bad=_tmpl('Due {{ toDate "2006-01-02" .Labels.due_date }}\n'),
    good=_tmpl("Due {{ .Labels.due_date }}\n"),
)
TEMPLATE_FUNCTION_UNKNOWN = Rule(
    "template-function-unknown",
    "error",
    AREA,
    "template function no Alertmanager defines",
    "Alertmanager refuses to load the template.",
    bad=_tmpl("Severity: {{ .Labels.severity | upper }}\n"),
    good=_tmpl("Severity: {{ .Labels.severity | toUpper }}\n"),
)
TEMPLATE_UNDEFINED = Rule(
    "template-undefined",
    "error",
    AREA,
    '{{ template "name" }} of a template defined nowhere',
    'The notification fails at send time (`template "x" not defined`): the alert is not delivered.',
    bad=_tmpl('{{ template "slack.ops.runbook" . }}\n'),
    good=_tmpl('{{ template "slack.ops.runbook" . }}\n')
    + '{{ define "slack.ops.runbook" }}{{ with .Annotations.runbook_url }}Runbook: {{ . }}{{ end }}{{ end }}\n',
)
TEMPLATE_UNKNOWN_FIELD = Rule(
    "template-unknown-field",
    "error",
    AREA,
    "field that does not exist on Alertmanager's template data",
    "Rendering fails (`can't evaluate field X in type template.Data`): the notification is not sent.",
    bad=_tmpl("Dashboard: {{ .Annotation.dashboard }}\n"),
    good=_tmpl("Dashboard: {{ .Annotations.dashboard }}\n"),
)

_DATA_FIX = (
    "use .Status, .Alerts, .CommonLabels, .CommonAnnotations, .GroupLabels, .ExternalURL "
    "(per alert: .Labels, .Annotations, .StartsAt, .EndsAt, .GeneratorURL)"
)
_ALERT_FIX = (
    "use .Status, .Labels, .Annotations, .StartsAt, .EndsAt, .GeneratorURL, .Fingerprint "
    "(the notification's fields through $: $.CommonLabels, $.ExternalURL, ...)"
)


# --- what every template rule needs ---------------------------------------------------------------


@dataclass
class _Templates:
    version: str  # the Alertmanager version the templates must load on
    validated: bool  # validate checked syntax, functions and calls of this spec at this version
    defined: set[str]  # built-in names and every define of the files given
    parsed: list[tuple[TemplateFile, TemplateInfo]] = field(default_factory=list)
    broken: list[tuple[TemplateFile, TemplateSyntaxError]] = field(default_factory=list)


def _templates(world: World, options: Options) -> _Templates:
    version = options.target_alertmanager or world.am_version
    found = _Templates(version, world.spec is not None and version == world.am_version, set(am_default_templates(version)))
    for tf in world.templates:
        info = world.parse_template(tf.text)
        if isinstance(info, TemplateSyntaxError):
            found.broken.append((tf, info))
            continue
        found.defined.update(info.defines)
        found.parsed.append((tf, info))
    return found


def _own(found: _Templates) -> Iterator[tuple[TemplateFile, TemplateInfo]]:
    """The parsed .tmpl files the user gave (not the ones callalert generates)."""
    return ((tf, info) for tf, info in found.parsed if tf.src is not None)


def _receiver_texts(world: World) -> Iterator[tuple[AMConfig, str, KeyPath, TemplateInfo | TemplateSyntaxError]]:
    """(config, receiver name, key, parsed) of every receiver string that holds a template."""
    am = world.am
    if am is None:
        return
    for name, receiver in am.receivers().items():
        for key, text in iter_strings({k: v for k, v in receiver.items() if k != "name"}):
            if "{{" in text:
                yield am, name, (*am.receiver_key(name), *key), world.parse_template(text)


# --- template-syntax ---------------------------------------------------------------------------


def _template_syntax(world: World, options: Options) -> Iterator[Problem]:
    found = _templates(world, options)
    if found.validated:
        return
    for tf, error in found.broken:
        if tf.src is not None:
            yield problem(
                tf.path,
                error.line,
                error.col,
                f"invalid template: {error.message}",
                TEMPLATE_SYNTAX,
                fix="fix the action; `amtool check-config` shows the same error",
            )
    for am, name, key, info in _receiver_texts(world):
        if isinstance(info, TemplateSyntaxError):
            yield am.src.problem(
                key,
                f"receiver {name}: invalid template: {info.message}",
                TEMPLATE_SYNTAX,
                fix="fix the action; `amtool check-config` shows the same error",
            )


# --- template-function-version, template-function-unknown -------------------------------------------


def _function_version_message(fn: UndefinedFunction, target: Version) -> tuple[str, str]:
    assert fn.added_in is not None
    since = fn.added_in.short
    return (
        f"function {fn.name!r} needs Alertmanager ≥ {since}; the target is {target.short}, which refuses to load this template",
        f"remove {fn.name} (e.g. print .StartsAt instead) or target Alertmanager {since} "
        f"(--target-alertmanager / defaults.targets.alertmanager)",
    )


def _function_unknown_message(fn: UndefinedFunction, target: Version) -> tuple[str, str]:
    known = [*GO_BUILTINS, *(n for n, f in AM_TEMPLATE_FUNCS.items() if f.available_in(target))]
    return (
        f"function {fn.name!r} is not defined in Alertmanager templates{did_you_mean(fn.name, known)}",
        "use a function Alertmanager defines (toUpper, toLower, title, join, reReplaceAll, ...)",
    )


def _undefined_functions(world: World, options: Options, rule: Rule) -> Iterator[Problem]:
    """template-function-version (a function of a later Alertmanager) or template-function-unknown (of none)."""
    found = _templates(world, options)
    if found.validated:
        return
    target = Version.parse(found.version)
    later = rule is TEMPLATE_FUNCTION_VERSION
    message = _function_version_message if later else _function_unknown_message

    def functions(info: TemplateInfo) -> Iterator[tuple[UndefinedFunction, str, str]]:
        for fn in undefined_functions(info, "alertmanager", target):
            if (fn.added_in is not None) == later:
                yield (fn, *message(fn, target))

    for tf, info in _own(found):
        for fn, text, fix in functions(info):
            yield problem(tf.path, fn.pos.line, fn.pos.col, text, rule, fix=fix)
    for am, name, key, parsed in _receiver_texts(world):
        if not isinstance(parsed, TemplateSyntaxError):
            for _fn, text, fix in functions(parsed):
                yield am.src.problem(key, f"receiver {name}: {text}", rule, fix=fix)


def _template_function_version(world: World, options: Options) -> Iterator[Problem]:
    return _undefined_functions(world, options, TEMPLATE_FUNCTION_VERSION)


def _template_function_unknown(world: World, options: Options) -> Iterator[Problem]:
    return _undefined_functions(world, options, TEMPLATE_FUNCTION_UNKNOWN)


# --- template-unknown-field ----------------------------------------------------------------------


def _field_problems(info: TemplateInfo) -> Iterator[tuple[int, int, str, str]]:
    """(line, col, message, fix) of every field `.` does not have at that point."""
    at = {pos: ref for ref in info.fields for pos in ref.positions}
    for finding in check_fields(info):
        ref = at.get(finding.pos)
        if ref is None:  # cannot happen while check_fields reports chain positions; never guess
            continue
        failing = ref.positions.index(finding.pos)
        typ = ref.context
        for name in ref.chain[:failing]:
            typ = member_type(typ, name) or typ
        name = ref.chain[failing]
        go_name = go_type_name(typ)
        prefix = f"can't evaluate field {name} in type {go_name}"
        hint = finding.message[len(prefix) :] if finding.message.startswith(prefix) else ""
        owner = {"Data": "Alertmanager's template data", "Alert": "an alert (template.Alert, inside range .Alerts)"}.get(
            typ, go_name
        )
        base = {"$": "$.", ".": "."}.get(ref.base, f"{ref.base}." if ref.base.startswith("$") else ".")
        fields = ", ".join(sorted(TYPES[typ][1])) or "no fields"
        fix = {"Data": _DATA_FIX, "Alert": _ALERT_FIX}.get(typ) or f"{go_name} has {fields}"
        yield (finding.pos.line, finding.pos.col, f"{base}{'.'.join(ref.chain)}: {owner} has no field {name!r}{hint}", fix)


def _template_unknown_field(world: World, options: Options) -> Iterator[Problem]:
    for tf, info in _own(_templates(world, options)):
        for line, col, message, fix in _field_problems(info):
            yield problem(tf.path, line, col, message, TEMPLATE_UNKNOWN_FIELD, fix=fix)
    for am, name, key, parsed in _receiver_texts(world):
        if not isinstance(parsed, TemplateSyntaxError):
            for _line, _col, message, fix in _field_problems(parsed):
                yield am.src.problem(key, f"receiver {name}: {message}", TEMPLATE_UNKNOWN_FIELD, fix=fix)


# --- template-undefined ----------------------------------------------------------------------------


def _template_undefined(world: World, options: Options) -> Iterator[Problem]:
    found = _templates(world, options)
    if found.validated or found.broken:  # a file that does not parse may define the name
        return
    for tf, info in _own(found):
        for call in info.template_calls:
            if call.name not in found.defined:
                yield problem(
                    tf.path,
                    call.pos.line,
                    call.pos.col,
                    f"template {call.name!r} is not defined in any template given",
                    TEMPLATE_UNDEFINED,
                    fix=f'add {{{{ define "{call.name}" }}}} ... {{{{ end }}}} or fix the name',
                )
    am = world.am
    # a config whose templates: globs were not given can call templates we cannot see
    if am is None or not (am.from_spec or not am.data.get("templates") or any(tf.src is not None for tf in world.templates)):
        return
    for am, name, key, parsed in _receiver_texts(world):
        if isinstance(parsed, TemplateSyntaxError):
            continue
        for call in parsed.template_calls:
            if call.name not in found.defined:
                yield am.src.problem(
                    key,
                    f"receiver {name}: template {call.name!r} is not defined in any template given",
                    TEMPLATE_UNDEFINED,
                    fix=f"add a .tmpl file that defines {call.name!r}, or fix the name",
                )


RULES: tuple[LintRule, ...] = (
    LintRule(TEMPLATE_SYNTAX, "template", _template_syntax),
    LintRule(TEMPLATE_FUNCTION_VERSION, "template", _template_function_version),
    LintRule(TEMPLATE_FUNCTION_UNKNOWN, "template", _template_function_unknown),
    LintRule(TEMPLATE_UNDEFINED, "template", _template_undefined),
    LintRule(TEMPLATE_UNKNOWN_FIELD, "template", _template_unknown_field),
)
