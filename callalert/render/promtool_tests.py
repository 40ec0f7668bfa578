"""promtool unit-test files compiled from the spec's rule tests: `tests/` of the output, beside
`prometheus/` and `alertmanager/`, so a deploy of `prometheus/` (a rule_files glob, a ConfigMap
of the folder) carries rules only.

Users can run them without callalert: `promtool test rules tests/*.test.yml`.

promtool compares the *whole* annotation set of an alert, while a spec test names only the
annotations it cares about. Rendering the unnamed annotations ourselves would mean
re-implementing Prometheus' template engine (humanize, printf, query...). Instead each test
runs against a generated copy of the alert's rule group under `tests/rules/` whose
alert keeps only the annotations the test names. The expression, `for`, the labels and the
group's recording rules are unchanged, so a passing test still proves the rule that ships.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callalert.model import Model, Record, RuleExpectation, RuleTest
from callalert.render.prometheus import alert_rule, group_data, record_rule
from callalert.render.yamlout import dump, header
from callalert.spec.kinds import TEST_COPY_MARK

TESTS_DIR = "tests"
# First line of every test copy of a rule group (TEST_COPY_MARK): `callalert lint`, `diff` and `import`
# skip files that start with it (the copies drop annotations on purpose).


# --- rule tests → promtool files ------------------------------------------------------------


@dataclass
class PromtoolFile:
    """One promtool unit-test file and the trimmed rule-group copy it runs against."""

    alert: str
    path: str  # relative to the output root
    rules_path: str
    annotations: tuple[str, ...]
    cases: list[tuple[int, RuleTest, list[RuleExpectation]]] = field(
        default_factory=list
    )  # (index in tests.rules, test, expectations)


def plan(model: Model) -> list[PromtoolFile]:
    """Which promtool files the rule tests compile to (one per alert and compared annotation set)."""
    by_alert: dict[str, list[PromtoolFile]] = {}
    known = {a.name for a in model.alerts}
    stems = {a.name: a.runbook_file.removesuffix(".md") for a in model.alerts}
    rule_tests = list(enumerate(model.tests.rules))
    # tests that only assert silence compare no annotations: they join the alert's first file,
    # so they go last and an alert's tests usually share one file
    rule_tests.sort(key=lambda it: all(not e.alerts for e in it[1].expect))
    for index, test in rule_tests:
        if test.alert not in known:
            continue
        files = by_alert.setdefault(test.alert, [])
        if files and all(not e.alerts for e in test.expect):
            files[0].cases.append((index, test, list(test.expect)))
            continue
        groups: dict[tuple[str, ...], list[RuleExpectation]] = {}
        pending_empty: list[RuleExpectation] = []
        for exp in test.expect:
            names = exp.annotation_names()
            if names is None:
                pending_empty.append(exp)
            else:
                groups.setdefault(names, []).append(exp)
        if pending_empty:
            # "does not fire" checks compare nothing: run them with the test's first annotation set
            first = next(iter(groups), ())
            groups.setdefault(first, [])
            groups[first] = sorted(groups[first] + pending_empty, key=test.expect.index)
        for names, exps in groups.items():
            target = next((f for f in files if f.annotations == names), None)
            if target is None:
                n = len(files) + 1
                suffix = "" if n == 1 else f".{n}"
                stem = stems[test.alert]
                target = PromtoolFile(
                    test.alert,
                    f"{TESTS_DIR}/{stem}{suffix}.test.yml",
                    f"{TESTS_DIR}/rules/{stem}{suffix}.yml",
                    names,
                )
                files.append(target)
            target.cases.append((index, test, exps))
    out = [f for files in by_alert.values() for f in files]
    for pf in out:
        pf.cases.sort(key=lambda case: case[0])
    return sorted(out, key=lambda f: f.path)


def group_name(index: int, test: RuleTest) -> str:
    """The name of a rule test's group in the promtool file (promtool prints it when the group fails)."""
    return test.name or f"tests.rules[{index}] {test.alert}"


def compile_file(model: Model, pf: PromtoolFile) -> tuple[dict[str, Any], dict[str, Any]]:
    """(promtool test file data, rule file data) for one planned file."""
    alert = next(a for a in model.alerts if a.name == pf.alert)
    group = next(g for g in model.groups if g.key == alert.key[:2])
    rule = alert_rule(alert)
    rule["annotations"] = {k: v for k, v in alert.annotations.items() if k in pf.annotations}
    if not rule["annotations"]:
        del rule["annotations"]
    group_rules = group_data(group)
    # the group's recording rules and this alert, in the group's order
    group_rules["rules"] = [
        record_rule(r) if isinstance(r, Record) else rule for r in group.ordered() if r is alert or isinstance(r, Record)
    ]

    tests: list[dict[str, Any]] = []
    for index, test, exps in pf.cases:
        case: dict[str, Any] = {"name": group_name(index, test), "interval": test.interval}
        case["input_series"] = [{"series": s.series, "values": s.values} for s in test.series]
        checks = []
        for exp in exps:
            exp_alerts = []
            for expected in exp.alerts:
                item: dict[str, Any] = {"exp_labels": {**alert.labels, **expected.labels}}
                if expected.annotations:
                    item["exp_annotations"] = dict(expected.annotations)
                exp_alerts.append(item)
            checks.append({"eval_time": exp.eval_time, "alertname": alert.name, "exp_alerts": exp_alerts})
        case["alert_rule_test"] = checks
        tests.append(case)
    rules_rel = pf.rules_path[len(TESTS_DIR) + 1 :]
    test_data = {"rule_files": [rules_rel], "evaluation_interval": group.interval or "1m", "tests": tests}
    return test_data, {"groups": [group_rules]}


def render(model: Model) -> dict[str, str]:
    files: dict[str, str] = {}
    head = header(model.source_name)
    for pf in plan(model):
        test_data, rule_data = compile_file(model, pf)
        kept = ", ".join(pf.annotations) or "none"
        note = (
            f"{TEST_COPY_MARK} rule group {rule_data['groups'][0]['name']!r} for the tests of {pf.alert}; the alert keeps "
            f"only the annotations its tests compare ({kept}); expr, for and labels are those of prometheus/rules/. "
            "Not for deployment.\n"
        )
        files[pf.rules_path] = note + head + dump(rule_data)
        files[pf.path] = head + f"# Run: promtool test rules {pf.path}\n" + dump(test_data)
    return files
