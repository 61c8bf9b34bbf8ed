"""What the charter's pages show when they compose several reads: the project's overview and
the charter's history and diff. Each page handler calls one of these and renders it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from mlcontinuum.charter import service, versions
from mlcontinuum.charter.schemas import (
    CharterDiff,
    CharterPublic,
    CharterVersionPublic,
    KpiPublic,
    StakeholderPublic,
)
from mlcontinuum.charter.service import members
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.schemas import MemberPublic


@dataclass(frozen=True)
class OverviewView:
    charter: CharterPublic
    kpis: list[KpiPublic]
    stakeholders: list[StakeholderPublic]
    members: list[MemberPublic]


def overview_view(session: Session, access: ProjectAccess) -> OverviewView:
    project_id = access.project.id
    return OverviewView(
        charter=service.get_charter(session, access),
        kpis=service.list_kpis(session, project_id),
        stakeholders=service.list_stakeholders(session, project_id),
        members=members.list_members(session, project_id),
    )


@dataclass(frozen=True)
class HistoryView:
    versions: list[CharterVersionPublic]
    # The diff form starts at the latest change: the version before the latest, and the latest.
    default_from: int
    default_to: int


def history_view(session: Session, project_id: int) -> HistoryView:
    found = versions.list_versions(session, project_id)
    latest = found[0].version
    return HistoryView(versions=found, default_from=max(1, latest - 1), default_to=latest)


@dataclass(frozen=True)
class DiffView:
    diff: CharterDiff
    versions: list[CharterVersionPublic]


def diff_view(session: Session, project_id: int, from_version: int, to_version: int) -> DiffView:
    return DiffView(
        diff=versions.diff(session, project_id, from_version, to_version),
        versions=versions.list_versions(session, project_id),
    )
