"""`import --verify`: render the spec import wrote and prove it equivalent to the input.

1. the same rules: every group (name, interval, limit, query_offset, labels) and every rule in
   order (name, expr, for, keep_firing_for, labels, annotations; only `runbook_url` and
   `dashboard` may be added);
2. promtool check rules and amtool check-config pass on the rendered files (the oldest tools at
   least the spec's targets);
3. routing: every label set of a generated suite reaches the same receivers, with the same
   grouping, timings, time intervals and `continue` outcomes, in the input and in the rendered
   alertmanager.yml, by the routing engine; a covering share of them also by `amtool config
   routes test` on both files; inhibit rules and time intervals are the same;
4. templates: every templated receiver field and every defined template renders to the same
   text with the input's templates and the rendered ones (`amtool template render`), firing and
   resolved;
5. a fixed point: importing the rendered files gives the same spec (the `thanos` target's rule
   files when a group sets Thanos' partial_response_strategy, which only they carry).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from callalert import diagnostics as d
from callalert.analysis.alertmanager.inhibit import build_inhibit_rules
from callalert.analysis.alertmanager.matchers import Matcher, sort_key
from callalert.analysis.alertmanager.routing import Route, RoutingError, build_route_tree, match_routes
from callalert.analysis.versions import Version
from callalert.diagnostics import Problem
from callalert.errors import ProblemsFound, ToolError
from callalert.importer import emit
from callalert.importer.inputs import AMSource, RuleSource
from callalert.importer.labelsets import label_sets
from callalert.importer.nodes import Pos, Y
from callalert.importer.result import ImportOptions, ImportResult
from callalert.spec.load import load_nodes, plain_data
from callalert.toolchain import CHECKERS, Tool, discover, run_tool, select

AMTOOL_LABEL_SETS = 150  # label sets per configuration also routed by amtool (each is one amtool run)
WORKERS = 4
SEPARATOR = "\n@@callalert-import-separator@@\n"
ADDED_ANNOTATIONS = ("runbook_url", "dashboard")


@dataclass
class Proof:
    problems: list[Problem] = field(default_factory=list)
    groups: int = 0
    rules: int = 0
    promtool: str = ""
    amtool: str = ""
    routes: int = 0
    label_sets: int = 0
    exhaustive: bool = False
    amtool_label_sets: int = 0
    inhibit_rules: int = 0
    time_intervals: int = 0
    template_renders: int = 0
    template_errors: int = 0  # renders that end in the same error on both sides
    fixed_point: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        if self.problems:
            return f"verify FAILED: {len(self.problems)} difference(s) ({self.seconds:.1f}s)"
        parts = [f"{self.rules} rules in {self.groups} groups identical"] if self.groups else []
        if self.promtool:
            parts.append(f"promtool {self.promtool} check rules ok")
        if self.amtool:
            parts.append(f"amtool {self.amtool} check-config ok")
        if self.routes:
            kind = "every combination" if self.exhaustive else "a covering sample"
            parts.append(
                f"{self.label_sets} label sets ({kind}) route alike through {self.routes} routes (engine), "
                f"{self.amtool_label_sets} of them by amtool"
            )
        if self.inhibit_rules or self.time_intervals:
            parts.append(f"{self.inhibit_rules} inhibit rules and {self.time_intervals} time intervals alike")
        if self.template_renders:
            errors = f" ({self.template_errors} of them the same template error)" if self.template_errors else ""
            parts.append(f"{self.template_renders} template renders identical{errors}")
        if self.fixed_point:
            parts.append("import of the render is a fixed point")
        return f"verified ({self.seconds:.1f}s): " + "; ".join(parts)


Reimport = Callable[[Sequence[Path], ImportOptions], ImportResult]


def verify(result: ImportResult, options: ImportOptions, scratch: Path, reimport: Reimport) -> Proof:
    """`reimport` is `run_import` (the fixed point imports the rendered files)."""
    started = time.perf_counter()
    proof = Proof()
    folder = scratch / "verify"
    spec_dir = folder / "spec"
    out_dir = folder / "out"
    for rel, text in result.files.items():
        (spec_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (spec_dir / rel).write_text(text, encoding="utf-8")
    rendered = _render(result, spec_dir, proof)
    if rendered is None:
        proof.seconds = time.perf_counter() - started
        return proof
    for rel, text in rendered.items():
        if rel.startswith("runbooks/"):
            continue  # Markdown for people, one file per alert: no tool of the proof reads them
        (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (out_dir / rel).write_text(text, encoding="utf-8")
    chains = discover(kinds=CHECKERS)
    promtool = select(chains, "promtool", Version.parse(result.targets["prometheus"]))
    amtool = select(chains, "amtool", Version.parse(result.targets["alertmanager"]))
    _rules(result, rendered, proof)
    rule_files = sorted(rel for rel in rendered if rel.startswith("prometheus/rules/"))
    if rule_files:
        proof.promtool = promtool.version.short
        _tool(proof, [promtool.path, "check", "rules", *rule_files], out_dir, "promtool check rules", result)
    proof.amtool = amtool.version.short
    _tool(proof, [amtool.path, "check-config", "alertmanager/alertmanager.yml"], out_dir, "amtool check-config", result)
    am = _input_am(result)
    if am is not None and not proof.problems:
        _routing(result, am, out_dir, amtool, proof, scratch)
    if not proof.problems:
        _templates(result, am, out_dir, amtool, proof, scratch)
    if not proof.problems:
        _fixed_point(result, options, out_dir, rendered, proof, reimport)
    proof.seconds = time.perf_counter() - started
    return proof


def _fail(proof: Proof, at: Pos, message: str, key: str = "") -> None:
    proof.problems.append(d.problem(at.path, at.line, at.col, message, d.IMPORT_VERIFY, key=key))


def _first_pos(result: ImportResult) -> Pos:
    inputs = result.inputs
    if inputs.rules:
        return inputs.rules[0].groups.pos()
    if inputs.ams:
        return inputs.ams[0].config.pos()
    return Pos(inputs.sources[0] if inputs.sources else "<input>", 1, 1)


# --- render ------------------------------------------------------------------------------------


def _render(result: ImportResult, spec_dir: Path, proof: Proof) -> dict[str, str] | None:
    from callalert import pipeline
    from callalert.render.context import RenderContext

    env = {}
    for secret in result.built.secrets:
        if "env" in secret.ref:
            env[secret.ref["env"]] = secret.value or "placeholder-not-a-secret"
    ctx = RenderContext(secrets="env" if env else "ref", environ=env)
    paths = [spec_dir / rel for rel in emit.spec_paths(result.files)]
    # Thanos Ruler's partial_response_strategy is written by the thanos target only: render it too
    # (the fixed point imports its rule files)
    thanos = any(g.get("partial_response_strategy") for g in result.built.spec.get("groups", []))
    try:
        rendered = pipeline.render(paths, ctx=ctx, targets=["prometheus", "thanos"] if thanos else None)
    except ProblemsFound as exc:
        for p in exc.problems:
            _fail(proof, _first_pos(result), f"the imported spec does not render: {p.format()}")
        return None
    return rendered.files


# --- 1. rules --------------------------------------------------------------------------------------


def _canon_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("alert", "record", "expr", "for", "keep_firing_for"):
        if rule.get(key) is not None:
            out[key] = str(rule[key])
    out["labels"] = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
    if "alert" in rule:
        out["labels"].pop("alertname", None)  # Prometheus sets it to the alert's name
        out["annotations"] = {str(k): str(v) for k, v in (rule.get("annotations") or {}).items()}
    return out


def _input_groups(sources: Sequence[RuleSource]) -> list[tuple[dict[str, Any], Y]]:
    groups: list[tuple[dict[str, Any], Y]] = []
    for source in sources:
        for gy in source.groups:
            data = gy.data() if gy.is_map else {}
            groups.append((data, gy))
    return groups


def _rules(result: ImportResult, rendered: Mapping[str, str], proof: Proof) -> None:
    spec_groups = result.built.spec.get("groups", [])
    from callalert.model.resolve import file_name_for_group

    by_file: dict[str, list[dict[str, Any]]] = {}
    for rel, text in rendered.items():
        if rel.startswith("prometheus/rules/"):
            by_file[rel.removeprefix("prometheus/rules/").removesuffix(".yml")] = plain_data(text).get("groups", [])
    for (group, gy), spec_group in zip(_input_groups(result.inputs.rules), spec_groups, strict=True):
        file_name = file_name_for_group(str(spec_group.get("file") or spec_group["name"]))
        found = [g for g in by_file.get(file_name, []) if g.get("name") == group.get("name")]
        if len(found) != 1:
            _fail(
                proof, gy.pos(), f"group {group.get('name')!r} is not in the rendered prometheus/rules/{file_name}.yml", gy.where
            )
            continue
        out = found[0]
        proof.groups += 1
        for key in ("interval", "limit", "query_offset", "labels"):
            mine, theirs = group.get(key), out.get(key)
            if key == "labels":
                mine, theirs = dict(mine or {}), {str(k): str(v) for k, v in (theirs or {}).items()}
            elif theirs is not None:
                theirs = str(theirs)
            if mine != theirs:
                _fail(proof, gy.pos(), f"group {group.get('name')!r}: {key} {mine!r} became {theirs!r}", gy.where)
        rules_in = list(group.get("rules") or [])
        rules_out = list(out.get("rules") or [])
        rule_ys = list(gy.get("rules") or [])
        if len(rules_in) != len(rules_out):
            _fail(proof, gy.pos(), f"group {group.get('name')!r}: {len(rules_in)} rules became {len(rules_out)}", gy.where)
            continue
        for rule_in, rule_out, ry in zip(rules_in, rules_out, rule_ys, strict=True):
            proof.rules += 1
            a, b = _canon_rule(rule_in), _canon_rule(rule_out)
            if "annotations" in a:
                added = {k for k in b["annotations"] if k not in a["annotations"]}
                if added - set(ADDED_ANNOTATIONS):
                    _fail(proof, ry.pos(), f"annotations added: {sorted(added - set(ADDED_ANNOTATIONS))}", ry.where)
                b["annotations"] = {k: v for k, v in b["annotations"].items() if k in a["annotations"]}
            if a != b:
                diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
                _fail(proof, ry.pos(), f"rule {a.get('alert') or a.get('record')!r} changed: {', '.join(diff)}", ry.where)


# --- 2. the tools on the rendered files --------------------------------------------------------------


def _tool(proof: Proof, cmd: list[str], cwd: Path, what: str, result: ImportResult) -> None:
    try:
        run_tool(cmd, what=what, cwd=cwd, timeout=300)
    except ToolError as exc:
        output = (exc.stdout + exc.stderr).strip()
        for secret in result.built.secrets:
            if secret.value:
                output = output.replace(secret.value, "<redacted>")
        _fail(proof, _first_pos(result), f"{what} rejects the rendered files: {output}")


# --- 3. routing ----------------------------------------------------------------------------------


def _input_am(result: ImportResult) -> AMSource | None:
    return result.inputs.ams[0] if result.inputs.ams else None  # AlertmanagerConfig objects already merged in


def input_config_file(am: AMSource, scratch: Path) -> Path:
    """The input configuration as a file amtool reads (the file itself, or its text, or its nodes)."""
    if am.plain_path is not None:
        return am.plain_path
    target = scratch / "verify" / "input" / "alertmanager.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    text = am.text if am.text else yaml.serialize(am.config.node, Dumper=yaml.SafeDumper)
    target.write_text(text, encoding="utf-8")
    return target


def _step(route: Route) -> tuple[Any, ...]:
    return (
        route.receiver,
        route.group_by,
        route.group_wait,
        route.group_interval,
        route.repeat_interval,
        route.mute_time_intervals,
        route.active_time_intervals,
        route.continue_,
    )


def _routing(result: ImportResult, am: AMSource, out_dir: Path, amtool: Tool, proof: Proof, scratch: Path) -> None:
    target = result.targets["alertmanager"]
    before = am.config.data()
    after_doc = load_nodes((out_dir / "alertmanager/alertmanager.yml").read_text(encoding="utf-8"), "rendered")
    assert after_doc.root is not None
    after = Y(after_doc.root, am.config.origin).data()
    at = am.config.pos()
    try:
        tree_in = build_route_tree(before, target)
        tree_out = build_route_tree(after, target)
    except RoutingError as exc:
        _fail(proof, at, f"the routing engine cannot build the route tree: {exc}")
        return
    rules_in = build_inhibit_rules(before.get("inhibit_rules"), target)
    rules_out = build_inhibit_rules(after.get("inhibit_rules"), target)
    proof.routes = sum(1 for _ in tree_in.walk()) - 1
    static = [_alert_labels(alert) for alert in _alerts(result)]
    extra: list[Matcher] = [m for r in rules_in for m in (*r.source, *r.target)]
    sets, proof.exhaustive = label_sets([tree_in, tree_out], extra, static)
    proof.label_sets = len(sets)
    for labels in sets:
        a = [_step(r) for r in match_routes(tree_in, labels)]
        b = [_step(r) for r in match_routes(tree_out, labels)]
        if a != b:
            _fail(proof, at, f"label set {labels} routes differently: input {a}, rendered {b}")
            if len(proof.problems) > 20:
                return

    # inhibit rules and time intervals: the same, matcher for matcher
    def canon_rule(rule: Any) -> tuple[Any, ...]:
        return (
            tuple(sorted(rule.source, key=sort_key)),
            tuple(sorted(rule.target, key=sort_key)),
            tuple(rule.equal),
        )

    if [canon_rule(r) for r in rules_in] != [canon_rule(r) for r in rules_out]:
        _fail(proof, at, "inhibit rules differ between the input and the rendered alertmanager.yml")
    proof.inhibit_rules = len(rules_in)
    intervals_in = _intervals(before)
    intervals_out = _intervals(after)
    if intervals_in != intervals_out:
        _fail(proof, at, "time intervals differ between the input and the rendered alertmanager.yml")
    proof.time_intervals = len(intervals_in)
    # amtool on both files, for a covering share of the label sets
    chosen = sets if len(sets) <= AMTOOL_LABEL_SETS else sets[:: max(1, len(sets) // AMTOOL_LABEL_SETS)][:AMTOOL_LABEL_SETS]
    input_file = input_config_file(am, scratch)
    rendered_file = out_dir / "alertmanager/alertmanager.yml"

    def route(config: Path, labels: Mapping[str, str]) -> str:
        args = [amtool.path, "config", "routes", "test", f"--config.file={config}"]
        args += [str(Matcher(k, "=", v)) for k, v in labels.items()]
        try:
            proc = run_tool(args, what="amtool config routes test", timeout=60)
        except ToolError as exc:
            return f"error: {exc.stdout.strip()} {exc.stderr.strip()}"
        lines = [line for line in proc.stdout.splitlines() if line.strip() and "level=" not in line]
        return lines[-1] if lines else ""

    with ThreadPoolExecutor(WORKERS) as pool:
        theirs_in = list(pool.map(lambda ls: route(input_file, ls), chosen))
        theirs_out = list(pool.map(lambda ls: route(rendered_file, ls), chosen))
    for labels, a_text, b_text in zip(chosen, theirs_in, theirs_out, strict=True):
        if a_text != b_text:
            _fail(proof, at, f"amtool routes label set {labels} to {a_text!r} in the input, {b_text!r} rendered")
    proof.amtool_label_sets = len(chosen)


def _intervals(config: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key in ("mute_time_intervals", "time_intervals"):
        for entry in config.get(key) or []:
            found[str(entry.get("name"))] = entry.get("time_intervals")
    return found


def _alerts(result: ImportResult) -> list[dict[str, Any]]:
    alerts: list[dict[str, Any]] = []
    for group in result.built.spec.get("groups", []):
        alerts.extend(group.get("alerts", []))
        alerts.extend(r for r in group.get("alerts_and_records", []) if "record" not in r)
    return alerts


def _alert_labels(alert: Mapping[str, Any]) -> dict[str, str]:
    labels = {"alertname": str(alert["name"])}
    for key in ("severity", "category"):
        if key in alert:
            labels[key] = str(alert[key])
    labels.update({str(k): str(v) for k, v in (alert.get("labels") or {}).items()})
    return labels


# --- 4. templates ------------------------------------------------------------------------------------


# A duration computed from the clock at render time (`since`, `now`): two renders a moment apart
# differ there and nowhere else, so those are compared as `<duration>`.
_CLOCK_DURATION = re.compile(r"\b(?:\d+h)?(?:\d+m)?\d+(?:\.\d+)?(?:s|ms|µs|ns)\b")


def _clockless(text: str) -> str:
    return _CLOCK_DURATION.sub("<duration>", text)


def _default_template(amtool: Tool) -> Path | None:
    """The default.tmpl of this amtool's own Alertmanager build (Debian ships it beside the binaries)."""
    import os

    candidate = Path(os.path.realpath(amtool.path)).parent.parent / "share/prometheus/alertmanager/default.tmpl"
    return candidate if candidate.is_file() else None


