"""The order import works in: read, the tools' verdict, build, validate, and --verify."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from callalert import diagnostics as d
from callalert.analysis.versions import DEFAULT_ALERTMANAGER, DEFAULT_PROMETHEUS, Version
from callalert.diagnostics import KeyPath, Problem, format_key, sort_problems
from callalert.errors import UsageError
from callalert.importer import emit, secrets, tools
from callalert.importer.alertmanager import AMImport
from callalert.importer.build import Built
from callalert.importer.inputs import AMSource, Inputs
from callalert.importer.nodes import Pos
from callalert.importer.read import read_inputs
from callalert.importer.result import ImportOptions, ImportResult
from callalert.importer.rules import import_rules, severity_table
from callalert.importer.secrets import SecretStore
from callalert.importer.templates import builtins, loaded_beside, loaded_by, place
from callalert.toolchain import CHECKERS, start_probes


def run_import(paths: Sequence[Path], options: ImportOptions) -> ImportResult:
    if options.split not in emit.SPLITS:
        raise UsageError(f"unknown --split {options.split!r}; choose none, group or team")
    start_probes(kinds=CHECKERS)  # the tools' versions are asked meanwhile, while the inputs are read
    inputs = read_inputs(paths)
    out = Built()
    result = ImportResult({}, list(inputs.problems), out, inputs)
    if not (
        inputs.rules or inputs.ams or inputs.templates or inputs.operator_configs or inputs.unknown or _errors(result.problems)
    ):
        first = _first_input(inputs)
        result.problems.append(d.problem(first.path, first.line, first.col, "nothing to import among the inputs", d.IMPORT_INPUT))
    if _errors(result.problems):
        return _finish(result, options)
    if inputs.operator_configs:
        from callalert.importer.operator import merge_operator_configs

        merge_operator_configs(inputs, out)
    with tempfile.TemporaryDirectory(prefix="callalert-import-") as scratch_dir:
        scratch = Path(scratch_dir)
        targets = _verdicts(inputs, result, scratch)
        if _errors(result.problems):
            return _finish(result, options)
        _build(inputs, out, targets, options)
        result.targets = targets
        result.files = _files(out, inputs, options)
        result.problems.extend(out.problems)
        result.problems.extend(_validate(result, scratch))
        if options.verify and not _errors(result.problems, options.allow_loss):
            from callalert.importer.verify import verify

            result.proof = verify(result, options, scratch, run_import)
            result.problems.extend(result.proof.problems)
    return _finish(result, options)


def _errors(problems: Sequence[Problem], allow_loss: bool = False) -> bool:
    return any(p.level == "error" and not (allow_loss and p.rule == d.IMPORT_LOSS.id) for p in problems)


def _finish(result: ImportResult, options: ImportOptions) -> ImportResult:
    if options.allow_loss:
        result.problems = [
            Problem(p.path, p.line, p.col, "warning", p.message, p.rule, p.key, p.fix) if p.rule == d.IMPORT_LOSS.id else p
            for p in result.problems
        ]
    result.problems = sort_problems(result.problems)
    return result


# --- the real tools -----------------------------------------------------------------------------


def _verdicts(inputs: Inputs, result: ImportResult, scratch: Path) -> dict[str, str]:
    """Refuse what the tools reject, and the versions the spec targets: what the input needs at
    least. Prometheus: the oldest promtool that accepts every rule source. Alertmanager: the
    newest feature the configuration uses (the verified feature table), at least the oldest
    amtool here, raised when only a newer amtool accepts it. A product the inputs do not
    configure keeps the spec's default target."""
    from callalert.importer.alertmanager import am_needs

    targets = {"prometheus": DEFAULT_PROMETHEUS, "alertmanager": DEFAULT_ALERTMANAGER}
    secret_values = [v.value for values in inputs.k8s_secrets.values() for v in values.values()]
    promtools = tools.tools("promtool")
    amtools = tools.tools("amtool")
    if inputs.rules and not promtools:
        result.problems.append(tools.missing_note("promtool", inputs.rules[0].groups.pos()))
    if inputs.ams and not amtools:
        result.problems.append(tools.missing_note("amtool", inputs.ams[0].config.pos()))
    if inputs.rules and promtools:
        needs = tools.short(promtools[0].version)
        for verdict in tools.check_rules(inputs.rules, promtools, scratch):
            if verdict.accepted_by is None:
                result.problems.extend(verdict.problems)
            else:
                needs = _higher(needs, tools.short(verdict.accepted_by.version))
        targets["prometheus"] = needs
    if inputs.ams:
        needs = tools.short(amtools[0].version) if amtools else DEFAULT_ALERTMANAGER
        for am in inputs.ams:
            need = am_needs(am.config)
            if need is not None:
                needs = _higher(needs, need[0])
            if not amtools:
                continue
            floor = Version.parse(needs)
            candidates = [t for t in amtools if t.version >= floor] or amtools[-1:]
            verdict = tools.check_config(am, candidates, scratch, secret_values + _literal_values(am))
            if verdict.accepted_by is None:
                result.problems.extend(verdict.problems)
            elif verdict.accepted_by is not candidates[0]:
                needs = _higher(needs, tools.short(verdict.accepted_by.version))
        targets["alertmanager"] = needs
    template_needs = tools.short(amtools[0].version) if amtools else DEFAULT_ALERTMANAGER
    # templates given as files, and those a configuration loads from the keys beside it (amtool
    # check-config of a configuration alone does not see them)
    beside = [t for am in inputs.ams for t in loaded_beside(am)]
    for template in [*inputs.templates, *beside] if amtools else []:
        template_verdict = tools.check_template(template, amtools, scratch)
        result.problems.extend(template_verdict.problems)
        if template_verdict.accepted_by is not None:
            template_needs = _higher(template_needs, tools.short(template_verdict.accepted_by.version))
    if inputs.templates or beside:  # the spec's alertmanager.yml loads them: it needs what they need
        targets["alertmanager"] = _higher(targets["alertmanager"], template_needs) if inputs.ams else template_needs
    for path, at in inputs.unknown:
        verdicts = tools.unknown_verdicts(path, promtools[-1:] + amtools[-1:])
        message = (
            "not a rule file, alertmanager.yml, template, Kubernetes object (PrometheusRule, AlertmanagerConfig, "
            "Alertmanager, Secret, ConfigMap), kube-prometheus-stack values or Mimir/Cortex file: nothing to import"
        )
        if verdicts:
            message += f" ({'; '.join(verdicts)})"
        result.problems.append(d.problem(at.path, at.line, at.col, message, d.IMPORT_INPUT))
    return targets


