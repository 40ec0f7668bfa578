"""promtool test rules' failure report, read back into the spec: which `tests.rules[i].expect[j]`
failed, what was expected and what came.

promtool (2.42 to 3.5 print the same shape) reports each failing test group as

    name: <test name>,
    alertname: <alert>, time: <eval time>,
        exp:[
            0:
              Labels:{a="b", ...}
              Annotations:{...}
            ],
        got:[...]

The test names are the ones render gave the groups (render/promtool_tests.py: the test's own
`name`, else `tests.rules[i] <alert>`), so a name leads back to the test, and the time to the
expectation. A failure promtool words differently is reported at the test, with its first line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from callalert import diagnostics as d
from callalert.diagnostics import KeyPath, Problem
from callalert.model import Model
from callalert.render.promtool_tests import PromtoolFile, group_name

_BLOCK_RE = re.compile(r"^\s*name: (?P<name>.*),\s*$", re.M)
_ALERT_RE = re.compile(r"^\s*alertname: (?P<alert>[^,]*), time: (?P<time>[^,]*),\s*$", re.M)
_ITEM_RE = re.compile(r"Labels:(?P<labels>\{.*?\})\s*\n\s*Annotations:(?P<annotations>\{.*?\})\s*$", re.M)
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)(ms|y|w|d|h|m|s)")
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


@dataclass(frozen=True)
class AlertSeen:
    labels: str  # as promtool prints them: {alertname="Down", instance="a:1"}
    annotations: str


@dataclass(frozen=True)
class Failure:
    name: str  # the test group's name
    alert: str | None
    time: str | None
    expected: tuple[AlertSeen, ...] | None  # None: promtool said something else
    got: tuple[AlertSeen, ...] | None
    text: str  # the block as promtool printed it


def _seconds(text: str) -> float | None:
    total, pos = 0.0, 0
    for m in _DURATION_RE.finditer(text.strip()):
        if m.start() != pos:
            return None
        total += float(m.group(1)) * _UNIT[m.group(2)]
        pos = m.end()
    return total if pos == len(text.strip()) and pos else None


def _alerts(section: str) -> tuple[AlertSeen, ...]:
    return tuple(AlertSeen(m.group("labels"), m.group("annotations")) for m in _ITEM_RE.finditer(section))


def parse_failures(output: str) -> list[Failure]:
    """Every failing test group in promtool's output (stdout and stderr together)."""
    starts = list(_BLOCK_RE.finditer(output))
    failures: list[Failure] = []
    for i, start in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(output)
        block = output[start.end() : end]
        block = re.split(r"^\s*FAILED:\s*$", block, flags=re.M)[0]
        head = _ALERT_RE.search(block)
        expected = got = None
        if head is not None and "exp:[" in block and "got:[" in block:
            exp_part, got_part = block.split("got:[", 1)
            expected, got = _alerts(exp_part.split("exp:[", 1)[1]), _alerts(got_part)
        failures.append(
            Failure(
                start.group("name"),
                head.group("alert") if head else None,
                head.group("time") if head else None,
                expected,
                got,
                (start.group(0) + block).strip("\n"),
            )
        )
    return failures


def _describe(items: Sequence[AlertSeen]) -> str:
    if not items:
        return "no alert"
    shown = items[0].labels + (f" with annotations {items[0].annotations}" if items[0].annotations != "{}" else "")
    return shown + (f" and {len(items) - 1} more" if len(items) > 1 else "")


def message(failure: Failure) -> str:
    when = f"{failure.alert} at {failure.time}" if failure.alert and failure.time else failure.name
    if failure.expected is None or failure.got is None:
        first = next((line.strip() for line in failure.text.splitlines()[1:] if line.strip()), "failed")
        return f"{when}: {first}"
    exp, got = failure.expected, failure.got
    if len(exp) == len(got) and all(e.labels == g.labels for e, g in zip(exp, got, strict=True)):
        return (
            f"{when}: the alerts fire with other annotations: expected {_describe(exp)}, got {_describe(got)} "
            "(a test compares exactly the annotations it names)"
        )
    return f"{when}: expected {_describe(exp)}, got {_describe(got)}"


def positioned(
    model: Model,
    planned: PromtoolFile,
    output: str,
    problem: Callable[..., Problem],
) -> list[Problem]:
    """The failures in one promtool file's output, each positioned at the spec's test expectation."""
    by_name: dict[str, int] = {}
    for i, test, _ in planned.cases:
        by_name.setdefault(group_name(i, test), i)
    out: list[Problem] = []
    for failure in parse_failures(output):
        found = by_name.get(failure.name)
        if found is None:
            continue
        index = found
        key: KeyPath = ("tests", "rules", index)
        test = model.tests.rules[index]
        wanted = _seconds(failure.time) if failure.time else None
        if wanted is not None:
            for j, exp in enumerate(test.expect):
                if _seconds(exp.eval_time) == wanted:
                    key = (*key, "expect", j)
                    break
        out.append(problem(key, message(failure), d.RULE_TEST_FAILED))
    return out
