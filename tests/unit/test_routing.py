from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from callalert.analysis.alertmanager.delivery import deliver
from callalert.analysis.alertmanager.inhibit import build_inhibit_rules, inhibiting_rule, is_inhibited
from callalert.analysis.alertmanager.matchers import Matcher
from callalert.analysis.alertmanager.routing import RoutingError, build_route_tree, find_route, match_routes, receivers_for
from callalert.analysis.alertmanager.timeinterval import TimeIntervalError, interval_active
from callalert.cli.routes import load_am_config_for_cli, parse_label_args, routes_app
from callalert.errors import CallalertError, UsageError

RECEIVERS = [{"name": n} for n in ("default", "a", "b", "c", "d", "e", "pagerduty", "slack-critical", "slack-warnings", "email")]


def cfg(route: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"route": route, "receivers": RECEIVERS, **extra}


TREE = cfg(
    {
        "receiver": "default",
        "group_by": ["alertname"],
        "group_wait": "10s",
        "routes": [
            {"matchers": ['team="x"'], "receiver": "a", "continue": True, "group_by": ["..."]},
            {
                "match": {"team": "x"},
                "match_re": {"env": "prod|stag"},
                "receiver": "b",
                "repeat_interval": "1h",
                "routes": [
                    {"matchers": ['sev="page"'], "receiver": "c"},
                    {"matchers": ['sev=~"warn.*"'], "group_by": []},
                ],
            },
            {"matchers": ["team=x"], "receiver": "d"},
            {"matchers": ['team!="x"', 'env!~"prod"'], "receiver": "e"},
        ],
    }
)


def paths(labels: dict[str, str]) -> list[str]:
    return [r.path for r in match_routes(build_route_tree(TREE), labels)]


def test_root_always_matches_and_is_the_fallback() -> None:
    root = build_route_tree(TREE)
    assert receivers_for(root, {"team": "y", "env": "prod"}) == ["default"]
    assert paths({"team": "y", "env": "prod"}) == ["route"]


def test_empty_label_set() -> None:
    # team!="x" and env!~"prod" both hold for absent labels
    assert receivers_for(build_route_tree(TREE), {}) == ["e"]


def test_continue_then_first_match_stops() -> None:
    # routes[0] continues; routes[1] needs env; routes[2] matches and stops before routes[3]
    assert paths({"team": "x"}) == ["route.routes[0]", "route.routes[2]"]
    assert receivers_for(build_route_tree(TREE), {"team": "x"}) == ["a", "d"]


def test_legacy_and_matchers_must_all_hold_and_child_wins_over_parent() -> None:
    assert paths({"team": "x", "env": "prod", "sev": "page"}) == ["route.routes[0]", "route.routes[1].routes[0]"]
    assert receivers_for(build_route_tree(TREE), {"team": "x", "env": "stag", "sev": "page"}) == ["a", "c"]


def test_fallback_to_parent_when_no_child_matches() -> None:
    assert paths({"team": "x", "env": "prod", "sev": "info"}) == ["route.routes[0]", "route.routes[1]"]
    assert receivers_for(build_route_tree(TREE), {"team": "x", "env": "prod"}) == ["a", "b"]


def test_receivers_are_not_deduplicated() -> None:
    config = cfg(
        {
            "receiver": "default",
            "routes": [
                {"matchers": ["a=1"], "receiver": "a", "continue": True},
                {"matchers": ["a=~1|2"], "receiver": "a"},
            ],
        }
    )
    assert receivers_for(build_route_tree(config), {"a": "1"}) == ["a", "a"]


