"""The one place that finds and runs promtool, amtool, prometheus and alertmanager.

`discover()` lists every toolchain it can find (explicit options or environment variables, the
project's tools folder with one toolchain per Debian suite, PATH) with the versions the binaries
report; `select()` picks the tools that can prove a spec for its target versions. A missing or
too old tool is a UsageError (exit 2) saying what to install, never a silent pass.
"""

from callalert.toolchain.discover import KINDS, Tool, Toolchain, discover, install_hint, select, tool_info
from callalert.toolchain.run import DEFAULT_TIMEOUT, find_tool, run_tool

__all__ = [
    "DEFAULT_TIMEOUT",
    "KINDS",
    "Tool",
    "Toolchain",
    "discover",
    "find_tool",
    "install_hint",
    "run_tool",
    "select",
    "tool_info",
]
