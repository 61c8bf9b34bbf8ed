"""The charter part of the SDK: projects and their members, the charter and its versions, KPIs
and stakeholders."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlcontinuum.charter.schemas import (
    CharterDiff,
    CharterPublic,
    CharterUpdate,
    CharterVersionPublic,
    KpiCreate,
    KpiPublic,
    KpiUpdate,
    ProjectCreate,
    ProjectPage,
    ProjectPublic,
    ProjectUpdate,
    StakeholderCreate,
    StakeholderPublic,
    StakeholderUpdate,
    VersionSnapshot,
)
from mlcontinuum.kernel.auth.permissions import Role
from mlcontinuum.kernel.auth.schemas import MemberPublic
from mlcontinuum.remote.base import ApiBase, seg
from mlcontinuum.remote.paging import every_item

YAML_TYPE = "application/yaml"


class CharterClient(ApiBase):
    # --- projects and members ----------------------------------------------------------------

    def list_projects(self) -> list[ProjectPublic]:
        """Every project you may see, by name; fetches all pages (see `project_page` for one)."""
        return every_item(lambda page, per_page: self.project_page(page, per_page=per_page))

    def project_page(self, page: int = 1, *, per_page: int = 50) -> ProjectPage:
        """One page of the projects you may see, with the total count."""
        return self._get(ProjectPage, "/projects", params={"page": page, "per_page": per_page})

    def get_project(self, slug: str) -> ProjectPublic:
        return self._get(ProjectPublic, f"/projects/{seg(slug)}")

    def create_project(self, data: ProjectCreate | Mapping[str, Any]) -> ProjectPublic:
        """Create a project; you become its owner."""
        return self._send(ProjectPublic, "POST", "/projects", data)

    def update_project(self, slug: str, data: ProjectUpdate | Mapping[str, Any]) -> ProjectPublic:
        return self._send(ProjectPublic, "PATCH", f"/projects/{seg(slug)}", data)

    def list_members(self, slug: str) -> list[MemberPublic]:
        return self._get_list(MemberPublic, f"/projects/{seg(slug)}/members")

    def set_member(self, slug: str, username: str, role: Role | str) -> MemberPublic:
        """Give an existing account a role in the project, or change its role."""
        data = {"username": username, "role": role}
        return self._send(MemberPublic, "PUT", f"/projects/{seg(slug)}/members", data)

    def remove_member(self, slug: str, username: str) -> None:
        self._request("DELETE", f"/projects/{seg(slug)}/members/{seg(username)}")

    # --- the charter and its versions -------------------------------------------------------

    def get_charter(self, slug: str) -> CharterPublic:
        return self._get(CharterPublic, f"/projects/{seg(slug)}/charter")

    def update_charter(self, slug: str, data: CharterUpdate | Mapping[str, Any]) -> CharterPublic:
        """Change some of the charter's text; a new version is recorded if anything changed."""
        return self._send(CharterPublic, "PATCH", f"/projects/{seg(slug)}/charter", data)

    def list_charter_versions(self, slug: str) -> list[CharterVersionPublic]:
        """The charter's versions, newest first."""
        return self._get_list(CharterVersionPublic, f"/projects/{seg(slug)}/charter/versions")

    def get_charter_version(self, slug: str, version: int) -> VersionSnapshot:
        return self._get(VersionSnapshot, f"/projects/{seg(slug)}/charter/versions/{version}")

    def diff_charter(self, slug: str, from_version: int, to_version: int) -> CharterDiff:
        return self._get(
            CharterDiff,
            f"/projects/{seg(slug)}/charter/diff",
            params={"from": from_version, "to": to_version},
        )

    def export_charter_yaml(self, slug: str) -> str:
        """The charter file (YAML) exactly as the server writes it."""
        return self._request("GET", f"/projects/{seg(slug)}/charter.yaml").text

    def import_charter_yaml(self, slug: str, source: str | Path) -> CharterPublic:
        """Make the charter equal to a charter file: `source` is YAML text, or a `Path` to one.

        KPIs and stakeholders missing from the file are removed. The answer's `version` is
        unchanged when the file matched the charter already.
        """
        content = source.read_bytes() if isinstance(source, Path) else source.encode()
        response = self._request(
            "PUT",
            f"/projects/{seg(slug)}/charter.yaml",
            content=content,
            headers={"Content-Type": YAML_TYPE},
        )
        return CharterPublic.model_validate(response.json())

    # --- KPIs and stakeholders ---------------------------------------------------------------

    def list_kpis(self, slug: str) -> list[KpiPublic]:
        return self._get_list(KpiPublic, f"/projects/{seg(slug)}/kpis")

    def add_kpi(self, slug: str, data: KpiCreate | Mapping[str, Any]) -> KpiPublic:
        return self._send(KpiPublic, "POST", f"/projects/{seg(slug)}/kpis", data)

    def update_kpi(self, slug: str, kpi_id: int, data: KpiUpdate | Mapping[str, Any]) -> KpiPublic:
        return self._send(KpiPublic, "PATCH", f"/projects/{seg(slug)}/kpis/{kpi_id}", data)

    def delete_kpi(self, slug: str, kpi_id: int) -> None:
        self._request("DELETE", f"/projects/{seg(slug)}/kpis/{kpi_id}")

    def list_stakeholders(self, slug: str) -> list[StakeholderPublic]:
        return self._get_list(StakeholderPublic, f"/projects/{seg(slug)}/stakeholders")

    def add_stakeholder(
        self, slug: str, data: StakeholderCreate | Mapping[str, Any]
    ) -> StakeholderPublic:
        """List a stakeholder; naming an account (`username`) also invites it to the project."""
        return self._send(StakeholderPublic, "POST", f"/projects/{seg(slug)}/stakeholders", data)

    def update_stakeholder(
        self, slug: str, stakeholder_id: int, data: StakeholderUpdate | Mapping[str, Any]
    ) -> StakeholderPublic:
        path = f"/projects/{seg(slug)}/stakeholders/{stakeholder_id}"
        return self._send(StakeholderPublic, "PATCH", path, data)

    def remove_stakeholder(self, slug: str, stakeholder_id: int) -> None:
        self._request("DELETE", f"/projects/{seg(slug)}/stakeholders/{stakeholder_id}")
