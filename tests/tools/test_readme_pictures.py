"""The pictures README.md shows are drawn by mermaid-cli from callalert's own Mermaid output: the route
tree of the bundled spec and the changed routes of a `diff`. The Mermaid source sits beside each PNG and
must be what callalert prints today; `pytest --update-golden` rewrites both (mmdc in Debian's chromium)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import EXAMPLE_SPEC, ROOT
from tests.tools.test_pictures import mermaid_blocks, mmdc

PICTURES = ROOT / "docs" / "pictures"


def current_sources(run_cli, tmp_path: Path) -> dict[str, str]:
    from tests.tools.test_diff_amtool import SCENARIOS, repo_with_change

    routes = run_cli("routes", "show", str(EXAMPLE_SPEC), "--format", "mermaid")
    assert routes.exit_code == 0, routes
    repo = repo_with_change(tmp_path, SCENARIOS[2])
    diff = run_cli("diff", "--base", "HEAD~1", "specs/alerting.yaml", "-f", "markdown", "--no-render", cwd=repo)
    (block,) = mermaid_blocks(diff.stdout)
    return {"routes-example": routes.stdout, "diff-example": block}


def test_readme_pictures_are_drawn_from_current_output(run_cli, tmp_path: Path, update_golden: bool) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, source in current_sources(run_cli, tmp_path).items():
        mmd, png = PICTURES / f"{name}.mmd", PICTURES / f"{name}.png"
        if update_golden:
            PICTURES.mkdir(parents=True, exist_ok=True)
            mmd.write_text(source, encoding="utf-8")
            drawn = mmdc(mmd, png, "--scale", "2", "--backgroundColor", "white")
            assert drawn.returncode == 0, drawn.stderr
        assert mmd.read_text(encoding="utf-8") == source, f"docs/pictures/{name}.mmd is stale: pytest --update-golden"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert re.search(rf"!\[[^\]]+\]\(docs/pictures/{name}\.png\)", readme), f"README.md does not show {name}.png"
