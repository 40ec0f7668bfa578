"""The lint rules' examples against the real promtool 2.42 / amtool 0.25: every good example loads,
and a bad example is refused exactly when the rule says Prometheus or Alertmanager refuses it
(the rest load fine and go wrong later, which is why lint exists)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from callalert.lint import rules
from callalert.lint.engine import LintRule
from callalert.lint.rules import parity, routing, templates

pytestmark = pytest.mark.tools

# Bad examples the real tools refuse to load.
REFUSED = {
    routing.RECEIVER_UNDEFINED.id,
    parity.AM_CONFIG_INVALID.id,
    parity.RULE_FILE_INVALID.id,
    templates.TEMPLATE_SYNTAX.id,
    templates.TEMPLATE_FUNCTION_VERSION.id,
    templates.TEMPLATE_FUNCTION_UNKNOWN.id,
}
CHECKED = [r for r in rules.register() if r.examples in ("rules", "alertmanager", "template") and r.check is not None]


def tool_accepts(folder: Path, lint_rule: LintRule, text: str, promtool: str, amtool: str) -> tuple[bool, str]:
    folder.mkdir()
    if lint_rule.examples == "rules":
        path = folder / "rules.yml"
        path.write_text(text, encoding="utf-8")
        command = [promtool, "check", "rules", str(path)]
    else:
        path = folder / "alertmanager.yml"
        if lint_rule.examples == "template":
            (folder / "notifications.tmpl").write_text(text, encoding="utf-8")
            text = "route: {receiver: chat}\nreceivers: [{name: chat}]\ntemplates: ['notifications.tmpl']\n"
        path.write_text(text, encoding="utf-8")
        command = [amtool, "check-config", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=folder, timeout=60)
    return done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("lint_rule", CHECKED, ids=lambda r: r.id)
def test_examples_against_real_tools(tmp_path: Path, lint_rule: LintRule, promtool: str, amtool: str) -> None:
    ok, output = tool_accepts(tmp_path / "good", lint_rule, lint_rule.rule.good, promtool, amtool)
    assert ok, output
    ok, output = tool_accepts(tmp_path / "bad", lint_rule, lint_rule.rule.bad, promtool, amtool)
    assert ok == (lint_rule.id not in REFUSED), output
