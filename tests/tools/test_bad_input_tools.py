"""Bad input against the real tools (bad-input.md D16, D20-D22, D25), once per installed toolchain.

The oracle: for each edge value, `validate` refuses it exactly when the toolchain's promtool or
amtool refuses the file render would have written with it (the value put in place of a
placeholder in a real render), on both sides of every bound (292y, zero intervals, Go's regex
nesting, @ times, float range, int64 years).
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from callalert.toolchain import Toolchain
from callalert.validate import validate
from tests.conftest import CliResult, require_in, require_tool
from tests.unit.test_bad_input_secrets import SPEC as SECRET_SPEC

pytestmark = pytest.mark.tools

BASE = """\
version: 1
defaults: {group_interval: 7m, targets: {alertmanager: "0.25", prometheus: "2.42"}}
severities:
  critical: {notify: [team]}
receivers:
  team:
    webhook_configs: [{url: "http://127.0.0.1:9/x"}]
routing:
  receiver: team
  routes:
    - {receiver: team, matchers: ['job=~"PLACEHOLDER-RE"'], mute_time_intervals: [maint]}
time_intervals:
  - name: maint
    time_intervals: [{years: ['1999']}]
groups:
  - name: app
    alerts:
      - name: Down
        expr: max_over_time(up[17m]) > 0
        for: 7m
        severity: critical
        summary: down
        description: PLACEHOLDER-TEXT
"""

RULES_FILE = "prometheus/rules/app.yml"
AM_FILE = "alertmanager/alertmanager.yml"
Case = tuple[str, str, str, str, str, str]  # name, spec text -> replacement, file, file text -> replacement


def _same(name: str, old: str, new: str, file: str) -> Case:
    return (name, old, new, file, old, new)


def _cases() -> list[Case]:
    cases: list[Case] = []
    for value in [
        "1m\n",
        "292y",
        "293y",
        "106751d",
        "106752d",
        "9223372036854ms",
        "9223372036855ms",
        "99999999999999999999y",
        "0",
    ]:
        cases.append(_same(f"for {value!r}", "for: 7m", f"for: {json.dumps(value)}", RULES_FILE))
    for value in ["0", "0s", "0m0s", "1s", "293y"]:
        cases.append(_same(f"group_interval {value}", "group_interval: 7m", f"group_interval: {json.dumps(value)}", AM_FILE))
    for expr in [
        "max_over_time(up[292y]) > 0",
        "max_over_time(up[293y]) > 0",
        "up offset 293y > 0",
        "max_over_time(up[5m:293y]) > 0",
        "up @ 9223372036854775 > 0",
        "up @ 99999999999999999999 > 0",
        'up{job="[293y]"} > 0',
    ]:
        cases.append(_same(f"expr {expr}", "expr: max_over_time(up[17m]) > 0", f"expr: {json.dumps(expr)}", RULES_FILE))
    for text in ["{{ 1e308 }}", "{{ 1e999 }}", "{{ 0x1p2000 }}"]:
        cases.append(_same(f"template {text}", "description: PLACEHOLDER-TEXT", f"description: {json.dumps(text)}", RULES_FILE))
    for groups in (998, 999):
        cases.append(_same(f"regex {groups} groups", "PLACEHOLDER-RE", "(" * groups + "a" + ")" * groups, AM_FILE))
    for year in ["9999999999", "9223372036854775807", "9223372036854775808", "99999999999999999999"]:
        cases.append((f"years {year}", "years: ['1999']", f"years: ['{year}']", AM_FILE, "- '1999'", f"- '{year}'"))
    return cases


CASES = _cases()


def _tool_accepts(toolchain: Toolchain, folder: Path, file: str) -> bool:
    if file == RULES_FILE:
        command = [require_in(toolchain, "promtool").path, "check", "rules", str(folder / file)]
    else:
        command = [require_in(toolchain, "amtool").path, "check-config", str(folder / file)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60).returncode == 0


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_validate_refuses_what_the_tools_refuse(case: Case, toolchain: Toolchain, tmp_path: Path) -> None:
    from callalert.pipeline import render

    name, spec_old, spec_new, file, file_old, file_new = case
    base = tmp_path / "base.yaml"
    base.write_text(BASE, encoding="utf-8")
    text = render([base]).files[file]
    assert file_old in text, text
    out = tmp_path / "out"
    (out / Path(file).parent).mkdir(parents=True)
    (out / file).write_text(text.replace(file_old, file_new), encoding="utf-8")
    spec = tmp_path / "spec.yaml"
    spec.write_text(BASE.replace(spec_old, spec_new), encoding="utf-8")
    result = validate([spec])
    assert result.ok == _tool_accepts(toolchain, out, file), (name, [p.format() for p in result.problems])


def test_a_file_name_with_a_newline_makes_files_promtool_reads(tmp_path: Path, run_cli: Callable[..., CliResult]) -> None:
    promtool = require_tool("promtool")
    spec = tmp_path / "spec\n.yaml"
    spec.write_text(BASE, encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("render", str(spec), "--out", str(out)).exit_code == 0
    proc = subprocess.run([promtool, "check", "rules", str(out / RULES_FILE)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_check_never_copies_a_secret_from_a_tool(tmp_path: Path, run_cli: Callable[..., CliResult]) -> None:
    require_tool("amtool")
    require_tool("promtool")
    spec = tmp_path / "spec.yaml"
    spec.write_text(SECRET_SPEC, encoding="utf-8")
    junit = tmp_path / "junit.xml"
    env = {
        # amtool refuses a URL with a newline and quotes it: "parse \"https://...\nSECOND\": invalid control character"
        "SLACK_URL": "https://hooks.slack.com/services/T0/B0/MULTILINE-FIRST-4411\nMULTILINE-SECOND-4422",
        "SMTP_PW": "SMTPPW-7f3a9",
        "PD_KEY": "PDKEY-0c1d2e3f",
        "HOOK_URL": "http://127.0.0.1:9/sms?token=HOOKTOKEN-55aa",
        "BASIC_PW": "BASICPW-x'y\"z",
    }
    result = run_cli("check", str(spec), "--secrets", "env", "--junit", str(junit), env=env)
    assert result.exit_code == 1, result  # amtool does refuse the multi-line URL
    assert "FAILED amtool check-config" in result.stdout
    report = junit.read_text(encoding="utf-8")
    leaked = re.compile(r"MULTILINE-(FIRST|SECOND)|SMTPPW|PDKEY|HOOKTOKEN|BASICPW")
    assert not leaked.search(result.stdout + result.stderr), result.stdout
    assert not leaked.search(report)
    assert "<redacted>" in result.stdout and "&lt;redacted&gt;" in report
    assert stat.S_IMODE(os.stat(junit).st_mode) == 0o600
