"""Races on PostgreSQL: a request (or an evaluation) that arrives while another one on the same
change request or alert is still uncommitted waits for it and then answers as if it had come
second — one decision, one follow-up, one undecided request per alert, one unresolved alert per
problem.

The first is our service called in a transaction the test holds open; the second goes over real
HTTP (or is an evaluation in a thread) and waits on a lock until the test commits. SQLite takes
its write lock when a transaction begins, so these races cannot happen there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.alerts import service as alerts
from mlcontinuum.alerts.permissions import ALERTS_MANAGE
from mlcontinuum.changes import service
from mlcontinuum.changes.permissions import CHANGE_WRITE
from mlcontinuum.changes.schemas import ChangeApprovalCreate, ChangeCreate
from mlcontinuum.kernel.auth.access import ProjectAccess, project_access
from mlcontinuum.kernel.auth.models import User
from mlcontinuum.kernel.auth.permissions import Permission
from mlcontinuum.kernel.auth.service import principal_of
from tests.changes.conftest import (
    DRIFTED_EVALUATION,
    Monitoring,
    drift_rule,
    events_of,
    raise_stored,
)
from tests.conftest import Account, Accounts
from tests.races import held_race
from tests.teams import Team

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

T = TypeVar("T")


def _access(
    session: Session, team: Team, username: str, permission: Permission = CHANGE_WRITE
) -> ProjectAccess:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    return project_access(session, principal_of(user), team.project, permission)


def _held(app: FastAPI, first: Callable[[Session], object], second: Callable[[], T]) -> T:
    """`tests.races.held_race`, keeping only what `second` returned."""
    return held_race(app.state.session_factory, first, second)[1]


def _race(
    app: FastAPI,
    live_server: str,
    first: Callable[[Session], object],
    second: tuple[Account, str, dict[str, Any] | None],
) -> httpx.Response:
    """`_held` with an HTTP request (who, path, body) as the second; returns its answer."""
    who, path, body = second
    return _held(
        app,
        first,
        lambda: httpx.post(live_server + path, json=body, headers=who.headers, timeout=60),
    )


def test_two_approvals_at_once_decide_once(
    team: Team, accounts: Accounts, app: FastAPI, live_server: str
) -> None:
    sue = accounts.create("sue")
    added = team.client.put(
        team.url("/members"),
        json={"username": "sue", "role": "stakeholder"},
        headers=team.owner.headers,
    )
    assert added.status_code == 200, added.text
    opened = team.post(team.owner, "/changes", {"title": "t", "options": ["accept"]})
    change_id = opened.json()["id"]
    proposal = {"option": "accept", "rationale": "fine"}
    assert team.post(team.owner, f"/changes/{change_id}/decision", proposal).status_code == 200

    def sam_approves(session: Session) -> object:
        return service.approve(session, _access(session, team, "sam"), change_id, "")

    body = ChangeApprovalCreate().model_dump()
    answer = _race(
        app, live_server, sam_approves, (sue, team.url(f"/changes/{change_id}/approve"), body)
    )
    assert answer.status_code == 409, answer.text
    assert "already decided" in answer.json()["error"]["message"]
    change = team.get(team.viewer, f"/changes/{change_id}").json()
    assert change["approvers"] == ["olivia", "sam"]
    assert team.get(team.viewer, "/plan-notes").json()["total"] == 1
    assert len(events_of(team, "change.decided")) == 1


def test_two_requests_from_one_alert_at_once_make_one(
    team: Team, monitoring: Monitoring, app: FastAPI, live_server: str
) -> None:
    deployment = team.release(team.version())["deployment_id"]
    drift_rule(team)
    [alert] = monitoring.raise_alerts(
        monitoring.window(team.project, deployment, DRIFTED_EVALUATION)
    )
    opened: list[int] = []

    def owner_opens(session: Session) -> object:
        change = service.open_change(
            session, _access(session, team, "olivia"), ChangeCreate(alert_id=alert)
        )
        opened.append(change.id)
        return change

    answer = _race(
        app, live_server, owner_opens, (team.engineer, team.url("/changes"), {"alert_id": alert})
    )
    assert answer.status_code == 409, answer.text
    assert f"change request {opened[0]} (open)" in answer.json()["error"]["message"]
    assert team.get(team.viewer, "/changes", alert_id=alert).json()["total"] == 1


def _drift_window(team: Team, monitoring: Monitoring) -> int:
    deployment = team.release(team.version())["deployment_id"]
    drift_rule(team)
    return monitoring.window(team.project, deployment, DRIFTED_EVALUATION)


def test_two_evaluators_finding_one_problem_open_one_alert(
    team: Team, monitoring: Monitoring, app: FastAPI
) -> None:
    window_id = _drift_window(team, monitoring)

    def evaluator_raises(session: Session) -> object:
        return raise_stored(session, window_id)

    [second] = _held(app, evaluator_raises, lambda: monitoring.raise_alerts(window_id))
    [alert] = team.get(team.viewer, "/alerts").json()["items"]
    assert (alert["id"], alert["occurrences"]) == (second, 2)
    assert len(events_of(team, "alert.opened")) == 1


def test_a_recurrence_found_while_the_alert_is_resolved_opens_a_new_alert(
    team: Team, monitoring: Monitoring, app: FastAPI
) -> None:
    window_id = _drift_window(team, monitoring)
    [alert] = monitoring.raise_alerts(window_id)

    def owner_resolves(session: Session) -> object:
        access = _access(session, team, "olivia", ALERTS_MANAGE)
        return alerts.resolve(session, access, alert, "fixed")

    [recurrence] = _held(app, owner_resolves, lambda: monitoring.raise_alerts(window_id))
    assert recurrence != alert
    resolved = team.get(team.viewer, f"/alerts/{alert}").json()
    assert (resolved["status"], resolved["occurrences"]) == ("resolved", 1)
    reopened = team.get(team.viewer, f"/alerts/{recurrence}").json()
    assert (reopened["status"], reopened["occurrences"]) == ("open", 1)
    assert len(events_of(team, "alert.opened")) == 2
