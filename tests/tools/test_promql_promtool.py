"""callalert's PromQL against the real promtool of every installed toolchain.

Each test runs once per toolchain (bookworm 2.42, trixie 2.53.3, sid 3.5.3) and asks that promtool:
expressions go into one rule file (one recording rule each), `promtool check rules` names the
failing rules with its message, and `check_syntax` at the promtool's own release must give the same
verdict and promtool's exact words (`SyntaxProblem.promtool`: "1:2: parse error: ..."). The only
accepted difference is promtool 3.x crashing in its own parser on some invalid input: it prints
"unexpected error" (a recovered panic in its error recovery) where callalert names the first error.

Also proven per toolchain: every entry of the syntax-feature table and the function table in both
directions, label-matcher regexes (Go regexp/syntax by the grafana/regexp copy of the release), the
rule-file keys of groups and alerts, Prometheus 3's left-open ranges (with `promtool test rules`),
which promtool honours --enable-feature=promql-experimental-functions, and the label sets that
output_labels infers.
"""

from __future__ import annotations

import random
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from callalert.analysis.promql import FUNCTIONS, check_syntax, output_labels
from callalert.analysis.promql.functions import MATRIX, SCALAR, STRING, VECTOR, release_line
from callalert.analysis.promql.lex import tokenize
from callalert.analysis.promql.pitfalls import short_ranges
from callalert.analysis.promql.versions import EXPERIMENTAL_FUNCTIONS, FLAGS, RULE_FIELDS, SYNTAX_FEATURES, Dialect
from callalert.analysis.versions import Version
from callalert.toolchain import Toolchain
from tests.conftest import EXAMPLE_SPEC, require_in

pytestmark = pytest.mark.tools

PROMTOOL_CRASH = "unexpected error"  # promtool 3.x: a recovered panic in its parser's error recovery

# Found while comparing parsers with promtool; several are accepted by one release and not another.
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
    "rate(x[5m] smoothed)",
    "smoothed",
    "anchored",
    'smoothed{a="b"} + anchored',
    "rate(smoothed[5m])",
    "rate(up[1m * 2])",
    "rate(up[5m+1m])",
    "up offset (1m+1m)",
    "up offset -(5m)",
    "rate(up[(5m*2)])",
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
    "start()",
    "rate(up[step()])",
    "up offset step()",
    "histogram_count(x)",
    "day_of_year()",
    "present_over_time(x[5m])",
    "sum(x",
    "test +",
    "foo{",
    "sum(rate(x[5m])) by (a) > on(a) group_left sum(y) by (a)",
    'x{a="b"}[5m:1m] offset 1m',
    '{"my.metric"}',
    '{"my.metric", job="x"}',
    'sum by ("service.name") (x)',
    "sum by (a:b) (x)",
    'sum by ("") (x)',
    "1_000",
    "1_000_000.5",
    "0x_1F",
    "1__0",
    "x offset 0s",
    "x offset 0",
    "x[0]",
    "my.metric",
    'up{service.name="x"}',
    'count_values("a.b", up)',
    'label_replace(up, "service.name", "$1", "job", "(.*)")',
    "rate(x[5m]) keep_metric_names",
    "1e400",
    "0x",
    "08",
    "infinity",
    "f(a,,b)",
    'x{"y"}',
    "x @ start() [5m]",
    "-x offset 5m",
    "x[5m s]",
    "sum(a,b) 5",
    "x * on(a) group_left ,",
    "x > bool on(a) bool y",
    'x{a=~"a{1001}"}',
    "x + @ 5",
    "sum by (job) rate(x[5m])",
    "rate(redis_up[5m] offset)",
    "sum(rate(x[5m])) by le",
    'x{a!~""}',
    '{__name__=~"a|b"}',
    "x unless on(a) group_left y",
    "1 and 2",
    "1 > 2",
    "1 > bool 2",
    '-"a"',
    "-x[5m]",
    'rate("a"[5m])',
    "(1)[5m:1m]",
    "x @ -5",
    "x @ 5m",
    "x @ +Inf",
]

