"""JUnit XML: one test suite per area, one test case per gate."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from clearance.checklist import GateReport, Report
from clearance.common import format_number
from clearance.report._text import fmt_ci


def render_junit(report: Report) -> str:
    root = ET.Element("testsuites", name=f"clearance {report.system}")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for area in report.areas:
        suite = ET.SubElement(root, "testsuite", name=f"clearance.{area.area}")
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for gate in area.gates:
            _case(suite, area.area, gate, area_blocks=area.blocks, counts=counts)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _case(
    suite: ET.Element, area: str, gate: GateReport, *, area_blocks: bool, counts: dict[str, int]
) -> None:
    """Every blocking gate that does not pass is a failure (inconclusive and not
    evaluated included); advisory warnings, waived areas and areas the policy lets stay
    unevaluated are not."""
    case = ET.SubElement(suite, "testcase", name=gate.metric, classname=f"clearance.{area}")
    counts["tests"] += 1
    detail = f"value {format_number(gate.value)} {fmt_ci(gate)}; threshold {gate.threshold}"
    if gate.note:
        detail += f"; {gate.note}"
    blocking = gate.blocking and area_blocks
    if gate.status not in ("pass", "warn") and blocking:
        failure = ET.SubElement(
            case, "failure", message=f"{gate.status}: {detail}", type=gate.status
        )
        failure.text = detail
        counts["failures"] += 1
    elif gate.status == "not_evaluated":
        ET.SubElement(case, "skipped", message=f"not evaluated (allowed): {gate.note}")
        counts["skipped"] += 1
    out = ET.SubElement(case, "system-out")
    why = "" if area_blocks or gate.status in ("pass", "warn") else " (does not block)"
    out.text = f"{gate.status}{why}: {detail}"
