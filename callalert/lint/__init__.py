"""`callalert lint`: semantic and cross-layer checks on a spec, or on existing rule files,
alertmanager.yml and .tmpl files (told apart by content)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from callalert import diagnostics as d
from callalert.diagnostics import Problem, sort_problems
from callalert.lint.engine import RULES, Options, apply_suppressions
from callalert.lint.kinds import Kind, detect
from callalert.render.promtool_tests import TEST_COPY_MARK

__all__ = ["RULES", "LintResult", "Options", "all_rules", "lint_paths"]

_SPEC_HINT = re.compile(r"(?m)^version:\s*['\"]?1['\"]?\s*(#.*)?$")
_SPEC_KEYS = re.compile(r"(?m)^(severities|receivers):\s*(#.*)?$")
_CHECKS = ("rules.labels", "rules.promql", "rules.routing", "rules.templates", "rules.secrets", "rules.practice")


def all_rules() -> dict[str, object]:
    _load_rules()
    return dict(RULES)


def _load_rules() -> list[object]:
    import importlib

    return [importlib.import_module(f"callalert.lint.{name}") for name in _CHECKS]


@dataclass
class LintResult:
    problems: list[Problem]
    kinds: dict[str, Kind] = field(default_factory=dict)
    valid: bool = True  # False when a spec failed validation

    def count(self, path: str) -> int:
        return sum(1 for p in self.problems if p.path == path)


def _expand(paths: Sequence[Path]) -> list[Path]:
    from callalert.errors import UsageError

    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml", ".tmpl")))
        elif path.exists():
            out.append(path)
        else:
            raise UsageError(f"file not found: {path}")
    return out


def lint_paths(paths: Sequence[Path], options: Options, *, external_labels: Sequence[str] | None = None) -> LintResult:
    from callalert.lint.world import (
        AMConfig,
        TemplateFile,
        World,
        doc_source,
        rule_alerts,
        rule_records,
        spec_world,
        text_source,
    )
    from callalert.spec.load import load_text

    modules = _load_rules()
    files = _expand(paths)
    result = LintResult([])
    texts: dict[str, str] = {}
    spec_paths: list[Path] = []
    rule_docs: list[object] = []
    am_docs: list[object] = []
    templates: list[TemplateFile] = []
    problems: list[Problem] = []
    for path in files:
        name = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            problems.append(d.problem(name, 1, 1, f"not UTF-8 text: {exc.reason}", d.YAML_SYNTAX))
            result.kinds[name] = "unknown"
            continue
        texts[name] = text
        doc = None
        if text.startswith(TEST_COPY_MARK):
            result.kinds[name] = "test-copy"  # callalert's own copy of a group for promtool tests: skipped
            continue
        if path.suffix != ".tmpl" and _SPEC_HINT.search(text) and _SPEC_KEYS.search(text):
            kind: Kind = "spec"  # validate loads it; a second YAML load of a big spec costs seconds
        else:
            if path.suffix != ".tmpl":
                doc = load_text(text, name)
            kind = detect(name, text, doc.data if doc is not None else None)
        if doc is not None and doc.data is None and doc.problems and kind != "template":
            kind = "unknown"
        result.kinds[name] = kind
        if kind == "spec":
            spec_paths.append(path)
        elif kind == "template":
            templates.append(TemplateFile(name, text, text_source(name, text)))
        elif kind == "unknown":
            if doc is not None and doc.problems:
                problems.extend(doc.problems)
            else:
                problems.append(
                    Problem(
                        name,
                        1,
                        1,
                        "info",
                        "not a callalert spec, Prometheus rule file, alertmanager.yml or .tmpl template: nothing to lint",
                        "lint-unknown-file",
                    )
                )
        elif kind in ("rules", "alertmanager"):
            assert doc is not None
            problems.extend(p for p in doc.problems if p.rule == "duplicate-key")
            (rule_docs if kind == "rules" else am_docs).append(doc)
    worlds: list[World] = []
    if spec_paths:
        from callalert.validate import validate

        validated = validate(spec_paths)
        problems.extend(validated.problems)
        if not validated.ok or validated.model is None:
            result.valid = False
        else:
            from callalert.pipeline import Valid

            worlds.append(spec_world(Valid(validated.model, validated.merged, validated.problems)))
    if rule_docs or am_docs or templates:
        alerts = [a for d in rule_docs for a in rule_alerts(d)]
        ext = dict.fromkeys(external_labels, "") if external_labels is not None else None
        if ext is not None:
            for a in alerts:
                a.external = frozenset(ext)
        records = frozenset(r for d in rule_docs for r in rule_records(d))
        from callalert.analysis.versions import DEFAULT_ALERTMANAGER

        version = options.target_alertmanager or DEFAULT_ALERTMANAGER
        for am_doc in am_docs or [None]:
            am = AMConfig(am_doc.data, doc_source(am_doc)) if am_doc is not None else None  # type: ignore[attr-defined]
            worlds.append(World(alerts, bool(rule_docs), am, templates, version, ext, None, records, rule_docs))
    for world in worlds:
        for module in modules:
            problems.extend(module.check(world, options))  # type: ignore[attr-defined]
    result.problems = sort_problems(apply_suppressions(problems, texts))
    return result
