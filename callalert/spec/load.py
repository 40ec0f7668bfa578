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

import contextlib
import functools
import re
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser as _PyParser
from yaml.reader import Reader, ReaderError
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from callalert import diagnostics as d
from callalert.diagnostics import KeyPath, Level, Problem, Rule, did_you_mean, format_key, shown
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


REPLACE_TAG = "!replace"


def _construct_replace(loader: Any, node: Node) -> Any:  # a loader with _Constructor in it
    """`!replace` (an overlay's "replace this value wholesale") constructs the mapping or list it tags as usual."""
    if isinstance(node, MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, SequenceNode):
        return loader.construct_sequence(node, deep=True)
    raise ConstructorError(
        None, None, f"{REPLACE_TAG} tags a mapping or a list (a single value always replaces the spec's)", node.start_mark
    )


_Constructor.add_constructor(REPLACE_TAG, _construct_replace)


def replace_paths(doc: Document) -> list[KeyPath]:
    """Key paths (in `doc`) of the values tagged `!replace`, in document order."""
    # the text first: asking a document loaded on the fast path for its root builds its whole node tree
    if REPLACE_TAG not in doc.text or doc.root is None:
        return []
    found: list[KeyPath] = []
    stack: list[tuple[Node, KeyPath]] = [(doc.root, ())]
    while stack:
        node, path = stack.pop()
        if node.tag == REPLACE_TAG:
            found.append(path)
        if isinstance(node, MappingNode):
            stack.extend((value, (*path, key.value)) for key, value in reversed(node.value) if isinstance(key, ScalarNode))
        elif isinstance(node, SequenceNode):
            stack.extend((item, (*path, i)) for i, item in reversed(list(enumerate(node.value))))
    return found


def _replace_tags(doc: Document) -> list[Problem]:
    """`!replace` means something in an overlay only; in a spec file it is a mistake worth saying."""
    return [
        d.problem(
            doc.path,
            *doc.position(path),
            f"{REPLACE_TAG} replaces a value of the spec wholesale, so it belongs in an overlay (--overlay), not in a spec file",
            d.OVERLAY,
            key=format_key(path),
            fix=f"remove the {REPLACE_TAG} tag",
        )
        for path in replace_paths(doc)
    ]


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

    def needs_positions(self) -> bool:
        """Whether the first position asked of this document builds its position index (a document
        loaded on the fast path whose index is not built yet)."""
        return self.fast and self._index is None

    def adopt_positions(self, index: PositionIndex, text: str) -> bool:
        """Use `index` (`position_index(text)`, built ahead, e.g. by another process while this
        document was loaded) when this document's text is `text`; True when it was taken."""
        if not self.needs_positions() or text != self.text:
            return False
        self._index = index
        return True

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

# --- libyaml's events, light ---------------------------------------------------------------------
# PyYAML's libyaml binding (yaml._yaml) hands each event to Python as an object of PyYAML's event
# classes, whose __init__ is Python code: a third of the time of a pass over a large spec's events.
# The fast loops below read events whose fields are an `args` tuple, in the order PyYAML's
# constructors take them, made in C: while a loop runs, yaml._yaml makes them instead of its own
# (the event classes are globals of that module, looked up at each event), and its own are put
# back after (callalert reads YAML on one thread: no other load sees them meanwhile). Where that
# does not give exactly PyYAML's fields (another PyYAML: `_light_works` checks once, on a document
# with every kind of event), each event is converted instead: slower, the same answers.
_FIELDS: dict[str, tuple[str, ...]] = {
    "StreamStartEvent": ("start_mark", "end_mark", "encoding"),
    "StreamEndEvent": ("start_mark", "end_mark"),
    "DocumentStartEvent": ("start_mark", "end_mark", "explicit", "version", "tags"),
    "DocumentEndEvent": ("start_mark", "end_mark", "explicit"),
    "AliasEvent": ("anchor", "start_mark", "end_mark"),
    "ScalarEvent": ("anchor", "tag", "implicit", "value", "start_mark", "end_mark", "style"),
    "SequenceStartEvent": ("anchor", "tag", "implicit", "start_mark", "end_mark", "flow_style"),
    "SequenceEndEvent": ("start_mark", "end_mark"),
    "MappingStartEvent": ("anchor", "tag", "implicit", "start_mark", "end_mark", "flow_style"),
    "MappingEndEvent": ("start_mark", "end_mark"),
}


class _Event(BaseException):
    """A light event: its fields (`_FIELDS`) in `args`. BaseException only because its instances
    are made in C from any positional arguments; never raised."""

    __slots__ = ()


_LIGHT: dict[str, type[_Event]] = {name: type(name, (_Event,), {"__slots__": ()}) for name in _FIELDS}
_STREAM_START, _STREAM_END = _LIGHT["StreamStartEvent"], _LIGHT["StreamEndEvent"]
_DOCUMENT_START, _DOCUMENT_END = _LIGHT["DocumentStartEvent"], _LIGHT["DocumentEndEvent"]
_SCALAR = _LIGHT["ScalarEvent"]
_MAPPING_START, _MAPPING_END = _LIGHT["MappingStartEvent"], _LIGHT["MappingEndEvent"]
_SEQUENCE_START, _SEQUENCE_END = _LIGHT["SequenceStartEvent"], _LIGHT["SequenceEndEvent"]
_PROBE = "%YAML 1.1\n%TAG !e! tag:example.com,2000:\n--- !e!x\n- &a {k: 'v', \"q\": x}\n- *a\n- [!!int 1, ~]\n- |\n  b\n- >-\n  c\n...\n"


def _lighten(event: Any) -> _Event:
    """`event` of PyYAML's classes as a light event."""
    return _LIGHT[type(event).__name__](*(getattr(event, name) for name in _FIELDS[type(event).__name__]))


def _fields(event: Any) -> tuple[Any, ...]:
    """What an event says, comparable: a mark by its place (marks have no equality of their own)."""
    args = event.args if isinstance(event, _Event) else tuple(getattr(event, name) for name in _FIELDS[type(event).__name__])
    return (type(event).__name__, *((a.index, a.line, a.column) if hasattr(a, "column") else a for a in args))


@functools.cache
def _light_works() -> bool:
    """Whether yaml._yaml, its event classes swapped, makes light events with PyYAML's fields."""
    try:
        import yaml._yaml as binding

        def every(light: bool) -> list[tuple[Any, ...]]:
            parser = _Parser(_PROBE)
            try:
                with _swapped(binding) if light else contextlib.nullcontext():
                    events = [parser.get_event()]
                    while events[-1].__class__.__name__ != "StreamEndEvent":
                        events.append(parser.get_event())
                if light and not all(type(event) is _LIGHT.get(type(event).__name__) for event in events):
                    return []  # not the light ones
                return [_fields(event) for event in events]
            finally:
                parser.dispose()

        expected = every(False)
        return len(expected) > 10 and every(True) == expected
    except Exception:
        return False


@contextlib.contextmanager
def _swapped(binding: Any) -> Iterator[None]:
    saved = {name: getattr(binding, name) for name in _FIELDS}
    try:
        for name, light in _LIGHT.items():
            setattr(binding, name, light)
        yield
    finally:
        for name, event_class in saved.items():
            setattr(binding, name, event_class)


@contextlib.contextmanager
def _events(text: str) -> Iterator[Callable[[], _Event]]:
    """The next event of `text` from libyaml, light, each time the function given is called
    (while the block runs)."""
    parser = _Parser(text)
    try:
        if _light_works():
            import yaml._yaml as binding

            with _swapped(binding):
                yield parser.get_event
        else:
            get = parser.get_event
            yield lambda: _lighten(get())
    finally:
        parser.dispose()


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
    constructor = SafeConstructor()
    resolved: dict[str, Any] = {}  # plain scalar -> its value (keys repeat thousands of times: one object each)
    try:
        with _events(text) as get:
            return _fast_events(get, constructor, resolved)
    except Exception:  # a syntax error, libyaml's depth limit, a scalar its constructor refuses: the slow way says which
        return _SLOW


def plain_data(text: str) -> Any:
    """What yaml.safe_load gives for `text`, read on the fast path where it can (libyaml, no node
    tree): for YAML callalert wrote itself and reads back (a rendered rule file), where positions
    and problems are not wanted. Raises yaml.YAMLError as yaml.safe_load does."""
    data = _fast_data(text) if HAVE_LIBYAML else _SLOW
    return yaml.safe_load(text) if data is _SLOW else data