def test_inheritance() -> None:
    root = build_route_tree(TREE)
    assert root.inherited == frozenset()
    assert (root.group_wait, root.group_interval, root.repeat_interval) == ("10s", "5m", "4h")
    first = find_route(root, "route.routes[0]")
    assert first.group_by == ("...",) and first.group_by_all
    assert first.inherited == frozenset({"group_wait", "group_interval", "repeat_interval"})
    second = find_route(root, "route.routes[1]")
    assert second.repeat_interval == "1h" and second.group_wait == "10s" and second.group_by == ("alertname",)
    leaf = find_route(root, "route.routes[1].routes[1]")
    # no receiver and `group_by: []` both inherit (config.Route leaves GroupBy nil for an empty list)
    assert leaf.receiver == "b" and leaf.group_by == ("alertname",) and leaf.repeat_interval == "1h"
    assert leaf.inherited == frozenset({"receiver", "group_by", "group_wait", "group_interval", "repeat_interval"})
    assert receivers_for(root, {"team": "x", "env": "prod", "sev": "warning"}) == ["a", "b"]


def test_matchers_are_combined_and_sorted_like_alertmanager() -> None:
    route = find_route(build_route_tree(TREE), "route.routes[1]")
    assert route.matchers == [Matcher("env", "=~", "prod|stag"), Matcher("team", "=", "x")]
    assert route.matchers_text() == '{env=~"prod|stag",team="x"}'


def test_mute_and_active_intervals_are_not_inherited() -> None:
    config = cfg(
        {"receiver": "default", "routes": [{"receiver": "a", "mute_time_intervals": ["m"], "routes": [{"receiver": "b"}]}]},
        time_intervals=[{"name": "m", "time_intervals": [{"weekdays": ["monday"]}]}],
    )
    root = build_route_tree(config)
    assert find_route(root, "route.routes[0]").mute_time_intervals == ("m",)
    assert find_route(root, "route.routes[0].routes[0]").mute_time_intervals == ()


def test_yaml_integer_value_is_a_string() -> None:
    config = yaml.safe_load(
        "route: {receiver: default, routes: [{match: {test: 2}, receiver: a}]}\nreceivers: [{name: default}, {name: a}]"
    )
    assert receivers_for(build_route_tree(config), {"test": "2"}) == ["a"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "no routes provided"),
        ({"route": {"group_by": ["a"]}}, "root route must specify a default receiver"),
        ({"route": {"receiver": "default", "matchers": ["a=b"]}}, "root route must not have any matchers"),
        ({"route": {"receiver": "default", "continue": True}}, "cannot have continue in root route"),
        ({"route": {"receiver": "nope"}, "receivers": RECEIVERS}, 'undefined receiver "nope" used in route'),
        (
            {"route": {"receiver": "default", "routes": [{"receiver": "a", "mute_time_intervals": ["x"]}]}},
            'undefined time interval "x" used in route (route.routes[0], mute)',
        ),
        (
            {"route": {"receiver": "default", "routes": [{"match_re": {"a": None}}]}},
            'route.routes[0]: invalid regexp value for "a"',
        ),
        (
            {"route": {"receiver": "default", "routes": [{"matchers": ['a=~"(?=x)"']}]}},
            "route.routes[0]: error parsing regexp: invalid or unsupported Perl syntax: `(?=`",
        ),
        (
            {"route": {"receiver": "default", "routes": [{"labels": {"a": "b"}}]}},
            "route.routes[0]: unknown field 'labels' (Alertmanager 0.33 rejects it)",  # the default target
        ),
        (
            {"route": {"receiver": "default", "group_by": ["...", "a"]}},
            "route.group_by: cannot have wildcard group_by (`...`) and other other labels at the same time",
        ),
        ({"route": {"receiver": "default", "group_wait": "10x"}}, 'route.group_wait: not a valid duration string: "10x"'),
    ],
)
def test_invalid_trees(config: dict[str, Any], message: str) -> None:
    with pytest.raises(RoutingError) as err:
        build_route_tree(config)
    assert str(err.value) == message
    assert isinstance(err.value, CallalertError)


# ------------------------------------------------------------------ inhibition

RULES = [
    {"source_match": {"severity": "critical"}, "target_match": {"severity": "warning"}, "equal": ["alertname", "cluster"]},
    {"source_matchers": ['kind=~"a|b"'], "target_matchers": ['kind=~"a|b"']},
]


