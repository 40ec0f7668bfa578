"""`lint --changed-since GIT_REF`: report only the problems in what changed, judged with the whole
configuration (pint's `ci` mode).

Lint runs on everything as usual; then each problem is kept when its file is new since REF, or when
its key path lies in (or contains) a part that changed: a spec's alerts (matched by name across
groups and files), receivers, severities and categories by name, routes (paired by matchers and
receiver, a route's own fields apart from its children), inhibit rules, silences and time intervals
that are not in the old version, and any other changed setting; a rule file's rules by name; an
alertmanager.yml's routes, receivers by name and list items. A template file that changed keeps all
its problems. A problem elsewhere, even one the change caused, is not shown: the count says so.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callalert.diagnostics import KeyPath, Problem, format_key
from callalert.spec.load import load_text, merge
from callalert.spec.read import read_text

NAMED_MAPS = ("severities", "categories", "receivers")
ITEM_LISTS = ("inhibit_rules", "silences", "time_intervals", "mute_time_intervals")


def _same(a: Any, b: Any) -> bool:
    return bool(a == b)


def _mapping_units(old: Any, new: Any, key: KeyPath) -> Iterator[KeyPath]:
    """Each first-level key of `new` that differs (or a whole value that is not a mapping)."""
    if not isinstance(new, Mapping) or not isinstance(old, Mapping):
        if not _same(old, new):
            yield key
        return
    for k, value in new.items():
        if not _same(old.get(k), value):
            yield (*key, str(k))


def _list_units(old: Any, new: Any, key: KeyPath) -> Iterator[KeyPath]:
    """Items of `new` that are not in `old` (anywhere)."""
    olds = old if isinstance(old, list) else []
    for i, item in enumerate(new if isinstance(new, list) else []):
        if not any(_same(item, o) for o in olds):
            yield (*key, i)


def _route_units(old: Any, new: Any, key: KeyPath) -> Iterator[KeyPath]:
    """A route's own changed fields, then its children: paired with an old sibling by matchers and
    receiver, else by matchers; a child with no old counterpart is new as a whole."""
    if not isinstance(new, Mapping):
        return
    old_map = old if isinstance(old, Mapping) else {}
    for k, value in new.items():
        if k != "routes" and not _same(old_map.get(k), value):
            yield (*key, str(k))
    old_children = [c for c in old_map.get("routes") or [] if isinstance(c, Mapping)]
    used: set[int] = set()
    for i, child in enumerate(new.get("routes") or []):
        if not isinstance(child, Mapping):
            continue
        match = _counterpart(child, old_children, used)
        if match is None:
            yield (*key, "routes", i)
        else:
            used.add(match)
            yield from _route_units(old_children[match], child, (*key, "routes", i))


def _counterpart(child: Mapping[str, Any], olds: Sequence[Mapping[str, Any]], used: set[int]) -> int | None:
    """The old sibling `child` was: the same route, else one with its matchers and receiver, else its matchers."""
    free = [j for j in range(len(olds)) if j not in used]
    for j in free:
        if _same(olds[j], child):
            return j
    for j in free:
        if _same(olds[j].get("matchers"), child.get("matchers")) and _same(olds[j].get("receiver"), child.get("receiver")):
            return j
    return next((j for j in free if _same(olds[j].get("matchers"), child.get("matchers"))), None)


def _by_name(items: Any, name_key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, Mapping) and item.get(name_key) is not None:
            out.setdefault(str(item[name_key]), item)
    return out


def spec_units(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[KeyPath]:
    units: list[KeyPath] = []
    old_alerts: dict[str, Any] = {}
    old_records: dict[str, Any] = {}
    old_groups = _by_name(old.get("groups"), "name")
    for group in old_groups.values():
        old_alerts.update(_by_name(group.get("alerts"), "name"))
        old_records.update(_by_name(group.get("records"), "record"))
    for key, value in new.items():
        before = old.get(key)
        if key in NAMED_MAPS and isinstance(value, Mapping):
            before_map = before if isinstance(before, Mapping) else {}
            units += [(key, str(n)) for n, v in value.items() if not _same(before_map.get(n), v)]
        elif key == "groups" and isinstance(value, list):
            for gi, group in enumerate(value):
                if not isinstance(group, Mapping):
                    continue
                old_group = old_groups.get(str(group.get("name")), {})
                units += [
                    ("groups", gi, str(k))
                    for k, v in group.items()
                    if k not in ("alerts", "records") and not _same(old_group.get(k), v)
                ]
                for ai, alert in enumerate(group.get("alerts") or []):
                    if isinstance(alert, Mapping) and not _same(old_alerts.get(str(alert.get("name"))), alert):
                        units.append(("groups", gi, "alerts", ai))
                for ri, record in enumerate(group.get("records") or []):
                    if isinstance(record, Mapping) and not _same(old_records.get(str(record.get("record"))), record):
                        units.append(("groups", gi, "records", ri))
        elif key == "routing":
            units += list(_route_units(before, value, ("routing",)))
        elif key in ITEM_LISTS or key == "tests":
            if key == "tests" and isinstance(value, Mapping):
                before_map = before if isinstance(before, Mapping) else {}
                for sub, items in value.items():
                    units += list(_list_units(before_map.get(sub), items, ("tests", str(sub))))
            else:
                units += list(_list_units(before, value, (key,)))
        else:
            units += list(_mapping_units(before, value, (key,)))
    return units


def rules_units(old: Any, new: Any) -> list[KeyPath]:
    units: list[KeyPath] = []
    old_rules: dict[tuple[str, str, int], Any] = {}
    old_groups = _by_name(old.get("groups") if isinstance(old, Mapping) else None, "name")
    seen: dict[tuple[str, str], int] = {}
    for group in old_groups.values():
        for rule in group.get("rules") or []:
            if isinstance(rule, Mapping):
                name = ("alert", str(rule["alert"])) if "alert" in rule else ("record", str(rule.get("record")))
                n = seen[name] = seen.get(name, 0) + 1
                old_rules[(*name, n)] = rule
    seen = {}
    for gi, group in enumerate(new.get("groups") or [] if isinstance(new, Mapping) else []):
        if not isinstance(group, Mapping):
            continue
        old_group = old_groups.get(str(group.get("name")), {})
        units += [("groups", gi, str(k)) for k, v in group.items() if k != "rules" and not _same(old_group.get(k), v)]
        for ri, rule in enumerate(group.get("rules") or []):
            if not isinstance(rule, Mapping):
                continue
            name = ("alert", str(rule["alert"])) if "alert" in rule else ("record", str(rule.get("record")))
            n = seen[name] = seen.get(name, 0) + 1
            if not _same(old_rules.get((*name, n)), rule):
                units.append(("groups", gi, "rules", ri))
    return units


def alertmanager_units(old: Any, new: Any) -> list[KeyPath]:
    old = old if isinstance(old, Mapping) else {}
    units: list[KeyPath] = []
    for key, value in (new if isinstance(new, Mapping) else {}).items():
        before = old.get(key)
        if key == "route":
            units += list(_route_units(before, value, ("route",)))
        elif key == "receivers" and isinstance(value, list):
            olds = _by_name(before, "name")
            units += [
                ("receivers", i)
                for i, r in enumerate(value)
                if not (isinstance(r, Mapping) and _same(olds.get(str(r.get("name"))), r))
            ]
        elif key in ITEM_LISTS:
            units += list(_list_units(before, value, (key,)))
        else:
            units += list(_mapping_units(before, value, (key,)))
    return units


def _touches(key: str, unit: str) -> bool:
    """`key` lies in `unit`, or contains it."""
    if not unit or not key or key == unit:
        return True
    return key.startswith((unit + ".", unit + "[")) or unit.startswith((key + ".", key + "["))


@dataclass
class Changed:
    """What changed since the revision: new files, changed files with their changed parts."""

    new_files: set[str]
    units: dict[str, list[str]]  # file (a spec: each of its files) -> changed key paths ("" = the whole file)

    def keeps(self, problem: Problem) -> bool:
        if problem.path in self.new_files:
            return True
        units = self.units.get(problem.path)
        if units is None:
            return False
        return any(_touches(problem.key, unit) for unit in units)


def changed_since(ref: str, files: Mapping[str, str], spec_files: Sequence[str]) -> Changed:
    """`files`: path -> kind of every linted file; `spec_files`: the files that form the spec."""
    from callalert.toolchain.git import checkout_at

    paths = [Path(p) for p in files]
    new_files: set[str] = set()
    units: dict[str, list[str]] = {}
    with checkout_at(ref, paths) as revision:
        old_text: dict[str, str | None] = {}
        for name in files:
            at = revision.at(Path(name))
            old_text[name] = read_text(at) if at is not None else None
        new_files = {name for name in files if old_text[name] is None}
        present_specs = [s for s in spec_files if old_text.get(s) is not None]
        if present_specs:
            new_merged = merge([load_text(read_text(Path(s)), s) for s in spec_files])
            old_merged = merge([load_text(old_text[s] or "", s) for s in present_specs])
            found = [format_key(u) for u in spec_units(old_merged.data, new_merged.data)]
            for s in spec_files:
                units[s] = found
        for name, kind in files.items():
            before = old_text[name]
            if before is None or kind == "spec":
                continue
            text = read_text(Path(name))
            if before == text:
                units[name] = []
            elif kind == "rules":
                units[name] = [format_key(u) for u in rules_units(load_text(before, name).data, load_text(text, name).data)]
            elif kind == "alertmanager":
                units[name] = [
                    format_key(u) for u in alertmanager_units(load_text(before, name).data, load_text(text, name).data)
                ]
            else:
                units[name] = [""]  # a template (or anything else) that changed: all of it
    return Changed(new_files, units)
