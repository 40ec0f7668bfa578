"""check_syntax and output_labels against the real promtool of every installed toolchain.

Syntax: every expr in the corpus rule files plus hand-written edge cases go into one rule file (one
recording rule each); `promtool check rules` names the failing rules by index, and check_syntax at
that promtool's version must agree on every one. Labels: `promtool test rules` with a deliberately
wrong expectation prints the series an expression really returns; their label names must fit what
output_labels inferred.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from callalert.analysis.promql import check_syntax, output_labels
from tests.conftest import require_in

if TYPE_CHECKING:
    from callalert.toolchain import Toolchain

pytestmark = pytest.mark.tools

# Found while comparing promql-parser with promtool 2.42, 2.53 and 3.5; several are accepted by one and not the other.
EDGE_CASES = [
    "rate(x[5])",
    "rate(x[0s])",
    "rate(x[1.5m])",
    "x[1d1h]",
    "x[1y]",
    "x[1ms]",
    'x{"a.b"="c"}',
    '{"a"}',
    'x{a="b" or b="c"}',
    "rate(up[5m]) + fill(0) rate(down[5m])",
    "x + on(a) fill(0) y",
    "x + fill_left(0) y",
    "x offset -5m",
    "x @ start()",
    "x{}",
    "{}",
    '{a=""}',
    '{a=~".*"}',
    '{a=~".+"}',
    "sum(x) without ()",
    'x{a="b",}',
    "sum by () (x)",
    "x[5m:]",
    "x[5m:1m]",
    "rate(x[5m])[10m:1m]",
    "--x",
    "0x1F",
    "1e3",
    "Inf",
    "NaN",
    "1h",
    "x > 1h",
    "rate(x[5m]) > bool 0",
    "x == bool y",
    "x and on(a) y",
    "x * on(a) group_left y",
    "x + group_left y",
    "histogram_quantile(0.9, x[5m])",
    "rate(x)",
    "sum(x[5m])",
    'topk("a", x)',
    "count_values(1, x)",
    'x{a=~"("}',
    "x{a='b'}",
    "x{a=`b`}",
    "x # comment",
    "time() > 1",
    "vector(1) > 1",
    "sum without(a) (x) by (b)",
    "x offset 1m [5m]",
    "abs(x, y)",
    'label_join(x, "a", ",", "b", "c")',
    "round(x, 1)",
    "sum(x) by (__name__)",
    "x[5m] + 1",
    "(x[5m])",
    "x[5m][5m:1m]",
    "métrica",
    'sum(x) by ("a")',
    "x[5m:1m:1m]",
    "x @ 1609746000.123",
    "x offset 1h30m",
    "on",
    "by",
    "offset",
    "bool",
    "()",
    "sum()",
    ".5",
    "1e",
    'x{a="\\q"}',
    "x and bool y",
    "x or on() vector(0)",
    'absent(nonexistent{job="myjob"})',
    "quantile(2, x)",
    "topk(x, 1)",
    "x @ end()",
    "x[5m] @ 100",
    "x ^ y ^ z",
    "x atan2 y",
    "predict_linear(x[1h], 4 * 3600) < 0",
    "x offset 5",
    "x[5m5s]",
    "x[-5m]",
    "x[300]",
    "x[5m:60]",
    "sum_over_time(x[5m:1])",
    "x offset 1.5m",
    "x[5m] smoothed",
    "x[5m] anchored",
    "rate(up[1m * 2])",
    "min_of(1, 2)",
    "x offset 5m offset 1m",
    "sum(x) by (a.b)",
    "x[1h30]",
    "x[0.5]",
    "holt_winters(x[5m], 0.1, 0.1)",
    "double_exponential_smoothing(x[5m], 0.1, 0.1)",
    "limitk(2, x)",
    "limit_ratio(0.5, x)",
    "info(x)",
    'sort_by_label(x, "a")',
    "mad_over_time(x[5m])",
    "histogram_avg(x)",
    "histogram_stddev(x)",
    "ts_of_max_over_time(x[5m])",
    "first_over_time(x[5m])",
    "step()",
    "histogram_count(x)",
    "day_of_year()",
    "present_over_time(x[5m])",
    "sum(x",
    "test +",
    "foo{",
    "sum(rate(x[5m])) by (a) > on(a) group_left sum(y) by (a)",
    'x{a="b"}[5m:1m] offset 1m',
]


def corpus_exprs(corpus: Path) -> list[tuple[str, str]]:
    out = []
    for path in sorted([*corpus.glob("rules*/**/*.yml"), *corpus.glob("rules*/**/*.yaml")]):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "groups" not in data:
            continue  # promtool unit-test files
        for group in data["groups"]:
            for rule in group.get("rules") or []:
                out.append((f"{path.relative_to(corpus)}:{rule.get('record') or rule.get('alert')}", str(rule["expr"])))
    return out


def promtool_rejections(promtool: str, exprs: list[str], tmp_path: Path) -> dict[int, str]:
    """{0-based index: promtool's message} for the exprs `promtool` rejects."""
    rules = [{"record": f"r{i}", "expr": expr} for i, expr in enumerate(exprs)]
    path = tmp_path / "exprs.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": rules}]}, allow_unicode=True), encoding="utf-8")
    proc = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    bad = {int(m.group(1)) - 1: m.group(2) for m in re.finditer(r'rule (\d+), "r\d+": (.*)', output)}
    assert (proc.returncode == 0) == (not bad), output[-3000:]
    return bad


