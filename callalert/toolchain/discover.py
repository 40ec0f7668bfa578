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

import atexit
import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from callalert.analysis.versions import Version
from callalert.errors import ToolNotFound, UsageError
from callalert.toolchain.builds import Build, build_of

KINDS = ("promtool", "amtool", "prometheus", "alertmanager")
CHECKERS = ("promtool", "amtool")  # the tools that check files: what check and import run (no servers)
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


# Asking a binary its version (`--version`) starts a Go program: some 20 ms each, and a machine with
# three toolchains and the tools on PATH has 16 of them. They run side by side (at most MAX_PROBES at
# a time), started as soon as a command knows it will need them (`start_probes`), and each binary's
# answer is kept for the rest of the run (by path and modification time).
MAX_PROBES = 8
VERSION_TIMEOUT = 20  # seconds a binary may take to print its version
_Key = tuple[str, float]  # a binary's path and modification time


class _Probes:
    def __init__(self) -> None:
        self.outputs: dict[_Key, str] = {}  # what each binary printed
        self.running: dict[_Key, subprocess.Popen[str] | OSError] = {}  # started (or failed to start), not yet read
        self.waiting: list[_Key] = []  # asked for, not yet started (MAX_PROBES were running)
        self.pid = os.getpid()  # the process that started them (a forked child has none of its own)
        self.registered = False

    def _own(self) -> None:
        """In a forked child, forget the parent's probes: their pipes are the parent's to read."""
        if self.pid != os.getpid():
            self.running, self.waiting, self.pid, self.registered = {}, [], os.getpid(), False

    def want(self, key: _Key) -> None:
        self._own()
        if key not in self.outputs and key not in self.running and key not in self.waiting:
            self.waiting.append(key)

    def top_up(self) -> None:
        """Start waiting probes while fewer than MAX_PROBES run."""
        self._own()
        while self.waiting and sum(isinstance(p, subprocess.Popen) for p in self.running.values()) < MAX_PROBES:
            self.launch(self.waiting.pop(0))

    def launch(self, key: _Key) -> None:
        if not self.registered:
            atexit.register(self.stop)
            self.registered = True
        for stale in [k for k in self.running if k[0] == key[0]]:  # the binary changed since it was asked
            started = self.running.pop(stale)
            if isinstance(started, subprocess.Popen):
                _end(started)
        try:
            self.running[key] = subprocess.Popen(
                [key[0], "--version"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
            )
        except OSError as exc:
            self.running[key] = exc

    def output(self, key: _Key) -> str:
        """What the binary printed for `--version` (waiting for it); a UsageError when it cannot run."""
        found = self.outputs.get(key)
        if found is not None:
            return found
        self._own()
        if key not in self.running:
            if key in self.waiting:
                self.waiting.remove(key)
            self.launch(key)
        started = self.running[key]  # kept there until read: stop() ends it whatever happens meanwhile
        if isinstance(started, OSError):
            del self.running[key]
            self.top_up()
            raise UsageError(f"cannot run {key[0]} --version: {started}") from None
        try:
            out, err = started.communicate(timeout=VERSION_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            _end(started)
            del self.running[key]
            self.top_up()
            raise UsageError(f"cannot run {key[0]} --version: {exc}") from None
        del self.running[key]
        self.outputs[key] = out + err
        self.top_up()  # the next waiting one takes its place
        return self.outputs[key]

    def stop(self) -> None:
        """End the probes still running (a command that stopped before it needed them, Ctrl-C)."""
        self.waiting.clear()
        if self.pid == os.getpid():
            for started in self.running.values():
                if isinstance(started, subprocess.Popen):
                    _end(started)
        self.running.clear()


def _end(process: subprocess.Popen[str]) -> None:
    """Kill and reap a probe; its pipes are closed unread (a grandchild it left may hold them)."""
    with contextlib.suppress(OSError):
        process.kill()
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        process.wait()
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


_probes = _Probes()


def _version_output(path: str, mtime: float) -> str:
    return _probes.output((path, mtime))


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


@dataclass
class _Places:
    """Where discover() finds each binary, before asking any its version: explicit ones (kind,
    path, origin), the tools folders' toolchains (folder, origin, [(kind, path)]), PATH's (kind, path)."""

    given: list[tuple[str, str, str]] = field(default_factory=list)
    folders: list[tuple[Path, str, list[tuple[str, str]]]] = field(default_factory=list)
    on_path: list[tuple[str, str]] = field(default_factory=list)

    def paths(self, kinds: Sequence[str]) -> list[str]:
        """The binaries of `kinds`, in the order discover() reads them."""
        return [
            *(path for kind, path, _ in self.given if kind in kinds),
            *(path for _, _, tools in self.folders for kind, path in tools if kind in kinds),
            *(path for kind, path in self.on_path if kind in kinds),
        ]


def _places(explicit: Mapping[str, str | None] | None) -> _Places:
    places = _Places()
    seen: set[str] = set()
    for kind in KINDS:
        given = (explicit or {}).get(kind)
        origin = f"--{kind}" if given else f"${ENV[kind]}"
        wanted = given or os.environ.get(ENV[kind])
        if wanted:
            found = shutil.which(wanted) or wanted
            places.given.append((kind, found, origin))
            seen.add(os.path.realpath(found))
    for tools_dir in tools_dirs():
        for suite in sorted(p for p in tools_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if not (suite / ".complete").exists():
                continue  # half installed: the installer renames into place only when complete
            tools: list[tuple[str, str]] = []
            for kind in KINDS:
                binary = _find_in(suite / "usr/bin", kind)
                if binary is not None and os.path.realpath(binary) not in seen:
                    seen.add(os.path.realpath(binary))
                    tools.append((kind, str(binary)))
            if tools:
                places.folders.append((suite, f"{tools_dir.name}/{suite.name}", tools))
    for kind in KINDS:
        for name in BINARIES[kind]:
            on_disk = shutil.which(name)
            if on_disk is not None and os.path.realpath(on_disk) not in seen:
                seen.add(os.path.realpath(on_disk))
                places.on_path.append((kind, on_disk))
                break
    return places


def _start(places: _Places, kinds: Sequence[str]) -> None:
    for path in places.paths(kinds):
        with contextlib.suppress(OSError, ValueError):  # a path that cannot be read: tool_info says why
            _probes.want((path, os.stat(path).st_mtime))
    _probes.top_up()


def start_probes(explicit: Mapping[str, str | None] | None = None, kinds: Sequence[str] = KINDS) -> None:
    """Ask every binary of `kinds` that `discover(explicit, kinds)` will find for its version now, in
    the background, so the answers are there when the command needs its tools (a command calls this
    first thing, then validates and renders meanwhile). Probes it never reads are ended when the
    command ends. Never fails: whatever it cannot list or start, `discover` reports in its turn."""
    with contextlib.suppress(Exception):
        _start(_places(explicit), kinds)


def discover(explicit: Mapping[str, str | None] | None = None, kinds: Sequence[str] = KINDS) -> list[Toolchain]:
    """Every toolchain found, explicit ones first, then the tools folders (oldest suite first), then
    PATH. `kinds`: the tools asked their versions and listed (a check runs no server); a toolchain
    is listed as with every kind, holding only those, so `check --toolchain NAME` can say what it
    lacks; folders are ordered by the versions of those (servers-only folders last)."""
    places = _places(explicit)
    _start(places, kinds)  # every binary asked at once; read below in the same order as ever
    chains: list[Toolchain] = []
    if places.given:
        picked = {kind: tool_info(kind, path, origin) for kind, path, origin in places.given if kind in kinds}
        chains.append(Toolchain("explicit", "options and environment", picked))
    folder_chains = [
        Toolchain(suite.name, str(suite), {kind: tool_info(kind, path, origin) for kind, path in tools if kind in kinds})
        for suite, origin, tools in places.folders
    ]
    folder_chains.sort(key=lambda c: (not c.tools, min((t.version._key() for t in c.tools.values()), default=())))
    chains += folder_chains
    if places.on_path:
        on_path = {kind: tool_info(kind, path, "PATH") for kind, path in places.on_path if kind in kinds}
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