def test_inhibited_when_equal_labels_agree() -> None:
    target = {"severity": "warning", "alertname": "X", "cluster": "c1"}
    assert is_inhibited(target, [{"severity": "critical", "alertname": "X", "cluster": "c1"}], RULES)
    assert not is_inhibited(target, [{"severity": "critical", "alertname": "X", "cluster": "c2"}], RULES)
    assert not is_inhibited(target, [{"severity": "critical", "alertname": "Y", "cluster": "c1"}], RULES)
    assert not is_inhibited(target, [{"severity": "info", "alertname": "X", "cluster": "c1"}], RULES)
    assert not is_inhibited(
        {**target, "severity": "critical"}, [{"severity": "critical", "alertname": "X", "cluster": "c1"}], RULES
    )


def test_equal_absent_label_counts_as_equal() -> None:
    # neither alert has `cluster`: absent == absent; and absent == ""
    assert is_inhibited({"severity": "warning", "alertname": "X"}, [{"severity": "critical", "alertname": "X"}], RULES)
    assert is_inhibited(
        {"severity": "warning", "alertname": "X", "cluster": ""}, [{"severity": "critical", "alertname": "X"}], RULES
    )
    assert not is_inhibited(
        {"severity": "warning", "alertname": "X", "cluster": "c"}, [{"severity": "critical", "alertname": "X"}], RULES
    )


def test_an_alert_does_not_inhibit_itself_when_matching_both_sides() -> None:
    a = {"kind": "a"}
    assert not is_inhibited(a, [a], RULES)
    # another alert matching both sides does not inhibit it either
    assert not is_inhibited(a, [{"kind": "b"}], RULES)
    found = inhibiting_rule({"kind": "a"}, [{"kind": "a"}, {"kind": "b"}], RULES)
    assert found is None


def test_one_sided_target_is_inhibited_by_a_source_matching_both_sides() -> None:
    rules = [{"source_matchers": ["s=1"], "target_matchers": ["t=1"]}]
    assert is_inhibited({"t": "1"}, [{"s": "1", "t": "1"}], rules)
    # the target also matches the source side: only sources not matching the target side count
    assert not is_inhibited({"s": "1", "t": "1"}, [{"s": "1", "t": "1"}], rules)
    assert is_inhibited({"s": "1", "t": "1"}, [{"s": "1"}], rules)


def test_inhibit_rule_with_no_source_matchers_matches_every_source() -> None:
    rules = [{"target_matchers": ['alertname="InfoInhibitor"']}]
    assert is_inhibited({"alertname": "InfoInhibitor"}, [{"anything": "1"}], rules)


def test_inhibiting_rule_reports_which() -> None:
    found = inhibiting_rule({"severity": "warning"}, [{"severity": "critical"}], RULES)
    assert found is not None
    rule, source = found
    assert rule.path == "inhibit_rules[0]" and source == {"severity": "critical"}


def test_build_inhibit_rules_errors() -> None:
    with pytest.raises(RoutingError) as err:  # a classic label name: Alertmanager before 0.28 reads `equal` so
        build_inhibit_rules([{"source_matchers": ["a=b"], "equal": ["a:b"]}], "0.25")
    assert str(err.value) == 'inhibit_rules[0].equal: "a:b" is not a valid label name'


