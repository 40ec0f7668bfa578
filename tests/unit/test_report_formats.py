"""The CI formats every command offers: GitLab Code Quality, Checkstyle and JUnit (beside text, json,
github and sarif), checked against what their consumers require."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callalert import report
from callalert.diagnostics import Problem
from tests.conftest import EXAMPLE_SPEC

PROBLEMS = [
    Problem(
        "specs/a.yaml",
        3,
        5,
        "error",
        "unknown severity 'critcal' & <\"x\">",
        "unknown-severity",
        "groups[0].alerts[0].severity",
        "use critical",
    ),
    Problem("specs/a.yaml", 9, 1, "warning", "receiver 'sms' is not used by any route", "receiver-unused", "receivers.sms"),
    Problem("specs/a.yaml", 12, 7, "info", "rate() of a gauge\x07", "promql-rate-on-gauge"),
    Problem("specs/a.yaml", 14, 7, "info", "rate() of a gauge\x07", "promql-rate-on-gauge"),
]


def test_gitlab_code_quality_issues_have_every_field_gitlab_reads() -> None:
    issues = json.loads(report.render(PROBLEMS, "gitlab"))
    assert len(issues) == 4
    for issue in issues:
        # GitLab's documented minimum: description, check_name, fingerprint, severity, location.path, location.lines.begin
        assert isinstance(issue["description"], str) and issue["description"]
        assert isinstance(issue["check_name"], str)
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert isinstance(issue["location"]["path"], str)
        assert isinstance(issue["location"]["lines"]["begin"], int) and issue["location"]["lines"]["begin"] >= 1
        assert len(issue["fingerprint"]) == 32
    assert [i["severity"] for i in issues] == ["major", "minor", "info", "info"]
    assert issues[0]["description"] == ("groups[0].alerts[0].severity: unknown severity 'critcal' & <\"x\"> (fix: use critical)")
    assert issues[0]["location"] == {
        "path": "specs/a.yaml",
        "positions": {"begin": {"line": 3, "column": 5}},
        "lines": {"begin": 3},
    }
    # the same finding twice in a file is two issues (GitLab shows one per fingerprint)
    assert len({i["fingerprint"] for i in issues}) == 4


def test_gitlab_fingerprint_does_not_move_with_the_line() -> None:
    moved = [Problem(p.path, p.line + 10, p.col, p.level, p.message, p.rule, p.key, p.fix) for p in PROBLEMS]
    before = [i["fingerprint"] for i in report.gitlab(PROBLEMS)]
    after = [i["fingerprint"] for i in report.gitlab(moved)]
    assert before == after


def test_checkstyle_lists_every_file_and_escapes_text() -> None:
    text = report.render(PROBLEMS, "checkstyle", files=["specs/a.yaml", "specs/clean.yaml"])
    root = ET.fromstring(text)
    assert root.tag == "checkstyle"
    files = {f.get("name"): f for f in root.findall("file")}
    assert sorted(files) == ["specs/a.yaml", "specs/clean.yaml"]
    assert list(files["specs/clean.yaml"]) == []
    errors = files["specs/a.yaml"].findall("error")
    assert [(e.get("line"), e.get("column"), e.get("severity"), e.get("source")) for e in errors] == [
        ("3", "5", "error", "callalert.unknown-severity"),
        ("9", "1", "warning", "callalert.receiver-unused"),
        ("12", "7", "info", "callalert.promql-rate-on-gauge"),
        ("14", "7", "info", "callalert.promql-rate-on-gauge"),
    ]
    assert errors[0].get("message") == "groups[0].alerts[0].severity: unknown severity 'critcal' & <\"x\"> (fix: use critical)"
    assert errors[2].get("message") == "rate() of a gauge\\x07"  # a control character is shown escaped, never raw


def test_junit_fails_on_errors_and_warnings_and_passes_clean_files() -> None:
    root = ET.fromstring(report.render(PROBLEMS, "junit", tool="callalert-lint", files=["specs/a.yaml", "specs/clean.yaml"]))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("5", "2")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    a = suites["specs/a.yaml"]
    assert (a.get("tests"), a.get("failures")) == ("4", "2")
    cases = a.findall("testcase")
    assert [c.get("name") for c in cases] == [
        "3:5 unknown-severity groups[0].alerts[0].severity",
        "9:1 receiver-unused receivers.sms",
        "12:7 promql-rate-on-gauge",
        "14:7 promql-rate-on-gauge",
    ]
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("type") == "error"
    assert failure.text == (
        "specs/a.yaml:3:5: error: groups[0].alerts[0].severity: unknown severity 'critcal' & <\"x\"> [unknown-severity]\n"
        "    fix: use critical"
    )
    assert cases[2].find("failure") is None and cases[2].find("system-out") is not None
    clean = suites["specs/clean.yaml"].findall("testcase")
    assert [(c.get("name"), list(c)) for c in clean] == [("no problems", [])]
    # nothing checked, nothing found: still a document a CI parser accepts
    empty = ET.fromstring(report.render([], "junit"))
    assert empty.find("testsuite/testcase") is not None


@pytest.mark.parametrize("fmt", ["gitlab", "checkstyle", "junit"])
def test_every_problem_command_offers_the_ci_formats(run_cli, tmp_path: Path, fmt: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        EXAMPLE_SPEC.read_text(encoding="utf-8").replace("severity: critical", "severity: critcal", 1), encoding="utf-8"
    )
    outputs = {
        "validate": run_cli("validate", str(bad), "--format", fmt),
        "lint": run_cli("lint", str(bad), "--format", fmt),
        "render": run_cli("render", str(bad), "--out", str(tmp_path / "out"), "--format", fmt),
        "check": run_cli("check", str(bad), "--format", fmt),
    }
    for command, result in outputs.items():
        assert result.exit_code == 1, (command, result)
        if fmt == "gitlab":
            issues = json.loads(result.stdout)
            assert any(i["check_name"] == "unknown-severity" for i in issues), command
        else:
            root = ET.fromstring(result.stdout)  # stdout is one document
            assert "unknown-severity" in result.stdout, command
            assert root.tag == ("checkstyle" if fmt == "checkstyle" else "testsuites")


def test_lint_junit_lists_each_linted_file(run_cli, tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_text(
        "groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n", encoding="utf-8"
    )
    result = run_cli("lint", str(tmp_path / "rules.yml"), "--format", "junit")
    assert result.exit_code == 0, result
    root = ET.fromstring(result.stdout)
    assert [(s.get("name"), s.get("failures")) for s in root.findall("testsuite")] == [(str(tmp_path / "rules.yml"), "0")]


# --- the JSON and XML writers: the same text as the standard library's -------------------------------

_JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and the infinities included: handed to json.dumps
    | st.text()  # lone surrogates, controls, quotes and backslashes included
)
_JSON_VALUES = st.recursive(
    _JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text() | st.integers() | st.none() | st.booleans(), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=800, deadline=None)
@given(_JSON_VALUES)
def test_dumps_writes_what_json_dumps_writes(value: object) -> None:
    assert report.dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_dumps_leaves_what_json_refuses_to_json() -> None:
    deep: list[object] = []
    for _ in range(200):
        deep = [deep]
    assert report.dumps(deep) == json.dumps(deep, indent=2, ensure_ascii=False)
    circular: list[object] = []
    circular.append(circular)
    with pytest.raises(ValueError, match="Circular reference"):
        report.dumps(circular)
    with pytest.raises(TypeError, match="not JSON serializable"):
        report.dumps({"a": {1, 2}})


@settings(max_examples=800, deadline=None)
@given(st.text())
def test_xml_text_is_what_the_standard_library_escapes(text: str) -> None:
    from xml.sax.saxutils import escape

    kept = "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)
    assert report._xml(text) == escape(kept, {'"': "&quot;"})
