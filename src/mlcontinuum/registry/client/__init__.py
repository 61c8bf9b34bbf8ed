"""The registry part of the SDK: runs (in `tracking`) and model versions."""

from __future__ import annotations

from pathlib import Path

from mlcontinuum.registry.client.tracking import RunsClient
from mlcontinuum.registry.schemas import VersionPublic
from mlcontinuum.remote.base import Body, seg


class RegistryClient(RunsClient):
    """Runs, and the model versions registered from them."""

    def create_version(self, slug: str, model: str, data: Body) -> VersionPublic:
        return self._send(VersionPublic, "POST", versions_path(slug, model), data)

    def ensure_version(self, slug: str, model: str, data: Body) -> tuple[VersionPublic, bool]:
        """Register a version that carries an `external_id`, or get the one with that id:
        (version, True if it is new)."""
        return self._send_created(VersionPublic, "POST", versions_path(slug, model), data)

    def get_version(self, slug: str, model: str, version: int) -> VersionPublic:
        return self._get(VersionPublic, f"{versions_path(slug, model)}/{version}")

    def upload_artifact(
        self, slug: str, model: str, version: int, path: str | Path
    ) -> VersionPublic:
        """Upload the model file (streamed); the server stores it by hash and scans it."""
        file = Path(path)
        with file.open("rb") as handle:
            response = self._request(
                "PUT",
                f"{versions_path(slug, model)}/{version}/artifact",
                params={"filename": file.name},
                content=handle,
                headers={"Content-Type": "application/octet-stream"},
            )
        return VersionPublic.model_validate(response.json())

    def upload_reference_profile(
        self, slug: str, model: str, version: int, profile: bytes
    ) -> VersionPublic:
        """`profile` is `mlcontinuum.profiles.dumps(build_profile(training_data))`."""
        response = self._request(
            "PUT",
            f"{versions_path(slug, model)}/{version}/reference-profile",
            content=profile,
            headers={"Content-Type": "application/octet-stream"},
        )
        return VersionPublic.model_validate(response.json())


def versions_path(slug: str, model: str) -> str:
    """The path of a model's versions, under which the gates and trust parts find theirs too."""
    return f"/projects/{seg(slug)}/models/{seg(model)}/versions"
