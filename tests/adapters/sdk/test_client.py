"""Every SDK method against a live server: typed answers, and the server's own words on errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mlcontinuum.charter.enums import Direction, Frequency, KpiKind
from mlcontinuum.charter.schemas import (
    CharterPublic,
    KpiCreate,
    KpiUpdate,
    ProjectCreate,
    ProjectPublic,
    ProjectUpdate,
    StakeholderUpdate,
)
from mlcontinuum.kernel.auth.permissions import Role
from mlcontinuum.kernel.auth.schemas import MemberPublic, TokenCreated, UserPublic
from mlcontinuum.kernel.lifecycle import Stage
from mlcontinuum.remote import paging
from mlcontinuum.sdk import AuthenticationError, Client
from tests.conftest import Accounts

KPI = KpiCreate(
    name="Recall in the top 10%",
    kind=KpiKind.ANALYTIC,
    direction=Direction.HIGHER_IS_BETTER,
    baseline=0.23,
    target=0.30,
    alert_threshold=0.26,
    frequency=Frequency.MONTHLY,
)


def test_me_and_tokens(sdk: Client, live_server: str, project: str) -> None:
    me = sdk.me()
    assert isinstance(me, UserPublic)
    assert me.username == "olivia"

    created = sdk.create_token("ci", project=project, role_ceiling=Role.VIEWER, expires_in_days=7)
    assert isinstance(created, TokenCreated)
    assert created.token.startswith("cnt_")
    assert created.project == project
    assert created.role_ceiling is Role.VIEWER
    assert created.expires_at is not None
    assert created.id in [t.id for t in sdk.list_tokens()]

    with Client(live_server, created.token) as scoped:
        assert scoped.get_project(project).slug == project
    revoked = sdk.revoke_token(created.id)
    assert revoked.revoked_at is not None
    with Client(live_server, created.token) as scoped, pytest.raises(AuthenticationError) as caught:
        scoped.me()
    assert caught.value.status == 401
    assert caught.value.message == "the API token is unknown, expired or revoked"


def test_projects(sdk: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    made = sdk.create_project(ProjectCreate(slug="alpha", name="Alpha", customer="A Corp"))
    assert isinstance(made, ProjectPublic)
    assert made.your_role is Role.OWNER
    sdk.create_project({"slug": "beta", "name": "Beta"})
    sdk.create_project({"slug": "gamma", "name": "Gamma", "stage": "build"})

    updated = sdk.update_project("alpha", ProjectUpdate(stage=Stage.BUILD))
    assert updated.stage is Stage.BUILD
    assert updated.customer == "A Corp"
    assert sdk.get_project("alpha").stage is Stage.BUILD

    page = sdk.project_page(2, per_page=2)
    assert page.total == 3
    assert [p.slug for p in page.items] == ["gamma"]
    # Fetching everything walks every page, whatever the page size.
    monkeypatch.setattr(paging, "MAX_PER_PAGE", 2)
    assert [p.slug for p in sdk.list_projects()] == ["alpha", "beta", "gamma"]


def test_charter_versions_and_diff(sdk: Client, project: str) -> None:
    charter = sdk.update_charter(project, {"problem_statement": "Too many leave.\nCalls are few."})
    assert isinstance(charter, CharterPublic)
    assert charter.version == 2
    assert sdk.get_charter(project).problem_statement == "Too many leave.\nCalls are few."
    assert [v.version for v in sdk.list_charter_versions(project)] == [2, 1]
    assert sdk.get_charter_version(project, 1).charter.problem_statement == ""
    diff = sdk.diff_charter(project, 1, 2)
    assert [c.path for c in diff.changes] == ["charter.problem_statement"]
    assert diff.changes[0].after == "Too many leave.\nCalls are few."


def test_kpis(sdk: Client, project: str) -> None:
    kpi = sdk.add_kpi(project, KPI)
    assert kpi.expected_lift == pytest.approx(0.07)
    changed = sdk.update_kpi(project, kpi.id, KpiUpdate(target=0.32))
    assert changed.target == 0.32
    assert changed.baseline == 0.23
    assert [k.name for k in sdk.list_kpis(project)] == [KPI.name]
    sdk.delete_kpi(project, kpi.id)
    assert sdk.list_kpis(project) == []


def test_stakeholders_and_members(sdk: Client, accounts: Accounts, project: str) -> None:
    accounts.create("amira")
    # Linking shows a member's account; the owner makes her a member first.
    sdk.set_member(project, "amira", Role.STAKEHOLDER)
    person = sdk.add_stakeholder(
        project,
        {
            "name": "Amira Haddad",
            "organisation": "Northwind",
            "role": "Head of retention",
            "username": "amira",
        },
    )
    assert person.is_user
    assert person.username == "amira"
    assert {m.username: m.role for m in sdk.list_members(project)}["amira"] is Role.STAKEHOLDER

    moved = sdk.update_stakeholder(project, person.id, StakeholderUpdate(contact="a@n.example"))
    assert moved.contact == "a@n.example"
    assert moved.role == "Head of retention"
    assert [s.name for s in sdk.list_stakeholders(project)] == ["Amira Haddad"]

    member = sdk.set_member(project, "amira", Role.VIEWER)
    assert member == MemberPublic(username="amira", full_name="Amira", role=Role.VIEWER)
    sdk.remove_stakeholder(project, person.id)
    assert sdk.list_stakeholders(project) == []
    sdk.remove_member(project, "amira")
    assert [m.username for m in sdk.list_members(project)] == ["olivia"]


def test_charter_yaml_round_trip(sdk: Client, project: str, tmp_path: Path) -> None:
    sdk.add_kpi(project, KPI)
    exported = sdk.export_charter_yaml(project)
    assert exported.startswith("continuum: charter/v1\n")

    edited = exported.replace("risks: ''", "risks: Label delay of a month")
    assert sdk.import_charter_yaml(project, edited).risks == "Label delay of a month"
    path = tmp_path / "charter.yaml"
    path.write_text(sdk.export_charter_yaml(project))
    before = sdk.get_charter(project).version
    assert sdk.import_charter_yaml(project, path).version == before  # same file: no new version
    assert sdk.export_charter_yaml(project) == path.read_text()


def test_events_and_audit(sdk: Client, project: str) -> None:
    sdk.update_charter(project, {"risks": "drift"})
    everything = sdk.list_events(project)
    assert everything.total >= 4
    assert everything.items[0].seq == everything.total
    versions = sdk.list_events(project, types=["charter.version_created"], actor="olivia")
    assert versions.total == 2
    assert {e.type for e in versions.items} == {"charter.version_created"}
    paged = sdk.list_events(project, page=2, per_page=1)
    assert len(paged.items) == 1
    assert paged.page == 2
    future = datetime.now(UTC) + timedelta(days=1)
    assert sdk.list_events(project, since=future).total == 0
    assert sdk.list_events(project, until=future).total == everything.total

    chain = sdk.verify_audit(project)
    assert chain.ok
    assert chain.checked == everything.total
    assert chain.reason is None


def test_the_package_exports_the_sdk_lazily() -> None:
    import mlcontinuum
    from mlcontinuum import sdk

    assert mlcontinuum.Client is sdk.Client
    assert mlcontinuum.NotFoundError is sdk.NotFoundError
