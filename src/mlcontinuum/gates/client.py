"""The gates part of the SDK: a version's gate runs, and what a gate runner reads from the server
(the data sources' compliance, the reference profile)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlcontinuum.charter.client import CharterClient
from mlcontinuum.data.schemas import DataSourcePublic
from mlcontinuum.gates.schemas import GateRunCreate, GateRunPublic
from mlcontinuum.registry.client import RegistryClient, versions_path
from mlcontinuum.remote.base import ApiBase


class GatesClient(ApiBase):
    def upload_gate_run(
        self, slug: str, model: str, version: int, data: GateRunCreate | Mapping[str, Any]
    ) -> GateRunPublic:
        """Record the results of `continuum check` (or your own gate runner) for a version."""
        return self._send(
            GateRunPublic, "POST", f"{versions_path(slug, model)}/{version}/gate-runs", data
        )

    def list_gate_runs(self, slug: str, model: str, version: int) -> list[GateRunPublic]:
        """The version's gate runs, newest first."""
        return self._get_list(GateRunPublic, f"{versions_path(slug, model)}/{version}/gate-runs")

    def version_compliance(self, slug: str, model: str, version: int) -> list[DataSourcePublic]:
        """The data sources behind the version, with the register's violations today."""
        path = f"{versions_path(slug, model)}/{version}/compliance"
        return self._get_list(DataSourcePublic, path)

    def get_reference_profile(self, slug: str, model: str, version: int) -> bytes:
        """The version's reference profile, as `mlcontinuum.profiles.loads` reads it."""
        path = f"{versions_path(slug, model)}/{version}/reference-profile"
        return self._request("GET", path).content


class CheckClient(CharterClient, RegistryClient, GatesClient):
    """What `continuum check` calls: the version and the charter's KPIs it is checked against,
    the data behind it, and the upload of the results."""
