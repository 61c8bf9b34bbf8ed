"""The releases part of the SDK: the release policy of each environment (read, change, check a
version against it), release requests and their decisions, owners' overrides, deployments,
rollbacks, and the DORA figures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlcontinuum.releases.enums import Environment, ReleaseStatus
from mlcontinuum.releases.schemas import (
    DeploymentPage,
    DeploymentPublic,
    DoraFigures,
    PolicyCheck,
    ReleaseCreate,
    ReleasePage,
    ReleasePolicyPublic,
    ReleasePolicyUpdate,
    ReleasePublic,
)
from mlcontinuum.remote.base import ApiBase, seg


class ReleasesClient(ApiBase):
    def release_policies(self, slug: str) -> list[ReleasePolicyPublic]:
        """The release policy of each environment."""
        return self._get_list(ReleasePolicyPublic, f"/projects/{seg(slug)}/release-policies")

    def release_policy(self, slug: str, environment: Environment | str) -> ReleasePolicyPublic:
        path = f"/projects/{seg(slug)}/release-policies/{seg(str(environment))}"
        return self._get(ReleasePolicyPublic, path)

    def update_release_policy(
        self,
        slug: str,
        environment: Environment | str,
        data: ReleasePolicyUpdate | Mapping[str, Any],
    ) -> ReleasePolicyPublic:
        """Owners: change the fields given; the others keep their value."""
        path = f"/projects/{seg(slug)}/release-policies/{seg(str(environment))}"
        return self._send(ReleasePolicyPublic, "PATCH", path, data)

    def check_release(
        self, slug: str, model_name: str, version: int, environment: Environment | str
    ) -> PolicyCheck:
        """A version against the environment's policy, before requesting its release."""
        path = f"/projects/{seg(slug)}/release-policies/{seg(str(environment))}/check"
        return self._get(PolicyCheck, path, params={"model_name": model_name, "version": version})

    def request_release(self, slug: str, data: ReleaseCreate | Mapping[str, Any]) -> ReleasePublic:
        """Ask to release a version to an environment; refused when it breaks the policy (an
        owner may give `override_reason`); it waits for approvals."""
        return self._send(ReleasePublic, "POST", f"/projects/{seg(slug)}/releases", data)

    def override_release(self, slug: str, release_id: int, reason: str) -> ReleasePublic:
        """Owners: let a pending request that breaks its policy go on, saying why."""
        path = f"/projects/{seg(slug)}/releases/{release_id}/override"
        return self._send(ReleasePublic, "POST", path, {"reason": reason})

    def release_page(
        self,
        slug: str,
        page: int = 1,
        *,
        per_page: int = 50,
        status: ReleaseStatus | str | None = None,
    ) -> ReleasePage:
        params: dict[str, Any] = {"page": page, "per_page": per_page}
        if status is not None:
            params["status"] = str(status)
        return self._get(ReleasePage, f"/projects/{seg(slug)}/releases", params=params)

    def get_release(self, slug: str, release_id: int) -> ReleasePublic:
        """The request with its evidence: latest gate run, model card, data compliance."""
        return self._get(ReleasePublic, f"/projects/{seg(slug)}/releases/{release_id}")

    def approve_release(self, slug: str, release_id: int, comment: str = "") -> ReleasePublic:
        """The approval that meets the policy deploys the release."""
        path = f"/projects/{seg(slug)}/releases/{release_id}/approve"
        return self._send(ReleasePublic, "POST", path, {"comment": comment})

    def reject_release(self, slug: str, release_id: int, reason: str) -> ReleasePublic:
        path = f"/projects/{seg(slug)}/releases/{release_id}/reject"
        return self._send(ReleasePublic, "POST", path, {"reason": reason})

    def deployment_page(
        self,
        slug: str,
        page: int = 1,
        *,
        per_page: int = 50,
        environment: Environment | str | None = None,
    ) -> DeploymentPage:
        params: dict[str, Any] = {"page": page, "per_page": per_page}
        if environment is not None:
            params["environment"] = str(environment)
        return self._get(DeploymentPage, f"/projects/{seg(slug)}/deployments", params=params)

    def rollback(self, slug: str, deployment_id: int, reason: str) -> DeploymentPublic:
        """Put the previous version back; the rolled-back deployment counts as failed."""
        path = f"/projects/{seg(slug)}/deployments/{deployment_id}/rollback"
        return self._send(DeploymentPublic, "POST", path, {"reason": reason})

    def dora(
        self, slug: str, *, days: int = 90, environment: Environment | str = "production"
    ) -> DoraFigures:
        params = {"days": days, "environment": str(environment)}
        return self._get(DoraFigures, f"/projects/{seg(slug)}/dora", params=params)
