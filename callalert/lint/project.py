"""Project configuration of `callalert lint`: `.callalert.yml`, or `[tool.callalert]` in
pyproject.toml, found in the current directory or its parents (or named with --config).

    lint:
      rules:                       # re-level or turn off any rule, by id
        alert-missing-dashboard: off
        promql-division-nan: warning
      overrides:                   # the same, for files matching globs (relative to the config file)
        - paths: ["rules/legacy/*.yml"]
          rules: {alert-missing-runbook: off}
      policy:                      # what this project requires of its alerts (rules policy-*)
        labels: {severity: "critical|warning|info", team: ".+"}
        annotations: {summary: ".+", runbook_url: "https://runbooks\\.example\\.com/.+"}
        for: {min: 1m, max: 1h}
        name: "[A-Z][A-Za-z0-9]+"
        receivers: {critical: ["*-pagerduty", "*-oncall"]}

The file is validated like a spec: every mistake is a positioned `lint-config` error, and lint
stops (exit 2 is for the command line; a project file that does not make sense is exit 1 with
its problems, like an invalid spec).
"""

from __future__ import annotations

import contextlib
import fnmatch
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from callalert import diagnostics as d
from callalert.analysis.times import model_duration_seconds
from callalert.diagnostics import KeyPath, Level, Problem, Rule, did_you_mean, format_key
from callalert.spec.load import Document, load_text

NAMES = (".callalert.yml", ".callalert.yaml")
LEVEL_VALUES = ("error", "warning", "info", "off")
_LEVELS: dict[str, Level] = {"error": "error", "warning": "warning", "info": "info"}

LINT_CONFIG = Rule(
    "lint-config",
    "error",
    "lint",
    "project configuration (.callalert.yml, [tool.callalert]) that cannot be used",
    "A project file lint cannot read would silently lint with other settings than the project decided; every "
    "mistake in it is reported, positioned, and lint stops before linting anything.",
    bad="""\
lint:
  rules:
    alert-missing-dashbaord: off
    promql-division-nan: warn
""",
    good="""\
lint:
  rules:
    alert-missing-dashboard: off
    promql-division-nan: warning
""",
)


@dataclass(frozen=True)
class Policy:
    labels: dict[str, str] = field(default_factory=dict)  # label -> full-match regex of its value
    annotations: dict[str, str] = field(default_factory=dict)
    for_min: float | None = None
    for_max: float | None = None
    for_text: tuple[str, str] = ("", "")
    name: str | None = None
    receivers: dict[str, list[str]] = field(default_factory=dict)  # severity -> receiver globs
    key: KeyPath = ()  # where it is written (for positions of findings about the project itself)

    @property
    def empty(self) -> bool:
        return not (self.labels or self.annotations or self.for_min is not None or self.for_max is not None) and not (
            self.name or self.receivers
        )


@dataclass
class Project:
    path: str  # the file it was read from
    root: Path  # globs of overrides are relative to it
    levels: dict[str, str] = field(default_factory=dict)  # rule -> error|warning|info|off
    overrides: list[tuple[list[str], dict[str, str]]] = field(default_factory=list)
    policy: Policy = field(default_factory=Policy)
    problems: list[Problem] = field(default_factory=list)

    def level_for(self, rule: str, path: str) -> str | None:
        """The level the project sets for `rule` in file `path` (the last matching override wins), or None."""
        level = self.levels.get(rule)
        for globs, levels in self.overrides:
            if rule in levels and _matches(path, globs, self.root):
                level = levels[rule]
        return level

    def apply(self, problems: Iterable[Problem]) -> list[Problem]:
        out: list[Problem] = []
        for problem in problems:
            if problem.rule == LINT_CONFIG.id:
                out.append(problem)
                continue
            level = self.level_for(problem.rule, problem.path)
            if level == "off":
                continue
            new = _LEVELS.get(level or "")
            if new is not None:
                out.append(
                    Problem(problem.path, problem.line, problem.col, new, problem.message, problem.rule, problem.key, problem.fix)
                )
            else:
                out.append(problem)
        return out


