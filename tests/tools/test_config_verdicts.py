"""Config verdicts: every corpus alertmanager.yml (valid and invalid folders) through the amtool of
each installed toolchain and through callalert's own reading of it at that amtool's version
(`callalert lint --target-alertmanager`: the errors that say Alertmanager would reject the file).

callalert models routing, matchers, inhibition and receiver references, not every receiver field of
a raw alertmanager.yml (a spec's receivers are validated with the spec). So:
- whatever callalert rejects, that amtool rejects too (never a false alarm);
- whatever that amtool rejects for a reason in callalert's model (its message is about a route,
  matcher, regexp, label name, receiver or inhibit rule), callalert rejects too.
Everything else amtool rejects is printed with amtool's own reason (`-s`), per version.
"""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from callalert.lint import lint_paths
from callalert.lint.engine import Options
from callalert.toolchain import split_log
from tests.conftest import CORPUS, require_in

if TYPE_CHECKING:
    from callalert.toolchain import Toolchain

pytestmark = pytest.mark.tools

FILES = sorted(
    str(p.relative_to(CORPUS)) for folder in ("alertmanager", "alertmanager-invalid") for p in (CORPUS / folder).glob("*.yml")
)
REJECTING_RULES = {"am-config-invalid", "receiver-undefined"}
IN_MODEL = re.compile(r"\b(route|matcher|regexp|label name|receiver|inhibit)", re.IGNORECASE)
NOW = datetime(2024, 1, 1, tzinfo=UTC)


def amtool_verdict(amtool: str, path: Path) -> tuple[bool, str]:
    """(accepted, amtool's reason)."""
    proc = subprocess.run([amtool, "check-config", str(path)], capture_output=True, text=True, timeout=60)
    lines = [line.strip() for line in split_log(proc.stdout)[0].splitlines() if line.strip()]
    reason = ""
    for i, line in enumerate(lines):
        if "FAILED:" in line:
            reason = line.split("FAILED:", 1)[1].strip()
            if reason.endswith(":") and i + 1 < len(lines):
                reason += " " + lines[i + 1]
            break
    return proc.returncode == 0, reason


@pytest.mark.parametrize("name", FILES or ["(corpus missing)"])
def test_config_verdict_agrees_with_amtool(name: str, toolchain: Toolchain | None, corpus: Path) -> None:
    tool = require_in(toolchain, "amtool")
    path = corpus / name
    accepted, reason = amtool_verdict(tool.path, path)
    target = f"{tool.version.major}.{tool.version.minor}"
    result = lint_paths([path], Options(NOW, target))
    ours = [p for p in result.problems if p.rule in REJECTING_RULES]
    print(
        f"\n{name}: amtool {tool.version}: {'accepts' if accepted else 'rejects: ' + reason}; callalert at {target}: "
        + ("rejects: " + "; ".join(p.message for p in ours) if ours else "accepts")
    )
    if ours:
        assert not accepted, f"callalert rejects what amtool {tool.version} accepts: {[p.format() for p in ours]}"
    if not accepted and IN_MODEL.search(reason):
        assert ours, f"amtool {tool.version} rejects {name} ({reason}); callalert at {target} does not"
