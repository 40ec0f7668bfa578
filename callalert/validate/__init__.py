"""Validation: load → schema → resolve → semantic checks of the model, every problem at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from callalert import diagnostics as d
from callalert.diagnostics import Problem, sort_problems
from callalert.errors import UsageError
from callalert.model import Model
from callalert.spec.load import Document, Merged, load_file, merge

Check = Callable[[Model, Merged], Iterator[Problem]]


@dataclass
class Validated:
    merged: Merged
    problems: list[Problem]
    model: Model | None = None

    @property
    def ok(self) -> bool:
        return self.model is not None and not any(p.level == "error" for p in self.problems)


def load_documents(paths: Sequence[Path]) -> Merged:
    docs = []
    for path in paths:
        if not path.exists():
            raise UsageError(
                f"spec file not found: {path}" + (" (create one with `callalert init`)" if path.name == "specs.yaml" else "")
            )
        if path.is_dir():
            # which files of a folder form the spec (and which are overlays or something else) is the user's call
            raise UsageError(f"{path} is a directory; give the spec file(s) to read, e.g. callalert validate {path}/*.yaml")
        try:
            docs.append(load_file(path))
        except UnicodeDecodeError as exc:
            docs.append(
                Document(str(path), None, None, [d.problem(str(path), 1, 1, f"not UTF-8 text: {exc.reason}", d.YAML_SYNTAX)])
            )
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return merge(docs)


def _checks() -> tuple[Check, ...]:
    from callalert.validate import alertmanager, promql, secrets, templates, testcases

    return (promql.check, alertmanager.check, secrets.check, templates.check, testcases.check)


def validate(paths: Sequence[Path], *, semantic: bool = True, overlays: Sequence[Path] = ()) -> Validated:
    from pydantic import ValidationError

    from callalert.model.resolve import resolve
    from callalert.spec import FORMATS, LATEST, v1
    from callalert.validate.schema import salvage, schema_problems

    merged = load_documents(paths)
    result = Validated(merged, list(merged.problems))
    if overlays:
        from callalert.spec.overlay import apply_overlays, load_overlays

        merged.data, overlay_problems = apply_overlays(merged.data, load_overlays(overlays))
        result.problems.extend(overlay_problems)

    def done() -> Validated:
        result.problems = sort_problems(result.problems)
        return result

    if any(p.level == "error" for p in result.problems) or not merged.data:
        if not merged.data and not result.problems:
            result.problems.append(d.problem(str(paths[0]), 1, 1, "the spec is empty; start from `callalert init`", d.SCHEMA))
        return done()
    version = merged.data.get("version", LATEST)
    model_class = FORMATS.get(version) if isinstance(version, int) and not isinstance(version, bool) else None
    if model_class is None:
        known = ", ".join(map(str, FORMATS))
        result.problems.append(
            merged.problem(
                ("version",), f"unsupported spec version {version!r}: this callalert reads version {known}", d.SPEC_VERSION
            )
        )
        return done()
    salvaged = False
    try:
        spec = model_class.model_validate(merged.data)
    except ValidationError as exc:
        result.problems.extend(schema_problems(model_class, merged, exc))
        rest = salvage(model_class, merged.data, exc)
        if rest is None or not semantic:
            return done()
        spec, salvaged = rest, True  # check what remains, so one run reports references and PromQL too
    template_file = Path(merged.locate(("templates",))[0])
    sources = tuple(Path(doc.path).name for doc in merged.documents)
    assert isinstance(spec, v1.Spec)  # the one format so far; a format 2 gets its own resolver here
    model, problems = resolve(spec, merged.problem, sources, template_file.parent)
    result.problems.extend(problems)
    if semantic:
        for check in _checks():
            result.problems.extend(check(model, merged))
    if not salvaged:
        result.model = model
    return done()
