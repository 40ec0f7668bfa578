"""Validation: load → schema → resolve → semantic checks of the model, every problem at once."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from callalert import diagnostics as d
from callalert.diagnostics import Problem, shown, sort_problems
from callalert.errors import UsageError
from callalert.limits import MAX_ROUTE_DEPTH, ensure_recursion_limit
from callalert.model import Model
from callalert.spec import prefetch
from callalert.spec.load import Document, Merged, load_file, merge
from callalert.spec.read import InputError, display, expand_spec_paths

if TYPE_CHECKING:
    from pydantic import BaseModel

Check = Callable[[Model, Merged], Iterator[Problem]]


@dataclass
class Validated:
    merged: Merged
    problems: list[Problem]
    model: Model | None = None

    @property
    def ok(self) -> bool:
        return self.model is not None and not any(p.level == "error" for p in self.problems)


def load_documents(paths: Sequence[Path], loaded: Mapping[str, Document] | None = None) -> Merged:
    """The files of one spec, merged; a directory stands for its *.yaml and *.yml files, sorted by name.
    `loaded`: documents the command has read already (lint reads each file to tell its kind), by path."""
    docs = []
    for path in expand_spec_paths(list(paths)):
        ahead = (loaded or {}).get(str(path)) or prefetch.take(path)  # or read and parsed on another core meanwhile
        if ahead is not None:
            docs.append(ahead)
            continue
        try:
            docs.append(load_file(path))
        except InputError as exc:
            if exc.kind == "encoding":  # the file is there: a problem in it, positioned
                docs.append(Document(str(path), None, None, [exc.problem()]))
            elif exc.kind == "missing":
                hint = " (create one with `callalert init`)" if path.name == "specs.yaml" else ""
                raise UsageError(f"spec file not found: {display(path)}{hint}") from None
            else:
                raise
    return merge(docs)


@functools.cache
def _file_defaults_model(defaults: type[BaseModel]) -> type[BaseModel]:
    """A file's `defaults` on their own, checked with the spec's own model of them."""
    from pydantic import ConfigDict, create_model

    return create_model("FileDefaults", __config__=ConfigDict(extra="forbid"), defaults=(defaults, ...))


def _file_defaults(merged: Merged) -> list[Problem]:
    """A later file's own defaults: checked as `defaults` values in that file, then filled in where
    they apply (spec.compose), the valid ones only."""
    from callalert.spec import v1
    from callalert.spec.compose import apply_file_defaults
    from callalert.spec.load import DEFAULTS_KEY
    from callalert.validate.schema import schema_problems, validate_data

    model = _file_defaults_model(v1.Defaults)
    problems: list[Problem] = []
    valid = []
    for scope in merged.file_defaults:
        alone = Merged({DEFAULTS_KEY: dict(scope.values)}, [scope.doc], [])
        alone._owner[(DEFAULTS_KEY,)] = scope.doc
        _, errors = validate_data(model, alone.data)
        if errors:
            problems.extend(schema_problems(model, alone, errors))
        else:
            valid.append(scope)
    apply_file_defaults(merged, valid)
    return problems


def _checks() -> tuple[Check, ...]:
    from callalert.validate import alertmanager, promql, secrets, templates, testcases

    return (promql.check, alertmanager.check, secrets.check, templates.check, testcases.check)


# Rules from which the PromQL check (the costliest) is shared with another core.
MIN_SPLIT_RULES = 1_000


def _run_checks(checks: Sequence[Check], model: Model, merged: Merged, *, split: bool) -> list[Problem]:
    """The problems of every check, in the order of `checks`; with `split`, for a large spec, the
    PromQL check (the first) of its groups is shared with a forked child (callalert/parallel.py):
    the child checks groups from the last while this process runs the other checks, then this
    process checks groups from the first until they meet. Its parse caches stay where each group
    was checked: a command that parses the rules again later (lint) does not split."""
    from callalert.validate import promql

    if not (split and checks and checks[0] is promql.check):
        return [p for check in checks for p in check(model, merged)]
    head, groups = promql.check_head(model, merged)
    if not groups or sum(len(g.alerts) + len(g.records) for g in model.groups) < MIN_SPLIT_RULES:
        return [p for check in checks for p in check(model, merged)]
    from callalert import parallel

    rest: list[Problem] = []
    by_group = parallel.share(
        [functools.partial(_group_problems, model, merged, i) for i in range(len(model.groups))],
        meanwhile=lambda: rest.extend(p for check in checks[1:] for p in check(model, merged)),
    )
    return [*head, *(p for found in by_group for p in found), *rest]


def _group_problems(model: Model, merged: Merged, index: int) -> list[Problem]:
    from callalert.validate import promql

    return list(promql.check_group(model, merged, index))


def validate(
    paths: Sequence[Path],
    *,
    semantic: bool = True,
    overlays: Sequence[Path] = (),
    split: bool = False,
    loaded: Mapping[str, Document] | None = None,
) -> Validated:
    """The spec `paths` make, checked: every problem at once. `split`: run the PromQL check of a
    large spec on another core (_run_checks). `loaded`: files read already (load_documents)."""
    from callalert.model.resolve import resolve
    from callalert.spec import v1
    from callalert.spec.formats import FORMATS, LATEST
    from callalert.validate.schema import route_depth, salvage, schema_problems, validate_data

    ensure_recursion_limit()  # route trees and templates within the limits of callalert.limits
    checks = _checks() if semantic else ()
    if prefetch.pending():  # the spec is being read on another core: prepare what comes after it meanwhile
        from callalert.model import builtin_templates

        builtin_templates.warm()
    merged = load_documents(paths, loaded)
    result = Validated(merged, list(merged.problems))
    if overlays:
        from callalert.spec.overlay import apply_overlays, load_overlays

        result.problems.extend(apply_overlays(merged, load_overlays(overlays)))

    def done() -> Validated:
        result.problems = sort_problems(result.problems)
        return result

    if any(p.level == "error" for p in result.problems) or not merged.data:
        if not merged.data and not result.problems:
            result.problems.append(d.problem(str(paths[0]), 1, 1, "the spec is empty; start from `callalert init`", d.SCHEMA))
        return done()
    # how the files compose: reported, and the rest of the spec is still checked
    result.problems.extend(merged.conflicts)
    if merged.file_defaults:
        result.problems.extend(_file_defaults(merged))
    version = merged.data.get("version", LATEST)
    model_class = FORMATS.get(version) if isinstance(version, int) and not isinstance(version, bool) else None
    if model_class is None:
        known = " or ".join(map(str, FORMATS))
        if isinstance(version, int) and not isinstance(version, bool):
            message = f"unsupported spec version {version}: this callalert reads version {known}"
        elif isinstance(version, str) and version.strip() in {str(v) for v in FORMATS}:
            message = f"expected the integer {version.strip()}, got the string {shown(version)} (write version: {version.strip()} without quotes)"
        else:
            got = (
                "true"
                if version is True
                else "false"
                if version is False
                else shown(version)
                if isinstance(version, str)
                else f"a {type(version).__name__}"
            )
            message = f"expected the integer {known}, got {got}"
        result.problems.append(merged.problem(("version",), message, d.SPEC_VERSION))
        return done()
    depth, deepest = route_depth(merged.data)
    if depth > MAX_ROUTE_DEPTH:
        path, line, col = merged.locate(deepest)
        result.problems.append(
            d.problem(
                path,
                line,
                col,
                f"route tree nested {depth} levels deep; callalert reads at most {MAX_ROUTE_DEPTH} (amtool 0.25: 1,500)",
                d.NESTING_DEPTH,
                key="routing.routes",
            )
        )
        return done()
    salvaged = False
    spec, errors = validate_data(model_class, merged.data)
    if spec is None:
        result.problems.extend(schema_problems(model_class, merged, errors))
        rest = salvage(model_class, merged.data, errors)
        if rest is None or not semantic:
            return done()
        spec, salvaged = rest, True  # check what remains, so one run reports references and PromQL too
    template_file = Path(merged.path_of(("templates",)))
    sources = tuple(Path(doc.path).name for doc in merged.documents)
    assert isinstance(spec, v1.Spec)  # the one format so far; a format 2 gets its own resolver here
    model, problems = resolve(spec, merged.problem, sources, template_file.parent, merged.locate)
    result.problems.extend(problems)
    result.problems.extend(_run_checks(checks, model, merged, split=split))
    if not salvaged:
        result.model = model
    return done()
