"""Rendered output passes the real promtool and amtool, and routes exactly like the seed."""

from __future__ import annotations

import itertools
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from callalert.analysis.versions import Version
from callalert.pipeline import render
from callalert.write import write_tree
from tests.conftest import EXAMPLE_SPEC, ROOT, require_in

if TYPE_CHECKING:
    from callalert.toolchain import Toolchain

pytestmark = pytest.mark.tools

GOLDEN_SPECS = [EXAMPLE_SPEC, ROOT / "tests/golden/cases/derived-routing/spec.yaml", ROOT / "callalert/templates/starter.yaml"]
GOLDEN_TREES = sorted(p.parent for p in (ROOT / "tests/golden/cases").glob("*/expected"))
SEED_CONFIG = ROOT / "tests/fixtures/seed-alertmanager.yml"
SEVERITIES = ["critical", "warning", "info"]
CATEGORIES = ["performance", "quality", "errors", "resources", "availability"]


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for spec in GOLDEN_SPECS:
        target = tmp_path_factory.mktemp(spec.stem) / "out"
        write_tree(target, render([spec]).files)
        out[spec.stem] = target
    return out


@pytest.mark.parametrize("name", [s.stem for s in GOLDEN_SPECS])
def test_promtool_check_rules(name: str, rendered: dict[str, Path], promtool: str) -> None:
    files = sorted(str(p) for p in (rendered[name] / "prometheus/rules").glob("*.yml"))
    assert files
    result = _run([promtool, "check", "rules", *files])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(files)


@pytest.mark.parametrize("name", [s.stem for s in GOLDEN_SPECS])
def test_amtool_check_config(name: str, rendered: dict[str, Path], amtool: str) -> None:
    config = rendered[name] / "alertmanager/alertmanager.yml"
    result = _run([amtool, "check-config", str(config)])
    assert result.returncode == 0, result.stdout + result.stderr
    templates = len(list((rendered[name] / "alertmanager/templates").glob("*.tmpl")))
    # amtool loads the templates relative to the config file: they exist and parse
    assert " - 1 templates" in result.stdout and templates >= 1


def _routes(amtool: str, config: Path, labels: list[str]) -> str:
    result = _run([amtool, "config", "routes", "test", f"--config.file={config}", *labels])
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def test_bundled_spec_routes_like_the_seed(rendered: dict[str, Path], amtool: str) -> None:
    """For every severity × category, amtool gives the same receivers for the rendered
    config as for the seed's own alertmanager.yml."""
    ours = rendered["call-automation"] / "alertmanager/alertmanager.yml"
    label_sets = [[f"severity={s}", f"category={c}", "alertname=X"] for s, c in itertools.product(SEVERITIES, CATEGORIES)]
    with ThreadPoolExecutor(8) as pool:
        seed = list(pool.map(lambda ls: _routes(amtool, SEED_CONFIG, ls), label_sets))
        mine = list(pool.map(lambda ls: _routes(amtool, ours, ls), label_sets))
    assert mine == seed
    by_set = dict(zip((" ".join(ls) for ls in label_sets), mine, strict=True))
    assert by_set["severity=critical category=errors alertname=X"] == "pagerduty,slack-critical,email"
    assert by_set["severity=warning category=quality alertname=X"] == "slack-warnings"
    assert by_set["severity=info category=resources alertname=X"] == "default"


def test_seed_config_itself_is_valid_for_amtool(amtool: str) -> None:
    result = _run([amtool, "check-config", str(SEED_CONFIG)])
    assert result.returncode == 0, result.stdout + result.stderr


ALL_RECEIVERS_ENV = {
    "AS": "smtp-secret",
    "TG": "123:abc",
    "DISCORD_URL": "https://discord.com/api/webhooks/1/x",
    "PU": "user",
    "PT": "token",
    "AWS_SK": "aws-secret",
    "WC": "wechat-secret",
}


def test_every_receiver_type_renders_a_config_amtool_accepts(tmp_path: Path, amtool: str) -> None:
    from callalert.render.context import RenderContext

    spec = ROOT / "tests/fixtures/all-receivers.yaml"
    rendered = render([spec], ctx=RenderContext(secrets="env", environ=ALL_RECEIVERS_ENV))
    out = tmp_path / "out"
    write_tree(out, rendered.files, private=True)
    result = _run([amtool, "check-config", str(out / "alertmanager/alertmanager.yml")])
    assert result.returncode == 0, result.stdout + result.stderr
    text = (out / "alertmanager/alertmanager.yml").read_text()
    assert "api_key_file: /v\n" in text and "credentials_file: /w\n" in text
    assert all(rendered.ctx.redact(v) == "<redacted>" for v in ALL_RECEIVERS_ENV.values())


def _targets(case: Path) -> tuple[Version, Version]:
    """The (Prometheus, Alertmanager) versions a golden case targets (the defaults without `targets:`)."""
    from callalert.analysis.versions import DEFAULT_ALERTMANAGER, DEFAULT_PROMETHEUS
    from tests.golden.test_golden import specs_of

    prom, am = DEFAULT_PROMETHEUS, DEFAULT_ALERTMANAGER
    for spec in specs_of(case):
        targets = ((yaml.safe_load(spec.read_text()) or {}).get("defaults") or {}).get("targets") or {}
        prom, am = str(targets.get("prometheus", prom)), str(targets.get("alertmanager", am))
    return Version.parse(prom), Version.parse(am)


@pytest.mark.parametrize("case", GOLDEN_TREES, ids=[c.name for c in GOLDEN_TREES])
def test_every_golden_tree_passes_the_real_tools(case: Path, toolchain: Toolchain | None) -> None:
    """Each golden tree passes the promtool and amtool of every toolchain at least as new as its
    targets; an amtool older than the Alertmanager target must refuse it (it uses what that
    release lacks), so the tree really needs the version it names."""
    promtool, amtool = require_in(toolchain, "promtool"), require_in(toolchain, "amtool")
    prom_target, am_target = _targets(case)
    expected = case / "expected"
    if promtool.version >= prom_target:
        rules = sorted(str(p) for p in (expected / "prometheus/rules").glob("*.yml"))
        result = _run([promtool.path, "check", "rules", *rules])
        assert rules and result.returncode == 0, result.stdout + result.stderr
    result = _run([amtool.path, "check-config", str(expected / "alertmanager/alertmanager.yml")])
    if amtool.version >= am_target:
        assert result.returncode == 0, result.stdout + result.stderr
    else:
        assert result.returncode != 0 and "FAILED" in result.stdout, result.stdout + result.stderr
