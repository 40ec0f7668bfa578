"""`callalert lint`: semantic and cross-layer checks on a spec, or on existing rule files,
alertmanager.yml and .tmpl files (told apart by content)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from callalert import diagnostics as d
from callalert import parallel
from callalert.analysis.versions import DEFAULT_ALERTMANAGER, DEFAULT_PROMETHEUS
from callalert.diagnostics import Problem, sort_problems
from callalert.errors import UsageError
from callalert.lint import rules, split
from callalert.lint.engine import (
    LINT_UNKNOWN_FILE,
    Check,
    LintRule,
    Options,
    Suppressions,
    apply_suppressions,
    parse_suppressions,
)
from callalert.lint.shapes import shape_problems
from callalert.lint.world import (
    AMConfig,
    TemplateFile,
    World,
    doc_source,
    record_definitions,
    rule_alerts,
    rule_records,
    silence_records,
    spec_world,
    text_source,
)
from callalert.pipeline import Valid
from callalert.spec import prefetch
from callalert.spec.kinds import DESCRIPTIONS, TEST_COPY_MARK, Kind, detect, looks_like_spec
from callalert.spec.load import Document, PositionIndex, load_all_text, load_text, position_index
from callalert.spec.read import InputError, display, import_listing, read_text
from callalert.validate import validate
from callalert.write import MARKER, MARKER_TEXT

__all__ = ["LintResult", "LintRule", "Options", "lint_paths"]


@dataclass
class LintResult:
    problems: list[Problem]
    kinds: dict[str, Kind] = field(default_factory=dict)
    valid: bool = True  # False when a spec failed validation

    def count(self, path: str) -> int:
        return sum(1 for p in self.problems if p.path == path)


def _expand(paths: Sequence[Path]) -> list[tuple[Path, bool]]:
    """Every file to lint, and whether it was named explicitly (not found in a directory)."""
    out: list[tuple[Path, bool]] = []
    for path in paths:
        try:
            is_dir = path.is_dir()
            exists = is_dir or path.exists() or path.is_symlink()
        except (OSError, ValueError) as exc:  # a name too long, a NUL in the path
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a valid path"
            raise UsageError(f"cannot read {display(path)}: {reason}") from None
        if is_dir:
            found = sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml", ".tmpl", ".json") and p.is_file())
            out.extend((p, False) for p in found)
        elif exists:
            out.append((path, True))
        else:
            raise UsageError(f"file not found: {display(path)}")
    return out


def lint_paths(paths: Sequence[Path], options: Options, *, external_labels: Sequence[str] | None = None) -> LintResult:
    lint_rules = rules.register()
    if options.project is not None and options.project.problems:
        # a project configuration that does not make sense: nothing is linted with half of it
        return LintResult(sort_problems(options.project.problems), {options.project.path: "unknown"}, valid=False)
    files = _expand(paths)
    result = LintResult([])
    # each file's disable comments, read with the file: a big spec's text is not kept for them
    known = d.RULES.ids()
    suppressions: dict[str, Suppressions] = {}
    # the spec files named on the command line form one spec; those found in a directory form one
    # spec per directory they are in (as `validate DIR` reads a directory: docs/teams.md)
    spec_groups: dict[str, list[Path]] = {}
    spec_texts: dict[str, str] = {}  # a big spec's text, for its position index built ahead (_PositionsAhead)
    spec_docs: dict[str, Document] = {}  # spec files read here already: validate does not read them again
    imported: dict[Path, frozenset[str]] = {}  # folder -> what `callalert import` wrote into it (_spec_folder)
    rule_docs: list[Document] = []
    am_docs: list[Document] = []
    templates: list[TemplateFile] = []
    silence_docs: list[Document] = []
    problems: list[Problem] = []
    for path, explicit in files:
        name = str(path)
        try:
            text = read_text(path)
        except InputError as exc:
            problems.append(exc.problem(d.YAML_SYNTAX if exc.kind == "encoding" else d.UNREADABLE_FILE))
            result.kinds[name] = "unknown"
            continue
        suppressions[name] = parse_suppressions(name, text, known)
        doc = None
        if text.startswith(TEST_COPY_MARK) or (path.name == MARKER and text == MARKER_TEXT):
            # callalert's own output bookkeeping: a rule group copied for promtool tests (annotations
            # dropped on purpose), or the marker that lets render replace --out: nothing to lint
            result.kinds[name] = "callalert-output"
            continue
        if looks_like_spec(name, text):
            kind: Kind = "spec"  # validate loads it; a second YAML load of a big spec costs seconds
        else:
            if path.suffix != ".tmpl":
                ahead = prefetch.take(path)  # a large file read on another core while lint started
                doc = ahead if ahead is not None and ahead.text == text else load_text(text, name)
            kind = detect(name, text, doc.data if doc is not None else None)
        if doc is not None and doc.data is None and doc.problems and kind != "template":
            kind = "unknown"
        if path.suffix == ".json" and not explicit and kind != "silences":
            continue  # a directory's other JSON files are none of lint's business
        if kind == "unknown" and doc is not None and any("another document" in p.message for p in doc.problems):
            docs = [x for x in load_all_text(text, name) if x.data is not None]
            if docs and not any(x.problems for x in docs):
                # a stream of documents (a Kubernetes manifest): lint reads one document per file
                what = ", ".join(DESCRIPTIONS[detect(name, x.text, x.data)] for x in docs)
                result.kinds[name] = "unknown"
                problems.append(
                    d.problem(
                        name,
                        1,
                        1,
                        f"{len(docs)} YAML documents ({what}): lint reads one document per file; "
                        f"`callalert import {name}` turns them into a spec",
                        LINT_UNKNOWN_FILE,
                    )
                )
                continue
        if kind == "mimir-rules":
            kind = "rules"  # a rule file with a `namespace:` key: its groups are linted the same way
        result.kinds[name] = kind
        if kind == "silences":
            assert doc is not None
            silence_docs.append(doc)
        elif kind == "spec":
            spec_groups.setdefault("" if explicit else _spec_folder(path, imported), []).append(path)
            spec_texts[name] = text
            if doc is not None:  # a file of a spec without `version:` (a team's): read already, to tell its kind
                spec_docs[name] = doc
        elif kind == "template":
            templates.append(TemplateFile(name, text, text_source(name, text)))
        elif kind == "unknown":
            if doc is not None and doc.problems:
                problems.extend(doc.problems)
            else:
                # named on the command line, a file lint cannot read is a failed lint (a truncated or
                # empty spec must not pass a CI step); found in a directory, it is only noted
                what = "empty file" if not text.strip() or (doc is not None and doc.data is None) else "unknown file"
                problems.append(
                    d.problem(
                        name,
                        1,
                        1,
                        f"{what}: not a callalert spec, Prometheus rule file, alertmanager.yml or .tmpl template: nothing to lint",
                        LINT_UNKNOWN_FILE,
                        level="error" if explicit else "info",
                    )
                )
        elif kind not in ("rules", "alertmanager", "rules-test"):
            problems.append(
                d.problem(
                    name,
                    1,
                    1,
                    f"{DESCRIPTIONS[kind]}: lint reads specs, plain rule files, alertmanager.yml and .tmpl templates; "
                    f"`callalert import {name}` turns this one into a spec",
                    LINT_UNKNOWN_FILE,
                )
            )
        elif kind in ("rules", "alertmanager"):
            assert doc is not None
            problems.extend(p for p in doc.problems if p.rule == d.DUPLICATE_KEY.id)
            malformed = shape_problems(doc, kind)
            if malformed:  # what promtool or amtool would refuse to read: no rule can judge it
                problems.extend(malformed)
                continue
            (rule_docs if kind == "rules" else am_docs).append(doc)
    text = ""  # the last file's text is not kept while the rules run (validate reads a spec itself)
    worlds: list[World] = []
    # rule files and alertmanager.yml read on the fast path: their indexes are built ahead as well, and
    # taken just before the lint rules position their findings (after the analyses)
    plain = [doc for doc in (*rule_docs, *am_docs) if doc.needs_positions()]
    with _PositionsAhead({**spec_texts, **{doc.path: doc.text for doc in plain}}) as positions:
        del spec_texts
        for folder, spec_paths in spec_groups.items():
            if folder:  # a folder's own files first, as `validate DIR DIR/groups/` reads them (the first's defaults apply to all)
                base = Path(folder)
                spec_paths.sort(key=lambda p: (p.parent != base, str(p)))
            validated = validate(spec_paths, loaded=spec_docs)
            problems.extend(validated.problems)
            if not validated.ok or validated.model is None:
                result.valid = False
            else:
                positions.adopt(validated.merged.documents)
                worlds.append(spec_world(Valid(validated.model, validated.merged, validated.problems)))
        if rule_docs or am_docs or templates or silence_docs:
            alerts = [a for doc in rule_docs for a in rule_alerts(doc)]
            ext = dict.fromkeys(external_labels, "") if external_labels is not None else None
            if ext is not None:
                for a in alerts:
                    a.external = frozenset(ext)
            records = frozenset(r for doc in rule_docs for r in rule_records(doc))
            recs = [rec for doc in rule_docs for rec in record_definitions(doc)]
            version = options.target_alertmanager or DEFAULT_ALERTMANAGER
            ams: list[AMConfig | None] = [AMConfig(doc.data, doc_source(doc), am_version=version) for doc in am_docs] or [None]
            prom = options.target_prometheus or DEFAULT_PROMETHEUS
            for am in ams:
                worlds.append(
                    World(
                        alerts,
                        bool(rule_docs),
                        am,
                        templates,
                        version,
                        ext,
                        None,
                        records,
                        rule_docs,
                        prom_version=prom,
                        record_recs=recs,
                        silences=[sl for doc in silence_docs for sl in silence_records(doc)],
                    )
                )
        for world in worlds:
            world.use_catalog(options.catalog)
            problems.extend(_check(world, options, lint_rules, before_rules=lambda: positions.adopt(plain)))
    found = apply_suppressions(problems, suppressions)
    if options.project is not None:
        found = options.project.apply(found)
    result.problems = sort_problems(found)
    return result


def _spec_folder(path: Path, imported: dict[Path, frozenset[str]]) -> str:
    """The spec a file found in a directory belongs to: its folder's (lint reads each folder of a
    tree as one spec), or for a file of a split spec `callalert import` wrote (listed in the marker of
    the folder above: `groups/…`, `teams/…`), the spec of that folder."""
    folder, above = path.parent, path.parent.parent
    if above not in imported:
        try:
            imported[above] = frozenset(import_listing(above))
        except InputError:  # a marker it cannot read: the file is its own folder's
            imported[above] = frozenset()
    return str(above) if f"{folder.name}/{path.name}" in imported[above] else str(folder)


class _PositionsAhead:
    """The position indexes of the files lint read on the fast path (a spec, rule files,
    alertmanager.yml), built by a forked child on the second core while this process validates the
    spec and analyses the rules: lint positions a finding with an index of the whole file
    (spec.load), which would otherwise be built with the file's first finding, by whichever process
    runs that lint rule (each process of lint/split.py its own). Taken with `adopt`: a spec's
    after its validation, the other files' just before the lint rules run. Where no child is worth
    it or possible (lint/split.py: all the files together are too small), or it fails, nothing is
    built ahead and each index is built on first use as ever; the positions are the same either way."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = dict(texts)
        self.child: parallel.Child[dict[str, PositionIndex]] | None = None
        self.indexes: dict[str, PositionIndex] | None = None

    def __enter__(self) -> _PositionsAhead:
        texts = self.texts
        if texts and split.worth_a_child(sum(map(len, texts.values())), split.MIN_PARALLEL_SPEC_CHARS):
            self.child = parallel.start(lambda: {name: position_index(text) for name, text in texts.items()})
        return self

    def __exit__(self, *exc: object) -> None:
        if self.child is not None:
            self.child.stop()
        self.texts = {}

    def adopt(self, documents: Sequence[Document]) -> None:
        """Give each of `documents` its index built ahead (when its text is the one read); the first
        call waits for the child."""
        wanted = [doc for doc in documents if doc.path in self.texts and doc.needs_positions()]
        if not wanted or self.child is None:
            return
        if self.indexes is None:
            self.indexes = self.child.result() or {}
        for doc in wanted:
            index = self.indexes.pop(doc.path, None)
            if index is not None:
                doc.adopt_positions(index, self.texts[doc.path])
            del self.texts[doc.path]


def _check(
    world: World, options: Options, lint_rules: Sequence[LintRule], *, before_rules: Callable[[], object] | None = None
) -> list[Problem]:
    """The findings of `lint_rules` in `world`. `before_rules`: what to do once the analyses are
    made, before the rules run (take the position indexes built ahead meanwhile)."""
    # what the PromQL rules ask for, computed expression by expression before them (not rule by rule)
    world.analyze_rules(options.scrape_interval or world.scrape_interval or 60.0, options.catalog)
    if before_rules is not None:
        before_rules()
    # a large world's rules run on two cores (lint/split.py); the findings are the same, in the same order
    tasks = [
        functools.partial(_findings, lint_rule.check, world, options) for lint_rule in lint_rules if lint_rule.check is not None
    ]
    size = len(world.alerts) + len(world.record_recs)
    return [problem for found in split.share(tasks, size, split.MIN_PARALLEL_RULES) for problem in found]


def _findings(check: Check, world: World, options: Options) -> list[Problem]:
    return list(check(world, options))
