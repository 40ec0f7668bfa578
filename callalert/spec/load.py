"""YAML → plain data, and a line and column for any key path of it.

Most specs are plain YAML: block and flow collections, scalars, no anchors, aliases, tags or
merge keys. Those are loaded on a fast path that builds the data straight from libyaml's events
(`_fast_data`), with PyYAML's own resolver and constructors for every scalar, so the data is what
PyYAML would build; positions are not kept, and are looked up only when a problem needs one, in
an index of the document built from a second pass over the events on first use (`_Index`: a few
flat arrays, where PyYAML's node tree of a 10,000-alert spec takes 110 MiB). Anything else
(anchors, tags, duplicate keys, any error) goes the slow way: PyYAML's node tree, kept for
positions. Both ways give the same data and the same positions (tests/unit/test_load_positions.py).

Duplicate keys, which PyYAML silently accepts (the last one wins), are problems here, positioned
at the second occurrence.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser as _PyParser
from yaml.reader import Reader, ReaderError
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from callalert import diagnostics as d
from callalert.diagnostics import KeyPath, Level, Problem, Rule, format_key, shown
from callalert.limits import MAX_YAML_DEPTH, ensure_recursion_limit
from callalert.spec.read import read_text

_Parser: Any  # libyaml's parser+composer is ~10x faster; fall back where PyYAML was built without it
try:
    from yaml._yaml import CParser as _Parser
    from yaml._yaml import get_version as _libyaml_version

    # libyaml before 0.2.6 has no nesting limit, and PyYAML composes its nodes by recursing in C:
    # a file of opening brackets would overflow the C stack. Such a build (PyYAML's wheels before
    # 6.0.4, or a distribution's PyYAML on an older libyaml) reads with the Python parser instead,
    # bounded by MAX_YAML_DEPTH.
    HAVE_LIBYAML = _libyaml_version() >= (0, 2, 6)
except ImportError:  # pragma: no cover - depends on the PyYAML build
    HAVE_LIBYAML = False
if not HAVE_LIBYAML:  # pragma: no cover - depends on the PyYAML build
    from yaml.parser import Parser as _Parser


class _Constructor(SafeConstructor):
    def __init__(self) -> None:
        super().__init__()
        self.duplicates: list[tuple[MappingNode, ScalarNode]] = []

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        # PyYAML's constructors for !!int, !!float, !!bool, !!timestamp ... raise plain Python
        # errors on a bad value (`!!int abc`); every one becomes a problem at the node.
        try:
            return super().construct_object(node, deep=deep)
        except ConstructorError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError, IndexError) as exc:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            value = shown(node.value) if isinstance(node, ScalarNode) else "this collection"
            raise ConstructorError(
                None, None, f"{value} is not a valid {tag} value ({type(exc).__name__})", node.start_mark
            ) from None

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                key = key_node.value
                if key in seen:
                    self.duplicates.append((node, key_node))
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


if HAVE_LIBYAML:

    class _Loader(_Parser, _Constructor, Resolver):  # type: ignore[misc]  # libyaml has no stubs worth the name
        def __init__(self, stream: str) -> None:
            _Parser.__init__(self, stream)
            _Constructor.__init__(self)
            Resolver.__init__(self)


class _DeepLoader(Reader, Scanner, _PyParser, Composer, _Constructor, Resolver):
    """PyYAML's own (Python) parser: slower, but without libyaml's fixed limit of 1,000 nesting
    levels; used for files deeper than that, up to MAX_YAML_DEPTH."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        _PyParser.__init__(self)
        Composer.__init__(self)
        _Constructor.__init__(self)
        Resolver.__init__(self)
        self.depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested more than {MAX_YAML_DEPTH} levels deep (callalert's limit)",
                    self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


if not HAVE_LIBYAML:  # pragma: no cover

    class _Loader(_DeepLoader):  # type: ignore[no-redef]
        pass


@dataclass
class Document:
    """One loaded YAML file: its data, its node tree, and the problems found while loading."""

    path: str
    data: Any
    tree: Node | None  # the node tree; None on the fast path until `root` is asked for
    problems: list[Problem] = field(default_factory=list)
    text: str = field(default="", repr=False)
    _keys: dict[int, dict[str, tuple[Node, Node]]] = field(default_factory=dict, repr=False)
    # loaded on the fast path: no node tree; positions come from an index of `text`, built on first use
    fast: bool = field(default=False, repr=False)
    _index: _Index | None = field(default=None, repr=False)

    @property
    def root(self) -> Node | None:
        """The node tree (what a caller walking nodes needs): a document loaded on the fast path
        builds it from its text the first time it is asked for."""
        if self.tree is None and self.fast:
            self.tree = load_nodes(self.text, self.path).tree
        return self.tree

    def _positions(self) -> _Index:
        if self._index is None:
            self._index = _Index(self.text)
        return self._index

    def _entry(self, mapping: MappingNode, part: str | int) -> tuple[Node, Node] | None:
        """(key node, value node) of `part` in `mapping`; the last one when a key repeats, as
        YAML keeps it. Indexed once per mapping, so positioning many problems stays linear."""
        index = self._keys.get(id(mapping))
        if index is None:
            index = {}
            for key_node, value_node in mapping.value:
                if isinstance(key_node, ScalarNode):
                    index[key_node.value] = (key_node, value_node)
            self._keys[id(mapping)] = index
        return index.get(str(part))

    def node_at(self, key: KeyPath) -> Node | None:
        """The node at `key` (a document loaded on the fast path builds its node tree for this)."""
        node = self.root
        for part in key:
            if isinstance(node, MappingNode):
                entry = self._entry(node, part)
                node = entry[1] if entry is not None else None
            elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
            else:
                return None
            if node is None:
                return None
        return node

    def position_in_value(self, key: KeyPath, line: int, col: int) -> tuple[int, int]:
        """Position of (line, col) of a scalar's *value* in the file, where the text maps
        one to one (plain, quoted without escapes, literal blocks); else the value's start."""
        if self.fast:
            return self._positions().position_in_value(key, line, col, self.text)
        node = self.node_at(key)
        if not isinstance(node, ScalarNode):
            return self.position(key)
        start_line, start_col = node.start_mark.line + 1, node.start_mark.column + 1
        text = node.value
        if node.style in (None, "", "'", '"') and "\n" not in text:
            quote = 1 if node.style else 0
            escaped = (node.style == "'" and "'" in text) or (node.style == '"' and ("\\" in text or '"' in text))
            if line == 1 and not escaped and node.end_mark.line == node.start_mark.line:
                return (start_line, start_col + quote + col - 1)
        elif node.style == "|":
            # content starts on the line after the indicator, at the block's indentation
            first = start_line + 1
            lines = text.split("\n")
            source = self.text.split("\n")
            if 1 <= line <= len(lines) and first - 1 < len(source):
                content = source[first - 1]
                indent = len(content) - len(content.lstrip(" "))
                return (first + line - 1, indent + col)
        return (start_line, start_col)

    def position(self, key: KeyPath, *, at_key: bool = False) -> tuple[int, int]:
        """1-based (line, col) of the value at `key`, or of the deepest part of it that exists.

        With at_key=True and a mapping key as the last part, the position of the key itself
        (where an unknown or duplicate key should be reported).
        """
        if self.fast:
            return self._positions().position(key, at_key=at_key)
        node = self.root
        if node is None:
            return (1, 1)
        best = node.start_mark
        for i, part in enumerate(key):
            last = i == len(key) - 1
            if isinstance(node, MappingNode):
                found = self._entry(node, part)
                if found is None:
                    break
                if last and at_key:
                    best = found[0].start_mark
                    break
                node = found[1]
            elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
            else:
                break
            best = node.start_mark
        return (best.line + 1, best.column + 1)


def _mark_problem(path: str, mark: Any, message: str, rule: Rule) -> Problem:
    line = mark.line + 1 if mark is not None else 1
    col = mark.column + 1 if mark is not None else 1
    return d.problem(path, line, col, message, rule)


_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])&[^\s\[\]{},]")