def test_check_syntax_agrees_with_promtool_on_corpus_and_edge_cases(
    toolchain: Toolchain | None, corpus: Path, tmp_path: Path
) -> None:
    tool = require_in(toolchain, "promtool")
    target = f"{tool.version.major}.{tool.version.minor}"
    named = corpus_exprs(corpus) + [(f"edge:{e}", e) for e in EDGE_CASES]
    assert len(named) > 10_000
    exprs = [expr for _, expr in named]
    rejected = promtool_rejections(tool.path, exprs, tmp_path)
    disagreements = []
    for i, (name, expr) in enumerate(named):
        ours = check_syntax(expr, target=target)
        if bool(ours) != (i in rejected):
            disagreements.append(f"{name}: {expr!r}: promtool {tool.version}={rejected.get(i)!r} ours at {target}={ours!r}")
    assert disagreements == []
    # The corpus is not all valid: the feature-gated and invalid files must be among the rejections.
    names_rejected = {named[i][0] for i in rejected}
    assert any(n.startswith("rules/prometheus__features.yml") for n in names_rejected)
    assert any(n.startswith("rules-invalid/prometheus__bad-rules-syntax.yml") for n in names_rejected)


SERIES = [
    ('x{a="1",b="2",job="j",instance="i"}', "1+1x10"),
    ('x{a="2",b="2",job="j",instance="i"}', "1+1x10"),
    ('y{a="1",c="3",job="j",instance="i"}', "0+0x10"),
    ('y{a="2",c="3",job="j",instance="i"}', "0+0x10"),
    ('h_bucket{le="0.5",a="1",job="j"}', "1+1x10"),
    ('h_bucket{le="+Inf",a="1",job="j"}', "2+2x10"),
]

LABEL_CASES = [
    "x > on(a) y",
    "x > ignoring(b) y",
    "x + on(a) y",
    "x * on(a) group_left(c) y",
    "x > bool on(a) y",
    "x > bool 1",
    "x > 1",
    "x > y",
    "x + y",
    "-x",
    "x * 1",
    "last_over_time(x[5m])",
    "timestamp(x)",
    "sort(x)",
    "clamp_min(x, 0)",
    "round(x)",
    'label_replace(x, "d", "$1", "a", "(.*)")',
    'label_join(x, "d", "-", "a", "b")',
    "topk(1, x)",
    "bottomk(1, x) by (a)",
    "sum(x) by (a, zz)",
    "sum without (b) (x)",
    'count_values("v", x)',
    'count_values("v", x) by (a)',
    'absent(nope{a="b", c=~"d", e!="f"})',
    "histogram_quantile(0.5, h_bucket)",
    "histogram_quantile(0.5, sum by (le) (h_bucket))",
    "x and on(a) y",
    "x or y",
    "x unless on(a) y",
    "changes(x[5m])",
    "abs(x)",
    "vector(1)",
    "max_over_time(x[5m])",
    "x / on(a) group_right(b) y",
    "rate(x[5m])",
    "sum(rate(x[5m])) by (a) > 0",
    "max_over_time(sum by (a) (x)[5m:1m])",
    "group(x) by (b)",
    "count(x)",
    'x{a="1"} == 6',
    "hour()",
    "hour(x)",
    "quantile(0.5, x) without (a)",
]


def observed_label_sets(promtool: str, exprs: list[str], tmp_path: Path) -> dict[str, list[set[str]]]:
    tests = [
        {
            "interval": "1m",
            "input_series": [{"series": s, "values": v} for s, v in SERIES],
            "promql_expr_test": [{"expr": e, "eval_time": "5m", "exp_samples": [{"labels": "zzz", "value": -1}]}],
        }
        for e in exprs
    ]
    path = tmp_path / "labels_test.yml"
    path.write_text(yaml.safe_dump({"rule_files": [], "evaluation_interval": "1m", "tests": tests}), encoding="utf-8")
    proc = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True, timeout=300)
    got: dict[str, list[set[str]]] = {}
    output = proc.stdout + proc.stderr
    for expr, line in re.findall(r'expr: "(.*?)", time: .*?\n\s*exp: .*?\n\s*got: (.*)', output):
        series = [] if line.strip() == "nil" else re.findall(r"\{([^}]*)\}", line)
        got[expr.replace('\\"', '"')] = [set(re.findall(r'(\w+)="', s)) for s in series]
    assert set(got) == set(exprs), output[-3000:]
    return got


def test_output_labels_fit_what_promtool_returns(toolchain: Toolchain | None, tmp_path: Path) -> None:
    observed = observed_label_sets(require_in(toolchain, "promtool").path, LABEL_CASES, tmp_path)
    wrong = []
    for expr in LABEL_CASES:
        info = output_labels(expr)
        for labels in observed[expr]:
            problems = []
            if not info.certain <= labels:
                problems.append(f"certain {sorted(info.certain - labels)} missing")
            if labels & info.dropped:
                problems.append(f"dropped {sorted(labels & info.dropped)} present")
            if not info.open and not labels <= info.possible:
                problems.append(f"unexpected {sorted(labels - info.possible)}")
            if info.kind == "vector" and info.open is False and info.possible - labels - {"zz", "c", "e", "b", "d"}:
                problems.append(f"possible but absent {sorted(info.possible - labels)}")
            if problems:
                wrong.append(f"{expr}: got {sorted(labels)}; inferred {info}: {'; '.join(problems)}")
    assert wrong == []
    # The cases must really produce output, or they prove nothing.
    empty = [expr for expr in LABEL_CASES if not observed[expr]]
    assert empty == ["x > ignoring(b) y", "x > y", "x + y", "x unless on(a) y"]  # no match by design
