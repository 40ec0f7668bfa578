"""Lint's work on the second core (lint/split.py) changes nothing: the findings, their order,
messages and positions are the same with a forked child as without one, no child outlives its
work, and the parent does the work itself when the child fails. Also the route memo of the
routing rules against `match_routes` itself. (callalert/parallel.py itself: test_parallel.py.)"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from callalert import parallel
from callalert.analysis.alertmanager.routing import build_route_tree, match_routes
from callalert.analysis.promql import Pitfall, output_labels, smells
from callalert.analysis.promql.catalog import load_catalog
from callalert.analysis.promql.labels import LabelInference
from callalert.analysis.promql.smells import MetricTypes, query_smells
from callalert.analysis.promql.syntax import ast_of
from callalert.diagnostics import Problem
from callalert.lint import lint_paths, rules, split
from callalert.lint.engine import EXAMPLE_FILE_NAMES, EXAMPLES_NOW, Options
from callalert.lint.rules.routing import RouteMemo
from callalert.lint.world import AlertRec, RecordRec, World, record_definitions, rule_alerts
from callalert.spec.load import Document, PositionIndex, load_text, position_index
from tests.conftest import EXAMPLE_SPEC, ROOT

NOW = Options(datetime(2024, 1, 1, tzinfo=UTC))

# Expressions of every kind the analyses look at (pitfalls, smells, label inference, recorded
# series, $value), and some that do not parse: each alert of the generated files takes one.
EXPRS = [
    "histogram_quantile(0.95, sum(rate(svc{n}_latency_seconds_bucket[5m])) by (le)) > 10",
    'sum(rate(svc{n}_requests_total{{status="failed"}}[5m])) / sum(rate(svc{n}_requests_total[5m])) > 0.05',
    "avg(svc{n}_quality_score) < 0.7",
    'rate(process_cpu_seconds_total{{job="svc{n}"}}[5m]) > 0.8',
    'up{{job="svc{n}"}} == 0',
    "svc{n}_errors_total > 5",
    "topk(3, rate(svc{n}_requests_total[1m]))",
    "rate(svc{n}_temperature_celsius[5m]) > 1",
    "delta(svc{n}_requests_total[5m]) > 1",
    "sum by (instance) (svc{n}:requests:rate5m) > 1",
    'sum(rate(svc{n}_a_total{{job="a"}}[5m])) - sum(rate(svc{n}_b_total{{job="b"}}[5m])) > 1',
    'svc{n}_up{{job=~"api"}} == 0',
    "histogram_quantile(0.9, sum(rate(svc{n}_latency_seconds[5m])) by (job))",
    "sum(svc{n}_x) by (job) / on(instance) sum(svc{n}_y) by (job) > 1",
    "rate(svc{n}_x_total[30s]) > 0",
    "sum(rate(svc{n}_x_total[5m]) > ",  # does not parse
    "absent(svc{n}_up)",
]


def _rule_file(n: int) -> str:
    rules_: list[dict[str, object]] = [
        {"record": f"svc{i}:requests:rate5m", "expr": f"sum by (job) (rate(svc{i}_requests_total[5m]))"} for i in range(5)
    ]
    rules_.append({"record": "svc0:sum:raw", "expr": "sum(svc0_requests_total)"})
    for i in range(n):
        rules_.append(
            {
                "alert": f"Alert{i}",
                "expr": EXPRS[i % len(EXPRS)].format(n=i % 7),
                **({"for": "5m"} if i % 3 else {}),
                "labels": {"severity": "critical" if i % 4 == 0 else "warning", "team": f"team{i % 5}"},
                "annotations": {
                    "summary": f"Service {i}",
                    "description": "Value {{ $value }} on {{ $labels.instance }} of {{ $labels.job }}",
                },
            }
        )
    return yaml.safe_dump({"groups": [{"name": "g", "rules": rules_}]}, sort_keys=False)


# what a spec may hold: it must validate (no expression that does not parse, no range too short)
SPEC_EXPRS = [e for e in EXPRS if not e.endswith("> ") and "[1m]" not in e and "[30s]" not in e]


def _spec(n: int) -> str:
    alerts = [
        {
            "name": f"Alert{i}",
            "expr": SPEC_EXPRS[i % len(SPEC_EXPRS)].format(n=i % 11),
            "for": "5m",
            "severity": "critical" if i % 5 == 0 else "warning",
            "category": "performance",
            "summary": f"Service {i} is unhappy",
            "description": "Value is {{ $value | humanize }} on {{ $labels.instance }}",
            "labels": {"team": f"team{i % 7}"},
        }
        for i in range(n)
    ]
    return yaml.safe_dump(
        {
            "version": 1,
            "defaults": {"group_by": ["alertname"]},
            "severities": {"critical": {"notify": ["pager"]}, "warning": {"notify": ["chat"]}},
            "categories": {"performance": {}},
            "receivers": {
                "default": {"webhook_configs": [{"url": "http://127.0.0.1:9/default"}]},
                "pager": {"pagerduty_configs": [{"routing_key": {"file": "/etc/am/pd"}}]},
                "chat": {"webhook_configs": [{"url": "http://127.0.0.1:9/chat"}]},
            },
            "groups": [{"name": "g", "alerts": alerts}],
        },
        sort_keys=False,
    )


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forking is Linux only")


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Count the children lint forks; no child may be left when the test ends."""
    started: list[int] = []
    init = parallel.Child.__init__

    def counting(self: parallel.Child[object], work: object) -> None:
        init(self, work)  # type: ignore[arg-type]
        started.append(self.pid)

    monkeypatch.setattr(parallel.Child, "__init__", counting)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    monkeypatch.delenv(parallel.ENV, raising=False)
    yield started
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # every child reaped


