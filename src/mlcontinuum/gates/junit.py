"""JUnit XML for any CI: one testcase per gate. Failed → <failure>, error → <error>,
not run → <skipped> with the reason, so a CI never shows a gate that did not run as passed."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from mlcontinuum.gates.enums import GateStatus
from mlcontinuum.gates.schemas import GateResultData


def to_junit(results: list[GateResultData], *, suite: str) -> bytes:
    counts = {s: sum(r.status is s for r in results) for s in GateStatus}
    root = ET.Element(
        "testsuites",
        name="continuum check",
        tests=str(len(results)),
        failures=str(counts[GateStatus.FAILED]),
        errors=str(counts[GateStatus.ERROR]),
        skipped=str(counts[GateStatus.NOT_RUN]),
    )
    tests = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(results)),
        failures=str(counts[GateStatus.FAILED]),
        errors=str(counts[GateStatus.ERROR]),
        skipped=str(counts[GateStatus.NOT_RUN]),
        time=f"{sum(r.duration_seconds for r in results):.3f}",
    )
    for result in results:
        case = ET.SubElement(
            tests,
            "testcase",
            classname=f"continuum.gates.{suite}",
            name=result.gate,
            time=f"{result.duration_seconds:.3f}",
        )
        props = ET.SubElement(case, "properties")
        ET.SubElement(props, "property", name="type_key", value=result.type_key)
        ET.SubElement(props, "property", name="required", value=str(result.required).lower())
        if result.status is GateStatus.FAILED:
            ET.SubElement(
                case, "failure", message=result.message, type=result.type_key
            ).text = json.dumps({"measured": result.measured, "thresholds": result.thresholds})
        elif result.status is GateStatus.ERROR:
            ET.SubElement(case, "error", message=result.message, type=result.type_key)
        elif result.status is GateStatus.NOT_RUN:
            ET.SubElement(case, "skipped", message=f"not run: {result.message}")
    ET.indent(root)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml
