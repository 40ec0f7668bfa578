"""The label contract across rule files and alertmanager.yml (F6): a label in group_by, a route
matcher or inhibit `equal` that no alert can produce is reported with a did-you-mean; proved
absent (warning) when every alert's labels are known -- static labels, recording rules' own
labels, a --metrics catalog -- and otherwise (info) naming the alerts whose metrics may carry it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from callalert.analysis.promql.catalog import load_catalog
from callalert.lint import lint_paths
from callalert.lint.engine import Options

HERE = Path(__file__).resolve().parent.parent / "lint" / "fixtures" / "labels"
RULES = ("group-by-label-never-set", "route-matcher-label-never-set", "inhibit-equal-never-set")


def _findings(catalog: bool, external: list[str] | None) -> list[str]:
    cat = load_catalog((HERE / "metrics.yaml").read_text(encoding="utf-8"), "metrics.yaml") if catalog else None
    result = lint_paths(
        [HERE / "alertmanager.yml", HERE / "rules.yml"],
        Options(datetime(2024, 1, 1, tzinfo=UTC), catalog=cat),
        external_labels=external,
    )
    return [f"{p.line}: {p.level}: {p.message}" for p in result.problems if p.rule in RULES]


@pytest.mark.parametrize("external", [None, []])
def test_open_label_sets_say_which_alerts_could_carry_the_label(external: list[str] | None) -> None:
    assert _findings(False, external) == [
        "3: info: group_by 'teams': no alert sets the label 'teams' (not proved absent: the metrics of ApiTargetDown may "
        "carry it, --metrics decides); did you mean 'team'?",
        "5: info: route matcher tean=\"payments\": no alert sets the label 'tean' (not proved absent: the metrics of "
        "ApiTargetDown may carry it, --metrics decides); did you mean 'team'?",
        "15: info: inhibit equal 'instanse': no alert sets the label 'instanse' (not proved absent: the metrics of "
        "ApiTargetDown may carry it, --metrics decides); did you mean 'instance'?",
    ]


def test_a_catalog_and_the_recording_rules_prove_the_typos() -> None:
    # CheckoutErrorRatioHigh reads a recorded series: its labels are the record's (job, team)
    assert _findings(True, []) == [
        "3: warning: group_by 'teams': no alert carries the label 'teams', so it groups nothing apart; did you mean 'team'?",
        "5: warning: route matcher tean=\"payments\": no alert carries the label 'tean', so this route never matches; "
        "did you mean 'team'?",
        "15: warning: inhibit equal 'instanse': no alert carries the label 'instanse', so absent equals absent: every "
        "matching source alert inhibits every matching target alert; did you mean 'instance'?",
    ]


def test_without_a_likely_typo_an_unprovable_label_stays_silent(tmp_path: Path) -> None:
    am = (HERE / "alertmanager.yml").read_text(encoding="utf-8").replace("teams", "shard")
    (tmp_path / "alertmanager.yml").write_text(am, encoding="utf-8")
    result = lint_paths([tmp_path / "alertmanager.yml", HERE / "rules.yml"], Options(datetime(2024, 1, 1, tzinfo=UTC)))
    assert not [p for p in result.problems if p.rule == "group-by-label-never-set"]
