"""The Alertmanager feature table (callalert/analysis/versions.py) against every installed amtool.

Each entry with `proven_by` gets a minimal alertmanager.yml that uses exactly that entry (a receiver
type, a field, a `*_file` secret, a global setting, a route/inhibit/receiver/top-level key, a
template function, a matcher rule) or a built-in template name to render. The amtool of the
toolchain under test must accept it exactly when the table says its release has it, and refuse it
(with "field X not found", "function X not defined", ...) when it does not: both directions, asked
of the binary's own version and, for distribution builds, its package's patches (Debian's 0.28.1
has no Jira). Nothing here hard-codes one version's output.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from callalert.analysis.versions import (
    AM_DEFAULT_TEMPLATES,
    AM_FEATURES,
    Build,
    Feature,
    Version,
    am_default_templates,
    am_table,
    debian_package_version,
    distribution_patches,
)
from tests.conftest import require_in

if TYPE_CHECKING:
    from callalert.toolchain import Toolchain

pytestmark = pytest.mark.tools

SECRET = "@SECRET@"  # replaced by the path of a real file holding a secret
URL = "http://127.0.0.1:9/x"

# The smallest valid config of each receiver type.
MINIMAL: dict[str, dict[str, Any]] = {
    "email_configs": {"to": "a@example.com", "from": "a@example.com", "smarthost": "localhost:25"},
    "pagerduty_configs": {"routing_key": "k"},
    "slack_configs": {"api_url": URL},
    "webhook_configs": {"url": URL},
    "opsgenie_configs": {"api_key": "k"},
    "wechat_configs": {"api_secret": "k", "corp_id": "c"},
    "pushover_configs": {"user_key": "u", "token": "t"},
    "victorops_configs": {"api_key": "k", "routing_key": "r"},
    "sns_configs": {"topic_arn": "arn:aws:sns:us-east-1:123456789012:x", "sigv4": {"region": "us-east-1"}},
    "telegram_configs": {"bot_token": "t", "chat_id": 1},
    "discord_configs": {"webhook_url": URL},
    "webex_configs": {"room_id": "r", "http_config": {"authorization": {"credentials": "c"}}},
    "msteams_configs": {"webhook_url": URL},
    "msteamsv2_configs": {"webhook_url": URL},
    "jira_configs": {"api_url": URL, "project": "P", "issue_type": "Bug"},
    "rocketchat_configs": {"token_id": "i", "token": "t"},
    "incidentio_configs": {"url": URL, "alert_source_token": "t"},
    "mattermost_configs": {"webhook_url": URL},
}

# A valid value for each field, by "kind.field" first, then by field name.
VALUES: dict[str, Any] = {
    "telegram_configs.parse_mode": "HTML",
    "jira_configs.api_type": "auto",
    "wechat_configs.message_type": "text",
    "opsgenie_configs.priority": "P3",
    "mattermost_configs.priority": {"priority": "important"},
    "mattermost_configs.props": {"card": "c"},
    "mattermost_configs.attachments": [{"text": "t"}],
    "mattermost_configs.fields": [{"title": "t", "value": "v"}],
    "mattermost_configs.type": "custom_type",
    "pagerduty_configs.images": [{"src": URL, "alt": "a", "href": URL}],
    "pagerduty_configs.links": [{"href": URL, "text": "t"}],
    "pagerduty_configs.severity": "critical",
    "slack_configs.fields": [{"title": "t", "value": "v"}],
    "slack_configs.actions": [{"type": "button", "text": "t", "url": URL}],
    "rocketchat_configs.fields": [{"title": "t", "value": "v"}],
    "rocketchat_configs.actions": [{"type": "button", "text": "t", "url": URL}],
    "opsgenie_configs.responders": [{"id": "x", "type": "team"}],
    "email_configs.threading": {"enabled": False},
    "email_configs.tls_config": {"insecure_skip_verify": True},
    "email_configs.smarthost": "localhost:25",
    "jira_configs.labels": ["a"],
    "jira_configs.fields": {"customfield_1": "x"},
    "jira_configs.reopen_duration": "1h",
    "webhook_configs.payload": {"a": "b"},
    "telegram_configs.chat_id": 1,
    "telegram_configs.message_thread_id": 1,
    "sns_configs.sigv4": {"region": "us-east-1"},
    "sns_configs.phone_number": "+15555550100",
    "sns_configs.target_arn": "arn:aws:sns:us-east-1:123456789012:y",
    "pushover_configs.retry": "1m",
    "pushover_configs.expire": "1h",
    "pushover_configs.ttl": "1h",
    "pushover_configs.priority": "0",
    "slack_configs.mrkdwn_in": ["text"],
    "webex_configs.http_config": {"authorization": {"credentials": "c"}, "follow_redirects": True},
    "http_config": {"follow_redirects": True},
    "send_resolved": True,
    "max_alerts": 1,
    "timeout": "10s",
    "headers": {"X-A": "b"},
    "details": {"a": "b"},
    "attributes": {"a": "b"},
    "custom_fields": {"a": "b"},
}
# Fields that replace or need others of the minimal config.
ADJUST: dict[str, Callable[[dict[str, Any]], None]] = {
    "slack_configs.app_token": lambda c: c.pop("api_url", None),
    "slack_configs.app_token_file": lambda c: c.pop("api_url", None),
    "slack_configs.update_message": lambda c: (c.pop("api_url", None), c.update(app_token="x")),
    "sns_configs.phone_number": lambda c: c.pop("topic_arn", None),
    "sns_configs.target_arn": lambda c: c.pop("topic_arn", None),
    "pushover_configs.monospace": lambda c: c.update(html=False),
    "incidentio_configs.url_file": lambda c: c.pop("url", None),
    "telegram_configs.chat_id_file": lambda c: c.pop("chat_id", None),
}


def _value(kind: str, field: str) -> Any:
    if f"{kind}.{field}" in VALUES:
        return VALUES[f"{kind}.{field}"]
    if field in VALUES:
        return VALUES[field]
    if field.endswith("_file"):
        return SECRET
    if field.endswith("_url") or field == "url":
        return URL
    if field in {"html", "short_fields", "link_names", "disable_notifications", "update_alerts", "require_tls"}:
        return True
    if field in {"force_implicit_tls", "use_aws_http_client", "monospace", "update_message"}:
        return False
    return "x"


def _config(
    receiver: dict[str, Any] | None = None,
    *,
    top: dict[str, Any] | None = None,
    route: dict[str, Any] | None = None,
    glob: dict[str, Any] | None = None,
    templates: list[str] | None = None,
) -> dict[str, Any]:
    config: dict[str, Any] = {"route": {"receiver": "r", **(route or {})}, "receivers": [{"name": "r", **(receiver or {})}]}
    if glob:
        config["global"] = glob
    if templates:
        config["templates"] = templates
    config.update(top or {})
    return config


def _receiver_probe(kind: str, path: str) -> dict[str, Any]:
    config = dict(MINIMAL[kind])
    field, _, sub = path.partition(".")
    if sub:  # sigv4.service_name, summary.template
        if field == "sigv4":
            config["sigv4"] = {**config["sigv4"], sub: "x" if sub != "use_fips_sts_endpoint" else True}
            if sub == "external_id":
                config["sigv4"]["role_arn"] = "arn:aws:iam::123456789012:role/x"
            if sub in ("access_key", "secret_key"):
                config["sigv4"].update(access_key="a", secret_key="s")
        else:
            config[field] = {"template": "t"} if sub == "template" else {"template": "t", "enable_update": True}
        return {f"{kind}": [config]}
    feature = AM_FEATURES.get(f"{kind}.{field}")
    if field.endswith("_file"):
        config.pop(field.removesuffix("_file"), None)
    elif feature is not None and feature.secret:
        config.pop(f"{field}_file", None)
    adjust = ADJUST.get(f"{kind}.{field}")
    if adjust is not None:
        adjust(config)
    config[field] = _value(kind, field)
    return {kind: [config]}


GLOBAL_VALUES: dict[str, Any] = {
    "resolve_timeout": "5m",
    "http_config": {"follow_redirects": True},
    "smtp_smarthost": "localhost:25",
    "smtp_require_tls": False,
    "smtp_force_implicit_tls": False,
    "smtp_tls_config": {"insecure_skip_verify": True},
}


def probe(feature: Feature) -> dict[str, Any] | None:
    """A config using exactly `feature`, or None for entries proven another way (template names, flags)."""
    name = feature.name
    head, _, rest = name.partition(".")
    if name in ("global", "route", "receivers", "inhibit_rules", "templates"):
        return _config(top={"inhibit_rules": []} if name == "inhibit_rules" else {})
    if head == "receivers":
        return _config({rest: [MINIMAL[rest]]})
    if head.endswith("_configs"):
        return _config(_receiver_probe(head, rest))
    if head == "global":
        value = GLOBAL_VALUES.get(rest, SECRET if rest.endswith("_file") else URL if rest.endswith("_url") else "x")
        return _config(glob={rest: value})
    if head == "http_config":
        auth = {
            "basic_auth.password_file": {"basic_auth": {"username": "u", "password_file": SECRET}},
            "authorization.credentials_file": {"authorization": {"credentials_file": SECRET}},
            "bearer_token_file": {"bearer_token_file": SECRET},
        }[rest]
        return _config({"webhook_configs": [{"url": URL, "http_config": auth}]})
    if head == "template_funcs":
        return _config(templates=[f"@TEMPLATE:{rest}@"])
    if head == "route":
        child: dict[str, Any] = {"receiver": "r"}
        top: dict[str, Any] = {}
        value: Any = {
            "receiver": "r",
            "group_by": ["a"],
            "group_by_all": None,
            "match": {"a": "b"},
            "match_re": {"a": "b.*"},
            "continue": True,
            "routes": [{"receiver": "r"}],
            "group_wait": "1s",
            "group_interval": "1m",
            "repeat_interval": "1h",
            "matchers": ['a="b"'],
            "labels": {"team": "a"},
        }.get(rest)
        if rest == "group_by_all":
            child["group_by"] = ["..."]
        elif rest in ("mute_time_intervals", "active_time_intervals"):
            top = {"time_intervals": [{"name": "t", "time_intervals": [{"weekdays": ["monday"]}]}]}
            child[rest] = ["t"]
        else:
            child[rest] = value
        return _config(route={"routes": [child]}, top=top)
    if head == "inhibit_rules":
        rule: dict[str, Any] = {"source_matchers": ["a=b"], "target_matchers": ["c=d"]}
        extra = {
            "source_match": {"a": "b"},
            "source_match_re": {"a": "b.*"},
            "target_match": {"c": "d"},
            "target_match_re": {"c": "d.*"},
            "equal": ["e"],
            "name": "n",
        }
        if rest in ("source_match", "source_match_re"):
            rule.pop("source_matchers")
        if rest in ("target_match", "target_match_re"):
            rule.pop("target_matchers")
        if rest in extra:
            rule[rest] = extra[rest]
        return _config(top={"inhibit_rules": [rule]})
    if head == "receiver":
        return _config({"labels": {"team": "a"}} if rest == "labels" else {})
    if name in ("global", "route", "receivers", "inhibit_rules", "templates"):
        return _config(top={"inhibit_rules": []} if name == "inhibit_rules" else {})
    if name in ("time_intervals", "mute_time_intervals"):
        return _config(top={name: [{"name": "t", "time_intervals": [{"weekdays": ["monday"]}]}]})
    if name == "time_intervals.location":
        return _config(top={"time_intervals": [{"name": "t", "time_intervals": [{"weekdays": ["monday"], "location": "UTC"}]}]})
    if name == "tracing":
        return _config(top={"tracing": {"endpoint": "127.0.0.1:4317", "client_type": "grpc", "insecure": True}})
    if name == "event_recorder":
        return _config(top={"event_recorder": {}})
    if name == "matchers.utf8_parser":
        return _config(route={"routes": [{"receiver": "r", "matchers": ['"service.name"="checkout"', "foo.bar=x", "ü=x"]}]})
    if name == "matchers.group_by_utf8":
        return _config(route={"group_by": ["service.name", "foo-bar", "ü"]})
    if name == "matchers.equal_utf8":
        return _config(
            top={"inhibit_rules": [{"source_matchers": ["a=b"], "target_matchers": ["c=d"], "equal": ["service.name"]}]}
        )
    if name == "matchers.legacy_keys_classic":
        return _config(route={"routes": [{"receiver": "r", "match": {"service.name": "checkout"}}]})
    return None  # matchers.flag.*, default_templates.*: separate tests


# How amtool says it does not know an entry.
REFUSAL: dict[str, str] = {
    "template_funcs": r'function "{leaf}" not defined',
    "matchers.utf8_parser": r"bad matcher format",
    "matchers.group_by_utf8": r'invalid label name "service.name" in group_by list',
    "matchers.equal_utf8": r'"service.name" is not a valid label name',
    "route.group_by_all": r"invalid label name",
}


def expected_refusal(feature: Feature, build_kind: str) -> str:
    head, _, leaf = feature.name.partition(".")
    if feature.name in REFUSAL:
        return REFUSAL[feature.name]
    if head in REFUSAL:
        return REFUSAL[head].format(leaf=re.escape(leaf))
    leaf_key = feature.name.rsplit(".", 1)[-1]
    parent = head if head.endswith("_configs") else leaf_key
    return rf"field ({re.escape(leaf_key)}|{re.escape(parent)}) not found in type"


def _tool_build(toolchain: Toolchain | None) -> tuple[str, Build]:
    amtool = require_in(toolchain, "amtool")
    out = subprocess.run([amtool.path, "--version"], capture_output=True, text=True, timeout=30, check=False)
    text = out.stdout + out.stderr
    package = debian_package_version(text)
    go = re.search(r"go version:\s*go(\d+\.\d+(?:\.\d+)?)", text)
    build = Build(
        toolchain.name if toolchain else "?",
        "alertmanager",
        amtool.version,
        package or "",
        Version.parse(go.group(1)) if go else Version(0, 0),
    )
    return amtool.path, build


def _available(feature: Feature, build: Build) -> bool:
    if build.package:
        return feature.available_in_build(build)
    return feature.available_in(build.version)


_CHECKING = re.compile(r"Checking '(?P<file>[^']+)'(?P<body>.*?)(?=Checking '|\Z)", re.S)


def check_configs(amtool: str, configs: dict[str, str], folder: Path) -> dict[str, str]:
    """amtool check-config on many files at once: {name: "SUCCESS" or the failure text}."""
    secret = folder / "secret.txt"
    secret.write_text("s3cret\n")
    paths: dict[str, str] = {}
    for i, (name, text) in enumerate(sorted(configs.items())):
        path = folder / f"c{i}.yml"
        body = text.replace(SECRET, str(secret))
        for func in re.findall(r"@TEMPLATE:(\w+)@", body):
            tmpl = folder / f"t{i}.tmpl"
            tmpl.write_text(f'{{{{ define "probe" }}}}{{{{ if false }}}}{{{{ {func} }}}}{{{{ end }}}}{{{{ end }}}}')
            body = body.replace(f"@TEMPLATE:{func}@", str(tmpl))
        path.write_text(body)
        paths[str(path)] = name
    proc = subprocess.run([amtool, "check-config", *paths], capture_output=True, text=True, timeout=300, check=False)
    out: dict[str, str] = {}
    for found in _CHECKING.finditer(proc.stdout):
        body = found["body"]
        # A template error follows the SUCCESS of the config part: "SUCCESS ... FAILED: template: ..."
        out[paths[found["file"]]] = "SUCCESS" if "SUCCESS" in body and "FAILED" not in body else body.strip()
    assert set(out) == set(paths.values()), proc.stdout + proc.stderr
    return out


CONFIG_ENTRIES = [f for f in am_table() if f.proven_by and probe(f) is not None]


def test_every_proven_entry_has_a_probe() -> None:
    """Entries claimed as proven are exercised here (or by the named tests below)."""
    other = {f.name for f in am_table() if f.name.startswith(("default_templates.", "matchers.flag."))}
    untested = [f.name for f in am_table() if f.proven_by and f.name not in other and probe(f) is None]
    assert untested == []
    assert len(CONFIG_ENTRIES) > 350


def test_config_entries_agree_with_amtool(toolchain: Toolchain | None, tmp_path: Path) -> None:
    amtool, build = _tool_build(toolchain)
    configs = {f.name: yaml.safe_dump(probe(f), sort_keys=False, allow_unicode=True) for f in CONFIG_ENTRIES}
    verdicts = check_configs(amtool, configs, tmp_path)
    wrong: list[str] = []
    for feature in CONFIG_ENTRIES:
        verdict = verdicts[feature.name]
        if feature.name == "matchers.legacy_keys_classic":
            ok = "invalid label name" in verdict  # classic in every release: a dotted key is refused
        elif _available(feature, build):
            ok = verdict == "SUCCESS"
        else:
            ok = verdict != "SUCCESS" and re.search(expected_refusal(feature, build.toolchain), verdict) is not None
        if not ok:
            wrong.append(f"{feature.name} (since {feature.since_text}): amtool {build.version} says {verdict[:300]!r}")
    assert wrong == [], "\n".join(wrong)


def test_both_directions_are_covered_by_the_installed_toolchains() -> None:
    """Across the toolchains callalert installs, each entry added after the oldest one is seen refused
    and accepted (or refused by all when it is newer than the newest): the table's own claim."""
    from callalert.analysis.versions import AM_BUILDS

    for feature in CONFIG_ENTRIES:
        verdicts = {feature.available_in_build(b) for b in AM_BUILDS}
        if AM_BUILDS[0].version < feature.since <= AM_BUILDS[-1].version:
            assert verdicts == {True, False}, feature.name


