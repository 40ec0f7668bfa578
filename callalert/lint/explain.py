"""`--explain RULE` and `--list`."""

from __future__ import annotations

from callalert.diagnostics import did_you_mean
from callalert.errors import UsageError
from callalert.lint import rules
from callalert.lint.engine import ExampleKind, LintRule

_EXAMPLE_KINDS: dict[ExampleKind, str] = {
    "spec": "a callalert spec",
    "rules": "a Prometheus rule file",
    "alertmanager": "an alertmanager.yml",
    "template": "a notification template (.tmpl)",
    "project": "a project configuration (.callalert.yml)",
}


def _indent(text: str) -> str:
    return "".join(f"    {line}\n" if line else "\n" for line in text.splitlines())


def explain(rule_id: str) -> str:
    known = rules.by_id()
    lint_rule = known.get(rule_id)
    if lint_rule is None:
        raise UsageError(f"unknown rule {rule_id!r}{did_you_mean(rule_id, known)}; see `callalert lint --list`")
    info = lint_rule.rule
    text = (
        f"{info.id} ({info.level}, {info.area}): {info.summary}\n\n"
        f"Why it matters:\n  {info.why}\n\n"
        f"Examples, each {_EXAMPLE_KINDS[lint_rule.examples]}"
        + (", linted with --metrics naming:\n" + _indent(lint_rule.metrics) if lint_rule.metrics else "")
        + (
            ", linted with the project configuration (.callalert.yml):\n" + _indent(lint_rule.project)
            if lint_rule.project
            else ""
        )
        + ("" if lint_rule.metrics or lint_rule.project else ":\n")
        + f"\nBad:\n{_indent(info.bad)}\nGood:\n{_indent(info.good)}\n"
        f"Disable with: # callalert-lint disable-next-line={info.id} -- <reason>\n"
    )
    if lint_rule.examples == "template":
        text += f"  in a .tmpl: {{{{/* callalert-lint disable-next-line={info.id} -- <reason> */}}}}\n"
    return text


def listing() -> str:
    lint_rules = [r.rule for r in rules.register()]
    width = max(len(r.id) for r in lint_rules)
    return "".join(f"{r.id:<{width}}  {r.level:<7}  {r.summary}\n" for r in sorted(lint_rules, key=lambda r: (r.area, r.id)))


def _fence(kind: str, text: str) -> str:
    lang = "yaml" if kind in ("spec", "rules", "alertmanager", "project") else "gotemplate"
    return f"```{lang}\n{text.rstrip()}\n```\n"


def reference() -> str:
    """Every lint rule, by family: why it matters and its bad and good examples (the same examples the
    test suite runs), as Markdown for docs/lint.md."""
    out: list[str] = []
    by_area: dict[str, list[LintRule]] = {}
    for lint_rule in rules.register():
        by_area.setdefault(lint_rule.rule.area, []).append(lint_rule)
    for area in sorted(by_area):
        out.append(f"### {area}\n\n")
        for lint_rule in sorted(by_area[area], key=lambda r: r.id):
            info = lint_rule.rule
            out.append(f"#### `{info.id}` ({info.level})\n\n{info.summary[0].upper()}{info.summary[1:]}. {info.why}\n\n")
            where = _EXAMPLE_KINDS[lint_rule.examples]
            if lint_rule.metrics:
                out.append(f"Examples ({where}) linted with `--metrics` naming:\n\n{_fence('rules', lint_rule.metrics)}\n")
            elif lint_rule.project:
                out.append(f"Examples ({where}) linted with this `.callalert.yml`:\n\n{_fence('project', lint_rule.project)}\n")
            else:
                out.append(f"Examples ({where}):\n\n")
            out.append(f"Bad:\n\n{_fence(lint_rule.examples, info.bad)}\nGood:\n\n{_fence(lint_rule.examples, info.good)}\n")
    return "".join(out)
