"""The body of `callalert toolchains`: every tool found, with its version, Go, build and origin."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

from callalert.errors import EXIT_OK, UsageError
from callalert.toolchain import KINDS, Tool, Toolchain, discover, install_hint

FORMATS = ("text", "json")


def tool_data(tool: Tool) -> dict[str, Any]:
    return {
        "kind": tool.kind,
        "version": str(tool.version),
        "go": tool.go,
        "path": tool.path,
        "origin": tool.origin,
        "build": {
            "distribution": tool.build.distribution or None,
            "package_version": tool.build.package_version or None,
            "patches": [{"name": p.name, "effect": p.effect, "source": p.source} for p in tool.build.patches],
            "notes": list(tool.build.notes),
        },
    }


def chains_data(chains: list[Toolchain]) -> list[dict[str, Any]]:
    return [{"name": c.name, "origin": c.origin, "tools": [tool_data(c.tools[k]) for k in KINDS if k in c.tools]} for c in chains]


def chains_text(chains: list[Toolchain]) -> str:
    lines: list[str] = []
    for chain in chains:
        # PATH's origin is the whole search path: each tool's own path says more
        lines.append(chain.name if chain.name == "PATH" else f"{chain.name} ({chain.origin})")
        rows = [
            (
                t.kind,
                str(t.version),
                f"go{t.go}" if t.go else "go ?",
                t.build.describe(),
                t.origin,
                t.path,
            )
            for k in KINDS
            if (t := chain.tools.get(k)) is not None
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        for row, kind in zip(rows, [k for k in KINDS if k in chain.tools], strict=True):
            lines.append("  " + "  ".join(row[i].ljust(widths[i]) for i in range(5)) + "  " + row[5])
            for patch in chain.tools[kind].build.patches:
                lines.append(f"    patch {patch.name}: {patch.effect} ({patch.source})")
            for note in chain.tools[kind].build.notes:
                lines.append(f"    note: {note}")
    return "\n".join(lines) + "\n"


def cmd_toolchains(explicit: Mapping[str, str | None], fmt: str = "text") -> int:
    if fmt not in FORMATS:
        raise UsageError(f"unknown --format {fmt!r}; choose {' or '.join(FORMATS)}")
    chains = discover(explicit)
    if not chains:
        raise UsageError(
            "no promtool, amtool, prometheus or alertmanager found (options, CALLALERT_* variables, tools folders, PATH); "
            f"install them with: {install_hint()}"
        )
    if fmt == "json":
        sys.stdout.write(json.dumps(chains_data(chains), indent=2) + "\n")
    else:
        sys.stdout.write(chains_text(chains))
    return EXIT_OK
