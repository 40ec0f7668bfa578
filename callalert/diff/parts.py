"""The parts of two configurations compared one by one: rules, receivers, global settings, inhibit
rules, time intervals, silences and template files (their text; diff/templates.py renders them)."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from callalert.diff.fields import FieldChange, diff_values, is_secret_field
from callalert.diff.sides import RuleInfo, Side


@dataclass
class Item:
    """One named thing that was added, removed or changed, with what changed in it."""

    kind: str  # e.g. "alert", "record", "receiver", "inhibit rule", "time interval", "silence", "template", "global"
    name: str
    change: str  # added, removed, changed
    fields: list[FieldChange] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # extra lines (an expression diff, the receivers of a new alert)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "name": self.name, "change": self.change}
        if self.fields:
            out["fields"] = [f.as_json() for f in self.fields]
        if self.lines:
            out["lines"] = self.lines
        return out


def text_diff(old: str, new: str, context: int = 1) -> list[str]:
    """A small unified diff of two texts, without the file header lines."""
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=context))
    return [f"{line[:1]} {line[1:]}" for line in lines[2:] if not line.startswith("@@")] if lines else []


# --- rules ------------------------------------------------------------------------------------------


def _rule_key(rules: Sequence[RuleInfo]) -> dict[tuple[str, str, int], RuleInfo]:
    out: dict[tuple[str, str, int], RuleInfo] = {}
    seen: dict[tuple[str, str], int] = {}
    for rule in rules:
        n = seen[(rule.kind, rule.name)] = seen.get((rule.kind, rule.name), 0) + 1
        out[(rule.kind, rule.name, n)] = rule
    return out


def _rule_data(rule: RuleInfo) -> dict[str, Any]:
    data: dict[str, Any] = {"group": rule.group, "expr": rule.expr}
    if rule.kind == "alert":
        data["for"] = rule.for_
        data["keep_firing_for"] = rule.keep_firing_for
    data["labels"] = dict(rule.labels)
    if rule.kind == "alert":
        data["annotations"] = dict(rule.annotations)
    return {k: v for k, v in data.items() if v is not None}


def _name(key: tuple[str, str, int]) -> str:
    return key[1] if key[2] == 1 else f"{key[1]} (#{key[2]})"


def diff_rules(old: Side, new: Side) -> list[Item]:
    a, b = _rule_key(old.rules), _rule_key(new.rules)
    out: list[Item] = []
    for key, rule in b.items():
        if key not in a:
            out.append(Item(rule.kind, _name(key), "added", lines=[f"group {rule.group}", f"expr: {rule.expr}"]))
            continue
        before = a[key]
        changes = [c for c in diff_values(_rule_data(before), _rule_data(rule)) if c.path != "expr"]
        lines = []
        if before.expr != rule.expr:
            changes.insert(0, FieldChange("expr", before.expr, rule.expr))
            lines = (
                text_diff(before.expr, rule.expr) if "\n" in before.expr + rule.expr else [f"- {before.expr}", f"+ {rule.expr}"]
            )
        if changes:
            out.append(Item(rule.kind, _name(key), "changed", changes, lines))
    out.extend(Item(rule.kind, _name(key), "removed", lines=[f"group {rule.group}"]) for key, rule in a.items() if key not in b)
    return out


# --- Alertmanager parts -------------------------------------------------------------------------------


def _receivers(side: Side) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in (side.am or {}).get("receivers") or []:
        if isinstance(r, Mapping) and r.get("name") is not None:
            out.setdefault(str(r["name"]), {k: v for k, v in r.items() if k != "name"})
    return out


def _receiver_secret(path: str, value: Any) -> bool:
    section, _, rest = path.partition(".")
    section = re.sub(r"\[\d+\]$", "", section)
    return is_secret_field(section, re.sub(r"^\[\d+\]\.?", "", rest) if rest else "", value) if rest else False


def diff_receivers(old: Side, new: Side) -> list[Item]:
    a, b = _receivers(old), _receivers(new)
    out: list[Item] = []
    for name, config in b.items():
        if name not in a:
            kinds = ", ".join(sorted(k.removesuffix("_configs") for k in config if k.endswith("_configs"))) or "none"
            out.append(Item("receiver", name, "added", lines=[f"integrations: {kinds}"]))
        else:
            changes = diff_values(a[name], config, secret=_receiver_secret)
            if changes:
                out.append(Item("receiver", name, "changed", changes))
    out.extend(Item("receiver", name, "removed") for name in a if name not in b)
    return out


def diff_global(old: Side, new: Side) -> list[Item]:
    a = dict((old.am or {}).get("global") or {})
    b = dict((new.am or {}).get("global") or {})
    for side, data in ((old, a), (new, b)):
        if side.am is not None and side.am.get("templates") is not None:
            data["templates"] = side.am.get("templates")
    changes = diff_values(a, b, secret=lambda path, value: is_secret_field("global", path, value))
    return [Item("global", "global", "changed", changes)] if changes else []


def _inhibit_key(rule: Mapping[str, Any]) -> str:
    def norm(value: Any) -> Any:
        return sorted(map(str, value)) if isinstance(value, list) else value

    return json.dumps({k: norm(v) for k, v in rule.items() if k != "name"}, sort_keys=True, ensure_ascii=False)


def _inhibit_text(rule: Mapping[str, Any]) -> str:
    parts = []
    for side in ("source", "target"):
        ms = [*(rule.get(f"{side}_matchers") or [])]
        for k, v in (rule.get(f"{side}_match") or {}).items():
            ms.append(f'{k}="{v}"')
        for k, v in (rule.get(f"{side}_match_re") or {}).items():
            ms.append(f'{k}=~"{v}"')
        parts.append(f"{side} {{{', '.join(map(str, ms))}}}")
    if rule.get("equal"):
        parts.append("equal [" + ", ".join(map(str, rule["equal"])) + "]")
    return " ".join(parts) + (f" ({rule['name']})" if rule.get("name") else "")


def diff_inhibit_rules(old: Side, new: Side) -> list[Item]:
    a = [r for r in (old.am or {}).get("inhibit_rules") or [] if isinstance(r, Mapping)]
    b = [r for r in (new.am or {}).get("inhibit_rules") or [] if isinstance(r, Mapping)]
    keys_a = [_inhibit_key(r) for r in a]
    keys_b = [_inhibit_key(r) for r in b]
    out = [Item("inhibit rule", _inhibit_text(r), "added") for r, k in zip(b, keys_b, strict=True) if k not in keys_a]
    out += [Item("inhibit rule", _inhibit_text(r), "removed") for r, k in zip(a, keys_a, strict=True) if k not in keys_b]
    return out


def _intervals(side: Side) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("mute_time_intervals", "time_intervals"):
        for entry in (side.am or {}).get(key) or []:
            if isinstance(entry, Mapping):
                out[str(entry.get("name"))] = entry.get("time_intervals")
    return out


def diff_time_intervals(old: Side, new: Side) -> list[Item]:
    a, b = _intervals(old), _intervals(new)
    out: list[Item] = []
    for name, spec in b.items():
        if name not in a:
            out.append(Item("time interval", name, "added"))
        elif a[name] != spec:
            out.append(Item("time interval", name, "changed", diff_values({"time_intervals": a[name]}, {"time_intervals": spec})))
    out.extend(Item("time interval", name, "removed") for name in a if name not in b)
    return out


def _silence_key(silence: Mapping[str, Any]) -> str:
    return "{" + ", ".join(silence["matchers"]) + "}"


def diff_silences(old: Side, new: Side) -> list[Item]:
    a = {_silence_key(s): s for s in old.silences}
    b = {_silence_key(s): s for s in new.silences}
    out: list[Item] = []
    for key, silence in b.items():
        if key not in a:
            out.append(
                Item("silence", key, "added", lines=[f"{silence['starts_at']} to {silence['ends_at']}: {silence['comment']}"])
            )
        else:
            changes = diff_values(
                {k: v for k, v in a[key].items() if k != "matchers"}, {k: v for k, v in silence.items() if k != "matchers"}
            )
            if changes:
                out.append(Item("silence", key, "changed", changes))
    out.extend(Item("silence", key, "removed") for key in a if key not in b)
    return out


# --- template files (text) ---------------------------------------------------------------------------

_DEFINE = re.compile(r"\{\{-?\s*define\s+\"([^\"]+)\"\s*-?\}\}")


def defines(text: str) -> dict[str, str]:
    """Each `define`d template's source (up to the next define; the usual layout of a template file)."""
    found = list(_DEFINE.finditer(text))
    return {
        m.group(1): text[m.start() : found[i + 1].start() if i + 1 < len(found) else len(text)].strip()
        for i, m in enumerate(found)
    }


def diff_template_files(old: Side, new: Side) -> list[Item]:
    out: list[Item] = []
    for name, text in new.templates.items():
        before = old.templates.get(name)
        if before is None:
            out.append(Item("template", name, "added", lines=[f"defines {', '.join(defines(text)) or 'nothing'}"]))
        elif before != text:
            a, b = defines(before), defines(text)
            lines = [f"define {d!r}: " + ("added" if d not in a else "changed") for d in b if a.get(d) != b[d]]
            lines += [f"define {d!r}: removed" for d in a if d not in b]
            out.append(Item("template", name, "changed", lines=lines or ["text outside any define changed"]))
    out.extend(Item("template", name, "removed") for name in old.templates if name not in new.templates)
    return out
