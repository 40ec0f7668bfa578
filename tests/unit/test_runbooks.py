"""Runbooks are Markdown people publish: tables that hold together, readable titles, who is notified."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from callalert.pipeline import render
from callalert.render import markdown

ROOT = Path(__file__).resolve().parents[2]
TEAM_SPEC = ROOT / "tests/golden/cases/team-routing/spec.yaml"
SPECS = [
    TEAM_SPEC,
    ROOT / "specs/call-automation.yaml",
    ROOT / "tests/golden/cases/multi-file/specs",
    ROOT / "callalert/templates/starter.yaml",
]


def _spec_paths(path: Path) -> list[Path]:
    return sorted(path.glob("*.yaml")) if path.is_dir() else [path]


def _cells(row: str) -> list[str]:
    # GFM: a row splits at every `|` not escaped with a backslash, inside code spans too
    return re.split(r"(?<!\\)\|", row.strip().strip("|"))


@pytest.mark.parametrize("spec", SPECS, ids=[p.parent.name if p.name == "spec.yaml" else p.name for p in SPECS])
def test_every_runbook_table_row_has_the_header_s_cell_count(spec: Path) -> None:
    files = render(_spec_paths(spec)).files
    pages = {k: v for k, v in files.items() if k.startswith("runbooks/")}
    assert pages
    for rel, text in pages.items():
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if re.fullmatch(r"\|(?:-{3,}\|)+", line):
                width = len(_cells(lines[i - 1]))
                j = i + 1
                while j < len(lines) and lines[j].startswith("|"):
                    assert len(_cells(lines[j])) == width, f"{rel}:{j + 1}: {lines[j]!r}"
                    j += 1
                assert j == len(lines) or lines[j] == "", f"{rel}:{j + 1}: the table ends in a non-row {lines[j]!r}"
        assert "{{" not in text and "{%" not in text, rel  # nothing a Liquid/Jinja site generator would expand


def test_a_multi_line_expression_is_a_fenced_block_not_a_table_cell() -> None:
    page = render([TEAM_SPEC]).files["runbooks/CheckoutErrorRatioHigh.md"]
    assert (
        "## Expression\n\n```promql\n"
        'sum(rate(http_requests_total{job=~"checkout-api|cart-api", code=~"5.."}[5m]))\n'
        "  /\n"
        'sum(rate(http_requests_total{job=~"checkout-api|cart-api"}[5m])) > 0.02\n'
        "```\n"
    ) in page


def test_titles_owner_route_and_for_are_readable() -> None:
    files = render([TEAM_SPEC]).files
    page = files["runbooks/PostgresReplicationLag.md"]
    assert "# Runbook: Postgres replica `<instance>` lags `<value>`\n" in page
    assert "| Owner | data |\n" in page
    assert '| Labels | `namespace="shop"`, `team="data"` |\n' in page
    assert "| For | immediately (no `for`) |\n" in page
    assert "| Notifies | data-email |\n" in page
    assert '- `data-email`: `route.routes[1]` `{team="data"}`\n' in page
    assert (
        '- inhibit_rules[0]: Not sent while an alert matching `{severity="critical"}` fires with the same alertname, namespace\n'
        in page
    )
    page = files["runbooks/CheckoutLatencyHigh.md"]
    assert (
        '- `payments-slack`: `route.routes[0].routes[1]` `{team="payments"} › {severity=~"critical|warning"}` '
        "(only during business-hours)\n" in page
    )
    index = files["runbooks/README.md"]
    assert "| Alert | Severity | Category | Owner | Response time | Notifies | Route | Runbook |\n" in index
    assert (
        "| CheckoutLatencyHigh | warning | latency | payments | < 4h | payments-slack, payments-email | "
        '`route.routes[0].routes[1]` `{team="payments"} › {severity=~"critical\\|warning"}` → payments-slack; '
        '`route.routes[0].routes[2]` `{team="payments"} › {severity=~"critical\\|warning"}` → payments-email | '
        "[CheckoutLatencyHigh.md](CheckoutLatencyHigh.md) |\n" in index
    )
    # the route tree, each route with the alerts it notifies about (drawn by mmdc in tests/tools/test_pictures.py)
    assert "## Route tree\n" in index
    assert (
        '  n3["<b>severity=~#quot;critical|warning#quot;</b><br/>route.routes[0].routes[1]<br/>receiver: payments-slack<br/>'
        'continue: true<br/>active only during: business-hours<br/>alerts: CheckoutLatencyHigh, CheckoutErrorRatioHigh"]\n'
        in index
    )


def test_a_runbook_step_with_a_comma_stays_one_step() -> None:
    page = render([TEAM_SPEC]).files["runbooks/CheckoutErrorRatioHigh.md"]
    assert "## Mitigation steps\n1. Restart the service, or roll back the last deploy.\n" in page


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "Postgres replica {{ $labels.instance }} lags {{ $value | humanizeDuration }}",
            "Postgres replica `<instance>` lags `<value>`",
        ),
        ("{{ .Labels.pod }} restarts", "`<pod>` restarts"),
        ('{{ index $labels "node" }} is {{ printf "%.1f" $value }}%', "`<node>` is `<value>`%"),
        ("{{ if gt $value 1.0 }}high{{ else }}low{{ end }} load", "highlow load"),
        ("{{/* a comment */}}ok {{ $externalLabels.cluster }}", "ok `<cluster>`"),
        ("{{ humanize 3 }} and {{ broken", "`<…>` and { { broken"),
        ("no template", "no template"),
    ],
)
def test_readable_replaces_template_actions_with_placeholders(text: str, shown: str) -> None:
    assert markdown.readable(text) == shown


def test_markdown_helpers_escape_what_would_break_the_structure() -> None:
    assert markdown.cell("a |\n  b\tc") == "a \\| b c"
    assert markdown.code("x") == "`x`"
    assert markdown.code("a `b` c") == "``a `b` c``"
    assert markdown.code("`edge`") == "`` `edge` ``"
    assert markdown.fenced("x\n```\ny", "promql") == "````promql\nx\n```\ny\n````"


GOLDEN = ROOT / "tests/golden/cases"
ROUTED_SPECS = sorted(p.parent for p in [*GOLDEN.glob("*/spec.yaml"), *GOLDEN.glob("*/specs")])


# Alerts that agree on every label a route matches on (team, severity) and differ only in one an
# inhibit rule's target matches on (tier), or in whether they set a routed label at all (zone).
KEYED_SPEC = """
version: 1
severities: {critical: {}, warning: {}}
receivers:
  default: {webhook_configs: [{url: "http://127.0.0.1:9/d"}]}
  web: {webhook_configs: [{url: "http://127.0.0.1:9/w"}]}
  web-eu: {webhook_configs: [{url: "http://127.0.0.1:9/e"}]}
