"""`callalert import --verify` with the real promtool and amtool, over the whole corpus and import's
own fixtures: every file the tools accept imports and is proven equivalent; every file they reject
is refused with their verdict; the bundled spec survives render → import → render byte for byte.
Run with -s to see the numbers (files, rules, routes, label sets, renders, timings)."""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from callalert.importer import ImportOptions, ImportResult, run_import
from tests.conftest import CORPUS, EXAMPLE_SPEC, ROOT, CliResult, require_corpus, require_tool

pytestmark = pytest.mark.tools

FIXTURES = ROOT / "tests" / "fixtures" / "import"
CRDS = ROOT.parent / "shared" / "k8s" / "crds"

# The corpus files no released Prometheus or Alertmanager accepts (SOURCES.md says why).
REFUSED = {
    "rules/prometheus__features.yml",  # experimental PromQL no installed promtool can enable
    "rules-invalid/prometheus__bad-rules-syntax.yml",
    "rules-invalid/prometheus__rules-bad.yml",
    "alertmanager/alertmanager__route_labels.yml",  # route `labels`: unreleased (Alertmanager main)
    "templates/dingtalk__default.tmpl",  # functions only the dingtalk webhook defines
}
NOT_INPUTS = {"SOURCES.md"}


def _corpus_files() -> list[str]:
    if not CORPUS.is_dir():
        return ["(corpus missing)"]
    found = []
    for path in sorted(CORPUS.rglob("*")):
        if not path.is_file() or path.name in NOT_INPUTS:
            continue
        rel = path.relative_to(CORPUS).as_posix()
        if rel.startswith("rules-tests/") and "__" in path.name:
            continue  # promtool unit tests: not inputs of import (their rule files are)
        found.append(rel)
    return found


CORPUS_FILES = _corpus_files()
PROVEN: dict[str, dict[str, Any]] = {}


@pytest.fixture(autouse=True)
def _tools() -> None:
    """import asks promtool and amtool for their verdict and --verify proves with them: every test
    here needs both (a skip outside CI, a failure in CI)."""
    require_tool("promtool")
    require_tool("amtool")


def _import(paths: list[Path], tmp_path: Path, *extra: str, run_cli: Callable[..., CliResult]) -> CliResult:
    return run_cli(
        "import", *map(str, paths), "--out", str(tmp_path / "spec"), "--secrets-dir", str(tmp_path / "secrets"), *extra
    )


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_file_imports_proven_or_is_refused(name: str, tmp_path: Path, run_cli: Callable[..., CliResult]) -> None:
    require_corpus()
    path = CORPUS / name
    started = time.perf_counter()
    result = run_import([path], ImportOptions(secrets_dir=tmp_path / "secrets", verify=True))
    seconds = time.perf_counter() - started
    errors = [p for p in result.problems if p.level == "error"]
    if name in REFUSED or name.startswith("alertmanager-invalid/"):
        assert errors, f"{name}: the tools reject it, import must refuse it"
        assert all(p.rule in ("import-refused", "import-input") for p in errors), [p.format() for p in errors]
        assert any(
            ("promtool " in p.message or "amtool " in p.message)
            and ("rejects it" in p.message or "cannot" in p.message or ": yaml" in p.message or "unmarshal" in p.message)
            for p in errors
        ), [p.format() for p in errors]
        assert result.files == {} or not result.ok
        return
    assert errors == [], "\n".join(p.format() for p in errors)
    proof = result.proof
    assert proof is not None and proof.problems == [] and proof.fixed_point
    PROVEN[name] = {
        "rules": proof.rules,
        "groups": proof.groups,
        "routes": proof.routes,
        "label_sets": proof.label_sets,
        "amtool_label_sets": proof.amtool_label_sets,
        "renders": proof.template_renders,
        "seconds": seconds,
    }
    print(f"\n{name}: {proof.summary()}")


