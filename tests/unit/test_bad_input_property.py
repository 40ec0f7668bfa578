"""Property: whatever text or spec it is given, callalert answers with problems, not a crash.

Hypothesis feeds YAML-ish text (fragments of specs, tags, anchors, control characters, broken
UTF-8) and mutated specs (keys deleted, values retyped, huge or deep values, unknown keys) to
`validate`, `render` and `lint`, in-process through the CLI's own error handler, and asserts for
every run:
  * no exception escapes (exit code in {0, 1, 2}; no traceback),
  * every problem is positioned (path, line >= 1, column >= 1) and one line without raw control
    characters,
  * a render that fails writes nothing (no output directory, no temporary directory),
  * each run stays within a time budget and a memory budget (tracemalloc peak).
Examples are derandomized so CI is repeatable; CALLALERT_HYPOTHESIS_SEED=random explores anew.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callalert.limits import ensure_recursion_limit

ensure_recursion_limit()  # as the CLI does at start (hypothesis wants it unchanged during a test)

RUN_SECONDS = 10.0  # one command on one input (typical: well under 0.5 s)
RUN_PEAK_BYTES = 256 * 1024 * 1024  # Python allocations of one command (typical: under 30 MB)
EXAMPLES = int(os.environ.get("CALLALERT_HYPOTHESIS_EXAMPLES", "75"))
PROFILE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("CALLALERT_HYPOTHESIS_SEED") != "random",
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

SPEC = """\
version: 1
name: shop
defaults:
  group_wait: 30s
  group_interval: 5m
  dashboard_base_url: https://grafana.example.com
  targets: {prometheus: "2.42", alertmanager: "0.25"}
global:
  smtp: {smarthost: "mail:25", from: alerts@example.com}
severities:
  critical: {notify: [pager, mail], response_time: 15m}
  warning: {notify: [mail]}
categories:
  availability: {notify: [mail]}
receivers:
  pager:
    pagerduty_configs: [{routing_key: {file: /run/secrets/pd}}]
  mail:
    email_configs: [{to: team@example.com}]
  hook:
    webhook_configs: [{url: "http://127.0.0.1:9/hook"}]
routing:
  receiver: mail
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      continue: true
      routes: [{matchers: ['team=~"db|web"'], receiver: hook, mute_time_intervals: [night]}]
inhibit_rules:
  - {source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: [alertname]}
time_intervals:
  - name: night
    time_intervals: [{times: [{start_time: "22:00", end_time: "24:00"}], weekdays: [monday:friday]}]
silences:
  - {matchers: ['alertname="Down"'], starts_at: 2030-01-01T00:00:00Z, ends_at: 2030-01-02T00:00:00Z, created_by: me, comment: upgrade}
groups:
  - name: app
    interval: 1m
    records:
      - {record: job:up:sum, expr: sum by (job) (up)}
    alerts:
      - name: Down
        expr: up{job="api"} == 0
        for: 5m
        severity: critical
        category: availability
        summary: "{{ $labels.instance }} is down"
        description: "Value {{ $value | humanize }}"
        labels: {team: web}
        runbook: {investigation: [check the pod], mitigation: [restart]}
      - name: Slow
        expr: histogram_quantile(0.9, sum by (le) (rate(req_bucket[5m]))) > 1
        severity: warning
        summary: slow
        description: slow
tests:
  routing:
    - {alert: Down, receivers: [pager, hook]}
