"""The real tools' verdict on the inputs: promtool check rules and amtool check-config, oldest
toolchain first. The oldest tool that accepts an input is the version the spec targets; an input
no installed tool accepts is refused with the verdict of the newest one, positioned in the input."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from callalert import diagnostics as d
from callalert.analysis.versions import Version
from callalert.diagnostics import Problem
from callalert.errors import ToolError
from callalert.importer.inputs import AMSource, RuleSource, TemplateSource
from callalert.importer.nodes import Pos, Y
from callalert.toolchain import CHECKERS, Tool, discover, install_hint, run_tool

_PROMTOOL_LINE = re.compile(
    r'^(?:(?P<file>[^\n]*?): )?(?:(?P<line>\d+):(?P<col>\d+): )?group "(?P<group>(?:[^"\\]|\\.)*)", rule (?P<rule>\d+), '
    r'"(?P<name>(?:[^"\\]|\\.)*)": (?P<message>.*)$'
)
PROMETHEUS_GROUP_KEYS = ("name", "interval", "limit", "query_offset", "labels", "rules")
_YAML_LINE = re.compile(r"^\s*line (\d+): (.*)$")


def tools(kind: str) -> list[Tool]:
    """Every installed `kind` (promtool, amtool), oldest first, one per version."""
    found: dict[str, Tool] = {}
    for chain in discover(kinds=CHECKERS):
        tool = chain.get(kind)
        if tool is not None and str(tool.version) not in found:
            found[str(tool.version)] = tool
    return sorted(found.values(), key=lambda t: t.version._key())


def short(version: Version) -> str:
    return f"{version.major}.{version.minor}"


@dataclass
class Verdict:
    accepted_by: Tool | None  # the oldest tool that accepts the input
    problems: list[Problem] = field(default_factory=list)  # the newest tool's verdict when none accepts


def _first_accepting(candidates: Sequence[Tool], run: Callable[[Tool], tuple[bool, str]]) -> tuple[Tool | None, str, Tool | None]:
    last_output, last_tool = "", None
    for tool in candidates:
        ok, output = run(tool)
        if ok:
            return tool, "", None
        last_output, last_tool = output, tool
    return None, last_output, last_tool


def _redact(text: str, secrets: Sequence[str]) -> str:
    for value in secrets:
        if value:
            text = text.replace(value, "<redacted>")
    return text


# --- rule files -----------------------------------------------------------------------------------


def _rules_target(source: RuleSource, scratch: Path) -> Path:
    """The file promtool checks for `source`: its own file, or its groups written to `scratch`
    with Prometheus' own keys only (what Mimir, Cortex or Thanos add to a group, such as Thanos
    Ruler's partial_response_strategy, is imported or reported as lost, not refused)."""
    typed = source.groups.typed()
    foreign = isinstance(typed, list) and any(isinstance(g, dict) and set(g) - set(PROMETHEUS_GROUP_KEYS) for g in typed)
    if source.plain_path is not None and not foreign:
        return source.plain_path
    groups = [{k: v for k, v in g.items() if k in PROMETHEUS_GROUP_KEYS} if isinstance(g, dict) else g for g in typed]
    target = scratch / f"rules-{abs(hash(source.label))}.yml"
    target.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def _promtool_accepts(tool: Tool, targets: Sequence[Path]) -> tuple[bool, str]:
    try:
        run_tool([tool.path, "check", "rules", *map(str, targets)], what="promtool check rules", timeout=300)
    except ToolError as exc:
        return False, exc.stdout + exc.stderr
    return True, ""


# one `promtool check rules` run checks this many files at most (and this many characters of paths)
BATCH_FILES = 256
BATCH_CHARS = 64_000


