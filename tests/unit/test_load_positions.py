"""The fast YAML path (events straight to data, positions from an index built on demand) gives what
PyYAML's node tree gives: the same data, of the same types, the same problems, and the same line
and column for every key path, present or not."""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from callalert.spec import load
from callalert.spec.load import Document, load_nodes, load_text

ROOT = Path(__file__).resolve().parents[2]

TRICKY = [
    # scalars PyYAML's YAML 1.1 resolvers type: bool, int (octal, hex, sexagesimal), float, null, timestamp
    "a: yes\nb: No\nc: on\nd: 0o17\ne: 017\nf: 0x1F\ng: 1:30\nh: 1_000\ni: .inf\nj: -.5e3\nk: ~\nl:\nm: 2024-01-02\n"
    "n: 2024-01-02T03:04:05Z\no: '1'\np: \"yes\"\nq: null\nr: Null\ns: 1.5\nt: +1\nu: 0b101\nv: 190:20:30\n",
    # keys that are not strings
    "1: a\ntrue: b\n~: c\n2024-01-01: d\n1.5: e\n",
    # styles: quoted with escapes, literal and folded blocks, multi-line plain, flow collections
    "a: \"x\\ty \\u00e9 \\\"q\\\"\"\nb: 'it''s'\nc: |\n  line 1\n    line 2\nd: >-\n  folded\n  text\n"
    "e: plain text that\n  goes on\nf: {x: 1, y: [a, b, {z: c}]}\ng: []\nh: {}\ni: [1, 2, [3, [4]]]\n",
    # comments, document markers, unicode, keys written with quotes
    "# top\n---\n'quoted key': 1 # trailing\n\"dq\": 2\nüñí: çødé\nlist:\n- - nested\n  - more\n- x: 1\n  y: 2\n...\n",
    # a PromQL expression and templates, as specs have them
    'groups:\n- name: g\n  alerts:\n  - name: A\n    expr: sum(rate(x{job="a"}[5m])) by (le)\n      > 1\n'
    '    summary: "{{ $labels.job }} is down"\n    description: |\n      Value {{ $value }}\n      on {{ $labels.instance }}\n',
    # what the fast path leaves to the node tree
    "a: &x 1\nb: *x\n",
    "a: !!str 1\nb: !custom x\n",
    "base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n",
    "a: 1\na: 2\n",
    "a: 1\n'a': 2\n",
    "1: x\n0x1: y\n",
    "? [a, b]\n: c\n",
    "a: =\n",
    "--- 1\n--- 2\n",
    "",
    "# only a comment\n",
    "a: [1, 2\n",
    "a: b: c\n",
    "a:\n\tb: 1\n",
    "a: !!int abc\n",
    "x: \x07\n",
    "scalar at the top\n",
    "- a\n- b\n",
]


def _files() -> list[Path]:
    found = [*ROOT.glob("specs/**/*.yaml"), *ROOT.glob("tests/golden/cases/*/*.yaml"), *ROOT.glob("tests/invalid/cases/*.yaml")]
    found += [*ROOT.glob("tests/fixtures/**/*.yaml"), *ROOT.glob("tests/fixtures/**/*.yml")]
    return sorted(found)