def test_corpus_totals() -> None:
    """Runs after the corpus tests in this module: how much was proven."""
    if len(PROVEN) < 20:
        pytest.skip(f"only {len(PROVEN)} corpus files were proven in this run (run the whole module)")
    total = {
        key: sum(int(v[key]) for v in PROVEN.values())
        for key in ("rules", "groups", "routes", "label_sets", "amtool_label_sets", "renders")
    }
    print(
        f"\ncorpus: {len(PROVEN)} files proven: {total['rules']} rules in {total['groups']} groups, {total['routes']} routes, "
        f"{total['label_sets']} label sets by the engine ({total['amtool_label_sets']} also by amtool), "
        f"{total['renders']} template renders; refused: {len(REFUSED) + sum(1 for n in CORPUS_FILES if n.startswith('alertmanager-invalid/'))}"
    )
    assert total["rules"] >= 10_000 and total["routes"] >= 20 and total["label_sets"] >= 5_000


@pytest.mark.timeout(300)  # a hang guard; the time itself is the benchmark's to measure (bench/bench.py)
def test_large_rule_file_imports() -> None:
    require_corpus()
    started = time.perf_counter()
    result = run_import([CORPUS / "rules" / "prometheus__rules_large.yml"], ImportOptions())
    seconds = time.perf_counter() - started
    assert result.ok, [p.format() for p in result.problems if p.level == "error"]
    assert result.counts["records"] == 10_002
    print(f"\nprometheus__rules_large.yml: 10002 recording rules imported in {seconds:.1f}s (promtool check included)")


