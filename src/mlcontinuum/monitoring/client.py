"""The monitoring part of the SDK: KPI values, and a deployment's traffic sent from where the
data is:

    monitor = client.monitor("telco-churn", deployment_id=7)
    monitor.log_batch(features, scores, ids=request_ids, at=served_at)
    ...                                   # weeks later, when the truth is known
    monitor.log_labels(request_ids, churned)

`log_batch` profiles the features in this process and sends the profile with the prediction ids
and values: raw features never leave the machine. Every call sends an idempotency key (a new
UUID unless you pass one) and retries connection failures and 429/503 answers with the same
key, honouring Retry-After, so a batch whose answer was lost is never counted twice.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mlcontinuum.charter.schemas import KpiPublic
from mlcontinuum.remote.base import ApiBase, seg

if TYPE_CHECKING:
    # Imported when first used (they load the table definitions): `import mlcontinuum.sdk`
    # stays light.
    from mlcontinuum.monitoring.schemas import (
        BatchAccepted,
        BatchPage,
        KpiValueAccepted,
        KpiValuePage,
        LabelsAccepted,
    )

DEFAULT_MAX_ROWS = 100_000  # the server's default `monitor_max_batch_rows`


class MonitoringClient(ApiBase):
    def monitor(
        self, slug: str, deployment_id: int, *, max_rows: int = DEFAULT_MAX_ROWS
    ) -> Monitor:
        """A deployment's production traffic: `log_batch(features, predictions, ids=..., at=...)`
        and `log_labels(ids, labels)`. See `Monitor`."""
        return Monitor(self, slug, deployment_id, max_rows=max_rows)

    def report_kpi(
        self,
        slug: str,
        kpi: int | str,
        value: float,
        at: datetime | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> KpiValueAccepted:
        """Record a measured value of a charter KPI (its id, or its name) at `at`, an aware
        datetime (default: now). Retried like every monitoring write; `.replayed` is True when
        the server already had it."""
        from mlcontinuum.monitoring.schemas import KpiValueAccepted

        body = {
            "at": aware(at).isoformat(),
            "value": finite_values([value], "value")[0],
        }
        path = f"/projects/{seg(slug)}/kpis/{self._kpi_id(slug, kpi)}/values"
        return self._write(KpiValueAccepted, path, body, idempotency_key)

    def kpi_value_page(
        self, slug: str, kpi: int | str, page: int = 1, *, per_page: int = 50
    ) -> KpiValuePage:
        """One page of a KPI's reported values, newest first."""
        from mlcontinuum.monitoring.schemas import KpiValuePage

        path = f"/projects/{seg(slug)}/kpis/{self._kpi_id(slug, kpi)}/values"
        return self._get(KpiValuePage, path, params={"page": page, "per_page": per_page})

    def _kpi_id(self, slug: str, kpi: int | str) -> int:
        if isinstance(kpi, int):
            return kpi
        # The charter's KPI list, read here so this part needs no other slice's client.
        for found in self._get_list(KpiPublic, f"/projects/{seg(slug)}/kpis"):
            if found.name == kpi:
                return found.id
        raise ValueError(f"project '{slug}' has no KPI named {kpi!r}")


