"""What the model pages show: the models with their versions and latest gate runs, one version
(lineage, artifact with its scan, gate runs, the moves allowed by hand), the warning before an
unsafe download, and the model card. Each page handler calls one of these and renders it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from mlcontinuum.gates import queries as gates
from mlcontinuum.gates.schemas import GateResultData, GateRunPublic
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.registry import queries as registry
from mlcontinuum.registry import service as registry_service
from mlcontinuum.registry.enums import ScanVerdict, VersionStatus
from mlcontinuum.registry.schemas import ArtifactPublic, VersionPublic
from mlcontinuum.trust import queries
from mlcontinuum.trust.schemas import ModelCard

# The card lists the strongest features only, as its Markdown does.
TOP_FEATURES = 10
# What the archive / restore buttons are called, by the status they move to.
MOVE_LABELS = {VersionStatus.ARCHIVED: "Archive", VersionStatus.CANDIDATE: "Restore to candidate"}


def version_url(access: ProjectAccess, name: str, version: int) -> str:
    return f"/projects/{access.project.slug}/models/{name}/versions/{version}"


@dataclass(frozen=True)
class ModelListView:
    # Each model's name with its versions, newest first, and each version's latest gate run.
    models: list[tuple[str, list[tuple[VersionPublic, GateRunPublic | None]]]]


def model_list_view(session: Session, project_id: int) -> ModelListView:
    models = []
    for summary in registry.list_models(session, project_id):
        rows = [
            (v, gates.latest_run(session, project_id, v.model_name, v.version))
            for v in registry.list_versions(session, project_id, summary.name)
        ]
        models.append((summary.name, rows))
    return ModelListView(models=models)


@dataclass(frozen=True)
class VersionView:
    version: VersionPublic
    gate_runs: list[GateRunPublic]
    moves: list[tuple[str, str]]  # (status, button label) of the moves allowed by hand
    url: str


def version_view(session: Session, access: ProjectAccess, name: str, number: int) -> VersionView:
    found = registry.get_version(session, access.project.id, name, number)
    allowed = registry_service.MANUAL_MOVES[found.status]
    return VersionView(
        version=found,
        gate_runs=gates.list_runs(session, access.project.id, name, number),
        moves=[(status.value, MOVE_LABELS[status]) for status in allowed],
        url=version_url(access, name, number),
    )


@dataclass(frozen=True)
class DownloadView:
    artifact: ArtifactPublic
    # Set when the file was flagged unsafe and not confirmed yet: the warning page shows it.
    warn_about: VersionPublic | None
    url: str


def download_view(
    session: Session, access: ProjectAccess, name: str, number: int, *, confirmed: bool
) -> DownloadView:
    artifact = registry.get_artifact(session, access.project.id, name, number)
    warn = artifact.scan_verdict is ScanVerdict.UNSAFE and not confirmed
    return DownloadView(
        artifact=artifact,
        warn_about=registry.get_version(session, access.project.id, name, number) if warn else None,
        url=version_url(access, name, number),
    )


@dataclass(frozen=True)
class CardView:
    card: ModelCard
    version: VersionPublic
    url: str
    intended_use: str  # as in the Markdown card: the version's own text, else the charter's MVP
    limitations: str  # likewise: the version's, else the charter's risks
    fairness: GateResultData | None
    features: list[dict[str, Any]]
    explainability: GateResultData | None
    importances: list[dict[str, Any]]


def card_view(session: Session, access: ProjectAccess, name: str, number: int) -> CardView:
    card = queries.model_card(session, access, name, number)
    fairness = card.gate("fairness")
    explainability = card.gate("explainability")
    ranking: list[dict[str, Any]] = (
        explainability.details.get("importances", []) if explainability else []
    )
    return CardView(
        card=card,
        version=card.version,
        url=version_url(access, name, number),
        intended_use=card.version.intended_use.strip()
        or card.charter.minimal_viable_product.strip(),
        limitations=card.version.limitations.strip() or card.charter.risks.strip(),
        fairness=fairness,
        features=fairness.details.get("features", []) if fairness else [],
        explainability=explainability,
        importances=ranking[:TOP_FEATURES],
    )