def test_bundled_spec_survives_render_import_render_byte_for_byte(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    """The rendered rule files and alertmanager.yml are identical, their generated first line
    included: it names the spec file, so the import is written under the bundled spec's own name."""
    first = tmp_path / "first"
    assert run_cli("render", str(EXAMPLE_SPEC), "--out", str(first)).exit_code == 0
    imported = tmp_path / "imported" / EXAMPLE_SPEC.name
    result = run_cli("import", str(first), "--out", str(imported), "--verify")
    assert result.exit_code == 0, result
    assert "import of the render is a fixed point" in result.stderr
    second = tmp_path / "second"
    assert run_cli("render", str(imported), "--out", str(second)).exit_code == 0, result
    compared = sorted(p.relative_to(first).as_posix() for p in (first / "prometheus" / "rules").glob("*.yml"))
    compared.append("alertmanager/alertmanager.yml")
    for rel in compared:
        assert (second / rel).read_bytes() == (first / rel).read_bytes(), rel
    assert sorted(p.name for p in (second / "prometheus" / "rules").glob("*.yml")) == sorted(
        p.name for p in (first / "prometheus" / "rules").glob("*.yml")
    )
    # the built-in templates were recognised as such (locale es), not copied as files
    spec = yaml.safe_load(imported.read_text(encoding="utf-8"))
    assert (spec["locale"], spec["templates"]) == ("es", {"builtin": ["slack", "email", "pagerduty"]})


# --- import's own fixtures --------------------------------------------------------------------------


def _spec(tmp_path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((tmp_path / "spec" / "specs.yaml").read_text(encoding="utf-8"))
    return loaded


def test_prometheusrules_import_as_rule_files_of_their_own(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    result = _import([FIXTURES / "k8s" / "prometheusrules.yaml"], tmp_path, "--verify", run_cli=run_cli)
    assert result.exit_code == 0, result
    groups = _spec(tmp_path)["groups"]
    assert [(g["name"], g["file"]) for g in groups] == [("general", "shop-checkout"), ("general", "monitoring-platform")]
    assert [r.get("name") or r.get("record") for r in groups[0]["alerts_and_records"]] == [
        "CheckoutErrors",
        "job:http_requests:rate5m",
        "CheckoutSlow",
    ]


def test_alertmanager_secret_with_its_template(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    result = _import([FIXTURES / "k8s" / "alertmanager-secret.yaml"], tmp_path, "--verify", run_cli=run_cli)
    assert result.exit_code == 0, result
    spec = _spec(tmp_path)
    assert spec["templates"] == {"builtin": [], "files": ["templates/shop.tmpl"]}
    assert (tmp_path / "spec" / "templates" / "shop.tmpl").read_text(encoding="utf-8").startswith('{{ define "shop.title" }}')
    assert spec["global"]["slack_api_url"] == {"file": str(tmp_path / "secrets" / "global-slack_api_url")}
    assert "template renders identical" in result.stderr


def test_alertmanagerconfig_with_its_secret_and_alertmanager(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    result = _import([FIXTURES / "k8s" / "alertmanagerconfig.yaml"], tmp_path, "--verify", run_cli=run_cli)
    assert result.exit_code == 0, result
    spec = _spec(tmp_path)
    (top,) = spec["routing"]["routes"]
    assert (top["receiver"], top["continue"], top["matchers"]) == (
        "team-a/oncall/slack",
        True,
        ['severity=~"critical|warning"', 'namespace="team-a"'],
    )
    pager = spec["receivers"]["team-a/oncall/pager"]["pagerduty_configs"][0]
    secret_file = Path(pager["routing_key"]["file"])
    assert secret_file.read_text(encoding="utf-8") == "fedcba9876543210fedcba9876543210"  # from the Secret among the inputs
    # the Slack webhook's Secret was not given: named, not invented
    assert (
        "spec.receivers[0].slackConfigs[0].apiURL: the value is in key 'url' of the Kubernetes Secret team-a/slack-webhook"
        in result.stdout
    )


def test_helm_values_and_mimir_files(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    result = _import([FIXTURES / "helm" / "values.yaml"], tmp_path / "helm", "--verify", run_cli=run_cli)
    assert result.exit_code == 0, result
    spec = _spec(tmp_path / "helm")
    assert spec["groups"][0]["file"] == "node-rules"
    assert spec["templates"]["files"] == ["templates/mail.tmpl"]
    mimir = [FIXTURES / "mimir" / "ruler-namespace.yaml", FIXTURES / "mimir" / "alertmanager-tenant.yaml"]
    result = _import(mimir, tmp_path / "mimir", "--verify", run_cli=run_cli)
    assert result.exit_code == 0, result
    spec = _spec(tmp_path / "mimir")
    assert (spec["groups"][0]["name"], spec["groups"][0]["file"]) == (
        "payments-slo",
        "payments",
    )  # the namespace is the rule file
    assert spec["templates"]["files"] == ["templates/payments.tmpl"]


def _k8s_objects() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted((FIXTURES / "k8s").glob("*.yaml")):
        for obj in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if isinstance(obj, dict) and str(obj.get("apiVersion", "")).startswith("monitoring.coreos.com/"):
                found.append((f"{path.name}:{obj['kind']}/{obj['metadata']['name']}", obj))
    return found


@pytest.mark.parametrize(("name", "obj"), _k8s_objects(), ids=[n for n, _ in _k8s_objects()])
def test_kubernetes_fixtures_validate_against_the_operator_crds(name: str, obj: dict[str, Any]) -> None:
    """Import's Kubernetes inputs are what the API server would accept: each object validates
    against the openAPIV3Schema of the Prometheus Operator's CRD for its version."""
    jsonschema = pytest.importorskip("jsonschema")
    if not CRDS.is_dir():
        pytest.skip(f"{CRDS} is absent")
    kind = obj["kind"]
    crd_file = {
        "PrometheusRule": "prometheusrules",
        "AlertmanagerConfig": "alertmanagerconfigs",
        "Alertmanager": "alertmanagers",
    }[kind]
    crd = yaml.load((CRDS / f"monitoring.coreos.com_{crd_file}.yaml").read_text(encoding="utf-8"), Loader=_CRDLoader)
    version = obj["apiVersion"].split("/", 1)[1]
    (served,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
    schema = _python_patterns(served["schema"]["openAPIV3Schema"])
    # OpenAPI v3 schemas are JSON Schema with extensions (x-kubernetes-*) the validator ignores; the
    # schema itself is not checked against the metaschema (its Go regexes are not Python's)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(obj), key=lambda e: list(e.path))
    assert [f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors] == []


def _python_patterns(schema: Any) -> Any:
    """The CRDs' patterns are Go regexes; Python accepts `(?i)` only at the start of one."""
    if isinstance(schema, dict):
        out = {k: _python_patterns(v) for k, v in schema.items()}
        pattern = out.get("pattern")
        if isinstance(pattern, str) and "(?i)" in pattern[1:]:
            out["pattern"] = "(?i)" + pattern.replace("(?i)", "")
        return out
    if isinstance(schema, list):
        return [_python_patterns(v) for v in schema]
    return schema


class _CRDLoader(yaml.SafeLoader):
    """YAML 1.1 reads a bare `=` as the `value` type; the CRDs hold one as a plain string."""


_CRDLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


# --- secrets, losses, idempotence ---------------------------------------------------------------------

SECRET_VALUES = ("multiline\nmysecret", "http://mysecret.example.com/", "mysecret")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_secret_value_is_ever_printed(run_cli: Callable[..., CliResult], tmp_path: Path, fmt: str) -> None:
    require_corpus()
    source = CORPUS / "alertmanager" / "alertmanager__conf.good.yml"
    result = run_cli("import", str(source), "--verify", "--format", fmt)
    assert result.exit_code == 1  # the secrets must move first
    for value in SECRET_VALUES:
        assert value not in result.stdout and value not in result.stderr
    found = json.loads(result.stdout) if fmt == "json" else []
    if fmt == "json":
        assert sum(1 for f in found if f["rule"] == "import-secret") == 9
    result = _import([source], tmp_path, "--verify", run_cli=run_cli)
    assert result.exit_code == 0, result
    text = (tmp_path / "spec" / "specs.yaml").read_text(encoding="utf-8")
    for value in SECRET_VALUES:
        assert value not in result.stdout and value not in result.stderr and value not in text
    secrets = tmp_path / "secrets"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    files = sorted(secrets.iterdir())
    assert len(files) == 9 and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert (secrets / "global-smtp-auth_password").read_text(encoding="utf-8") == "multiline\nmysecret"


LOSSY = """\
namespace: payments
groups:
  - name: tenants
    source_tenants: [team-a, team-b]
    rules:
      - alert: Down
        expr: up == 0
"""


def test_loss_is_reported_and_allowed_only_on_request(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    source = tmp_path / "mimir-rules.yml"  # a Mimir ruler namespace: its group key source_tenants is Mimir's own
    source.write_text(LOSSY, encoding="utf-8")
    result = run_cli("import", str(source), "--out", str(tmp_path / "out.yaml"))
    assert result.exit_code == 1
    assert (
        f"{source}:4:5: error: groups[0].source_tenants: rule group key `source_tenants` is not Prometheus' (Mimir, "
        "Cortex or Thanos): the spec cannot express it [import-loss]\n"
    ) in result.stdout
    assert "nothing written" in result.stderr and not (tmp_path / "out.yaml").exists()
    result = run_cli("import", str(source), "--out", str(tmp_path / "out.yaml"), "--allow-loss", "--verify")
    assert result.exit_code == 0, result
    assert f"{source}:4:5: warning: groups[0].source_tenants:" in result.stdout
    assert (tmp_path / "out.yaml").is_file()


def test_import_is_idempotent_and_removes_what_it_no_longer_writes(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    require_corpus()
    sources = [
        CORPUS / "rules" / "kube-prometheus__node-exporter.yml",
        CORPUS / "alertmanager" / "kube-prometheus__alertmanager-secret.yml",
    ]
    out = tmp_path / "spec"
    for _ in range(2):
        assert run_cli("import", *map(str, sources), "--out", str(out), "--split", "group").exit_code == 0
    first = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert run_cli("import", *map(str, sources), "--out", str(out), "--split", "group").exit_code == 0
    again = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert again == first
    assert sorted(first) == [
        ".callalert-import",
        "groups/kube-prometheus__node-exporter--node-exporter.rules.yaml",
        "groups/kube-prometheus__node-exporter--node-exporter.yaml",
        "specs.yaml",
    ]
    assert run_cli("import", *map(str, sources), "--out", str(out)).exit_code == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [".callalert-import", "specs.yaml"]
    result = run_cli("validate", str(out / "specs.yaml"))
    assert result.exit_code == 0, result


def test_split_files_form_one_spec_that_verifies(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    require_corpus()
    sources = [CORPUS / "rules" / "kube-prometheus__node-exporter.yml", FIXTURES / "k8s" / "prometheusrules.yaml"]
    result = run_cli("import", *map(str, sources), "--out", str(tmp_path / "spec"), "--split", "team", "--verify")
    assert result.exit_code == 0, result
    assert sorted(p.name for p in (tmp_path / "spec" / "teams").iterdir()) == ["payments.yaml", "platform.yaml"]


# --- the proof is not vacuous ----------------------------------------------------------------------


def _tampered(result: ImportResult, change: Callable[[dict[str, Any]], None]) -> ImportResult:
    from callalert.importer.run import _files

    change(result.built.spec)
    result.files = _files(result.built, result.inputs, ImportOptions())
    return result


@pytest.mark.parametrize(
    ("what", "change", "expected"),
    [
        ("an expression", lambda s: s["groups"][0]["alerts"][0].update(expr="up == 1"), "changed: expr"),
        ("a label", lambda s: s["groups"][0]["alerts"][0].setdefault("labels", {}).update(extra="x"), "changed: labels"),
        ("a receiver", lambda s: s["routing"]["routes"][0].update(receiver="Default"), "routes differently"),
        ("a continue", lambda s: s["routing"]["routes"][0].update({"continue": True}), "routes differently"),
        ("a timing", lambda s: s["routing"]["routes"][0].update(group_wait="1m"), "routes differently"),
        ("an inhibit rule", lambda s: s["inhibit_rules"][0].update(equal=["namespace"]), "inhibit rules differ"),
    ],
)
def test_verify_finds_every_kind_of_difference(
    tmp_path: Path, what: str, change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    require_corpus()
    from callalert.importer.verify import verify

    sources = [
        CORPUS / "rules" / "kube-prometheus__alertmanager.yml",
        CORPUS / "alertmanager" / "kube-prometheus__alertmanager-secret.yml",
    ]
    result = run_import(sources, ImportOptions())
    assert result.ok
    proof = verify(_tampered(result, change), ImportOptions(), tmp_path, run_import)
    messages = [p.message for p in proof.problems]
    assert any(expected in m for m in messages), (what, messages)


PROM3_GROUP = """\
groups:
  - name: late
    query_offset: 1m
    labels:
      team: payments
      "service.name": checkout
    rules:
      - alert: LateDown
        expr: up == 0
        for: 5m
        labels: {severity: critical}
"""


def test_group_query_offset_and_utf8_labels_need_prometheus_3(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    """Group `labels` (3.0) with a UTF-8 name and `query_offset` (2.53): only promtool 3.5 accepts
    the file, so the spec targets it, and carries both keys."""
    source = tmp_path / "late.yml"
    source.write_text(PROM3_GROUP, encoding="utf-8")
    result = run_cli("import", str(source), "--out", str(tmp_path / "spec" / "specs.yaml"), "--verify")
    assert result.exit_code == 0, result
    spec = _spec(tmp_path)
    group = spec["groups"][0]
    assert (group["query_offset"], group["labels"]) == ("1m", {"service.name": "checkout", "team": "payments"})
    assert "promtool 3.5" in result.stderr and "import of the render is a fixed point" in result.stderr


def test_rule_files_checked_together_get_each_the_verdict_they_get_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """import asks each promtool about every undecided rule file in one run, and one by one only
    when that run fails: on every promtool installed, each file's verdict (the oldest tool that
    accepts it, or the newest one's problems) is the one it gets checked alone, for valid, invalid
    and newer-Prometheus-only files mixed; and files every tool accepts cost one run per core."""
    require_corpus()
    from callalert.importer import tools
    from callalert.importer.read import read_inputs
    from callalert.parallel import usable_cores

    late = tmp_path / "late.yml"
    late.write_text(PROM3_GROUP, encoding="utf-8")
    paths = [*sorted((CORPUS / "rules").glob("*.yml")), *sorted((CORPUS / "rules-invalid").glob("*.yml")), late]
    sources = read_inputs(paths).rules
    assert len(sources) == len(paths)
    promtools = tools.tools("promtool")
    runs: list[int] = []
    real = tools.run_tool

    def counted(argv: list[str], **kw: Any) -> Any:
        runs.append(len(argv) - 3)  # the files of this run
        return real(argv, **kw)

    monkeypatch.setattr(tools, "run_tool", counted)
    together = tools.check_rules(sources, promtools, tmp_path)
    cores = usable_cores()
    assert sum(runs[: min(cores, len(sources))]) == len(sources)  # the first runs had them all, one run per core
    runs.clear()
    alone = [tools.check_rules([source], promtools, tmp_path)[0] for source in sources]
    assert set(runs) == {1}
    for source, one, other in zip(sources, together, alone, strict=True):
        assert one.accepted_by == other.accepted_by, source.label
        assert [p.format() for p in one.problems] == [p.format() for p in other.problems], source.label
    refused = sorted(Path(s.label).name for s, v in zip(sources, together, strict=True) if v.accepted_by is None)
    newest_is_3 = promtools[-1].version.major >= 3  # the late file needs Prometheus 3 (its own test says why)
    expected = ["prometheus__bad-rules-syntax.yml", "prometheus__features.yml", "prometheus__rules-bad.yml"]
    assert refused == (expected if newest_is_3 else sorted([*expected, "late.yml"]))
    assert all(v.problems for v in together if v.accepted_by is None)
    late = together[-1].accepted_by
    assert (late is not None and late.version.major >= 3) if newest_is_3 else late is None
    valid = [s for s, v in zip(sources, together, strict=True) if v.accepted_by is promtools[0]]
    runs.clear()
    assert [v.accepted_by for v in tools.check_rules(valid, promtools, tmp_path)] == [promtools[0]] * len(valid)
    assert sum(runs) == len(valid) and len(runs) == min(cores, len(valid))  # one run per core for all of them


def test_an_unreadable_import_list_is_reported_not_a_crash(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    """The folder's list of what the last import wrote (.callalert-import): not UTF-8, the import
    goes on, removes nothing it cannot prove it wrote, says so and writes a new list; a directory
    in its place is a usage error before anything is written."""
    require_corpus()
    source = CORPUS / "rules" / "kube-prometheus__node-exporter.yml"
    out = tmp_path / "spec"
    out.mkdir()
    kept = out / "mine.txt"
    kept.write_text("not import's\n", encoding="utf-8")
    (out / ".callalert-import").write_bytes(b"\xff\xfemine.txt\n")
    result = run_cli("import", str(source), "--out", str(out))
    assert result.exit_code == 0, result
    assert f"note: cannot read {out / '.callalert-import'}: not UTF-8 text" in result.stderr
    assert kept.is_file() and (out / ".callalert-import").read_text(encoding="utf-8") == "specs.yaml\n"

    other = tmp_path / "other"
    (other / ".callalert-import").mkdir(parents=True)
    result = run_cli("import", str(source), "--out", str(other))
    assert result.exit_code == 2, result
    assert f"cannot read {other / '.callalert-import'}: it is a directory" in result.stderr
    assert sorted(p.name for p in other.iterdir()) == [".callalert-import"]


def test_imports_into_two_files_of_one_folder_keep_both(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    """`--out DIR/a.yaml` then `--out DIR/b.yaml`: the second import must not take the first one's
    file for its own stale output (each spec file written into a folder has its own list of what it
    wrote); importing into the same file again still removes what it no longer writes."""
    require_corpus()
    first, second = (
        CORPUS / "rules" / "kube-prometheus__node-exporter.yml",
        CORPUS / "rules" / "kube-prometheus__alertmanager.yml",
    )
    folder = tmp_path / "specs"
    assert run_cli("import", str(first), "--out", str(folder / "a.yaml")).exit_code == 0
    written = (folder / "a.yaml").read_bytes()
    assert run_cli("import", str(second), "--out", str(folder / "b.yaml")).exit_code == 0
    assert (folder / "a.yaml").read_bytes() == written and (folder / "b.yaml").is_file()
    stale = folder / "templates" / "old.tmpl"
    stale.parent.mkdir()
    stale.write_text('{{ define "old" }}{{ end }}', encoding="utf-8")
    marker = folder / ".a.yaml.callalert-import"
    marker.write_text(marker.read_text(encoding="utf-8") + "templates/old.tmpl\n", encoding="utf-8")
    assert run_cli("import", str(first), "--out", str(folder / "a.yaml")).exit_code == 0
    assert not stale.exists() and (folder / "b.yaml").is_file() and (folder / "a.yaml").read_bytes() == written
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == [
        ".a.yaml.callalert-import",
        ".b.yaml.callalert-import",
        "a.yaml",
        "b.yaml",
    ]