def _higher(a: str, b: str) -> str:
    return b if Version.parse(b) > Version.parse(a) else a


def _literal_values(am: AMSource) -> list[str]:
    """Every secret written in an Alertmanager configuration: tool output is redacted of them (a
    message must never echo a secret)."""
    from callalert.importer.fields import secret_keys
    from callalert.validate.secrets import literal_secret_reason

    keys = secret_keys()
    found: list[str] = []

    def walk(y: Any, key: str) -> None:
        if y.is_scalar:
            text = y.text()
            if text and (key in keys or key.removesuffix("_file") in keys or literal_secret_reason(text)):
                found.append(text)
        elif y.is_map:
            for k, v in y.items():
                walk(v, k)
        elif y.is_list:
            for item in y:
                walk(item, key)

    walk(am.config, "")
    return found


# --- building the spec ----------------------------------------------------------------------------


def _build(inputs: Inputs, out: Built, targets: dict[str, str], options: ImportOptions) -> None:
    store = SecretStore(out)
    groups = import_rules(inputs.rules, out)
    ams = list(inputs.ams)
    templates = [t for t in inputs.templates if t.explicit or not ams]
    if len(ams) > 1:
        for am in ams[1:]:
            out.add(
                am.config.pos(),
                f"a second Alertmanager configuration ({am.label}; the first is {ams[0].label}): a spec has one, "
                "import them one at a time",
                d.IMPORT_INPUT,
            )
    if ams:
        descriptions = (ams[0].receiver_descriptions, ams[0].inhibit_descriptions)
        AMImport(out, store, inputs.k8s_secrets, targets["alertmanager"]).run(ams[0].config, descriptions)
        loaded = loaded_by(ams[0], out)
        loaded_paths = {str(t.path.resolve()) for t in loaded if t.path is not None}
        for extra in templates:
            if extra.path is not None and str(extra.path.resolve()) in loaded_paths:
                continue
            out.add(
                extra.pos,
                f"{ams[0].label} does not load this template (its `templates:` globs miss it); the spec's alertmanager.yml will",
                d.IMPORT_NOTE,
                level="warning",
            )
        templates = loaded + [t for t in templates if t.path is None or str(t.path.resolve()) not in loaded_paths]
    else:
        out.spec["receivers"] = {"default": {}}
        out.spec["routing"] = {"routes": []}
        if inputs.rules:
            out.add(
                inputs.rules[0].groups.pos(),
                "no Alertmanager configuration among the inputs: the spec gets an empty receiver `default` that "
                "notifies nobody; import your alertmanager.yml together with the rules to carry routing",
                d.IMPORT_NOTE,
            )
    place(templates, out)
    for product, (version, why, at) in out.raised.items():
        if Version.parse(version) > Version.parse(targets[product]):
            targets[product] = version
            out.add(at, f"the spec targets Alertmanager {version}: {why} needs it", d.IMPORT_NOTE, level="warning")
            out.origins[("defaults", "targets", product)] = at
    found_builtins, locale = builtins(out, targets["alertmanager"])
    if out.severities:
        out.spec["severities"] = {name: {} for name in severity_table(out.severities)}
    else:
        out.spec["severities"] = {}
    if out.categories:
        out.spec["categories"] = {name: {} for name in sorted(out.categories)}
    defaults = out.spec.setdefault("defaults", {})
    # what the input needs, written for every product it configures (the defaults move with callalert)
    configured = {"prometheus": bool(inputs.rules), "alertmanager": bool(inputs.ams or inputs.templates)}
    target_data = {k: v for k, v in targets.items() if configured[k]}
    if target_data:
        defaults["targets"] = target_data
    if out.text_alert_names:
        defaults["alert_names"] = "text"
    if not defaults:
        del out.spec["defaults"]
    if locale is not None and locale != "en":
        out.spec["locale"] = locale
    template_spec: dict[str, Any] = {"builtin": found_builtins}
    if out.templates:
        template_spec["files"] = [f"templates/{name}" for name in out.templates]
    out.spec["templates"] = template_spec
    if groups:
        out.spec["groups"] = groups
    out.spec["version"] = 1
    secrets.finish(out, options.secrets_dir)
    if inputs.comment_at is not None:
        at = inputs.comment_at
        out.add(at, "comments of the inputs are not carried into the spec (this is the first)", d.IMPORT_NOTE)