# ------------------------------------------------------------------ time intervals


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("spec", "when", "expected"),
    [
        ({"times": [{"start_time": "09:00", "end_time": "17:00"}]}, "2024-05-06T09:00:00+00:00", True),
        ({"times": [{"start_time": "09:00", "end_time": "17:00"}]}, "2024-05-06T17:00:00+00:00", False),  # end exclusive
        ({"times": [{"start_time": "09:00", "end_time": "17:00"}]}, "2024-05-06T16:59:59+00:00", True),
        ({"times": [{"start_time": "00:00", "end_time": "24:00"}]}, "2024-05-06T23:59:00+00:00", True),
        ({"weekdays": ["monday:friday"]}, "2024-05-06T12:00:00+00:00", True),  # a Monday
        ({"weekdays": ["Saturday", "sunday"]}, "2024-05-05T12:00:00+00:00", True),  # a Sunday
        ({"weekdays": ["monday:friday"]}, "2024-05-05T12:00:00+00:00", False),
        ({"days_of_month": ["1:5"]}, "2024-05-05T00:00:00+00:00", True),
        ({"days_of_month": ["-1"]}, "2024-02-29T10:00:00+00:00", True),  # last day of a leap February
        ({"days_of_month": ["-1"]}, "2023-02-28T10:00:00+00:00", True),
        ({"days_of_month": ["-3:-1"]}, "2024-04-27T10:00:00+00:00", False),
        ({"days_of_month": ["-3:-1"]}, "2024-04-28T10:00:00+00:00", True),
        ({"days_of_month": ["31"]}, "2024-04-30T10:00:00+00:00", False),  # day 31 does not exist in April
        ({"days_of_month": ["25:-1"]}, "2024-02-29T10:00:00+00:00", True),
        ({"months": ["january:march", "12"]}, "2024-12-01T00:00:00+00:00", True),
        ({"months": ["january:march"]}, "2024-04-01T00:00:00+00:00", False),
        ({"years": ["2020:2023"]}, "2024-01-01T00:00:00+00:00", False),
        ({"years": ["2024"]}, "2024-01-01T00:00:00+00:00", True),
        # all fields must hold
        ({"weekdays": ["monday"], "times": [{"start_time": "09:00", "end_time": "10:00"}]}, "2024-05-06T09:30:00+00:00", True),
        ({"weekdays": ["tuesday"], "times": [{"start_time": "09:00", "end_time": "10:00"}]}, "2024-05-06T09:30:00+00:00", False),
        # location: 09:30 in Madrid (UTC+2 in May) is 07:30 UTC
        (
            {"location": "Europe/Madrid", "times": [{"start_time": "09:00", "end_time": "10:00"}]},
            "2024-05-06T07:30:00+00:00",
            True,
        ),
        ({"times": [{"start_time": "09:00", "end_time": "10:00"}]}, "2024-05-06T07:30:00+00:00", False),
        # location moves the date too: Monday 23:30 UTC is Tuesday in Tokyo
        ({"location": "Asia/Tokyo", "weekdays": ["tuesday"]}, "2024-05-06T23:30:00+00:00", True),
        ({}, "2024-05-06T23:30:00+00:00", True),  # an empty interval always holds
    ],
)
def test_interval_active(spec: dict[str, Any], when: str, expected: bool) -> None:
    assert interval_active([spec], at(when)) is expected


def test_interval_list_is_any_of() -> None:
    specs = [{"weekdays": ["saturday"]}, {"weekdays": ["sunday"]}]
    assert interval_active(specs, at("2024-05-05T12:00:00+00:00"))
    assert not interval_active(specs, at("2024-05-06T12:00:00+00:00"))


