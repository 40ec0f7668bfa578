"""What `promtool check rules` of a Prometheus release refuses in a rule file (rulefmt.Parse and
Validate), with the key each refusal is about.

promtool decodes strictly (unknown fields are errors), then validates every group and rule: a
group name, unique in the file; exactly one of `record` and `alert`; an `expr` that parses at the
release (analysis/promql, per version); no `annotations`, `for` or `keep_firing_for` on a
recording rule; a record name that is a metric name; label and annotation names (UTF-8 from
Prometheus 3.0, when promtool switched to UTF-8 name validation) and templates that parse. Group
`labels` came with 3.0 and `query_offset` with 2.53. promtool's duplicate-rule lint is a warning,
not a refusal, so it is not here (lint's rule-duplicate reports it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from callalert.analysis import gotemplate
from callalert.analysis.labels import is_valid_label_name
from callalert.analysis.promql import check_syntax
from callalert.analysis.versions import Version
from callalert.diagnostics import KeyPath, did_you_mean

_DURATION_RE = re.compile(r"(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?")
_LEGACY_METRIC = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")

# Group and rule fields, with the Prometheus release that added each (rulefmt.RuleGroup / Rule).
GROUP_FIELDS: dict[str, Version] = {
    "name": Version(2, 0),
    "interval": Version(2, 0),
    "rules": Version(2, 0),
    "limit": Version(2, 31),
    "query_offset": Version(2, 53),
    "labels": Version(3, 0),
}
RULE_FIELDS: dict[str, Version] = {
    "record": Version(2, 0),
    "alert": Version(2, 0),
    "expr": Version(2, 0),
    "for": Version(2, 0),
    "labels": Version(2, 0),
    "annotations": Version(2, 0),
    "keep_firing_for": Version(2, 42),
}
UTF8_NAMES = Version(3, 0)  # promtool validates label and metric names as UTF-8 from 3.0


@dataclass(frozen=True)
class RuleFileIssue:
    """One refusal. `kind`: "promql-syntax" / "promql-version" (the expression), "template-syntax"
    (a label or annotation template), or "rule-file" (everything else). `line`/`col`: where in the
    value (1-based, for the expression and templates), else 0."""

    key: KeyPath
    message: str
    kind: str = "rule-file"
    line: int = 0
    col: int = 0
    at_key: bool = False


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping" if isinstance(value, Mapping) else type(value).__name__


def _scalar(value: Any) -> str:
    """A YAML scalar as yaml.v3 decodes it into a Go string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def label_name_ok(name: str, version: Version) -> bool:
    return is_valid_label_name(name, utf8=version >= UTF8_NAMES)


def metric_name_ok(name: str, version: Version) -> bool:
    if version >= UTF8_NAMES:
        return bool(name)
    return bool(_LEGACY_METRIC.fullmatch(name))


def _duration_ok(value: Any) -> bool:
    text = _scalar(value)
    return text == "0" or bool(text and _DURATION_RE.fullmatch(text))


# What reads an annotation or label template: its analysis, or the syntax error Go would raise.
TemplateReader = Callable[[str], "gotemplate.TemplateInfo | gotemplate.TemplateSyntaxError"]


def _read_template(text: str) -> gotemplate.TemplateInfo | gotemplate.TemplateSyntaxError:
    try:
        return gotemplate.parse_prometheus_template(text)
    except gotemplate.TemplateSyntaxError as exc:
        return exc


def rule_file_issues(data: Any, version: str | Version, read_template: TemplateReader | None = None) -> list[RuleFileIssue]:
    """Everything `promtool check rules` of Prometheus `version` refuses in `data` (a loaded rule
    file), each at its key; [] when it would load. `read_template`: what parses each template
    (gotemplate.parse_prometheus_template by default; lint passes the world's, which parses a text
    once for every rule that holds it and for its own template rules)."""
    target = Version.parse(version)
    if data is None:
        return []  # an empty file holds no groups: promtool accepts it
    if not isinstance(data, Mapping):
        return [RuleFileIssue((), f"expected a mapping with `groups:` at the top level, got {_kind(data)}")]
    return list(_issues(data, target, read_template or _read_template))


def _fields(
    raw: Mapping[str, Any], key: KeyPath, known: dict[str, Version], what: str, target: Version
) -> Iterator[RuleFileIssue]:
    for name in raw:
        field = str(name)
        since = known.get(field)
        if since is None:
            yield RuleFileIssue((*key, field), f"field {field} not found in {what}{did_you_mean(field, known)}", at_key=True)
        elif target < since:
            yield RuleFileIssue(
                (*key, field),
                f"field {field} not found in {what}: `{field}` needs Prometheus ≥ {since.major}.{since.minor}",
                at_key=True,
            )


