"""Command bodies: each takes parsed arguments, does the work, returns an exit code."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from callalert.diagnostics import Problem, has_errors, render_github, render_json, render_text, summary
from callalert.errors import EXIT_OK, EXIT_PROBLEMS, UsageError

FORMATS = ("text", "json", "github")


def report(problems: Sequence[Problem], fmt: str) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"unknown --format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "json":
        sys.stdout.write(render_json(problems))
    elif fmt == "github":
        sys.stdout.write(render_github(problems))
    else:
        sys.stdout.write(render_text(problems))


def cmd_validate(specs: Sequence[Path], fmt: str, overlays: Sequence[Path] = ()) -> int:
    from callalert.validate import validate

    if fmt not in FORMATS:
        raise UsageError(f"unknown --format {fmt!r}; choose one of {', '.join(FORMATS)}")
    result = validate(specs, overlays=overlays)
    report(result.problems, fmt)
    names = ", ".join(str(s) for s in specs)
    if has_errors(result.problems):
        sys.stderr.write(f"{names}: {summary(result.problems)}\n")
        return EXIT_PROBLEMS
    alerts = len(result.resolved.alerts) if result.resolved else 0
    sys.stderr.write(f"{names}: valid ({alerts} alerts, {len(result.spec.receivers)} receivers; {summary(result.problems)})\n")
    return EXIT_OK


def cmd_render(specs: Sequence[Path], out: Path, check: bool, secrets: str, fmt: str, overlays: Sequence[Path] = ()) -> int:
    from callalert.pipeline import SpecInvalid, render_spec
    from callalert.write import diff_tree, write_tree

    if secrets not in ("ref", "env"):
        raise UsageError(f"unknown --secrets {secrets!r}; choose ref or env")
    if fmt not in FORMATS:
        raise UsageError(f"unknown --format {fmt!r}; choose one of {', '.join(FORMATS)}")
    try:
        rendered = render_spec(specs, secrets=secrets, overlays=overlays)  # type: ignore[arg-type]
    except SpecInvalid as exc:
        report(exc.problems, fmt)
        sys.stderr.write(f"{summary(exc.problems)}; nothing written\n")
        return EXIT_PROBLEMS
    report(rendered.warnings, fmt)
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
    from callalert.spec.v1 import Spec

    schema = Spec.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "callalert spec (version 1)"
    sys.stdout.write(json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n")
    return EXIT_OK
