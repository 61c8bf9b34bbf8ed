"""Alert rules (create, change, delete) and alerts (acknowledge, resolve); reads are in
`queries`.

Alerts go open → acknowledged → resolved, or open → resolved; any other step is a conflict that
names the alert's current status. Every change writes an event with the person who made it.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mlcontinuum.alerts import rules
from mlcontinuum.alerts.enums import AlertStatus
from mlcontinuum.alerts.models import Alert, AlertRule
from mlcontinuum.alerts.schemas import AlertPublic, RuleCreate, RulePublic, RuleUpdate
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.errors import Conflict, FieldProblem
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.kernel.storage.lookup import one_or_not_found

# --- rules -------------------------------------------------------------------------------------


def _rule(session: Session, project_id: int, rule_id: int) -> AlertRule:
    return one_or_not_found(
        session,
        select(AlertRule).where(AlertRule.project_id == project_id, AlertRule.id == rule_id),
        f"no alert rule {rule_id} in this project",
    )


def create_rule(session: Session, access: ProjectAccess, data: RuleCreate) -> RulePublic:
    params = rules.stored(rules.parse(data.kind, data.params))
    row = AlertRule(
        project_id=access.project.id,
        kind=data.kind,
        name=data.name,
        severity=data.severity,
        params=params,
        enabled=data.enabled,
        created_by=access.actor,
    )
    session.add(row)
    session.flush()
    events.append(
        session,
        type="alert_rule.created",
        actor=access.actor,
        project_id=access.project.id,
        payload={
            "rule_id": row.id,
            "kind": row.kind.value,
            "name": row.name,
            "severity": row.severity.value,
            "params": params,
            "enabled": row.enabled,
        },
    )
    return RulePublic.model_validate(row)


def update_rule(
    session: Session, access: ProjectAccess, rule_id: int, data: RuleUpdate
) -> RulePublic:
    row = _rule(session, access.project.id, rule_id)
    given = data.model_dump(exclude_none=True)
    if "params" in given:
        given["params"] = rules.stored(rules.parse(row.kind, given["params"]))
    changes = {k: v for k, v in given.items() if getattr(row, k) != v}
    if changes:
        for key, value in changes.items():
            setattr(row, key, value)
        events.append(
            session,
            type="alert_rule.updated",
            actor=access.actor,
            project_id=access.project.id,
            payload={"rule_id": row.id, "changes": changes},
        )
    return RulePublic.model_validate(row)


def delete_rule(session: Session, access: ProjectAccess, rule_id: int) -> None:
    """Delete the rule; its alerts stay (with their fingerprint and detail) but lose the link.
    The event comes first: it takes the lock that writers of alerts take before alert rows."""
    row = _rule(session, access.project.id, rule_id)
    events.append(
        session,
        type="alert_rule.deleted",
        actor=access.actor,
        project_id=access.project.id,
        payload={"rule_id": row.id, "kind": row.kind.value, "name": row.name},
    )
    session.execute(
        update(Alert)
        .where(Alert.rule_id == row.id)
        .values(rule_id=None)
        .execution_options(synchronize_session=False)
    )
    session.delete(row)


# --- alerts ------------------------------------------------------------------------------------


def _alert(session: Session, project_id: int, alert_id: int) -> Alert:
    return one_or_not_found(
        session,
        select(Alert)
        .where(Alert.project_id == project_id, Alert.id == alert_id)
        .execution_options(populate_existing=True),
        f"no alert {alert_id} in this project",
    )


def acknowledge(session: Session, access: ProjectAccess, alert_id: int) -> AlertPublic:
    row = _locked(session, access.project.id, alert_id)
    if row.status is not AlertStatus.OPEN:
        raise Conflict(
            f"alert {row.id} is {row.status.value}; only an open alert can be acknowledged",
            [FieldProblem("status", row.status.value, "only an open alert can be acknowledged")],
        )
    row.status, row.acknowledged_by, row.acknowledged_at = (
        AlertStatus.ACKNOWLEDGED,
        access.actor,
        utcnow(),
    )
    events.append(
        session,
        type="alert.acknowledged",
        actor=access.actor,
        project_id=access.project.id,
        payload={"alert_id": row.id},
    )
    return AlertPublic.model_validate(row)


def resolve(session: Session, access: ProjectAccess, alert_id: int, resolution: str) -> AlertPublic:
    row = _locked(session, access.project.id, alert_id)
    if row.status is AlertStatus.RESOLVED:
        raise Conflict(
            f"alert {row.id} is already resolved (by {row.resolved_by}); a recurrence opens a "
            "new alert",
            [FieldProblem("status", row.status.value, "a resolved alert stays resolved")],
        )
    row.status, row.resolved_by, row.resolved_at, row.resolution = (
        AlertStatus.RESOLVED,
        access.actor,
        utcnow(),
        resolution,
    )
    events.append(
        session,
        type="alert.resolved",
        actor=access.actor,
        project_id=access.project.id,
        payload={"alert_id": row.id, "resolution": resolution},
    )
    return AlertPublic.model_validate(row)


def _locked(session: Session, project_id: int, alert_id: int) -> Alert:
    """The alert, read under `lock_alerts`: two people acting on it at once get one success
    and one conflict, and an evaluator never bumps it meanwhile."""
    lock_alerts(session, project_id)
    return _alert(session, project_id, alert_id)


def lock_alerts(session: Session, project_id: int) -> None:
    """Serialise the writes to a project's alerts, and the opening of change requests from them.

    The lock is the project's event-chain head, which every event append takes anyway
    (`events.append`). Each writer takes it first, before any alert row: the evaluator raising
    alerts, people acknowledging or resolving them, someone opening a change request from one.
    So two evaluators finding the same problem open one alert, a recurrence never lands on an
    alert someone resolved meanwhile (it opens a new one), and, with one lock order, evaluators
    and people never wait for each other in a cycle. SQLite runs one writer at a time anyway.
    """
    events.lock_chain(session, project_id)