class Monitor:
    """One deployment's production traffic; get it from `MonitoringClient.monitor`."""

    def __init__(
        self,
        client: ApiBase,
        project: str,
        deployment_id: int,
        *,
        max_rows: int = DEFAULT_MAX_ROWS,
    ) -> None:
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        self.client = client
        self.project = project
        self.deployment_id = deployment_id
        self.max_rows = max_rows

    @property
    def _path(self) -> str:
        return f"/projects/{seg(self.project)}/deployments/{self.deployment_id}"

    def log_batch(
        self,
        features: Any,
        predictions: Iterable[float],
        *,
        ids: Iterable[str | int],
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> BatchAccepted:
        """Profile `features` here and log the batch with its prediction ids and values.

        `features`: a pandas or polars DataFrame, a pyarrow Table, or anything else
        `mlcontinuum.profiles.build_profile` reads; one row per prediction. `ids`: one unique
        id per row (strings; integers are sent as their decimal text); labels join by them
        later. `at`: when the predictions were made, an aware datetime (default: now). At most
        `max_rows` rows per call: split larger frames. `.replayed` on the answer is True when
        the server already had this batch (an earlier attempt's answer was lost).
        """
        from mlcontinuum.monitoring.schemas import BatchAccepted
        from mlcontinuum.profiles import build_profile, dumps

        id_list = prediction_ids(ids)
        values = finite_values(predictions, "predictions")
        when = aware(at)
        if len(id_list) > self.max_rows:
            raise ValueError(
                f"the batch has {len(id_list)} rows, more than max_rows={self.max_rows}; split "
                "it into smaller batches (the server refuses more than its "
                "monitor_max_batch_rows)"
            )
        profile = build_profile(features, window=(when, when))
        if not profile.row_count == len(id_list) == len(values):
            raise ValueError(
                f"features have {profile.row_count} rows, ids {len(id_list)} and predictions "
                f"{len(values)}: give one id and one prediction per row"
            )
        body = {
            "at": when.isoformat(),
            "rows": profile.row_count,
            "profile": base64.b64encode(dumps(profile)).decode("ascii"),
            "prediction_ids": id_list,
            "predictions": values,
        }
        return self.client._write(BatchAccepted, self._path + "/batches", body, idempotency_key)

    def log_labels(
        self,
        ids: Iterable[str | int],
        labels: Iterable[float],
        *,
        idempotency_key: str | None = None,
    ) -> LabelsAccepted:
        """Send the ground truth of logged predictions (0/1 for a class, the true value for a
        regression). Every id must have been logged, or the server refuses all of them."""
        from mlcontinuum.monitoring.schemas import LabelsAccepted

        id_list = prediction_ids(ids)
        values = finite_values(labels, "labels")
        if len(id_list) != len(values):
            raise ValueError(f"{len(id_list)} ids but {len(values)} labels: give one per id")
        if len(id_list) > self.max_rows:
            raise ValueError(
                f"{len(id_list)} labels, more than max_rows={self.max_rows}: send them in parts"
            )
        body = {
            "labels": [
                {"id": prediction_id, "label": value}
                for prediction_id, value in zip(id_list, values, strict=True)
            ]
        }
        return self.client._write(LabelsAccepted, self._path + "/labels", body, idempotency_key)

    def batch_page(self, page: int = 1, *, per_page: int = 50) -> BatchPage:
        """One page of the deployment's batches, newest first."""
        from mlcontinuum.monitoring.schemas import BatchPage

        params = {"page": page, "per_page": per_page}
        return self.client._get(BatchPage, self._path + "/batches", params=params)


def prediction_ids(ids: Iterable[str | int]) -> list[str]:
    """Ids as the server takes them: strings, integers as their decimal text."""
    found: list[str] = []
    for position, value in enumerate(ids):
        if isinstance(value, str):
            found.append(value)
        elif _is_integer(value):
            found.append(str(int(value)))
        else:
            raise ValueError(
                f"prediction id at position {position} is {value!r}; ids are strings or integers"
            )
    return found


def finite_values(values: Iterable[Any], name: str) -> list[float]:
    found: list[float] = []
    for position, value in enumerate(values):
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            number = math.nan
        if isinstance(value, bool | str | bytes) or not math.isfinite(number):
            raise ValueError(f"{name}[{position}] is {value!r}; every value must be finite")
        found.append(number)
    return found


def _is_integer(value: object) -> bool:
    import numpy as np

    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def aware(at: datetime | None) -> datetime:
    """`at`, which must have a time zone, or now."""
    if at is None:
        return datetime.now(UTC)
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(
            f"at={at.isoformat()} has no time zone; pass an aware datetime, e.g. datetime.now(UTC)"
        )
    return at
