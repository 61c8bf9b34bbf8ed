"""What the data register's page shows: the sources with their live compliance, and the counts
over them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from mlcontinuum.data import service
from mlcontinuum.data.schemas import ComplianceSummary, DataSourcePublic


@dataclass(frozen=True)
class RegisterView:
    sources: list[DataSourcePublic]
    summary: ComplianceSummary


def register_view(session: Session, project_id: int) -> RegisterView:
    sources = service.list_sources(session, project_id)
    return RegisterView(sources=sources, summary=service.compliance(sources))
