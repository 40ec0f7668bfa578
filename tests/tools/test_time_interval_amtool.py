"""Time-interval validation agrees with the amtool of every installed toolchain (check-config), entry by entry."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from callalert.analysis.alertmanager.timeinterval import TimeIntervalError, validate_time_interval
from tests.conftest import require_in

if TYPE_CHECKING:
    from callalert.toolchain import Toolchain

pytestmark = pytest.mark.tools

ENTRIES: list[dict[str, Any]] = [
    {"weekdays": ["monday:friday"], "times": [{"start_time": "09:00", "end_time": "17:00"}]},
    {"weekdays": ["sunday:saturday"]},
    {"weekdays": ["monday:sunday"]},
    {"weekdays": ["friday:monday"]},
    {"weekdays": ["mon"]},
    {"days_of_month": ["1:-1"]},
    {"days_of_month": ["-7:-1"]},
    {"days_of_month": ["-5:5"]},
    {"days_of_month": ["20:-20"]},
    {"days_of_month": ["5:-5"]},
    {"days_of_month": ["0"]},
    {"days_of_month": ["1:32"]},
    {"months": ["january:march", "12"]},
    {"months": ["december:january"]},
    {"years": ["2020:2025"]},
    {"years": ["2025:2024"]},
    {"times": [{"start_time": "10:00", "end_time": "09:00"}]},
    {"times": [{"start_time": "00:00", "end_time": "24:00"}]},
    {"location": "Europe/Madrid"},
    {"location": "Mars/Base"},
]


def _amtool_accepts(amtool: str, entry: dict[str, Any], tmp_path: Path) -> bool:
    config = {
        "route": {"receiver": "r", "routes": [{"receiver": "r", "matchers": ['a="b"'], "mute_time_intervals": ["t"]}]},
        "receivers": [{"name": "r"}],
        "time_intervals": [{"name": "t", "time_intervals": [entry]}],
    }
    path = tmp_path / "am.yml"
    path.write_text(yaml.safe_dump(config))
    return subprocess.run([amtool, "check-config", str(path)], capture_output=True, text=True).returncode == 0


@pytest.mark.parametrize("entry", ENTRIES, ids=[yaml.safe_dump(e, default_flow_style=True).strip() for e in ENTRIES])
def test_validation_matches_amtool(entry: dict[str, Any], toolchain: Toolchain | None, tmp_path: Path) -> None:
    amtool = require_in(toolchain, "amtool").path
    try:
        validate_time_interval(entry)
        ours = True
    except TimeIntervalError:
        ours = False
    assert ours == _amtool_accepts(amtool, entry, tmp_path)
