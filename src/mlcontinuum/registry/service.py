"""Commands of the registry for the slices after it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.registry import versions
from mlcontinuum.registry.enums import VersionStatus
from mlcontinuum.registry.model_schemas import VersionPublic

# --- for monitoring/alerts/changes ---


def set_version_status(
    session: Session, access: ProjectAccess, name: str, version: int, status: VersionStatus
) -> VersionPublic:
    """Archive a version or restore an archived one, as a person may by hand (a decided change
    request restores the version it redeploys)."""
    return versions.set_status(session, access, name, version, status)
