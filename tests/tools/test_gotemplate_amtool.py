"""Differential tests: callalert's Go template parser against the real amtool 0.25 (and promtool 2.42).

A template is accepted by amtool's `template render` exactly when it parses and uses only defined
functions; callalert must agree on accept/reject, and on parse errors also on the message and the
line Go reports. The same file checks the 0.25 boundary of the version table with `check-config`.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from callalert.analysis.gotemplate import (
    TemplateSyntaxError,
    parse_prometheus_template,
    parse_template,
    undefined_functions,
)
from callalert.analysis.versions import am_supports

pytestmark = pytest.mark.tools

PARSE_ERROR = re.compile(r"template: (?P<file>[^:]+):(?P<line>\d+): (?P<message>.*)")

# Each defines "x"; valid and invalid, covering every construct and every parse error path.
SNIPPETS = [
    '{{ define "x" }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ if . }}',
    '{{ define "x" }}{{ $foo }}{{ end }}',
    '{{ define "x" }}{{ $x = 1 }}{{ end }}',
    '{{ define "x" }}{{ "abc }}{{ end }}',
    '{{ define "x" }}{{ `abc }}{{ end }}',
    '{{ define "x" }}{{ if . }}{{ define "y" }}{{ end }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ /* c */ }}{{ end }}',
    '{{ define "x" }}{{/* c */ }}{{ end }}',
    '{{ define "x" }}{{/* c  }}{{ end }}',
    '{{ define "x" }}{{ with . }}{{ else if . }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ with . }}{{ else with . }}{{ end }}{{ end }}',
    '{{ define "x" }}a{{ end }}{{ define "x" }}b{{ end }}',
    '{{ define "x" }}{{ break }}{{ end }}',
    '{{ define "x" }}{{ .Status | "s" }}{{ end }}',
    '{{ define "x" }}{{ }}{{ end }}',
    '{{ define "x" }}{{ 1 - 2 }}{{ end }}',
    '{{ define "x" }}{{ "\\q" }}{{ end }}',
    '{{ define "x" }}{{ 1.2.3 }}{{ end }}',
    '{{ define "x" }}{{ (1 }}{{ end }}',
    '{{ define "x" }}{{ 1) }}{{ end }}',
    '{{ define "x" }}{{ .Status }}{{ else }}{{ end }}',
    '{{ define "x" }}',
    "{{ define x }}{{ end }}",
    '{{ define "x" }}{{ $a, $b := . }}{{ end }}',
    '{{ define "x" }}{{ range $a, $b := .Alerts }}{{ $b }}{{ end }}{{ $a }}{{ end }}',
    "{{ define \"x\" }}{{ 'ab' }}{{ end }}",
    '{{ define "x" }}{{ .A@ }}{{ end }}',
    '{{ define "x" }}{{ "a".b }}{{ end }}',
    '{{ define "x" }}{{ template y }}{{ end }}',
    '{{ define "x" }}{{ end',
    '{{ define "x" }}{{ if }}{{ end }}{{ end }}',
    '{{ define "x" }}{{- .Status -}} {{ end }}',
    '{{ define "x" }}{{-.Status}}{{ end }}',
    '{{ define "x" }}{{ -3 }}{{ end }}',
    '{{ define "x" }}{{ range $i, $a := .Alerts }}{{ if $i }}, {{ end }}{{ $a.Labels.alertname }}{{ break }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ range .Alerts }}{{ continue }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}{{ end }}',
    '{{ define "x" }}{{ if true }}{{ $y := 2 }}{{ end }}{{ $y }}{{ end }}',
    '{{ define "x" }}{{ block "y" . }}b{{ end }}{{ end }}',
    '{{ define "x" }}{{ $x := 1 }}{{ define "y" }}{{ end }}{{ end }}',
    "{{ define \"x\" }}{{ 'a' }} {{ '\\n' }} {{ '\\'' }}{{ end }}",
    '{{ define "x" }}{{ \'\\"\' }}{{ end }}',
    '{{ define "x" }}{{ "\\x41\\u00e9\\101" }}{{ end }}',
    '{{ define "x" }}{{ 0x1F }} {{ 1e3 }} {{ 0o17 }} {{ 1_000 }} {{ 017 }} {{ 08 }} {{ .5 }}{{ end }}',
    '{{ define "x" }}{{ 1e }}{{ end }}',
    '{{ define "x" }}{{ 12abc }}{{ end }}',
    '{{ define "x" }}{{ nil }}{{ end }}',
    '{{ define "x" }}{{ printf "%d" nil }}{{ end }}',
    '{{ define "x" }}{{ .Status | printf "%s" | toUpper }}{{ end }}',
    '{{ define "x" }}{{ (index .Alerts 0).Labels.alertname }}{{ end }}',
    '{{ define "x" }}{{ $x=1 }}{{ end }}',
    '{{ define "x" }}{{ .Status\n | toUpper }}{{ end }}',
    '{{ define "x" }}{{ if',
    '{{ define "x" }}\n{{ if .Status }}\n{{ "abc\n}}{{ end }}{{ end }}',
    '{{ define "x" }}{{ ¿ }}{{ end }}',
    '{{ define "x" }}{{ . . }}{{ end }}',
    '{{ define "x" }}{{ with $x := .Status }}{{ $x }}{{ end }}{{ $x }}{{ end }}',
    '{{ define "x" }}{{ template "y" . }}{{ end }}{{ define "y" }}{{ .Status }}{{ end }}',
    '{{ define "x" }}{{ range $k, $v := .CommonLabels }}{{ $k }}={{ $v }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ range $a, $b, $c := .Alerts }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ range $a, 1 := .Alerts }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ end }}{{ define "x" }}  {{ end }}',
    '{{ define "x" }}{{ .Status | since }}{{ end }}',
    '{{ define "x" }}{{ .Status | trimSpace }}{{ end }}',
    '{{ define "x" }}{{ template "x" | len }}{{ end }}',
    '{{ define "x" }}{{ else }}{{ end }}',
    '{{ define "x" }}{{ if .Status }}{{ else }}{{ else }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ if .Status }}{{ else if .Status }}{{ else }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ $ }}{{ $.Status }}{{ end }}',
    '{{ define "x" }}{{ ( ) }}{{ end }}',
    '{{ define "x" }}{{ .Status | }}{{ end }}',
    '{{ define "x" }}{{ | .Status }}{{ end }}',
    '{{ define "x" }}{{ .Status ,}}{{ end }}',
    '{{ define "x" }}{{ "\\z" | printf }}{{ end }}',
    '{{ define "x" }}{{ `a\nb` }}{{ end }}',
    '{{ define "x" }}{{ define "y" }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ true.x }}{{ end }}',
    '{{ define "x" }}{{ 1 | 2 }}{{ end }}',
    '{{ define "x" }}{{ print 1 2 | print }}{{ end }}',
    '{{ define "x" -}} a {{- end }}',
    '{{ define "x" }}{{ .Status -}}\n {{ end }}',
    '{{ define "x" }}{{ 99999999999999999999 }}{{ end }}',
    '{{ define "x" }}{{ 08 }}{{ end }}',
    '{{ define "x" }}{{ 0x1F }} {{ 1e3 }} {{ 0o17 }} {{ 1_000 }} {{ 017 }} {{ .5 }} {{ -1.5e-3 }} {{ 0x1p-2 }}{{ end }}',
    '{{ define "x" }}{{ 1__0 }}{{ end }}',
    '{{ define "x" }}{{ 18446744073709551615 }}{{ end }}',
    '{{ define "x" }}{{ "a" | printf "%s" "b" | len }}{{ end }}',
    '{{ define "x" }}{{ with .Alerts }}{{ len . }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ range .Alerts }}{{ range . }}{{ end }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ template "y" }}{{ end }}{{ define "y" }}b{{ end }}',
    '{{ define "x" }}{{ .CommonLabels.Remove .GroupLabels.Names | len }}{{ end }}',
    '{{ define "x" }}{{ $x := .Alerts }}{{ range $x }}{{ $x }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ range $i := .Alerts }}{{ $i.Status }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ range $i, := .Alerts }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ with .Status }}{{ else }}{{ $ }}{{ end }}{{ end }}',
    '{{ define "x" }}{{ $ := 1 }}{{ end }}',
    '{{ define "x" }}{{ $.Alerts.Firing }}{{ end }}',
    '{{ define "x" }}{{/* a */}}{{- /* b */ -}}{{ end }}',
    '{{ define "x" }}{{ "\\u00e9" }}{{ "\\U0001F600" }}{{ "\\ud800" }}{{ end }}',
    '{{ define "x" }}{{ "\\400" }}{{ end }}',
    "{{ define \"x\" }}{{ '' }}{{ end }}",
    '{{ define "x" }}{{ printf "%s" (.Status }}{{ end }}',
    '{{ define "x" }}{{ .Status) }}{{ end }}\n',
]


def amtool_render(amtool: str, path: Path, name: str) -> tuple[int, str]:
    proc = subprocess.run(
        [amtool, "template", "render", f"--template.glob={path}", f'--template.text={{{{ template "{name}" . }}}}'],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode, proc.stderr.strip()


def ours(text: str, name: str) -> tuple[str, str, int] | None:
    """None if amtool would parse it, else (kind, Go's message, Go's line)."""
    try:
        info = parse_template(text, name)
    except TemplateSyntaxError as exc:
        return ("syntax", exc.message, exc.go_line)
    undefined = undefined_functions(info, version="0.25")
    if undefined:
        first = undefined[0]
        return ("function", f"function {first.name!r}".replace("'", '"') + " not defined", first.pos.line)
    return None


def assert_agrees(amtool: str, path: Path, define: str) -> None:
    text = path.read_text()
    rc, stderr = amtool_render(amtool, path, define)
    verdict = ours(text, path.name)
    parse_error = PARSE_ERROR.search(stderr)
    if parse_error:
        assert verdict is not None, f"amtool rejects, callalert accepts: {stderr}"
        assert (verdict[1], verdict[2]) == (parse_error["message"], int(parse_error["line"])), stderr
    else:
        assert verdict is None, f"callalert rejects {verdict}, amtool says rc={rc} {stderr}"


@pytest.mark.parametrize("text", SNIPPETS, ids=range(len(SNIPPETS)))
def test_snippet_agrees_with_amtool(amtool: str, tmp_path: Path, text: str) -> None:
    path = tmp_path / "t.tmpl"
    path.write_text(text)
    assert_agrees(amtool, path, "x")


CORPUS_TEMPLATES = {
    "alertmanager__default.tmpl": "slack.default.title",
    "alertmanager__email.tmpl": "email.default.subject",
    "alertmanager__teams-webhook-example.tmpl": "wh_teams_alertlist",
    "dingtalk__default.tmpl": "default.title",
}


@pytest.mark.parametrize("name", sorted(CORPUS_TEMPLATES))
def test_corpus_template_agrees_with_amtool(amtool: str, corpus: Path, name: str) -> None:
    assert_agrees(amtool, corpus / "templates" / name, CORPUS_TEMPLATES[name])


def test_dingtalk_undefined_functions_are_what_amtool_names(amtool: str, corpus: Path) -> None:
    path = corpus / "templates" / "dingtalk__default.tmpl"
    _, stderr = amtool_render(amtool, path, "default.title")
    assert 'function "markdown" not defined' in stderr
    info = parse_template(path.read_text(), path.name)
    assert {u.name for u in undefined_functions(info, version="0.25")} == {"markdown", "upper"}
    assert undefined_functions(info, version="0.25")[0].name == "markdown"


def test_functions_newer_than_025_are_rejected_by_amtool(amtool: str, tmp_path: Path) -> None:
    path = tmp_path / "t.tmpl"
    for func in ["since", "humanizeDuration", "date", "tz", "trimSpace", "toJson", "safeUrl", "urlUnescape"]:
        path.write_text(f'{{{{ define "x" }}}}{{{{ {func} }}}}{{{{ end }}}}')
        _, stderr = amtool_render(amtool, path, "x")
        assert f'function "{func}" not defined' in stderr
        (found,) = undefined_functions(parse_template(path.read_text()), version="0.25")
        assert found.name == func and found.added_in is not None


def test_every_alertmanager_yml_template_string_parses(corpus: Path) -> None:
    def strings(node: object) -> list[str]:
        if isinstance(node, str):
            return [node]
        if isinstance(node, dict):
            return [s for v in node.values() for s in strings(v)]
        if isinstance(node, list):
            return [s for v in node for s in strings(v)]
        return []

    seen = 0
    for path in sorted((corpus / "alertmanager").glob("*.yml")):
        for value in strings(yaml.safe_load(path.read_text())):
            if "{{" in value:
                parse_template(value, path.name)
                seen += 1
    assert seen >= 4


def test_rule_annotations_agree_with_promtool(promtool: str, corpus: Path) -> None:
    rejected: list[str] = []
    for path in sorted(corpus.glob("rules*/**/*.y*ml")):
        data = yaml.safe_load(path.read_text())
        if not isinstance(data, dict) or "groups" not in data:
            continue
        for group in data["groups"] or []:
            for rule in group.get("rules") or []:
                for value in {**(rule.get("annotations") or {}), **(rule.get("labels") or {})}.values():
                    if isinstance(value, str) and "{{" in value:
                        try:
                            info = parse_prometheus_template(value)
                            assert undefined_functions(info) == [], value
                        except TemplateSyntaxError as exc:
                            rejected.append(f"{path.name}: {exc.message}")
    # promtool 2.42 rejects exactly this one (SOURCES.md: rules-bad.yml uses $label).
    assert rejected == ['prometheus__rules-bad.yml: undefined variable "$label"']
    proc = subprocess.run(
        [promtool, "check", "rules", str(corpus / "rules-invalid" / "prometheus__rules-bad.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert 'undefined variable "$label"' in proc.stdout + proc.stderr


def test_prometheus_function_catalog_matches_promtool(promtool: str, tmp_path: Path) -> None:
    from callalert.analysis.gotemplate import PROMETHEUS_TEMPLATE_FUNCS

    path = tmp_path / "r.yml"
    for func in sorted(PROMETHEUS_TEMPLATE_FUNCS | {"tmpl", "since", "trimSpace", "toDuration"}):
        rules = {
            "groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0", "annotations": {"x": f"{{{{ {func} }}}}"}}]}]
        }
        path.write_text(yaml.safe_dump(rules))
        proc = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
        promtool_ok = proc.returncode == 0
        ours_ok = not undefined_functions(parse_prometheus_template(f"{{{{ {func} }}}}"))
        assert promtool_ok == ours_ok, (func, proc.stdout, proc.stderr)


# ---- the 0.25 boundary of the feature table, against amtool check-config -------------------


def _config(
    receiver: dict[str, object] | None = None,
    top: dict[str, object] | None = None,
    route: dict[str, object] | None = None,
    glob: dict[str, object] | None = None,
) -> dict[str, object]:
    config: dict[str, object] = {"route": {"receiver": "r", **(route or {})}, "receivers": [{"name": "r", **(receiver or {})}]}
    if glob:
        config["global"] = glob
    config.update(top or {})
    return config


SECRET = "SECRET_FILE"
INTERVALS = {"time_intervals": [{"name": "t", "time_intervals": [{"weekdays": ["monday"]}]}]}
BOUNDARY_CASES: dict[str, dict[str, object]] = {
    "receivers.discord_configs": _config({"discord_configs": [{"webhook_url": "http://x"}]}),
    "receivers.webex_configs": _config(
        {"webex_configs": [{"room_id": "r", "http_config": {"authorization": {"credentials": "x"}}}]},
        glob={"webex_api_url": "https://webexapis.com/v1/messages"},
    ),
    "receivers.telegram_configs": _config({"telegram_configs": [{"bot_token": "x", "chat_id": 1}]}),
    "receivers.sns_configs": _config(
        {"sns_configs": [{"topic_arn": "arn:aws:sns:us-east-1:1:t", "sigv4": {"region": "us-east-1"}}]}
    ),
    "receivers.msteams_configs": _config({"msteams_configs": [{"webhook_url": "http://x"}]}),
    "receivers.msteamsv2_configs": _config({"msteamsv2_configs": [{"webhook_url": "http://x"}]}),
    "receivers.jira_configs": _config({"jira_configs": [{"project": "P", "issue_type": "Bug", "api_url": "http://x"}]}),
    "receivers.rocketchat_configs": _config({"rocketchat_configs": [{"channel": "#a", "token": "t", "token_id": "i"}]}),
    "global.smtp_auth_password_file": _config(glob={"smtp_auth_password_file": SECRET}),
    "email_configs.auth_password_file": _config(
        {"email_configs": [{"to": "a@b.c", "from": "a@b.c", "smarthost": "h:25", "auth_password_file": SECRET}]}
    ),
    "global.slack_api_url_file": _config(glob={"slack_api_url_file": SECRET}),
    "pagerduty_configs.routing_key_file": _config({"pagerduty_configs": [{"routing_key_file": SECRET}]}),
    "pagerduty_configs.service_key_file": _config({"pagerduty_configs": [{"service_key_file": SECRET}]}),
    "opsgenie_configs.api_key_file": _config({"opsgenie_configs": [{"api_key_file": SECRET}]}),
    "victorops_configs.api_key_file": _config({"victorops_configs": [{"api_key_file": SECRET, "routing_key": "x"}]}),
    "webhook_configs.url_file": _config({"webhook_configs": [{"url_file": SECRET}]}),
    "telegram_configs.bot_token_file": _config({"telegram_configs": [{"bot_token_file": SECRET, "chat_id": 1}]}),
    "pushover_configs.user_key_file": _config({"pushover_configs": [{"user_key_file": SECRET, "token": "y"}]}),
    "discord_configs.webhook_url_file": _config({"discord_configs": [{"webhook_url_file": SECRET}]}),
    "time_intervals": _config(top=INTERVALS),
    "route.active_time_intervals": _config(top=INTERVALS, route={"routes": [{"receiver": "r", "active_time_intervals": ["t"]}]}),
    "route.matchers": _config(route={"routes": [{"receiver": "r", "matchers": ['a="b"']}]}),
    "inhibit_rules.source_matchers": _config(top={"inhibit_rules": [{"source_matchers": ["a=b"], "target_matchers": ["c=d"]}]}),
    "webhook_configs.timeout": _config({"webhook_configs": [{"url": "http://x", "timeout": "5s"}]}),
    "global.smtp_tls_config": _config(glob={"smtp_tls_config": {"insecure_skip_verify": True}}),
}


@pytest.mark.parametrize("feature", sorted(BOUNDARY_CASES))
def test_feature_table_matches_amtool_025(amtool: str, tmp_path: Path, feature: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret\n")
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(BOUNDARY_CASES[feature]).replace(SECRET, str(secret)))
    proc = subprocess.run([amtool, "check-config", str(path)], capture_output=True, text=True, timeout=60)
    assert (proc.returncode == 0) == am_supports(feature, "0.25"), proc.stdout + proc.stderr