def test_naive_time_is_utc() -> None:
    assert interval_active([{"times": [{"start_time": "07:00", "end_time": "08:00"}]}], datetime(2024, 5, 6, 7, 30))
    aware = datetime(2024, 5, 6, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    assert interval_active([{"times": [{"start_time": "07:00", "end_time": "08:00"}]}], aware)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"times": [{"start_time": "10:00", "end_time": "09:00"}]},
            "time_intervals[0].times[0]: start time cannot be equal or greater than end time",
        ),
        (
            {"times": [{"start_time": "9:00", "end_time": "10:00"}]},
            "time_intervals[0].times[0].start_time: couldn't parse timestamp 9:00, invalid format",
        ),
        ({"weekdays": ["mon"]}, "time_intervals[0].weekdays: 'mon' is not a valid weekday"),
        ({"location": "Mars/Base"}, "time_intervals[0].location: unknown time zone Mars/Base"),
        ({"days_of_month": ["0"]}, "time_intervals[0].days_of_month: 0 is not a valid day of the month: out of range"),
        (
            {"weekdays": ["monday:sunday"]},
            "time_intervals[0].weekdays: start day cannot be before end day (weeks start on sunday)",
        ),
        ({"days_of_month": ["-5:5"]}, "time_intervals[0].days_of_month: end day must be negative if start day is negative"),
        ({"days_of_month": ["20:-20"]}, "time_intervals[0].days_of_month: end day -20 is always before start day 20"),
        ({"months": ["december:january"]}, "time_intervals[0].months: end month is before start month"),
        ({"years": ["2025:2024"]}, "time_intervals[0].years: end year 2024 is before start year 2025"),
        # rejected even where evaluation at this instant would never look at the field
        (
            {"times": [{"start_time": "00:00", "end_time": "00:01"}], "weekdays": ["friday:monday"]},
            "time_intervals[0].weekdays: start day cannot be before end day (weeks start on sunday)",
        ),
    ],
)
def test_interval_errors(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(TimeIntervalError) as err:
        interval_active([spec], at("2024-05-06T12:00:00+00:00"))
    assert str(err.value) == message


SEEDLIKE = cfg(
    {
        "receiver": "default",
        "routes": [
            {"matchers": ['severity="critical"'], "receiver": "pagerduty", "continue": True, "active_time_intervals": ["office"]},
            {"matchers": ['severity="critical"'], "receiver": "slack-critical", "mute_time_intervals": ["night"]},
        ],
    },
    time_intervals=[
        {"name": "night", "time_intervals": [{"times": [{"start_time": "00:00", "end_time": "06:00"}]}]},
        {
            "name": "office",
            "time_intervals": [{"weekdays": ["monday:friday"], "times": [{"start_time": "09:00", "end_time": "17:00"}]}],
        },
    ],
    inhibit_rules=[{"source_matchers": ['alertname="Outage"'], "target_matchers": ['severity="critical"'], "equal": ["site"]}],
)


def test_deliver_applies_mute_and_active_intervals_per_route() -> None:
    crit = {"severity": "critical"}
    night_sunday = deliver(SEEDLIKE, crit, at=at("2024-05-05T03:00:00+00:00"))
    assert night_sunday.receivers == ["pagerduty", "slack-critical"]
    assert night_sunday.notified == []
    assert night_sunday.muted == {
        "route.routes[0]": "outside its active_time_intervals 'office'",
        "route.routes[1]": "muted by mute_time_intervals 'night'",
    }
    monday_morning = deliver(SEEDLIKE, crit, at=at("2024-05-06T10:00:00+00:00"))
    assert monday_morning.notified == ["pagerduty", "slack-critical"]
    monday_night = deliver(SEEDLIKE, crit, at=at("2024-05-06T01:00:00+00:00"))
    assert monday_night.notified == []
    assert deliver(SEEDLIKE, crit).notified == ["pagerduty", "slack-critical"]  # no time: amtool's answer


def test_deliver_inhibited_reaches_nobody() -> None:
    result = deliver(SEEDLIKE, {"severity": "critical", "site": "x"}, firing=[{"alertname": "Outage", "site": "x"}])
    assert result.receivers == ["pagerduty", "slack-critical"]
    assert result.notified == []
    assert result.inhibited_by is not None and result.inhibited_by[0].path == "inhibit_rules[0]"
    other_site = deliver(SEEDLIKE, {"severity": "critical", "site": "y"}, firing=[{"alertname": "Outage", "site": "x"}])
    assert other_site.notified == ["pagerduty", "slack-critical"]


# ------------------------------------------------------------------ CLI


@pytest.fixture
def seedlike_file(tmp_path: Path) -> Path:
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(SEEDLIKE), encoding="utf-8")
    return path


def invoke(*args: str) -> Any:
    return CliRunner().invoke(routes_app, list(args))


