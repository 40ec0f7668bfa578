"""The route-tree pictures are drawn by the real programs: Mermaid by @mermaid-js/mermaid-cli (mmdc in
Debian's chromium, tools/node) and DOT by Graphviz's dot. A picture that does not parse fails here."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_SPEC, NODE_TOOLS, ROOT, require_node_tool, require_program

CASES = sorted((ROOT / "tests/golden/cases").glob("*/spec.yaml"))
SPECS = [EXAMPLE_SPEC, *CASES]


def mmdc(source: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    require_program("chromium", "make browser (Debian's chromium)")
    tool = require_node_tool("mmdc")
    return subprocess.run(
        [
            str(tool),
            "--puppeteerConfigFile",
            str(NODE_TOOLS / "puppeteer-config.json"),
            "-i",
            str(source),
            "-o",
            str(out),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )


def mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)```", markdown, re.S)


def test_mermaid_of_every_route_tree_and_runbook_index_renders(run_cli, tmp_path: Path) -> None:
    """`routes show --format mermaid` (plain and --all) of the example and every golden case, the
    route tree of every rendered runbook index and the changed routes of `diff --format markdown`:
    one Markdown file, every block drawn by mmdc."""
    blocks: list[tuple[str, str]] = []  # (what, mermaid source)
    for spec in SPECS:
        for extra in ([], ["--all"]):
            result = run_cli("routes", "show", str(spec), "--format", "mermaid", *extra)
            assert result.exit_code == 0, result
            blocks.append((f"{spec.parent.name} {extra}", result.stdout))
        index = (spec.parent / "expected/runbooks/README.md") if spec != EXAMPLE_SPEC else None
        if index is not None and index.exists():
            found = mermaid_blocks(index.read_text(encoding="utf-8"))
            assert len(found) == 1, index
            blocks.append((f"{spec.parent.name} runbook index", found[0]))
    # the changed part of the route tree in `diff --format markdown` (routes added, changed and removed)
    from tests.tools.test_diff_amtool import SCENARIOS, repo_with_change

    for scenario in SCENARIOS:
        repo = repo_with_change(tmp_path / scenario.name, scenario)
        result = run_cli("diff", "--base", "HEAD~1", "specs/alerting.yaml", "-f", "markdown", "--no-render", cwd=repo)
        found = mermaid_blocks(result.stdout)
        assert len(found) == 1, result
        blocks.append((f"diff {scenario.name}", found[0]))
    source = tmp_path / "pictures.md"
    source.write_text("".join(f"## {what}\n\n```mermaid\n{text}```\n\n" for what, text in blocks), encoding="utf-8")
    result = mmdc(source, tmp_path / "out.md")
    assert result.returncode == 0, result.stdout + result.stderr
    svgs = sorted(tmp_path.glob("out-*.svg"), key=lambda p: int(p.stem.split("-")[1]))
    assert len(svgs) == len(blocks)
    for (what, text), svg in zip(blocks, svgs, strict=True):
        drawn = svg.read_text(encoding="utf-8")
        assert "Syntax error" not in drawn, what
        # every receiver a box names is drawn (label text survives into the SVG)
        for receiver in set(re.findall(r"receiver: ([\w.-]+)", text)):
            assert receiver in drawn, (what, receiver)


def test_mmdc_refuses_a_broken_diagram(tmp_path: Path) -> None:
    """The check above means something: mmdc exits non-zero on a diagram Mermaid cannot parse."""
    source = tmp_path / "bad.mmd"
    source.write_text('flowchart LR\n  n0["route" --> n1[x\n', encoding="utf-8")
    result = mmdc(source, tmp_path / "bad.svg")
    assert result.returncode != 0
    assert "Parse error" in result.stderr


@pytest.mark.parametrize("spec", SPECS, ids=[s.parent.name for s in SPECS])
def test_dot_of_every_route_tree_is_drawn_by_graphviz(run_cli, spec: Path) -> None:
    dot = require_program("dot", "make node (Debian's graphviz)")
    for extra in ([], ["--all"]):
        result = run_cli("routes", "show", str(spec), "--format", "dot", *extra)
        assert result.exit_code == 0, result
        drawn = subprocess.run([dot, "-Tsvg"], input=result.stdout, capture_output=True, text=True, timeout=60)
        assert drawn.returncode == 0, drawn.stderr
        assert drawn.stderr == ""  # no warnings (a bad attribute is only a warning)
        svg = html.unescape(drawn.stdout)  # Graphviz writes '-' as &#45;
        for receiver in set(re.findall(r"receiver: ([\w.-]+)", result.stdout)):
            assert receiver in svg


AWKWARD = """\
route:
  receiver: 'team "core" <ops>'
  routes:
    - matchers: ['service=~"a|b{2}|[cd]"', 'note="x # y & z"']
      receiver: '#1 & co'
      continue: true
    - matchers: ['team="{}"']
      receiver: 'line|pipe'
receivers:
  - name: 'team "core" <ops>'
  - name: '#1 & co'
  - name: 'line|pipe'
"""


def test_awkward_names_are_drawn_as_written(run_cli, tmp_path: Path) -> None:
    """Quotes, angle brackets, #, &, | and braces in receivers and matchers neither break a picture nor
    turn into markup: mmdc and dot draw them and the text survives."""
    config = tmp_path / "am.yml"
    config.write_text(AWKWARD, encoding="utf-8")
    mermaid = run_cli("routes", "show", "--config", str(config), "--format", "mermaid")
    assert mermaid.exit_code == 0, mermaid
    source = tmp_path / "awkward.mmd"
    source.write_text(mermaid.stdout, encoding="utf-8")
    drawn = mmdc(source, tmp_path / "awkward.svg")
    assert drawn.returncode == 0, drawn.stderr
    svg = html.unescape((tmp_path / "awkward.svg").read_text(encoding="utf-8"))
    for text in ('team "core" <ops>', "#1 & co", "line|pipe", 'service=~"a|b{2}|[cd]"'):
        assert text in svg, text
    dot = require_program("dot", "make node (Debian's graphviz)")
    source_dot = run_cli("routes", "show", "--config", str(config), "--format", "dot").stdout
    result = subprocess.run([dot, "-Tsvg"], input=source_dot, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    svg = html.unescape(result.stdout)
    for text in ('team "core" <ops>', "#1 & co", "line|pipe", 'note="x # y & z"'):
        assert text in svg, text