routing:
  receiver: default
  routes:
    - matchers: ['team="web"']
      receiver: web
      routes: [{matchers: ['zone="eu"'], receiver: web-eu}]
inhibit_rules:
  - {source_matchers: ['severity="critical"'], target_matchers: ['tier="frontend"'], equal: [team]}
groups:
  - name: g
    alerts:
      - {name: A, expr: up == 0, severity: warning, labels: {team: web, tier: frontend}, summary: a}
      - {name: B, expr: up == 0, severity: warning, labels: {team: web, tier: backend}, summary: b}
      - {name: C, expr: up == 0, severity: warning, labels: {team: web}, summary: c}
      - {name: D, expr: up == 0, severity: warning, labels: {team: web, zone: eu}, summary: d}
      - {name: E, expr: up == 0, severity: warning, labels: {team: web, zone: ""}, summary: e}
      - {name: F, expr: up == 0, severity: warning, summary: f}
"""


def _routing_cases() -> list[tuple[str, list[Path] | str]]:
    cases: list[tuple[str, list[Path] | str]] = [("keyed", KEYED_SPEC)]
    for case in ROUTED_SPECS:
        cases.append((case.name, _spec_paths(case / "specs") if (case / "specs").is_dir() else [case / "spec.yaml"]))
    return cases


@pytest.mark.parametrize(("case", "spec"), _routing_cases(), ids=[c for c, _ in _routing_cases()])
def test_routing_computed_once_per_routing_key_is_routing_computed_per_alert(
    case: str, spec: list[Path] | str, tmp_path: Path
) -> None:
    """runbooks.routings shares one AlertRouting among alerts that agree on every label a route or an
    inhibit rule matches on; it must be what alert_routing gives each alert on its own."""
    from callalert.analysis.alertmanager.inhibit import build_inhibit_rules
    from callalert.analysis.alertmanager.routing import build_route_tree
    from callalert.pipeline import load_valid
    from callalert.render import runbooks
    from callalert.render.alertmanager import routing_data

    if isinstance(spec, str):
        (tmp_path / "spec.yaml").write_text(spec, encoding="utf-8")
        spec = [tmp_path / "spec.yaml"]
    model = load_valid(spec).model
    t = runbooks.STRINGS[model.locale]
    data = routing_data(model)
    root = build_route_tree(data, model.am_version)
    inhibit = build_inhibit_rules(data["inhibit_rules"], model.am_version)
    routed = runbooks.routed_on(root)
    shared = runbooks.routings(model.alerts, root, inhibit, t, routed)
    assert shared == {a.key: runbooks.alert_routing(a, root, inhibit, t, routed) for a in model.alerts}
    if case == "keyed":  # A and B route alike and only A can be inhibited; C, D and E differ in zone
        assert len({id(r) for r in shared.values()}) == len(shared)