def _texts() -> list[tuple[str, str]]:
    texts = [(f"tricky{i}", t) for i, t in enumerate(TRICKY)]
    for path in _files():
        texts.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8", errors="surrogateescape")))
    return texts


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (1 == True == 1.0 is not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return (
            list(a) == list(b) and all(_same(ka, kb) for ka, kb in zip(a, b, strict=True)) and all(_same(a[k], b[k]) for k in a)
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _keys(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield prefix, data
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _keys(v, (*prefix, k))
        yield (*prefix, "no-such-key"), None
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _keys(v, (*prefix, i))
        yield (*prefix, len(data)), None
        yield (*prefix, -1), None


def _positions(doc: Document, data: Any) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for key, value in _keys(data):
        out.append((key, doc.position(key), doc.position(key, at_key=True)))
        if isinstance(value, str):
            out.append((key, doc.position_in_value(key, 1, 3), doc.position_in_value(key, 2, 2)))
    return out


@pytest.fixture(params=["light-events", "pyyaml-events"])
def events(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The fast loops read light events made by yaml._yaml with its event classes swapped; where a
    PyYAML does not allow that, PyYAML's own events converted: both must give the same."""
    if request.param == "pyyaml-events":
        monkeypatch.setattr(load, "_light_works", lambda: False)
    return str(request.param)


@pytest.mark.parametrize(("name", "text"), _texts(), ids=[name for name, _ in _texts()])
def test_fast_path_gives_what_the_node_tree_gives(name: str, text: str, events: str) -> None:
    fast, slow = load_text(text, name), load_nodes(text, name)
    assert _same(fast.data, slow.data)
    assert fast.problems == slow.problems
    if fast.fast:
        assert _positions(fast, slow.data) == _positions(slow, slow.data)


def test_light_events_are_made_here_and_pyyaml_gets_its_classes_back() -> None:
    import yaml
    import yaml._yaml as binding
    from yaml import events as pyyaml_events

    assert load._light_works()  # this PyYAML makes light events: the fast loops are not slowed by converting
    for text in (TRICKY[2], "a: [1, 2\n", "a: &x 1\nb: *x\n", "x: \x07\n"):  # read whole, a syntax error, left, refused
        if load_text(text, "t").fast:
            load.position_index(text).position_in_value(("c",), 1, 1, text)
        for name in load._FIELDS:
            assert getattr(binding, name) is getattr(pyyaml_events, name)
    assert yaml.load("a: [1, {b: c}]\n", Loader=yaml.CSafeLoader) == {"a": [1, {"b": "c"}]}


def test_light_events_are_used_only_where_they_say_what_pyyaml_says(monkeypatch: pytest.MonkeyPatch) -> None:
    import contextlib

    assert load._light_works.__wrapped__()
    # a binding that keeps making its own events (the swap does nothing): not light, so not used
    monkeypatch.setattr(load, "_swapped", lambda binding: contextlib.nullcontext())
    assert not load._light_works.__wrapped__()
    monkeypatch.undo()
    # light events whose fields come in another order than PyYAML's: not used
    fields = dict(load._FIELDS)
    fields["ScalarEvent"] = ("tag", "anchor", "implicit", "value", "start_mark", "end_mark", "style")
    monkeypatch.setattr(load, "_FIELDS", fields)
    assert not load._light_works.__wrapped__()


def test_the_fast_path_takes_plain_specs_and_leaves_the_rest() -> None:
    assert load_text(TRICKY[0], "t").fast
    assert load_text(TRICKY[2], "t").fast
    for text in ("a: &x 1\nb: *x\n", "a: !!str 1\n", "a: 1\na: 2\n", "a: [1, 2\n", "", "base: &b {x: 1}\nd:\n  <<: *b\n"):
        assert not load_text(text, "t").fast, text
    assert load_text(TRICKY[0], "t").data["n"] == datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


def test_positions_need_no_node_tree() -> None:
    doc = load_text((ROOT / "specs/call-automation.yaml").read_text(encoding="utf-8"), "spec.yaml")
    assert doc.fast and doc.tree is None
    assert doc.position(("groups", 0, "alerts", 0, "expr")) == load_nodes(doc.text, "s").position(
        ("groups", 0, "alerts", 0, "expr")
    )
    assert doc.tree is None  # an index, not PyYAML's nodes (doc.root would build them)
    assert isinstance(doc._index, load._Index)


def test_a_fast_document_builds_its_node_tree_when_asked() -> None:
    text = (ROOT / "specs/call-automation.yaml").read_text(encoding="utf-8")
    doc = load_text(text, "spec.yaml")
    assert doc.fast and doc.tree is None
    root = doc.root  # the importer walks nodes
    assert root is not None and doc.tree is root
    assert root.start_mark.line == load_nodes(text, "spec.yaml").root.start_mark.line  # type: ignore[union-attr]


def test_validating_a_spec_builds_no_node_tree() -> None:
    """Loading, merging and validating a plain spec stays on the fast path end to end: no step asks
    a fast document for its root (which would build PyYAML's whole node tree for nothing)."""
    from callalert.validate import validate

    result = validate([ROOT / "specs/call-automation.yaml"])
    assert result.ok
    (doc,) = result.merged.documents
    assert doc.fast and doc.tree is None


def test_a_one_file_spec_s_keys_are_its_own() -> None:
    """Merged.source of a spec of one file with nothing laid over it answers without walking the
    merge tables: the same answer the walk gives, for every key path of the spec."""
    import dataclasses

    from callalert.validate import validate

    merged = validate([ROOT / "specs/call-automation.yaml"]).merged
    (doc,) = merged.documents
    assert merged._pieces  # its lists are recorded as pieces, each the file's own from offset 0
    walked = dataclasses.replace(merged, provenance={("\0",): (doc, ())})  # no key of the spec: takes the walk
    for key, _ in _keys(merged.data):
        assert merged.source(key) == walked.source(key) == (doc, key), key


@pytest.mark.parametrize("text", [*TRICKY, "a: 1\nb: [x, {y: 2024-01-02}]\n"])
def test_plain_data_is_what_safe_load_gives(text: str) -> None:
    """plain_data (for YAML callalert wrote and reads back) gives what yaml.safe_load gives: the
    same data on the fast path, and for what the fast path leaves (an anchor, a tag, a merge key, a
    duplicate key, several documents, an error) the same data or the same kind of error."""
    import yaml

    def outcome(read: Any) -> tuple[str, object]:
        try:
            return "data", read(text)
        except Exception as exc:  # safe_load raises ValueError for `!!int abc`
            return "error", type(exc)

    assert outcome(load.plain_data) == outcome(yaml.safe_load)
