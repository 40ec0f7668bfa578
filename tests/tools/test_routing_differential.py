"""callalert.routing against the real `amtool config routes test` of every installed toolchain.

For every corpus alertmanager.yml that the amtool under test accepts, label sets are derived from
the config's own matchers (hit, just miss, absent, sibling combinations, seeded random mixes) and
`receivers_for` must print exactly what that amtool prints. A config an amtool rejects is skipped
for that amtool with the amtool's own message. Run with -s to see the pair counts.
"""

from __future__ import annotations

import random
import re
import subprocess
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from itertools import product
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from callalert.analysis.alertmanager.inhibit import build_inhibit_rules
from callalert.analysis.alertmanager.matchers import Matcher, validate_regex
from callalert.analysis.alertmanager.routing import Route, build_route_tree, receivers_for
from callalert.analysis.versions import Version
from callalert.importer.labelsets import matcher_candidates as near_values
from callalert.toolchain import split_log
from tests.conftest import require_in

if TYPE_CHECKING:
    from callalert.toolchain import Tool, Toolchain

pytestmark = pytest.mark.tools

CORPUS_AM = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "alertmanager"
CORPUS_FILES = sorted(p.name for p in CORPUS_AM.glob("*.yml")) or ["(corpus missing)"]

# Top-level parts that only newer Alertmanagers know and that play no part in routing: removing
# them lets an older amtool route the rest of a config it rejects (used only when it does).
ROUTING_NEUTRAL_FIXUPS: dict[str, list[tuple[str, ...]]] = {
    "alertmanager__simple.yml": [("tracing",)],
    "prometheus-operator__valid_global_config.yml": [("global", "smtp_tls_config")],
}
GENERIC_LABELS = {
    "alertname": {"", "Watchdog", "InfoInhibitor", "x"},
    "severity": {"critical", "warning", "info", "none"},
    "odd": {'a "quoted", value', "back\\slash\\", "new\nline", " padded "},
}
MIN_PAIRS_PER_FILE = 35
MIN_PAIRS_TOTAL = 800
PAIRS: dict[tuple[str, str], int] = {}  # (toolchain, corpus file) -> label sets compared
WORKERS = 4


def amtool_of(toolchain: Toolchain | None) -> Tool:
    return require_in(toolchain, "amtool")


def amtool_args(amtool: str, config_file: Path, labels: Mapping[str, str]) -> list[str]:
    # str(Matcher) quotes and escapes the value the way amtool's parser reads it back
    return [
        amtool,
        "config",
        "routes",
        "test",
        f"--config.file={config_file}",
        *(str(Matcher(k, "=", v)) for k, v in labels.items()),
    ]


