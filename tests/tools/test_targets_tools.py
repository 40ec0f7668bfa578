"""Every output target against the real tools of every installed toolchain (at or above the spec's
targets): the rules of each target pass `promtool check rules`; the Alertmanager configuration
inside each (the Operator's configuration Secret, the configuration the Operator assembles from
AlertmanagerConfig objects with its namespace matchers, Mimir's tenant configuration in both of
its shapes) passes `amtool check-config` with its templates; and `amtool config routes test`
routes the assembled configuration like the plain one.
"""

from __future__ import annotations

import glob
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from callalert.analysis.alertmanager.matchers import Matcher
from callalert.analysis.alertmanager.routing import build_route_tree
from callalert.analysis.versions import Version
from callalert.pipeline import Rendered, render
from callalert.render import RenderContext
from tests.conftest import EXAMPLE_SPEC, ROOT, require_in
from tests.k8s import base_name, load_objects, operator_config
from tests.tools.test_routing_differential import derive_label_sets

if TYPE_CHECKING:
    from callalert.toolchain import Toolchain

pytestmark = pytest.mark.tools

TEAMS = ROOT / "tests/golden/cases/teams-targets"
TEAMS_ENV: dict[str, str] = yaml.safe_load((TEAMS / "env.yaml").read_text(encoding="utf-8"))
ALL = ["prometheus", "kubernetes", "mimir", "thanos"]
CONFIG_DIR = "/etc/alertmanager/config/"


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _strategy_none(tmp: Path) -> Path:
    overlay = tmp / "none.yaml"
    spec = yaml.safe_load((TEAMS / "spec.yaml").read_text(encoding="utf-8"))
    outputs = spec["outputs"]
    k8s = next(o for o in outputs if isinstance(o, dict) and o.get("target") == "kubernetes")
    k8s["alertmanager"]["matcher_strategy"] = "None"
    k8s["alertmanager"]["namespaces"]["platform"] = "platform"
    overlay.write_text(yaml.safe_dump({"outputs": outputs}), encoding="utf-8")
    return overlay


@pytest.fixture(scope="module")
def rendered_cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    tmp = tmp_path_factory.mktemp("targets")
    return {
        "bundled": render(
            [EXAMPLE_SPEC], overlays=[ROOT / "tests/golden/cases/call-automation-targets/overlay.yaml"], targets=ALL
        ),
        "teams": render([TEAMS / "spec.yaml"], ctx=RenderContext(secrets="env", environ=TEAMS_ENV)),
        "team-routing": render(
            [ROOT / "tests/golden/cases/team-routing/spec.yaml"],
            overlays=[ROOT / "tests/golden/cases/team-routing-targets/overlay.yaml"],
            targets=ALL,
        ),
        "teams, strategy None": render(
            [TEAMS / "spec.yaml"], ctx=RenderContext(secrets="env", environ=TEAMS_ENV), overlays=[_strategy_none(tmp)]
        ),
    }


@pytest.fixture(scope="module")
def cases(rendered_cases: dict[str, Rendered]) -> dict[str, dict[str, str]]:
    return {name: r.files for name, r in rendered_cases.items()}


def tool_for(toolchain: Toolchain | None, kind: str, rendered: Rendered) -> str:
    """`kind` of the toolchain under test, when it is at or above the spec's target (the spec is not for older ones)."""
    tool = require_in(toolchain, kind)
    target = Version.parse(rendered.model.prom_version if kind == "promtool" else rendered.model.am_version)
    if tool.version < target:
        pytest.skip(f"{kind} {tool.version.short} is older than the spec's target {target.short}")
    return tool.path


