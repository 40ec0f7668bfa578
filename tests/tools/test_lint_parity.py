"""Parity with the real tools, as a floor: every corpus rule file and alertmanager.yml (valid and
invalid) and every hand-written case of tests/lint/parity/ goes through the installed promtool or
amtool and through `callalert lint` at the same target release. Where the tool refuses the file,
lint reports an error; where it accepts it, lint reports no error except the documented
callalert-only one (am-plaintext-secret: a secret written inline, which Alertmanager loads)."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from callalert.lint import lint_paths
from callalert.lint.engine import Options
from tests.conftest import CORPUS, require_corpus, require_in

if TYPE_CHECKING:
    from callalert.toolchain import Toolchain

pytestmark = pytest.mark.tools

HERE = Path(__file__).resolve().parent.parent / "lint" / "parity"
# Errors lint reports on files the tools load (docs/lint.md names them).
CALLALERT_ONLY = frozenset({"am-plaintext-secret"})
# (promtool release line, file): why lint does not match that release yet (none today).
KNOWN_GAPS: dict[tuple[str, str], str] = {}


def _files(kind: str) -> list[Path]:
    corpus = [*sorted((CORPUS / kind).glob("*.yml")), *sorted((CORPUS / f"{kind}-invalid").glob("*.yml"))]
    return [*corpus, *sorted((HERE / kind).glob("*.yml"))]


def _errors(path: Path, am: str, prom: str) -> list[str]:
    result = lint_paths([path], Options(datetime(2024, 1, 1, tzinfo=UTC), am, target_prometheus=prom))
    return [p.format() for p in result.problems if p.level == "error" and p.rule not in CALLALERT_ONLY]


def _verdicts(toolchain: Toolchain | None, kind: str) -> list[tuple[Path, bool, str, list[str]]]:
    require_corpus()
    tool = require_in(toolchain, "amtool" if kind == "alertmanager" else "promtool")
    am = str(require_in(toolchain, "amtool").version)
    prom = str(require_in(toolchain, "promtool").version)
    out = []
    for path in _files(kind):
        command = [tool.path, "check-config", str(path)] if kind == "alertmanager" else [tool.path, "check", "rules", str(path)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        out.append((path, done.returncode == 0, done.stdout + done.stderr, _errors(path, am, prom)))
    return out


@pytest.mark.parametrize("kind", ["alertmanager", "rules"])
def test_lint_errors_exactly_where_the_tool_refuses(toolchain: Toolchain | None, kind: str) -> None:
    mismatches = []
    refused = 0
    for path, accepted, output, errors in _verdicts(toolchain, kind):
        refused += not accepted
        prom = require_in(toolchain, "promtool").version
        if (f"{prom.major}.{prom.minor}", path.name) in KNOWN_GAPS:
            continue
        if accepted and errors:
            mismatches.append(f"{path.name}: the tool accepts it, lint reports\n  " + "\n  ".join(errors))
        elif not accepted and not errors:
            mismatches.append(f"{path.name}: the tool refuses it, lint reports no error; the tool says\n{output}")
    assert not mismatches, "\n".join(mismatches)
    assert refused >= 10  # the cases exercise refusals, not only clean files
