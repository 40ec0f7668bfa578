"""The built-in notification templates as each installed amtool renders them: two alerts of one group
told apart by their labels, a source and a silence link for a firing alert, the end of a resolved one,
and an email receiver without `html:` that gets the built-in mail (email.default.html)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from callalert.pipeline import render
from callalert.toolchain import Tool
from callalert.toolchain.templates import default_template_file
from callalert.write import write_tree
from tests.conftest import ROOT, require_in

pytestmark = pytest.mark.tools

SPEC = ROOT / "tests/golden/cases/team-routing/spec.yaml"


def _alert(instance: str, status: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": "ApiTargetDown", "severity": "critical", "category": "availability", "instance": instance},
        "annotations": {"summary": f"{instance} down", "description": "d", "runbook_url": "https://runbooks.example/A.md"},
        "startsAt": "2024-01-15T10:00:00Z",
        "endsAt": "2024-01-15T10:30:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example:9090/graph?g0.expr=up",
        "fingerprint": instance,
    }


DATA = {
    "receiver": "platform-slack",
    "status": "firing",
    "alerts": [_alert("10.0.0.1:8080", "firing"), _alert("10.0.0.2:8080", "resolved")],
    "groupLabels": {"alertname": "ApiTargetDown"},
    "commonLabels": {"alertname": "ApiTargetDown", "severity": "critical", "category": "availability"},
    "commonAnnotations": {"description": "d"},
    "externalURL": "http://am.example:9093",
}


def _render(amtool: Tool, out: Path, text: str, html: bool = False, data_: dict[str, Any] = DATA) -> str:
    data = out / "data.json"
    data.write_text(json.dumps(data_))
    cmd = [amtool.path, "template", "render", f"--template.glob={out}/alertmanager/templates/*.tmpl"]
    default = default_template_file(amtool)  # the amtool's own build's (Debian's amtool has none built in)
    if default.is_file():
        cmd.insert(3, f"--template.glob={default}")
    cmd += [f"--template.text={text}", f"--template.data={data}"] + (["--template.type=html"] if html else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_builtin_templates_render_what_tells_alerts_apart(toolchain: Any, tmp_path: Path) -> None:
    amtool = require_in(toolchain, "amtool")
    out = tmp_path / "out"
    write_tree(out, render([SPEC]).files)
    text = _render(amtool, out, '{{ template "slack.default.text" . }}')
    assert text.splitlines() == [
        "*Alert:* 10.0.0.1:8080 down",
        "*Description:* d",
        "*Severity:* critical (availability)",
        "*Labels:* `instance=10.0.0.1:8080`",
        "*Started:* 2024-01-15 10:00:00 UTC",
        "*Runbook:* https://runbooks.example/A.md",
        "*Source:* http://prometheus.example:9090/graph?g0.expr=up",
        "*Silence:* http://am.example:9093/#/silences/new?filter=%7Balertname%3D%22ApiTargetDown%22%2C"
        "category%3D%22availability%22%2Cinstance%3D%2210.0.0.1%3A8080%22%2Cseverity%3D%22critical%22%7D",
        "",
        "*Alert:* 10.0.0.2:8080 down",
        "*Description:* d",
        "*Severity:* critical (availability)",
        "*Labels:* `instance=10.0.0.2:8080`",
        "*Started:* 2024-01-15 10:00:00 UTC",
        "*Resolved:* 2024-01-15 10:30:00 UTC",
        "*Runbook:* https://runbooks.example/A.md",
        "*Source:* http://prometheus.example:9090/graph?g0.expr=up",
        "",
    ]
    # an email receiver without html: Alertmanager renders email.default.html, which is the built-in mail
    mail = _render(amtool, out, '{{ template "email.default.html" . }}', html=True)
    assert "<h2>ApiTargetDown</h2>" in mail
    assert "<style>" not in mail and 'style="margin-bottom: 20px;' in mail
    assert _render(amtool, out, '{{ template "email.default.subject" . }}') == "[FIRING:1] ApiTargetDown"


def test_builtin_slack_text_has_no_labels_line_without_distinguishing_labels(toolchain: Any, tmp_path: Path) -> None:
    amtool = require_in(toolchain, "amtool")
    out = tmp_path / "out"
    write_tree(out, render([SPEC]).files)
    alert = _alert("x", "firing")
    del alert["labels"]["instance"]
    text = _render(amtool, out, '{{ template "slack.default.text" . }}', data_={**DATA, "alerts": [alert]})
    assert not any(line.startswith("*Labels:*") for line in text.splitlines()), text
    assert text.splitlines()[3] == "*Started:* 2024-01-15 10:00:00 UTC"
