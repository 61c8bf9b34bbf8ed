"""Security: the model file's static safety scan, and a pip-audit of the Python environment the
check runs in (what trains and serves the model).

Online, the verdict is the server's scan of the registered artifact, and the local model file
must be that artifact; offline, the same scanner runs on the local file. pip-audit needs its
vulnerability service: when the service does not answer (no network), pip-audit still exits 0
with every dependency skipped, so the gate reads the report and says *not run* with the reason,
never *passed*.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from pydantic import Field

from mlcontinuum.gates.context import GateContext
from mlcontinuum.gates.enums import GateStatus, overall
from mlcontinuum.gates.registry import Gate, GateParams, Outcome, register
from mlcontinuum.registry import service as registry

# A scan inflates compressed pickles; bound it as the server does (4 × its artifact limit).
MAX_INFLATED = 4 * 1024**3


class Params(GateParams):
    pip_audit: bool = Field(default=True, description="Audit the environment's dependencies.")
    audit_timeout_seconds: float = Field(
        default=60, gt=0, le=600, description="How long pip-audit may take in all."
    )
    allow_unaudited: list[str] = Field(
        default_factory=list,
        description="Packages pip-audit may skip (private packages PyPI does not know).",
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def artifact_part(context: GateContext) -> tuple[GateStatus, str, dict[str, Any]]:
    if context.version is None:
        report = registry.scan_artifact(context.model_file, max_inflated=MAX_INFLATED)
        verdict, findings, where = report.verdict.value, report.findings, "local scan"
    else:
        artifact = context.version.artifact
        if artifact is None:
            return GateStatus.NOT_RUN, "the version has no artifact uploaded to scan", {}
        if artifact.sha256 != _sha256(context.model_file):
            return (
                GateStatus.FAILED,
                "the model file checked is not the version's registered artifact "
                f"({artifact.filename})",
                {"artifact_sha256": artifact.sha256},
            )
        verdict, findings, where = artifact.scan_verdict.value, artifact.scan_findings, "server"
    details = {"verdict": verdict, "findings": findings, "scanned_by": where}
    if verdict == "unsafe":
        return GateStatus.FAILED, "artifact scan: unsafe serialisation", details
    if verdict == "not_scanned":
        reason = findings[0] if findings else "format not recognised"
        return GateStatus.NOT_RUN, f"artifact not scanned: {reason}", details
    return GateStatus.PASSED, "artifact scan: safe", details


def _pip_audit_command() -> list[str] | None:
    if importlib.util.find_spec("pip_audit") is not None:
        return [sys.executable, "-m", "pip_audit"]
    found = shutil.which("pip-audit")
    return [found] if found else None


def audit_part(params: Params) -> tuple[GateStatus, str, dict[str, Any]]:
    command = _pip_audit_command()
    if command is None:
        return GateStatus.NOT_RUN, "pip-audit is not installed (pip install pip-audit)", {}
    # Per request at most a third of the budget, so its retries fit in the total.
    per_request = max(1, int(params.audit_timeout_seconds / 3))
    args = [
        *command,
        "--format",
        "json",
        "--progress-spinner",
        "off",
        "--skip-editable",
        "--timeout",
        str(per_request),
    ]
    # pip-api asks this interpreter for the package list, even from a pip-audit found on PATH.
    env = os.environ | {"PIPAPI_PYTHON_LOCATION": sys.executable}
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            args,
            capture_output=True,
            text=True,
            timeout=params.audit_timeout_seconds,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return (
            GateStatus.NOT_RUN,
            f"pip-audit did not finish within {params.audit_timeout_seconds:g} s",
            {},
        )
    try:
        report = json.loads(done.stdout)
        dependencies: list[dict[str, Any]] = report["dependencies"]
    except (json.JSONDecodeError, KeyError, TypeError):
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return GateStatus.NOT_RUN, f"pip-audit did not run (exit {done.returncode}): {last}", {}
    return judge_audit(dependencies, set(params.allow_unaudited))


def judge_audit(
    dependencies: list[dict[str, Any]], allowed: set[str]
) -> tuple[GateStatus, str, dict[str, Any]]:
    vulnerable = [
        {
            "name": d["name"],
            "version": d.get("version"),
            "ids": [v.get("id") for v in d.get("vulns", [])],
        }
        for d in dependencies
        if d.get("vulns")
    ]
    # Editable installs are the project's own code under development, not dependencies.
    skipped = [
        d
        for d in dependencies
        if "skip_reason" in d and d["name"] not in allowed and "editable" not in d["skip_reason"]
    ]
    audited = sum(1 for d in dependencies if "skip_reason" not in d)
    details = {
        "dependencies": len(dependencies),
        "audited": audited,
        "vulnerable": vulnerable,
        "unaudited": [d["name"] for d in skipped][:50],
    }
    if vulnerable:
        names = ", ".join(f"{v['name']} {v['version']}" for v in vulnerable[:10])
        return GateStatus.FAILED, f"known vulnerabilities in {names}", details
    if skipped:
        return (
            GateStatus.NOT_RUN,
            f"pip-audit could not audit {len(skipped)} of {len(dependencies)} dependencies; "
            "its vulnerability service did not answer or does not know them: "
            f"{skipped[0]['skip_reason']}",
            details,
        )
    return GateStatus.PASSED, f"no known vulnerabilities in {audited} dependencies", details


def check(params: Params, context: GateContext) -> Outcome:
    parts = {"artifact_scan": artifact_part(context)}
    if params.pip_audit:
        parts["pip_audit"] = audit_part(params)
    status = overall([s for s, _, _ in parts.values()])
    message = "; ".join(m for _, m, _ in parts.values())
    details = {name: {"status": s.value, "message": m, **d} for name, (s, m, d) in parts.items()}
    measured: dict[str, float | None] = {}
    if "pip_audit" in parts and "vulnerable" in parts["pip_audit"][2]:
        measured["vulnerable_packages"] = float(len(parts["pip_audit"][2]["vulnerable"]))
    return Outcome(status, message, measured, {"vulnerable_packages": 0.0}, details)


register(
    Gate(
        name="security",
        params=Params,
        fn=check,
        description="artifact safety scan and pip-audit of the environment's dependencies",
    )
)