def _parallel(monkeypatch: pytest.MonkeyPatch, on: bool) -> None:
    monkeypatch.setattr(split, "MIN_PARALLEL_RULES", 1 if on else 10**12)
    monkeypatch.setattr(split, "MIN_PARALLEL_SPEC_CHARS", 1 if on else 10**12)


def _both_ways(monkeypatch: pytest.MonkeyPatch, forks: list[int], lint: object) -> tuple[list[Problem], list[Problem]]:
    assert callable(lint)
    _parallel(monkeypatch, False)
    serial = lint()
    assert forks == []
    _parallel(monkeypatch, True)
    forked = lint()
    assert forks, "the parallel path did not run"
    return serial, forked


def test_a_spec_gets_the_same_findings_with_a_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forks: list[int]) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(_spec(120), encoding="utf-8")
    serial, forked = _both_ways(monkeypatch, forks, lambda: lint_paths([spec], NOW).problems)
    assert len(serial) > 100
    assert forked == serial
    assert [p.format() for p in forked] == [p.format() for p in serial]
    assert len(forks) == 3  # the position index during validation, the analyses after it, then the rules


@pytest.mark.parametrize(
    "spec",
    [EXAMPLE_SPEC, *(ROOT / "tests/golden/cases" / name / "spec.yaml" for name in ("derived-routing", "team-routing"))],
    ids=lambda p: p.parent.name if p.name == "spec.yaml" else p.stem,
)
def test_the_example_specs_get_the_same_findings_with_a_child(
    spec: Path, monkeypatch: pytest.MonkeyPatch, forks: list[int]
) -> None:
    serial, forked = _both_ways(monkeypatch, forks, lambda: lint_paths([spec], NOW).problems)
    assert forked == serial


def test_rule_files_get_the_same_findings_with_a_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forks: list[int]) -> None:
    paths = [tmp_path / "rules.yml", tmp_path / "more.yml"]
    paths[0].write_text(_rule_file(150), encoding="utf-8")
    paths[1].write_text(_rule_file(40).replace("name: g", "name: more"), encoding="utf-8")
    catalog = load_catalog("# TYPE svc1_temperature_celsius gauge\n# TYPE svc2_requests_total counter\n")
    options = Options(datetime(2024, 1, 1, tzinfo=UTC), catalog=catalog, scrape_interval=60.0)
    adopted: list[str] = []
    adopt = Document.adopt_positions

    def adopting(doc: Document, index: PositionIndex, text: str) -> bool:
        taken = adopt(doc, index, text)
        adopted.extend([doc.path] if taken else [])
        return taken

    monkeypatch.setattr(Document, "adopt_positions", adopting)
    serial, forked = _both_ways(monkeypatch, forks, lambda: lint_paths(paths, options, external_labels=["cluster"]).problems)
    assert len({p.rule for p in serial}) >= 8
    assert {p.path for p in serial} == {str(p) for p in paths}
    assert forked == serial
    # the rule files' position indexes built ahead, then the analyses, then the rules: each on the second core
    assert len(forks) == 3
    assert sorted(adopted) == sorted(str(p) for p in paths)


def test_every_rules_bad_example_gets_the_same_findings_with_a_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forks: list[int]
) -> None:
    examples = [r for r in rules.register() if r.examples in ("spec", "rules") and not r.metrics and not r.project]
    paths = []
    for i, lint_rule in enumerate(examples):
        path = tmp_path / str(i) / EXAMPLE_FILE_NAMES[lint_rule.examples]
        path.parent.mkdir()
        path.write_text(lint_rule.rule.bad, encoding="utf-8")
        paths.append(path)
    options = Options(EXAMPLES_NOW)
    serial, forked = _both_ways(monkeypatch, forks, lambda: [p for path in paths for p in lint_paths([path], options).problems])
    assert forked == serial


def _world(n: int) -> World:
    doc = load_text(_rule_file(n), "rules.yml")
    alerts = list(rule_alerts(doc))
    recs = list(record_definitions(doc))
    world = World(alerts, True, None, [], "0.28.1", None, None, frozenset(r.name for r in recs), [doc], record_recs=recs)
    world.use_catalog(None)
    return world


def _analyses(world: World) -> list[object]:
    """Every rule's analyses as the lint rules read them."""
    out: list[object] = []
    rules_: list[AlertRec | RecordRec] = [*world.alerts, *world.record_recs]
    for rule in rules_:
        own = (
            (rule.label_info(), rule.pitfalls(60.0, None, world.records), world.not_humanized(rule))
            if isinstance(rule, AlertRec)
            else ()
        )
        out.append((*own, world.query_smells(rule), world.recorded_reads(rule)))
    return out


@pytest.mark.parametrize("slow", ["nobody", "parent"])
def test_the_child_finds_what_the_parent_would(monkeypatch: pytest.MonkeyPatch, forks: list[int], slow: str) -> None:
    """Whichever process is faster takes more rules (parallel.Claims); a slow parent leaves most to the child."""
    parent = os.getpid()
    analysis, keep = World._analysis, World._keep
    kept: list[object] = []

    def slow_analysis(self: World, *args: object) -> object:
        if slow == "parent" and os.getpid() == parent:
            time.sleep(0.005)
        return analysis(self, *args)  # type: ignore[arg-type]

    alone, split = _world(200), _world(200)
    alone.analyze_rules(60.0, None, min_parallel=10**12)
    monkeypatch.setattr(World, "_analysis", slow_analysis)

    def counted_keep(self: World, rule: AlertRec | RecordRec, result: object) -> None:
        kept.append(rule)
        keep(self, rule, result)  # type: ignore[arg-type]

    monkeypatch.setattr(World, "_keep", counted_keep)
    split.analyze_rules(60.0, None, min_parallel=1)
    for name, original in (("_analysis", analysis), ("_keep", keep)):
        monkeypatch.setattr(World, name, original)
    assert len(forks) == 1
    assert _analyses(split) == _analyses(alone)
    assert any(a._pitfalls for a in split.alerts) and any(split.query_smells(a) for a in split.alerts)
    if slow != "nobody":
        assert len(kept) > 100  # the child did most


def test_a_failing_child_leaves_the_work_to_the_parent(monkeypatch: pytest.MonkeyPatch, forks: list[int]) -> None:
    parent = os.getpid()
    analysis = World._analysis

    def fails_in_the_child(self: World, *args: object) -> object:
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return analysis(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(World, "_analysis", fails_in_the_child)
    alone, split = _world(60), _world(60)
    alone.analyze_rules(60.0, None, min_parallel=10**12)
    split.analyze_rules(60.0, None, min_parallel=1)
    assert len(forks) == 1
    monkeypatch.setattr(World, "_analysis", analysis)
    assert _analyses(split) == _analyses(alone)


def test_no_child_for_small_worlds_or_one_core(monkeypatch: pytest.MonkeyPatch, forks: list[int]) -> None:
    assert not split.worth_a_child(split.MIN_PARALLEL_RULES - 1, split.MIN_PARALLEL_RULES)
    assert split.worth_a_child(split.MIN_PARALLEL_RULES, split.MIN_PARALLEL_RULES)
    monkeypatch.setenv(parallel.ENV, "1")
    assert not split.worth_a_child(10**9, 1)
    monkeypatch.delenv(parallel.ENV)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 1)
    assert not split.worth_a_child(10**9, 1)
    world = _world(30)
    world.analyze_rules(60.0, None, min_parallel=1)
    assert forks == []