def _templated(config: Mapping[str, Any]) -> list[str]:
    texts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            if "{{" in value and value not in texts:
                texts.append(value)
        elif isinstance(value, Mapping):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for receiver in config.get("receivers") or []:
        walk({k: v for k, v in receiver.items() if k != "name"})
    return texts


def _defines(texts: Sequence[str]) -> list[str]:
    names: list[str] = []
    for text in texts:
        for name in re.findall(r'\{\{-?\s*define\s+"([^"]+)"', text):
            if name not in names:
                names.append(name)
    return names


def _sample(result: ImportResult, status: str) -> dict[str, Any]:
    alerts = _alerts(result)[:3] or [{"name": "ImportVerify", "severity": "warning"}]
    items: list[dict[str, Any]] = []
    for alert in alerts:
        labels = _alert_labels(alert)
        annotations: dict[str, str] = {
            k: str(alert[k]) for k in ("summary", "description", "runbook_url", "dashboard") if k in alert
        }
        annotations.update({str(k): str(v) for k, v in (alert.get("annotations") or {}).items()})
        items.append(
            {
                "status": status,
                "labels": labels,
                "annotations": annotations,
                "startsAt": "2024-01-15T10:00:00Z",
                "endsAt": "2024-01-15T10:30:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example.com:9090/graph",
                "fingerprint": f"{abs(hash(json.dumps(labels, sort_keys=True))) % (1 << 60):016x}",
            }
        )
    common: dict[str, str] = dict(items[0]["labels"]) if len(items) == 1 else {}
    return {
        "receiver": "verify",
        "status": status,
        "alerts": items,
        "groupLabels": {"alertname": items[0]["labels"]["alertname"]},
        "commonLabels": common,
        "commonAnnotations": dict(items[0]["annotations"]) if len(items) == 1 else {},
        "externalURL": "http://alertmanager.example.com:9093",
    }


def _templates(result: ImportResult, am: AMSource | None, out_dir: Path, amtool: Tool, proof: Proof, scratch: Path) -> None:
    from callalert.importer.build import Built
    from callalert.importer.templates import loaded_by

    sources = loaded_by(am, Built()) if am is not None else []
    sources += [t for t in result.inputs.templates if t.explicit and t not in sources]
    from callalert.importer.templates import source_id

    in_dir = scratch / "verify" / "input-templates"
    in_dir.mkdir(parents=True, exist_ok=True)
    names = {v: k for k, v in result.built.template_sources.items()}
    in_globs = []
    for i, source in enumerate(sources):
        # the copy carries the name the spec gives the file, so an error naming it reads the same
        path = in_dir / f"{i:03d}" / names.get(source_id(source), source.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source.text, encoding="utf-8")
        in_globs.append(str(path))
    out_globs = sorted(str(p) for p in (out_dir / "alertmanager/templates").glob("*.tmpl"))
    default = _default_template(amtool)  # Alertmanager loads its own default.tmpl first, always
    if default is not None:
        in_globs.insert(0, str(default))
        out_globs.insert(0, str(default))
    texts = _templated(am.config.data()) if am is not None else []
    texts += [f'{{{{ template "{name}" . }}}}' for name in _defines([s.text for s in sources])]
    if not texts:
        return
    for status in ("firing", "resolved"):
        data = scratch / "verify" / f"data-{status}.json"
        data.write_text(json.dumps(_sample(result, status)), encoding="utf-8")

        def render(globs: Sequence[str], text: str, data: Path = data) -> str:
            cmd = [amtool.path, "template", "render", *(f"--template.glob={g}" for g in globs)]
            cmd += [f"--template.text={text}", f"--template.data={data}"]
            try:
                return run_tool(cmd, what="amtool template render", timeout=60).stdout
            except ToolError as exc:
                return f"error: {exc.stdout.strip()} {exc.stderr.strip()}"

        joined = SEPARATOR.join(texts)
        a, b = render(in_globs, joined), render(out_globs, joined)
        pairs: list[tuple[str, str, str]]
        if a.startswith("error:") or b.startswith("error:"):
            with ThreadPoolExecutor(WORKERS) as pool:
                one_a = list(pool.map(lambda t: render(in_globs, t), texts))
                one_b = list(pool.map(lambda t: render(out_globs, t), texts))
            pairs = list(zip(texts, one_a, one_b, strict=True))
        else:
            pairs = list(zip(texts, a.split(SEPARATOR), b.split(SEPARATOR), strict=False))
        for text, raw_x, raw_y in pairs:
            x, y = _clockless(raw_x), _clockless(raw_y)
            proof.template_renders += 1
            if x.startswith("error:"):
                proof.template_errors += 1
            if x != y:
                at = am.config.pos() if am is not None else sources[0].pos
                _fail(proof, at, f"template {text!r} renders differently ({status}): {x!r} vs {y!r}")


