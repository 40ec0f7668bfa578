"""Pictures of an Alertmanager route tree: Mermaid flowcharts and Graphviz DOT.

One view of the tree (`NodeView`: a title, lines of facts, classes, children in evaluation
order) drawn by two writers. `routes show --format mermaid|dot`, the runbook index (each route
with the alerts that take it) and `callalert diff` (the changed part of the tree) use it. Every
value a route inherits from its parent is marked `(inherited)`; siblings carry their evaluation
order on the edge (the first matching sibling wins unless it has `continue: true`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from callalert.analysis.alertmanager.routing import Route

TIMINGS = ("group_wait", "group_interval", "repeat_interval")

# Styles per node class: (Mermaid classDef body, DOT style flags, DOT fill colour, DOT line colour).
CLASS_STYLES: dict[str, tuple[str, tuple[str, ...], str, str]] = {
    "root": ("fill:#eef2ff,stroke:#4338ca,stroke-width:2px", ("bold",), "#eef2ff", "#4338ca"),
    "continue": ("stroke-dasharray:5 3", ("dashed",), "", ""),
    "timed": ("fill:#fdf4ff,stroke:#a21caf", (), "#fdf4ff", "#a21caf"),
    "added": ("fill:#dcfce7,stroke:#15803d,stroke-width:2px", ("bold",), "#dcfce7", "#15803d"),
    "removed": ("fill:#fee2e2,stroke:#b91c1c,stroke-width:2px,stroke-dasharray:6 3", ("dashed",), "#fee2e2", "#b91c1c"),
    "changed": ("fill:#fef3c7,stroke:#b45309,stroke-width:2px", ("bold",), "#fef3c7", "#b45309"),
    "elided": ("fill:#f8fafc,stroke:#94a3b8,color:#475569", ("dotted",), "#f8fafc", "#94a3b8"),
}


@dataclass
class NodeView:
    """One box of the picture."""

    title: str
    lines: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    children: list[NodeView] = field(default_factory=list)
    edge: str = ""  # the label of the edge from the parent (the evaluation order)
    path: str = ""  # the route's path (route.routes[0]...), for views that mark routes

    def walk(self) -> Iterator[NodeView]:
        yield self
        for child in self.children:
            yield from child.walk()


def route_title(route: Route) -> str:
    if route.parent is None:
        return "route (root)"
    return ", ".join(str(m) for m in route.matchers) if route.matchers else "{} matches everything"


def route_lines(route: Route, *, show_all: bool = False) -> list[str]:
    """The facts of one route: receiver, continue, grouping, timings and time intervals. Values
    a route inherits are shown with `(inherited)` (group_by and timings only with `show_all`)."""
    root = route.parent is None
    lines = [f"receiver: {route.receiver}" + (" (inherited)" if "receiver" in route.inherited else "")]
    if route.continue_:
        lines.append("continue: true")
    if root or show_all or "group_by" not in route.inherited:
        text = "group_by: " + ("[...] (all labels)" if route.group_by_all else "[" + ", ".join(route.group_by) + "]")
        lines.append(text + (" (inherited)" if "group_by" in route.inherited else ""))
    for key in TIMINGS:
        if root or key not in route.inherited:
            lines.append(f"{key}: {getattr(route, key)}")
        elif show_all:
            lines.append(f"{key}: {getattr(route, key)} (inherited)")
    if route.mute_time_intervals:
        lines.append("muted during: " + ", ".join(route.mute_time_intervals))
    if route.active_time_intervals:
        lines.append("active only during: " + ", ".join(route.active_time_intervals))
    return lines


def route_classes(route: Route) -> list[str]:
    classes = []
    if route.parent is None:
        classes.append("root")
    if route.continue_:
        classes.append("continue")
    if route.mute_time_intervals or route.active_time_intervals:
        classes.append("timed")
    return classes


def tree_view(
    root: Route,
    *,
    show_all: bool = False,
    notes: Mapping[str, Sequence[str]] | None = None,
    keep: Callable[[Route], bool] | None = None,
) -> NodeView:
    """The view of a whole tree. `notes`: extra lines per route path (e.g. the alerts that take
    it); `keep`: only routes it accepts (and their ancestors), the rest elided as one box per parent."""
    notes = notes or {}

    def wanted(route: Route) -> bool:
        return keep is None or keep(route) or any(wanted(c) for c in route.routes)

    def build(route: Route, order: int) -> NodeView:
        view = NodeView(
            route_title(route),
            [
                *([route.path] if route.parent is not None else []),
                *route_lines(route, show_all=show_all),
                *notes.get(route.path, ()),
            ],
            route_classes(route),
            edge=str(order) if route.parent is not None else "",
            path=route.path,
        )
        skipped = 0
        for i, child in enumerate(route.routes, 1):
            if wanted(child):
                view.children.append(build(child, i))
            else:
                skipped += 1
        if skipped:
            view.children.append(elided(skipped))
        return view

    return build(root, 0)


def elided(count: int) -> NodeView:
    return NodeView(f"… {count} unchanged route{'s' if count != 1 else ''}", classes=["elided"])


# --- Mermaid -------------------------------------------------------------------------------------

_MERMAID_ENTITIES = {"#": "#35;", '"': "#quot;", "&": "#amp;", "<": "#lt;", ">": "#gt;", "\n": " ", "\r": " "}


def mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: entity codes for the characters Mermaid or HTML would read."""
    return "".join(_MERMAID_ENTITIES.get(ch, ch) for ch in text)


