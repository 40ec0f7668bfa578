"""Benchmark: validate and render specs of 1,000 and 10,000 alerts, against promtool; import the
rendered files back (and the corpus' 10,002-rule file when ../shared/corpus is there).

Prints wall time and peak memory (max RSS) of each step, and for 10,000 alerts the ratio of
`callalert validate` to `promtool check rules` on the same rendered rules (target: ≤ 3×).
Usage: python bench/bench.py [--sizes 1000,10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
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


def run(cmd: list[str], repeat: int) -> tuple[float, float]:
    """Best wall time over `repeat` runs, and peak RSS (MiB) of the children."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run(cmd, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{result.stdout}\n{result.stderr}")
        best = min(best, elapsed)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return best, peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    callalert = [sys.executable, "-m", "callalert"]
    promtool = shutil.which("promtool")
    work = Path(tempfile.mkdtemp(prefix="callalert-bench-"))
    print(f"{'alerts':>7} {'step':<28} {'wall s':>8} {'max RSS MiB':>12}")
    try:
        for n in (int(s) for s in args.sizes.split(",")):
            spec = work / f"spec-{n}.yaml"
            spec.write_text(yaml.safe_dump(make_spec(n), sort_keys=False))
            out = work / f"out-{n}"
            rows = []
            t, m = run([*callalert, "validate", str(spec)], args.repeat)
            rows.append(("callalert validate", t, m))
            validate_t = t
            t, m = run([*callalert, "render", str(spec), "--out", str(out)], args.repeat)
            rows.append(("callalert render", t, m))
            t, m = run([*callalert, "--version"], args.repeat)
            rows.append(("callalert --version", t, m))
            t, m = run([*callalert, "import", str(out), "--out", str(work / f"imported-{n}.yaml"), "--allow-loss"], args.repeat)
            rows.append(("callalert import (rendered)", t, m))
            rules = sorted(str(p) for p in (out / "prometheus/rules").glob("*.yml"))
            if promtool:
                t, m = run([promtool, "check", "rules", *rules], args.repeat)
                rows.append(("promtool check rules", t, m))
                rows.append(("ratio validate/promtool", validate_t / t, 0.0))
            for step, t, m in rows:
                mem = f"{m:12.0f}" if m else " " * 12
                print(f"{n:>7} {step:<28} {t:8.3f} {mem}")
            if not promtool:
                print("promtool not found: install prometheus (make tools) for the comparison")
        large = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "rules" / "prometheus__rules_large.yml"
        if large.is_file():
            t, m = run([*callalert, "import", str(large), "--out", str(work / "large.yaml")], args.repeat)
            print(f"{10002:>7} {'callalert import (corpus)':<28} {t:8.3f} {m:12.0f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("note: max RSS is the peak over all child processes so far (getrusage), not per step")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
