"""analysis/alertmanager/defaults.py against the Alertmanager that has it: the templated text each
receiver type gets for the fields a configuration leaves unset, as the running server reports its
own configuration (GET /api/v2/status: `config.original`, Alertmanager's defaults filled in)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from callalert.analysis.alertmanager.defaults import field_defaults
from callalert.analysis.versions import receiver_types
from tests.conftest import require_in
from tests.live.harness import AlertmanagerProcess

pytestmark = pytest.mark.tools

GLOBAL = {
    "smtp_smarthost": "localhost:25",
    "smtp_from": "am@example.com",
    "slack_api_url": "http://127.0.0.1:9/slack",
    "opsgenie_api_key": "x",
    "victorops_api_key": "x",
    "wechat_api_secret": "x",
    "wechat_api_corp_id": "x",
}
# the smallest entry Alertmanager accepts for each receiver type (nothing templated is set)
MINIMAL: dict[str, dict[str, Any]] = {
    "slack_configs": {"channel": "#x"},
    "email_configs": {"to": "a@example.com"},
    "pagerduty_configs": {"routing_key": "x"},
    "opsgenie_configs": {},
    "webhook_configs": {"url": "http://127.0.0.1:9/hook"},
    "victorops_configs": {"routing_key": "x"},
    "pushover_configs": {"user_key": "x", "token": "y"},
    "wechat_configs": {},
    "telegram_configs": {"bot_token": "x", "chat_id": 1},
    "sns_configs": {"topic_arn": "arn:aws:sns:us-east-1:1:x", "sigv4": {"region": "us-east-1"}},
    "discord_configs": {"webhook_url": "http://127.0.0.1:9/discord"},
    "webex_configs": {"room_id": "x", "http_config": {"authorization": {"credentials": "x"}}},
    "msteams_configs": {"webhook_url": "http://127.0.0.1:9/msteams"},
    "msteamsv2_configs": {"webhook_url": "http://127.0.0.1:9/msteamsv2"},
    "rocketchat_configs": {"token": "x", "token_id": "y", "channel": "z"},
    "incidentio_configs": {"url": "http://127.0.0.1:9/incidentio", "alert_source_token": "t"},
    "mattermost_configs": {"webhook_url": "http://127.0.0.1:9/mattermost"},
    "jira_configs": {
        "api_url": "http://127.0.0.1:9/jira",
        "project": "P",
        "issue_type": "Bug",
        "http_config": {"basic_auth": {"username": "u", "password": "p"}},
    },
}


def _templated(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(value, str) and "{{" in value:
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _templated(item, (*path, str(key)))


def _reported(am: AlertmanagerProcess) -> dict[str, Any]:
    status = am.get("/api/v2/status")
    config: dict[str, Any] = yaml.safe_load(status["config"]["original"])
    return config["receivers"][0]


def test_the_defaults_table_is_what_alertmanager_fills_in(toolchain: Any, tmp_path: Path) -> None:
    server = require_in(toolchain, "alertmanager")
    version = server.version
    types = [t for t in receiver_types(version) if t in MINIMAL]
    receiver = {"name": "r", **{t: [MINIMAL[t]] for t in types}}
    config = tmp_path / "alertmanager.yml"
    config.write_text(yaml.safe_dump({"global": GLOBAL, "route": {"receiver": "r"}, "receivers": [receiver]}))
    try:
        with AlertmanagerProcess(config, workdir=tmp_path, binary=server.path) as am:
            reported = _reported(am)
    except Exception:
        # Debian's 0.28 disables Jira by a distribution patch (notes in analysis/versions.py): without it
        types.remove("jira_configs")
        receiver.pop("jira_configs")
        config.write_text(yaml.safe_dump({"global": GLOBAL, "route": {"receiver": "r"}, "receivers": [receiver]}))
        with AlertmanagerProcess(config, workdir=tmp_path, binary=server.path) as am:
            reported = _reported(am)
    assert len(types) >= 12
    for kind in types:
        got = dict(_templated(reported[kind][0]))
        table = {d.path: d.text for d in field_defaults(kind, version)}
        assert got == table, f"{kind} at Alertmanager {version}"