def _reader_problem(path: str, text: str, exc: ReaderError, in_bytes: bool) -> Problem:
    # A reader error (a control character, a NUL) has an offset, not a mark: libyaml counts
    # bytes of UTF-8, PyYAML characters.
    offset = len(text.encode("utf-8", "surrogatepass")[: exc.position].decode("utf-8", "replace")) if in_bytes else exc.position
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
    return d.problem(
        path, line, col, f"YAML syntax error: character #x{char:04x} is not allowed here ({exc.reason})", d.YAML_SYNTAX
    )


def _syntax_problem(path: str, exc: yaml.MarkedYAMLError, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    message = f"YAML syntax error: {exc.problem or exc}"
    if exc.context:
        message += f" ({exc.context})"
    found = _mark_problem(path, mark, message, d.YAML_SYNTAX)
    fix = _syntax_fix(exc, text)
    if fix is not None:
        found = Problem(found.path, found.line, found.col, found.level, found.message, found.rule, found.key, fix)
    return found


def _cycle(root: Node) -> Node | None:
    """The collection that closes a cycle (a YAML alias inside its own anchor), or None.

    Walks each node once (an alias bomb is a DAG of a few nodes, never expanded here)."""
    state: dict[int, int] = {}  # id -> 1 on the current path, 2 done
    stack: list[tuple[Node, Any]] = [(root, iter(_children(root)))]
    state[id(root)] = 1
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is None:
            state[id(node)] = 2
            stack.pop()
            continue
        seen = state.get(id(child))
        if seen == 1:
            return node
        if seen is None and isinstance(child, CollectionNode):
            state[id(child)] = 1
            stack.append((child, iter(_children(child))))
    return None


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _indent_of(text: str, line: int) -> int:
    lines = text.splitlines()
    if not 0 <= line < len(lines):
        return 0
    raw = lines[line]
    stripped = raw.lstrip(" ")
    return len(raw) - len(stripped) + (2 if stripped.startswith("- ") else 0)


def _open_bracket(text: str, upto: int) -> int | None:
    """The line (0-based) of the last `[` or `{` not closed before offset `upto` (quotes and comments skipped)."""
    stack: list[int] = []
    line, i, quote = 0, 0, ""
    while i < min(upto, len(text)):
        ch = text[i]
        if ch == "\n":
            line += 1
        elif quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t\n"):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        elif ch in "[{":
            stack.append(line)
        elif ch in "]}" and stack:
            stack.pop()
        i += 1
    return stack[-1] if stack else None


def _syntax_fix(exc: yaml.MarkedYAMLError, text: str) -> str | None:
    """A hint for the YAML mistakes people make most: indentation, an unquoted `: `, an open bracket."""
    problem, context = str(exc.problem or ""), str(exc.context or "")
    at, start = exc.problem_mark, exc.context_mark
    if at is None:
        return None
    if "did not find expected" in problem and "block" in context and start is not None and start.line != at.line:
        indent = _indent_of(text, at.line)
        if "collection" in context:
            return (
                f"check the indentation of line {at.line + 1}: at {indent} spaces it is in the list that starts at line "
                f"{start.line + 1} but does not start with '- '; indent it {start.column + 2} spaces to make it a key of "
                "the item above"
            )
        return (
            f"check the indentation of line {at.line + 1}: it is indented {indent} spaces, the keys of the mapping that "
            f"starts at line {start.line + 1} are indented {start.column}"
        )
    if "mapping values are not allowed" in problem:
        return "a value that contains ': ' needs quotes, e.g. summary: \"Disk: almost full\""
    if "flow" in context:
        opened = _open_bracket(text, at.index)
        if opened is not None:
            return f"the [ or {{ opened on line {opened + 1} is not closed (or a value in it needs quotes)"
    if "tab" in problem:
        return "YAML indents with spaces, never tabs"
    return None


# --- the fast path: plain YAML straight from libyaml's events ---------------------------------------

_SLOW = object()  # _fast_data's answer for a document it leaves to the node tree
_IMPLICIT = Resolver.yaml_implicit_resolvers  # PyYAML's own: first character -> [(tag, regexp)]
_SCALARS = {
    tag: SafeConstructor.yaml_constructors[tag]
    for tag in (f"tag:yaml.org,2002:{name}" for name in ("bool", "int", "float", "null", "timestamp"))
}


def _fast_data(text: str) -> Any:
    """The data of a plain YAML document, as PyYAML's safe loader builds it, without nodes; _SLOW
    when the document has anything else: an anchor, an alias, a tag, a merge key, a complex or
    duplicate key, more or less than one document, an error of any kind."""
    parser = _Parser(text)
    constructor = SafeConstructor()
    resolved: dict[str, Any] = {}  # plain scalar -> its value (keys repeat thousands of times: one object each)
    get = parser.get_event
    try:
        if type(get()) is not StreamStartEvent or type(get()) is not DocumentStartEvent:
            return _SLOW
        root: Any = _SLOW
        stack: list[tuple[Any, bool, Any, set[str] | None]] = []
        container: Any = None  # the open collection: a dict or a list
        in_map = False
        key: Any = _SLOW  # in a mapping: the key waiting for its value
        raw_keys: set[str] | None = None  # the mapping's keys as written (a repeated one is a duplicate)
        while True:
            event = get()
            kind = type(event)
            raw = ""
            if kind is ScalarEvent:
                if event.anchor is not None or event.tag is not None:
                    return _SLOW
                raw = event.value
                if event.implicit[0]:  # plain: PyYAML's implicit resolvers decide the type
                    value = resolved.get(raw, _SLOW)
                    if value is _SLOW:
                        value = raw
                        for tag, regexp in _IMPLICIT.get(raw[0] if raw else "", ()):
                            if regexp.match(raw):
                                construct = _SCALARS.get(tag)
                                if construct is None:  # a merge key (<<) or =
                                    return _SLOW
                                value = construct(constructor, ScalarNode(tag, raw))
                                break
                        resolved[raw] = value
                else:
                    value = raw
                opened = None
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if event.anchor is not None or event.tag is not None:
                    return _SLOW
                value = {} if kind is MappingStartEvent else []
                opened = value
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                container, in_map, key, raw_keys = stack.pop()
                continue
            elif kind is DocumentEndEvent:
                break
            else:  # an alias
                return _SLOW
            if container is None:
                root = value
            elif not in_map:
                container.append(value)
            elif key is _SLOW:
                assert raw_keys is not None
                if opened is not None or raw in raw_keys or value in container:
                    return _SLOW
                raw_keys.add(raw)
                key = value
                continue
            else:
                container[key] = value
                key = _SLOW
            if opened is not None:
                stack.append((container, in_map, key, raw_keys))
                container, in_map, key = opened, kind is MappingStartEvent, _SLOW
                raw_keys = set() if in_map else None
        if type(get()) is not StreamEndEvent:
            return _SLOW
        return root
    except Exception:  # a syntax error, libyaml's depth limit, a scalar its constructor refuses: the slow way says which
        return _SLOW
    finally:
        parser.dispose()


_STYLES = {"": 0, "'": 1, '"': 2, "|": 3, ">": 4}
_MAPPING, _SEQUENCE = 5, 6


class _Index:
    """Where every node of a document loaded on the fast path is, in document order, as PyYAML's
    node tree would say: start line and column, the index after its subtree, the style and end of
    scalars, the text of mapping keys. Built from one more pass over libyaml's events."""

    def __init__(self, text: str) -> None:
        self.line = array("i")
        self.col = array("i")
        self.end = array("i")  # index of the first node after this one's subtree
        self.kind = bytearray()  # _STYLES of a scalar, _MAPPING or _SEQUENCE
        self.keys: list[str | None] = []  # the text of a mapping key, None for any other node
        self._maps: dict[int, dict[str, int]] = {}
        self._seqs: dict[int, list[int]] = {}
        self._values: list[tuple[str, int] | None] | None = None
        parser = _Parser(text)
        try:
            self._read(parser.get_event)
        finally:
            parser.dispose()

    def _read(self, get: Any) -> None:
        line, col, end, kind, keys = self.line.append, self.col.append, self.end, self.kind.append, self.keys.append
        texts: dict[str, str] = {}  # one object per key text: keys repeat in every alert
        text_of = texts.setdefault
        styles = _STYLES
        stack: list[tuple[int, bool, bool]] = []  # the open collections: (index, in a mapping, next is a key)
        in_map = is_key = False
        n = 0  # nodes so far
        while True:
            event = get()
            etype = type(event)
            if etype is ScalarEvent:
                mark = event.start_mark
                line(mark.line)
                col(mark.column)
                end.append(n + 1)
                kind(styles.get(event.style, 0))
                if in_map:
                    keys(text_of(event.value, event.value) if is_key else None)
                    is_key = not is_key
                else:
                    keys(None)
                n += 1
            elif etype is MappingStartEvent or etype is SequenceStartEvent:
                mark = event.start_mark
                line(mark.line)
                col(mark.column)
                end.append(0)
                keys(None)
                if in_map:
                    is_key = not is_key
                stack.append((n, in_map, is_key))
                in_map = etype is MappingStartEvent
                kind(_MAPPING if in_map else _SEQUENCE)
                is_key = True
                n += 1
            elif etype is MappingEndEvent or etype is SequenceEndEvent:
                start, in_map, is_key = stack.pop()
                end[start] = n
            elif etype is StreamEndEvent:
                return

    def _children(self, i: int) -> list[int]:
        out = []
        j, stop, end = i + 1, self.end[i], self.end
        while j < stop:
            out.append(j)
            j = end[j]
        return out

    def _entry(self, i: int, part: str | int) -> tuple[int, int] | None:
        """(key, value) node indexes of `part` in the mapping at `i` (indexed once per mapping). A key
        is a scalar on the fast path, so its value is the next node."""
        entries = self._maps.get(i)
        if entries is None:
            children = self._children(i)
            entries = {}
            for k in children[::2]:
                text = self.keys[k]
                if text is not None:
                    entries[text] = k
            self._maps[i] = entries
        key = entries.get(str(part))
        return None if key is None else (key, key + 1)

    def _item(self, i: int, part: str | int) -> int | None:
        if not isinstance(part, int):
            return None
        items = self._seqs.get(i)
        if items is None:
            items = self._seqs[i] = self._children(i)
        return items[part] if 0 <= part < len(items) else None

    def node_at(self, key: KeyPath) -> int | None:
        i: int | None = 0 if self.line else None
        for part in key:
            if i is None:
                return None
            if self.kind[i] == _MAPPING:
                entry = self._entry(i, part)
                i = entry[1] if entry is not None else None
            elif self.kind[i] == _SEQUENCE:
                i = self._item(i, part)
            else:
                return None
        return i

    def position(self, key: KeyPath, *, at_key: bool = False) -> tuple[int, int]:
        """Document.position of the node tree, on the index."""
        if not self.line:
            return (1, 1)
        i = best = 0
        for n, part in enumerate(key):
            if self.kind[i] == _MAPPING:
                found = self._entry(i, part)
                if found is None:
                    break
                if n == len(key) - 1 and at_key:
                    best = found[0]
                    break
                i = found[1]
            elif self.kind[i] == _SEQUENCE:
                item = self._item(i, part)
                if item is None:
                    break
                i = item
            else:
                break
            best = i
        return (self.line[best] + 1, self.col[best] + 1)

    def position_in_value(self, key: KeyPath, line: int, col: int, text: str) -> tuple[int, int]:
        """Document.position_in_value of the node tree, on the index."""
        i = self.node_at(key)
        if i is None or self.kind[i] >= _MAPPING:
            return self.position(key)
        start_line, start_col = self.line[i] + 1, self.col[i] + 1
        style = self.kind[i]
        value, end_line = self._scalar(i, text)
        if style <= 2 and "\n" not in value:
            escaped = (style == 1 and "'" in value) or (style == 2 and ("\\" in value or '"' in value))
            if line == 1 and not escaped and end_line == self.line[i]:
                return (start_line, start_col + (1 if style else 0) + col - 1)
        elif style == 3:
            first = start_line + 1
            lines = value.split("\n")
            source = text.split("\n")
            if 1 <= line <= len(lines) and first - 1 < len(source):
                content = source[first - 1]
                indent = len(content) - len(content.lstrip(" "))
                return (first + line - 1, indent + col)
        return (start_line, start_col)

    def _scalar(self, i: int, text: str) -> tuple[str, int]:
        """The value (node.value) and end line of the scalar at `i`: every scalar's are read again
        from the events the first time one is asked for."""
        if self._values is None:
            values: list[tuple[str, int] | None] = []
            parser = _Parser(text)
            try:
                while True:
                    event = parser.get_event()
                    etype = type(event)
                    if etype is ScalarEvent:
                        values.append((event.value, event.end_mark.line))
                    elif etype is MappingStartEvent or etype is SequenceStartEvent:
                        values.append(None)
                    elif etype is StreamEndEvent:
                        break
            finally:
                parser.dispose()
            self._values = values
        found = self._values[i]
        assert found is not None
        return found


def load_text(text: str, path: str) -> Document:
    if HAVE_LIBYAML:
        fast = _fast_data(text)
        if fast is not _SLOW:
            return Document(path, fast, None, [], text, fast=True)
    return load_nodes(text, path)


def load_nodes(text: str, path: str) -> Document:
    """The slow way: PyYAML's node tree, kept for positions (what load_text does with any document
    the fast path leaves)."""
    loader: Any = _Loader(text)
    try:
        try:
            root = loader.get_single_node()
        except ReaderError as exc:
            return Document(path, None, None, [_reader_problem(path, text, exc, HAVE_LIBYAML)])
        except yaml.MarkedYAMLError as exc:
            if "exceeded maximum nesting depth" not in str(exc.problem) or not HAVE_LIBYAML:
                return Document(path, None, None, [_syntax_problem(path, exc, text)])
            loader.dispose()  # deeper than libyaml goes: PyYAML's parser, bounded by MAX_YAML_DEPTH
            ensure_recursion_limit()
            loader = _DeepLoader(text)
            try:
                root = loader.get_single_node()
            except ReaderError as deep_exc:
                return Document(path, None, None, [_reader_problem(path, text, deep_exc, False)])
            except yaml.MarkedYAMLError as deep_exc:
                return Document(path, None, None, [_syntax_problem(path, deep_exc, text)])
        except yaml.YAMLError as exc:
            return Document(path, None, None, [d.problem(path, 1, 1, f"YAML error: {exc}", d.YAML_SYNTAX)])
        if root is None:
            return Document(path, None, None, [])
        if _ANCHOR.search(text) and (closing := _cycle(root)) is not None:
            line, col = closing.start_mark.line + 1, closing.start_mark.column + 1
            message = "recursive alias: this collection contains itself (an alias inside its own anchor)"
            return Document(path, None, root, [d.problem(path, line, col, message, d.YAML_SYNTAX)])
        try:
            data = loader.construct_document(root)
        except ConstructorError as exc:
            mark = exc.problem_mark or exc.context_mark
            return Document(path, None, root, [_mark_problem(path, mark, f"YAML error: {exc.problem}", d.YAML_SYNTAX)])
        problems = [
            _mark_problem(
                path,
                key_node.start_mark,
                f"duplicate key {key_node.value!r} (YAML keeps only the last one; "
                f"the first is at line {_first_line(mapping, key_node)})",
                d.DUPLICATE_KEY,
            )
            for mapping, key_node in loader.duplicates
        ]
        return Document(path, data, root, problems, text)
    finally:
        loader.dispose()


def load_all_text(text: str, path: str) -> list[Document]:
    """Every YAML document of a stream (`---` separated), each with its node tree; positions are
    those of the whole file. One document is read by `load_text` (deep nesting, recursive aliases,
    reader errors all handled there); in a stream a syntax error ends it with a document holding
    the problem."""
    single = load_nodes(text, path)
    if not any("found another document" in p.message for p in single.problems):
        return [single]
    loader: Any = _Loader(text)
    docs: list[Document] = []
    try:
        while True:
            try:
                if not loader.check_node():
                    break
                root = loader.get_node()
            except ReaderError as exc:
                docs.append(Document(path, None, None, [_reader_problem(path, text, exc, HAVE_LIBYAML)], text))
                break
            except yaml.MarkedYAMLError as exc:
                docs.append(Document(path, None, None, [_syntax_problem(path, exc, text)], text))
                break
            except yaml.YAMLError as exc:
                docs.append(Document(path, None, None, [d.problem(path, 1, 1, f"YAML error: {exc}", d.YAML_SYNTAX)], text))
                break
            if root is None:
                continue
            if _ANCHOR.search(text) and (closing := _cycle(root)) is not None:
                line, col = closing.start_mark.line + 1, closing.start_mark.column + 1
                message = "recursive alias: this collection contains itself (an alias inside its own anchor)"
                docs.append(Document(path, None, root, [d.problem(path, line, col, message, d.YAML_SYNTAX)], text))
                continue
            before = len(loader.duplicates)
            try:
                data = loader.construct_document(root)
            except ConstructorError as exc:
                mark = exc.problem_mark or exc.context_mark
                docs.append(
                    Document(path, None, root, [_mark_problem(path, mark, f"YAML error: {exc.problem}", d.YAML_SYNTAX)], text)
                )
                continue
            problems = [
                _mark_problem(
                    path,
                    key_node.start_mark,
                    f"duplicate key {key_node.value!r} (YAML keeps only the last one; "
                    f"the first is at line {_first_line(mapping, key_node)})",
                    d.DUPLICATE_KEY,
                )
                for mapping, key_node in loader.duplicates[before:]
            ]
            docs.append(Document(path, data, root, problems, text))
    finally:
        loader.dispose()
    return docs


def _first_line(mapping: MappingNode, dup: ScalarNode) -> int:
    for key_node, _ in mapping.value:
        if isinstance(key_node, ScalarNode) and key_node.value == dup.value:
            return int(key_node.start_mark.line) + 1
    return int(dup.start_mark.line) + 1


def load_file(path: Path, display: str | None = None) -> Document:
    """Read and load one YAML file; the file cannot be read: `read.InputError`."""
    return load_text(read_text(path), display or str(path))


# --- several files, one spec ---------------------------------------------------------------

# Top-level keys whose values are lists: files concatenate them. Mapping-valued keys merge by
# name (a name defined twice is a problem); any other key may appear in one file only.
LIST_KEYS = frozenset({"groups", "inhibit_rules", "silences", "time_intervals"})
MAP_KEYS = frozenset({"severities", "categories", "receivers"})


@dataclass
class _Piece:
    doc: Document
    offset: int  # for list keys: index of the file's first item in the merged list


@dataclass
class Merged:
    """Several documents merged into one spec; positions map back to the file they came from."""

    data: dict[str, Any]
    documents: list[Document]
    problems: list[Problem]
    _owners: dict[str, list[_Piece]] = field(default_factory=dict)
    _map_owner: dict[tuple[str, str], Document] = field(default_factory=dict)
    # key paths set by an overlay -> (the overlay, its key path): what an overlay introduced is
    # positioned in the overlay (spec.overlay fills it)
    provenance: dict[KeyPath, tuple[Document, KeyPath]] = field(default_factory=dict)

    def _overlay(self, key: KeyPath) -> tuple[Document, KeyPath] | None:
        if not self.provenance:
            return None
        for n in range(len(key), 0, -1):
            found = self.provenance.get(key[:n])
            if found is not None:
                return found[0], (*found[1], *key[n:])
        return None

    def path_of(self, key: KeyPath) -> str:
        """The file `key` comes from (what locate() says first), without looking up a position."""
        overlay = self._overlay(key)
        if overlay is not None:
            return overlay[0].path
        found = self._doc_for(key)
        return found.path if found is not None else "<spec>"

    def locate(self, key: KeyPath, *, at_key: bool = False) -> tuple[str, int, int]:
        overlay = self._overlay(key)
        if overlay is not None:
            doc, local = overlay
            return (doc.path, *doc.position(local, at_key=at_key))
        found = self._doc_for(key)
        if found is None:
            return ("<spec>", 1, 1)
        if key and not self._owners.get(str(key[0])):
            return (found.path, *found.position(key[:1], at_key=True))  # a key no file has
        return (found.path, *found.position(self._local_key(key), at_key=at_key))

    def _piece(self, key: KeyPath) -> _Piece | None:
        """The file piece a list item comes from (lists concatenate across files)."""
        pieces = self._owners.get(str(key[0])) if key else None
        if not pieces or str(key[0]) not in LIST_KEYS or len(key) < 2 or not isinstance(key[1], int):
            return None
        piece = pieces[0]
        for candidate in pieces:
            if key[1] >= candidate.offset:
                piece = candidate
        return piece

    def problem_in_value(self, key: KeyPath, line: int, col: int, message: str, rule: Rule, **kw: Any) -> Problem:
        """A problem at (line, col) inside the string value at `key` (e.g. in a PromQL expr)."""
        problem = self.problem(key, message, rule, **kw)
        overlay = self._overlay(key)
        if overlay is not None:
            doc, local = overlay
        else:
            found = self._doc_for(key)
            if found is None:
                return problem
            doc, local = found, self._local_key(key)
        l2, c2 = doc.position_in_value(local, line, col)
        return Problem(problem.path, l2, c2, problem.level, problem.message, problem.rule, problem.key, problem.fix)

    def _doc_for(self, key: KeyPath) -> Document | None:
        if not self.documents:
            return None
        pieces = self._owners.get(str(key[0])) if key else None
        if not pieces:
            return self.documents[0]
        piece = self._piece(key)
        if piece is not None:
            return piece.doc
        if str(key[0]) in MAP_KEYS and len(key) > 1:
            return self._map_owner.get((str(key[0]), str(key[1])), pieces[0].doc)
        return pieces[0].doc

    def _local_key(self, key: KeyPath) -> KeyPath:
        piece = self._piece(key)
        return (key[0], int(key[1]) - piece.offset, *key[2:]) if piece is not None else key

    def problem(
        self,
        key: KeyPath,
        message: str,
        rule: Rule,
        *,
        level: Level | None = None,
        at_key: bool = False,
        fix: str | None = None,
    ) -> Problem:
        path, line, col = self.locate(key, at_key=at_key)
        return d.problem(path, line, col, message, rule, level=level, key=format_key(key), fix=fix)


def merge(documents: Sequence[Document]) -> Merged:
    merged = Merged({}, list(documents), [])
    for doc in documents:
        merged.problems.extend(doc.problems)
    for doc in documents:
        if doc.data is None:
            continue
        if not isinstance(doc.data, dict):
            line, col = doc.position(())
            merged.problems.append(
                d.problem(doc.path, line, col, "a spec must be a YAML mapping (key: value) at the top level", d.SCHEMA)
            )
            continue
        for raw_key, value in doc.data.items():
            key = str(raw_key)
            pieces = merged._owners.setdefault(key, [])
            if key not in merged.data:
                pieces.append(_Piece(doc, 0))
                merged.data[key] = list(value) if key in LIST_KEYS and isinstance(value, list) else value
                if key in MAP_KEYS and isinstance(value, dict):
                    merged.data[key] = dict(value)
                    for name in value:
                        merged._map_owner[(key, str(name))] = doc
                continue
            existing = merged.data[key]
            if key in LIST_KEYS and isinstance(existing, list) and isinstance(value, list):
                pieces.append(_Piece(doc, len(existing)))
                existing.extend(value)
            elif key in MAP_KEYS and isinstance(existing, dict) and isinstance(value, dict):
                for name, item in value.items():
                    if name in existing:
                        first = merged._map_owner[(key, str(name))]
                        line, col = doc.position((key, name), at_key=True)
                        first_line, first_col = first.position((key, name), at_key=True)
                        what = key[:-1] if not key.endswith("ies") else key[:-3] + "y"
                        merged.problems.append(
                            d.problem(
                                doc.path,
                                line,
                                col,
                                f"{what} {name!r} is also defined in {first.path}:{first_line}:{first_col}",
                                d.DUPLICATE_NAME,
                                key=f"{key}.{name}",
                            )
                        )
                        continue
                    existing[name] = item
                    merged._map_owner[(key, str(name))] = doc
            elif key == "version" and existing == value:
                continue
            else:
                line, col = doc.position((key,), at_key=True)
                first = pieces[0].doc
                merged.problems.append(
                    d.problem(
                        doc.path,
                        line,
                        col,
                        f"{key!r} is already set in {first.path}; it may appear in one spec file only",
                        d.DUPLICATE_KEY,
                        key=key,
                    )
                )
    return merged
