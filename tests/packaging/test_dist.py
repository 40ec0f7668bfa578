"""The sdist and wheel `python -m build` makes, installed and run the way a user gets them.

Built once per session (no warning allowed), the wheel goes into a fresh virtualenv outside the
checkout: no editable install, nothing of the repository on sys.path, commands run from a temporary
folder with a clean environment. Everything the commands read (built-in notification templates,
runbook templates, the starter spec) must come from the wheel. pipx installs the same wheel into a
temporary PIPX_HOME. The dependencies come from the package index pip is configured with.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from callalert import __version__
from callalert.write import read_tree
from tests.conftest import EXAMPLE_SPEC, ROOT

pytestmark = pytest.mark.packaging

PACKAGE = ROOT / "callalert"
DIST_INFO = f"callalert-{__version__}.dist-info"
# what the commands read at run time, beside the code
PACKAGE_DATA = {
    "callalert/py.typed",
    "callalert/templates/starter.yaml",
    "callalert/templates/slack.tmpl.j2",
    "callalert/templates/email.tmpl.j2",
    "callalert/templates/pagerduty.tmpl.j2",
}


def _pip_cache() -> str:
    # the user's pip cache, so a second session downloads nothing again
    if "PIP_CACHE_DIR" in os.environ:
        return os.environ["PIP_CACHE_DIR"]
    return str(Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pip")


def clean_env(path: str, **extra: str) -> dict[str, str]:
    """Only what a shell of a new user has, plus pip's own configuration of the package index."""
    keep = {k: v for k, v in os.environ.items() if k.startswith("PIP_") or k in ("HOME", "TMPDIR", "XDG_CONFIG_HOME")}
    return {**keep, "PATH": path, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PIP_CACHE_DIR": _pip_cache(), **extra}


SYSTEM_PATH = os.pathsep.join(["/usr/local/bin", "/usr/bin", "/bin"])


def _run(cmd: list[str], cwd: Path, env: Mapping[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout, check=False)


def _show(proc: subprocess.CompletedProcess[str]) -> str:
    return (
        f"$ {' '.join(map(str, proc.args))}\nexit {proc.returncode}\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
    )


@dataclass(frozen=True)
class Dist:
    sdist: Path
    wheel: Path
    log: str


def _export_sources(dest: Path) -> Path:
    """The checkout's files as git sees them (tracked, or new and not ignored) in `dest`: a build
    from the working tree would also read leftovers such as an old callalert.egg-info/SOURCES.txt."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    for name in filter(None, listed.split(b"\0")):
        source = ROOT / os.fsdecode(name)
        if source.is_file():  # a file deleted but not yet staged is still listed
            (dest / os.fsdecode(name)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / os.fsdecode(name))
    return dest


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    out = tmp_path_factory.mktemp("dist")
    sources = _export_sources(tmp_path_factory.mktemp("sources"))
    # PYTHONDONTWRITEBYTECODE (set on some machines) only makes setuptools warn that it skips byte-compiling
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = _run([sys.executable, "-m", "build", "--outdir", str(out), str(sources)], cwd=out, env=env)
    assert proc.returncode == 0, _show(proc)
    sdists, wheels = sorted(out.glob("*.tar.gz")), sorted(out.glob("*.whl"))
    assert [p.name for p in sdists] == [f"callalert-{__version__}.tar.gz"], _show(proc)
    assert [p.name for p in wheels] == [f"callalert-{__version__}-py3-none-any.whl"], _show(proc)
    return Dist(sdists[0], wheels[0], proc.stdout + proc.stderr)


@dataclass(frozen=True)
class Installed:
    venv: Path

    @property
    def env(self) -> dict[str, str]:
        return clean_env(os.pathsep.join([str(self.venv / "bin"), SYSTEM_PATH]))

    def run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        """`callalert ARGS` in `cwd` (a test's own empty folder, outside the checkout)."""
        return _run([str(self.venv / "bin" / "callalert"), *args], cwd=cwd, env=self.env, timeout=120)


@pytest.fixture(scope="session")
def installed(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel-install")
    venv = base / "venv"
    env = clean_env(SYSTEM_PATH)
    for cmd in (
        [sys.executable, "-m", "venv", str(venv)],
        [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", str(dist.wheel)],
    ):
        proc = _run(cmd, cwd=base, env=env)
        assert proc.returncode == 0, _show(proc)
    return Installed(venv)


def test_build_emits_no_warning(dist: Dist) -> None:
    noisy = [line for line in dist.log.splitlines() if re.search(r"warn|deprecat", line, re.IGNORECASE)]
    assert noisy == []


def test_wheel_holds_the_package_its_data_and_nothing_else(dist: Dist) -> None:
    names = set(zipfile.ZipFile(dist.wheel).namelist())
    source = {
        f"callalert/{p.relative_to(PACKAGE).as_posix()}"
        for p in PACKAGE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    assert source >= PACKAGE_DATA  # the list above names real files
    assert {n for n in names if not n.startswith(DIST_INFO + "/")} == source
    assert {n for n in names if n.startswith(DIST_INFO + "/")} == {
        f"{DIST_INFO}/{name}" for name in ("METADATA", "WHEEL", "RECORD", "entry_points.txt", "top_level.txt", "licenses/LICENSE")
    }
    with zipfile.ZipFile(dist.wheel) as whl:
        assert "[console_scripts]\ncallalert = callalert.cli:entry\n" in whl.read(f"{DIST_INFO}/entry_points.txt").decode()
        assert whl.read(f"{DIST_INFO}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()


def test_wheel_metadata_is_what_pyproject_declares(dist: Dist) -> None:
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    with zipfile.ZipFile(dist.wheel) as whl:
        metadata = whl.read(f"{DIST_INFO}/METADATA").decode()
    fields: dict[str, list[str]] = {}
    for line in metadata.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(": ")
        fields.setdefault(key, []).append(value)
    assert fields["Version"] == [__version__]
    assert fields["License-Expression"] == ["Apache-2.0"]
    assert "License" not in fields  # the deprecated free-text field
    assert fields["License-File"] == ["LICENSE"]
    assert fields["Requires-Python"] == [project["requires-python"]]
    assert fields["Classifier"] == project["classifiers"]
    assert {url.split(", ", 1)[0] for url in fields["Project-URL"]} == set(project["urls"])

    def normal(requirements: list[str]) -> set[tuple[str, str, str]]:
        reqs = [Requirement(r) for r in requirements]
        return {(r.name.lower(), str(r.specifier), str(r.marker or "")) for r in reqs}

    runtime = [r for r in fields["Requires-Dist"] if "extra ==" not in r]
    assert normal(runtime) == normal(project["dependencies"])


def test_sdist_holds_the_package_license_changelog_and_docs(dist: Dist) -> None:
    prefix = f"callalert-{__version__}/"
    with tarfile.open(dist.sdist) as tar:
        names = {n.removeprefix(prefix) for n in tar.getnames() if tar.getmember(n).isfile()}
    tracked = {p.relative_to(ROOT).as_posix() for d in ("docs", "specs") for p in (ROOT / d).rglob("*") if p.is_file()}
    wanted = {"PKG-INFO", "pyproject.toml", "README.md", "CHANGELOG.md", "LICENSE", "MANIFEST.in", *PACKAGE_DATA, *tracked}
    assert wanted <= names, sorted(wanted - names)
    assert not [n for n in names if n.startswith(("tests/", ".venv", ".tools", ".git/", "out/")) or "__pycache__" in n]


def test_installed_callalert_is_the_wheel_not_the_checkout(installed: Installed, tmp_path: Path) -> None:
    code = "import callalert, json, sys; print(json.dumps({'file': callalert.__file__, 'path': sys.path}))"
    proc = _run([str(installed.venv / "bin/python"), "-c", code], cwd=tmp_path, env=installed.env)
    assert proc.returncode == 0, _show(proc)
    seen = json.loads(proc.stdout)
    assert Path(seen["file"]).is_relative_to(installed.venv), seen
    assert [p for p in seen["path"] if p and Path(p).resolve().is_relative_to(ROOT)] == [], seen
    site = Path(seen["file"]).parent.parent
    # no editable install: no .pth file or finder leading back to the checkout
    assert [p.name for p in site.glob("*.pth") if str(ROOT) in p.read_text(encoding="utf-8")] == []
    assert not list(site.glob("__editable__*"))
    direct_url = site / DIST_INFO / "direct_url.json"
    assert json.loads(direct_url.read_text(encoding="utf-8"))["url"].endswith(".whl")


def test_installed_version(installed: Installed, tmp_path: Path) -> None:
    proc = installed.run("--version", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"callalert {__version__}\n", ""), _show(proc)
    proc = installed.run("--version", "-v", cwd=tmp_path)
    assert proc.returncode == 0, _show(proc)
    assert proc.stdout.splitlines()[0] == f"callalert {__version__}"
    assert proc.stdout.splitlines()[1].startswith("python "), _show(proc)


def test_installed_init_validate_render_lint(installed: Installed, tmp_path: Path) -> None:
    proc = installed.run("init", cwd=tmp_path)
    assert proc.returncode == 0, _show(proc)
    # the starter spec is the wheel's package data, byte for byte
    assert (tmp_path / "specs.yaml").read_bytes() == (PACKAGE / "templates/starter.yaml").read_bytes()
    proc = installed.run("validate", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (0, "specs.yaml: valid (2 alerts, 3 receivers; no problems)\n"), _show(proc)
    proc = installed.run("render", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 0, _show(proc)
    tree = read_tree(tmp_path / "out")
    assert {"alertmanager/alertmanager.yml", "runbooks/README.md"} <= set(tree), sorted(tree)
    assert [name for name in tree if name.startswith("alertmanager/templates/")], sorted(tree)
    assert [name for name in tree if name.startswith("prometheus/rules/")], sorted(tree)
    proc = installed.run("lint", "specs.yaml", cwd=tmp_path)
    assert proc.returncode == 0, _show(proc)
    outputs = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "out").rglob("*") if p.suffix in (".yml", ".tmpl"))
    proc = installed.run("lint", *outputs, cwd=tmp_path)
    assert proc.returncode == 0, _show(proc)


def test_installed_render_and_lint_match_the_checkout(installed: Installed, tmp_path: Path) -> None:
    # the bundled example uses every built-in template and writes a runbook per alert: the wheel's
    # package data must give the same bytes as the checkout's
    shutil.copy(EXAMPLE_SPEC, tmp_path / "spec.yaml")
    checkout = [sys.executable, "-m", "callalert"]
    wheel = installed.run("render", "spec.yaml", "--out", "from-wheel", cwd=tmp_path)
    assert wheel.returncode == 0, _show(wheel)
    mine = _run([*checkout, "render", "spec.yaml", "--out", "from-checkout"], cwd=tmp_path, env=os.environ)
    assert mine.returncode == 0, _show(mine)
    rendered = read_tree(tmp_path / "from-wheel")
    assert {
        "alertmanager/templates/slack.tmpl",
        "alertmanager/templates/email.tmpl",
        "alertmanager/templates/pagerduty.tmpl",
    } <= set(rendered)
    assert rendered == read_tree(tmp_path / "from-checkout")
    wheel = installed.run("lint", "spec.yaml", "--format", "json", cwd=tmp_path)
    mine = _run([*checkout, "lint", "spec.yaml", "--format", "json"], cwd=tmp_path, env=os.environ)
    assert (wheel.returncode, wheel.stdout) == (mine.returncode, mine.stdout), _show(wheel) + _show(mine)


def test_installed_schema_is_the_documented_one(installed: Installed, tmp_path: Path) -> None:
    # the JSON Schema is not package data: pydantic builds it from the spec models in the wheel
    proc = installed.run("schema", cwd=tmp_path)
    assert proc.returncode == 0, _show(proc)
    assert proc.stdout == (ROOT / "docs/spec.schema.json").read_text(encoding="utf-8")


def test_installed_cli_exit_codes(installed: Installed, tmp_path: Path) -> None:
    proc = installed.run("render", "--no-such-option", cwd=tmp_path)
    assert proc.returncode == 2 and "No such option" in proc.stderr and "Traceback" not in proc.stderr, _show(proc)
    proc = installed.run("validate", "missing.yaml", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (2, "callalert: error: spec file not found: missing.yaml\n"), _show(proc)


def test_pipx_installs_the_wheel(dist: Dist, tmp_path: Path) -> None:
    pipx_home, bin_dir, home = tmp_path / "pipx", tmp_path / "bin", tmp_path / "home"
    home.mkdir()
    env = clean_env(
        os.pathsep.join([str(bin_dir), SYSTEM_PATH]),
        HOME=str(home),
        PIPX_HOME=str(pipx_home),
        PIPX_BIN_DIR=str(bin_dir),
        PIPX_MAN_DIR=str(tmp_path / "man"),
        PIPX_DEFAULT_PYTHON=sys.executable,
    )
    proc = _run([sys.executable, "-m", "pipx", "install", str(dist.wheel)], cwd=tmp_path, env=env)
    assert proc.returncode == 0, _show(proc)
    callalert = bin_dir / "callalert"
    assert callalert.is_symlink() and callalert.resolve().is_relative_to(pipx_home.resolve()), _show(proc)
    proc = _run(["callalert", "--version"], cwd=home, env=env)
    assert (proc.returncode, proc.stdout) == (0, f"callalert {__version__}\n"), _show(proc)
    proc = _run(["callalert", "init"], cwd=home, env=env)
    assert proc.returncode == 0, _show(proc)
    proc = _run(["callalert", "validate"], cwd=home, env=env)
    assert proc.returncode == 0, _show(proc)