def amtool_route(amtool: str, config_file: Path, labels: Mapping[str, str]) -> str:
    proc = subprocess.run(amtool_args(amtool, config_file, labels), capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise AssertionError(f"amtool failed for {dict(labels)}: rc={proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    # amtool ≥ 0.28 logs matcher warnings on stdout: the receivers are what remains
    return split_log(proc.stdout)[0].removesuffix("\n")


def compare_all(amtool: str, config_file: Path, root: Route, label_sets: list[dict[str, str]]) -> list[str]:
    with ThreadPoolExecutor(WORKERS) as pool:
        theirs = list(pool.map(lambda ls: amtool_route(amtool, config_file, ls), label_sets))
    problems = []
    for labels, expected in zip(label_sets, theirs, strict=True):
        ours = ",".join(receivers_for(root, labels))
        if ours != expected:
            problems.append(f"{labels}: callalert {ours!r} != amtool {expected!r}")
    return problems


def amtool_check(amtool: str, path: Path) -> tuple[bool, str]:
    proc = subprocess.run([amtool, "check-config", str(path)], capture_output=True, text=True, timeout=60)
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


# ------------------------------------------------------------------ label set derivation


def matcher_candidates(m: Matcher) -> set[str]:
    """The values import's label-set generator tries near a matcher, and "" (an absent label) too."""
    return near_values(m) | {""}


def satisfy(matchers: Iterable[Matcher], pool: Mapping[str, set[str]]) -> dict[str, str] | None:
    """A label set that satisfies all matchers, choosing values from the candidate pool."""
    labels: dict[str, str] = {}
    by_name: dict[str, list[Matcher]] = {}
    for m in matchers:
        by_name.setdefault(m.name, []).append(m)
    for name, ms in by_name.items():
        for value in sorted(pool.get(name, set())):
            if all(m.matches_value(value) for m in ms):
                labels[name] = value
                break
        else:
            return None
    return {k: v for k, v in labels.items() if v != ""}  # "" is the same as absent


def derive_label_sets(root: Route, seed: int = 0, random_sets: int = 40, extra: Iterable[Matcher] = ()) -> list[dict[str, str]]:
    routes = list(root.walk())
    pool: dict[str, set[str]] = {}
    for m in [*(m for r in routes for m in r.matchers), *extra]:
        pool.setdefault(m.name, set()).update(matcher_candidates(m))
    for route in routes:  # labels the tree groups by, with values that no matcher mentions
        for name in route.group_by:
            if name != "...":
                pool.setdefault(name, set()).update({"x", 'q"u,o\\te'})
    for name, values in GENERIC_LABELS.items():  # what real alerts carry, matched by the tree or not
        pool.setdefault(name, set()).update(values)
    sets: list[dict[str, str]] = [{}]
    # each candidate value alone
    for name, values in sorted(pool.items()):
        sets.extend({name: v} for v in sorted(values))
    hits: list[dict[str, str]] = []
    for route in routes:
        hit = satisfy(route.path_matchers(), pool)
        if hit is None:
            continue
        hits.append(hit)
        sets.append(hit)
        # just miss each matcher of the route: another candidate that fails it, and the label absent
        for m in route.matchers:
            for value in sorted(pool[m.name]):
                if not m.matches_value(value):
                    sets.append({**hit, m.name: value})
                    break
            sets.append({k: v for k, v in hit.items() if k != m.name})
    # any two routes' label sets combined, both ways round (continue and first-match order matter)
    for i, a in enumerate(hits):
        for b in hits[i + 1 :]:
            sets.append({**a, **b})
            sets.append({**b, **a})
    rng = random.Random(seed)
    for _ in range(random_sets if len(hits) > 2 else 0):
        merged: dict[str, str] = {}
        for h in rng.sample(hits, k=3):
            merged.update(h)
        sets.append(merged)
    # seeded random mixes of everything
    names = sorted(pool)
    for _ in range(random_sets + 10 * len(routes) if names else 0):
        picked = rng.sample(names, k=min(len(names), rng.randint(1, 4)))
        sets.append({n: rng.choice(sorted(pool[n])) for n in picked})
    unique: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    for s in sets:
        unique.setdefault(tuple(sorted(s.items())), s)
    return list(unique.values())


# ------------------------------------------------------------------ corpus


def _drop(config: dict[str, Any], key_path: tuple[str, ...]) -> None:
    node: Any = config
    for key in key_path[:-1]:
        node = node.get(key, {})
    node.pop(key_path[-1], None)


def first_failure(output: str) -> str:
    """amtool's own reason: the FAILED line and what follows it (yaml errors come on the next line)."""
    lines = [line.strip() for line in split_log(output)[0].splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if "FAILED" in line:
            reason = line.split("FAILED:", 1)[-1].strip()
            return f"{reason} {lines[i + 1]}" if reason.endswith(":") and i + 1 < len(lines) else reason
    return lines[0] if lines else "(no output)"


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_config_routes_like_amtool(name: str, toolchain: Toolchain | None, corpus: Path, tmp_path: Path) -> None:
    tool = amtool_of(toolchain)
    amtool = tool.path
    path = corpus / "alertmanager" / name
    ok, output = amtool_check(amtool, path)
    if not ok:
        fixups = ROUTING_NEUTRAL_FIXUPS.get(name)
        if fixups is None:
            pytest.skip(f"amtool {tool.version} rejects {name}: {first_failure(output)}")
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key_path in fixups:
            _drop(config, key_path)
        path = tmp_path / name
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        ok, output = amtool_check(amtool, path)
        assert ok, f"{name} is still rejected by amtool {tool.version} after removing {fixups}: {output}"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    root = build_route_tree(config, tool.version)
    inhibit_matchers = [
        m for rule in build_inhibit_rules(config.get("inhibit_rules"), tool.version) for m in (*rule.source, *rule.target)
    ]
    label_sets = derive_label_sets(root, seed=len(name), extra=inhibit_matchers)
    started = time.monotonic()
    problems = compare_all(amtool, path, root, label_sets)
    PAIRS[(tool.origin, name)] = len(label_sets)
    print(f"\n{name}: {len(label_sets)} label sets compared with amtool {tool.version} in {time.monotonic() - started:.1f}s")
    assert problems == []
    assert len(label_sets) >= MIN_PAIRS_PER_FILE


def test_corpus_pair_total(toolchain: Toolchain | None) -> None:
    """Runs after the corpus tests in this module: the total number of (config, label set) pairs per amtool."""
    tool = amtool_of(toolchain)
    pairs = {name: n for (origin, name), n in PAIRS.items() if origin == tool.origin}
    if len(pairs) < 9:
        pytest.skip(
            f"only {len(pairs)} corpus configs were compared with amtool {tool.version} in this run (run the whole module)"
        )
    total = sum(pairs.values())
    print(f"\ncorpus total: {total} (config, label set) pairs compared with amtool {tool.version} over {len(pairs)} configs")
    assert total >= MIN_PAIRS_TOTAL


# ------------------------------------------------------------------ the seed's tree

SEED_CONFIG: dict[str, Any] = {
    "global": {"resolve_timeout": "5m", "smtp_smarthost": "smtp.example.invalid:587", "smtp_from": "am@example.invalid"},
    "route": {
        "receiver": "default",
        "group_by": ["alertname", "category"],
        "group_wait": "30s",
        "group_interval": "5m",
        "repeat_interval": "4h",
        "routes": [
            {"match": {"severity": "critical"}, "receiver": "pagerduty", "continue": True},
            {"match": {"severity": "critical"}, "receiver": "slack-critical", "continue": True},
            {"match": {"severity": "warning"}, "receiver": "slack-warnings", "continue": True},
            {"match_re": {"category": "availability|errors"}, "receiver": "email"},
        ],
    },
    "receivers": [
        {"name": "default", "webhook_configs": [{"url": "http://127.0.0.1:9/default"}]},
        {"name": "slack-critical", "webhook_configs": [{"url": "http://127.0.0.1:9/slack-critical"}]},
        {"name": "slack-warnings", "webhook_configs": [{"url": "http://127.0.0.1:9/slack-warnings"}]},
        {"name": "email", "email_configs": [{"to": "alerts@example.invalid"}]},
        {"name": "pagerduty", "pagerduty_configs": [{"service_key": "placeholder-not-a-secret"}]},
    ],
    "inhibit_rules": [
        {"source_match": {"severity": "critical"}, "target_match": {"severity": "warning"}, "equal": ["alertname"]}
    ],
}
SEVERITIES = ["critical", "warning", "info"]
CATEGORIES = ["performance", "quality", "errors", "resources", "availability"]
SEED_EXPECTED = {
    ("critical", "errors"): "pagerduty,slack-critical,email",
    ("critical", "performance"): "pagerduty,slack-critical",
    ("warning", "availability"): "slack-warnings,email",
    ("warning", "quality"): "slack-warnings",
    ("info", "errors"): "email",
    ("info", "resources"): "default",
}


def test_seed_tree_every_severity_and_category(toolchain: Toolchain | None, tmp_path: Path) -> None:
    tool = amtool_of(toolchain)
    amtool = tool.path
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(SEED_CONFIG, sort_keys=False), encoding="utf-8")
    ok, output = amtool_check(amtool, path)
    assert ok, output
    root = build_route_tree(SEED_CONFIG, tool.version)
    label_sets = [
        {k: v for k, v in (("alertname", "X"), ("severity", sev), ("category", cat)) if v is not None}
        for sev, cat in product([*SEVERITIES, None], [*CATEGORIES, None])
    ]
    assert compare_all(amtool, path, root, label_sets) == []
    for (sev, cat), expected in SEED_EXPECTED.items():
        assert ",".join(receivers_for(root, {"severity": sev, "category": cat})) == expected
    print(f"\nseed tree: {len(label_sets)} label sets compared with amtool")


# ------------------------------------------------------------------ regex and quoting semantics

SEMANTICS_ROUTES = [
    ("digit", "\\d+"),
    ("word", "\\w+"),
    ("dollar", "x$"),
    ("dot", "x.y"),
    ("dotall", "(?s)x.y"),
    ("icase", "(?i)abc"),
    ("quoted", "\\Qa.b\\E"),
    ("posix", "[[:alpha:]]+"),
    ("unicode", "\\pL+"),
    ("splice", "x)|(y"),
    ("alt", "a|b"),
    ("ungreedy", "(?U)a+b"),
    ("empty", ""),
    ("bound", "\\bab"),
]
SEMANTICS_VALUES = [
    "",
    "x",
    "ab",
    "abc",
    "ABC",
    "a.b",
    "axb",
    "x\ny",
    "x\n",
    "123",
    "\u0663",
    "é",
    "xzzz",
    "zzy",
    "aab",
    'q"uote',
    "back\\slash",
    "com,ma",
    " spaced ",
    "a b",
    "\\n",
]


def test_regex_and_quoting_semantics_like_amtool(toolchain: Toolchain | None, tmp_path: Path) -> None:
    tool = amtool_of(toolchain)
    amtool = tool.path
    config = {
        "route": {
            "receiver": "default",
            "routes": [
                {"matchers": [str(Matcher("v", "=~", p))], "receiver": name, "continue": True} for name, p in SEMANTICS_ROUTES
            ]
            + [
                {"matchers": [str(Matcher("v", "=", v))], "receiver": f"eq{i}", "continue": True}
                for i, v in enumerate(SEMANTICS_VALUES)
                if v
            ],
        },
        "receivers": [{"name": "default"}]
        + [{"name": n} for n, _ in SEMANTICS_ROUTES]
        + [{"name": f"eq{i}"} for i, v in enumerate(SEMANTICS_VALUES) if v],
    }
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    ok, output = amtool_check(amtool, path)
    assert ok, output
    root = build_route_tree(yaml.safe_load(path.read_text(encoding="utf-8")), tool.version)
    label_sets = [{"v": v} for v in SEMANTICS_VALUES] + [{}]
    assert compare_all(amtool, path, root, label_sets) == []
    # spot checks that would differ with Python's re
    assert receivers_for(root, {"v": "\u0663"}) == ["eq10"]  # \d is ASCII-only in RE2
    assert receivers_for(root, {"v": "é"}) == ["unicode", "eq11"]  # \w and [[:alpha:]] are ASCII-only
    # x$ must not match "x\n" (Python re would); the spliced x)|(y matches any "x..." prefix
    assert receivers_for(root, {"v": "x\n"}) == ["splice", "eq8"]


REGEXES = [
    "a|b",
    "(?=x)",
    "(?<=x)",
    "(?<n>a)",
    "(?P<n>a)",
    "\\C",
    "\\Z",
    "\\z",
    "a*+",
    "(a)\\1",
    "a{1001}",
    "(",
    ")",
    "[a",
    "*",
    "x{2,1}",
    "(?P<>a)",
    "[z-a]",
    "\\pX",
    "(?x) a",
    "\\e",
    "\\Qa.b\\E",
    "[[:alpha:]]",
    "(?U)a+",
    "\\8",
    "\\0",
]


def test_validate_regex_agrees_with_amtool_check_config(toolchain: Toolchain | None, tmp_path: Path) -> None:
    """`match_re` values (the classic parser's regexes) as the Go that built this amtool reads them."""
    tool = amtool_of(toolchain)
    amtool = tool.path
    assert tool.go is not None
    go = Version.parse(tool.go)

    def check(i_pattern: tuple[int, str]) -> tuple[str, bool, str]:
        i, pattern = i_pattern
        path = tmp_path / f"re{i}.yml"
        path.write_text(
            yaml.safe_dump({"route": {"receiver": "d", "routes": [{"match_re": {"a": pattern}}]}, "receivers": [{"name": "d"}]})
        )
        ok, output = amtool_check(amtool, path)
        found = re.search(r"FAILED: (.*)", output)
        return pattern, ok, found.group(1) if found else ""

    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(check, enumerate(REGEXES)))
    mismatches = [
        (p, ok, msg, validate_regex(p, go))
        for p, ok, msg in results
        if (validate_regex(p, go) is None) != ok or (not ok and validate_regex(p, go) != msg)
    ]
    assert mismatches == [], f"amtool {tool.version} (Go {go})"