"""
SPEC_DATA: dict[str, Any] = yaml.safe_load(SPEC)

# --- strategies ---------------------------------------------------------------------------------------

CONTROL = "\x00\x01\x07\x08\x0b\x1b\x7f\x85\u2028\u202e"
nasty_text = st.text(
    alphabet=st.characters(codec="utf-8") | st.sampled_from(list(CONTROL + "{}[]:,&*!|>'\"#%@`-?\n\t ")), max_size=40
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    nasty_text,
    st.sampled_from(
        [
            "0",
            "0s",
            "1m\n",
            "293y",
            "99999999999999999999y",
            "5x",
            "",
            " ",
            "x" * 5000,
            "{{ 1e999 }}",
            "{{ if }}",
            '{{ template "nope" . }}',
            'a=~"(("',
            "a=",
            '=""',
            "up[",
            "up[100000y]",
            "rate(up[1m])",
            "sum(",
            "@",
            "…",
            "https://hooks.slack.com/services/T0/B0/SECRETTOKEN",
            "../../etc/passwd",
            "x\x00.tmpl",
            "2030-13-45T99:00:00Z",
        ]
    ),
)


# strings where strings belong: the schema passes, the semantic checks get the text
texts = st.one_of(
    nasty_text,
    st.sampled_from(
        [
            "0",
            "0s",
            "1m\n",
            "293y",
            "5x",
            "",
            "x" * 3000,
            "{{ 1e999 }}",
            "{{ if }}",
            '{{ template "nope" . }}',
            "{{ (((1))) }}",
            'a=~"(("',
            "a=",
            'severity="critical"',
            'a!~".*"',
            "up[",
            "up[100000y]",
            "up @ 1e30",
            "rate(up[1m])",
            "sum(",
            "histogram_quantile(0.9, rate(x[5m]))",
            "https://HOOKS.slack.com/services/T0/B0/TOKEN",
            "http://u:p@h/x",
            "x.tmpl",
            "../x.tmpl",
            "/etc/hostname",
            "Down",
            "pager",
            "night",
            "monday:sunday",
            "25:00",
            "Mars/Base",
            "critical",
            "availability",
            "2030-01-01T00:00:00",
            "g" * 300,
            "A" * 300,
            "a\nfake.yaml:1:1: error: x [y]",
        ]
    ),
)


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


values = st.recursive(
    scalars | st.integers(min_value=1, max_value=300).map(_nested),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(nasty_text | st.sampled_from(["name", "receiver", "routes"]), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out.extend(_paths(value, (*prefix, i)))
    return out


PATHS = _paths(SPEC_DATA)[1:]


def _mutate(data: Any, path: tuple[Any, ...], op: str, value: Any) -> None:
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if op == "delete":
        del parent[last]
    elif op == "replace" or (op == "retext" and isinstance(parent[last], str)):
        parent[last] = value
    elif op == "insert" and isinstance(parent[last], dict):
        parent[last][str(value)[:30] if not isinstance(value, dict | list) else "unknown_key"] = value
    elif op == "insert" and isinstance(parent[last], list):
        parent[last].append(value)
    elif op == "wrap":
        parent[last] = [parent[last]]


@st.composite
def mutated_specs(draw: st.DrawFn) -> bytes:
    data = yaml.safe_load(SPEC)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = [p for p in _paths(data)[1:] if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["delete", "replace", "retext", "retext", "retext", "insert", "wrap"]))
        _mutate(data, path, op, draw(texts if op == "retext" else values))
    text = yaml.dump(data, allow_unicode=draw(st.booleans()), default_flow_style=draw(st.sampled_from([False, None])), width=120)
    return text.encode("utf-8", "surrogateescape")


FRAGMENTS = [
    "version: 1",
    "version: '1'",
    "version: true",
    "severities:",
    "  critical: {notify: [team]}",
    "receivers:",
    "  team: {webhook_configs: [{url: 'http://127.0.0.1:9/x'}]}",
    "routing: {receiver: team}",
    "groups:",
    "- name: g",
    "  alerts: [{name: A, expr: up == 0, severity: critical, summary: s, description: d}]",
    "name: !!int abc",
    "name: !!binary aGVsbG8=",
    "x: !!timestamp nope",
    "x: !!python/object/apply:os.system ['true']",
    "a: &a [1, *a]",
    "b: &b {c: *b}",
    "<<: {version: 1}",
    "? complex key",
    "---",
    "...",
    "%YAML 1.1",
    "key: |",
    "  block\x1b[31m",
    "{",
    "[",
    "]",
    "'unterminated",
    '"\\x"',
    "\t- tab",
    "route: {receiver: a, routes: 5}",
    "inhibit_rules: 5",
    "groups: [{name: g, rules: 5}]",
    "route: &r {receiver: a, routes: [*r]}",
    "templates: {files: [../x.tmpl]}",
    "\x00",
    "\ufeffversion: 1",
    "\r\n",
    "defaults: {group_interval: 0}",
    "silences: [{matchers: []}]",
    "time_intervals: [{name: '', time_intervals: [{years: ['99999999999999999999']}]}]",
]
yamlish = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS) | nasty_text, max_size=14).map(
        lambda lines: "\n".join(lines).encode("utf-8", "surrogateescape")
    ),
    st.binary(max_size=300).map(lambda raw: b"version: 1\n" + raw),
)

# --- running one command in-process ------------------------------------------------------------------------

LINE = re.compile(r"^(\S.*:\d+:\d+: (error|warning|info): .* \[[a-z0-9-]+\]|    fix: .*)$")


def run(*args: str) -> tuple[int, str, str, float, int]:
    """(exit code, stdout, stderr, seconds, Python peak bytes) of one command, through the CLI's
    own handler: what `callalert ARGS` does, minus the process."""
    from callalert.cli.app import build_app
    from callalert.cli.errors import run as handle

    out, err = io.StringIO(), io.StringIO()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = handle(lambda: build_app()(args=list(args), prog_name="callalert", standalone_mode=False))
    finally:
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return code, out.getvalue(), err.getvalue(), seconds, peak


def check_input(content: bytes, tmp: Path) -> None:
    spec = tmp / "spec.yaml"
    spec.write_bytes(content)
    runs: dict[str, tuple[int, str, str, float, int]] = {}
    out = tmp / "out"
    runs["validate"] = run("validate", str(spec), "--format", "json")
    runs["validate-text"] = run("validate", str(spec))
    runs["render"] = run("render", str(spec), "--out", str(out), "--format", "json")
    runs["lint"] = run("lint", str(spec), "--format", "json", "--now", "2024-01-01T00:00:00Z")
    for name, (code, stdout, stderr, seconds, peak) in runs.items():
        where = f"{name} on {content[:300]!r}"
        assert code in (0, 1, 2), f"{where}: exit {code}\n{stderr}"
        assert "Traceback" not in stderr and "internal error" not in stderr, f"{where}\n{stderr}"
        assert seconds < RUN_SECONDS, f"{where}: {seconds:.1f}s"
        assert peak < RUN_PEAK_BYTES, f"{where}: {peak / 1e6:.0f} MB"
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", stderr), f"{where}: raw control character in {stderr!r}"
        if name == "validate-text":
            for line in stdout.splitlines():
                assert LINE.match(line) and not re.search(r"[\x00-\x1f\x7f]", line), f"{where}: {line!r}"
        elif stdout.strip():
            for p in json.loads(stdout):
                assert p["path"] and p["line"] >= 1 and p["column"] >= 1, f"{where}: {p}"
                assert "\n" not in p["message"] and len(p["message"]) <= 1_000 + 40, f"{where}: {p}"
    render_code = runs["render"][0]
    leftovers = [p.name for p in tmp.iterdir() if p.name.startswith(".out.")]
    assert leftovers == [], leftovers
    if render_code == 0:
        assert (out / ".callalert").is_file()
        assert runs["validate"][0] == 0
    else:
        assert not out.exists(), f"render failed ({render_code}) but wrote {out}"
    assert (runs["validate"][0] == 0) == (runs["validate-text"][0] == 0)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("property")


_counter = iter(range(10**9))


def _fresh(scratch: Path) -> Path:
    folder = scratch / f"case{next(_counter)}"
    folder.mkdir()
    return folder


def test_the_base_spec_is_valid(scratch: Path) -> None:
    check_input(SPEC.encode(), _fresh(scratch))
    assert run("validate", str(scratch / "case0" / "spec.yaml"))[0] == 0


@PROFILE
@given(content=mutated_specs())
def test_mutated_specs_never_crash(content: bytes, scratch: Path) -> None:
    check_input(content, _fresh(scratch))


@PROFILE
@given(content=yamlish)
def test_yamlish_text_never_crashes(content: bytes, scratch: Path) -> None:
    check_input(content, _fresh(scratch))


if __name__ == "__main__":  # pragma: no cover - `python tests/unit/test_bad_input_property.py` runs more examples
    sys.exit(pytest.main([__file__, "-q"]))
