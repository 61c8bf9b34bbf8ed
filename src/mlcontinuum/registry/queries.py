"""Reads of the registry for the slices after it, returning read models (never rows)."""

from __future__ import annotations

from collections.abc import Collection

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.registry.enums import VersionStatus
from mlcontinuum.registry.models import ModelVersion, Run, StoredProfile

# --- for monitoring/alerts/changes ---


class VersionRef(BaseModel):
    """What production needs of a model version: which one it is, its status, and what
    monitoring compares with (its reference profile) or the demo loads (its artifact)."""

    id: int
    model_name: str
    version: int
    status: VersionStatus
    reference_profile_id: int | None = Field(description="Id of its stored reference profile.")
    artifact_sha256: str | None


def _ref(row: ModelVersion) -> VersionRef:
    return VersionRef(
        id=row.id,
        model_name=row.model_name,
        version=row.version,
        status=row.status,
        reference_profile_id=row.reference_profile_id,
        artifact_sha256=row.artifact_sha256,
    )


def version_refs(session: Session, ids: Collection[int]) -> dict[int, VersionRef]:
    """The versions among `ids`, in one query whatever their number."""
    if not ids:
        return {}
    rows = session.scalars(select(ModelVersion).where(ModelVersion.id.in_(ids)))
    return {row.id: _ref(row) for row in rows}


def version_ref(session: Session, project_id: int, name: str, version: int) -> VersionRef | None:
    """Version `version` of the project's model `name`, if there is one."""
    row = session.scalar(
        select(ModelVersion).where(
            ModelVersion.project_id == project_id,
            ModelVersion.model_name == name,
            ModelVersion.version == version,
        )
    )
    return None if row is None else _ref(row)


def reference_profile(session: Session, profile_id: int) -> bytes:
    """The bytes of a stored reference profile (`mlcontinuum.profiles.loads` reads them)."""
    data: bytes = session.get_one(StoredProfile, profile_id).data
    return data


def has_runs(session: Session, project_id: int) -> bool:
    return session.scalar(select(Run.id).where(Run.project_id == project_id).limit(1)) is not None