# Label-matcher regexes whose verdict or message depends on the Go regexp/syntax copy a release vendors.
REGEXES = [
    "x++",
    "x**",
    "x*?",
    "x*??",
    "\\Q.*\\E",
    "\\Q.*",
    "(?<n>x)",
    "(?P<n>x)",
    "(?P<n>x",
    "(?<n",
    "(?<1a>x)",
    "(?<=x)",
    "(?=x)",
    "(?!x)",
    "(?i)x",
    "(?i:x)",
    "(?-i)x",
    "(?i-)x",
    "(?z)x",
    "(?P=n)",
    "(a)\\1",
    "\\8",
    "\\Z",
    "\\z",
    "\\C",
    "\\pL",
    "\\p{Greek}",
    "\\p{Letter}",
    "\\p{^Lu}",
    "\\P{Lu}",
    "\\p{Cn}",
    "\\p{LC}",
    "\\p{Kawi}",
    "\\p{Garay}",
    "\\p",
    "\\p{",
    "[[:alpha:]]",
    "[[:word:]]",
    "[[:foo:]]",
    "[z-a]",
    "[a-\\d]",
    "[a",
    "[]a]",
    "[^]a]",
    "a{1001}",
    "a{2,1}",
    "a{,3}",
    "a{01}",
    "(a{500}){3}",
    "((a{10}){10}){11}",
    "\\x{1F600}",
    "\\x{110000}",
    "\\xZZ",
    "\\x4",
    "\\0",
    "\\07",
    "\\_",
    "\\é",
    "a)",
    ")|(",
    "(",
    "*",
    "a|*",
    "()*",
    "^*",
    "\\b",
    "a|",
    "",
    "\\",
    "a{3}{2}",
]

MUTATION_POOL = [")", "(", ",", "by", "5m", '"x"', "offset", "@", "[", "]", "{", "}", "[5m:1m]", "1_000", "bool", "on(a)"]
MUTATION_POOL += ["group_left", "sum", "rate", "+", "==", "=~", "and", ":", "start()", '"a.b"', "without", "topk", "0s", "#c\n"]


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