def mermaid(view: NodeView, direction: str = "LR") -> str:
    """A Mermaid flowchart (```mermaid in Markdown; GitHub and GitLab draw it)."""
    ids: dict[int, str] = {}
    lines = [f"flowchart {direction}"]
    used: dict[str, list[str]] = {}
    for i, node in enumerate(view.walk()):
        ids[id(node)] = f"n{i}"
        label = "<br/>".join([f"<b>{mermaid_text(node.title)}</b>", *(mermaid_text(line) for line in node.lines)])
        lines.append(f'  n{i}["{label}"]')
        for cls in node.classes:
            used.setdefault(cls, []).append(f"n{i}")
    for node in view.walk():
        for child in node.children:
            arrow = f"-->|{mermaid_text(child.edge)}|" if child.edge else "-->"
            lines.append(f"  {ids[id(node)]} {arrow} {ids[id(child)]}")
    for cls in CLASS_STYLES:
        if cls in used:
            lines.append(f"  classDef {cls} {CLASS_STYLES[cls][0]}")
            lines.append(f"  class {','.join(used[cls])} {cls}")
    return "\n".join(lines) + "\n"


# --- DOT -------------------------------------------------------------------------------------------


def dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ").replace("\n", "\\n")


def dot(view: NodeView, name: str = "routes") -> str:
    """A Graphviz digraph (`dot -Tsvg`)."""
    lines = [
        f"digraph {name} {{",
        "  rankdir=LR;",
        '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    ids: dict[int, str] = {}
    for i, node in enumerate(view.walk()):
        ids[id(node)] = f"n{i}"
        label = "".join(dot_text(line) + "\\l" for line in [node.title, *node.lines])
        attrs = [f'label="{label}"']
        flags = ["rounded"]
        fill = line = ""
        for cls in node.classes:  # flags add up; the last class with colours gives them
            _, more, fill_, line_ = CLASS_STYLES[cls]
            flags += [f for f in more if f not in flags]
            fill, line = fill_ or fill, line_ or line
        if fill:
            flags.append("filled")
            attrs.append(f'fillcolor="{fill}"')
        if line:
            attrs.append(f'color="{line}"')
        if flags != ["rounded"]:
            attrs.insert(1, f'style="{",".join(flags)}"')
        lines.append(f"  n{i} [{', '.join(attrs)}];")
    for node in view.walk():
        for child in node.children:
            label = f' [label="{dot_text(child.edge)}"]' if child.edge else ""
            lines.append(f"  {ids[id(node)]} -> {ids[id(child)]}{label};")
    lines.append("}")
    return "\n".join(lines) + "\n"
