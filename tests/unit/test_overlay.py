"""Overlays: a partial spec merged onto the spec before validation."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import EXAMPLE_SPEC, ROOT

OVERLAY = ROOT / "specs/overlays/local-sinks.yaml"


def test_overlay_shortens_for_and_replaces_receivers(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(
        "render",
        str(EXAMPLE_SPEC),
        "--overlay",
        str(OVERLAY),
        "--out",
        str(out),
        "--secrets",
        "env",
        env={"SINK_SLACK_DEFAULT": "http://127.0.0.1:9/slack"},
    )
    assert result.exit_code == 0, result
    rules = yaml.safe_load((out / "prometheus/rules/call-automation.errors.yml").read_text())
    assert [r["for"] for r in rules["groups"][0]["rules"]] == ["2s", "2s"]
    am = yaml.safe_load((out / "alertmanager/alertmanager.yml").read_text())
    assert am["route"]["group_wait"] == "1s"
    assert am["global"]["smtp_smarthost"] == "127.0.0.1:2525"
    assert am["global"]["smtp_require_tls"] is False
    assert am["receivers"][0]["slack_configs"][0]["api_url"] == "http://127.0.0.1:9/slack"
    # everything the overlay does not name is the spec's own
    assert am["route"]["routes"][0]["receiver"] == "pagerduty"


def test_overlay_unknown_alert_is_positioned(run_cli, tmp_path: Path) -> None:
    overlay = tmp_path / "o.yaml"
    overlay.write_text("alerts:\n  HighCallLatencyy: {for: 1s}\n")
    result = run_cli("validate", str(EXAMPLE_SPEC), "--overlay", str(overlay))
    assert result.exit_code == 1
    assert result.stdout == (
        f"{overlay}:2:3: error: alerts.HighCallLatencyy: no alert named 'HighCallLatencyy' in the spec; "
        "did you mean 'HighCallLatency'? [overlay]\n"
    )


def test_overlay_result_is_validated_like_a_spec(run_cli, tmp_path: Path) -> None:
    overlay = tmp_path / "o.yaml"
    overlay.write_text("alerts:\n  '*': {for: soon}\n")
    result = run_cli("validate", str(EXAMPLE_SPEC), "--overlay", str(overlay))
    assert result.exit_code == 1
    assert "invalid duration 'soon'" in result.stdout
