"""JUnit XML for CI systems: one <testsuite> per check step, one <testcase> per file, test or render."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from callalert.check import Step


def junit_xml(steps: Sequence[Step]) -> str:
    root = ET.Element("testsuites", name="callalert check")
    total = failures = skipped = 0
    seconds = 0.0
    for step in steps:
        suite = ET.SubElement(root, "testsuite", name=step.name)
        s_fail = s_skip = 0
        cases = list(step.cases)
        if step.skipped:
            case_el = ET.SubElement(suite, "testcase", name=step.name, classname=step.name, time="0.000")
            ET.SubElement(case_el, "skipped", message=step.skipped)
            s_skip = 1
        for case in cases:
            case_el = ET.SubElement(suite, "testcase", name=case.name, classname=step.name, time=f"{case.seconds:.3f}")
            if not case.ok:
                s_fail += 1
                failure = ET.SubElement(case_el, "failure", message=case.message or "failed")
                failure.text = case.output or case.message
            elif case.output:
                ET.SubElement(case_el, "system-out").text = case.output
        count = len(cases) + (1 if step.skipped else 0)
        suite.set("tests", str(count))
        suite.set("failures", str(s_fail))
        suite.set("errors", "0")
        suite.set("skipped", str(s_skip))
        suite.set("time", f"{step.seconds:.3f}")
        if step.warnings:
            ET.SubElement(suite, "system-out").text = "\n".join(f"warning: {w}" for w in step.warnings)
        total += count
        failures += s_fail
        skipped += s_skip
        seconds += step.seconds
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", "0")
    root.set("skipped", str(skipped))
    root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(path: Path, steps: Sequence[Step]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(steps), encoding="utf-8")
