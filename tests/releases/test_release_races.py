"""Two approvals of one release arriving together (PostgreSQL): the second waits for the first
and sees it, so the policy is met and the version is deployed — not left pending with both
approvals recorded."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.kernel.auth.access import project_access
from mlcontinuum.kernel.auth.models import User
from mlcontinuum.kernel.auth.service import principal_of
from mlcontinuum.releases import service
from mlcontinuum.releases.permissions import RELEASE_APPROVE
from tests.races import held_race
from tests.teams import Team

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


def test_simultaneous_approvals_by_both_sides_deploy(
    team: Team, app: FastAPI, live_server: str
) -> None:
    requested = team.request(team.version())
    assert requested.status_code == 201, requested.text
    release_id = requested.json()["id"]

    def engineer_approves(session: Session) -> object:
        user = session.scalars(select(User).where(User.username == team.engineer.username)).one()
        access = project_access(
            session, principal_of(user), team.project, RELEASE_APPROVE
        )
        return service.approve(session, access, release_id, "")

    _, customer = held_race(
        app.state.session_factory,
        engineer_approves,
        lambda: httpx.post(
            live_server + team.url(f"/releases/{release_id}/approve"),
            headers=team.customer.headers,
            timeout=60,
        ),
    )
    assert customer.status_code == 200, customer.text
    assert customer.json()["status"] == "approved"
    assert customer.json()["deployment_id"] is not None
    assert team.status(1) == "in_production"
