"""`--explain RULE` and `--list`."""

from __future__ import annotations

from callalert.diagnostics import did_you_mean
from callalert.errors import UsageError


def _indent(text: str) -> str:
    return "".join(f"    {line}\n" for line in text.splitlines())


def explain(rule_id: str) -> str:
    from callalert.lint import all_rules
    from callalert.lint.engine import RuleInfo

    rules = all_rules()
    info = rules.get(rule_id)
    if not isinstance(info, RuleInfo):
        raise UsageError(f"unknown rule {rule_id!r}{did_you_mean(rule_id, rules)}; see `callalert lint --list`")
    return (
        f"{info.id} ({info.level}, {info.area}): {info.summary}\n\n"
        f"Why it matters:\n  {info.why}\n\nBad:\n{_indent(info.bad)}\nGood:\n{_indent(info.good)}"
        f"\nDisable with: # callalert-lint disable-next-line={info.id} -- <reason>\n"
    )


def listing() -> str:
    from callalert.lint import all_rules
    from callalert.lint.engine import RuleInfo

    rules = [r for r in all_rules().values() if isinstance(r, RuleInfo)]
    width = max(len(r.id) for r in rules)
    return "".join(f"{r.id:<{width}}  {r.level:<7}  {r.summary}\n" for r in sorted(rules, key=lambda r: (r.area, r.id)))