def test_matcher_mode_flags_agree_with_amtool(toolchain: Toolchain | None, tmp_path: Path) -> None:
    amtool, build = _tool_build(toolchain)
    config = tmp_path / "am.yml"
    config.write_text(yaml.safe_dump(_config(route={"routes": [{"receiver": "r", "matchers": ['"service.name"="checkout"']}]})))
    for flag, accepted_in_mode in (("utf8-strict-mode", True), ("classic-mode", False)):
        feature = AM_FEATURES[f"matchers.flag.{flag}"]
        proc = subprocess.run(
            [amtool, f"--enable-feature={flag}", "check-config", str(config)], capture_output=True, text=True, timeout=60
        )
        if not _available(feature, build):
            assert "unknown long flag '--enable-feature'" in proc.stderr, proc.stdout + proc.stderr
            continue
        assert ("SUCCESS" in proc.stdout) == accepted_in_mode, proc.stdout + proc.stderr
        assert ("UTF-8 strict mode enabled" if flag == "utf8-strict-mode" else "Classic mode enabled") in proc.stdout


def _default_tmpl(amtool: str) -> Path | None:
    """The build's own default templates (Debian ships default.tmpl and email.tmpl beside the binaries;
    upstream binaries embed them)."""
    folder = Path(amtool).resolve().parent.parent / "share/prometheus/alertmanager"
    return folder / "*.tmpl" if (folder / "default.tmpl").is_file() else None