def _fast_events(get: Callable[[], _Event], constructor: SafeConstructor, resolved: dict[str, Any]) -> Any:
    """_fast_data's loop over the events."""
    if type(get()) is not _STREAM_START or type(get()) is not _DOCUMENT_START:
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
        if kind is _SCALAR:
            anchor, tag, implicit, raw, _, _, _ = event.args
            if anchor is not None or tag is not None:
                return _SLOW
            if implicit[0]:  # plain: PyYAML's implicit resolvers decide the type
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
        elif kind is _MAPPING_START or kind is _SEQUENCE_START:
            args = event.args
            if args[0] is not None or args[1] is not None:  # an anchor, a tag
                return _SLOW
            value = {} if kind is _MAPPING_START else []
            opened = value
        elif kind is _MAPPING_END or kind is _SEQUENCE_END:
            container, in_map, key, raw_keys = stack.pop()
            continue
        elif kind is _DOCUMENT_END:
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
            container, in_map, key = opened, kind is _MAPPING_START, _SLOW
            raw_keys = set() if in_map else None
    if type(get()) is not _STREAM_END:
        return _SLOW
    return root


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
        with _events(text) as get:
            self._read(get)

    def _read(self, get: Callable[[], _Event]) -> None:
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
            if etype is _SCALAR:
                _, _, _, value, mark, _, style = event.args
                line(mark.line)
                col(mark.column)
                end.append(n + 1)
                kind(styles.get(style, 0))
                if in_map:
                    keys(text_of(value, value) if is_key else None)
                    is_key = not is_key
                else:
                    keys(None)
                n += 1
            elif etype is _MAPPING_START or etype is _SEQUENCE_START:
                mark = event.args[3]
                line(mark.line)
                col(mark.column)
                end.append(0)
                keys(None)
                if in_map:
                    is_key = not is_key
                stack.append((n, in_map, is_key))
                in_map = etype is _MAPPING_START
                kind(_MAPPING if in_map else _SEQUENCE)
                is_key = True
                n += 1
            elif etype is _MAPPING_END or etype is _SEQUENCE_END:
                start, in_map, is_key = stack.pop()
                end[start] = n
            elif etype is _STREAM_END:
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
            with _events(text) as get:
                while True:
                    event = get()
                    etype = type(event)
                    if etype is _SCALAR:
                        args = event.args
                        values.append((args[3], args[5].line))
                    elif etype is _MAPPING_START or etype is _SEQUENCE_START:
                        values.append(None)
                    elif etype is _STREAM_END:
                        break
            self._values = values
        found = self._values[i]
        assert found is not None
        return found


PositionIndex = _Index


def position_index(text: str) -> PositionIndex:
    """The position index a document of `text` loaded on the fast path builds on first use (to be
    built ahead and handed to `Document.adopt_positions`; it pickles)."""
    return _Index(text)


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
        cycle = _recursive_alias(path, text, root)
        if cycle is not None:
            return Document(path, None, root, [cycle])
        try:
            data = loader.construct_document(root)
        except ConstructorError as exc:
            mark = exc.problem_mark or exc.context_mark
            return Document(path, None, root, [_mark_problem(path, mark, f"YAML error: {exc.problem}", d.YAML_SYNTAX)])
        return Document(path, data, root, _duplicate_problems(path, loader.duplicates), text)
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
            cycle = _recursive_alias(path, text, root)
            if cycle is not None:
                docs.append(Document(path, None, root, [cycle], text))
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
            docs.append(Document(path, data, root, _duplicate_problems(path, loader.duplicates[before:]), text))
    finally:
        loader.dispose()
    return docs


def _recursive_alias(path: str, text: str, root: Node) -> Problem | None:
    """The problem of a collection that contains itself (an alias inside its own anchor), if any."""
    if not _ANCHOR.search(text) or (closing := _cycle(root)) is None:
        return None
    line, col = closing.start_mark.line + 1, closing.start_mark.column + 1
    message = "recursive alias: this collection contains itself (an alias inside its own anchor)"
    return d.problem(path, line, col, message, d.YAML_SYNTAX)


def _duplicate_problems(path: str, duplicates: Sequence[tuple[MappingNode, ScalarNode]]) -> list[Problem]:
    return [
        _mark_problem(
            path,
            key_node.start_mark,
            f"duplicate key {key_node.value!r} (YAML keeps only the last one; "
            f"the first is at line {_first_line(mapping, key_node)})",
            d.DUPLICATE_KEY,
        )
        for mapping, key_node in duplicates
    ]


