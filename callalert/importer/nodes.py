"""Reading inputs node by node, every value with its position in the file it came from.

`Y` wraps a YAML node of an input: its source text (`text()`, what Go's YAML decoders put into a
string field: `2` stays "2", `0.10` stays "0.10"), its typed value where a field is a bool or a
number (`typed()`), and where it is (`pos()`), also for documents embedded in another file (the
`alertmanager.yaml` block of a Kubernetes Secret, a Mimir `alertmanager_config` string) and for
nodes import builds itself (an AlertmanagerConfig converted to Alertmanager's own keys).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from yaml.constructor import SafeConstructor
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from callalert.diagnostics import KeyPath, format_key

_NULL = "tag:yaml.org,2002:null"
_CONSTRUCT = SafeConstructor()
_SCALAR_TYPES: dict[str, Callable[[ScalarNode], Any]] = {
    "tag:yaml.org,2002:bool": _CONSTRUCT.construct_yaml_bool,
    "tag:yaml.org,2002:int": _CONSTRUCT.construct_yaml_int,
    "tag:yaml.org,2002:float": _CONSTRUCT.construct_yaml_float,
    _NULL: lambda node: None,
}


@dataclass(frozen=True)
class Pos:
    """A place in an input file: what problems print (1-based)."""

    path: str
    line: int
    col: int


class FixedMark(Mark):
    """The start mark of a node import built itself: where the value it stands for was written."""

    def __init__(self, pos: Pos, where: str = "") -> None:
        super().__init__(pos.path, 0, pos.line - 1, pos.col - 1, None, None)  # type: ignore[arg-type]  # no buffer: nothing to quote
        self.pos = pos
        self.where = where  # the key path of what it stands for, in its own document


@dataclass(frozen=True)
class Origin:
    """Where the nodes of one document are: a file, and for an embedded document the way its
    lines map into that file (a literal block maps line for line; anything else to its start)."""

    path: str
    line_offset: int = 0  # the embedded document's line 1 is file line 1 + line_offset
    col_offset: int = 0
    flat: Pos | None = None  # every position of the document is this one (a quoted or base64 string)
    prefix: KeyPath = ()  # key path of the document inside its file, shown before inner key paths

    def locate(self, mark: Any) -> Pos:
        if isinstance(mark, FixedMark):
            return mark.pos
        if self.flat is not None:
            return self.flat
        line = int(mark.line) + 1
        col = int(mark.column) + 1
        return Pos(self.path, line + self.line_offset, col + self.col_offset)


def _named(key_node: Node) -> bool:
    """Whether a mapping key names an entry (`items`, `get`): a scalar, not a merge key (<<)."""
    return isinstance(key_node, ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Y:
    node: Node
    origin: Origin
    key: KeyPath = ()  # inside its document
    key_node: Node | None = field(default=None, compare=False)

    # --- where ------------------------------------------------------------------------------

    def pos(self) -> Pos:
        return self.origin.locate(self.node.start_mark)

    def key_pos(self) -> Pos:
        """Where the key holding this value is (the value's position when it has none)."""
        return self.origin.locate(self.key_node.start_mark) if self.key_node is not None else self.pos()

    @property
    def where(self) -> str:
        """The key path as problems show it (the document's place in its file first; for a node
        import built, the key path of what it stands for)."""
        mark = self.node.start_mark
        if isinstance(mark, FixedMark) and mark.where:
            return mark.where
        return format_key((*self.origin.prefix, *self.key))

    # --- what -------------------------------------------------------------------------------

    @property
    def is_map(self) -> bool:
        return isinstance(self.node, MappingNode)

    @property
    def is_list(self) -> bool:
        return isinstance(self.node, SequenceNode)

    @property
    def is_scalar(self) -> bool:
        return isinstance(self.node, ScalarNode)

    @property
    def is_null(self) -> bool:
        return isinstance(self.node, ScalarNode) and self.node.tag == _NULL

    def items(self) -> Iterator[tuple[str, Y]]:
        """A mapping's entries in file order, each key once (a repeated key: its last value, as YAML)."""
        if not isinstance(self.node, MappingNode):
            return
        last: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in self.node.value:
            if _named(key_node):
                last.pop(key_node.value, None)
                last[key_node.value] = (key_node, value_node)
        for name, (key_node, value_node) in last.items():
            yield name, Y(value_node, self.origin, (*self.key, name), key_node)

    def keys(self) -> list[str]:
        return [k for k, _ in self.items()]

    def values(self) -> list[Y]:
        return [v for _, v in self.items()]

    def get(self, name: str) -> Y | None:
        """The value of `name` in a mapping, as `items` gives it (its last one), None when absent."""
        if not isinstance(self.node, MappingNode):
            return None
        found = None
        for key_node, value_node in self.node.value:
            if key_node.value == name and _named(key_node):
                found = (key_node, value_node)
        return None if found is None else Y(found[1], self.origin, (*self.key, name), found[0])

    def __iter__(self) -> Iterator[Y]:
        if isinstance(self.node, SequenceNode):
            for i, item in enumerate(self.node.value):
                yield Y(item, self.origin, (*self.key, i))

    def __bool__(self) -> bool:  # a node is there, whatever its length (`if y:` never means "is empty")
        return True

    def __len__(self) -> int:
        return len(self.node.value) if isinstance(self.node, (MappingNode, SequenceNode)) else 0

    def text(self) -> str:
        """A scalar as Go reads it into a string field: the text as written (quotes and escapes
        resolved). Mappings and lists have none ('')."""
        if isinstance(self.node, ScalarNode) and self.node.tag != _NULL:
            return str(self.node.value)
        return ""

    def typed(self) -> Any:
        """The value as YAML types it (bool, int, float, str, None; mappings and lists as data)."""
        node = self.node
        if isinstance(node, ScalarNode):
            construct = _SCALAR_TYPES.get(node.tag)
            if construct is None:
                return str(node.value)
            try:
                return construct(node)
            except (ValueError, TypeError):
                return str(node.value)
        if isinstance(node, SequenceNode):
            return [item.typed() for item in self]
        return {key: value.typed() for key, value in self.items()}

    def data(self) -> Any:
        """Mappings and lists as data with every string, number and date as its text (what Go's
        string fields get) and booleans and nulls typed (what its bool fields need)."""
        if isinstance(self.node, ScalarNode):
            if self.node.tag in ("tag:yaml.org,2002:bool", _NULL):
                return self.typed()
            return self.text()
        if isinstance(self.node, SequenceNode):
            return [item.data() for item in self]
        return {key: value.data() for key, value in self.items()}

    def plain(self) -> Any:
        """Mappings and lists as data with every scalar as its text (None for null)."""
        if isinstance(self.node, ScalarNode):
            return None if self.is_null else self.text()
        if isinstance(self.node, SequenceNode):
            return [item.plain() for item in self]
        return {key: value.plain() for key, value in self.items()}


# --- nodes import builds ------------------------------------------------------------------------


def scalar(value: str, at: Pos, tag: str = "tag:yaml.org,2002:str", where: str = "") -> ScalarNode:
    mark = FixedMark(at, where)
    return ScalarNode(tag, value, mark, mark)


def mapping(entries: list[tuple[str, Node]], at: Pos, key_at: dict[str, Pos] | None = None, where: str = "") -> MappingNode:
    mark = FixedMark(at, where)
    pairs = [(scalar(k, (key_at or {}).get(k, at)), v) for k, v in entries]
    return MappingNode("tag:yaml.org,2002:map", pairs, mark, mark)


def sequence(items: Sequence[Node], at: Pos, where: str = "") -> SequenceNode:
    mark = FixedMark(at, where)
    return SequenceNode("tag:yaml.org,2002:seq", list(items), mark, mark)


def fixed(y: Y) -> Node:
    """A copy of `y`'s subtree whose positions stay right wherever it is placed."""
    node = y.node
    if isinstance(node, ScalarNode):
        mark = FixedMark(y.pos(), y.where)
        return ScalarNode(node.tag, node.value, mark, mark, node.style)
    if isinstance(node, SequenceNode):
        return sequence([fixed(item) for item in y], y.pos(), y.where)
    entries = [(k, fixed(v)) for k, v in y.items()]
    return mapping(entries, y.pos(), {k: v.key_pos() for k, v in y.items()}, y.where)
