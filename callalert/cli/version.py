"""`callalert --version -v`: the version, the Python that runs callalert, and every promtool, amtool,
prometheus and alertmanager found (callalert.toolchain.discover), one toolchain a line with the
version each binary reports. Plain `--version` never comes here: it answers in cli/__init__.py
without importing anything."""

from __future__ import annotations

import os
import platform
import sys

from callalert import __version__
from callalert.toolchain import Toolchain, discover, install_hint


def _where(chain: Toolchain) -> str:
    if chain.name in ("explicit", "PATH"):  # tools from several places: each tool's folder
        folders = dict.fromkeys(os.path.dirname(t.path) for t in chain.tools.values())
        return ", ".join(folders)
    return chain.origin


def verbose_version() -> str:
    lines = [f"callalert {__version__}", f"python {platform.python_version()} ({sys.executable})"]
    chains = discover()
    if not chains:
        lines.append(f"toolchains: none found (tools folders, PATH); install with: {install_hint()}")
    else:
        lines.append("toolchains:")
        for chain in chains:
            tools = ", ".join(f"{tool.kind} {tool.version}" for tool in chain.tools.values())
            lines.append(f"  {chain.name}: {tools} ({_where(chain)})")
    return "\n".join(lines) + "\n"


def print_verbose_version() -> int:
    sys.stdout.write(verbose_version())
    return 0
