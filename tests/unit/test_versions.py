from __future__ import annotations

import pytest

from callalert.analysis.versions import (
    ALWAYS,
    AM_TEMPLATE_FUNCS,
    DEFAULT_ALERTMANAGER,
    DEFAULT_PROMETHEUS,
    Version,
    am_feature,
    am_feature_min_version,
    am_supports,
    am_unsupported,
    file_secret_fields,
    receiver_types,
)


def test_parse_and_compare() -> None:
    assert Version.parse("0.25") == Version(0, 25, 0)
    assert Version.parse("v0.25.0") == Version.parse("0.25")
    assert Version.parse("2.42.1") > Version.parse("2.42")
    assert Version.parse("0.28.0-rc.0") < Version.parse("0.28.0")
    assert Version.parse("0.9") < Version.parse("0.10")
    assert str(Version.parse("0.25")) == "0.25.0"
    assert Version.parse("0.25").short == "0.25"
    assert Version.parse("0.28.1").short == "0.28.1"
    assert sorted([Version.parse(v) for v in ["0.26", "0.25.1", "0.3"]]) == [Version(0, 3), Version(0, 25, 1), Version(0, 26)]
    with pytest.raises(ValueError, match="invalid version 'latest'"):
        Version.parse("latest")
    # the newest toolchain `make tools` installs (sid): what `init` writes and an absent `targets:` means
    assert (DEFAULT_ALERTMANAGER, DEFAULT_PROMETHEUS) == ("0.33", "3.5")


@pytest.mark.parametrize(
    ("feature", "since"),
    [
        ("receivers.telegram_configs", "0.24"),
        ("receivers.discord_configs", "0.25"),
        ("receivers.webex_configs", "0.25"),
        ("receivers.msteams_configs", "0.26"),
        ("receivers.msteamsv2_configs", "0.28"),
        ("receivers.jira_configs", "0.28"),
        ("receivers.rocketchat_configs", "0.28"),
        ("receivers.sns_configs", "0.23"),
        ("receivers.wechat_configs", "0.12"),
        ("global.smtp_auth_password_file", "0.25"),
        ("global.slack_api_url_file", "0.22"),
        ("pagerduty_configs.routing_key_file", "0.25"),
        ("webhook_configs.url_file", "0.26"),
        ("telegram_configs.bot_token_file", "0.26"),
        ("opsgenie_configs.api_key_file", "0.24"),
        ("time_intervals", "0.24"),
        ("route.active_time_intervals", "0.24"),
        ("route.matchers", "0.22"),
        ("inhibit_rules.source_matchers", "0.22"),
        ("template_funcs.since", "0.28"),
        ("template_funcs.trimSpace", "0.26"),
    ],
)
def test_feature_min_versions(feature: str, since: str) -> None:
    assert am_feature_min_version(feature) == Version.parse(since)


def test_support_at_025() -> None:
    assert am_supports("receivers.discord_configs", "0.25")
    assert not am_supports("receivers.msteams_configs", "0.25")
    assert am_supports("receivers.msteams_configs")  # the default target, 0.33
    assert am_supports("receivers.msteams_configs", "0.26.0")
    assert not am_supports("no.such.feature")
    assert am_feature_min_version("no.such.feature") is None
    assert am_feature_min_version("receivers.email_configs") == ALWAYS
    hipchat = am_feature("receivers.hipchat_configs")
    assert hipchat is not None and hipchat.removed == Version(0, 21)
    assert am_supports("receivers.hipchat_configs", "0.20") and not am_supports("receivers.hipchat_configs", "0.21")
    assert [f.name for f in am_unsupported(["route.matchers", "webhook_configs.url_file"], "0.25")] == [
        "webhook_configs.url_file"
    ]


def test_receiver_types_and_file_fields() -> None:
    assert receiver_types("0.25") == [
        "discord_configs",
        "email_configs",
        "opsgenie_configs",
        "pagerduty_configs",
        "pushover_configs",
        "slack_configs",
        "sns_configs",
        "telegram_configs",
        "victorops_configs",
        "webex_configs",
        "webhook_configs",
        "wechat_configs",
    ]
    assert {name for name, f in file_secret_fields("global").items() if f.available_in("0.25")} == {
        "slack_api_url_file",
        "opsgenie_api_key_file",
        "smtp_auth_password_file",
        "victorops_api_key_file",
    }
    assert {name: f.since.short for name, f in file_secret_fields("global").items() if not f.available_in("0.25")} == {
        "rocketchat_token_file": "0.28",
        "rocketchat_token_id_file": "0.28",
        "slack_app_token_file": "0.30",
        "smtp_auth_secret_file": "0.31",
        "wechat_api_secret_file": "0.31",
        "telegram_bot_token_file": "0.31",
        "mattermost_webhook_url_file": "0.32",
    }
    assert set(file_secret_fields("pagerduty_configs")) == {"service_key_file", "routing_key_file"}
    assert file_secret_fields("webhook_configs")["url_file"].since == Version(0, 26)


def test_template_function_table() -> None:
    assert {name for name, f in AM_TEMPLATE_FUNCS.items() if f.available_in(Version(0, 25))} == {
        "toUpper",
        "toLower",
        "title",
        "join",
        "safeHtml",
        "reReplaceAll",
        "match",
        "stringSlice",
    }
    assert {name: f.since.short for name, f in AM_TEMPLATE_FUNCS.items() if f.since > Version(0, 28)} == {
        "safeUrl": "0.30",
        "urlUnescape": "0.30",
        "toJson": "0.30",
        "list": "0.32",
        "append": "0.32",
        "dict": "0.32",
        "now": "0.33",
        "routeLabels": "0.34",
        "toDate": "0.34",
        "mustToDate": "0.34",
        "base64encode": "0.34",
        "base64decode": "0.34",
    }