def promtool_verdicts(promtool: str, exprs: list[str], tmp_path: Path, *flags: str) -> dict[str, str | None]:
    """{expr: None when promtool accepts it, else its message after "could not parse expression: "}."""
    unique = list(dict.fromkeys(exprs))
    rules = [{"record": f"r{i}", "expr": expr} for i, expr in enumerate(unique)]
    path = tmp_path / "exprs.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": rules}]}, allow_unicode=True), encoding="utf-8")
    proc = subprocess.run([promtool, *flags, "check", "rules", str(path)], capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    bad = {int(m.group(1)): m.group(2) for m in re.finditer(r'rule \d+, "r(\d+)": (?:could not parse expression: )?(.*)', output)}
    assert (proc.returncode == 0) == (not bad), output[-3000:]
    return {expr: bad.get(i) for i, expr in enumerate(unique)}


def promtool_of(toolchain: Toolchain | None) -> tuple[str, Version]:
    tool = require_in(toolchain, "promtool")
    return tool.path, release_line(tool.version)


def disagreements(exprs: list[str], promtool: str, version: Version, tmp_path: Path) -> tuple[list[str], int]:
    """Every expression where callalert at `version` and promtool differ (verdict or words), and how many
    times promtool crashed in its own parser on an expression both reject."""
    verdicts = promtool_verdicts(promtool, exprs, tmp_path)
    wrong: list[str] = []
    crashes = 0
    for expr, theirs in verdicts.items():
        found = check_syntax(expr, target=version)
        if found and found[0].rule == "promql-too-large":
            wrong.append(f"{expr!r}: over callalert's depth limit")
            continue
        ours = found[0].promtool if found else None
        if (ours is None) != (theirs is None):
            wrong.append(f"{expr!r}: promtool={theirs!r} callalert={ours!r}")
        elif ours != theirs:
            if theirs == PROMTOOL_CRASH:
                crashes += 1
            else:
                wrong.append(f"{expr!r}: promtool={theirs!r} callalert={ours!r}")
    return wrong, crashes


def test_check_syntax_agrees_with_promtool_on_corpus_and_edge_cases(
    toolchain: Toolchain | None, corpus: Path, tmp_path: Path
) -> None:
    promtool, version = promtool_of(toolchain)
    named = corpus_exprs(corpus) + [(f"edge:{e}", e) for e in EDGE_CASES]
    assert len(named) > 10_000
    examples = [e for f in SYNTAX_FEATURES for e in f.accepts]
    wrong, crashes = disagreements([expr for _, expr in named] + examples, promtool, version, tmp_path)
    assert wrong == []
    assert crashes == 0
    # The corpus is not all valid: the invalid files must be among the rejections at every release.
    rejected = {name for name, expr in named if check_syntax(expr, target=version)}
    assert any(n.startswith("rules-invalid/prometheus__bad-rules-syntax.yml") for n in rejected)


def mutations(exprs: list[str], seed: int, limit: int) -> list[str]:
    """Systematic damage to real expressions: every prefix, and tokens deleted, doubled, replaced and inserted."""
    rnd = random.Random(seed)
    out: set[str] = set()
    dialect = Dialect.of("3.5")
    for expr in exprs:
        toks = [t for t in tokenize(expr, dialect) if t.kind not in ("EOF", "ERROR")]
        for tok in toks:
            out.add(expr[: tok.end])
            out.add(expr[: tok.pos] + expr[tok.end :])
            out.add(expr[: tok.end] + " " + tok.text + expr[tok.end :])
            replacement = rnd.choice(MUTATION_POOL)
            out.add(expr[: tok.pos] + replacement + expr[tok.end :])
            out.add(expr[: tok.end] + " " + rnd.choice(MUTATION_POOL) + " " + expr[tok.end :])
    ordered = sorted(e for e in out if e.strip())
    return rnd.sample(ordered, min(limit, len(ordered)))


def test_first_error_agrees_with_promtool_on_mutated_expressions(
    toolchain: Toolchain | None, corpus: Path, tmp_path: Path
) -> None:
    """Syntax errors everywhere in real rules: promtool's message, token, line and column, word for word."""
    promtool, version = promtool_of(toolchain)
    base = sorted({expr for _, expr in corpus_exprs(corpus) if len(expr) < 400} | set(EDGE_CASES))
    exprs = mutations(base, seed=9, limit=12_000)
    wrong, crashes = disagreements(exprs, promtool, version, tmp_path)
    assert wrong == []
    assert crashes < len(exprs) // 100  # promtool 3.x's own parser panics ("unexpected error") on a few


def _call(name: str) -> str:
    info = FUNCTIONS[name]
    if info.aggregation:
        return f"{name}(1, x)"
    if name == "info":
        return 'info(x, {job="a"})'  # its second argument is a label selector
    values = {VECTOR: "x", MATRIX: "x[5m]", SCALAR: "1", STRING: '"a"'}
    return f"{name}({', '.join(values[a] for a in info.args)})"


def test_function_table_in_both_directions(toolchain: Toolchain | None, tmp_path: Path) -> None:
    """Each function is refused before its release (or after its removal) and accepted from it, by promtool
    and by callalert alike; experimental ones only with the flag where this promtool honours it."""
    promtool, version = promtool_of(toolchain)
    calls = {name: _call(name) for name in FUNCTIONS}
    verdicts = promtool_verdicts(promtool, list(calls.values()), tmp_path)
    flag = FLAGS[EXPERIMENTAL_FUNCTIONS]
    honoured = flag.promtool_since is not None and version >= flag.promtool_since
    with_flag = promtool_verdicts(promtool, list(calls.values()), tmp_path, f"--enable-feature={EXPERIMENTAL_FUNCTIONS}")
    wrong = []
    for name, expr in calls.items():
        info = FUNCTIONS[name]
        usable = info.exists_in(version) and not info.experimental_in(version)
        usable_with_flag = info.exists_in(version) and honoured
        if (verdicts[expr] is None) != usable:
            wrong.append(f"{expr}: promtool {'accepts' if verdicts[expr] is None else 'refuses'}, the table says {usable}")
        if (with_flag[expr] is None) != (usable or usable_with_flag):
            wrong.append(f"{expr} with the flag: promtool {with_flag[expr]!r}, the table says {usable or usable_with_flag}")
        if (not check_syntax(expr, target=version)) != usable:
            wrong.append(f"{expr}: callalert disagrees with its own table at {version.short}")
        if honoured and (not check_syntax(expr, target=version, experimental=True)) != (with_flag[expr] is None):
            wrong.append(f"{expr}: callalert with the flag disagrees with promtool {with_flag[expr]!r}")
    assert wrong == []


def test_syntax_feature_table_in_both_directions(toolchain: Toolchain | None, tmp_path: Path) -> None:
    promtool, version = promtool_of(toolchain)
    examples = [(f, e) for f in SYNTAX_FEATURES for e in f.accepts]
    verdicts = promtool_verdicts(promtool, [e for _, e in examples], tmp_path)
    wrong = []
    for feature, expr in examples:
        has = feature.since <= version and (feature.until is None or version < feature.until) and feature.flag is None
        if (verdicts[expr] is None) != has:
            wrong.append(f"{feature.key}: {expr!r}: promtool {verdicts[expr]!r}, the table says {has}")
    assert wrong == []
    # The table must name its releases where callalert's parser changes: one example per side of each boundary.
    assert {f.key for f in SYNTAX_FEATURES if not f.semantic and not f.accepts} == set()


def test_label_matcher_regexes(toolchain: Toolchain | None, tmp_path: Path) -> None:
    """Go's regexp/syntax as the release vendors it (grafana/regexp: Go 1.19.2 up to 2.52, 1.22.1 from 2.53),
    with the Unicode tables of the Go that built the binary."""
    promtool, version = promtool_of(toolchain)
    exprs = [f"x{{a=~{json_quote(r)}}}" for r in REGEXES] + [f"{{a=~{json_quote(r)}}}" for r in REGEXES]
    wrong, crashes = disagreements(exprs, promtool, version, tmp_path)
    assert wrong == []
    assert crashes == 0


def json_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


RULE_FIELD_EXAMPLES = {
    "group.labels": ({"labels": {"team": "a"}}, {}),
    "group.query_offset": ({"query_offset": "1m"}, {}),
    "group.limit": ({"limit": 10}, {}),
    "alert.keep_firing_for": ({}, {"keep_firing_for": "5m"}),
}


def test_rule_file_keys_in_both_directions(toolchain: Toolchain | None, tmp_path: Path) -> None:
    """Rule-group and alert keys: promtool of this release reads them exactly when the table says so."""
    promtool, version = promtool_of(toolchain)
    wrong = []
    for key, (group_extra, rule_extra) in RULE_FIELD_EXAMPLES.items():
        rule = {"alert": "A", "expr": "up == 0", **rule_extra}
        path = tmp_path / f"{key}.yml"
        path.write_text(yaml.safe_dump({"groups": [{"name": "g", **group_extra, "rules": [rule]}]}), encoding="utf-8")
        proc = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
        has = version >= RULE_FIELDS[key].since
        if (proc.returncode == 0) != has:
            wrong.append(
                f"{key}: promtool {version.short} exit {proc.returncode} ({proc.stderr.strip()[-200:]}); the table says {has}"
            )
    assert wrong == []


def test_left_open_ranges(toolchain: Toolchain | None, tmp_path: Path) -> None:
    """What short_ranges predicts, this promtool does: with samples every 1m, rate() over [1m] (and over a
    [1m:1m] subquery) returns nothing from 3.0 on; over [90s] it depends on the evaluation time; [2m] always works."""
    promtool, version = promtool_of(toolchain)
    cases = [("rate(c[1m])", "5m"), ("rate(c[90s])", "5m30s"), ("rate(c[2m])", "5m"), ("rate(c[1m:1m])", "5m")]
    tests = [
        {
            "interval": "1m",
            "input_series": [{"series": 'c{a="1"}', "values": "0+60x10"}],
            "promql_expr_test": [{"expr": expr, "eval_time": at, "exp_samples": [{"labels": '{a="1"}', "value": 1}]}],
        }
        for expr, at in cases
    ]
    path = tmp_path / "left_open_test.yml"
    path.write_text(yaml.safe_dump({"rule_files": [], "evaluation_interval": "1m", "tests": tests}), encoding="utf-8")
    proc = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True, timeout=60)
    output = proc.stdout + proc.stderr
    empty = set(re.findall(r'expr: "(.*?)", time: .*?\n\s*exp: .*?\n\s*got: nil', output))
    for expr, _ in cases:
        shorts = short_ranges(expr, scrape_interval=60, evaluation_interval=60, target=version)
        predicted_empty = bool(shorts) and shorts[0].left_open and (shorts[0].never or expr == "rate(c[90s])")
        assert (expr in empty) == predicted_empty, (expr, version.short, output[-2000:])
    assert Dialect.of(version).left_open_ranges == ("rate(c[1m])" in empty)


