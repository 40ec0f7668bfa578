"""The two sides of `callalert diff`, read into one shape whatever they are.

A side is a spec (one or more files, or a folder of spec files), a folder `callalert render`
wrote, or plain Prometheus rule files + an alertmanager.yml (+ .tmpl templates), files or a
folder. A spec is rendered in memory first, so every side is compared as what would be deployed:
rule groups, the alertmanager.yml data, the template files it loads and the silences. `{env: NAME}`
secrets become the placeholder `<env:NAME>` (a changed variable name shows; no value is read).
"""

from __future__ import annotations

import glob
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callalert.analysis.alertmanager.matchers import Op, format_matcher
from callalert.analysis.versions import DEFAULT_ALERTMANAGER
from callalert.diagnostics import Problem, display_path
from callalert.errors import CallalertError, ProblemsFound, UsageError
from callalert.spec.kinds import TEST_COPY_MARK, detect, looks_like_spec
from callalert.spec.load import load_text
from callalert.spec.read import InputError, read_text

SILENCE_MARK_PREFIX = " [callalert:"

Shown = Callable[[Path], str]  # a path -> the name messages use for it (REF:path for a git revision)


@dataclass(frozen=True)
class RuleInfo:
    """One alerting or recording rule as Prometheus would load it."""

    kind: str  # "alert" or "record"
    name: str
    group: str
    file: str
    expr: str
    for_: str | None = None
    keep_firing_for: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    @property
    def alert_labels(self) -> dict[str, str]:
        """The labels Alertmanager routes the alert by (before the expression adds its own)."""
        return {"alertname": self.name, **self.labels}


@dataclass
class Side:
    label: str  # how the output names this side: a path, or REF:path
    kind: str  # "spec", "rendered output", "files" or "nothing" (absent at a git revision)
    am: dict[str, Any] | None
    am_version: str
    rules: list[RuleInfo]
    templates: dict[str, str]  # template file name -> text (what alertmanager.yml's `templates:` loads)
    silences: list[dict[str, Any]]  # {matchers: [..], starts_at, ends_at, created_by, comment}
    external_labels: dict[str, str] = field(default_factory=dict)
    target_set: bool = False  # the version came from the spec or --target-alertmanager

    @property
    def alerts(self) -> list[RuleInfo]:
        return [r for r in self.rules if r.kind == "alert"]


def empty_side(label: str, version: str | None) -> Side:
    return Side(label, "nothing", None, version or DEFAULT_ALERTMANAGER, [], {}, [])


