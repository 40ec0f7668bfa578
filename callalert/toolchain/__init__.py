"""The one place that finds and runs promtool, amtool, prometheus and alertmanager.

`discover()` lists every toolchain it can find (explicit options or environment variables, the
project's tools folder with one toolchain per Debian suite, PATH) with the versions the binaries
report and the build each is (upstream, or a distribution's with known patches); `select()` picks
the tool that can prove a spec for its target version, `shortfalls()` says why a toolchain cannot.
A missing or too old tool is a UsageError (exit 2) saying what to install, never a silent pass.
"""

from callalert.toolchain.builds import Build, Patch, build_of
from callalert.toolchain.discover import (
    CHECKERS,
    KINDS,
    PRODUCT,
    Tool,
    Toolchain,
    by_name,
    discover,
    install_hint,
    select,
    shortfalls,
    start_probes,
    tool_info,
)
from callalert.toolchain.logs import LogRecord, split_log
from callalert.toolchain.run import DEFAULT_TIMEOUT, find_tool, run_tool

__all__ = [
    "CHECKERS",
    "DEFAULT_TIMEOUT",
    "KINDS",
    "PRODUCT",
    "Build",
    "LogRecord",
    "Patch",
    "Tool",
    "Toolchain",
    "build_of",
    "by_name",
    "discover",
    "find_tool",
    "install_hint",
    "run_tool",
    "select",
    "shortfalls",
    "split_log",
    "start_probes",
    "tool_info",
]
