"""Toolchains: where promtool, amtool, prometheus and alertmanager are, and which versions they are.

Places, in order of preference:
1. explicit paths: `--promtool`/`--amtool` options or CALLALERT_PROMTOOL, CALLALERT_AMTOOL,
   CALLALERT_PROMETHEUS, CALLALERT_ALERTMANAGER;
2. tools folders: CALLALERT_TOOLS_DIR (several joined with `:`), `./.tools`, and the `.tools` of a
   callalert checkout; each holds one toolchain per folder (`<dir>/<suite>/usr/bin/...`, as
   `scripts/install-toolchains.sh` installs Debian's bookworm, trixie and sid builds);
3. PATH.
A tool's version is what the binary itself prints (`--version`), never a guess from its path.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from callalert.analysis.versions import Version
from callalert.errors import ToolNotFound, UsageError
from callalert.toolchain.builds import Build, build_of

KINDS = ("promtool", "amtool", "prometheus", "alertmanager")
BINARIES: dict[str, tuple[str, ...]] = {
    "promtool": ("promtool",),
    "amtool": ("amtool",),
    "prometheus": ("prometheus",),
    "alertmanager": ("prometheus-alertmanager", "alertmanager"),
}
PRODUCT = {"promtool": "Prometheus", "prometheus": "Prometheus", "amtool": "Alertmanager", "alertmanager": "Alertmanager"}
ENV = {kind: f"CALLALERT_{kind.upper()}" for kind in KINDS}
_VERSION_LINE = re.compile(r"version (v?\d+\.\d+(?:\.\d+)?)")
_GO_LINE = re.compile(r"go version:\s*go(\d+\.\d+(?:\.\d+)?)")


def install_hint() -> str:
    return "make tools (scripts/install-toolchains.sh installs promtool/amtool 2.42/0.25, 2.53/0.28 and 3.5/0.33 into .tools/)"


@dataclass(frozen=True)
class Tool:
    kind: str
    path: str
    version: Version
    go: str | None  # the Go release that built it (its text/template and regexp syntax)
    origin: str  # where it was found: "PATH", ".tools/sid", "--amtool", "$CALLALERT_AMTOOL"
    build: Build = field(default_factory=Build)

    def __str__(self) -> str:
        return f"{self.kind} {self.version.short}"

    @property
    def explicit(self) -> bool:
        return self.origin.startswith(("--", "$"))


@dataclass(frozen=True)
class Toolchain:
    name: str
    origin: str
    tools: Mapping[str, Tool] = field(default_factory=dict)

    def get(self, kind: str) -> Tool | None:
        return self.tools.get(kind)

    def describe(self) -> str:
        parts = [f"{t.kind} {t.version.short}" for t in self.tools.values()]
        return f"{self.name}: " + (", ".join(parts) or "nothing")


@lru_cache(maxsize=64)
def _version_output(path: str, mtime: float) -> str:
    try:
        proc = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=20, check=False, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"cannot run {path} --version: {exc}") from None
    return proc.stdout + proc.stderr


def tool_info(kind: str, path: str, origin: str) -> Tool:
    """The tool at `path`, with the version it reports."""
    try:
        mtime = os.stat(path).st_mtime
    except OSError as exc:
        raise UsageError(f"{origin}: {path}: {exc.strerror or exc}") from None
    text = _version_output(path, mtime)
    match = _VERSION_LINE.search(text)
    if match is None:
        first = text.strip().splitlines()[0] if text.strip() else "(no output)"
        raise UsageError(f"{origin}: {path} does not look like {kind}: `--version` printed {first!r}")
    go = _GO_LINE.search(text)
    return Tool(kind, path, Version.parse(match.group(1)), go.group(1) if go else None, origin, build_of(kind, text))


def tools_dirs() -> list[Path]:
    """CALLALERT_TOOLS_DIR when set (only those), else ./.tools and the .tools of a callalert checkout."""
    if "CALLALERT_TOOLS_DIR" in os.environ:
        dirs = [Path(p) for p in os.environ["CALLALERT_TOOLS_DIR"].split(os.pathsep) if p]
    else:
        dirs = [Path.cwd() / ".tools", Path(__file__).resolve().parents[2] / ".tools"]
    out: list[Path] = []
    for d in dirs:
        resolved = d.resolve()
        if resolved not in out and resolved.is_dir():
            out.append(resolved)
    return out


def _find_in(bindir: Path, kind: str) -> Path | None:
    for name in BINARIES[kind]:
        candidate = bindir / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def discover(explicit: Mapping[str, str | None] | None = None) -> list[Toolchain]:
    """Every toolchain found, explicit ones first, then the tools folders (oldest suite first), then PATH."""
    chains: list[Toolchain] = []
    seen: set[str] = set()
    picked: dict[str, Tool] = {}
    for kind in KINDS:
        given = (explicit or {}).get(kind)
        origin = f"--{kind}" if given else f"${ENV[kind]}"
        wanted = given or os.environ.get(ENV[kind])
        if wanted:
            found = shutil.which(wanted) or wanted
            picked[kind] = tool_info(kind, found, origin)
            seen.add(os.path.realpath(found))
    if picked:
        chains.append(Toolchain("explicit", "options and environment", picked))
    folder_chains: list[Toolchain] = []
    for tools_dir in tools_dirs():
        for suite in sorted(p for p in tools_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if not (suite / ".complete").exists():
                continue  # half installed: the installer renames into place only when complete
            tools: dict[str, Tool] = {}
            for kind in KINDS:
                binary = _find_in(suite / "usr/bin", kind)
                if binary is not None and os.path.realpath(binary) not in seen:
                    seen.add(os.path.realpath(binary))
                    tools[kind] = tool_info(kind, str(binary), f"{tools_dir.name}/{suite.name}")
            if tools:
                folder_chains.append(Toolchain(suite.name, str(suite), tools))
    folder_chains.sort(key=lambda c: min(t.version._key() for t in c.tools.values()))
    chains += folder_chains
    on_path: dict[str, Tool] = {}
    for kind in KINDS:
        for name in BINARIES[kind]:
            on_disk = shutil.which(name)
            if on_disk is not None and os.path.realpath(on_disk) not in seen:
                seen.add(os.path.realpath(on_disk))
                on_path[kind] = tool_info(kind, on_disk, "PATH")
                break
    if on_path:
        chains.append(Toolchain("PATH", os.environ.get("PATH", ""), on_path))
    return chains


def _candidates(chains: Sequence[Toolchain], kind: str) -> list[Tool]:
    return [t for c in chains if (t := c.get(kind)) is not None]


def _found(tools: Sequence[Tool]) -> str:
    return ", ".join(f"{t.version.short} from {t.origin}" for t in tools)


def select(chains: Sequence[Toolchain], kind: str, target: Version | None) -> Tool:
    """The tool of `kind` to prove a config for `target`: an explicit one if given, else the
    oldest found whose version is at least the target (closest to what will run it)."""
    tools = _candidates(chains, kind)
    if not tools:
        raise ToolNotFound(kind, install_hint())
    explicit = [t for t in tools if t.explicit]
    if explicit:
        tool = explicit[0]
        if target is not None and tool.version < target:
            raise UsageError(
                f"{tool.kind} {tool.version.short} cannot prove a config for {PRODUCT[kind]} {target.short}: "
                f"it is older than the target ({tool.origin}: {tool.path}); use one ≥ {target.short}"
            )
        return tool
    good = sorted((t for t in tools if target is None or t.version >= target), key=lambda t: t.version._key())
    if good:
        return good[0]
    newest = max(tools, key=lambda t: t.version._key())
    assert target is not None
    raise UsageError(
        f"{newest.kind} {newest.version.short} cannot prove a config for {PRODUCT[kind]} {target.short}: "
        f"no {kind} ≥ {target.short} found (found: {_found(tools)}); install one with: {install_hint()}"
    )


def shortfalls(chain: Toolchain, targets: Mapping[str, Version]) -> list[str]:
    """Why `chain` cannot prove a spec for `targets` ({kind: version}): missing or older tools."""
    out: list[str] = []
    for kind, target in targets.items():
        tool = chain.get(kind)
        if tool is None:
            out.append(f"no {kind}")
        elif tool.version < target:
            out.append(f"{kind} {tool.version.short} < target {target.short}")
    return out


def by_name(chains: Sequence[Toolchain], name: str) -> Toolchain:
    for chain in chains:
        if chain.name == name:
            return chain
    names = ", ".join(c.name for c in chains) or "none"
    raise UsageError(f"no toolchain named {name!r} (found: {names}; `callalert toolchains` lists them)")
