"""`callalert diff` output: text (a terminal, a CI log), Markdown (a pull-request comment, with a
Mermaid picture of the changed part of the route tree), JSON (every label set, for scripts) and
GitHub workflow commands (annotations on the pull request's checks)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from callalert.diff import DiffResult
from callalert.diff.parts import Item
from callalert.diff.routing import ABSENT, Outcome, RoutingDiff, row_values
from callalert.render import markdown, routetree
from callalert.report import dumps, gh_escape

FORMATS = ("text", "markdown", "json", "github")
MAX_ROWS = 60  # label-set rows shown in text and Markdown (JSON has every label set)
_SIGN = {"added": "+", "removed": "-", "changed": "~"}
_SECTIONS = (
    ("rules", "Rules"),
    ("receivers", "Receivers"),
    ("global_", "Global settings"),
    ("inhibit_rules", "Inhibit rules"),
    ("time_intervals", "Time intervals"),
    ("silences", "Silences"),
    ("templates", "Template files"),
)


def _legend(rd: RoutingDiff) -> str:
    assert rd.space is not None
    how = (
        f"every combination of {' × '.join(rd.space.names)}"
        if rd.space.exhaustive
        else f"a covering sample: each route's label set, every one-label change of it and each alert's labels (more than {len(rd.space.sets):,} combinations in all)"
    )
    return f"{len(rd.changes)} of {len(rd.space.sets)} label sets ({how})"


def _item_lines(item: Item) -> list[str]:
    head = f"{_SIGN[item.change]} {item.kind} {item.name}"
    lines = [head]
    lines += [f"    {f.text()}" for f in item.fields if f.path != "expr"]
    lines += [f"    {line}" for line in item.lines]
    return lines


def _routing_rows(rd: RoutingDiff) -> list[tuple[list[str], str]]:
    assert rd.space is not None
    return [(row_values(rd.space, row), row.text) for row in rd.rows]


def _outcome_text(o: Outcome) -> str:
    return ", ".join(o.receivers) or "nobody"


def text(result: DiffResult) -> str:
    out = [f"callalert diff: {result.old.label} → {result.new.label}"]
    rd = result.routing
    for error in result.errors:
        out.append(f"error: {error}")
    if result.target:
        out.append(f"Target Alertmanager: {result.target[0]} → {result.target[1]}")
    if rd.space is not None and rd.changes:
        out += ["", f"Who is notified differently: {_legend(rd)}"]
        out.append(f"  {'/'.join(rd.space.names)}   (- absent, * any value, (other) a value no matcher names)")
        rows = _routing_rows(rd)
        for values, what in rows[:MAX_ROWS]:
            out.append(f"  {'/'.join(values)}: {what}")
        if len(rows) > MAX_ROWS:
            out.append(f"  … {len(rows) - MAX_ROWS} more (--format json lists every label set)")
    elif rd.space is not None:
        n = len(rd.space.sets)
        out += ["", f"Who is notified: unchanged for {'all ' if n > 1 else ''}{n} label set{'s' if n != 1 else ''}"]
    if rd.alerts:
        out += ["", "Alerts notified differently:"]
        out += [f"  {a.name}: {a.aspects.text}" for a in rd.alerts]
    if rd.tree:
        out += ["", "Route tree:"]
        for change in rd.tree:
            out.append(f"  {_SIGN[change.kind]} {change.path} {change.title}: {'; '.join(change.details)}")
    for attr, title in _SECTIONS:
        items: list[Item] = getattr(result, attr)
        if items:
            out += ["", f"{title}:"]
            out += [f"  {line}" for item in items for line in _item_lines(item)]
    if result.rendered.items or result.rendered.note:
        if result.rendered.items:
            out += ["", f"Notifications ({result.rendered.note}):"]
            out += [f"  {line}" for item in result.rendered.items for line in _item_lines(item)]
        elif result.templates or "not rendered" in result.rendered.note:
            out += ["", f"Notifications: {result.rendered.note or 'unchanged'}"]
    out += ["", summary(result)]
    return "\n".join(out) + "\n"


def summary(result: DiffResult) -> str:
    if not result.changed:
        return "No changes."
    if result.notifies_differently:
        return "Who is notified changes."
    return "Who is notified does not change (rules, templates or other parts do)."


# --- Markdown ---------------------------------------------------------------------------------------


def changed_tree(rd: RoutingDiff) -> str | None:
    """A Mermaid picture of the changed routes, their ancestors and the routes removed from them."""
    if rd.new_root is None or rd.old_root is None or not rd.tree:
        return None
    changes = {c.path: c for c in rd.tree if c.kind != "removed"}
    old_to_new = rd.pairs
    removed_tops = []
    removed_paths = {c.path for c in rd.tree if c.kind == "removed"}
    for route in rd.old_root.walk():
        if route.path in removed_paths and route.parent is not None and route.parent.path not in removed_paths:
            removed_tops.append(route)
    parents = {old_to_new[r.parent.path] for r in removed_tops if r.parent is not None and r.parent.path in old_to_new}

    def keep(route: Any) -> bool:
        return bool(route.path in changes or route.path in parents)

    view = routetree.tree_view(rd.new_root, keep=keep)
    by_path = {node.path: node for node in view.walk() if node.path}
    for path, change in changes.items():
        node = by_path.get(path)
        if node is not None:
            node.classes.append(change.kind)
            if change.kind == "changed":
                # a changed value is shown once, as `old → new`
                keys = {d.split(":", 1)[0] for d in change.details}
                node.lines = [line for line in node.lines if line.split(":", 1)[0] not in keys] + change.details
            else:
                node.lines.append("added")
    for route in removed_tops:
        assert route.parent is not None
        parent = by_path.get(old_to_new.get(route.parent.path, ""))
        if parent is not None:
            removed = routetree.tree_view(route)  # the removed subtree as it was
            for node in removed.walk():
                node.classes = ["removed"]
            removed.title = routetree.route_title(route)
            removed.lines = [route.path, f"receiver: {route.receiver}", "removed"]
            removed.edge = "✗"
            parent.children.append(removed)
    return routetree.mermaid(view)


def _md_items(items: Sequence[Item]) -> list[str]:
    lines = []
    for item in items:
        lines.append(f"- **{markdown.cell(item.kind)}** {markdown.code(item.name)} {item.change}")
        details = [f.text() for f in item.fields if f.path != "expr"] + list(item.lines)
        if details:
            block = markdown.fenced("\n".join(details), "diff" if any(d.startswith(("+", "-")) for d in item.lines) else "")
            lines += ["", *("  " + line for line in block.splitlines()), ""]
    return lines


def markdown_text(result: DiffResult) -> str:
    rd = result.routing
    old, new = result.old.label, result.new.label
    out = [f"### callalert diff: {markdown.code(old)} → {markdown.code(new)}", ""]
    out.append(f"**{summary(result)}**")
    out.append("")
    for error in result.errors:
        out += [f"> **error:** {markdown.cell(error)}", ""]
    if result.target:
        out += [f"Target Alertmanager: {result.target[0]} → {result.target[1]}", ""]
    if rd.space is not None and rd.changes:
        out += [
            "#### Who is notified differently",
            "",
            f"{_legend(rd)}; `-` absent, `*` any value, `(other)` a value no matcher names.",
            "",
        ]
        out.append("| " + " | ".join(markdown.cell(n) for n in rd.space.names) + " | change |")
        out.append("|" + "---|" * (len(rd.space.names) + 1))
        rows = _routing_rows(rd)
        for values, what in rows[:MAX_ROWS]:
            out.append("| " + " | ".join(markdown.cell(v) for v in values) + f" | {markdown.cell(what)} |")
        if len(rows) > MAX_ROWS:
            out.append(f"\n… {len(rows) - MAX_ROWS} more rows (`--format json` lists every label set).")
        out.append("")
    if rd.alerts:
        out += ["#### Alerts notified differently", "", "| alert | change |", "|---|---|"]
        out += [f"| {markdown.cell(a.name)} | {markdown.cell(a.aspects.text)} |" for a in rd.alerts]
        out.append("")
    picture = changed_tree(rd)
    if rd.tree:
        out += ["#### Route tree", ""]
        if picture:
            out += [
                "Changed routes (green added, amber changed, red removed) and their parents:",
                "",
                "```mermaid",
                picture.rstrip(),
                "```",
                "",
            ]
        out += [
            f"- {_SIGN[c.kind]} {markdown.code(c.path)} {markdown.code(c.title)}: {markdown.cell('; '.join(c.details))}"
            for c in rd.tree
        ]
        out.append("")
    for attr, title in _SECTIONS:
        items: list[Item] = getattr(result, attr)
        if items:
            out += [f"#### {title}", "", *_md_items(items), ""]
    if result.rendered.items:
        out += ["#### Notifications", "", f"_{markdown.cell(result.rendered.note)}_", "", *_md_items(result.rendered.items), ""]
    elif "not rendered" in result.rendered.note:
        out += ["#### Notifications", "", f"_{markdown.cell(result.rendered.note)}_", ""]
    out.append("<sub>Generated by `callalert diff`.</sub>")
    return "\n".join(out) + "\n"


# --- JSON ------------------------------------------------------------------------------------------


def _outcome_json(o: Outcome) -> dict[str, Any]:
    return {
        "receivers": o.receivers,
        "routes": [
            {
                "path": h.path,
                "receiver": h.receiver,
                "continue": h.continue_,
                "group_by": list(h.group_by),
                "group_wait": h.group_wait,
                "group_interval": h.group_interval,
                "repeat_interval": h.repeat_interval,
                "mute_time_intervals": list(h.mute),
                "active_time_intervals": list(h.active),
            }
            for h in o.hops
        ],
        "inhibited_while": list(o.inhibited_by),
    }


def json_data(result: DiffResult) -> dict[str, Any]:
    rd = result.routing
    data: dict[str, Any] = {
        "old": {"label": result.old.label, "kind": result.old.kind, "alertmanager": result.old.am_version},
        "new": {"label": result.new.label, "kind": result.new.kind, "alertmanager": result.new.am_version},
        "changed": result.changed,
        "notifies_differently": result.notifies_differently,
        "errors": result.errors,
    }
    if rd.space is not None:
        data["routing"] = {
            "labels": rd.space.names,
            "values": {n: [v if v != ABSENT else None for v in vs] for n, vs in rd.space.values.items()},
            "label_sets": len(rd.space.sets),
            "exhaustive": rd.space.exhaustive,
            "changes": [
                {
                    "labels": c.labels,
                    "changed": sorted(c.aspects.kinds),
                    "change": c.aspects.text,
                    "old": _outcome_json(c.old),
                    "new": _outcome_json(c.new),
                }
                for c in rd.changes
            ],
            "rows": [
                {
                    "labels": {
                        n: [None if v == ABSENT else v for v in sorted(vs, key=rd.space.values[n].index)]
                        for n, vs in zip(rd.space.names, row.values, strict=True)
                    },
                    "shown": dict(zip(rd.space.names, row_values(rd.space, row), strict=True)),
                    "change": row.text,
                }
                for row in rd.rows
            ],
            "alerts": [
                {"alert": a.name, "change": a.aspects.text, "old": _outcome_json(a.old), "new": _outcome_json(a.new)}
                for a in rd.alerts
            ],
            "tree": [{"change": c.kind, "path": c.path, "route": c.title, "details": c.details} for c in rd.tree],
        }
    for attr, _title in _SECTIONS:
        data[attr.rstrip("_")] = [item.as_json() for item in getattr(result, attr)]
    data["notifications"] = {"note": result.rendered.note, "changes": [i.as_json() for i in result.rendered.items]}
    if result.target:
        data["target_alertmanager"] = {"old": result.target[0], "new": result.target[1]}
    return data


# --- GitHub workflow commands ------------------------------------------------------------------------


def github(result: DiffResult) -> str:
    """The text report folded into a log group, then one annotation per alert notified differently and
    per changed route (warnings: they change who is notified), and the summary: a warning when who is
    notified changes, else a notice."""
    title = f"callalert diff: {result.old.label} → {result.new.label}"
    report = text(result)
    # the report quotes the configuration (expressions, templates over several lines): GitHub must not run
    # a quoted line that starts with `::`. The token that ends the pause comes from the report itself, so
    # the output stays deterministic and no quoted text can know it in advance.
    token = hashlib.sha256(report.encode()).hexdigest()[:32]
    lines = [f"::group::{gh_escape(title)}", f"::stop-commands::{token}", *report.splitlines(), f"::{token}::", "::endgroup::"]
    for error in result.errors:
        lines.append(f"::error title=callalert diff::{gh_escape(error)}")
    rd = result.routing
    for alert in rd.alerts:
        lines.append(
            f"::warning title={gh_escape('Notified differently', True)}::{gh_escape(f'{alert.name}: {alert.aspects.text}')}"
        )
    for change in rd.tree:
        what = f"{change.path} {change.title}: {'; '.join(change.details)}"
        lines.append(f"::warning title={gh_escape(f'Route {change.kind}', True)}::{gh_escape(what)}")
    level = "warning" if result.notifies_differently else "notice"
    lines.append(f"::{level} title=callalert diff::{gh_escape(summary(result))}")
    return "\n".join(lines) + "\n"


def render(result: DiffResult, fmt: str) -> str:
    if fmt == "github":
        return github(result)
    if fmt == "json":
        return dumps(json_data(result)) + "\n"
    if fmt == "markdown":
        return markdown_text(result)
    return text(result)
