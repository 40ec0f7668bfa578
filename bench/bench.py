"""Benchmark: callalert against promtool on specs of 1,000, 10,000 and 50,000 alerts, in one run;
import of the rendered files back (and of the corpus' 10,002-rule file when ../shared/corpus is there).

For each size it renders the spec once (the rule files promtool checks), then runs, interleaved
(one of each per round, so a load spike from other processes hits all of them): `callalert
validate`; `callalert render` into that output folder, which already holds what the spec renders
(render compares and writes nothing: a CI job that checks a committed output is up to date); `callalert
render` into a new folder (every file written: one runbook per alert, so the disk's speed at creating
files counts); `callalert lint` of the spec, and of its rendered rule files; `callalert import` of
the rendered files; and `promtool check rules` on those rule files. It prints the median wall time,
the median processor time and the peak memory of each command, with the ratio of its wall time to
promtool's. The goals are issue 15's: `render`'s is checked on the first render row. Then `callalert check` of a 1,000-alert spec (every
alert's templates rendered by the real amtool) and `callalert --version`.

promtool is the one `callalert check` itself picks for the spec's target (Prometheus 3.5 by
default): the same rules, the same toolchain. The machine may be shared: only the ratios count,
so run it when the load average is low (it is printed before and after), and run it twice.

Usage: python bench/bench.py [--sizes 1000,10000,50000] [--repeat 5] [--budget 900]
       (make bench)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CATEGORIES = ["performance", "quality", "errors", "resources", "availability"]
EXPRS = [
    "histogram_quantile(0.95, sum(rate(svc{n}_latency_seconds_bucket[5m])) by (le)) > 10",
    'sum(rate(svc{n}_requests_total{{status="failed"}}[5m])) / sum(rate(svc{n}_requests_total[5m])) > 0.05',
    "avg(svc{n}_quality_score) < 0.7",
    'rate(process_cpu_seconds_total{{job="svc{n}"}}[5m]) > 0.8',
    'up{{job="svc{n}"}} == 0',
]

# What runs for each size, in this order in every round.
COMMANDS = ("validate", "render", "render (new folder)", "lint", "lint (rule files)", "import", "promtool")
# The goals of issue 15, at 10,000 alerts (ratios of wall times to promtool check rules).
GOALS = {"validate": 0.5, "render": 0.75, "lint": 0.75}
GOAL_MEMORY_MIB = 150
GOAL_CHECK_SECONDS = 30
GOAL_VERSION_MS = 50


def make_spec(n: int) -> dict[str, object]:
    groups = []
    per_group = 100
    for g in range(0, n, per_group):
        alerts = []
        for i in range(g, min(n, g + per_group)):
            sev = "critical" if i % 5 == 0 else "warning"
            alerts.append(
                {
                    "name": f"Alert{i}",
                    "expr": EXPRS[i % len(EXPRS)].format(n=i),
                    "for": "5m",
                    "severity": sev,
                    "category": CATEGORIES[i % len(CATEGORIES)],
                    "summary": f"Service {i} is unhappy",
                    "description": "Value is {{ $value | humanize }} on {{ $labels.instance }}",
                    "dashboard": f"/d/svc{i}",
                    "labels": {"team": f"team{i % 7}"},
                    "runbook": {"investigation": ["Look at the dashboard"], "mitigation": ["Roll back"]},
                }
            )
        groups.append({"name": f"group{g // per_group}", "alerts": alerts})
    return {
        "version": 1,
        "defaults": {"group_by": ["alertname", "category"], "dashboard_base_url": "https://grafana.example.com"},
        "severities": {"critical": {"notify": ["pager", "chat"]}, "warning": {"notify": ["chat"]}},
        "categories": {c: {} for c in CATEGORIES},
        "receivers": {
            "default": {"webhook_configs": [{"url": "http://127.0.0.1:9/default"}]},
            "pager": {"pagerduty_configs": [{"routing_key": {"file": "/etc/am/pd"}}]},
            "chat": {"slack_configs": [{"api_url": {"file": "/etc/am/slack"}, "channel": "#alerts"}]},
        },
        "groups": groups,
    }


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # seconds, user + system, of the process and its children
    rss: float  # MiB, peak resident memory of the process (its largest child for check)
    out: str = ""


@dataclass
class Series:
    runs: list[Run] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss(self) -> float:
        return max(r.rss for r in self.runs)


def run(cmd: list[str], ok: tuple[int, ...] = (0,), *, keep_output: bool = False) -> Run:
    """One run of `cmd`: its wall time, and its own processor time and peak memory (wait4). Its
    output goes to a file, read back only when wanted: held here, it would grow this process, and a
    child's peak memory (wait4) counts its parent's at the fork."""
    with tempfile.TemporaryFile() as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        failed = proc.returncode not in ok
        text = ""
        if failed or keep_output:
            size = sink.seek(0, os.SEEK_END)
            sink.seek(0 if keep_output else max(0, size - 3000))
            text = sink.read().decode("utf-8", "replace")
    if failed:
        sys.exit(f"failed (exit {proc.returncode}): {' '.join(cmd)}\n{text[-3000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text)


def target_promtool() -> str:
    """The promtool `callalert check` uses for a spec with the default targets."""
    from callalert.analysis.versions import DEFAULT_PROMETHEUS, Version
    from callalert.toolchain import discover, select

    return select(discover(), "promtool", Version.parse(DEFAULT_PROMETHEUS)).path


def in_child(*args: str) -> str:
    """Run this script's helper `args` in a child process: the benchmark's own process stays small,
    since a child's peak memory (wait4) starts from its parent's at fork."""
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def write_spec(n: int, path: Path) -> None:
    in_child("--write-spec", str(n), str(path))


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="alert counts (default 1000,10000,50000)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds per size up to 10,000 alerts (default 5)")
    parser.add_argument("--repeat-large", type=int, default=2, help="rounds per size above 10,000 alerts (default 2)")
    parser.add_argument("--check-alerts", type=int, default=1000, help="alerts of the spec `check` proves (0: skip)")
    parser.add_argument("--budget", type=float, default=900, help="seconds: no new round starts after this (default 900)")
    parser.add_argument("--write-spec", nargs=2, metavar=("N", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--promtool", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_spec:
        Path(args.write_spec[1]).write_text(yaml.safe_dump(make_spec(int(args.write_spec[0])), sort_keys=False))
        return
    if args.promtool:
        print(target_promtool())
        return
    began = time.perf_counter()
    callalert = [sys.executable, "-m", "callalert"]
    promtool = in_child("--promtool")
    version_out = subprocess.run([promtool, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    work = Path(tempfile.mkdtemp(prefix="callalert-bench-"))
    sizes = [int(s) for s in args.sizes.split(",")]
    # the bytecode `pip install` compiles: an editable install under PYTHONDONTWRITEBYTECODE would
    # otherwise compile every changed module again on every run (~0.1 s that no user pays)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(Path(__file__).resolve().parent.parent / "callalert")], check=True
    )
    print(f"callalert benchmark on {os.cpu_count()} cores, {load()}")
    print(f"promtool: {promtool} ({version_out})")
    results: dict[int, dict[str, Series]] = {}
    failed: list[str] = []
    try:
        for n in sizes:
            spec = work / f"spec-{n}.yaml"
            write_spec(n, spec)
            out = work / f"out-{n}"
            run([*callalert, "render", str(spec), "--out", str(out)])  # the rules promtool checks (and a warm-up)
            rules = sorted(str(p) for p in (out / "prometheus/rules").glob("*.yml"))
            new = work / f"new-{n}"  # a folder per round: `render (new folder)` writes every file
            new.mkdir()
            series = results[n] = {name: Series() for name in COMMANDS}
            rounds = args.repeat if n <= 10_000 else args.repeat_large
            for i in range(rounds):
                if i > 0 and time.perf_counter() - began > args.budget:
                    break
                commands = {
                    "validate": [*callalert, "validate", str(spec)],
                    # the output folder already holds what the spec renders: render finds nothing to change
                    "render": [*callalert, "render", str(spec), "--out", str(out)],
                    "render (new folder)": [*callalert, "render", str(spec), "--out", str(new / str(i))],
                    "lint": [*callalert, "lint", str(spec)],
                    "lint (rule files)": [*callalert, "lint", str(out / "prometheus/rules")],
                    "import": [*callalert, "import", str(out), "--out", str(work / f"imported-{n}.yaml"), "--allow-loss"],
                    "promtool": [promtool, "check", "rules", *rules],
                }
                for name in COMMANDS:
                    series[name].runs.append(run(commands[name]))
            spec.unlink()
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(new, ignore_errors=True)
        print()
        print(
            f"{'alerts':>7} {'command':<32} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} {'× promtool':>11} {'ms/1k alerts':>13} {'rounds':>7}"
        )
        for n, series in results.items():
            base = series["promtool"].wall
            for name, s in series.items():
                label = "promtool check rules" if name == "promtool" else f"callalert {name}"
                shown = f"{s.wall / base:10.2f}×" if name != "promtool" else ""
                print(
                    f"{n:>7} {label:<32} {s.wall:8.3f} {s.cpu:8.3f} {s.rss:9.0f} {shown:>11} "
                    f"{1000 * s.wall / n * 1000:13.1f} {len(s.runs):>7}"
                )
        if 10_000 in results:
            print()
            s10 = results[10_000]
            for name, goal in GOALS.items():
                ratio = s10[name].wall / s10["promtool"].wall
                verdict = "ok" if ratio <= goal else "MISSED"
                failed += [f"{name} {ratio:.2f}× > {goal}×"] if ratio > goal else []
                print(f"goal at 10,000 alerts: {name:<8} ≤ {goal:.2f}× promtool: {ratio:.2f}×  {verdict}")
            peak = max(s10[name].rss for name in GOALS)
            failed += [f"peak memory {peak:.0f} MiB"] if peak > GOAL_MEMORY_MIB else []
            print(
                f"goal at 10,000 alerts: peak memory ≤ {GOAL_MEMORY_MIB} MiB: {peak:.0f} MiB  {'ok' if peak <= GOAL_MEMORY_MIB else 'MISSED'}"
            )
        if len(results) > 1:
            print()
            print("linearity: wall time per 1,000 alerts, relative to the smallest size")
            for name in ("validate", "render", "lint", "import", "promtool"):
                per = {n: s[name].wall / n for n, s in results.items()}
                first = per[sizes[0]]
                cells = "  ".join(f"{n:>6}: {1000 * p:6.3f} s ({p / first:4.2f})" for n, p in per.items())
                print(f"  {name:<9} {cells}")
        large = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "rules" / "prometheus__rules_large.yml"
        if large.is_file():
            corpus = Series([run([*callalert, "import", str(large), "--out", str(work / "large.yaml")]) for _ in range(3)])
            print(f"\ncallalert import of the corpus' 10,002-rule file: {corpus.wall:.3f} s wall, {corpus.rss:.0f} MiB peak")
        if args.check_alerts:
            print()
            n = args.check_alerts
            spec = work / f"spec-check-{n}.yaml"
            write_spec(n, spec)
            result = run([*callalert, "check", str(spec), "--out", str(work / "out-check")], keep_output=True)
            step = next((line for line in result.out.splitlines() if line.startswith("amtool template render")), "")
            every = re.search(rf"× {n} alerts × firing/resolved", step) is not None
            print(f"callalert check, {n} alerts: {result.wall:.1f} s wall, {result.cpu:.1f} s cpu (with its tools)")
            print(f"  {' '.join(step.split())}")
            ok = result.wall <= GOAL_CHECK_SECONDS and every
            failed += [] if ok else [f"check {result.wall:.1f} s (every alert rendered: {every})"]
            print(
                f"goal: check of {n} alerts ≤ {GOAL_CHECK_SECONDS} s with every alert rendered: "
                f"{result.wall:.1f} s, every alert: {'yes' if every else 'NO'}  {'ok' if ok else 'MISSED'}"
            )
        version = Series([run([*callalert, "--version"]) for _ in range(21)])
        ms = 1000 * version.wall
        failed += [f"--version {ms:.0f} ms"] if ms > GOAL_VERSION_MS else []
        print(
            f"goal: callalert --version ≤ {GOAL_VERSION_MS} ms: {ms:.0f} ms (median of 21)  {'ok' if ms <= GOAL_VERSION_MS else 'MISSED'}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{load()}; {time.perf_counter() - began:.0f} s in all")
    if failed:
        print("missed: " + "; ".join(failed))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