def test_cli_test_prints_like_amtool(seedlike_file: Path) -> None:
    result = invoke("test", "--config", str(seedlike_file), "severity=critical")
    assert result.exit_code == 0, result.output
    assert result.output == "pagerduty,slack-critical\n"
    assert invoke("test", "--config", str(seedlike_file)).output == "default\n"
    assert invoke("test", "--config", str(seedlike_file), 'severity="crit\\"ical"').output == "default\n"


def test_cli_test_json(seedlike_file: Path) -> None:
    import json

    result = invoke("test", "--config", str(seedlike_file), "--json", "severity=critical")
    assert json.loads(result.output) == {
        "labels": {"severity": "critical"},
        "routes": ["route.routes[0]", "route.routes[1]"],
        "receivers": ["pagerduty", "slack-critical"],
        "inhibited_by": None,
        "muted": {},
        "silenced_by": None,
        "notified": ["pagerduty", "slack-critical"],
    }


def test_cli_firing_and_at(seedlike_file: Path) -> None:
    result = invoke("test", "--config", str(seedlike_file), "severity=critical", "site=x", "--firing", "alertname=Outage,site=x")
    assert result.output == (
        'INHIBITED by inhibit_rules[0] (firing source alert {alertname="Outage",site="x"}): nobody is notified\n'
        "routes matched (not notified): pagerduty,slack-critical\n"
    )
    result = invoke("test", "--config", str(seedlike_file), "severity=critical", "--at", "2024-05-06T01:00:00Z")
    assert result.output == (
        "(nobody is notified)\n"
        "MUTED at 2024-05-06T01:00:00+00:00: route.routes[0] (receiver pagerduty) outside its active_time_intervals 'office'\n"
        "MUTED at 2024-05-06T01:00:00+00:00: route.routes[1] (receiver slack-critical) muted by mute_time_intervals 'night'\n"
    )


def test_cli_expect(seedlike_file: Path) -> None:
    ok = invoke("test", "--config", str(seedlike_file), "--expect", "pagerduty,slack-critical", "severity=critical")
    assert ok.exit_code == 0
    bad = invoke("test", "--config", str(seedlike_file), "--expect", "pagerduty", "severity=critical")
    assert bad.output == "pagerduty,slack-critical\nWARNING: Expected receivers did not match resolved receivers.\n"
    assert isinstance(bad.exception, CallalertError)
    assert str(bad.exception) == "expected receivers 'pagerduty', got 'pagerduty,slack-critical'"