def _matches(path: str, globs: list[str], root: Path) -> bool:
    candidates = [PurePath(path).as_posix()]
    with contextlib.suppress(ValueError, OSError):
        candidates.append(Path(path).resolve().relative_to(root.resolve()).as_posix())
    return any(fnmatch.fnmatchcase(c, g) for c in candidates for g in globs)


# --- finding and reading the file -------------------------------------------------------------


def discover(start: Path) -> Path | None:
    """The nearest .callalert.yml, or pyproject.toml with [tool.callalert], from `start` upward."""
    here = start.resolve()
    for folder in (here, *here.parents):
        for name in NAMES:
            if (folder / name).is_file():
                return folder / name
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                text = pyproject.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if re.search(r"(?m)^\[tool\.callalert(\.|\])", text):
                return pyproject
    return None


def load_project(path: Path, known_rules: Iterable[str]) -> Project:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        project = Project(str(path), path.parent)
        project.problems.append(d.problem(str(path), 1, 1, f"cannot read the project configuration: {exc}", LINT_CONFIG))
        return project
    if path.name == "pyproject.toml":
        return _from_toml(path, text, known_rules)
    doc = load_text(text, str(path))
    project = Project(str(path), path.parent)
    if doc.problems:
        project.problems.extend(doc.problems)
        return project
    locate = _yaml_locator(doc)
    _read(project, doc.data if doc.data is not None else {}, (), locate, set(known_rules))
    project.problems = d.sort_problems(project.problems)
    return project


Locate = Any  # (key, at_key) -> (line, col)


def _yaml_locator(doc: Document) -> Locate:
    return lambda key, at_key=False: doc.position(key, at_key=at_key)


def _from_toml(path: Path, text: str, known_rules: Iterable[str]) -> Project:
    project = Project(str(path), path.parent)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+), column (\d+)", str(exc))
        line, col = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
        project.problems.append(d.problem(str(path), line, col, f"invalid TOML: {exc}", LINT_CONFIG))
        return project
    section = data.get("tool", {}).get("callalert", {})
    lines = text.splitlines()

    def locate(key: KeyPath, at_key: bool = False) -> tuple[int, int]:
        # the line of the deepest key written in the file: `name =` or `[tool.callalert....name]`
        best = (1, 1)
        for index, line in enumerate(lines):
            if re.match(r"\s*\[+\s*tool\.callalert", line):
                best = (index + 1, 1)
                break
        for part in key:
            if isinstance(part, int):
                continue
            pattern = re.compile(rf'^\s*(\[+[^\]]*\b{re.escape(str(part))}\b[^\]]*\]+|"?{re.escape(str(part))}"?\s*=)')
            for index in range(best[0] - 1, len(lines)):
                found = pattern.search(lines[index]) or re.search(rf"(?<![\w-]){re.escape(str(part))}\s*=", lines[index])
                if found:
                    best = (index + 1, (found.start(1) if found.lastindex else found.start()) + 1)
                    break
        return best

    _read(project, section, ("tool", "callalert"), locate, set(known_rules))
    project.problems = d.sort_problems(project.problems)
    return project


# --- validation ------------------------------------------------------------------------------


