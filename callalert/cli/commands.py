"""Command bodies of validate, render, init and schema: parsed arguments in, exit code out."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from callalert import pipeline, report
from callalert.cli.errors import emit
from callalert.diagnostics import has_errors, summary
from callalert.errors import EXIT_OK, EXIT_PROBLEMS, UsageError


def cmd_validate(specs: Sequence[Path], fmt: str, overlays: Sequence[Path] = ()) -> int:
    from callalert.validate import validate

    report.check_format(fmt)
    result = validate(specs, overlays=overlays)
    emit(result.problems, fmt, files=[str(s) for s in specs])
    names = ", ".join(str(s) for s in specs)
    if has_errors(result.problems) or result.model is None:
        sys.stderr.write(f"{names}: {summary(result.problems)}\n")
        return EXIT_PROBLEMS
    model = result.model
    sys.stderr.write(
        f"{names}: valid ({len(model.alerts)} alerts, {len(model.receivers)} receivers; {summary(result.problems)})\n"
    )
    return EXIT_OK


def cmd_render(specs: Sequence[Path], out: Path, check: bool, secrets: str, fmt: str, overlays: Sequence[Path] = ()) -> int:
    from callalert.write import diff_tree, write_tree

    if secrets not in ("ref", "env"):
        raise UsageError(f"unknown --secrets {secrets!r}; choose ref or env")
    report.check_format(fmt)
    rendered = pipeline.render(specs, secrets="env" if secrets == "env" else "ref", overlays=overlays)
    emit(rendered.warnings, fmt, files=[str(s) for s in specs])
    if check:
        diff = diff_tree(out, rendered.files, rendered.ctx.redact)
        if diff:
            sys.stdout.write(diff)
            sys.stderr.write(f"{out} is out of date: run `callalert render {' '.join(map(str, specs))} --out {out}`\n")
            return EXIT_PROBLEMS
        sys.stderr.write(f"{out} is up to date ({len(rendered.files)} files)\n")
        return EXIT_OK
    write_tree(out, rendered.files, private=rendered.ctx.has_inline_secrets)
    sys.stderr.write(f"rendered {len(rendered.files)} files into {out}\n")
    return EXIT_OK


def cmd_init(path: Path, force: bool) -> int:
    from importlib.resources import files

    if path.exists() and not force:
        raise UsageError(f"{path} already exists; use --force to overwrite it")
    text = files("callalert").joinpath("templates/starter.yaml").read_text(encoding="utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    sys.stderr.write(f"wrote {path}; next: callalert validate {path} && callalert render {path} --out out\n")
    return EXIT_OK


def cmd_schema(fmt: str = "json") -> int:
    if fmt == "markdown":
        from callalert.spec.reference import markdown

        sys.stdout.write(markdown())
        return EXIT_OK
    if fmt != "json":
        raise UsageError(f"unknown --format {fmt!r}; choose json or markdown")
    from callalert.spec.reference import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2, ensure_ascii=False, sort_keys=False) + "\n")
    return EXIT_OK