def test_cli_show(seedlike_file: Path) -> None:
    result = CliRunner().invoke(routes_app, ["show", "--config", str(seedlike_file)], env={"COLUMNS": "40"})
    assert result.exit_code == 0, result.output
    # not a terminal: one line per node whatever the width; a child shows only what it changes
    assert result.output.splitlines() == [
        "default-route  [route]  receiver: default  group_by: []  wait/interval/repeat: 30s/5m/4h",
        '├── {severity="critical"}  [route.routes[0]]  receiver: pagerduty  continue: true  active: office',
        '└── {severity="critical"}  [route.routes[1]]  receiver: slack-critical  mute: night',
    ]
    result = CliRunner().invoke(routes_app, ["show", "--config", str(seedlike_file), "--all"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "default-route  [route]  receiver: default  group_by: []  wait/interval/repeat: 30s/5m/4h"
    assert lines[1] == (
        '├── {severity="critical"}  [route.routes[0]]  receiver: pagerduty  continue: true  '
        "group_by: [] (inherited)  wait/interval/repeat: 30s/5m/4h (inherited)  active: office"
    )
    assert lines[2].startswith('└── {severity="critical"}  [route.routes[1]]  receiver: slack-critical  group_by: [] (inherited)')
    assert lines[2].endswith("mute: night")


def test_cli_errors(tmp_path: Path, seedlike_file: Path) -> None:
    missing = invoke("test", "--config", str(tmp_path / "nope.yml"))
    assert isinstance(missing.exception, UsageError)
    assert str(missing.exception) == f"--config {tmp_path / 'nope.yml'}: no such file"
    bad_label = invoke("test", "--config", str(seedlike_file), "a!=b")
    assert isinstance(bad_label.exception, UsageError)
    assert str(bad_label.exception) == "failed to parse labels: labels must be specified as key=value pairs: a!=b"
    bad_at = invoke("test", "--config", str(seedlike_file), "--at", "tomorrow")
    assert str(bad_at.exception) == "--at 'tomorrow': not an ISO 8601 date-time (e.g. 2024-05-06T09:30:00+02:00)"


def test_parse_label_args_later_wins_and_errors() -> None:
    assert parse_label_args(["a=1", 'a="2"', "b=x y"]) == {"a": "2", "b": "x y"}
    with pytest.raises(UsageError) as err:
        parse_label_args(["foo"])
    assert str(err.value) == "failed to parse labels: bad matcher format: foo"


def test_load_am_config_for_cli_rejects_non_mapping(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("BAD\n", encoding="utf-8")
    with pytest.raises(CallalertError) as err:
        load_am_config_for_cli(path)
    assert str(err.value) == f"{path}: expected a mapping at the top level, got a string"


def test_routes_test_at_applies_the_spec_s_silences_and_refuses_a_time_without_zone(run_cli, tmp_path: Path) -> None:
    from tests.conftest import ROOT

    spec = str(ROOT / "tests/golden/cases/team-routing/spec.yaml")
    labels = ["alertname=RedisMemoryHigh", "team=data", "severity=warning", "namespace=shop"]
    silenced = run_cli("routes", "test", spec, *labels, "--at", "2030-03-14T23:00:00Z")
    assert silenced.exit_code == 0, silenced
    assert silenced.stdout == (
        'SILENCED by silences[0] {alertname=~"Redis.*", namespace="shop"} until 2030-03-15T02:00:00Z: nobody is notified\n'
        "routes matched (not notified): data-email\n"
    )
    assert run_cli("routes", "test", spec, *labels, "--at", "2030-03-15T02:00:00Z").stdout == "data-email\n"
    naive = run_cli("routes", "test", spec, *labels, "--at", "2030-03-12 23:00")
    assert naive.exit_code == 2, naive
    assert naive.stderr == (
        "callalert: error: --at '2030-03-12 23:00': add a time zone (Z or +01:00), e.g. 2030-03-12T23:00:00Z\n"
    )
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("silences: []\n")
    unsilenced = run_cli("routes", "test", spec, *labels, "--at", "2030-03-14T23:00:00Z", "--overlay", str(overlay))
    assert unsilenced.stdout == "data-email\n", unsilenced


def test_cli_show_prints_what_a_child_changes(tmp_path: Path) -> None:
    config = tmp_path / "am.yml"
    config.write_text(
        "route:\n  receiver: a\n  group_by: [alertname]\n  routes:\n"
        "    - {receiver: b, matchers: ['team=\"x\"'], group_by: [alertname, team], group_wait: 10s}\n"
        "receivers: [{name: a}, {name: b}]\n"
    )
    result = CliRunner().invoke(routes_app, ["show", "--config", str(config)])
    assert result.output.splitlines() == [
        "default-route  [route]  receiver: a  group_by: [alertname]  wait/interval/repeat: 30s/5m/4h",
        '└── {team="x"}  [route.routes[0]]  receiver: b  group_by: [alertname, team]  group_wait: 10s',
    ]


def test_a_routes_lineage_and_the_matchers_on_its_path() -> None:
    root = build_route_tree(TREE)
    leaf = next(r for r in root.walk() if r.path == "route.routes[1].routes[0]")
    assert [r.path for r in leaf.lineage()] == ["route.routes[1].routes[0]", "route.routes[1]", "route"]
    parent = leaf.parent
    assert parent is not None
    assert [str(m) for m in leaf.path_matchers()] == [str(m) for m in [*leaf.matchers, *parent.matchers]]
    assert [str(m) for m in root.path_matchers()] == []