def _files(out: Built, inputs: Inputs, options: ImportOptions) -> dict[str, str]:
    files = emit.split(out.spec, options.split, inputs.sources)
    for name, (text, _) in out.templates.items():
        files[f"templates/{name}"] = text
    return files


# --- validating what was built ----------------------------------------------------------------


def _validate(result: ImportResult, scratch: Path) -> list[Problem]:
    """Validate the spec import wrote (as `callalert validate` would); problems point at the input."""
    from callalert.validate import validate

    folder = scratch / "spec"
    folder.mkdir(exist_ok=True)
    one = (
        {emit.MAIN_FILE: result.files[emit.MAIN_FILE]}
        if emit.MAIN_FILE in result.files and len([k for k in result.files if not k.startswith("templates/")]) == 1
        else emit.split(result.built.spec, "none", result.inputs.sources)
    )
    for rel, text in {**one, **{k: v for k, v in result.files.items() if k.startswith("templates/")}}.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    validated = validate([folder / emit.MAIN_FILE])
    by_key = {format_key(k): k for k in result.built.origins} if validated.problems else {}
    mapped: list[Problem] = []
    first = _first_input(result.inputs)
    for p in validated.problems:
        at = _origin(result.built, by_key, p.key) or first
        mapped.append(
            Problem(at.path, at.line, at.col, p.level, f"in the imported spec ({p.key}): {p.message}", p.rule, "", p.fix)
        )
    return mapped


def _first_input(inputs: Inputs) -> Pos:
    if inputs.rules:
        return inputs.rules[0].groups.pos()
    if inputs.ams:
        return inputs.ams[0].config.pos()
    return Pos(inputs.sources[0] if inputs.sources else "<input>", 1, 1)


def _origin(built: Built, by_key: dict[str, KeyPath], key: str) -> Pos | None:
    """Where the spec's `key` (as a problem names it) came from: it or its nearest parent."""
    while key:
        if key in by_key:
            return built.origin(by_key[key])
        cut = max(key.rfind("."), key.rfind("["))
        key = key[:cut] if cut > 0 else ""
    return None
