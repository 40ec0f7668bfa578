"""Command bodies of validate, render, init and schema: parsed arguments in, exit code out."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from callalert import report
from callalert.cli.errors import emit
from callalert.cli.importer import note_unread_parts
from callalert.diagnostics import display_path, has_errors, sort_problems, summary
from callalert.errors import EXIT_OK, EXIT_PROBLEMS, UsageError

if TYPE_CHECKING:
    from callalert.render.context import SecretMode


def cmd_validate(specs: Sequence[Path], fmt: str, overlays: Sequence[Path] = ()) -> int:
    from callalert.validate import validate

    report.check_format(fmt)
    note_unread_parts(specs)
    result = validate(specs, overlays=overlays, split=True)
    if result.ok and result.model is not None and result.model.outputs:
        from callalert import pipeline  # imports every renderer: only for a spec that lists `outputs:`

        # the spec's `outputs:`: what rendering them would report (nothing is written)
        result.problems = sort_problems([*result.problems, *pipeline.output_problems(result.model, result.merged)])
    emit(result.problems, fmt, files=[str(s) for s in specs])
    names = ", ".join(display_path(s) for s in specs)
    if has_errors(result.problems) or result.model is None:
        sys.stderr.write(f"{names}: {summary(result.problems)}\n")
        return EXIT_PROBLEMS
    model = result.model
    sys.stderr.write(
        f"{names}: valid ({len(model.alerts)} alerts, {len(model.receivers)} receivers; {summary(result.problems)})\n"
    )
    return EXIT_OK


def cmd_render(
    specs: Sequence[Path],
    out: Path,
    check: bool,
    secrets: str,
    fmt: str,
    overlays: Sequence[Path] = (),
    targets: Sequence[str] = (),
) -> int:
    from callalert.write import TreeReader, diff_tree, write_tree

    if secrets not in ("ref", "env"):
        raise UsageError(f"unknown --secrets {secrets!r}; choose ref or env")
    from callalert import pipeline

    report.check_format(fmt)
    note_unread_parts(specs)
    mode: SecretMode = "env" if secrets == "env" else "ref"
    if not check:
        valid = pipeline.load_valid(specs, overlays, "nothing written")
        # the tree already in --out is read on another core while this one renders
        with TreeReader(out, len(valid.model.alerts)) as reader:
            rendered = pipeline.render_valid(valid, secrets=mode, targets=targets or None)
            emit(rendered.warnings, fmt, files=[str(s) for s in specs])
            write_tree(out, rendered.files, private=rendered.ctx.has_inline_secrets, reader=reader)
        sys.stderr.write(f"rendered {len(rendered.files)} files into {display_path(out)}\n")
        return EXIT_OK
    rendered = pipeline.render(specs, secrets=mode, overlays=overlays, targets=targets or None)
    emit(rendered.warnings, fmt, files=[str(s) for s in specs])
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {display_path(out)} exists and is not a directory")
    diff = diff_tree(out, rendered.files, rendered.ctx.redact_file)
    if diff:
        sys.stdout.write(diff)
        names = " ".join([*(display_path(s) for s in specs), *(f"--target {t}" for t in targets)])
        sys.stderr.write(f"{display_path(out)} is out of date: run `callalert render {names} --out {display_path(out)}`\n")
        return EXIT_PROBLEMS
    sys.stderr.write(f"{display_path(out)} is up to date ({len(rendered.files)} files)\n")
    return EXIT_OK


def cmd_init(path: Path, force: bool) -> int:
    from importlib.resources import files

    from callalert.diagnostics import display_path
    from callalert.write import write_file

    try:
        exists, is_dir = path.exists(), path.is_dir()
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot write {display_path(path)}: {getattr(exc, 'strerror', None) or exc}") from None
    if is_dir:
        raise UsageError(
            f"{display_path(path)} is a directory; give the spec file to write, e.g. {display_path(path / 'specs.yaml')}"
        )
    if exists and not force:
        raise UsageError(f"{display_path(path)} already exists; use --force to overwrite it")
    text = files("callalert").joinpath("templates/starter.yaml").read_text(encoding="utf-8")
    write_file(path, text, what="the starter spec")
    shown = display_path(path)
    sys.stderr.write(f"wrote {shown}; next: callalert validate {shown} && callalert render {shown} --out out\n")
    return EXIT_OK


def cmd_schema(fmt: str = "json", kind: str = "spec") -> int:
    from callalert.spec.reference import SCHEMA_KINDS

    if kind not in SCHEMA_KINDS:
        raise UsageError(f"unknown --kind {kind!r}; choose {', '.join(SCHEMA_KINDS)}")
    if fmt == "markdown" and kind != "spec":
        raise UsageError("--kind applies to the JSON Schema; the reference (--format markdown) describes every kind")
    if fmt == "markdown":
        from callalert.spec.reference import markdown

        sys.stdout.write(markdown())
        return EXIT_OK
    if fmt != "json":
        raise UsageError(f"unknown --format {fmt!r}; choose json or markdown")
    from callalert.spec.reference import json_schema

    sys.stdout.write(json.dumps(json_schema(kind), indent=2, ensure_ascii=False, sort_keys=False) + "\n")
    return EXIT_OK