def rule_files(files: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Every target's rule groups as a Prometheus rule file: PrometheusRule objects, Mimir namespaces
    and Thanos files as Prometheus reads their groups (Thanos' partial_response_strategy is its own;
    the Operator drops it for Prometheus)."""
    out: dict[str, dict[str, Any]] = {}
    for rel, text in files.items():
        data = yaml.safe_load(text) if rel.endswith((".yml", ".yaml")) else None
        if rel.startswith("prometheus/rules/"):
            out[rel] = data
        elif rel.startswith("kubernetes/rules/"):
            out[rel] = {"groups": data["spec"]["groups"]}
        elif rel.startswith("mimir/rules/"):
            out[rel] = {"groups": data["groups"]}
        elif rel.startswith("thanos/rules/"):
            out[rel] = data
        else:
            continue
        for group in out[rel]["groups"]:
            group.pop("partial_response_strategy", None)
    return out


@pytest.mark.parametrize("case", ["bundled", "teams", "team-routing"])
def test_every_targets_rules_pass_promtool(
    case: str, cases: dict[str, dict[str, str]], rendered_cases: dict[str, Rendered], toolchain: Toolchain | None, tmp_path: Path
) -> None:
    promtool = tool_for(toolchain, "promtool", rendered_cases[case])
    files = rule_files(cases[case])
    assert {rel.split("/")[0] for rel in files} == {"prometheus", "kubernetes", "mimir", "thanos"}
    paths = []
    for i, (rel, data) in enumerate(sorted(files.items())):
        path = tmp_path / f"{i:02d}-{rel.replace('/', '_')}"
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        paths.append(str(path))
    result = _run([promtool, "check", "rules", *paths])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(paths)


def test_promtool_refuses_what_only_thanos_reads(
    cases: dict[str, dict[str, str]], rendered_cases: dict[str, Rendered], toolchain: Toolchain | None, tmp_path: Path
) -> None:
    """Why the thanos target is a target of its own: its group option is no Prometheus one."""
    promtool = tool_for(toolchain, "promtool", rendered_cases["teams"])
    path = tmp_path / "search.yml"
    path.write_text(cases["teams"]["thanos/rules/shop.search.yml"], encoding="utf-8")
    result = _run([promtool, "check", "rules", str(path)])
    assert result.returncode == 1
    assert "partial_response_strategy" in result.stdout + result.stderr


def _write_config(folder: Path, config_text: str, templates: dict[str, str]) -> Path:
    """A configuration and its templates in `folder`, the templates where the configuration names them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in templates.items():
        (folder / name).write_text(text, encoding="utf-8")
    path = folder / "alertmanager.yml"
    path.write_text(config_text.replace(CONFIG_DIR, f"{folder}/"), encoding="utf-8")
    return path


def alertmanager_configs(files: dict[str, str], tmp: Path) -> dict[str, tuple[Path, int]]:
    """Each target's Alertmanager configuration as a file amtool can read, with its number of templates."""
    out: dict[str, tuple[Path, int]] = {}
    objects = load_objects(files, "kubernetes/alertmanager/")
    secret = next(o for o in objects.values() if o["kind"] == "Secret")
    templates = {k: v for k, v in secret["stringData"].items() if k.endswith(".tmpl")}
    out["kubernetes: configuration Secret"] = (
        _write_config(tmp / "secret", secret["stringData"]["alertmanager.yaml"], templates),
        len(templates),
    )
    assembled = yaml.safe_dump(operator_config(objects), sort_keys=False, allow_unicode=True)
    out["kubernetes: the Operator's assembled configuration"] = (
        _write_config(tmp / "operator", assembled, templates),
        len(templates),
    )
    if "mimir/alertmanager-tenant.yaml" in files:
        tenant = yaml.safe_load(files["mimir/alertmanager-tenant.yaml"])
        out["mimir: tenant configuration (API)"] = (
            _write_config(tmp / "tenant", tenant["alertmanager_config"], tenant["template_files"]),
            len(tenant["template_files"]),
        )
        plain = {rel.rsplit("/", 1)[1]: text for rel, text in files.items() if rel.startswith("mimir/alertmanager/")}
        config = plain.pop("alertmanager.yml")
        out["mimir: tenant configuration (mimirtool)"] = (_write_config(tmp / "mimirtool", config, plain), len(plain))
    return out


@pytest.mark.parametrize("case", ["bundled", "teams", "teams, strategy None", "team-routing"])
def test_every_targets_alertmanager_configuration_passes_amtool(
    case: str, cases: dict[str, dict[str, str]], rendered_cases: dict[str, Rendered], toolchain: Toolchain | None, tmp_path: Path
) -> None:
    amtool = tool_for(toolchain, "amtool", rendered_cases[case])
    configs = alertmanager_configs(cases[case], tmp_path)
    expected = 4 if case.startswith("teams") else 2
    assert len(configs) == expected, sorted(configs)
    for what, (path, templates) in configs.items():
        result = _run([amtool, "check-config", str(path)])
        assert result.returncode == 0, f"{what}: {result.stdout}{result.stderr}"
        # amtool parsed the templates the configuration names, and they are all there is
        names = yaml.safe_load(path.read_text(encoding="utf-8"))["templates"]
        found = {p for pattern in names for p in glob.glob(pattern if pattern.startswith("/") else str(path.parent / pattern))}
        assert len(found) == templates, what
        assert f" - {len(names)} templates" in result.stdout, what


def _amtool_receivers(amtool: str, config: Path, labels: dict[str, str]) -> list[str]:
    proc = _run(
        [amtool, "config", "routes", "test", f"--config.file={config}", *(str(Matcher(k, "=", v)) for k, v in labels.items())]
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return sorted(base_name(r) for r in proc.stdout.strip().split(","))


@pytest.mark.parametrize("case", ["teams", "teams, strategy None"])
def test_amtool_routes_the_operators_configuration_like_the_plain_one(
    case: str, cases: dict[str, dict[str, str]], rendered_cases: dict[str, Rendered], toolchain: Toolchain | None, tmp_path: Path
) -> None:
    amtool = tool_for(toolchain, "amtool", rendered_cases[case])
    files = cases[case]
    plain = tmp_path / "plain.yml"
    plain.write_text(files["alertmanager/alertmanager.yml"], encoding="utf-8")
    operator, _ = alertmanager_configs(files, tmp_path)["kubernetes: the Operator's assembled configuration"]
    namespaces = {o["metadata"]["namespace"] for o in load_objects(files, "kubernetes/alertmanager/").values()}
    root = build_route_tree(yaml.safe_load(files["alertmanager/alertmanager.yml"]), "0.25")
    label_sets = derive_label_sets(
        root, seed=7, random_sets=10, extra=[Matcher("namespace", "=", ns) for ns in sorted(namespaces)]
    )
    with ThreadPoolExecutor(4) as pool:
        pairs = list(
            pool.map(lambda ls: (ls, _amtool_receivers(amtool, plain, ls), _amtool_receivers(amtool, operator, ls)), label_sets)
        )
    assert [p for p in pairs if p[1] != p[2]] == []
    assert len(pairs) > 100, len(pairs)