def test_builtin_template_names_agree_with_amtool(toolchain: Toolchain | None) -> None:
    amtool, build = _tool_build(toolchain)
    default = _default_tmpl(amtool)
    glob = [f"--template.glob={default}"] if default is not None else []
    names = sorted(AM_DEFAULT_TEMPLATES)

    def defined(name: str) -> bool:
        proc = subprocess.run(
            [amtool, "template", "render", *glob, f'--template.text={{{{ template "{name}" . }}}}'],
            capture_output=True,
            text=True,
            timeout=60,
        )
        # An execution error (the sample data does not suit the template) still means it is defined.
        return proc.returncode == 0 or f'template "{name}" not defined' not in proc.stderr

    with ThreadPoolExecutor(4) as pool:
        found = {name for name, ok in zip(names, pool.map(defined, names), strict=True) if ok}
    expected = am_default_templates(build.version, build.package or None)
    assert found == expected, (sorted(found - expected), sorted(expected - found))


def test_distribution_patches_are_what_the_build_says() -> None:
    """The table's patch entries match the package versions of the toolchains callalert installs."""
    from callalert.analysis.versions import AM_BUILDS

    assert [p.name for p in distribution_patches("0.28.1+ds-1")] == ["debian-jira-disabled"]
    assert [p.name for p in distribution_patches("0.33.1-5")] == ["debian-kafka-disabled"]
    assert distribution_patches("0.25.0-1+b4") == []
    assert [b.package for b in AM_BUILDS] == ["0.25.0-1+b4", "0.28.1+ds-1", "0.33.1-5"]
