"""The declared routing policy judged on the alerts that exist (F3): a spec whose routes send alerts
by `team` label gets no "critical alerts reach only default" from synthetic label sets; its
`policy:` entries (keyed by any labels) and, without them, its severity table are checked against
where each real alert goes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from callalert.lint import lint_paths
from callalert.lint.engine import Options

HERE = Path(__file__).resolve().parent.parent / "lint" / "fixtures" / "policy"
NOW = datetime(2024, 1, 1, tzinfo=UTC)
RULES = ("routing-policy-mismatch", "critical-no-paging")


def _findings(path: Path) -> list[tuple[str, str, str]]:
    return [(p.key, p.rule, p.message) for p in lint_paths([path], Options(NOW)).problems if p.rule in RULES]


def test_policy_entries_keyed_by_team_and_category() -> None:
    assert _findings(HERE / "webshop.yaml") == [
        (
            "policy[3]",
            "routing-policy-mismatch",
            'policy for the alerts {category="availability"}: KubeNodeNotReady, ApiTargetDown miss platform-slack, which '
            "`notify` requires (the routes deliver them to platform-oncall)",
        )
    ]


def test_without_policy_the_severity_table_is_the_policy(tmp_path: Path) -> None:
    text = (HERE / "webshop.yaml").read_text(encoding="utf-8")
    start = text.index("policy:\n")
    spec = tmp_path / "webshop.yaml"
    spec.write_text(text[:start] + text[text.index("groups:\n") :], encoding="utf-8")
    # every critical alert pages (payments-pagerduty, platform-oncall): nothing about critical alerts;
    # the table promises payments-slack to info alerts, and no route takes an info alert there
    assert _findings(spec) == [
        (
            "severities.info.notify[0]",
            "routing-policy-mismatch",
            "severity info declares payments-slack, but no alert with severity='info' can reach it: no route that "
            "delivers to payments-slack matches severity='info'",
        )
    ]


def test_critical_alerts_that_do_not_page_are_named(tmp_path: Path) -> None:
    text = (HERE / "webshop.yaml").read_text(encoding="utf-8")
    spec = tmp_path / "webshop.yaml"
    # the platform on-call becomes a chat webhook: its critical alerts no longer page anyone
    spec.write_text(text.replace("platform-oncall", "platform-chat"), encoding="utf-8")
    found = [f for f in _findings(spec) if f[1] == "critical-no-paging"]
    assert found == [
        (
            "groups[2].alerts[0]",
            "critical-no-paging",
            "alert KubeNodeNotReady (severity critical) reaches platform-chat, none of them a paging receiver",
        ),
        (
            "groups[2].alerts[1]",
            "critical-no-paging",
            "alert ApiTargetDown (severity critical) reaches platform-chat, none of them a paging receiver",
        ),
    ]