def _batches(indexes: Sequence[int], targets: Sequence[Path], parts: int) -> list[list[int]]:
    """`indexes` in `parts` runs of about the same size (one per core), each cut further to stay
    within BATCH_FILES and BATCH_CHARS."""
    size = max(1, -(-len(indexes) // max(1, parts)))
    batches: list[list[int]] = []
    for start in range(0, len(indexes), size):
        batches.append([])
        chars = 0
        for i in indexes[start : start + size]:
            length = len(str(targets[i])) + 1
            if batches[-1] and (len(batches[-1]) >= BATCH_FILES or chars + length > BATCH_CHARS):
                batches.append([])
                chars = 0
            batches[-1].append(i)
            chars += length
    return batches


def check_rules(sources: Sequence[RuleSource], candidates: Sequence[Tool], scratch: Path) -> list[Verdict]:
    """Each source's verdict, oldest promtool first (`candidates`): the oldest that accepts it, or
    the newest one's problems. promtool checks every file it is given on its own, so each tool
    checks all the sources still undecided in one run per core (more for very many files): when a
    run accepts them all, that is their verdict; only the files of a run that fails are checked
    one by one, for the verdict and the message of each."""
    from concurrent.futures import ThreadPoolExecutor

    from callalert.parallel import usable_cores

    targets = [_rules_target(source, scratch) for source in sources]
    accepted: list[Tool | None] = [None] * len(sources)
    refused: dict[int, tuple[str, Tool]] = {}  # the last tool's output for a source it refused
    undecided = list(range(len(sources)))
    cores = usable_cores()
    with ThreadPoolExecutor(max_workers=cores) as pool:
        for tool in candidates:

            def check(files: list[int], tool: Tool = tool) -> tuple[bool, str]:
                return _promtool_accepts(tool, [targets[i] for i in files])

            batches = _batches(undecided, targets, cores)
            alone: list[int] = []  # files of a failed run of several: asked again one by one
            for batch, (ok, output) in zip(batches, pool.map(check, batches), strict=True):
                if ok:
                    for i in batch:
                        accepted[i] = tool
                elif len(batch) == 1:
                    refused[batch[0]] = (output, tool)
                else:
                    alone.extend(batch)
            for i, (ok, output) in zip(alone, pool.map(lambda i: check([i]), alone), strict=True):
                if ok:
                    accepted[i] = tool
                else:
                    refused[i] = (output, tool)
            undecided = [i for i in undecided if accepted[i] is None]
            if not undecided:
                break
    verdicts = []
    for i, source in enumerate(sources):
        verdict = Verdict(accepted[i])
        if accepted[i] is None and i in refused:
            output, failed = refused[i]
            verdict.problems = promtool_problems(source, output, failed, str(targets[i]))
        verdicts.append(verdict)
    return verdicts


def _rule_y(source: RuleSource, group: str, index: int) -> Y | None:
    for gy in source.groups:
        name = gy.get("name")
        if name is not None and name.text() == group:
            rules = gy.get("rules")
            if rules is not None and 0 <= index < len(rules):
                return list(rules)[index]
            return gy
    return None


def promtool_problems(source: RuleSource, output: str, tool: Tool, checked: str) -> list[Problem]:
    problems: list[Problem] = []
    head = f"promtool {tool.version.short} rejects it"
    unmarshal = False
    for raw in output.splitlines():
        line = raw.strip()
        if not line or line.startswith("Checking ") or line == "FAILED:":
            continue
        match = _PROMTOOL_LINE.match(line)
        if match is not None:
            ry = _rule_y(source, match.group("group").replace('\\"', '"'), int(match.group("rule")) - 1)
            at = _rule_pos(ry, match.group("message")) if ry is not None else source.groups.pos()
            if source.plain_path is not None and match.group("line"):
                at = Pos(str(source.plain_path), int(match.group("line")), int(match.group("col")))
            where = ry.where if ry is not None else source.groups.where
            problems.append(d.problem(at.path, at.line, at.col, f"{head}: {match.group('message')}", d.IMPORT_REFUSED, key=where))
            continue
        text = line.removeprefix(f"{checked}: ")
        if "unmarshal errors" in text:
            unmarshal = True
            continue
        yaml_line = _YAML_LINE.match(text)
        if yaml_line is not None and unmarshal and source.plain_path is not None:
            at = Pos(str(source.plain_path), int(yaml_line.group(1)), 1)
            problems.append(d.problem(at.path, at.line, at.col, f"{head}: {yaml_line.group(2)}", d.IMPORT_REFUSED))
            continue
        at = source.groups.pos()
        problems.append(d.problem(at.path, at.line, at.col, f"{head}: {text}", d.IMPORT_REFUSED, key=source.groups.where))
    if not problems:
        at = source.groups.pos()
        problems.append(d.problem(at.path, at.line, at.col, f"{head} (no message)", d.IMPORT_REFUSED))
    return problems


def _rule_pos(ry: Y, message: str) -> Pos:
    """Where in the rule promtool's message points: its expr, an annotation, a label's name."""
    expr = ry.get("expr")
    if message.startswith("could not parse expression") and expr is not None:
        return expr.pos()
    found = re.match(r'annotation "([^"]*)"', message)
    annotations = ry.get("annotations")
    annotation = annotations.get(found.group(1)) if found is not None and annotations is not None else None
    if annotation is not None:
        return annotation.pos()
    found = re.match(r"invalid label name: (.*)$", message)
    labels = ry.get("labels")
    label = labels.get(found.group(1)) if found is not None and labels is not None else None
    if label is not None:
        return label.key_pos()
    return ry.pos()


# --- Alertmanager configurations ------------------------------------------------------------------


def check_config(am: AMSource, candidates: Sequence[Tool], scratch: Path, secrets: Sequence[str]) -> Verdict:
    if am.plain_path is not None:
        target = am.plain_path
    else:
        folder = Path(tempfile.mkdtemp(prefix="am-", dir=scratch))
        target = folder / "alertmanager.yml"
        target.write_text(am.text, encoding="utf-8")

    def run(tool: Tool) -> tuple[bool, str]:
        try:
            run_tool([tool.path, "check-config", str(target)], what="amtool check-config", timeout=120)
        except ToolError as exc:
            return False, exc.stdout + exc.stderr
        return True, ""

    tool, output, failed = _first_accepting(candidates, run)
    verdict = Verdict(tool)
    if tool is None and failed is not None:
        verdict.problems = amtool_problems(am, _redact(output, secrets), failed)
    return verdict


def amtool_problems(am: AMSource, output: str, tool: Tool) -> list[Problem]:
    head = f"amtool {tool.version.short} rejects it"
    text = output
    if "FAILED:" in text:
        text = text.split("FAILED:", 1)[1]
    text = text.split("amtool: error:", 1)[0]
    lines = [line.rstrip() for line in text.strip().splitlines() if line.strip() and "level=" not in line]
    start = am.config.pos()
    problems: list[Problem] = []
    rest: list[str] = []
    for line in lines:
        found = _YAML_LINE.match(line)
        if found is not None:
            at = am.config.origin.locate(_Mark(int(found.group(1)) - 1, 0))
            if am.config.origin.flat is None and am.plain_path is None and am.config.origin.line_offset == 0:
                at = Pos(start.path, start.line + int(found.group(1)) - 1, 1)
            problems.append(d.problem(at.path, at.line, at.col, f"{head}: {found.group(2).strip()}", d.IMPORT_REFUSED))
        elif line.strip() != "yaml: unmarshal errors:":
            rest.append(line.strip())
    if rest or not problems:
        message = " ".join(rest) or "(no message)"
        problems.insert(0, d.problem(start.path, start.line, start.col, f"{head}: {message}", d.IMPORT_REFUSED))
    return problems


class _Mark:
    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.column = column


def missing_note(kind: str, at: Pos) -> Problem:
    product = "Prometheus" if kind == "promtool" else "Alertmanager"
    return d.problem(
        at.path,
        at.line,
        at.col,
        f"{kind} not found: the input was not checked by the real {product}; install it with: {install_hint()}",
        d.IMPORT_NOTE,
        level="warning",
    )


def check_template(template: TemplateSource, candidates: Sequence[Tool], scratch: Path) -> Verdict:
    """A template file given by name: amtool must parse it (template render of an empty text)."""
    path = template.path
    if path is None:
        path = scratch / f"template-{abs(hash(template.pos))}.tmpl"
        path.write_text(template.text, encoding="utf-8")

    def run(tool: Tool) -> tuple[bool, str]:
        try:
            run_tool(
                [tool.path, "template", "render", f"--template.glob={path}", "--template.text="],
                what="amtool template render",
                timeout=60,
            )
        except ToolError as exc:
            return False, exc.stdout + exc.stderr
        return True, ""

    tool, output, failed = _first_accepting(candidates, run)
    if tool is not None or failed is None:
        return Verdict(tool)
    head = f"amtool {failed.version.short} cannot load this template"
    lines = [line.strip() for line in output.splitlines() if line.strip() and "level=" not in line]
    message = " ".join(line.removeprefix("amtool: error: ") for line in lines) or "(no message)"
    line_no = 1
    found = re.search(rf"{re.escape(path.name)}:(\d+)", message)
    if found is not None and template.pos.line == 1:
        line_no = int(found.group(1))
    at = Pos(template.pos.path, template.pos.line + line_no - 1, 1)
    return Verdict(None, [d.problem(at.path, at.line, at.col, f"{head}: {message}", d.IMPORT_REFUSED)])


def unknown_verdicts(path: Path, candidates: Sequence[Tool]) -> list[str]:
    """What the newest promtool and amtool say of a file of no known kind."""
    found: list[str] = []
    for tool in candidates:
        cmd = [tool.path, "check", "rules", str(path)] if tool.kind == "promtool" else [tool.path, "check-config", str(path)]
        try:
            run_tool(cmd, what=f"{tool.kind} check", timeout=60)
        except ToolError as exc:
            lines = [line.strip() for line in (exc.stdout + exc.stderr).splitlines() if line.strip()]
            useful = [line for line in lines if not line.startswith(("Checking", "amtool: error:", "FAILED:"))]
            text = " ".join(useful).replace("FAILED: ", "").removeprefix(f"{path}: ")
            found.append(f"{tool.kind} {tool.version.short}: {text}")
    return found
