"""Output formats of `callalert lint`: text, json, github (workflow annotations), sarif (2.1.0)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from callalert.diagnostics import Problem, render_github, render_json, render_text

FORMATS = ("text", "json", "github", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def render(problems: Sequence[Problem], fmt: str) -> str:
    if fmt == "json":
        return render_json(problems)
    if fmt == "github":
        return render_github(problems)
    if fmt == "sarif":
        return json.dumps(sarif(problems), indent=2, ensure_ascii=False) + "\n"
    return render_text(problems)


def sarif(problems: Sequence[Problem]) -> dict[str, object]:
    from callalert import __version__
    from callalert.lint import all_rules
    from callalert.lint.engine import RuleInfo

    rules = {k: v for k, v in all_rules().items() if isinstance(v, RuleInfo)}
    ids = sorted(set(rules) | {p.rule for p in problems})
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    descriptors = []
    for rule_id in ids:
        info = rules.get(rule_id)
        desc: dict[str, object] = {"id": rule_id}
        if info is not None:
            desc["shortDescription"] = {"text": info.summary}
            desc["fullDescription"] = {"text": info.why}
            desc["defaultConfiguration"] = {"level": _SARIF_LEVEL[info.level]}
            desc["help"] = {"text": f"{info.why}\nBad:\n{info.bad}\nGood:\n{info.good}"}
        else:
            desc["shortDescription"] = {"text": f"callalert validate: {rule_id}"}
        descriptors.append(desc)
    results = []
    for p in problems:
        message = (f"{p.key}: " if p.key else "") + p.message
        if p.fix:
            message += f" (fix: {p.fix})"
        results.append({
            "ruleId": p.rule,
            "ruleIndex": index[p.rule],
            "level": _SARIF_LEVEL[p.level],
            "message": {"text": message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": p.path.replace("\\", "/")},
                "region": {"startLine": max(p.line, 1), "startColumn": max(p.col, 1)},
            }}],
        })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "callalert-lint", "version": __version__,
                                "informationUri": "https://github.com/callalert/callalert", "rules": descriptors}},
            "results": results,
        }],
    }