def _first_line(mapping: MappingNode, dup: ScalarNode) -> int:
    for key_node, _ in mapping.value:
        if isinstance(key_node, ScalarNode) and key_node.value == dup.value:
            return int(key_node.start_mark.line) + 1
    return int(dup.start_mark.line) + 1


def load_file(path: Path, display: str | None = None) -> Document:
    """Read and load one YAML file; the file cannot be read: `read.InputError`."""
    return load_text(read_text(path), display or str(path))


# --- several files, one spec ---------------------------------------------------------------
#
# How the files of one spec compose (docs/teams.md is the user's side of this):
# - list-valued keys concatenate in file order (LIST_PATHS), `routing.routes`, `tests.rules` and
#   `tests.routing` included: each file's routes are a block of top-level routes, after those of
#   the files before it;
# - named entries merge by name (MAP_KEYS); a name defined twice is a problem naming both places;
# - `routing` and `tests` merge one level down: each of their keys from one file, lists concatenating;
# - `defaults`: the first file's apply to the whole spec; a later file's apply only to what that file
#   defines (SCOPED_DEFAULTS: its top-level routes, its groups, its alerts), and the keys that have no
#   such scope (SPEC_WIDE_DEFAULTS) are refused there;
# - any other key is set in one file only.
# Every conflict is a problem at the second place that names the first.

LIST_KEYS = frozenset({"groups", "inhibit_rules", "silences", "time_intervals", "policy"})
MAP_KEYS = frozenset({"severities", "categories", "receivers"})
SPLIT_KEYS: dict[str, frozenset[str]] = {"routing": frozenset({"routes"}), "tests": frozenset({"rules", "routing"})}
LIST_PATHS: frozenset[KeyPath] = frozenset(
    {(key,) for key in LIST_KEYS} | {(key, sub) for key, subs in SPLIT_KEYS.items() for sub in subs}
)
DEFAULTS_KEY = "defaults"
# defaults a later file may set for what it defines, and what that is
SCOPED_DEFAULTS: dict[str, str] = {
    "group_by": "routes",
    "group_wait": "routes",
    "group_interval": "routes",
    "repeat_interval": "routes",
    "evaluation_interval": "groups",
    "dashboard_base_url": "alerts",
}
# defaults that only mean something for the whole spec (one Alertmanager global, one Prometheus,
# one published runbooks/ folder): the first file's only
SPEC_WIDE_DEFAULTS: dict[str, str] = {
    "resolve_timeout": "it is Alertmanager's global resolve_timeout",
    "external_labels": "they are the one Prometheus' external labels",
    "scrape_interval": "it is the Prometheus scrape interval every rule's ranges are checked against",
    "targets": "the spec renders for one Prometheus and one Alertmanager version",
    "runbook_base_url": "the rendered runbooks/ folder is published in one place",
    "alert_names": "alert names are one namespace across the spec (the alertname label, runbook and test file names)",
}
_WHAT_SCOPED = {
    "routes": "its top-level routes (routing.routes)",
    "groups": "its rule groups",
    "alerts": "its alerts",
}
_ONE_FILE_WHY: dict[KeyPath, str] = {
    ("routing", "receiver"): "the root route's settings come from one file (other files add routes under it)",
    ("routing", "group_by"): "the root route's settings come from one file (other files add routes under it)",
    ("templates",): "the notification templates are one set for the Alertmanager",
    ("global",): "Alertmanager's global settings are one set",
}


@dataclass
class _Piece:
    doc: Document
    offset: int  # for list keys: index of the file's first item in the merged list


@dataclass
class FileDefaults:
    """A later file's own `defaults`: what they apply to, by index in the merged lists."""

    doc: Document
    values: dict[str, Any]
    groups: range
    routes: range


