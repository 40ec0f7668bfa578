"""callalert's validate at a target agrees with the amtool of that release.

Each case is a spec fragment using one Alertmanager feature (a receiver type, an option, a secret
from a file, a UTF-8 label name). It is rendered once at the newest target; then, for the amtool of
every installed toolchain, `callalert validate` at that amtool's release must accept the fragment
exactly when the amtool accepts the rendered alertmanager.yml. A distribution build that patches a
feature out (Debian's 0.28.1 has no Jira) is the one allowed difference, and it must be the table's
patch that explains it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from callalert.analysis.versions import AM_NEWEST, debian_package_version, distribution_patches
from callalert.pipeline import render
from callalert.render.context import RenderContext
from callalert.validate import validate
from callalert.write import write_tree
from tests.conftest import require_in

if TYPE_CHECKING:
    from callalert.toolchain import Toolchain

pytestmark = pytest.mark.tools

F = {"file": "/etc/am/secret"}
CASES: dict[str, dict[str, Any]] = {
    # receiver types
    "discord": {"receivers": {"r": {"discord_configs": [{"webhook_url": {"env": "URL"}}]}}},
    "msteams": {"receivers": {"r": {"msteams_configs": [{"webhook_url": {"env": "URL"}}]}}},
    "msteamsv2": {"receivers": {"r": {"msteamsv2_configs": [{"webhook_url": {"env": "URL"}}]}}},
    "jira": {
        "receivers": {"r": {"jira_configs": [{"project": "P", "issue_type": "Bug", "api_url": "https://jira.example.com"}]}}
    },
    "rocketchat": {"receivers": {"r": {"rocketchat_configs": [{"token": {"env": "T"}, "token_id": {"env": "T"}}]}}},
    "incidentio": {
        "receivers": {"r": {"incidentio_configs": [{"url": "https://api.incident.io/x", "alert_source_token": {"env": "T"}}]}}
    },
    "mattermost": {"receivers": {"r": {"mattermost_configs": [{"webhook_url": {"env": "URL"}}]}}},
    # secrets from files
    "webhook url_file": {"receivers": {"r": {"webhook_configs": [{"url": F}]}}},
    "telegram bot_token_file": {"receivers": {"r": {"telegram_configs": [{"bot_token": F, "chat_id": 1}]}}},
    "telegram chat_id_file": {"receivers": {"r": {"telegram_configs": [{"bot_token": {"env": "T"}, "chat_id": F}]}}},
    "pushover user_key_file, token_file": {"receivers": {"r": {"pushover_configs": [{"user_key": F, "token": F}]}}},
    "discord webhook_url_file": {"receivers": {"r": {"discord_configs": [{"webhook_url": F}]}}},
    "msteams webhook_url_file": {"receivers": {"r": {"msteams_configs": [{"webhook_url": F}]}}},
    "msteamsv2 webhook_url_file": {"receivers": {"r": {"msteamsv2_configs": [{"webhook_url": F}]}}},
    "rocketchat token_file": {"receivers": {"r": {"rocketchat_configs": [{"token": F, "token_id": F}]}}},
    "incidentio url_file": {"receivers": {"r": {"incidentio_configs": [{"url": F, "alert_source_token": F}]}}},
    "mattermost webhook_url_file": {"receivers": {"r": {"mattermost_configs": [{"webhook_url": F}]}}},
    "email auth_secret_file": {
        "receivers": {"r": {"email_configs": [{"to": "a@b.c", "from": "a@b.c", "smarthost": "h:25", "auth_secret": F}]}}
    },
    "wechat api_secret_file": {"receivers": {"r": {"wechat_configs": [{"api_secret": F, "corp_id": "c"}]}}},
    "slack app_token_file": {"receivers": {"r": {"slack_configs": [{"app_token": F}]}}},
    "pagerduty routing_key_file": {"receivers": {"r": {"pagerduty_configs": [{"routing_key": F}]}}},
    "opsgenie api_key_file": {"receivers": {"r": {"opsgenie_configs": [{"api_key": F}]}}},
    "victorops api_key_file": {"receivers": {"r": {"victorops_configs": [{"api_key": F, "routing_key": "x"}]}}},
    "global smtp_auth_secret_file": {"global": {"smtp": {"auth_secret": F}}},
    "global wechat_api_secret_file": {"global": {"wechat_api_secret": F}},
    "global telegram_bot_token_file": {"global": {"telegram_bot_token": F}},
    "global slack_app_token_file": {"global": {"slack_app_token": F}},
    "global rocketchat_token_file": {"global": {"rocketchat_token": F, "rocketchat_token_id": F}},
    "global mattermost_webhook_url_file": {"global": {"mattermost_webhook_url": F}},
    "sigv4 secret_key as a file": {
        "receivers": {
            "r": {"sns_configs": [{"topic_arn": "arn:aws:sns:us-east-1:1:t", "sigv4": {"access_key": "a", "secret_key": F}}]}
        }
    },
    # options
    "discord content": {"receivers": {"r": {"discord_configs": [{"webhook_url": {"env": "URL"}, "content": "c"}]}}},
    "telegram message_thread_id": {
        "receivers": {"r": {"telegram_configs": [{"bot_token": {"env": "T"}, "chat_id": 1, "message_thread_id": 2}]}}
    },
    "webhook timeout": {"receivers": {"r": {"webhook_configs": [{"url": "http://x", "timeout": "5s"}]}}},
    "webhook payload": {"receivers": {"r": {"webhook_configs": [{"url": "http://x", "payload": {"a": "b"}}]}}},
    "pushover ttl": {"receivers": {"r": {"pushover_configs": [{"user_key": {"env": "T"}, "token": {"env": "T"}, "ttl": "1h"}]}}},
    "pushover monospace": {
        "receivers": {"r": {"pushover_configs": [{"user_key": {"env": "T"}, "token": {"env": "T"}, "monospace": True}]}}
    },
    "slack message_text": {"receivers": {"r": {"slack_configs": [{"api_url": {"env": "URL"}, "message_text": "m"}]}}},
    "pagerduty timeout": {"receivers": {"r": {"pagerduty_configs": [{"routing_key": {"env": "T"}, "timeout": "5s"}]}}},
    "email threading": {
        "receivers": {
            "r": {
                "email_configs": [
                    {
                        "to": "a@b.c",
                        "from": "a@b.c",
                        "smarthost": "h:25",
                        "threading": {"enabled": True, "thread_by_date": "daily"},
                    }
                ]
            }
        }
    },
    "sns use_aws_http_client": {
        "receivers": {"r": {"sns_configs": [{"topic_arn": "arn:aws:sns:us-east-1:1:t", "use_aws_http_client": True}]}}
    },
    "sigv4 service_name": {
        "receivers": {"r": {"sns_configs": [{"topic_arn": "arn:aws:sns:us-east-1:1:t", "sigv4": {"service_name": "sns"}}]}}
    },
    "global smtp tls_config": {"global": {"smtp": {"tls_config": {"insecure_skip_verify": True}}}},
    "receiver labels": {"receivers": {"r": {"labels": {"team": "a"}}}},
    "inhibit rule name": {"inhibit_rules": [{"name": "n", "source_matchers": ["a=b"], "target_matchers": ["c=d"]}]},
    "route labels": {"routing": {"receiver": "r", "routes": [{"matchers": ["a=b"], "receiver": "r", "labels": {"x": "y"}}]}},
    # UTF-8 label names
    "dotted matcher": {"routing": {"receiver": "r", "routes": [{"matchers": ['service.name="checkout"'], "receiver": "r"}]}},
    "quoted matcher name": {"routing": {"receiver": "r", "routes": [{"matchers": ['"team name"="a"'], "receiver": "r"}]}},
    "matcher map with a dotted name": {"routing": {"receiver": "r", "routes": [{"matchers": {"k8s.pod": "x"}, "receiver": "r"}]}},
    "dotted group_by": {"defaults": {"group_by": ["alertname", "service.name"]}},
    "dotted equal": {"inhibit_rules": [{"source_matchers": ["a=b"], "target_matchers": ["c=d"], "equal": ["service.name"]}]},
    "named group regex": {"routing": {"receiver": "r", "routes": [{"matchers": ['a=~"(?<n>x)"'], "receiver": "r"}]}},
}
ENV = {"URL": "https://hooks.example.com/x", "T": "token"}


def _spec(case: dict[str, Any], target: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "version": 1,
        "defaults": {"targets": {"alertmanager": target}, **case.get("defaults", {})},
        "severities": {"critical": {"notify": ["r"]}},
        "receivers": {"r": {}},
        "routing": {"receiver": "r"},
        "templates": {"builtin": []},
    }
    for key in ("global", "receivers", "routing", "inhibit_rules"):
        if key in case:
            spec[key] = case[key]
    return spec


def _write(folder: Path, name: str, spec: dict[str, Any]) -> Path:
    path = folder / f"{name.replace(' ', '_').replace(',', '')}.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True))
    return path


def _validates(path: Path) -> tuple[bool, str]:
    result = validate([path])
    errors = [p for p in result.problems if p.level == "error"]
    return (result.ok and not errors), "; ".join(p.text for p in errors)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each case rendered at the newest release (where every case is valid)."""
    out: dict[str, Path] = {}
    for name, case in CASES.items():
        folder = tmp_path_factory.mktemp("newest")
        spec = _write(folder, name, _spec(case, AM_NEWEST.short))
        ok, why = _validates(spec)
        if not ok and "secret_key" not in name:
            raise AssertionError(f"{name} is not valid at {AM_NEWEST.short}: {why}")
        if ok:
            write_tree(folder / "out", render([spec], ctx=RenderContext(secrets="env", environ=ENV)).files, private=True)
            out[name] = folder / "out" / "alertmanager" / "alertmanager.yml"
    return out


def test_validate_at_the_target_agrees_with_its_amtool(
    toolchain: Toolchain | None, rendered: dict[str, Path], tmp_path: Path
) -> None:
    tool = require_in(toolchain, "amtool")
    version_text = subprocess.run([tool.path, "--version"], capture_output=True, text=True, check=False).stdout
    patches = distribution_patches(debian_package_version(version_text))
    target = tool.version.minor_version.short
    wrong: list[str] = []
    for name, case in CASES.items():
        ours, why = _validates(_write(tmp_path, name, _spec(case, target)))
        if name not in rendered:  # valid nowhere: validate must refuse it at every target
            if ours:
                wrong.append(f"{name}: callalert accepts at {target}")
            continue
        proc = subprocess.run([tool.path, "check-config", str(rendered[name])], capture_output=True, text=True, timeout=60)
        theirs = proc.returncode == 0
        if ours and not theirs and any("jira" in name and p.name == "debian-jira-disabled" for p in patches):
            continue  # the build patched it out: the table's patch says so
        if ours != theirs:
            wrong.append(
                f"{name}: callalert at {target} says {ours} ({why}), amtool {tool.version} says {theirs}: {proc.stdout.strip()}"
            )
    assert wrong == [], "\n".join(wrong)
