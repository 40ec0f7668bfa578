"""Disable comments, output formats, --explain/--list, exit codes, and the seed's own files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callalert.diagnostics import Problem
from callalert.lint import rules
from callalert.lint.engine import parse_suppressions
from callalert.report import render, sarif
from callalert.validate import validate

FIXTURES = Path(__file__).resolve().parent.parent / "lint" / "fixtures"
AM_SECRET = "route: {receiver: a}\nreceivers:\n- name: a\n  pagerduty_configs:\n  - service_key: abc\n"


def test_seed_files_exact(run_cli) -> None:  # type: ignore[no-untyped-def]
    files = [str(FIXTURES / n) for n in ("seed-alertmanager.yml", "seed-slack.tmpl", "seed-email.tmpl")]
    # the seed's Slack template uses `since`: at 0.25 that is an error (the default target, 0.33, has it)
    result = run_cli("lint", *files, "--format", "json", "--target-alertmanager", "0.25")
    assert result.exit_code == 1, result
    found = [(Path(f["path"]).name, f["line"], f["rule"], f["message"]) for f in json.loads(result.stdout)]
    assert found == [
        (
            "seed-alertmanager.yml",
            6,
            "am-plaintext-secret",
            "global.smtp_auth_password: plaintext secret: smtp_auth_password is written in the file",
        ),
        (
            "seed-alertmanager.yml",
            7,
            "am-plaintext-secret",
            "global.slack_api_url: plaintext secret: slack_api_url is written in the file "
            "(a Slack webhook URL (its path is the token))",
        ),
        ("seed-alertmanager.yml", 19, "am-deprecated-match", "route.routes[0].match: match is deprecated"),
        ("seed-alertmanager.yml", 23, "am-deprecated-match", "route.routes[1].match: match is deprecated"),
        ("seed-alertmanager.yml", 27, "am-deprecated-match", "route.routes[2].match: match is deprecated"),
        ("seed-alertmanager.yml", 31, "am-deprecated-match", "route.routes[3].match_re: match_re is deprecated"),
        (
            "seed-alertmanager.yml",
            67,
            "am-plaintext-secret",
            "receivers[4].pagerduty_configs[0].service_key: plaintext secret: service_key is written in the file",
        ),
        ("seed-alertmanager.yml", 76, "am-deprecated-match", "inhibit_rules[0].source_match: source_match is deprecated"),
        ("seed-alertmanager.yml", 78, "am-deprecated-match", "inhibit_rules[0].target_match: target_match is deprecated"),
        (
            "seed-slack.tmpl",
            10,
            "template-function-version",
            "function 'since' needs Alertmanager ≥ 0.28; the target is 0.25, which refuses to load this template",
        ),
    ]
    fixes = {f["rule"]: f["fix"] for f in json.loads(result.stdout) if f["line"] == 31}
    assert fixes == {"am-deprecated-match": "matchers: ['category=~\"availability|errors\"']"}
    assert run_cli("lint", *files, "--target-alertmanager", "0.28", "--format", "json").stdout.count("template-function") == 0


def test_disable_comments(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "am.yml"
    path.write_text(
        AM_SECRET.replace(
            "  - service_key", "  # callalert-lint disable-next-line=am-plaintext-secret -- test key\n  - service_key"
        )
    )
    assert json.loads(run_cli("lint", str(path), "--format", "json").stdout) == []
    path.write_text("# callalert-lint disable=am-plaintext-secret\n" + AM_SECRET)
    found = json.loads(run_cli("lint", str(path), "--format", "json").stdout)
    assert [(f["line"], f["rule"], f["level"]) for f in found] == [(1, "lint-disable-reason", "warning")]
    path.write_text(AM_SECRET.replace("abc", "abc  # callalert-lint disable=am-plaintext-secert -- typo"))
    found = json.loads(run_cli("lint", str(path), "--format", "json").stdout)
    assert [(f["rule"], f["message"]) for f in found] == [
        (
            "am-plaintext-secret",
            "receivers[0].pagerduty_configs[0].service_key: plaintext secret: service_key is written in the file",
        ),
        ("lint-disable-unknown", "unknown rule 'am-plaintext-secert' in disable comment; did you mean 'am-plaintext-secret'?"),
    ]


def test_tmpl_disable_comment() -> None:
    text = "{{/* callalert-lint disable-next-line=template-function-version -- we run 0.28 */}}\n{{ .StartsAt | since }}\n"
    sup = parse_suppressions("t.tmpl", text, {"template-function-version"})
    assert sup.problems == [] and sup.line_rules == {2: {"template-function-version"}}


def test_exit_codes_and_fail_on(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "am.yml"
    path.write_text("route: {receiver: a}\nreceivers:\n- name: a\n- name: b\n")
    assert run_cli("lint", str(path)).exit_code == 0  # a warning (receiver-unused) only
    assert run_cli("lint", str(path), "--fail-on", "warning").exit_code == 1
    assert run_cli("lint", str(path), "--format", "xml").exit_code == 2
    assert run_cli("lint", str(tmp_path / "missing.yml")).exit_code == 2


def test_explain_and_list(run_cli) -> None:  # type: ignore[no-untyped-def]
    out = run_cli("lint", "--explain", "route-shadowed").stdout
    assert out.startswith("route-shadowed (warning, routing): route no alert can reach")
    assert "Bad:\n" in out and "Good:\n" in out
    listing = run_cli("lint", "--list").stdout.splitlines()
    assert any(line.split()[:2] == ["template-function-version", "error"] for line in listing)
    assert len(listing) >= 35
    assert run_cli("lint", "--explain", "nope").exit_code == 2


def test_github_format(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "am.yml"
    path.write_text(AM_SECRET)
    out = run_cli("lint", str(path), "--format", "github").stdout
    assert out.startswith(
        f"::error file={path},line=5,col=18,title=am-plaintext-secret::receivers[0].pagerduty_configs[0].service_key"
    )


def test_sarif_shape() -> None:
    problems = [
        Problem("a/b.yml", 3, 5, "warning", "msg", "receiver-unused", "receivers[1]", "fix it"),
        Problem("c.yml", 1, 1, "error", "bad", "schema"),
    ]
    doc = json.loads(render(problems, "sarif"))
    # The key parts of the SARIF 2.1.0 schema: required properties and enums.
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    assert isinstance(doc["runs"], list) and len(doc["runs"]) == 1
    driver = doc["runs"][0]["tool"]["driver"]
    assert isinstance(driver["name"], str)
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids)) and "receiver-unused" in ids and "schema" in ids
    for rule in driver["rules"]:
        assert set(rule) <= {"id", "shortDescription", "fullDescription", "defaultConfiguration", "help"}
        assert isinstance(rule["shortDescription"]["text"], str)
        if "defaultConfiguration" in rule:
            assert rule["defaultConfiguration"]["level"] in ("none", "note", "warning", "error")
    results = doc["runs"][0]["results"]
    assert [r["level"] for r in results] == ["warning", "error"]
    for r in results:
        assert set(r) == {"ruleId", "ruleIndex", "level", "message", "locations"}
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        assert isinstance(r["message"]["text"], str)
        loc = r["locations"][0]["physicalLocation"]
        assert isinstance(loc["artifactLocation"]["uri"], str)
        assert loc["region"]["startLine"] >= 1 and loc["region"]["startColumn"] >= 1
    assert results[0]["message"]["text"] == "receivers[1]: msg (fix: fix it)"
    assert sarif([])["runs"][0]["results"] == []  # type: ignore[index]


def test_kind_detection_mix(tmp_path: Path) -> None:
    from callalert.spec.kinds import detect

    assert detect("x.yml", "groups: []", {"groups": []}) == "rules"
    assert detect("x.yml", "", {"route": {}}) == "alertmanager"
    assert detect("x.yml", "", {"version": 1, "severities": {}}) == "spec"
    assert detect("x.yml", "", {"rule_files": [], "tests": []}) == "rules-test"
    assert detect("x.tmpl", '{{ define "a" }}{{ end }}', None) == "template"
    assert detect("x.yml", "BAD", "BAD") == "unknown"


CLEAN_AM = "route: {receiver: a}\nreceivers:\n- name: a\n  webhook_configs: [{url: 'http://chat.example.com/hook'}]\n"


def test_disable_comments_know_every_rule_of_the_registry(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    from callalert import diagnostics
    from callalert.lint import rules

    path = tmp_path / "am.yml"
    # rule-test is a rule of `callalert validate` that a hand-kept list of validation ids had missed
    path.write_text("# callalert-lint disable=rule-test -- the spec tests run in another job\n" + CLEAN_AM)
    result = run_cli("lint", str(path), "--format", "json")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])
    path.write_text("# callalert-lint disable=rule-tset,no-such-rule -- typos\n" + CLEAN_AM)
    found = json.loads(run_cli("lint", str(path), "--format", "json").stdout)
    assert [(f["line"], f["rule"], f["message"]) for f in found] == [
        (1, "lint-disable-unknown", "unknown rule 'no-such-rule' in disable comment"),
        (1, "lint-disable-unknown", "unknown rule 'rule-tset' in disable comment; did you mean 'rule-test'?"),
    ]
    rules.register()
    every = diagnostics.RULES.ids()
    assert {"rule-test", "routing-test", "template-syntax", "receiver-unused", "lint-unknown-file"} <= set(every)
    text = f"# callalert-lint disable={','.join(every)} -- every rule callalert knows\n" + CLEAN_AM
    assert parse_suppressions("am.yml", text, every).problems == []


def test_explain_shows_everything_about_every_rule(run_cli) -> None:  # type: ignore[no-untyped-def]
    from callalert.lint import rules

    for lint_rule in rules.register():
        info = lint_rule.rule
        out = run_cli("lint", "--explain", info.id).stdout
        assert out.startswith(f"{info.id} ({info.level}, {info.area}): {info.summary}\n"), out
        indented_bad = "".join(f"    {line}\n" if line else "\n" for line in info.bad.splitlines())
        indented_good = "".join(f"    {line}\n" if line else "\n" for line in info.good.splitlines())
        assert f"Why it matters:\n  {info.why}\n" in out
        assert f"\nBad:\n{indented_bad}\nGood:\n{indented_good}\n" in out
        assert f"Disable with: # callalert-lint disable-next-line={info.id} -- <reason>\n" in out
        assert "seed" not in out.lower()


def test_docs_list_every_rule() -> None:
    from callalert.lint.explain import listing

    docs = (Path(__file__).resolve().parents[2] / "docs" / "lint.md").read_text(encoding="utf-8")
    assert f"## Rules\n\n```\n{listing()}```\n" in docs


def test_docs_explain_every_rule_with_its_examples(update_golden: bool) -> None:
    # docs/lint.md ends with the generated reference: every rule's why and the examples the suite runs
    from callalert.lint.explain import reference

    path = Path(__file__).resolve().parents[2] / "docs" / "lint.md"
    docs = path.read_text(encoding="utf-8")
    marker = "<!-- generated by callalert.lint.explain.reference(); tests/unit/test_lint_engine.py keeps it current -->\n"
    head = docs[: docs.index(marker) + len(marker)]
    if update_golden:
        path.write_text(head + reference(), encoding="utf-8")
        docs = path.read_text(encoding="utf-8")
    assert docs[len(head) :] == reference()
    for lint_rule in rules.register():
        assert f"#### `{lint_rule.id}` ({lint_rule.rule.level})" in docs


def test_each_file_of_a_spec_in_several_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A spec file without `version:` (a team's) is read to tell its kind; validation then takes
    that reading instead of reading the file again. The findings are those of reading it twice."""
    from datetime import UTC, datetime

    import callalert.lint as lint_module
    from callalert.lint import lint_paths
    from callalert.lint.engine import Options
    from tests.conftest import count_yaml_reads

    folder = Path(__file__).resolve().parents[1] / "golden/cases/multi-file/specs"
    files = sorted(folder.glob("*.yaml"))
    options = Options(datetime(2024, 1, 1, tzinfo=UTC))
    loaded = count_yaml_reads(monkeypatch, lint_module)
    found = lint_paths(files, options).problems
    assert sorted(loaded) == sorted(map(str, files))  # the base file by validation, the others by lint
    monkeypatch.setattr(lint_module, "validate", lambda paths, **kwargs: validate(paths))
    assert lint_paths(files, options).problems == found