def test_a_childs_result_comes_back_whole() -> None:
    text = _rule_file(30)
    child = parallel.Child(lambda: position_index(text))
    index = child.result()
    assert index is not None
    doc, other = load_text(text, "rules.yml"), load_text(text, "rules.yml")
    assert doc.adopt_positions(index, text)
    keys = [("groups", 0, "rules", i, part) for i in range(36) for part in ("expr", "labels", "annotations", "nothing")]
    assert [doc.position(k) for k in keys] == [other.position(k) for k in keys]
    assert [doc.position(k, at_key=True) for k in keys] == [other.position(k, at_key=True) for k in keys]


def test_an_index_of_another_text_is_refused() -> None:
    text = _rule_file(3)
    doc = load_text(text, "rules.yml")
    assert not doc.adopt_positions(position_index(text + "\n# changed\n"), text + "\n# changed\n")
    assert doc.needs_positions()
    doc.position(("groups",))
    assert not doc.needs_positions()
    assert not doc.adopt_positions(position_index(text), text)  # built already: kept


# --- the routing rules' memo -------------------------------------------------------------------------

ROUTES = {
    "route": {
        "receiver": "default",
        "routes": [
            {"receiver": "pager", "matchers": ['severity="critical"'], "continue": True},
            {"receiver": "db", "matchers": ['team=~"db|storage"', 'env!="dev"']},
            {
                "receiver": "web",
                "matchers": ['team="web"'],
                "routes": [
                    {"receiver": "web-pager", "matchers": ['severity=~"crit.*"']},
                    {"receiver": "web-empty", "matchers": ['env=""']},
                ],
            },
            {"receiver": "no-env", "matchers": ['env!~".+"']},
        ],
    },
}


def test_the_route_memo_reaches_the_routes_match_routes_does() -> None:
    root = build_route_tree(ROUTES, "0.28.1")
    memo = RouteMemo(root)
    assert memo.names == ("env", "severity", "team")
    values = {
        "severity": ["critical", "crit", "warning", "", None],
        "team": ["db", "web", "storage", "x", None],
        "env": ["dev", "prod", "", None],
    }
    for severity in values["severity"]:
        for team in values["team"]:
            for env in values["env"]:
                for extra in ({}, {"alertname": "A"}, {"alertname": "B", "instance": "i"}):
                    labels = {k: v for k, v in {"severity": severity, "team": team, "env": env, **extra}.items() if v is not None}
                    assert memo.routes(labels) == match_routes(root, labels), labels


# --- one label inference for an alert's labels and its query smells -----------------------------------


def _found(pitfalls: list[Pitfall]) -> list[tuple[str, str, str, str, str]]:
    return [(p.rule, p.level, p.message, p.fix, p.subject) for p in pitfalls]  # `subject` is not compared by ==


def test_a_shared_label_inference_finds_what_fresh_ones_do(corpus: Path) -> None:
    exprs = [e.format(n=i) for i, e in enumerate(EXPRS)]
    for path in sorted([*corpus.glob("rules*/**/*.yml"), *corpus.glob("rules*/**/*.yaml")]):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "groups" in data:
            exprs += [str(rule["expr"]) for group in data["groups"] for rule in group.get("rules") or []]
    catalogs = [
        None,
        load_catalog('# TYPE up gauge\nup{job="a",instance="b",cluster="c"} 1\n# TYPE svc1_requests_total counter\n'),
    ]
    types = MetricTypes.from_rules([(f"r{i}", e) for i, e in enumerate(exprs)])
    compared = 0
    for catalog in catalogs:
        for i, expr in enumerate(exprs):
            try:
                tree = ast_of(expr)
            except Exception:
                continue
            shared = LabelInference(catalog)
            assert shared.infer(tree) == output_labels(expr, catalog=catalog), expr
            for alert, has_for in ((True, False), (True, True), (False, False)):
                args = {"rule": f"r{i}", "alert": alert, "has_for": has_for, "types": types, "catalog": catalog}
                assert _found(query_smells(tree, inference=shared, **args)) == _found(query_smells(expr, **args)), expr  # type: ignore[arg-type]
            compared += 1
    assert compared > 20_000


# --- the rules themselves on two cores (split.share) ----------------------------------------------------


