"""The body of `callalert diff`: read both sides, compare, write the report, exit by --fail-on."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from callalert.errors import UsageError


def _label(paths: Sequence[Path]) -> str:
    return ", ".join(str(p) for p in paths)


def cmd_diff(
    paths: Sequence[Path],
    base: str | None,
    old: Sequence[Path],
    new: Sequence[Path],
    fmt: str,
    out: Path | None,
    fail_on: str,
    target: str | None,
    render_templates: bool,
) -> int:
    from callalert.cli.errors import problems_as

    # a side that is not a valid configuration: its problems, positioned, in JSON when the report is (stdout
    # stays one document a script parses), as annotations with --format github, else as text lines
    with problems_as(fmt if fmt in ("json", "github") else "text"):
        return _diff(paths, base, old, new, fmt, out, fail_on, target, render_templates)


def _diff(
    paths: Sequence[Path],
    base: str | None,
    old: Sequence[Path],
    new: Sequence[Path],
    fmt: str,
    out: Path | None,
    fail_on: str,
    target: str | None,
    render_templates: bool,
) -> int:
    from callalert.diff import FAIL_ON, compare
    from callalert.diff import output as o
    from callalert.diff.sides import empty_side, load_side

    if fmt not in o.FORMATS:
        raise UsageError(f"unknown --format {fmt!r}; choose one of {', '.join(o.FORMATS)}")
    if fail_on not in FAIL_ON:
        raise UsageError(f"unknown --fail-on {fail_on!r}; choose one of {', '.join(FAIL_ON)}")
    if target is not None:
        from callalert.analysis.versions import Version

        try:
            Version.parse(target)
        except ValueError as exc:
            raise UsageError(f"--target-alertmanager: {exc}") from None
    if base is not None:
        if old:
            raise UsageError("--base reads the old side from git: give --old or --base, not both")
        new_paths = [*paths, *new] or [Path("specs.yaml")]
        for path in new_paths:
            if not path.exists():
                raise UsageError(f"file not found: {path}")
        from callalert.toolchain.git import checkout_at

        with checkout_at(base, new_paths) as revision:
            root = revision.root

            def shown(path: Path) -> str:
                try:
                    return f"{base}:{path.relative_to(root)}"
                except ValueError:
                    return str(path)

            present = [p for p in (revision.at(x) for x in new_paths) if p is not None]
            old_label = (
                ", ".join(f"{base}:{os.path.relpath(p, root)}" for p in present) or f"{base} (none of {_label(new_paths)})"
            )
            old_side = load_side(present, old_label, target, shown) if present else empty_side(old_label, target)
            new_side = load_side(new_paths, _label(new_paths), target)
            result = compare(old_side, new_side, render_templates=render_templates)
    else:
        if old or new:
            if paths:
                raise UsageError("give OLD NEW as arguments or --old/--new, not both")
            if not old or not new:
                raise UsageError("--old and --new go together: each names the files of one side")
            old_paths, new_paths = list(old), list(new)
        else:
            if len(paths) != 2:
                raise UsageError(
                    "give two sides, OLD NEW (a spec, a rendered output folder, or rule files + alertmanager.yml each); "
                    "several files per side with --old/--new; or --base GIT_REF [SPEC...]"
                )
            old_paths, new_paths = [paths[0]], [paths[1]]
        old_side = load_side(old_paths, _label(old_paths), target)
        new_side = load_side(new_paths, _label(new_paths), target)
        result = compare(old_side, new_side, render_templates=render_templates)
    text = o.render(result, fmt)
    if out is not None:
        out.write_text(text, encoding="utf-8")
        sys.stderr.write(f"wrote {out}: {o.summary(result)}\n")
    else:
        sys.stdout.write(text)
    return result.exit_code(fail_on)
