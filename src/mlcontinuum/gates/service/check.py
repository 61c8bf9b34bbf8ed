"""Checking a candidate (`continuum check`): load the gates file, the record about the candidate
(KPI thresholds, the registered version, its reference profile and data compliance), the model
and its evaluation data; run every gate; report.

The record comes from `CheckSources`: a server for a registered version (the CLI builds that one
from the SDK), this instance's own records (`StoredSources`), or files offline
(`CharterFileSources`). Only the client that trained a model loads it (see `loading.py`); the
server never does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from mlcontinuum.charter import service as charter
from mlcontinuum.charter.schemas import CharterDocument, KpiFields
from mlcontinuum.data.schemas import DataSourcePublic
from mlcontinuum.gates import queries as gates_queries
from mlcontinuum.gates.context import GateContext
from mlcontinuum.gates.document import GatesFile, parse_gates
from mlcontinuum.gates.enums import GateStatus
from mlcontinuum.gates.junit import to_junit
from mlcontinuum.gates.loading import load_model, read_data
from mlcontinuum.gates.runner import evaluate, run_gates
from mlcontinuum.gates.schemas import GateResultData, run_status
from mlcontinuum.kernel.errors import FieldProblem, ValidationFailed
from mlcontinuum.profiles import Profile, ProfileError, loads
from mlcontinuum.registry import queries as registry
from mlcontinuum.registry.schemas import VersionPublic


@dataclass(frozen=True)
class Candidate:
    """What is checked: a model of a project, and the registered version (None offline)."""

    project: str
    model: str
    version: int | None


class CheckSources(Protocol):
    """Where the record about a candidate comes from. None means "not at hand" (offline), and
    the gates that need it say they did not run rather than pass."""

    def kpis(self, candidate: Candidate) -> Sequence[KpiFields] | None: ...

    def version(self, candidate: Candidate) -> VersionPublic | None: ...

    def compliance(self, candidate: Candidate) -> list[DataSourcePublic] | None: ...

    def reference_profile(self, candidate: Candidate) -> bytes:
        """The registered version's reference profile (asked only when it has one)."""
        ...


class CheckProgress(Protocol):
    def note(self, message: str) -> None:
        """Context for people, e.g. what is being loaded."""

    def gate(self, name: str, index: int, total: int) -> None:
        """Before each gate runs."""


@dataclass(frozen=True)
class CharterFileSources:
    """Offline: the KPIs of a charter file (`continuum charter export`), when one is given;
    no registered version, so no compliance and no stored reference profile."""

    charter: Path | None

    def kpis(self, candidate: Candidate) -> Sequence[KpiFields] | None:
        if self.charter is None:
            return None
        return CharterDocument.from_yaml(self.charter.read_bytes()).kpis

    def version(self, candidate: Candidate) -> VersionPublic | None:
        return None

    def compliance(self, candidate: Candidate) -> list[DataSourcePublic] | None:
        return None

    def reference_profile(self, candidate: Candidate) -> bytes:
        raise AssertionError("offline there is no registered version to read a profile of")


@dataclass(frozen=True)
class StoredSources:
    """On the instance itself: the records of this database (the demo gates its versions this
    way, exactly as `continuum check` does in CI through the server)."""

    session: Session
    project_id: int

    def kpis(self, candidate: Candidate) -> Sequence[KpiFields] | None:
        return charter.list_kpis(self.session, self.project_id)

    def version(self, candidate: Candidate) -> VersionPublic | None:
        if candidate.version is None:
            return None
        return registry.get_version(
            self.session, self.project_id, candidate.model, candidate.version
        )

    def compliance(self, candidate: Candidate) -> list[DataSourcePublic] | None:
        if candidate.version is None:
            return None
        return gates_queries.version_compliance(
            self.session, self.project_id, candidate.model, candidate.version
        )

    def reference_profile(self, candidate: Candidate) -> bytes:
        assert candidate.version is not None
        return registry.reference_profile(
            self.session, self.project_id, candidate.model, candidate.version
        )


@dataclass(frozen=True)
class CheckRequest:
    gates: Path  # the gates file
    model_file: Path
    data: Path  # the evaluation data, .csv or .parquet
    target: str  # its column holding the true labels
    offline: bool
    version: int | None = None  # the registered version, needed online
    reference: Path | None = None  # a reference .profile; default online: the version's
    trust_pickle: bool = False
    trusted_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckReport:
    candidate: Candidate
    results: list[GateResultData]

    @property
    def status(self) -> GateStatus:
        """Passed only when every required gate passed."""
        return run_status(self.results)

    @property
    def suite(self) -> str:
        return f"{self.candidate.project}.{self.candidate.model}"

    def junit(self) -> bytes:
        """JUnit XML for any CI: one testcase per gate."""
        return to_junit(self.results, suite=self.suite)


def _refuse(message: str, field: str, rule: str) -> ValidationFailed:
    return ValidationFailed(message, [FieldProblem(field, rule, message)])


def check_candidate(
    request: CheckRequest, sources: CheckSources, progress: CheckProgress
) -> CheckReport:
    """Run every gate of the gates file on the candidate. Bad input (a file, an option, an
    unknown gate or metric) raises ValidationFailed; a gate that fails or errs is in the
    report, never raised."""
    gates_file = parse_gates(request.gates.read_bytes())
    if not request.offline and request.version is None:
        raise _refuse(
            "--version is needed to check a registered version (or use --offline)",
            "--version",
            "required",
        )
    if request.offline and request.version is not None:
        progress.note("--offline: --version is not looked up on a server.")
    candidate = Candidate(
        gates_file.project, gates_file.model, None if request.offline else request.version
    )
    context = _context(request, gates_file, candidate, sources, progress)
    results = run_gates(gates_file, context, progress.gate)
    return CheckReport(candidate, results)


def _context(
    request: CheckRequest,
    gates_file: GatesFile,
    candidate: Candidate,
    sources: CheckSources,
    progress: CheckProgress,
) -> GateContext:
    reference = request.reference.read_bytes() if request.reference is not None else None
    version = sources.version(candidate)
    kpis = sources.kpis(candidate)
    compliance = sources.compliance(candidate)
    if reference is None and version is not None and version.reference_profile is not None:
        reference = sources.reference_profile(candidate)
    profile = _profile(reference)
    progress.note(f"Loading {request.model_file.name} and scoring {request.data.name}…")
    model = load_model(
        request.model_file, trust_pickle=request.trust_pickle, trusted=request.trusted_types
    )
    frame = read_data(request.data)
    return GateContext(
        evaluation=evaluate(model, frame, request.target, gates_file.positive_label),
        data=frame,
        model_file=request.model_file,
        kpis=list(kpis) if kpis is not None else None,
        version=version,
        reference=profile,
        compliance=compliance,
        offline=request.offline,
    )


def _profile(data: bytes | None) -> Profile | None:
    if data is None:
        return None
    try:
        return loads(data)
    except ProfileError as err:
        raise _refuse(
            f"the reference profile is not valid: {err}", "--reference", "format"
        ) from err