@dataclass
class Merged:
    """Several documents merged into one spec; positions map back to the file they came from."""

    data: dict[str, Any]
    documents: list[Document]
    problems: list[Problem]
    # list path -> the pieces of it each file contributed (lists concatenate across files)
    _pieces: dict[KeyPath, list[_Piece]] = field(default_factory=dict)
    # key path (no list index in it) -> the file that set it
    _owner: dict[KeyPath, Document] = field(default_factory=dict)
    # key paths set by an overlay (or filled in from a file's own defaults) -> the file and its key
    # path: what an overlay introduced is positioned in the overlay (spec.overlay fills it)
    provenance: dict[KeyPath, tuple[Document, KeyPath]] = field(default_factory=dict)
    # the later files' own defaults, applied by spec.compose.apply_file_defaults after overlays;
    # `filled`: the key paths they were filled in at (their provenance is the file's `defaults`)
    file_defaults: list[FileDefaults] = field(default_factory=list)
    filled: set[KeyPath] = field(default_factory=set)
    # how the files do not compose (settings made twice, defaults with no scope...): the merged
    # data stays whole (the first setting wins), so validation goes on and reports the rest too
    conflicts: list[Problem] = field(default_factory=list)

    @property
    def base(self) -> Document | None:
        """The first file: its defaults apply to the whole spec."""
        return next((doc for doc in self.documents if isinstance(doc.data, dict)), None)

    def _overlay(self, key: KeyPath) -> tuple[Document, KeyPath] | None:
        if not self.provenance:
            return None
        for n in range(len(key), 0, -1):
            found = self.provenance.get(key[:n])
            if found is not None:
                return found[0], (*found[1], *key[n:])
        return None

    def owner(self, key: KeyPath) -> Document | None:
        """The file that set `key` (a key path without list indices), or None."""
        return self._owner.get(key)

    def source(self, key: KeyPath) -> tuple[Document, KeyPath] | None:
        """The file a merged key path comes from, and the key path inside that file."""
        if len(self.documents) == 1 and not self.provenance:
            # one file, nothing laid over it: every key is its own (its lists are its own, from offset 0)
            return self.documents[0], key
        found = self._overlay(key)
        if found is not None:
            return found
        if not self.documents:
            return None
        doc: Document | None = None
        local = list(key)
        for n, part in enumerate(key):
            pieces = self._pieces.get(key[:n])
            if pieces is not None and isinstance(part, int):
                piece = pieces[0]
                for candidate in pieces:
                    if part >= candidate.offset:
                        piece = candidate
                doc = piece.doc
                local[n] = part - piece.offset
                continue
            owner = self._owner.get(key[: n + 1])
            if owner is not None:
                doc = owner
        return (doc or self.documents[0]), tuple(local)

    def path_of(self, key: KeyPath) -> str:
        """The file `key` comes from (what locate() says first), without looking up a position."""
        found = self.source(key)
        return found[0].path if found is not None else "<spec>"

    def locate(self, key: KeyPath, *, at_key: bool = False) -> tuple[str, int, int]:
        if self._overlay(key) is None and key and key[:1] not in self._owner and self.documents:
            first = self.documents[0]
            return (first.path, *first.position(key[:1], at_key=True))  # a key no file has
        found = self.source(key)
        if found is None:
            return ("<spec>", 1, 1)
        doc, local = found
        return (doc.path, *doc.position(local, at_key=at_key))

    def problem_in_value(self, key: KeyPath, line: int, col: int, message: str, rule: Rule, **kw: Any) -> Problem:
        """A problem at (line, col) inside the string value at `key` (e.g. in a PromQL expr)."""
        problem = self.problem(key, message, rule, **kw)
        found = self.source(key)
        if found is None:
            return problem
        doc, local = found
        l2, c2 = doc.position_in_value(local, line, col)
        return Problem(problem.path, l2, c2, problem.level, problem.message, problem.rule, problem.key, problem.fix)

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
        return d.problem(path, line, col, message, rule, level=level, key=format_key(self.local_key(key)), fix=fix)

    def local_key(self, key: KeyPath) -> KeyPath:
        """`key` as its file has it: list indices counted in that file (an overlay's keys stay the spec's;
        a value filled in from a file's defaults is that file's `defaults.KEY`, where it is positioned)."""
        overlay = self._overlay(key)
        if overlay is not None:
            filled = any(key[:n] in self.filled for n in range(len(key), 0, -1))
            return overlay[1] if filled else key
        found = self.source(key)
        return found[1] if found is not None else key


def _at(doc: Document, key: KeyPath) -> str:
    line, col = doc.position(key, at_key=True)
    return f"{doc.path}:{line}:{col}"


def _conflict(doc: Document, key: KeyPath, message: str, rule: Rule = d.COMPOSE, fix: str | None = None) -> Problem:
    line, col = doc.position(key, at_key=True)
    return d.problem(doc.path, line, col, message, rule, key=format_key(key), fix=fix)


