"""Toolchain pieces that need no binary: Debian builds and their patches, tool log lines, the
step × toolchain matrix and its JUnit."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from callalert.analysis.versions import Version
from callalert.check.report import junit_xml, matrix_table
from callalert.check.steps import Case, Step, ToolchainRun
from callalert.toolchain import Build, Tool, build_of, split_log
from callalert.toolchain.builds import debian_version_compare
from callalert.toolchain.logs import describe_record

# `--version` of the Debian builds `make tools` installs (trixie) and of an upstream build
TRIXIE_AMTOOL = """amtool, version 0.28.1+ds (branch: debian/sid, revision: 0.28.1+ds-1)
  build user:       team+pkg-go@tracker.debian.org
  build date:       20250309-13:50:43
  go version:       go1.24.1
  platform:         linux/amd64
  tags:             unknown
"""
SID_AMTOOL = TRIXIE_AMTOOL.replace("0.28.1+ds (branch", "0.33.1 (branch").replace("0.28.1+ds-1", "0.33.1-5")
BOOKWORM_AMTOOL = TRIXIE_AMTOOL.replace("0.28.1+ds (branch", "0.25.0 (branch").replace("0.28.1+ds-1", "0.25.0-1+b4")
TRIXIE_PROMTOOL = (
    TRIXIE_AMTOOL.replace("amtool", "promtool").replace("0.28.1+ds", "2.53.3+ds1").replace("2.53.3+ds1-1", "2.53.3+ds1-2")
)
UPSTREAM_AMTOOL = """amtool, version 0.28.1 (branch: HEAD, revision: b2099eaa2c9ebc25edb26517cb9c732738e93910)
  build user:       root@fec2b3d2c54b
  build date:       20250307-15:05:18
  go version:       go1.23.7
"""


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("0.28.1+ds-1", "0.28.0+ds-1", 1),
        ("0.30.1+ds-1", "0.30.1+ds-1", 0),
        ("0.30.0+ds-2", "0.30.1+ds-1", -1),
        ("2.53.3+ds1-2", "2.53.3+ds1-10", -1),
        ("1.0~rc1-1", "1.0-1", -1),
        ("1:0.1-1", "0.9-1", 1),
        ("0.33.1-5", "0.33.1-1", 1),
        ("0.25.0-1+b4", "0.25.0-1", 1),
    ],
)
def test_debian_versions_order_like_dpkg(a: str, b: str, expected: int) -> None:
    assert debian_version_compare(a, b) == expected
    assert debian_version_compare(b, a) == -expected


def test_debian_builds_and_their_patches() -> None:
    trixie = build_of("amtool", TRIXIE_AMTOOL)
    assert (trixie.distribution, trixie.package_version, trixie.describe()) == (
        "Debian",
        "0.28.1+ds-1",
        "Debian build 0.28.1+ds-1",
    )
    assert [p.name for p in trixie.patches] == ["debian-jira-disabled"]
    assert not trixie.embeds_templates
    assert trixie.notes and trixie.notes[0].startswith("no built-in templates: ")
    assert [p.name for p in build_of("alertmanager", SID_AMTOOL).patches] == ["debian-kafka-disabled"]
    assert build_of("amtool", BOOKWORM_AMTOOL).patches == ()
    assert [p.name for p in build_of("promtool", TRIXIE_PROMTOOL).patches] == ["0023-Use-legacy-label-name-validation.patch"]
    upstream = build_of("amtool", UPSTREAM_AMTOOL)
    assert upstream == Build() and upstream.describe() == "upstream build" and upstream.embeds_templates


def test_a_patch_explains_only_output_about_it() -> None:
    (jira,) = build_of("amtool", TRIXIE_AMTOOL).patches
    assert jira.explains("line 5: field jira_configs not found in type config.plain")
    assert not jira.explains('template: :1: function "since" not defined')


# amtool 0.33.1 check-config of a route matcher `foo=bar baz`: the log record glued to `Checking`
GLUED = (
    "Checking 'am.yml'time=2026-11-30T05:35:35.729Z level=WARN source=parse.go:176 "
    'msg="Alertmanager is moving to a new parser for labels and matchers, and this input is incompatible. '
    'Alertmanager has instead parsed the input using the classic matchers parser as a fallback." '
    'input="foo=bar baz" origin=config err="8:11: unexpected baz: expected a comma or close brace" '
    'suggestion="foo=\\"bar baz\\""\n'
    "  SUCCESS\n"
    "Found:\n"
    " - global config\n"
)


def test_log_records_are_taken_out_of_tool_output() -> None:
    clean, records = split_log(GLUED)
    assert clean == "Checking 'am.yml'\n  SUCCESS\nFound:\n - global config\n"
    [record] = records
    assert (record.level, record.get("input"), record.get("origin"), record.get("suggestion")) == (
        "WARN",
        "foo=bar baz",
        "config",
        'foo="bar baz"',
    )
    assert describe_record(record, "amtool 0.33.1") == (
        "amtool 0.33.1: matcher 'foo=bar baz' in the config is not valid for the UTF-8 matchers parser "
        "(8:11: unexpected baz: expected a comma or close brace); it was read with the classic parser as a fallback; "
        'write foo="bar baz" to be valid for both'
    )
    assert split_log("default\n") == ("default\n", [])


def test_other_log_records_are_described_as_they_are() -> None:
    _, [record] = split_log('time=2026-11-30T05:11:43Z level=WARN source=featurecontrol.go:157 msg="Classic mode enabled"\n')
    assert describe_record(record, "amtool 0.33.1") == "amtool 0.33.1 logged WARN: Classic mode enabled"


def _tool(kind: str, version: str) -> Tool:
    return Tool(kind, f"/t/{kind}", Version.parse(version), "1.24", ".tools/x")


def _run(name: str, prom: str, am: str, ok: bool) -> ToolchainRun:
    run = ToolchainRun(name, _tool("promtool", prom), _tool("amtool", am))
    run.steps = [
        Step("render", [Case("render", True)]),
        Step("promtool test rules", [Case("a.test.yml", ok, 0.5, "" if ok else "FAILED:")], tool=run.promtool),
        Step("coverage", [Case("coverage", True)], warnings=["alert A has no rule test (tests.rules)"]),
    ]
    return run


def test_matrix_and_junit_have_one_column_and_suite_per_toolchain() -> None:
    runs = [_run("trixie", "2.53.3", "0.28.1", True), _run("sid", "3.5.3", "0.33.1", False)]
    assert matrix_table(runs, [("bookworm", ["amtool 0.25 < target 0.28"])]) == (
        "step                 trixie        sid\n"
        "promtool             2.53.3        3.5.3\n"
        "amtool               0.28.1        0.33.1\n"
        "render               ok            ok\n"
        "promtool test rules  ok            FAILED\n"
        "coverage             1 warning(s)  1 warning(s)\n"
        "bookworm: not run: amtool 0.25 < target 0.28\n"
    )
    root = ET.fromstring(junit_xml([], runs).split("\n", 1)[1])
    names = [s.attrib["name"] for s in root.findall("testsuite")]
    assert names == [f"{step} [{run}]" for run in ("trixie", "sid") for step in ("render", "promtool test rules", "coverage")]
    assert root.attrib["failures"] == "1"
    suite = root.find("testsuite[@name='promtool test rules [sid]']")
    assert suite is not None
    prop = suite.find("properties/property")
    assert prop is not None and prop.attrib == {"name": "tool", "value": "promtool 3.5.3 (/t/promtool)"}
