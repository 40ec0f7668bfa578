"""Built-in notification templates follow the target Alertmanager version."""

from __future__ import annotations

from pathlib import Path

from callalert.pipeline import render
from tests.conftest import EXAMPLE_SPEC


def _slack(tmp_path: Path, version: str) -> str:
    spec = tmp_path / "spec.yaml"
    text = EXAMPLE_SPEC.read_text()
    assert 'alertmanager: "0.28"' in text  # the bundled spec's target
    spec.write_text(text.replace('alertmanager: "0.28"', f'alertmanager: "{version}"'))
    return render([spec]).files["alertmanager/templates/slack.tmpl"]


def test_since_only_for_targets_that_have_it(tmp_path: Path) -> None:
    old = _slack(tmp_path, "0.25")
    assert "since" not in old
    assert '*Inicio:* {{ .StartsAt.UTC.Format "2006-01-02 15:04:05 MST" }}\n' in old
    new = _slack(tmp_path, "0.28")
    assert '*Inicio:* {{ .StartsAt | since }} ({{ .StartsAt.UTC.Format "2006-01-02 15:04:05 MST" }})\n' in new


def test_english_locale(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(EXAMPLE_SPEC.read_text().replace("locale: es", "locale: en"))
    files = render([spec]).files
    assert "*Alert:* {{ .Annotations.summary }}" in files["alertmanager/templates/slack.tmpl"]
    assert "## Investigation steps" in files["runbooks/HighCallErrorRate.md"]
