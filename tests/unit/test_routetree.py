"""Pictures of the route tree: the exact Mermaid and DOT text (tests/tools/test_pictures.py draws them)."""

from __future__ import annotations

from pathlib import Path

from callalert.analysis.alertmanager.routing import build_route_tree
from callalert.render import routetree

CONFIG = {
    "route": {
        "receiver": "default",
        "group_by": ["alertname"],
        "routes": [
            {"matchers": ['severity="critical"'], "receiver": "pager", "continue": True, "group_wait": "10s"},
            {"matchers": ['team=~"db|storage"'], "receiver": "db", "active_time_intervals": ["office"]},
        ],
    },
    "receivers": [{"name": "default"}, {"name": "pager"}, {"name": "db"}],
    "time_intervals": [{"name": "office", "time_intervals": [{"weekdays": ["monday:friday"]}]}],
}


def test_mermaid_marks_inherited_values_continue_and_time_gated_routes() -> None:
    view = routetree.tree_view(build_route_tree(CONFIG), show_all=True)
    assert routetree.mermaid(view).splitlines() == [
        "flowchart LR",
        '  n0["<b>route (root)</b><br/>receiver: default<br/>group_by: [alertname]<br/>group_wait: 30s<br/>group_interval: 5m<br/>'
        'repeat_interval: 4h"]',
        '  n1["<b>severity=#quot;critical#quot;</b><br/>route.routes[0]<br/>receiver: pager<br/>continue: true<br/>'
        'group_by: [alertname] (inherited)<br/>group_wait: 10s<br/>group_interval: 5m (inherited)<br/>repeat_interval: 4h (inherited)"]',
        '  n2["<b>team=~#quot;db|storage#quot;</b><br/>route.routes[1]<br/>receiver: db<br/>group_by: [alertname] (inherited)<br/>'
        'group_wait: 30s (inherited)<br/>group_interval: 5m (inherited)<br/>repeat_interval: 4h (inherited)<br/>active only during: office"]',
        "  n0 -->|1| n1",
        "  n0 -->|2| n2",
        "  classDef root fill:#eef2ff,stroke:#4338ca,stroke-width:2px",
        "  class n0 root",
        "  classDef continue stroke-dasharray:5 3",
        "  class n1 continue",
        "  classDef timed fill:#fdf4ff,stroke:#a21caf",
        "  class n2 timed",
    ]


def test_dot_escapes_quotes_and_joins_styles() -> None:
    view = routetree.tree_view(build_route_tree(CONFIG))
    text = routetree.dot(view)
    assert (
        '  n1 [label="severity=\\"critical\\"\\lroute.routes[0]\\lreceiver: pager\\lcontinue: true\\lgroup_wait: 10s\\l", '
        in text
    )
    assert 'style="rounded,dashed"' in text
    assert '  n2 [label="team=~\\"db|storage\\"\\lroute.routes[1]\\lreceiver: db\\lactive only during: office\\l", ' in text
    assert '  n0 -> n2 [label="2"];' in text


def test_keep_elides_the_routes_it_does_not_want() -> None:
    view = routetree.tree_view(build_route_tree(CONFIG), keep=lambda r: r.receiver == "db")
    assert [c.title for c in view.children] == ['team=~"db|storage"', "… 1 unchanged route"]
    assert view.children[1].classes == ["elided"]


def test_mermaid_text_escapes_what_mermaid_or_html_would_read() -> None:
    assert routetree.mermaid_text('a="<b>" & #1') == "a=#quot;#lt;b#gt;#quot; #amp; #35;1"


def test_routes_show_format(run_cli, tmp_path: Path) -> None:
    import yaml

    config = tmp_path / "am.yml"
    config.write_text(yaml.safe_dump(CONFIG), encoding="utf-8")
    mermaid = run_cli("routes", "show", "--config", str(config), "--format", "mermaid")
    assert mermaid.exit_code == 0, mermaid
    assert mermaid.stdout.startswith("flowchart LR\n")
    dot = run_cli("routes", "show", "--config", str(config), "-f", "dot")
    assert dot.stdout.startswith("digraph routes {\n")
    bad = run_cli("routes", "show", "--config", str(config), "-f", "svg")
    assert bad.exit_code == 2
    assert bad.stderr == "callalert: error: unknown --format 'svg'; choose one of text, mermaid, dot\n"