# --- 5. a fixed point ----------------------------------------------------------------------------------


def normal_spec(spec: Mapping[str, Any]) -> Any:
    """A spec for comparison: groups in order within each rule file, rule files in name order (the
    order Prometheus loads files in does not matter); secret references as such."""
    from callalert.model.resolve import file_name_for_group

    data = json.loads(json.dumps(spec))
    groups = data.get("groups", [])
    order: dict[str, int] = {}
    keyed = []
    for group in groups:
        file_name = file_name_for_group(str(group.get("file") or group["name"]))
        order[file_name] = order.get(file_name, 0) + 1
        keyed.append(((file_name, order[file_name]), group))
    data["groups"] = [g for _, g in sorted(keyed, key=lambda item: item[0])]

    def secrets(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"env"}:
                return {"env": "<secret>"}
            return {k: secrets(v) for k, v in value.items()}
        if isinstance(value, list):
            return [secrets(v) for v in value]
        return value

    return secrets(data)


def _fixed_point(
    result: ImportResult, options: ImportOptions, out_dir: Path, rendered: Mapping[str, str], proof: Proof, reimport: Reimport
) -> None:
    rules_dir = "thanos/rules/" if any(rel.startswith("thanos/rules/") for rel in rendered) else "prometheus/rules/"
    paths = [out_dir / rel for rel in sorted(rendered) if rel.startswith(rules_dir)]
    if result.inputs.ams or result.inputs.templates:  # a rules-only import's alertmanager.yml is the spec's default
        paths.append(out_dir / "alertmanager/alertmanager.yml")
    again = reimport(paths, ImportOptions(options.split, options.secrets_dir, True, False))
    errors = [p for p in again.problems if p.level == "error"]
    if errors:
        for p in errors[:5]:
            _fail(proof, _first_pos(result), f"importing the rendered files fails: {p.format()}")
        return
    if normal_spec(again.built.spec) != normal_spec(result.built.spec):
        first = json.dumps(normal_spec(result.built.spec), sort_keys=True)
        second = json.dumps(normal_spec(again.built.spec), sort_keys=True)
        at = next((i for i, (x, y) in enumerate(zip(first, second, strict=False)) if x != y), min(len(first), len(second)))
        _fail(
            proof,
            _first_pos(result),
            f"not a fixed point: importing the rendered files gives another spec (first difference near "
            f"...{first[max(0, at - 60) : at + 60]}... vs ...{second[max(0, at - 60) : at + 60]}...)",
        )
        return
    proof.fixed_point = True
