"""No secret in a diff (bad-input.md D24): `render --check` against a tree rendered with
`--secrets=env`, whatever the secret looks like (multi-line, YAML-like, quotes, tabs) and whatever
this render resolves (other values, or file references only). `check --secrets=env` (D25) is in
tests/tools/test_bad_input_tools.py: it needs amtool."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

SPEC = """\
version: 1
defaults: {targets: {alertmanager: "0.28"}}
global:
  smtp: {smarthost: "mail:25", from: a@example.com, auth_username: u, auth_password: {env: SMTP_PW}}
severities:
  critical: {notify: [slack, pd, hook, mail]}
receivers:
  slack: {slack_configs: [{api_url: {env: SLACK_URL}, channel: "#a"}]}
  pd: {pagerduty_configs: [{routing_key: {env: PD_KEY}}]}
  hook: {webhook_configs: [{url: {env: HOOK_URL}, http_config: {basic_auth: {username: u, password: {env: BASIC_PW}}}}]}
  mail: {email_configs: [{to: b@example.com}]}
routing: {receiver: slack}
groups:
  - name: app
    alerts:
      - {name: Down, expr: up == 0, for: 5m, severity: critical, summary: down, description: down}
"""


def secrets(tag: str) -> dict[str, str]:
    return {
        "SLACK_URL": f"https://hooks.slack.com/services/T0/B0/{tag}-TOKEN-1\nsecond-line-{tag}-2",
        "SMTP_PW": f"SMTPPW-{tag}-'quote\"\ttab",
        "PD_KEY": f"PDKEY-{tag}-0c1d2e3f",
        "HOOK_URL": f"http://127.0.0.1:9/sms?token=HOOKTOKEN-{tag}",
        "BASIC_PW": f"X-{tag}\nroute: {{receiver: evil}}",
    }


MARKERS = re.compile(r"(OLD|NEW)-TOKEN|second-line|SMTPPW|PDKEY|HOOKTOKEN|receiver: evil|X-(OLD|NEW)")


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_render_check_never_prints_a_secret(fmt: str, tmp_path: Path, run_cli: Callable[..., CliResult]) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "out"
    rendered = run_cli("render", str(spec), "--secrets", "env", "--out", str(out), env=secrets("OLD"))
    assert rendered.exit_code == 0, rendered
    assert "OLD-TOKEN-1" in (out / "alertmanager/alertmanager.yml").read_text()  # the tree does hold them
    # (a) the same spec with new values: the diff shows that secrets changed, never which
    changed = run_cli("render", str(spec), "--secrets", "env", "--out", str(out), "--check", "--format", fmt, env=secrets("NEW"))
    assert changed.exit_code == 1
    assert changed.stdout.endswith(  # (--format json prints the warnings, [], first)
        "--- a/alertmanager/alertmanager.yml\n+++ b/alertmanager/alertmanager.yml\n@@ secret values differ (redacted) @@\n"
    )
    assert not MARKERS.search(changed.stdout + changed.stderr)
    # (b) a render that resolves no secret (file references) against the env-rendered tree
    spec.write_text(re.sub(r"\{env: (\w+)\}", lambda m: f"{{file: /run/secrets/{m.group(1).lower()}}}", SPEC), encoding="utf-8")
    moved = run_cli("render", str(spec), "--out", str(out), "--check", "--format", fmt)
    assert moved.exit_code == 1
    assert not MARKERS.search(moved.stdout + moved.stderr), moved.stdout
    assert "-  smtp_auth_password: <redacted>\n" in moved.stdout
    assert "+  smtp_auth_password_file: /run/secrets/smtp_pw\n" in moved.stdout
    assert "-  - url: <redacted>\n" in moved.stdout and "-        password: <redacted>\n" in moved.stdout


def test_a_diff_of_an_unparsable_secret_file_shows_nothing_of_it(tmp_path: Path, run_cli: Callable[..., CliResult]) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(re.sub(r"\{env: (\w+)\}", r"{file: /run/\1}", SPEC), encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("render", str(spec), "--out", str(out)).exit_code == 0
    (out / "alertmanager/alertmanager.yml").write_text("password: SECRET-IN-BROKEN-FILE\n  : [\n", encoding="utf-8")
    result = run_cli("render", str(spec), "--out", str(out), "--check")
    assert result.exit_code == 1 and "SECRET-IN-BROKEN-FILE" not in result.stdout
    assert "-# (not valid YAML: not shown, it may hold secrets)\n" in result.stdout
