"""Rules for the charter's text, KPIs and stakeholders. Every change records a new version."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.charter import versions
from mlcontinuum.charter.models import Charter, Kpi, Stakeholder
from mlcontinuum.charter.schemas import (
    CHARTER_FIELDS,
    CharterPublic,
    CharterUpdate,
    KpiCreate,
    KpiFields,
    KpiPublic,
    KpiUpdate,
    StakeholderCreate,
    StakeholderPublic,
    StakeholderUpdate,
    check_threshold,
    expected_lift,
)
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth import service as auth_service
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.models import User
from mlcontinuum.kernel.errors import FieldProblem, ValidationFailed
from mlcontinuum.kernel.storage.lookup import one_or_not_found
from mlcontinuum.kernel.storage.unique import ensure_unique

# --- charter text ----------------------------------------------------------------------------


def get_charter(session: Session, access: ProjectAccess) -> CharterPublic:
    charter = session.get_one(Charter, access.project.id)
    last = versions.latest(session, access.project.id)
    assert last is not None, "every project has charter version 1 from its creation"
    return CharterPublic(
        **{name: getattr(charter, name) for name in CHARTER_FIELDS},
        version=last.version,
        updated_at=last.created_at,
        updated_by=last.author,
    )


def update_charter(session: Session, access: ProjectAccess, data: CharterUpdate) -> CharterPublic:
    charter = session.get_one(Charter, access.project.id)
    changed = [
        key
        for key, value in data.model_dump(exclude_unset=True).items()
        if value is not None and getattr(charter, key) != value
    ]
    for key in changed:
        setattr(charter, key, getattr(data, key))
    if changed:
        labels = ", ".join(key.replace("_", " ") for key in changed)
        versions.record(session, access.project, actor=access.actor, change=f"edited {labels}")
    return get_charter(session, access)


# --- KPIs ------------------------------------------------------------------------------------


def list_kpis(session: Session, project_id: int) -> list[KpiPublic]:
    rows = session.scalars(select(Kpi).where(Kpi.project_id == project_id).order_by(Kpi.name))
    return [kpi_public(kpi) for kpi in rows]


def kpi_public(kpi: Kpi) -> KpiPublic:
    lift, percent = expected_lift(kpi.direction, kpi.baseline, kpi.target)
    return KpiPublic.model_validate(
        {
            **{name: getattr(kpi, name) for name in KpiFields.model_fields},
            "id": kpi.id,
            "expected_lift": lift,
            "expected_lift_percent": percent,
        }
    )


def get_kpi(session: Session, project_id: int, kpi_id: int) -> KpiPublic:
    return kpi_public(_kpi(session, project_id, kpi_id))


def _kpi(session: Session, project_id: int, kpi_id: int) -> Kpi:
    return one_or_not_found(
        session,
        select(Kpi).where(Kpi.id == kpi_id, Kpi.project_id == project_id),
        f"no KPI {kpi_id} in this project",
    )


def _unique_kpi_name(session: Session, project_id: int, name: str, own_id: int | None) -> None:
    ensure_unique(
        session,
        Kpi.id,
        Kpi.project_id == project_id,
        Kpi.name == name,
        own_id=own_id,
        message=f"the project already has a KPI named '{name}'",
        hint="KPI names are unique within a project",
    )


def add_kpi(session: Session, access: ProjectAccess, data: KpiCreate) -> KpiPublic:
    _unique_kpi_name(session, access.project.id, data.name, None)
    kpi = Kpi(project_id=access.project.id, **data.model_dump())
    session.add(kpi)
    session.flush()
    events.append(
        session,
        type="kpi.added",
        actor=access.actor,
        project_id=access.project.id,
        payload=data.model_dump(mode="json"),
    )
    versions.record(session, access.project, actor=access.actor, change=f"added KPI {data.name}")
    return kpi_public(kpi)


def update_kpi(session: Session, access: ProjectAccess, kpi_id: int, data: KpiUpdate) -> KpiPublic:
    kpi = _kpi(session, access.project.id, kpi_id)
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    if "name" in changes:
        _unique_kpi_name(session, access.project.id, changes["name"], kpi.id)
    merged = {**{name: getattr(kpi, name) for name in KpiFields.model_fields}, **changes}
    try:
        check_threshold(merged["direction"], merged["target"], merged["alert_threshold"])
    except ValueError as err:
        raise ValidationFailed(
            str(err), [FieldProblem("alert_threshold", "direction", str(err))]
        ) from err
    changes = {k: v for k, v in changes.items() if getattr(kpi, k) != v}
    if not changes:
        return kpi_public(kpi)
    old_name = kpi.name
    for key, value in changes.items():
        setattr(kpi, key, value)
    events.append(
        session,
        type="kpi.updated",
        actor=access.actor,
        project_id=access.project.id,
        payload={
            "kpi": old_name,
            "changes": KpiUpdate(**changes).model_dump(mode="json", exclude_none=True),
        },
    )
    versions.record(session, access.project, actor=access.actor, change=f"changed KPI {old_name}")
    return kpi_public(kpi)


def delete_kpi(session: Session, access: ProjectAccess, kpi_id: int) -> None:
    kpi = _kpi(session, access.project.id, kpi_id)
    session.delete(kpi)
    events.append(
        session,
        type="kpi.removed",
        actor=access.actor,
        project_id=access.project.id,
        payload={"kpi": kpi.name},
    )
    versions.record(session, access.project, actor=access.actor, change=f"removed KPI {kpi.name}")


# --- stakeholders ----------------------------------------------------------------------------


def list_stakeholders(session: Session, project_id: int) -> list[StakeholderPublic]:
    rows = session.execute(
        select(Stakeholder, User.username)
        .outerjoin(User, User.id == Stakeholder.user_id)
        .where(Stakeholder.project_id == project_id)
        .order_by(Stakeholder.organisation, Stakeholder.name)
    ).all()
    return [stakeholder_public(person, username) for person, username in rows]


def stakeholder_public(person: Stakeholder, username: str | None) -> StakeholderPublic:
    return StakeholderPublic(
        id=person.id,
        name=person.name,
        organisation=person.organisation,
        role=person.role,
        contact=person.contact,
        username=username,
        is_user=username is not None,
    )


def get_stakeholder(session: Session, project_id: int, stakeholder_id: int) -> StakeholderPublic:
    person = _stakeholder(session, project_id, stakeholder_id)
    return stakeholder_public(person, _username(session, person.user_id))


def _stakeholder(session: Session, project_id: int, stakeholder_id: int) -> Stakeholder:
    return one_or_not_found(
        session,
        select(Stakeholder).where(
            Stakeholder.id == stakeholder_id, Stakeholder.project_id == project_id
        ),
        f"no stakeholder {stakeholder_id} in this project",
    )


def link_account(
    session: Session, access: ProjectAccess, username: str | None, field: str = "username"
) -> User | None:
    """The account a stakeholder record refers to, for display only: it must already be a
    member of the project. Listing a person never grants access: membership and roles change
    only through member management (`project:manage`), so the charter's editors cannot make an
    account a customer member that approves releases."""
    if not username:
        return None
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        message = f"no account '{username}'; ask an administrator to create the account first"
        raise ValidationFailed(message, [FieldProblem(field, "exists", message)])
    if auth_service.role_in(session, user.id, access.project.id) is None:
        message = (
            f"'{username}' is not a member of this project; an owner adds them under Members "
            "first (as a stakeholder if they act for the customer), then their account can be "
            "linked"
        )
        raise ValidationFailed(message, [FieldProblem(field, "not_a_member", message)])
    return user


def _unique_person(
    session: Session, project_id: int, name: str, organisation: str, own_id: int | None
) -> None:
    ensure_unique(
        session,
        Stakeholder.id,
        Stakeholder.project_id == project_id,
        Stakeholder.name == name,
        Stakeholder.organisation == organisation,
        own_id=own_id,
        message=f"{name} of {organisation} is already a stakeholder",
        hint="a person is listed once per organisation",
    )


def add_stakeholder(
    session: Session, access: ProjectAccess, data: StakeholderCreate
) -> StakeholderPublic:
    _unique_person(session, access.project.id, data.name, data.organisation, None)
    user = link_account(session, access, data.username)
    person = Stakeholder(
        project_id=access.project.id,
        name=data.name,
        organisation=data.organisation,
        role=data.role,
        contact=data.contact,
        user_id=user.id if user else None,
    )
    session.add(person)
    session.flush()
    events.append(
        session,
        type="stakeholder.added",
        actor=access.actor,
        project_id=access.project.id,
        payload=data.model_dump(mode="json"),
    )
    versions.record(
        session, access.project, actor=access.actor, change=f"added stakeholder {data.name}"
    )
    return stakeholder_public(person, user.username if user else None)


def update_stakeholder(
    session: Session, access: ProjectAccess, stakeholder_id: int, data: StakeholderUpdate
) -> StakeholderPublic:
    person = _stakeholder(session, access.project.id, stakeholder_id)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    name = changes.get("name") or person.name
    organisation = changes.get("organisation") or person.organisation
    _unique_person(session, access.project.id, name, organisation, person.id)
    before = stakeholder_public(person, _username(session, person.user_id))
    if "username" in changes:
        # An empty or null user name unlinks the account (the membership stays).
        user = link_account(session, access, changes.pop("username"))
        person.user_id = user.id if user else None
    for key, value in changes.items():
        if value is not None:
            setattr(person, key, value)
    after = stakeholder_public(person, _username(session, person.user_id))
    if after == before:
        return after
    events.append(
        session,
        type="stakeholder.updated",
        actor=access.actor,
        project_id=access.project.id,
        payload={
            "stakeholder": person.name,
            "changes": data.model_dump(mode="json", exclude_unset=True),
        },
    )
    versions.record(
        session, access.project, actor=access.actor, change=f"changed stakeholder {person.name}"
    )
    return after


def _username(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return session.scalar(select(User.username).where(User.id == user_id))


def remove_stakeholder(session: Session, access: ProjectAccess, stakeholder_id: int) -> None:
    person = _stakeholder(session, access.project.id, stakeholder_id)
    session.delete(person)
    events.append(
        session,
        type="stakeholder.removed",
        actor=access.actor,
        project_id=access.project.id,
        payload={"stakeholder": person.name, "organisation": person.organisation},
    )
    versions.record(
        session, access.project, actor=access.actor, change=f"removed stakeholder {person.name}"
    )
