"""The Alertmanager feature table and what reads it: the spec models, releases and their Go,
distribution patches, matcher modes, Go template and regexp syntax by release, and validation at
targets. (Entries are proven against the real amtools in tests/tools/test_am_feature_table.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from callalert.analysis.alertmanager.matchers import (
    MatcherError,
    format_matcher,
    parse_matcher,
    parse_matchers_in,
    validate_regex,
)
from callalert.analysis.gotemplate import TemplateSyntaxError, parse_template
from callalert.analysis.versions import (
    AM_BUILDS,
    AM_FEATURES,
    AM_NEWEST,
    Version,
    am_default_templates,
    am_go,
    am_matcher_mode,
    am_proven_here,
    am_table_counts,
    am_unproven_note,
    am_unreleased,
    am_utf8_label_names,
    debian_package_version,
    distribution_patches,
    receiver_fields,
    receiver_types,
    secret_file_feature,
)
from callalert.spec import v1
from callalert.validate import validate

RENAMES = {"from_": "from", "class_": "class"}


def _spec_fields(model: type[BaseModel]) -> set[str]:
    return {RENAMES.get(name, name) for name in model.model_fields}


def test_the_spec_speaks_every_receiver_type_and_option_of_the_newest_release() -> None:
    for kind in receiver_types(AM_NEWEST):
        field = v1.Receiver.model_fields.get(kind)
        assert field is not None, f"the spec has no {kind}"
        (config_model,) = next(a for a in field.annotation.__args__ if a is not type(None)).__args__  # type: ignore[union-attr]
        ours = _spec_fields(config_model)
        table = {n for n, f in receiver_fields(kind).items() if f.available_in(AM_NEWEST) and not n.endswith("_file")}
        assert table - ours == set(), f"{kind}: options the spec cannot write"
        assert ours - table == set(), f"{kind}: spec options the table does not know"
        for name in table:
            if AM_FEATURES[f"{kind}.{name}"].secret:
                assert "Secret" in str(config_model.model_fields[name].annotation) or "SecretRef" in str(
                    config_model.model_fields[name].annotation
                ), f"{kind}.{name} is a secret: only a reference may be written"


def test_every_global_setting_can_be_written() -> None:
    globals_ = {
        n.removeprefix("global.") for n, f in AM_FEATURES.items() if n.startswith("global.") and f.available_in(AM_NEWEST)
    }
    ours = _spec_fields(v1.Global) - {"smtp"} | {f"smtp_{n}" for n in _spec_fields(v1.SMTP)}
    missing = {n for n in globals_ - ours if not n.endswith("_file") and n != "resolve_timeout"}
    assert missing == set()
    assert ours - globals_ == set()


def test_secret_file_variants() -> None:
    assert secret_file_feature("sns_configs", "sigv4.secret_key") is None
    assert secret_file_feature("telegram_configs", "chat_id") == AM_FEATURES["telegram_configs.chat_id_file"]
    assert secret_file_feature("webhook_configs", "http_config.basic_auth.password") is not None
    assert secret_file_feature("global", "smtp_auth_secret").since == Version(0, 31)  # type: ignore[union-attr]


def test_releases_their_go_and_what_cannot_be_targeted() -> None:
    assert str(AM_NEWEST) == "0.34.0"
    assert [am_go(v).short for v in ("0.25", "0.26", "0.27", "0.28.1", "0.29", "0.32", "0.34", "0.34.1")] == [
        "1.19",
        "1.20",
        "1.21",
        "1.23",
        "1.25",
        "1.26",
        "1.26",
        "1.26",
    ]
    assert am_unreleased("0.34.1") is None
    assert am_unreleased("0.35") == (
        "Alertmanager 0.35 is not released: the newest release is 0.34.0 (2026-08-16), and callalert knows every release up to it"
    )
    assert [b.toolchain for b in AM_BUILDS if am_proven_here(b.version)] == ["bookworm", "trixie", "sid"]
    assert am_proven_here("0.28.0") == AM_BUILDS[1]
    assert am_unproven_note("0.33") is None and am_unproven_note("0.35") is None
    assert am_unproven_note("0.30") == (
        "Alertmanager 0.30 is not proven here: the toolchains callalert installs have 0.25.0 (bookworm), "
        "0.28.1 (trixie), 0.33.1 (sid); what 0.30 accepts comes from its source and release notes"
    )


def test_table_counts() -> None:
    counts = am_table_counts()
    assert counts["entries"] == len(AM_FEATURES) and counts["proven"] + counts["not_proven"] == counts["entries"]
    assert {f.name for f in AM_FEATURES.values() if not f.proven_by} == {
        "receivers.hipchat_configs",
        "global.hipchat_api_url",
        "global.hipchat_auth_token",
        "default_templates.hipchat.default.from",
        "default_templates.hipchat.default.message",
        "default_templates.wechat.default.api_secret",
    }


def test_debian_patches_and_builds() -> None:
    assert debian_package_version("amtool, version 0.28.1+ds (branch: debian/sid, revision: 0.28.1+ds-1)") == "0.28.1+ds-1"
    assert debian_package_version("amtool, version 0.28.1 (branch: HEAD, revision: 0e4a4c4)") is None
    (jira,) = distribution_patches("0.28.1+ds-1")
    assert jira.disables_feature("jira_configs.project") and jira.disables_feature("default_templates.jira.default.summary")
    assert not jira.disables_feature("receivers.rocketchat_configs")
    assert distribution_patches("0.30.1+ds-1") == [] and distribution_patches(None) == []
    assert not AM_FEATURES["receivers.jira_configs"].available_in_build(AM_BUILDS[1])
    assert AM_FEATURES["receivers.jira_configs"].available_in_build(AM_BUILDS[2])


def test_builtin_template_names_by_release() -> None:
    assert "slack.default.color" not in am_default_templates("0.28") and "slack.default.color" in am_default_templates("0.32")
    assert "mattermost.default.text" in am_default_templates("0.30") and "mattermost.default.title" not in am_default_templates(
        "0.31"
    )
    assert "jira.default.summary" in am_default_templates("0.28")
    assert "jira.default.summary" not in am_default_templates("0.28", "0.28.1+ds-1")
    assert "msteams.default.summary" not in am_default_templates("0.26")


def test_matcher_modes_by_release() -> None:
    assert [am_matcher_mode(v) for v in ("0.25", "0.26", "0.27", "0.33")] == ["classic", "classic", "fallback", "fallback"]
    assert am_utf8_label_names("group_by", "0.27") and not am_utf8_label_names("equal", "0.27")
    assert am_utf8_label_names("equal", "0.28")


@pytest.mark.parametrize(
    ("text", "mode", "expected"),
    [
        ("foo.bar=x", "fallback", ("foo.bar", "=", "x", None)),
        ('"service.name"="checkout"', "utf8-strict", ("service.name", "=", "checkout", None)),
        ("foo=bar baz", "fallback", ("foo", "=", "bar baz", "8:11: unexpected baz: expected a comma or close brace")),
        ("foo=", "fallback", ("foo", "=", "", "end of input: expected label value")),
        ("foo=a\\b", "fallback", ("foo", "=", "a\\b", "5:6: \\: invalid input: expected a comma or close brace")),
        ("ü=~x|y", "fallback", ("ü", "=~", "x|y", None)),
    ],
)
def test_utf8_and_fallback_parsing(text: str, mode: Any, expected: tuple[str, str, str, str | None]) -> None:
    parsed = parse_matchers_in(text, mode, am_go("0.33"))
    (m,) = parsed.matchers
    assert (m.name, m.op, m.value, parsed.utf8_error) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("foo=bar baz", "8:11: unexpected baz: expected a comma or close brace"),
        ("{foo=bar", "0:8: end of input: expected close brace"),
        ("foo=bar}", "0:8: }: expected opening brace"),
        ("foo!x", "3:4: !: expected one of '=~': expected an operator such as '=', '!=', '=~' or '!~'"),
        ('foo=a"b', '5:7: "b: missing end ": expected a comma or close brace'),
        ("a=1,", None),
        ('foo=~"("', "failed to create matcher: error parsing regexp: missing closing ): `^(?:()$`"),
    ],
)
def test_utf8_strict_messages(text: str, message: str | None) -> None:
    try:
        parse_matchers_in(text, "utf8-strict", am_go("0.33"))
        assert message is None
    except MatcherError as exc:
        assert str(exc) == message


def test_fallback_keeps_the_classic_result_when_both_parse() -> None:
    parsed = parse_matchers_in('foo="a\\tb"', "fallback")
    assert parsed.disagreement and parsed.matchers[0].value == "a\\tb"  # classic keeps the backslash
    assert parse_matchers_in('foo="a\\tb"', "utf8-strict").matchers[0].value == "a\tb"


def test_single_matcher_arguments_refuse_braces_outside_classic_mode() -> None:
    with pytest.raises(MatcherError, match=r"unexpected open or close brace: \{a=b\}"):
        parse_matcher("{a=b}", "fallback")
    assert parse_matcher("service.name=x", "fallback").name == "service.name"


def test_format_matcher_quotes_names_only_when_needed() -> None:
    assert format_matcher("service.name", "=", "x") == 'service.name="x"'
    assert format_matcher("team name", "=~", "a|b") == '"team name"=~"a|b"'
    assert parse_matcher(format_matcher("team name", "=", 'x"y'), "fallback").value == 'x"y'


@pytest.mark.parametrize(
    ("pattern", "go", "message"),
    [
        ("(?<n>x)", "1.19", "error parsing regexp: invalid or unsupported Perl syntax: `(?<`"),
        ("(?<n>x)", "1.22", None),
        ("(?<=x)", "1.22", "error parsing regexp: invalid named capture: `(?<=x))$`"),
        ("(?P<näme>x)", "1.27", "error parsing regexp: invalid named capture: `(?P<näme>`"),
        ("\\p{Letter}", "1.24", "error parsing regexp: invalid character class range: `\\p{Letter}`"),
        ("\\p{Letter}", "1.25", None),
        ("[\\p{ascii}0-9]", "1.25", None),
        ("\\P{Uppercase_Letter}", "1.27", None),
        ("\\Q.*\\E", "1.19", None),
        ("x++", "1.27", "error parsing regexp: invalid nested repetition operator: `++`"),
    ],
)
def test_matcher_regexes_by_go(pattern: str, go: str, message: str | None) -> None:
    assert validate_regex(pattern, Version.parse(go)) == message


def test_named_groups_and_class_aliases_match_like_go() -> None:
    m = parse_matcher('a=~"(?<n>x)\\\\p{Letter}"', "fallback", Version(1, 25))
    assert m.matches({"a": "xé"}) and not m.matches({"a": "x1"})


@pytest.mark.parametrize(
    ("text", "go", "message"),
    [
        ("{{ with . }}{{ else with . }}{{ end }}", "1.22", "unexpected <with> in else"),
        ("{{ with . }}{{ else with . }}{{ end }}", "1.23", None),
        ("{{ range . }}{{ else with . }}{{ end }}", "1.23", "unexpected <with> in input"),
        ("{{ len .Alerts) }}", "1.19", 'unexpected ")" in command'),
        ("{{ len .Alerts) }}", "1.21", "unexpected right paren"),
    ],
)
def test_templates_by_go(text: str, go: str, message: str | None) -> None:
    try:
        parse_template(text, "t", Version.parse(go))
        assert message is None
    except TemplateSyntaxError as exc:
        assert exc.message == message


def _validate(tmp_path: Path, spec: dict[str, Any]) -> list[str]:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True))
    return [f"{p.level}: {p.text}" for p in validate([path]).problems]


BASE: dict[str, Any] = {"version": 1, "severities": {"critical": {"notify": ["default"]}}, "receivers": {"default": {}}}


def test_utf8_label_names_are_valid_where_the_target_allows_them(tmp_path: Path) -> None:
    spec = {
        **BASE,
        "defaults": {"targets": {"alertmanager": "0.33"}, "group_by": ["service.name"]},
        "routing": {"receiver": "default", "routes": [{"matchers": {"k8s.pod": "x"}, "receiver": "default"}]},
        "inhibit_rules": [{"source_matchers": ["a=b"], "target_matchers": ["c=d"], "equal": ["service.name"]}],
        "tests": {"routing": [{"labels": {"k8s.pod": "x", "team name": "a"}, "receivers": ["default"]}]},
    }
    assert _validate(tmp_path, spec) == []
    spec["defaults"]["targets"]["alertmanager"] = "0.25"
    assert _validate(tmp_path, spec) == [
        "error: defaults.group_by[0]: invalid label name 'service.name'; label names beyond [a-zA-Z_][a-zA-Z0-9_]* need "
        "Alertmanager ≥ 0.27 (the target is 0.25)",
        "error: inhibit_rules[0].equal[0]: invalid label name 'service.name'; label names beyond [a-zA-Z_][a-zA-Z0-9_]* need "
        "Alertmanager ≥ 0.28 (the target is 0.25)",
        'error: routing.routes[0].matchers[0]: invalid matcher \'k8s.pod="x"\': bad matcher format: k8s.pod="x"; label names '
        "beyond [a-zA-Z_][a-zA-Z0-9_]* need Alertmanager ≥ 0.27 (the target is 0.25)",
        "error: tests.routing[0].labels.k8s.pod: invalid label name 'k8s.pod': use letters, digits and _, not starting with a "
        "digit or __; other names need Alertmanager ≥ 0.27 (the target is 0.25)",
        "error: tests.routing[0].labels.team name: invalid label name 'team name': use letters, digits and _, not starting "
        "with a digit or __; other names need Alertmanager ≥ 0.27 (the target is 0.25)",
    ]
