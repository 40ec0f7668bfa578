"""Notification templates (functions per Alertmanager version, undefined templates, unknown fields)
and deprecated matcher syntax in alertmanager.yml."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from callalert.diagnostics import KeyPath, Problem
from callalert.lint.engine import Options, register
from callalert.lint.gotmpl import AM_FIELDS, GO_BUILTINS, TemplateScan, scan
from callalert.lint.world import World

register("template-function-version", "error", "templates", "template function the target Alertmanager does not have yet",
         "Alertmanager refuses to load templates that call an undefined function (`function \"since\" not defined`), so "
         "the whole config fails to load.",
         "{{ .StartsAt | since }}   # since arrived in Alertmanager 0.28", "{{ .StartsAt }}   # or raise the target to 0.28")
register("template-function-unknown", "error", "templates", "template function no Alertmanager defines",
         "Alertmanager refuses to load the template.", "{{ .CommonLabels.alertname | upper }}", "{{ .CommonLabels.alertname | toUpper }}")
register("template-undefined", "error", "templates", "{{ template \"name\" }} of a template defined nowhere",
         "The notification fails at send time (`template \"x\" not defined`): the alert is not delivered.",
         "text: '{{ template \"slack.custom.text\" . }}'   # no define", "{{ define \"slack.custom.text\" }}...{{ end }} in a .tmpl file")
register("template-unknown-field", "error", "templates", "field that does not exist on Alertmanager's template data",
         "Rendering fails (`can't evaluate field X in type template.Data`): the notification is not sent.",
         "{{ .CommonLabel.alertname }}", "{{ .CommonLabels.alertname }}")
register("am-deprecated-match", "warning", "templates", "deprecated match/match_re/source_match/target_match",
         "They are deprecated since Alertmanager 0.22 in favour of `matchers`; new features only come to matchers.",
         "match:\n  severity: critical", "matchers:\n  - severity=\"critical\"")

# Alertmanager's built-in template names (template/default.tmpl and email.tmpl). A user file may redefine them.
BUILTIN_TEMPLATES = frozenset("""
__alertmanager __alertmanagerURL __description __subject __text_alert_list __text_alert_list_markdown
discord.default.content discord.default.message discord.default.title email.default.html email.default.subject
jira.default.description jira.default.priority jira.default.summary mattermost.default.color mattermost.default.fallback
mattermost.default.text mattermost.default.title mattermost.default.titlelink mattermost.default.username
msteams.default.summary msteams.default.text msteams.default.title msteamsv2.default.text msteamsv2.default.title
opsgenie.default.description opsgenie.default.message opsgenie.default.source pagerduty.default.client
pagerduty.default.clientURL pagerduty.default.description pagerduty.default.instances pushover.default.message
pushover.default.title pushover.default.url rocketchat.default.alias rocketchat.default.emoji rocketchat.default.iconurl
rocketchat.default.text rocketchat.default.title rocketchat.default.titlelink slack.default.callbackid slack.default.color
slack.default.fallback slack.default.footer slack.default.iconemoji slack.default.iconurl slack.default.pretext
slack.default.text slack.default.title slack.default.titlelink slack.default.username sns.default.message
sns.default.subject telegram.default.message victorops.default.entity_display_name victorops.default.monitoring_tool
victorops.default.state_message webex.default.message wechat.default.agent_id wechat.default.message
wechat.default.to_party wechat.default.to_tag wechat.default.to_user
""".split())


def _function_problems(found: TemplateScan, version: str) -> Iterator[tuple[int, int, str, str, str]]:
    from callalert.versions import AM_TEMPLATE_FUNCS, Version

    target = Version.parse(version)
    for ref in found.functions:
        if ref.name in GO_BUILTINS:
            continue
        feature = AM_TEMPLATE_FUNCS.get(ref.name)
        if feature is None:
            from callalert.diagnostics import did_you_mean

            known = [*GO_BUILTINS, *(n for n, f in AM_TEMPLATE_FUNCS.items() if f.available_in(target))]
            yield (ref.line, ref.col, f"function {ref.name!r} is not defined in Alertmanager templates{did_you_mean(ref.name, known)}",
                   "template-function-unknown", "use a function Alertmanager defines (toUpper, toLower, title, join, reReplaceAll, ...)")
        elif not feature.available_in(target):
            yield (ref.line, ref.col, f"function {ref.name!r} needs Alertmanager ≥ {feature.since.short}; the target is {target.short}, "
                   f"which refuses to load this template", "template-function-version",
                   f"remove {ref.name} (e.g. print .StartsAt instead) or target Alertmanager {feature.since.short} "
                   f"(--target-alertmanager / defaults.targets.alertmanager)")


def _field_problems(found: TemplateScan) -> Iterator[tuple[int, int, str, str, str]]:
    for chain, line, col in found.fields:
        first = chain[0]
        if first[:1].isupper() and first not in AM_FIELDS:
            from callalert.diagnostics import did_you_mean

            yield (line, col, f".{'.'.join(chain)}: Alertmanager's template data has no field {first!r}{did_you_mean(first, AM_FIELDS)}",
                   "template-unknown-field", "use .Status, .Alerts, .CommonLabels, .CommonAnnotations, .GroupLabels, .ExternalURL "
                   "(per alert: .Labels, .Annotations, .StartsAt, .EndsAt, .GeneratorURL)")


def check(world: World, options: Options) -> Iterator[Problem]:
    version = options.target_alertmanager or world.am_version
    defined = set(BUILTIN_TEMPLATES)
    scans: list[tuple[Any, TemplateScan]] = []
    for tf in world.templates:
        found = scan(tf.text)
        defined.update(r.name for r in found.defines)
        scans.append((tf, found))
    for tf, found in scans:
        if tf.src is None:
            continue
        for line, col, message, rule, fix in [*_function_problems(found, version), *_field_problems(found)]:
            yield Problem(tf.path, line, col, _lvl(rule), message, rule, "", fix)
        for ref in found.calls:
            if ref.name not in defined:
                yield Problem(tf.path, ref.line, ref.col, "error", f"template {ref.name!r} is not defined in any template given",
                              "template-undefined", "", f"add {{{{ define \"{ref.name}\" }}}} ... {{{{ end }}}} or fix the name")
    am = world.am
    if am is None:
        return
    # a config whose templates: globs were not given can call templates we cannot see
    know_all_templates = am.from_spec or not am.data.get("templates") or any(tf.src is not None for tf in world.templates)
    for name, receiver in am.receivers().items():
        for key, text in _strings(receiver, ()):
            if "{{" not in text:
                continue
            found = scan(text)
            rkey: KeyPath = (*am.receiver_key(name), *key)
            for _l, _c, message, rule, fix in [*_function_problems(found, version), *_field_problems(found)]:
                yield am.src.problem(rkey, f"receiver {name}: {message}", rule, fix=fix)
            if know_all_templates:
                for ref in found.calls:
                    if ref.name not in defined:
                        yield am.src.problem(rkey, f"receiver {name}: template {ref.name!r} is not defined in any template given",
                                             "template-undefined", fix=f"add a .tmpl file that defines {ref.name!r}, or fix the name")
    if not am.from_spec:
        yield from _deprecated(world)


def _lvl(rule: str) -> Any:
    from callalert.lint.engine import level_of

    return level_of(rule)


def _strings(obj: object, key: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(obj, str):
        yield key, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if k != "name":
                yield from _strings(v, (*key, str(k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _strings(v, (*key, i))


def _equivalent(match: Any, match_re: Any) -> list[str]:
    from callalert.matchers import _go_escape

    out = []
    for name, value in (match or {}).items() if isinstance(match, dict) else ():
        out.append(f'{name}="{_go_escape(str(value))}"')
    for name, value in (match_re or {}).items() if isinstance(match_re, dict) else ():
        out.append(f'{name}=~"{_go_escape(str(value))}"')
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
        yield am.src.problem((*key, present[0]), f"{' and '.join(present)} {'is' if len(present) == 1 else 'are'} deprecated",
                             "am-deprecated-match", at_key=True,
                             fix=f"{new}: [{', '.join(repr(x) for x in lines)}]")

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