def test_shared_tasks_come_back_in_order_whoever_ran_them(forks: list[int]) -> None:
    parent = os.getpid()
    ran_here: list[int] = []

    def task(i: int) -> list[str]:
        if os.getpid() == parent:
            ran_here.append(i)
            time.sleep(0.02)  # a slow parent: the child takes some
        return [f"{i}:{n}" for n in range(i % 4)]

    shared = split.share([functools.partial(task, i) for i in range(40)], 10, 1)
    assert len(forks) == 1
    assert 0 < len(ran_here) < 40  # each process ran some
    assert shared == [[f"{i}:{n}" for n in range(i % 4)] for i in range(40)]


def test_a_shared_task_the_child_fails_runs_here(forks: list[int]) -> None:
    parent = os.getpid()

    def task(i: int) -> list[int]:
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return [i]

    assert split.share([functools.partial(task, i) for i in range(12)], 10, 1) == [[i] for i in range(12)]
    assert split.share([functools.partial(task, i) for i in range(12)], 10, 11) == [[i] for i in range(12)]  # too small: no child
    assert len(forks) == 1


# --- query smells walked once, the kinds of metrics weighed after every rule (smells.SmellFacts) -----


def _corpus_exprs(corpus: Path) -> list[str]:
    exprs = [e.format(n=i) for i, e in enumerate(EXPRS)]
    exprs += ["deriv(queue_depth[1h])", "rate(queue_depth[5m]) > 1", "delta(jobs_done[5m])", "queue_depth > 5", "jobs_done < 1"]
    for path in sorted([*corpus.glob("rules*/**/*.yml"), *corpus.glob("rules*/**/*.yaml")]):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "groups" in data:
            exprs += [str(rule["expr"]) for group in data["groups"] for rule in group.get("rules") or []]
    return exprs


def test_a_call_decided_before_the_kinds_are_weighed_is_decided_alike(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rate()- or delta()-like call whose finding does not ask how other rules use its metric is
    decided during the walk; the same finding weighed after every rule (as each one is when the
    probe always says "asked") must be the same, whatever the other rules and the catalog say."""
    exprs = _corpus_exprs(corpus)
    catalog = load_catalog("# TYPE queue_depth gauge\n# TYPE jobs_done counter\n# TYPE up gauge\n")
    every_use = MetricTypes.from_rules([(f"r{i}", e) for i, e in enumerate(exprs)])
    for name in list(every_use.uses):  # every metric used every way by some other rule
        for how in ("rate", "deriv", "delta", "increase", "compared-low"):
            every_use.uses[name].setdefault(how, set()).add("another")
    kinds = [
        MetricTypes(),
        every_use,
        MetricTypes(catalog, every_use.uses),
        MetricTypes.from_rules([("x", e) for e in exprs[:50]]),
    ]
    decided: list[list[tuple[str, str, str, str, str]]] = []
    weighed: list[list[tuple[str, str, str, str, str]]] = []

    def always_asked(self: smells._Asked, key: str, default: object = None) -> object:
        self.asked = True
        return default

    for always in (False, True):
        if always:
            monkeypatch.setattr(smells._Asked, "get", always_asked)
            monkeypatch.setattr(smells._Asked, "asked", True)
        found = weighed if always else decided
        for types in kinds:
            for i, expr in enumerate(exprs):
                for alert in (True, False):
                    try:
                        facts = smells.smell_facts(expr, alert=alert, has_for=True, catalog=types.catalog, kinds=types.catalog)
                    except Exception:
                        continue
                    found.append(_found(facts.resolve(f"r{i}", types)))
    assert len(decided) > 20_000
    assert decided == weighed
    assert any(f for f in decided if any(p[0] in ("promql-rate-on-gauge", "promql-delta-on-counter") for p in f))


def test_the_kinds_of_metrics_from_the_walks_are_those_of_every_rule(tmp_path: Path) -> None:
    world = _world(300)
    world.analyze_rules(60.0, None, min_parallel=10**12)
    rules_ = [(a.name, a.expr) for a in world.alerts] + [(r.name, r.expr) for r in world.record_recs]
    expected = MetricTypes.from_rules(rules_, world.catalog)
    assert world.metric_types().uses == expected.uses
    assert any(expected.uses.values())
    fresh = _world(300)
    rules_fresh: list[AlertRec | RecordRec] = [*fresh.alerts, *fresh.record_recs]
    for rule in rules_fresh:  # asked rule by rule, without analyze_rules
        fresh.query_smells(rule)
    assert _analyses(fresh) == _analyses(world)