def test_regex_dot_matches_newline(toolchain: Toolchain | None, tmp_path: Path) -> None:
    """From 3.0 a label-matcher regex is compiled with the s flag: "." matches a newline."""
    promtool, version = promtool_of(toolchain)
    test = {
        "interval": "1m",
        "input_series": [{"series": 'x{a="a\\nb"}', "values": "1x5"}],
        "promql_expr_test": [{"expr": 'count(x{a=~"a.b"})', "eval_time": "1m", "exp_samples": [{"labels": "{}", "value": 1}]}],
    }
    path = tmp_path / "dot_test.yml"
    path.write_text(yaml.safe_dump({"rule_files": [], "evaluation_interval": "1m", "tests": [test]}), encoding="utf-8")
    proc = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert (proc.returncode == 0) == Dialect.of(version).regex_dot_matches_newline, proc.stdout + proc.stderr


def test_bundled_spec_rule_tests_pass(toolchain: Toolchain | None, tmp_path: Path, run_cli) -> None:
    """The bundled spec's rule tests (HighCPUUsage among them) pass on every promtool, Prometheus 3 included."""
    promtool, version = promtool_of(toolchain)
    out = tmp_path / "out"
    result = run_cli("render", str(EXAMPLE_SPEC), "--out", str(out))
    assert result.exit_code == 0, str(result)
    tests = sorted((out / "tests").glob("*.test.yml"))
    proc = subprocess.run(
        [promtool, "test", "rules", *map(str, tests)],
        capture_output=True,
        text=True,
        cwd=out / "tests",
        timeout=300,
    )
    assert proc.returncode == 0, f"promtool {version.short}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


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
        series = [] if line.strip() in ("nil", "[]") else re.findall(r"\{([^}]*)\}", line)
        got[expr.replace('\\"', '"')] = [set(re.findall(r'(\w+)="', s)) for s in series]
    assert set(got) == set(exprs), output[-3000:]
    return got


