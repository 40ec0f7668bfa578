"""Notification templates (syntax, functions per Alertmanager version, undefined templates, unknown
fields) and deprecated matcher syntax in alertmanager.yml.

The template knowledge (parser, types of `.`, function and built-in name tables) is callalert's
gotemplate/versions; this module only turns its answers into findings. On a spec, validate has
already checked syntax, functions and template calls at the spec's target (template_checks.py), so
those are re-checked only for another --target-alertmanager.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from callalert.diagnostics import KeyPath, Problem
from callalert.lint.engine import Options, register
from callalert.lint.world import World
from callalert.lint.world import config_strings as _strings

register(
    "template-syntax",
    "error",
    "templates",
    "template Go's text/template parser rejects",
    "Alertmanager refuses to load a config whose templates do not parse, so no notification is sent at all.",
    "{{ if .Alerts }}firing",
    "{{ if .Alerts }}firing{{ end }}",
)
register(
    "template-function-version",
    "error",
    "templates",
    "template function the target Alertmanager does not have yet",
    'Alertmanager refuses to load templates that call an undefined function (`function "since" not defined`), so '
    "the whole config fails to load.",
    "{{ .StartsAt | since }}   # since arrived in Alertmanager 0.28",
    "{{ .StartsAt }}   # or raise the target to 0.28",
)
register(
    "template-function-unknown",
    "error",
    "templates",
    "template function no Alertmanager defines",
    "Alertmanager refuses to load the template.",
    "{{ .CommonLabels.alertname | upper }}",
    "{{ .CommonLabels.alertname | toUpper }}",
)
register(
    "template-undefined",
    "error",
    "templates",
    '{{ template "name" }} of a template defined nowhere',
    'The notification fails at send time (`template "x" not defined`): the alert is not delivered.',
    "text: '{{ template \"slack.custom.text\" . }}'   # no define",
    '{{ define "slack.custom.text" }}...{{ end }} in a .tmpl file',
)
register(
    "template-unknown-field",
    "error",
    "templates",
    "field that does not exist on Alertmanager's template data",
    "Rendering fails (`can't evaluate field X in type template.Data`): the notification is not sent.",
    "{{ .CommonLabel.alertname }}   # or .Labels outside range .Alerts",
    "{{ .CommonLabels.alertname }}",
)
register(
    "am-deprecated-match",
    "warning",
    "templates",
    "deprecated match/match_re/source_match/target_match",
    "They are deprecated since Alertmanager 0.22 in favour of `matchers`; new features only come to matchers.",
    "match:\n  severity: critical",
    'matchers:\n  - severity="critical"',
)

Found = tuple[int, int, str, str, str]  # line, col, message, rule, fix

_DATA_FIX = (
    "use .Status, .Alerts, .CommonLabels, .CommonAnnotations, .GroupLabels, .ExternalURL "
    "(per alert: .Labels, .Annotations, .StartsAt, .EndsAt, .GeneratorURL)"
)
_ALERT_FIX = (
    "use .Status, .Labels, .Annotations, .StartsAt, .EndsAt, .GeneratorURL, .Fingerprint "
    "(the notification's fields through $: $.CommonLabels, $.ExternalURL, ...)"
)


def _function_problems(info: Any, version: str) -> Iterator[Found]:
    from callalert.analysis.gotemplate import GO_BUILTINS, undefined_functions
    from callalert.analysis.versions import AM_TEMPLATE_FUNCS, Version

    target = Version.parse(version)
    for fn in undefined_functions(info, "alertmanager", target):
        if fn.added_in is None:
            from callalert.diagnostics import did_you_mean

            known = [*GO_BUILTINS, *(n for n, f in AM_TEMPLATE_FUNCS.items() if f.available_in(target))]
            yield (
                fn.pos.line,
                fn.pos.col,
                f"function {fn.name!r} is not defined in Alertmanager templates{did_you_mean(fn.name, known)}",
                "template-function-unknown",
                "use a function Alertmanager defines (toUpper, toLower, title, join, reReplaceAll, ...)",
            )
        else:
            since = fn.added_in.short
            yield (
                fn.pos.line,
                fn.pos.col,
                f"function {fn.name!r} needs Alertmanager ≥ {since}; the target is {target.short}, "
                f"which refuses to load this template",
                "template-function-version",
                f"remove {fn.name} (e.g. print .StartsAt instead) or target Alertmanager {since} "
                f"(--target-alertmanager / defaults.targets.alertmanager)",
            )


def _field_problems(info: Any) -> Iterator[Found]:
    from callalert.analysis.gotemplate import TYPES, check_fields, go_type_name, member_type

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
        fix = {"Data": _DATA_FIX, "Alert": _ALERT_FIX}.get(
            typ
        ) or f"{go_name} has {', '.join(sorted(TYPES[typ][1])) or 'no fields'}"
        yield (
            finding.pos.line,
            finding.pos.col,
            f"{base}{'.'.join(ref.chain)}: {owner} has no field {name!r}{hint}",
            "template-unknown-field",
            fix,
        )


def check(world: World, options: Options) -> Iterator[Problem]:
    from callalert.analysis.gotemplate import TemplateSyntaxError, am_default_templates

    version = options.target_alertmanager or world.am_version
    # validate checked syntax, functions and template calls of a spec at the spec's own target
    validated = world.spec is not None and version == world.am_version
    defined = set(am_default_templates(version))
    infos: list[tuple[Any, Any]] = []
    all_parsed = True
    for tf in world.templates:
        info = world.parse_template(tf.text)
        if isinstance(info, TemplateSyntaxError):
            all_parsed = False
            if tf.src is not None and not validated:
                yield Problem(
                    tf.path,
                    info.line,
                    info.col,
                    "error",
                    f"invalid template: {info.message}",
                    "template-syntax",
                    "",
                    "fix the action; `amtool check-config` shows the same error",
                )
            continue
        defined.update(info.defines)
        infos.append((tf, info))
    for tf, info in infos:
        if tf.src is None:
            continue
        found = [*_field_problems(info)] if validated else [*_function_problems(info, version), *_field_problems(info)]
        for line, col, message, rule, fix in found:
            yield Problem(tf.path, line, col, _lvl(rule), message, rule, "", fix)
        if validated or not all_parsed:  # a file that does not parse may define the name
            continue
        for call in info.template_calls:
            if call.name not in defined:
                yield Problem(
                    tf.path,
                    call.pos.line,
                    call.pos.col,
                    "error",
                    f"template {call.name!r} is not defined in any template given",
                    "template-undefined",
                    "",
                    f'add {{{{ define "{call.name}" }}}} ... {{{{ end }}}} or fix the name',
                )
    am = world.am
    if am is None:
        return
    # a config whose templates: globs were not given can call templates we cannot see
    know_all_templates = all_parsed and (
        am.from_spec or not am.data.get("templates") or any(tf.src is not None for tf in world.templates)
    )
    for name, receiver in am.receivers().items():
        for key, text in _strings(receiver, ()):
            if "{{" not in text:
                continue
            rkey: KeyPath = (*am.receiver_key(name), *key)
            info = world.parse_template(text)
            if isinstance(info, TemplateSyntaxError):
                if not validated:
                    yield am.src.problem(
                        rkey,
                        f"receiver {name}: invalid template: {info.message}",
                        "template-syntax",
                        fix="fix the action; `amtool check-config` shows the same error",
                    )
                continue
            found = [*_field_problems(info)] if validated else [*_function_problems(info, version), *_field_problems(info)]
            for _l, _c, message, rule, fix in found:
                yield am.src.problem(rkey, f"receiver {name}: {message}", rule, fix=fix)
            if know_all_templates and not validated:
                for call in info.template_calls:
                    if call.name not in defined:
                        yield am.src.problem(
                            rkey,
                            f"receiver {name}: template {call.name!r} is not defined in any template given",
                            "template-undefined",
                            fix=f"add a .tmpl file that defines {call.name!r}, or fix the name",
                        )
    if not am.from_spec:
        yield from _deprecated(world)


def _lvl(rule: str) -> Any:
    from callalert.lint.engine import level_of

    return level_of(rule)


def _equivalent(match: Any, match_re: Any) -> list[str]:
    from callalert.analysis.alertmanager.matchers import format_matcher

    out = []
    for name, value in (match or {}).items() if isinstance(match, dict) else ():
        out.append(format_matcher(str(name), "=", str(value)))
    for name, value in (match_re or {}).items() if isinstance(match_re, dict) else ():
        out.append(format_matcher(str(name), "=~", str(value)))
    return out


def _deprecated(world: World) -> Iterator[Problem]:
    am = world.am
    assert am is not None

    def one(raw: dict[str, Any], key: KeyPath, prefix: str, new: str) -> Iterator[Problem]:
        old = [f"{prefix}match", f"{prefix}match_re"]
        present = [o for o in old if raw.get(o) is not None]
        if not present:
            return
        lines = _equivalent(raw.get(old[0]), raw.get(old[1]))
        yield am.src.problem(
            (*key, present[0]),
            f"{' and '.join(present)} {'is' if len(present) == 1 else 'are'} deprecated",
            "am-deprecated-match",
            at_key=True,
            fix=f"{new}: [{', '.join(repr(x) for x in lines)}]",
        )

    def walk(raw: Any, key: KeyPath) -> Iterator[Problem]:
        if not isinstance(raw, dict):
            return
        yield from one(raw, key, "", "matchers")
        for i, child in enumerate(raw.get("routes") or []):
            yield from walk(child, (*key, "routes", i))

    yield from walk(am.data.get("route"), ("route",))
    for i, rule in enumerate(am.data.get("inhibit_rules") or []):
        if isinstance(rule, dict):
            yield from one(rule, ("inhibit_rules", i), "source_", "source_matchers")
            yield from one(rule, ("inhibit_rules", i), "target_", "target_matchers")
