"""Deterministic YAML from data (never from text templates).

Multi-line strings become literal blocks; key order is the order the renderer built; no
anchors/aliases; unicode written as is; long lines not folded (a folded PromQL expression
is legal but unreadable in review).
"""

from __future__ import annotations

import io
import re
from typing import Any

import yaml
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.resolver import Resolver

_Base: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_Base):  # type: ignore[misc]  # CSafeDumper or SafeDumper, chosen at import
    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        # indent list items under their key, as promtool/amtool documentation does
        return super().increase_indent(flow, False)


# HH:MM: YAML 1.1 reads 18:00 as a number (base 60) and 09:00 as a string, so PyYAML quotes only the
# first; quoting every time keeps `start_time: '09:00'` beside `end_time: '18:00'`.
_CLOCK_RE = re.compile(r"\d{1,2}:\d{2}")


def _str(dumper: Any, value: str) -> Any:
    if _CLOCK_RE.fullmatch(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    if (
        "\n" in value
        and not any(ch in value for ch in "\r\t")
        and value == value.rstrip(" ")
        and not any(line != line.rstrip(" ") for line in value.split("\n"))
    ):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


_OPTIONS: dict[str, Any] = {
    "sort_keys": False,
    "allow_unicode": True,
    "default_flow_style": False,
    "width": 1 << 16,
    "indent": 2,
}


def dump(data: Any) -> str:
    try:
        return _direct(data)
    except _Unsupported:
        pass
    return _dump_events(data)


def _dump_events(data: Any) -> str:
    if HAVE_LIBYAML:
        stream = io.StringIO()
        dumper = _Dumper(stream, **_OPTIONS)
        try:
            dumper.open()
            dumper.emit(DocumentStartEvent(explicit=False))
            emit = dumper.emit
            for event in _events(data):
                emit(event)
            dumper.emit(DocumentEndEvent(explicit=False))
            dumper.close()
            return stream.getvalue()
        except _Unsupported:
            pass
        finally:
            dumper.dispose()
    return str(yaml.dump(data, Dumper=_Dumper, **_OPTIONS))


# --- the events PyYAML's representer and serializer would give libyaml, without building nodes -------

HAVE_LIBYAML = hasattr(yaml, "CSafeDumper")
_STR = "tag:yaml.org,2002:str"
_IMPLICIT = Resolver.yaml_implicit_resolvers
_BLOCK_START = {dict: MappingStartEvent, list: SequenceStartEvent, tuple: SequenceStartEvent}


class _Unsupported(Exception):
    """A value the events below do not cover (a date, a set ...): yaml.dump represents it."""


def _plain_tag(value: str) -> str:
    """The tag a plain scalar `value` resolves to when read back (Resolver.resolve)."""
    for tag, regexp in _IMPLICIT.get(value[0] if value else "", ()):
        if regexp.match(value):
            return str(tag)
    return _STR


def _scalar(tag: str, value: str, style: str | None) -> ScalarEvent:
    return ScalarEvent(None, tag, (_plain_tag(value) == tag, tag == _STR), value, style=style)


def _events(data: Any) -> list[Any]:
    """The events yaml.dump(data, Dumper=_Dumper, **_OPTIONS) emits, for dicts, lists, tuples,
    strings, booleans, integers, floats and None (SafeRepresenter's forms, and `_str`'s styles)."""
    events: list[Any] = []
    strings: dict[str, ScalarEvent] = {}  # one event per distinct string (keys repeat in every rule)
    stack: list[Any] = [data]
    end = MappingEndEvent()
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            event = strings.get(item)
            if event is None:
                style = None
                if _CLOCK_RE.fullmatch(item):
                    style = "'"
                elif "\n" in item and _literal(item):
                    style = "|"
                event = strings[item] = _scalar(_STR, item, style)
            events.append(event)
        elif kind is dict:
            events.append(MappingStartEvent(None, "tag:yaml.org,2002:map", True, flow_style=False))
            stack.append(end)
            for key, value in reversed(item.items()):
                stack.append(value)
                stack.append(key)
        elif kind is list or kind is tuple:
            events.append(SequenceStartEvent(None, "tag:yaml.org,2002:seq", True, flow_style=False))
            stack.append(_SEQUENCE_END)
            stack.extend(reversed(item))
        elif item is end or item is _SEQUENCE_END:
            events.append(item)
        elif kind is bool:
            events.append(_scalar("tag:yaml.org,2002:bool", "true" if item else "false", None))
        elif kind is int:
            events.append(_scalar("tag:yaml.org,2002:int", str(item), None))
        elif item is None:
            events.append(_scalar("tag:yaml.org,2002:null", "null", None))
        elif kind is float:
            node = yaml.SafeDumper.represent_float(_REPRESENTER, item)
            events.append(_scalar(node.tag, node.value, None))
        else:
            raise _Unsupported
    return events


_SEQUENCE_END = SequenceEndEvent()


def _literal(value: str) -> bool:
    return (
        not any(ch in value for ch in "\r\t")
        and value == value.rstrip(" ")
        and not any(line != line.rstrip(" ") for line in value.split("\n"))
    )


_REPRESENTER = yaml.SafeDumper(io.StringIO())


def header(source_name: str, comment: str = "#") -> str:
    return f"{comment} Generated by callalert from {source_name}. DO NOT EDIT: change the spec and run `callalert render`.\n"


# --- the text itself, for the documents rule files are made of --------------------------------------
#
# Block mappings and sequences of one-line strings, integers, booleans and None: the layout libyaml
# gives them (a sequence under a key is not indented, a mapping in a sequence starts on the "- "
# line), and each scalar in the style libyaml's emitter picks (yaml_emitter_analyze_scalar and
# yaml_emitter_select_scalar_style): plain when that reads back as the same string, else single
# quoted. Anything else (a line break, a tab, an empty collection, a long key ...) raises
# _Unsupported and the events above decide. tests/unit/test_yamlout.py holds the two to the same bytes.

# characters libyaml prints as they are in any style (printable, no line break, no tab)
_PRINTABLE = re.compile("[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*")
# what makes libyaml write a value quoted in block context (the indicators of analyze_scalar): a first
# character that starts other syntax, "? ", ": ", "- " or "---"/"..." at the start, ": " or " #"
# anywhere, a space or ":" at the end
_INDICATOR_FIRST = frozenset(" #,[]{}&*!|>'\"%@`")


def _plain(value: str) -> bool:
    first = value[0]
    return not (
        first in _INDICATOR_FIRST
        or (first in "?:-" and value[1:2] in ("", " "))
        or value[-1] in " :"
        or value.startswith(("---", "..."))
        or ": " in value
        or " #" in value
    )


_SCALARS: dict[str, str] = {}  # short str -> its text, shared by every document (keys and label values repeat)
_KEYS: dict[str, str] = {}  # the same for keys that passed _key's checks
_CACHED = 64  # longer strings (expressions, descriptions) rarely repeat: not kept
_LONGEST = 4096  # longer strings go to libyaml (it folds plain and quoted text past its line width)
_LONGEST_KEY = 128  # libyaml writes a longer key as "? key" (not a simple key)


def _text(value: str) -> str:
    text = _SCALARS.get(value)
    if text is not None:
        return text
    if not value or len(value) > _LONGEST or not _PRINTABLE.fullmatch(value):
        raise _Unsupported
    if not _plain(value) or (value[0] in _IMPLICIT and (_CLOCK_RE.fullmatch(value) or _plain_tag(value) != _STR)):
        text = "'" + value.replace("'", "''") + "'"
    else:
        text = value
    if len(value) <= _CACHED and len(_SCALARS) < 65536:
        _SCALARS[value] = text
    return text


def _key(value: Any) -> str:
    text = _KEYS.get(value) if type(value) is str else None
    if text is not None:
        return text
    if type(value) is not str or len(value) > _LONGEST_KEY or not value.isascii():
        raise _Unsupported
    text = _text(value)
    if len(_KEYS) < 4096:
        _KEYS[value] = text
    return text


def _other(value: Any) -> str:
    """The text of a scalar that is not a string (those are _text's)."""
    kind = type(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        text = str(value)
        if _plain_tag(text) != "tag:yaml.org,2002:int":
            raise _Unsupported
        return text
    if value is None:
        return "null"
    raise _Unsupported


def _direct(data: Any) -> str:
    out: list[str] = []
    kind = type(data)
    if (kind is not dict and kind is not list and kind is not tuple) or not data:
        raise _Unsupported  # a document that is one scalar ends with "...", {} and [] are flow: libyaml's
    _block(data, "", out, False)
    return "".join(out)


def _block(node: Any, indent: str, out: list[str], inline: bool) -> None:
    """`node` (a non-empty dict, list or tuple) at `indent`; `inline`: right after "- "."""
    append = out.append
    scalars = _SCALARS
    keys = _KEYS
    inner = indent + "  "
    if type(node) is dict:
        for key, value in node.items():
            name = keys.get(key) if type(key) is str else None
            if name is None:
                name = _key(key)
            lead = "" if inline else indent
            inline = False
            kind = type(value)
            if kind is str:
                text = scalars.get(value)
                append(f"{lead}{name}: {_text(value) if text is None else text}\n")
            elif kind is dict or kind is list or kind is tuple:
                if not value:
                    raise _Unsupported  # {} and [] are flow collections
                append(f"{lead}{name}:\n")
                _block(value, inner if kind is dict else indent, out, False)
            else:
                append(f"{lead}{name}: {_other(value)}\n")
        return
    for item in node:
        lead = "- " if inline else indent + "- "
        inline = False
        kind = type(item)
        if kind is str:
            text = scalars.get(item)
            append(f"{lead}{_text(item) if text is None else text}\n")
        elif kind is dict or kind is list or kind is tuple:
            if not item:
                raise _Unsupported
            append(lead)
            _block(item, inner, out, True)
        else:
            append(f"{lead}{_other(item)}\n")