class _Merger:
    def __init__(self, documents: Sequence[Document]) -> None:
        self.merged = Merged({}, list(documents), [])
        self.base = self.merged.base

    def container(self, path: KeyPath) -> dict[str, Any]:
        node: dict[str, Any] = self.merged.data
        for part in path:
            node = node[str(part)]
        return node

    def one(self, doc: Document, path: KeyPath, value: Any) -> None:
        """A key one file sets."""
        parent, name = self.container(path[:-1]), str(path[-1])
        if name not in parent:
            parent[name] = value
            self.merged._owner[path] = doc
            return
        existing = parent[name]
        if path == ("version",) and existing == value:
            return
        first = self.merged._owner[path]
        why = _ONE_FILE_WHY.get(path, "it is set in one spec file only")
        where = _at(first, path)
        if path == ("version",):
            where += f", to {shown(existing) if isinstance(existing, str) else existing}"
            why = "the files of one spec have one version"
        self.merged.conflicts.append(_conflict(doc, path, f"also set in {where}; {why}"))

    def concat(self, doc: Document, path: KeyPath, value: Any) -> None:
        """A list that files concatenate."""
        parent, name = self.container(path[:-1]), str(path[-1])
        pieces = self.merged._pieces.setdefault(path, [])
        if name not in parent:
            parent[name] = list(value) if isinstance(value, list) else value
            self.merged._owner[path] = doc
            pieces.append(_Piece(doc, 0))
            return
        existing = parent[name]
        if isinstance(existing, list) and isinstance(value, list):
            pieces.append(_Piece(doc, len(existing)))
            existing.extend(value)
            return
        first = self.merged._owner[path]
        self.merged.conflicts.append(
            _conflict(doc, path, f"also set in {_at(first, path)}; files concatenate this list, so it must be a list in each")
        )

    def by_name(self, doc: Document, key: str, value: Any) -> None:
        """A mapping whose entries files merge by name."""
        data = self.merged.data
        if key not in data:
            data[key] = dict(value) if isinstance(value, dict) else value
            self.merged._owner[(key,)] = doc
            if isinstance(value, dict):
                for name in value:
                    self.merged._owner[(key, str(name))] = doc
            return
        existing = data[key]
        if not (isinstance(existing, dict) and isinstance(value, dict)):
            first = self.merged._owner[(key,)]
            self.merged.conflicts.append(
                _conflict(
                    doc, (key,), f"also set in {_at(first, (key,))}; files merge it by name, so it must be a mapping in each"
                )
            )
            return
        what = key[:-1] if not key.endswith("ies") else key[:-3] + "y"
        for name, item in value.items():
            if name in existing:
                first = self.merged._owner[(key, str(name))]
                self.merged.conflicts.append(
                    _conflict(doc, (key, name), f"{what} {name!r} is also defined in {_at(first, (key, name))}", d.DUPLICATE_NAME)
                )
                continue
            existing[name] = item
            self.merged._owner[(key, str(name))] = doc

    def split(self, doc: Document, key: str, value: dict[str, Any]) -> None:
        """`routing`, `tests`: each key from one file, their lists concatenating."""
        data = self.merged.data
        if key not in data:
            data[key] = {}
            self.merged._owner[(key,)] = doc
        elif not isinstance(data[key], dict):
            first = self.merged._owner[(key,)]
            self.merged.conflicts.append(
                _conflict(doc, (key,), f"also set in {_at(first, (key,))}; it must be a mapping in each file")
            )
            return
        for sub, item in value.items():
            path: KeyPath = (key, str(sub))
            if sub in SPLIT_KEYS[key]:
                self.concat(doc, path, item)
            else:
                self.one(doc, path, item)

    def later_defaults(self, doc: Document, value: Any, groups: range, routes: range, alerts: bool) -> None:
        """A later file's `defaults`: each key scoped to what the file defines, or refused."""
        if not isinstance(value, dict):
            self.merged.conflicts.append(_conflict(doc, (DEFAULTS_KEY,), "expected a mapping (key: value)", d.SCHEMA))
            return
        base = self.base
        base_defaults = base.data.get(DEFAULTS_KEY) if base is not None and isinstance(base.data, dict) else None
        scoped: dict[str, Any] = {}
        has = {"routes": bool(routes), "groups": bool(groups), "alerts": alerts}
        for raw, item in value.items():
            key = str(raw)
            path: KeyPath = (DEFAULTS_KEY, key)
            scope = SCOPED_DEFAULTS.get(key)
            if scope is not None:
                if not has[scope]:
                    self.merged.conflicts.append(
                        _conflict(
                            doc,
                            path,
                            f"a later file's defaults apply only to what it defines ({_WHAT_SCOPED[scope]}), and "
                            f"{Path(doc.path).name} has none",
                            fix=f"move it to the first file, {base.path if base else 'the first file'}, to apply it to the "
                            "whole spec, or remove it",
                        )
                    )
                    continue
                scoped[key] = item
            elif key in SPEC_WIDE_DEFAULTS:
                reason = SPEC_WIDE_DEFAULTS[key]
                assert base is not None
                if isinstance(base_defaults, dict) and key in base_defaults:
                    message = (
                        f"also set in {_at(base, path)}; it applies to the whole spec ({reason}), so only the first file sets it"
                    )
                else:
                    message = f"it applies to the whole spec ({reason}): set it in the first file, {base.path}"
                self.merged.conflicts.append(
                    _conflict(
                        doc,
                        path,
                        message,
                        fix="a later file's defaults may set only " + ", ".join(SCOPED_DEFAULTS) + " (for what the file defines)",
                    )
                )
            else:
                known = [*SCOPED_DEFAULTS, *SPEC_WIDE_DEFAULTS]
                self.merged.conflicts.append(
                    _conflict(
                        doc,
                        path,
                        f"unknown key {key!r}{did_you_mean(key, known)}",
                        d.UNKNOWN_KEY,
                        fix="a later file's defaults may set " + ", ".join(SCOPED_DEFAULTS),
                    )
                )
        if scoped:
            self.merged.file_defaults.append(FileDefaults(doc, scoped, groups, routes))

    def add(self, doc: Document) -> None:
        assert isinstance(doc.data, dict)
        before = {path: len(self._list_at(path)) for path in (("groups",), ("routing", "routes"))}
        later_defaults: Any = None
        for raw_key, value in doc.data.items():
            key = str(raw_key)
            if key == DEFAULTS_KEY and doc is not self.base:
                later_defaults = value
            elif key in LIST_KEYS:
                self.concat(doc, (key,), value)
            elif key in MAP_KEYS:
                self.by_name(doc, key, value)
            elif key in SPLIT_KEYS and isinstance(value, dict):
                self.split(doc, key, value)
            else:
                self.one(doc, (key,), value)
        if later_defaults is not None:
            groups = range(before[("groups",)], len(self._list_at(("groups",))))
            routes = range(before[("routing", "routes")], len(self._list_at(("routing", "routes"))))
            own_groups = doc.data.get("groups")
            alerts = isinstance(own_groups, list) and any(
                isinstance(g, dict) and isinstance(g.get("alerts"), list) and g["alerts"] for g in own_groups
            )
            self.later_defaults(doc, later_defaults, groups, routes, alerts)

    def _list_at(self, path: KeyPath) -> list[Any]:
        node: Any = self.merged.data
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        return node if isinstance(node, list) else []

    def check_route_blocks(self) -> None:
        """A top-level route that takes every alert and does not continue hides the routes of the files after it."""
        pieces = self.merged._pieces.get(("routing", "routes"), [])
        routes = self._list_at(("routing", "routes"))
        for i, piece in enumerate(pieces):
            later = next((p for p in pieces[i + 1 :] if p.doc is not piece.doc), None)
            if later is None:
                continue
            end = pieces[i + 1].offset if i + 1 < len(pieces) else len(routes)
            for index in range(piece.offset, end):
                route = routes[index] if index < len(routes) else None
                if isinstance(route, dict) and not route.get("matchers") and route.get("continue") is not True:
                    local: KeyPath = ("routing", "routes", index - piece.offset)
                    self.merged.conflicts.append(
                        _conflict(
                            piece.doc,
                            local,
                            "this route has no matchers and no `continue: true`: it takes every alert, so the routes of "
                            f"{later.doc.path} after it (from {_at(later.doc, ('routing', 'routes'))}) are never reached",
                            fix='give it matchers (e.g. the team\'s: team="..."), or `continue: true`, or move it to the last file',
                        )
                    )
                    break


def merge(documents: Sequence[Document]) -> Merged:
    merger = _Merger(documents)
    merged = merger.merged
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
        merged.conflicts.extend(_replace_tags(doc))
        merger.add(doc)
    merger.check_route_blocks()
    return merged