class _EnvNames(Mapping[str, str]):
    """The environment a diff renders `{env: NAME}` secrets with: `<env:NAME>`, never the value."""

    def __getitem__(self, key: str) -> str:
        return f"<env:{key}>"

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _s(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def rules_from_data(data: Any, file: str) -> list[RuleInfo]:
    out: list[RuleInfo] = []
    groups = data.get("groups") if isinstance(data, dict) else None
    for group in groups or []:
        if not isinstance(group, dict):
            continue
        gname = _s(group.get("name"))
        for rule in group.get("rules") or []:
            if not isinstance(rule, dict):
                continue
            labels = (
                {str(k): _s(v) for k, v in (rule.get("labels") or {}).items()} if isinstance(rule.get("labels"), dict) else {}
            )
            anns = rule.get("annotations")
            annotations = {str(k): _s(v) for k, v in anns.items()} if isinstance(anns, dict) else {}
            for_ = rule.get("for")
            keep = rule.get("keep_firing_for")
            if "alert" in rule:
                out.append(
                    RuleInfo(
                        "alert",
                        _s(rule["alert"]),
                        gname,
                        file,
                        _s(rule.get("expr")),
                        None if for_ is None else _s(for_),
                        None if keep is None else _s(keep),
                        labels,
                        annotations,
                    )
                )
            elif "record" in rule:
                out.append(RuleInfo("record", _s(rule["record"]), gname, file, _s(rule.get("expr")), labels=labels))
    return out


def _silence_from_json(item: Mapping[str, Any]) -> dict[str, Any]:
    matchers = []
    for m in item.get("matchers") or []:
        op: Op = ("=" if m.get("isEqual", True) else "!=") if not m.get("isRegex") else ("=~" if m.get("isEqual", True) else "!~")
        matchers.append(format_matcher(str(m.get("name")), op, str(m.get("value"))))
    comment = str(item.get("comment", ""))
    if comment.endswith("]") and SILENCE_MARK_PREFIX in comment:
        comment = comment[: comment.rindex(SILENCE_MARK_PREFIX)]  # callalert's marker is bookkeeping, not content
    return {
        "matchers": sorted(matchers),
        "starts_at": str(item.get("startsAt", "")),
        "ends_at": str(item.get("endsAt", "")),
        "created_by": str(item.get("createdBy", "")),
        "comment": comment,
    }


def _text(path: Path, shown: str) -> str:
    """The guarded reader's text (bounded, every failure one line with exit 2), named as shown."""
    try:
        return read_text(path)
    except InputError as exc:
        raise UsageError(f"cannot read {display_path(shown)}: {exc.reason}") from None


def _yaml(text: str, shown: str, label: str) -> Any:
    """YAML as the spec loader reads it (depth and alias bounds); a syntax error is a positioned problem."""
    doc = load_text(text, shown)
    if doc.data is None and doc.problems:
        raise ProblemsFound(doc.problems, f"{label}: nothing compared")
    return doc.data


def _read_yaml(path: Path, shown: str, label: str = "") -> Any:
    return _yaml(_text(path, shown), shown, label or shown)


# The first line of a template callalert generated names the spec it came from: not content.
_GENERATED = re.compile(r"\A\{\{/\* Generated by callalert from [^\n]*\*/\}\}\n")


def template_text(text: str) -> str:
    return _GENERATED.sub("", text, count=1)


def _templates_of(am: Mapping[str, Any], am_dir: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for pattern in am.get("templates") or []:
        full = str(pattern) if os.path.isabs(str(pattern)) else str(am_dir / str(pattern))
        for match in sorted(glob.glob(full)):
            out[Path(match).name] = template_text(_text(Path(match), match))
    return out


def is_rendered_output(folder: Path) -> bool:
    return (folder / "alertmanager" / "alertmanager.yml").is_file() or (folder / "prometheus" / "rules").is_dir()


def _load_rendered(folder: Path, label: str, shown: Shown, target: str | None) -> Side:
    rules: list[RuleInfo] = []
    for path in sorted((folder / "prometheus" / "rules").glob("*.yml")):
        rules.extend(rules_from_data(_read_yaml(path, shown(path), label), path.name))
    am_path = folder / "alertmanager" / "alertmanager.yml"
    am = _read_yaml(am_path, shown(am_path), label) if am_path.is_file() else None
    if am is not None and not isinstance(am, dict):
        raise CallalertError(f"{shown(am_path)}: expected a mapping at the top level")
    templates = _templates_of(am, am_path.parent) if am else {}
    silences_path = folder / "alertmanager" / "silences.json"
    silences: list[dict[str, Any]] = []
    if silences_path.is_file():
        try:
            raw = json.loads(_text(silences_path, shown(silences_path)))
        except json.JSONDecodeError as exc:
            raise CallalertError(f"{shown(silences_path)}: not valid JSON: {exc}") from None
        silences = [_silence_from_json(item) for item in raw if isinstance(item, dict)]
    return Side(
        label, "rendered output", am, target or DEFAULT_ALERTMANAGER, rules, templates, silences, target_set=target is not None
    )


def _spec_side(paths: Sequence[Path], label: str, shown: Shown, target: str | None) -> Side:
    from callalert.pipeline import load_valid
    from callalert.render import prometheus, templates
    from callalert.render.alertmanager import config_data
    from callalert.render.context import RenderContext

    try:
        valid = load_valid(paths)
    except ProblemsFound as exc:
        problems = [Problem(shown(Path(p.path)), p.line, p.col, p.level, p.message, p.rule, p.key, p.fix) for p in exc.problems]
        raise ProblemsFound(problems, f"{label} is not a valid spec: nothing compared") from None
    model = valid.model
    ctx = RenderContext(secrets="env", environ=_EnvNames())
    am = config_data(model, ctx)
    rules: list[RuleInfo] = []
    for name, data in prometheus.rule_files(model).items():  # the data the rule files are dumped from
        rules.extend(rules_from_data(data, Path(name).name))
    tmpl = {Path(name).name: template_text(text) for name, text in templates.render(model).items()}
    from callalert.analysis.times import rfc3339

    silences = [
        {
            "matchers": sorted(s.matchers),
            "starts_at": rfc3339(s.starts_at),
            "ends_at": rfc3339(s.ends_at),
            "created_by": s.created_by,
            "comment": s.comment,
        }
        for s in model.silences
    ]
    return Side(
        label,
        "spec",
        am,
        target or model.am_version,
        rules,
        tmpl,
        silences,
        dict(model.defaults.external_labels),
        target_set=True,
    )


def _files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml", ".tmpl", ".tpl"))


def load_side(paths: Sequence[Path], label: str, target: str | None = None, shown: Shown | None = None) -> Side:
    """Read one side. `shown` turns a path into the name messages use (REF:path for a git revision)."""
    show: Shown = shown or str
    if len(paths) == 1 and paths[0].is_dir() and is_rendered_output(paths[0]):
        return _load_rendered(paths[0], label, show, target)
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            if is_rendered_output(path):
                raise UsageError(f"{show(path)} is a rendered output folder: compare it alone, not with other files")
            files.extend(_files_in(path))
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"file not found: {show(path)}")
    specs: list[Path] = []
    rule_docs: list[tuple[Path, Any]] = []
    am_docs: list[tuple[Path, dict[str, Any]]] = []
    templates: dict[str, str] = {}
    for path in files:
        text = _text(path, show(path))
        if text.startswith(TEST_COPY_MARK):
            continue  # a rule group render copied for promtool tests: not deployed
        if looks_like_spec(str(path), text):
            specs.append(path)  # loaded once, by the validation below
            continue
        data = None
        if path.suffix not in (".tmpl", ".tpl"):
            data = _yaml(text, show(path), label)
        kind = detect(str(path), text, data)
        if kind == "spec":
            specs.append(path)
        elif kind in ("rules", "mimir-rules"):  # a Mimir/Cortex ruler namespace file is a rule file with a namespace
            rule_docs.append((path, data))
        elif kind == "alertmanager":
            assert isinstance(data, dict)
            am_docs.append((path, data))
        elif kind == "template":
            templates[path.name] = template_text(text)
        elif kind in ("rules-test", "callalert-output"):
            continue
        elif len(files) == 1 or path in paths:
            raise UsageError(
                f"{show(path)}: not a callalert spec, Prometheus rule file, alertmanager.yml or .tmpl template: nothing to compare"
            )
    if specs:
        if rule_docs or am_docs:
            other = (rule_docs or am_docs)[0][0]
            raise UsageError(f"{label}: a side is a spec or plain files, not both ({show(specs[0])} and {show(other)})")
        return _spec_side(specs, label, show, target)
    if len(am_docs) > 1:
        raise UsageError(f"{label}: more than one alertmanager.yml ({', '.join(show(p) for p, _ in am_docs)})")
    am = am_docs[0][1] if am_docs else None
    if am is not None:
        loaded = _templates_of(am, am_docs[0][0].parent)
        templates = {**loaded, **templates}
    rules = [r for path, data in rule_docs for r in rules_from_data(data, path.name)]
    if not rules and am is None and not templates:
        raise UsageError(f"{label}: no spec, rule file, alertmanager.yml or template to compare")
    return Side(label, "files", am, target or DEFAULT_ALERTMANAGER, rules, templates, [], target_set=target is not None)
