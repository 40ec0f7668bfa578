"""A small type walk over the parse tree: what `.` is where (Alertmanager's template.Data, an
Alert inside `range .Alerts`, ...), so field chains can be checked and label/annotation reads,
function uses, variables and template calls collected. Nothing is executed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from callalert.analysis.gotemplate.parse import (
    Command,
    Control,
    Locator,
    Node,
    Operand,
    Pipe,
    Position,
    Tree,
    parse_trees,
)
from callalert.analysis.gotemplate.types import (
    ANY,
    FIELD_HINTS,
    FUNC_RESULT,
    GO_BUILTINS,
    LABEL_MAPS,
    MAP_TYPES,
    PROMETHEUS_PREAMBLE_VARS,
    PROMETHEUS_TEMPLATE_FUNCS,
    RANGE_ELEM,
    TYPES,
    go_type_name,
    member_type,
)
from callalert.analysis.versions import AM_TEMPLATE_FUNCS, DEFAULT_ALERTMANAGER, GO_DEFAULT, Version
from callalert.diagnostics import did_you_mean

# --------------------------------------------------------------------------------------------
# What a walk finds


class FuncRef(NamedTuple):
    name: str
    pos: Position
    builtin: bool


class TemplateCall(NamedTuple):
    name: str
    pos: Position
    kind: str  # "template" or "block"


class VarRef(NamedTuple):
    name: str
    pos: Position
    declared: bool  # True where `$x :=` / `$x =` / range declares it


@dataclass(frozen=True)
class FieldRef:
    chain: tuple[str, ...]
    context: str  # type the chain starts from: "Data", "Alert", "any", ...
    base: str  # ".", "$", "$name" or "(...)"
    pos: Position  # of the first chain element
    positions: tuple[Position, ...]  # one per chain element
    template: str  # enclosing define/block name, "" at top level


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str
    pos: Position
    template: str = ""


@dataclass(frozen=True)
class LabelRead:
    kind: str  # "label", "annotation" or "external_label"
    name: str  # "*" when the whole set is read (ranged over, printed, SortedPairs, ...)
    pos: Position
    via: str  # "Labels", "CommonLabels", "GroupLabels", "Annotations", "CommonAnnotations", "$labels", ...


@dataclass
class TemplateInfo:
    name: str
    kind: str  # "alertmanager" or "prometheus"
    defines: dict[str, Position] = field(default_factory=dict)
    template_calls: list[TemplateCall] = field(default_factory=list)
    functions: list[FuncRef] = field(default_factory=list)
    fields: list[FieldRef] = field(default_factory=list)
    variables: list[VarRef] = field(default_factory=list)
    label_reads: list[LabelRead] = field(default_factory=list)
    define_context: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Type walk: fields, functions, variables, label reads


class _Walker:
    def __init__(self, info: TemplateInfo, locate: Locator, collect: bool) -> None:
        self.info = info
        self.loc = locate
        self.collect = collect
        self.calls: dict[str, list[str]] = {}
        self.template = ""

    def walk_tree(self, tree: Tree, dot: str, variables: dict[str, str]) -> None:
        self.template = "" if tree.kind == "top" else tree.name
        self.walk_list(tree.root, dot, {"$": dot, **variables})

    def walk_list(self, nodes: list[Node], dot: str, scope: dict[str, str]) -> None:
        for node in nodes:
            if isinstance(node, Control):
                self.walk_control(node, dot, scope)

    def walk_control(self, node: Control, dot: str, scope: dict[str, str]) -> None:
        kind = node.kind
        if kind == "action":
            assert node.pipe is not None
            self.walk_pipe(node.pipe, dot, scope, scope)
            return
        if kind in ("break", "continue"):
            return
        if kind in ("template", "block"):
            arg = self.walk_pipe(node.pipe, dot, scope, scope) if node.pipe else "nil"
            self.calls.setdefault(node.name, []).append(arg)
            if self.collect:
                self.info.template_calls.append(TemplateCall(node.name, self.loc(node.pos), kind))
            return
        inner = dict(scope)
        assert node.pipe is not None
        if kind == "range":
            typ = self.walk_pipe(node.pipe, dot, scope, None)
            key_t, elem_t = RANGE_ELEM.get(typ, (ANY, ANY))
            if typ in LABEL_MAPS:
                self._label_read(typ, "*", node.pipe.pos, self._operand_via(node.pipe.cmds[-1].args[0]))
            decls = node.pipe.decls
            if len(decls) == 1:
                self._declare(inner, decls[0], elem_t)
            elif len(decls) == 2:
                self._declare(inner, decls[0], key_t)
                self._declare(inner, decls[1], elem_t)
            self.walk_list(node.body, elem_t, inner)
            self.walk_list(node.else_body, dot, inner)
            return
        typ = self.walk_pipe(node.pipe, dot, scope, inner)
        self.walk_list(node.body, typ if kind == "with" else dot, inner)
        self.walk_list(node.else_body, dot, inner)

    def _declare(self, scope: dict[str, str], decl: tuple[str, int], typ: str) -> None:
        name, pos = decl
        scope[name] = typ
        if self.collect:
            self.info.variables.append(VarRef(name, self.loc(pos), True))

    def walk_pipe(self, pipe: Pipe, dot: str, scope: dict[str, str], declare_into: dict[str, str] | None) -> str:
        typ = ANY
        prev: str | None = None
        for cmd in pipe.cmds:
            typ = self.walk_command(cmd, dot, scope, prev)
            prev = typ
        if declare_into is not None:
            for decl in pipe.decls:
                if pipe.is_assign and decl[0] in declare_into:
                    if self.collect:
                        self.info.variables.append(VarRef(decl[0], self.loc(decl[1]), True))
                    continue
                self._declare(declare_into, decl, typ)
        return typ

    def walk_command(self, cmd: Command, dot: str, scope: dict[str, str], piped: str | None) -> str:
        types = [self.walk_operand(op, dot, scope) for op in cmd.args]
        first = cmd.args[0]
        if first.kind == "ident":
            name = first.val
            args = cmd.args[1:]
            arg_types = types[1:] + ([piped] if piped is not None else [])
            if name == "index" and arg_types:
                base = arg_types[0]
                if base in LABEL_MAPS and len(args) >= 2 and args[1].kind == "string":
                    self._label_read(base, args[1].chain[0], args[1].pos, self._operand_via(args[0]))
                elif base in LABEL_MAPS:
                    self._label_read(base, "*", first.pos, self._operand_via(args[0]) if args else "")
                return "string" if base in MAP_TYPES else RANGE_ELEM.get(base, (ANY, ANY))[1]
            if name == "slice" and arg_types:
                return arg_types[0]
            if name in ("and", "or", "call"):
                return ANY
            for op, t in zip(args, types[1:], strict=True):
                self._whole_map_read(op, t)
            return FUNC_RESULT.get(name, ANY)
        if len(cmd.args) == 1 and piped is None:
            self._whole_map_read(first, types[0])
        return types[0]

    def _operand_via(self, op: Operand) -> str:
        if op.kind == "field" and op.chain:
            return op.chain[-1]
        if op.kind == "var":
            return op.chain[-1] if op.chain else op.val
        return ""

    def _whole_map_read(self, op: Operand, typ: str) -> None:
        # Printing a label set, or passing it whole to a function, reads every label in it.
        if typ in LABEL_MAPS and op.kind in ("field", "var", "chain"):
            self._label_read(typ, "*", op.pos, self._operand_via(op))

    def _label_read(self, typ: str, name: str, pos: int, via: str) -> None:
        if self.collect and typ in LABEL_MAPS:
            self.info.label_reads.append(LabelRead(LABEL_MAPS[typ], name, self.loc(pos), via))

    def walk_operand(self, op: Operand, dot: str, scope: dict[str, str]) -> str:
        kind = op.kind
        if kind == "ident":
            if self.collect:
                self.info.functions.append(FuncRef(op.val, self.loc(op.pos), op.val in GO_BUILTINS))
            return FUNC_RESULT.get(op.val, ANY)
        if kind == "dot":
            return dot
        if kind == "string":
            return "string"
        if kind == "number":
            return "int"
        if kind == "bool":
            return "bool"
        if kind == "nil":
            return ANY
        if kind == "pipe":
            assert op.inner is not None
            return self.walk_pipe(op.inner, dot, scope, None)
        if kind == "field":
            return self.walk_chain(dot, ".", op.chain, op.pos, 0)
        if kind == "var":
            if self.collect:
                self.info.variables.append(VarRef(op.val, self.loc(op.pos), False))
            base = scope.get(op.val, ANY)
            if not op.chain:
                return base
            return self.walk_chain(base, op.val, op.chain, op.pos, len(op.val))
        if kind == "chain":
            assert op.inner is not None
            base = self.walk_pipe(op.inner, dot, scope, None)
            # Chain fields follow the closing paren; find where the first one starts.
            return self.walk_chain(base, "(...)", op.chain, op.chain_pos, 0)
        return ANY

    def walk_chain(self, base: str, base_text: str, chain: tuple[str, ...], pos: int, offset: int) -> str:
        positions = []
        p = pos + offset
        for name in chain:
            positions.append(p)
            p += len(name) + 1
        if self.collect:
            locs = tuple(self.loc(x) for x in positions)
            self.info.fields.append(FieldRef(chain, base, base_text, locs[0], locs, self.template))
        typ = base
        for index, (name, at) in enumerate(zip(chain, positions, strict=True)):
            if typ in LABEL_MAPS:
                via = chain[index - 1] if index else base_text
                # A key reads one label; SortedPairs/Names/Values/String/Remove read them all.
                self._label_read(typ, "*" if name in TYPES[typ][1] else name, at, via)
            typ = member_type(typ, name) or ANY
        return typ


# --------------------------------------------------------------------------------------------
# Entry points
def _analyse(trees: list[Tree], locate: Locator, info: TemplateInfo, root: str, top_vars: dict[str, str]) -> None:
    contexts: dict[str, str] = {}
    for tree in trees:
        if tree.kind != "top":
            contexts[tree.name] = root
    # Infer what `.` is inside each define from its call sites ({{ template "x" .Alerts.Firing }}),
    # iterating because defines call each other.
    for _ in range(4):
        walker = _Walker(info, locate, collect=False)
        for tree in trees:
            walker.walk_tree(tree, contexts.get(tree.name, root), top_vars if tree.kind == "top" else {})
        changed = False
        for name, arg_types in walker.calls.items():
            if name not in contexts:
                continue
            kinds = set(arg_types)
            if kinds == {"Alerts", "AlertList"}:
                kinds = {"AlertList"}  # both range over template.Alert
            new = kinds.pop() if len(kinds) == 1 else ANY
            if new == "nil":
                new = ANY
            if contexts[name] != new:
                contexts[name] = new
                changed = True
        if not changed:
            break
    walker = _Walker(info, locate, collect=True)
    for tree in trees:
        if tree.kind != "top":
            info.defines[tree.name] = locate(tree.pos)
        walker.walk_tree(tree, contexts.get(tree.name, root), top_vars if tree.kind == "top" else {})
    info.define_context = contexts
    # Defines are walked in the order Go adds them (a define before the text around it).
    info.template_calls.sort(key=lambda c: c.pos)
    info.functions.sort(key=lambda f: f.pos)
    info.fields.sort(key=lambda f: f.pos)
    info.variables.sort(key=lambda v: v.pos)
    info.label_reads.sort(key=lambda r: r.pos)


def parse_template(text: str, name: str = "", go: Version = GO_DEFAULT) -> TemplateInfo:
    """Parse an Alertmanager template (a .tmpl file or a template string from alertmanager.yml)
    with the text/template of Go `go` (versions.am_go(target) for an Alertmanager release).
    At top level and in every define not called with other data, `.` is template.Data."""
    trees, locate = parse_trees(text, name, go=go)
    info = TemplateInfo(name=name, kind="alertmanager")
    _analyse(trees, locate, info, "Data", {})
    return info


def parse_prometheus_template(text: str, name: str = "", go: Version = GO_DEFAULT) -> TemplateInfo:
    """Parse a Prometheus rule annotation/label template with the text/template of Go `go`;
    `$labels`, `$externalLabels`, `$externalURL` and `$value` are predeclared at top level as
    Prometheus does."""
    trees, locate = parse_trees(text, name, PROMETHEUS_PREAMBLE_VARS, go)
    info = TemplateInfo(name=name, kind="prometheus")
    top_vars = {"$labels": "PromLabels", "$externalLabels": "PromExternalLabels", "$externalURL": "string", "$value": "float"}
    _analyse(trees, locate, info, "PromData", top_vars)
    return info


def check_fields(info: TemplateInfo) -> list[Finding]:
    """Field chains Go would fail to evaluate on Alertmanager's (or Prometheus') data."""
    findings: list[Finding] = []
    for ref in info.fields:
        typ = ref.context
        for name, pos in zip(ref.chain, ref.positions, strict=True):
            nxt = member_type(typ, name)
            if nxt is None:
                hint = FIELD_HINTS.get((typ, name)) or did_you_mean(name, TYPES[typ][1])
                findings.append(
                    Finding(
                        "template-field",
                        f"can't evaluate field {name} in type {go_type_name(typ)}{hint}",
                        pos,
                        ref.template,
                    )
                )
                break
            if nxt == ANY:
                break
            typ = nxt
    return findings


def label_reads(info: TemplateInfo) -> list[LabelRead]:
    """Label and annotation names the template reads, each with where; name "*" = all of them."""
    return list(info.label_reads)


def read_names(info: TemplateInfo, kind: str = "label") -> set[str]:
    return {r.name for r in info.label_reads if r.kind == kind and r.name != "*"}


def prometheus_label_reads(text: str) -> set[str]:
    """Alert label names a Prometheus annotation template reads ($labels.x, index $labels "x", .Labels.x)."""
    if "{{" not in text:
        return set()
    return read_names(parse_prometheus_template(text), "label")


class UndefinedFunction(NamedTuple):
    name: str
    pos: Position
    added_in: Version | None  # None: not defined in any known version


def undefined_functions(
    info: TemplateInfo, kind: str | None = None, version: str | Version = DEFAULT_ALERTMANAGER
) -> list[UndefinedFunction]:
    """Functions the target would reject at parse time, in source order. For Alertmanager,
    `added_in` names the release that introduced a function newer than `version`."""
    kind = kind or info.kind
    out: list[UndefinedFunction] = []
    if kind == "prometheus":
        for ref in info.functions:
            if not ref.builtin and ref.name not in PROMETHEUS_TEMPLATE_FUNCS:
                out.append(UndefinedFunction(ref.name, ref.pos, None))
        return out
    target = Version.parse(version)
    for ref in info.functions:
        if ref.builtin:
            continue
        feature = AM_TEMPLATE_FUNCS.get(ref.name)
        if feature is None:
            out.append(UndefinedFunction(ref.name, ref.pos, None))
        elif not feature.available_in(target):
            out.append(UndefinedFunction(ref.name, ref.pos, feature.since))
    return sorted(out, key=lambda u: u.pos)
