"""`--explain RULE` and `--list`."""

from __future__ import annotations

from callalert.diagnostics import did_you_mean
from callalert.errors import UsageError
from callalert.lint import rules
from callalert.lint.engine import ExampleKind

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