def test_output_labels_fit_what_promtool_returns(toolchain: Toolchain | None, tmp_path: Path) -> None:
    promtool, _ = promtool_of(toolchain)
    observed = observed_label_sets(promtool, LABEL_CASES, tmp_path)
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


def test_check_proves_experimental_functions_with_a_promtool_that_honours_the_flag(run_cli, tmp_path: Path) -> None:
    """A spec may rely on --enable-feature=promql-experimental-functions; check proves it with a promtool ≥ 3.4
    and the flag (older promtools ignore the flag), whatever the target."""
    from tests.conftest import installed_toolchains

    honoured = FLAGS[EXPERIMENTAL_FUNCTIONS].promtool_since
    assert honoured is not None
    if not any((t := c.get("promtool")) is not None and t.version >= honoured for c in installed_toolchains()):
        require_in(None, f"promtool ≥ {honoured.short}")
    spec = tmp_path / "spec.yaml"
    alert = {
        "name": "Sorted",
        "expr": 'sort_by_label(up, "job") == 0',
        "severity": "critical",
        "summary": "s",
        "description": "d",
    }
    base = {
        "version": 1,
        "defaults": {"targets": {"prometheus": "2.53", "prometheus_features": [EXPERIMENTAL_FUNCTIONS]}},
        "severities": {"critical": {"notify": ["default"]}},
        "receivers": {"default": {"webhook_configs": [{"url": "http://127.0.0.1:9/"}]}},
        "groups": [{"name": "g", "alerts": [alert]}],
    }
    spec.write_text(yaml.safe_dump(base), encoding="utf-8")
    result = run_cli("check", str(spec))
    assert result.exit_code == 0, str(result)
    assert f"--enable-feature={EXPERIMENTAL_FUNCTIONS}" in result.stdout + result.stderr
    base["defaults"]["targets"]["prometheus_features"] = []  # type: ignore[index]
    spec.write_text(yaml.safe_dump(base), encoding="utf-8")
    refused = run_cli("validate", str(spec))
    assert refused.exit_code == 1 and "is experimental in Prometheus 2.53" in refused.stdout, str(refused)
