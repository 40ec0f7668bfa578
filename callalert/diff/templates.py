"""What the notifications say, before and after: every templated receiver field of both sides rendered
by the real amtool for the same sample alerts (the sample data `check` renders with), compared.

Runs only when a template file or a templated receiver field changed. Both sides are rendered with
the same data (the new side's alerts, grouped by the new route tree), so a difference comes from
the templates and fields alone.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callalert.analysis.alertmanager.defaults import TEMPLATE_DEFAULT_NOTE, TemplateField, default_fields, templated_fields
from callalert.analysis.alertmanager.routing import build_route_tree
from callalert.analysis.versions import Version
from callalert.diff.parts import Item, text_diff
from callalert.diff.sides import RuleInfo, Side
from callalert.errors import CallalertError
from callalert.render.samples import template_data
from callalert.toolchain import discover, run_tool, select
from callalert.toolchain.templates import default_template_file, render_command

SAMPLE_ALERTS = 6  # alerts of distinct shapes the notifications are rendered for
# What a template prints of the clock (`since`, `now`: Alertmanager ≥ 0.28) differs between two renders a
# millisecond apart; such values are compared as placeholders, never as a change.
_CLOCK = re.compile(
    r"\b(?:\d+h)?(?:\d+m)?\d+\.\d+(?:s|ms|µs|ns)\b"  # a Go duration with a fraction (time.Since)
    r"|\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}\.\d+(?: [+-]\d{4} \w+)?"  # a time with a fraction (now)
)


def without_clock(text: str) -> str:
    return _CLOCK.sub("<clock>", text)


SEPARATOR = "@@callalert-diff-field@@"


@dataclass
class Rendered:
    items: list[Item] = field(default_factory=list)
    note: str = ""  # why nothing was rendered, or what was
    samples: list[str] = field(default_factory=list)


def _fields(side: Side) -> dict[tuple[str, str], TemplateField]:
    if side.am is None:
        return {}
    found = templated_fields(side.am) + default_fields(side.am, side.am_version)
    return {(f[0], f[1].removesuffix(TEMPLATE_DEFAULT_NOTE)): f for f in found}


def _samples(alerts: Sequence[RuleInfo]) -> list[RuleInfo]:
    seen: dict[tuple[Any, ...], RuleInfo] = {}
    for alert in alerts:
        shape = (
            alert.labels.get("severity"),
            alert.labels.get("category"),
            tuple(sorted(alert.labels)),
            tuple(sorted(alert.annotations)),
        )
        seen.setdefault(shape, alert)
    return list(seen.values())[:SAMPLE_ALERTS]


@dataclass(frozen=True)
class _Sample:
    name: str
    expr: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]


def needed(old: Side, new: Side) -> bool:
    if old.templates != new.templates:
        return True
    a, b = _fields(old), _fields(new)
    return any(a.get(k, (None,) * 4)[3] != f[3] for k, f in b.items())


def render_both(old: Side, new: Side) -> Rendered:
    if old.am is None or new.am is None:
        return Rendered(note="")
    if not needed(old, new):
        return Rendered(note="")
    alerts = _samples(new.alerts or old.alerts)
    if not alerts:
        return Rendered(note="not rendered: neither side has an alert to render the notifications for")
    try:
        tool = select(discover(), "amtool", Version.parse(new.am_version))
    except CallalertError as exc:
        return Rendered(note=f"not rendered: {exc}")
    amtool = tool.path
    a, b = _fields(old), _fields(new)
    keys = [k for k in b if k in a]
    if not keys:
        return Rendered(note="not rendered: no receiver has a templated field on both sides")
    tree = build_route_tree({k: v for k, v in new.am.items() if k != "receivers"}, new.am_version)
    with tempfile.TemporaryDirectory(prefix="callalert-diff-") as tmp:
        root = Path(tmp)
        globs: dict[str, list[str]] = {}
        own = default_template_file(tool)  # Debian's amtool has no built-in templates; its own default.tmpl is beside it
        default = own if own.is_file() else None
        for name, side in (("old", old), ("new", new)):
            folder = root / name
            folder.mkdir()
            for file_name, text in side.templates.items():
                (folder / file_name).write_text(text, encoding="utf-8")
            globs[name] = (
                [*([str(default)] if default else []), str(folder / "*.tmpl")]
                if side.templates
                else ([str(default)] if default else [])
            )
        data_files: dict[tuple[str, str, str], Path] = {}
        samples: list[tuple[str, str]] = []
        for alert in alerts:
            one = _Sample(alert.name, alert.expr, alert.labels, alert.annotations)
            for status in ("firing", "resolved"):
                samples.append((alert.name, status))
                for receiver in {k[0] for k in keys}:
                    path = root / f"data-{len(data_files)}.json"
                    data = template_data(one, receiver, tree, status, new.external_labels)
                    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
                    data_files[(alert.name, status, receiver)] = path

        def run(side: str, fields: Sequence[TemplateField], sample: tuple[str, str], html: bool) -> list[str]:
            data = data_files[(sample[0], sample[1], fields[0][0])]
            cmd = render_command(amtool, globs[side], SEPARATOR.join(f[3] for f in fields), data, html)
            proc = run_tool(cmd, what="amtool template render", cwd=root, check=False)
            parts = proc.stdout.split(SEPARATOR)
            if proc.returncode == 0 and len(parts) == len(fields):
                return parts
            if len(fields) > 1:
                return [r for f in fields for r in run(side, [f], sample, html)]
            message = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1].removeprefix("amtool: error: ")
            return [f"(render failed: {message})"]

        jobs: list[tuple[str, tuple[str, bool], tuple[str, str]]] = []
        groups: dict[tuple[str, bool], list[tuple[str, str]]] = {}
        for key in keys:
            groups.setdefault((key[0], b[key][2] == "html"), []).append(key)
        for group in groups:
            for sample in samples:
                jobs.extend((which, group, sample) for which in ("old", "new"))

        def job(
            item: tuple[str, tuple[str, bool], tuple[str, str]],
        ) -> tuple[tuple[str, tuple[str, bool], tuple[str, str]], list[str]]:
            which, group, sample = item
            fields = [(a if which == "old" else b)[k] for k in groups[group]]
            return item, run(which, fields, sample, group[1])

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = dict(pool.map(job, jobs))
    out: list[Item] = []
    for group, group_keys in groups.items():
        for i, key in enumerate(group_keys):
            differing = []
            for sample in samples:
                before = without_clock(results[("old", group, sample)][i])
                after = without_clock(results[("new", group, sample)][i])
                if before != after:
                    differing.append((sample, before, after))
            if differing:
                (name, status), before, after = differing[0]
                lines = [f"differs for {len(differing)} of {len(samples)} samples; first {name} ({status}):"]
                lines += text_diff(before, after, context=1) or [f"- {before!r}", f"+ {after!r}"]
                out.append(
                    Item("notification", f"{key[0]} {key[1].removeprefix(f'receivers.{key[0]}.')}", "changed", lines=lines)
                )
    shown = ", ".join(dict.fromkeys(n for n, _ in samples))
    return Rendered(
        out, f"rendered by amtool {tool.version.short} for {len(alerts)} sample alert(s), firing and resolved: {shown}", [shown]
    )
