"""Charter versions: after every change the whole charter is snapshotted, if it differs.

Keeping full snapshots (text, KPIs, stakeholders) makes any two versions comparable without
replaying history, and a version is only written when something really changed.
"""

from __future__ import annotations

import difflib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.charter.models import Charter, CharterVersion, Kpi, Stakeholder
from mlcontinuum.charter.schemas import (
    CHARTER_FIELDS,
    CharterDiff,
    CharterText,
    CharterVersionPublic,
    FieldChange,
    KpiFields,
    StakeholderFields,
    VersionSnapshot,
)
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.models import Project, User
from mlcontinuum.kernel.errors import NotFound


def current_snapshot(session: Session, project: Project) -> VersionSnapshot:
    charter = session.get_one(Charter, project.id)
    kpis = session.scalars(select(Kpi).where(Kpi.project_id == project.id).order_by(Kpi.name)).all()
    people = session.execute(
        select(Stakeholder, User.username)
        .outerjoin(User, User.id == Stakeholder.user_id)
        .where(Stakeholder.project_id == project.id)
        .order_by(Stakeholder.organisation, Stakeholder.name)
    ).all()
    return VersionSnapshot(
        charter=CharterText(**{name: getattr(charter, name) for name in CHARTER_FIELDS}),
        kpis=[
            KpiFields.model_validate({name: getattr(kpi, name) for name in KpiFields.model_fields})
            for kpi in kpis
        ],
        stakeholders=[
            StakeholderFields(
                name=person.name,
                organisation=person.organisation,
                role=person.role,
                contact=person.contact,
                username=username,
            )
            for person, username in people
        ],
    )


def latest(session: Session, project_id: int) -> CharterVersion | None:
    return session.scalar(
        select(CharterVersion)
        .where(CharterVersion.project_id == project_id)
        .order_by(CharterVersion.version.desc())
        .limit(1)
    )


def record(session: Session, project: Project, *, actor: str, change: str) -> CharterVersion | None:
    """Write a new version if the charter differs from the latest one; return it (or None)."""
    session.flush()
    snapshot = events.canonical_json(current_snapshot(session, project).model_dump(mode="json"))
    last = latest(session, project.id)
    if last is not None and last.snapshot == snapshot:
        return None
    version = CharterVersion(
        project_id=project.id,
        version=(last.version + 1) if last else 1,
        snapshot=snapshot,
        change=change[:300],
        author=actor,
    )
    session.add(version)
    session.flush()
    events.append(
        session,
        type="charter.version_created",
        actor=actor,
        project_id=project.id,
        payload={"version": version.version, "change": version.change},
    )
    return version


def list_versions(session: Session, project_id: int) -> list[CharterVersionPublic]:
    rows = session.scalars(
        select(CharterVersion)
        .where(CharterVersion.project_id == project_id)
        .order_by(CharterVersion.version.desc())
    )
    return [
        CharterVersionPublic(
            version=row.version, change=row.change, author=row.author, created_at=row.created_at
        )
        for row in rows
    ]


def snapshot_of(session: Session, project_id: int, version: int) -> VersionSnapshot:
    row = session.scalar(
        select(CharterVersion).where(
            CharterVersion.project_id == project_id, CharterVersion.version == version
        )
    )
    if row is None:
        raise NotFound(f"no charter version {version}")
    return VersionSnapshot.model_validate_json(row.snapshot)


def diff(session: Session, project_id: int, from_version: int, to_version: int) -> CharterDiff:
    before = _flatten(snapshot_of(session, project_id, from_version))
    after = _flatten(snapshot_of(session, project_id, to_version))
    # An item added or removed is one change, not one per field.
    whole = {path for path in before.keys() ^ after.keys() if path.endswith("]")}
    changes = []
    for path in sorted(before.keys() | after.keys(), key=_path_order):
        old, new = before.get(path), after.get(path)
        if old == new or any(path.startswith(f"{item}.") for item in whole):
            continue
        if path.endswith("]") and path not in whole:
            continue  # an item on both sides: its changed fields are listed one by one
        lines: list[str] = []
        if isinstance(old, str) and isinstance(new, str) and ("\n" in old or "\n" in new):
            lines = list(
                difflib.unified_diff(
                    old.splitlines(),
                    new.splitlines(),
                    f"v{from_version}",
                    f"v{to_version}",
                    lineterm="",
                    n=1,
                )
            )
        changes.append(FieldChange(path=path, before=old, after=new, diff=lines))
    return CharterDiff(from_version=from_version, to_version=to_version, changes=changes)


def _flatten(snapshot: VersionSnapshot) -> dict[str, Any]:
    """Paths a person can read: `charter.risks`, `kpis[Churn rate].target`, ..."""
    flat: dict[str, Any] = {
        f"charter.{key}": value for key, value in snapshot.charter.model_dump().items()
    }
    for kpi in snapshot.kpis:
        label = f"kpis[{kpi.name}]"
        flat[label] = _summary(kpi.model_dump(mode="json"))
        for key, value in kpi.model_dump(mode="json").items():
            if key != "name":
                flat[f"{label}.{key}"] = value
    for person in snapshot.stakeholders:
        label = f"stakeholders[{person.name}, {person.organisation}]"
        flat[label] = _summary(person.model_dump(mode="json"))
        for key, value in person.model_dump(mode="json").items():
            if key not in ("name", "organisation"):
                flat[f"{label}.{key}"] = value
    return flat


def _summary(fields: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in fields.items() if v not in ("", None))


def _path_order(path: str) -> tuple[int, str]:
    section = path.split("[", 1)[0].split(".", 1)[0]
    return ({"charter": 0, "kpis": 1, "stakeholders": 2}.get(section, 3), path)