def _issues(data: Mapping[str, Any], target: Version, read_template: TemplateReader) -> Iterator[RuleFileIssue]:
    for name in data:
        if str(name) != "groups":
            yield RuleFileIssue((str(name),), f"field {name} not found in the rule file (only `groups:`)", at_key=True)
    groups = data.get("groups")
    if groups is None:
        return
    if not isinstance(groups, list):
        yield RuleFileIssue(("groups",), f"groups: expected a list, got {_kind(groups)}")
        return
    names: dict[str, int] = {}
    for gi, group in enumerate(groups):
        gkey: KeyPath = ("groups", gi)
        if not isinstance(group, Mapping):
            yield RuleFileIssue(gkey, f"a rule group must be a mapping, got {_kind(group)}")
            continue
        yield from _fields(group, gkey, GROUP_FIELDS, "a rule group", target)
        name = _scalar(group.get("name"))
        if not name:
            yield RuleFileIssue(gkey, "Groupname must not be empty")
        elif name in names:
            yield RuleFileIssue((*gkey, "name"), f'groupname: "{name}" is repeated in the same file (also groups[{names[name]}])')
        else:
            names[name] = gi
        for field in ("interval", "query_offset"):
            if group.get(field) is not None and not _duration_ok(group[field]):
                yield RuleFileIssue((*gkey, field), f'not a valid duration string: "{_scalar(group[field])}"')
        if group.get("limit") is not None and (isinstance(group["limit"], bool) or not isinstance(group["limit"], int)):
            yield RuleFileIssue((*gkey, "limit"), f"limit: expected an integer, got {_kind(group['limit'])}")
        glabels = group.get("labels")
        if isinstance(glabels, Mapping) and target >= GROUP_FIELDS["labels"]:
            for label in glabels:
                if not label_name_ok(str(label), target) or str(label) == "__name__":
                    yield RuleFileIssue((*gkey, "labels", str(label)), f"invalid label name: {label}", at_key=True)
        rules = group.get("rules")
        if rules is None:
            continue
        if not isinstance(rules, list):
            yield RuleFileIssue((*gkey, "rules"), f"rules: expected a list, got {_kind(rules)}")
            continue
        for ri, rule in enumerate(rules):
            rkey: KeyPath = (*gkey, "rules", ri)
            if not isinstance(rule, Mapping):
                yield RuleFileIssue(rkey, f"a rule must be a mapping, got {_kind(rule)}")
                continue
            yield from _rule(rule, rkey, target, read_template)


def _rule(rule: Mapping[str, Any], key: KeyPath, target: Version, read_template: TemplateReader) -> Iterator[RuleFileIssue]:
    yield from _fields(rule, key, RULE_FIELDS, "a rule", target)
    for field in ("record", "alert", "expr"):
        if isinstance(rule.get(field), (list, Mapping)):
            yield RuleFileIssue((*key, field), f"{field}: expected a string, got {_kind(rule[field])}")
            return
    record, alert, expr = (_scalar(rule.get(f)) for f in ("record", "alert", "expr"))
    if record and alert:
        yield RuleFileIssue(key, "only one of 'record' and 'alert' must be set")
    if not record and not alert:
        yield RuleFileIssue(key, "one of 'record' or 'alert' must be set")
    if not expr:
        yield RuleFileIssue(key if "expr" not in rule else (*key, "expr"), "field 'expr' must be set in rule")
    else:
        for problem in check_syntax(expr, target=target):
            yield RuleFileIssue(
                (*key, "expr"), f"could not parse expression: {problem.message}", problem.rule, problem.line, problem.col
            )
    for field in ("for", "keep_firing_for"):
        if rule.get(field) is not None and not _duration_ok(rule[field]):
            yield RuleFileIssue((*key, field), f'not a valid duration string: "{_scalar(rule[field])}"')
    if record:
        if rule.get("annotations"):
            yield RuleFileIssue((*key, "annotations"), "invalid field 'annotations' in recording rule", at_key=True)
        for field in ("for", "keep_firing_for"):
            if rule.get(field) is not None and _duration_ok(rule[field]) and _scalar(rule[field]).strip("0smhdwy") != "":
                yield RuleFileIssue((*key, field), f"invalid field '{field}' in recording rule", at_key=True)
        if not metric_name_ok(record, target):
            yield RuleFileIssue((*key, "record"), f"invalid recording rule name: {record}")
        elif target >= UTF8_NAMES and ("{" in record or "}" in record):
            yield RuleFileIssue((*key, "record"), f"braces present in the recording rule name; should it be in expr?: {record}")
    for section, what in (("labels", "label"), ("annotations", "annotation")):
        values = rule.get(section)
        if values is None:
            continue
        if not isinstance(values, Mapping):
            yield RuleFileIssue((*key, section), f"{section}: expected a mapping, got {_kind(values)}")
            continue
        for name, value in values.items():
            label = str(name)
            if not label_name_ok(label, target) or (section == "labels" and label == "__name__"):
                yield RuleFileIssue((*key, section, label), f"invalid {what} name: {label}", at_key=True)
            if isinstance(value, (list, Mapping)):
                yield RuleFileIssue((*key, section, label), f"{what} {label}: expected a string, got {_kind(value)}")
                continue
            text = _scalar(value)
            if alert and "{{" in text:
                yield from _template(read_template(text), (*key, section, label), f"{what} {label!r}")


def _template(info: gotemplate.TemplateInfo | gotemplate.TemplateSyntaxError, key: KeyPath, what: str) -> Iterator[RuleFileIssue]:
    if isinstance(info, gotemplate.TemplateSyntaxError):
        yield RuleFileIssue(key, f"{what}: {info.message}", "template-syntax", info.line, info.col)
        return
    for fn in gotemplate.undefined_functions(info, "prometheus"):
        yield RuleFileIssue(key, f'{what}: function "{fn.name}" not defined', "template-syntax", fn.pos.line, fn.pos.col)
