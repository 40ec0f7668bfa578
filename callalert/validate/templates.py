"""Template checks at validation time: what Prometheus or Alertmanager would refuse to load.

- rule annotations (Prometheus templates): syntax and functions Prometheus defines;
- notification template files (built-in and the user's): syntax, functions the target
  Alertmanager defines (e.g. `since` needs 0.28), one definition per template name;
- receiver fields (`title`, `text`, `html`, headers, details...): syntax, functions, and
  `{{ template "name" }}` calls naming a template that exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from callalert import diagnostics as d
from callalert.analysis import gotemplate
from callalert.analysis.versions import AM_DEFAULT_TEMPLATES, AM_RELEASES, Version, am_go
from callalert.diagnostics import Problem, did_you_mean, iter_strings
from callalert.model import Model
from callalert.spec.load import Merged

# Actions that are certainly valid in a Prometheus rule template. Most annotations consist of
# nothing else, and skipping the full parser for them keeps 10,000-alert specs fast.
_SIMPLE_ACTION = re.compile(
    r"\{\{-?\s*(?:\$value|\$labels\.[A-Za-z_]\w*|\$externalLabels\.[A-Za-z_]\w*|\.Value|\.Labels\.[A-Za-z_]\w*)"
    r"(?:\s*\|\s*(?:humanize|humanize1024|humanizePercentage|humanizeDuration|humanizeTimestamp|toUpper|toLower|title))*"
    r"\s*-?\}\}"
)


def _trivially_valid(text: str) -> bool:
    rest = _SIMPLE_ACTION.sub("", text)
    return "{{" not in rest and "}}" not in rest


def _function_message(name: str, added_in: Any, what: str, version: str) -> tuple[str, str | None]:
    if added_in is not None:
        return (
            f"template function {name!r} needs {what} ≥ {added_in.short if hasattr(added_in, 'short') else added_in}; the target is {version}",
            f"raise defaults.targets.{what.lower()} or avoid {name!r}",
        )
    return (f"template function {name!r} is not defined in {what} {version}", None)


def _builtin_note(name: str, am_version: str) -> str:
    """For a built-in template name of a later (or earlier) Alertmanager than the target."""
    feature = AM_DEFAULT_TEMPLATES.get(name)
    if feature is None:
        return ""
    if Version.parse(am_version) < feature.since:
        return f" (Alertmanager's built-in {name!r} arrives in {feature.since.short}; the target is {am_version})"
    if feature.removed is not None:
        return f" (Alertmanager's built-in {name!r} was removed in {feature.removed.short})"
    return ""


def _go_note(text: str, name: str, go: Version, am_version: str) -> str:
    """For a template the Go of the target rejects: the first release whose Go parses it."""
    target = Version.parse(am_version)
    for release in sorted(AM_RELEASES):
        if release <= target or release.patch or am_go(release) <= go:
            continue
        try:
            gotemplate.parse_template(text, name, am_go(release))
        except gotemplate.TemplateSyntaxError:
            continue
        return (
            f" (Alertmanager {target.short} is built with Go {go.short}; Alertmanager ≥ {release.short}, built with "
            f"Go {am_go(release).short}, parses it)"
        )
    return ""


def check(model: Model, merged: Merged) -> Iterator[Problem]:
    from callalert.model.builtin_templates import builtin_templates

    am_version = model.am_version
    go = am_go(am_version)
    # 1. rule annotations
    for alert in model.alerts:
        for key, field, text in alert.text_fields():
            if "{{" not in text or _trivially_valid(text):
                continue
            try:
                info = gotemplate.parse_prometheus_template(text, f"{alert.name}.{field}")
            except gotemplate.TemplateSyntaxError as exc:
                yield merged.problem_in_value(key, exc.line, exc.col, f"invalid template: {exc.message}", d.TEMPLATE_SYNTAX)
                continue
            for fn in gotemplate.undefined_functions(info, "prometheus"):
                yield merged.problem_in_value(
                    key,
                    fn.pos.line,
                    fn.pos.col,
                    f"template function {fn.name!r} is not defined in Prometheus rule templates",
                    d.TEMPLATE_FUNCTION,
                )

    # 2. template files
    defined: dict[str, str] = {}  # template name -> file that defines it
    files = [(f"built-in {name}", text, True) for name, text in builtin_templates(model).items()]
    files += [(tf.display, tf.text, False) for tf in model.templates.files]
    for display, text, is_builtin in files:
        try:
            info = gotemplate.parse_template(text, display, go)
        except gotemplate.TemplateSyntaxError as exc:
            yield d.problem(
                display,
                exc.line,
                exc.col,
                f"invalid template: {exc.message}{_go_note(text, display, go, am_version)}",
                d.TEMPLATE_SYNTAX,
            )
            continue
        for name, pos in info.defines.items():
            if name in defined:
                hint = (
                    f"remove {defined[name].split()[-1][:-5]!r} from templates.builtin to replace the built-in"
                    if defined[name].startswith("built-in")
                    else "rename one of them"
                )
                yield d.problem(
                    display,
                    pos.line,
                    pos.col,
                    f"template {name!r} is already defined by {defined[name]}",
                    d.TEMPLATE_REDEFINED,
                    fix=hint,
                )
            else:
                defined[name] = display
        if is_builtin:
            continue
        for fn in gotemplate.undefined_functions(info, "alertmanager", am_version):
            message, fix = _function_message(fn.name, fn.added_in, "Alertmanager", am_version)
            yield d.problem(display, fn.pos.line, fn.pos.col, message, d.TEMPLATE_FUNCTION, fix=fix)

    known = set(defined) | set(gotemplate.am_default_templates(am_version))
    for display, text, _ in files:
        try:
            info = gotemplate.parse_template(text, display, go)
        except gotemplate.TemplateSyntaxError:
            continue
        for call in info.template_calls:
            if call.name not in known and call.kind == "template":
                yield d.problem(
                    display,
                    call.pos.line,
                    call.pos.col,
                    f"template {call.name!r} is not defined{_builtin_note(call.name, am_version)}",
                    d.UNKNOWN_TEMPLATE,
                )

    # 3. receiver fields
    for receiver in model.receivers.values():
        for key, text in iter_strings(receiver.config, receiver.key):
            if "{{" not in text:
                continue
            try:
                info = gotemplate.parse_template(text, str(key[-1]), go)
            except gotemplate.TemplateSyntaxError as exc:
                note = _go_note(text, str(key[-1]), go, am_version)
                yield merged.problem_in_value(key, exc.line, exc.col, f"invalid template: {exc.message}{note}", d.TEMPLATE_SYNTAX)
                continue
            for fn in gotemplate.undefined_functions(info, "alertmanager", am_version):
                message, fix = _function_message(fn.name, fn.added_in, "Alertmanager", am_version)
                yield merged.problem_in_value(key, fn.pos.line, fn.pos.col, message, d.TEMPLATE_FUNCTION, fix=fix)
            for call in info.template_calls:
                if call.name not in known:
                    yield merged.problem_in_value(
                        key,
                        call.pos.line,
                        call.pos.col,
                        f"template {call.name!r} is not defined{_builtin_note(call.name, am_version) or did_you_mean(call.name, known)}",
                        d.UNKNOWN_TEMPLATE,
                        fix="define it in a file listed in templates.files, or enable the built-in that defines it",
                    )