def _read(project: Project, data: Any, base: KeyPath, locate: Locate, known: set[str]) -> None:
    def bad(key: KeyPath, message: str, at_key: bool = False) -> None:
        line, col = locate(key, at_key)
        project.problems.append(d.problem(project.path, line, col, message, LINT_CONFIG, key=format_key(key)))

    def mapping(value: Any, key: KeyPath, allowed: Iterable[str] | None = None) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            bad(key, f"expected a mapping, got {_kind(value)}")
            return {}
        if allowed is not None:
            allowed = list(allowed)
            for name in value:
                if str(name) not in allowed:
                    bad((*key, str(name)), f"unknown key {str(name)!r}{did_you_mean(str(name), allowed)}", at_key=True)
        return value

    top = mapping(data, base, ["lint"])
    lint = mapping(top.get("lint"), (*base, "lint"), ["rules", "overrides", "policy"])
    project.levels = _levels(lint.get("rules"), (*base, "lint", "rules"), known, bad, mapping)
    for i, raw in enumerate(_listing(lint.get("overrides"), (*base, "lint", "overrides"), bad)):
        key = (*base, "lint", "overrides", i)
        entry = mapping(raw, key, ["paths", "rules"])
        globs = entry.get("paths")
        if not (isinstance(globs, list) and globs and all(isinstance(g, str) for g in globs)):
            bad((*key, "paths"), "paths: a list of file globs (relative to this file), e.g. ['rules/legacy/*.yml']")
            continue
        project.overrides.append((list(globs), _levels(entry.get("rules"), (*key, "rules"), known, bad, mapping)))
    project.policy = _policy(lint.get("policy"), (*base, "lint", "policy"), bad, mapping)


def _levels(raw: Any, key: KeyPath, known: set[str], bad: Any, mapping: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in mapping(raw, key).items():
        rule = str(name)
        text = "off" if value is False else str(value).lower()
        if rule not in known:
            bad((*key, rule), f"unknown rule {rule!r}{did_you_mean(rule, known)}", at_key=True)
            continue
        if text not in LEVEL_VALUES:
            bad((*key, rule), f"{rule}: {value!r} is not one of error, warning, info, off")
            continue
        out[rule] = text
    return out


def _listing(value: Any, key: KeyPath, bad: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        bad(key, f"expected a list, got {_kind(value)}")
        return []
    return value


def _regex(value: Any, key: KeyPath, bad: Any) -> str | None:
    if not isinstance(value, str):
        bad(key, f"expected a regex (a string), got {_kind(value)}")
        return None
    try:
        re.compile(value)
    except re.error as exc:
        bad(key, f"invalid regex {value!r}: {exc}")
        return None
    return value


def _policy(raw: Any, key: KeyPath, bad: Any, mapping: Any) -> Policy:
    data = mapping(raw, key, ["labels", "annotations", "for", "name", "receivers"])
    labels = {}
    for name, value in mapping(data.get("labels"), (*key, "labels")).items():
        pattern = _regex(value, (*key, "labels", str(name)), bad)
        if pattern is not None:
            labels[str(name)] = pattern
    annotations = {}
    for name, value in mapping(data.get("annotations"), (*key, "annotations")).items():
        pattern = _regex(value, (*key, "annotations", str(name)), bad)
        if pattern is not None:
            annotations[str(name)] = pattern
    bounds = mapping(data.get("for"), (*key, "for"), ["min", "max"])
    limits: dict[str, float | None] = {"min": None, "max": None}
    texts = {"min": "", "max": ""}
    for side in ("min", "max"):
        if side in bounds:
            text = str(bounds[side])
            seconds = model_duration_seconds(text)
            if seconds is None:
                bad((*key, "for", side), f"for.{side}: {text!r} is not a duration (30s, 5m, 1h)")
            else:
                limits[side], texts[side] = seconds, text
    if limits["min"] is not None and limits["max"] is not None and limits["min"] > limits["max"]:
        bad((*key, "for"), f"for: min {texts['min']} is above max {texts['max']}")
    name = _regex(data["name"], (*key, "name"), bad) if "name" in data else None
    receivers: dict[str, list[str]] = {}
    for severity, globs in mapping(data.get("receivers"), (*key, "receivers")).items():
        if not (isinstance(globs, list) and all(isinstance(g, str) for g in globs)):
            bad((*key, "receivers", str(severity)), "a list of receiver names or globs, e.g. ['*-pagerduty']")
            continue
        receivers[str(severity)] = list(globs)
    return Policy(labels, annotations, limits["min"], limits["max"], (texts["min"], texts["max"]), name, receivers, key)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping" if isinstance(value, Mapping) else "nothing" if value is None else type(value).__name__


def matches_receiver(name: str, globs: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, g) for g in globs)


def full_match(pattern: str, value: str) -> bool:
    return re.fullmatch(pattern, value) is not None
