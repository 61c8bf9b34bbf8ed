"""API shapes of gate runs: what `continuum check` uploads and what the server answers."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, field_validator

from mlcontinuum.gates.enums import GateStatus, overall
from mlcontinuum.kernel.strict import Strict

GateName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=100)]
Finite = Annotated[float, Field(allow_inf_nan=False)]


def finite_json(value: Any) -> Any:
    """The value with every NaN or ±inf number replaced by None: JSON columns (PostgreSQL)
    refuse them, and a missing number is what they mean here."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(v) for v in value]
    return value


class GateResultData(Strict):
    """One gate's result."""

    gate: GateName
    type_key: str = Field(max_length=150, description="Stable key: continuum:gate:<gate>.")
    status: GateStatus
    required: bool = True
    message: str = Field(default="", max_length=10_000)
    measured: dict[str, Finite | None] = Field(default_factory=dict, max_length=500)
    thresholds: dict[str, Finite] = Field(default_factory=dict, max_length=500)
    details: dict[str, Any] = Field(default_factory=dict)
    duration_seconds: Finite = Field(default=0.0, ge=0)

    @field_validator("details", mode="after")
    @classmethod
    def _finite(cls, value: dict[str, Any]) -> dict[str, Any]:
        cleaned: dict[str, Any] = finite_json(value)
        return cleaned


def run_status(results: list[GateResultData]) -> GateStatus:
    """Passed only when every required gate passed (an empty run has proven nothing)."""
    required = [r.status for r in results if r.required]
    return overall(required) if required else GateStatus.NOT_RUN


class GateRunCreate(Strict):
    results: list[GateResultData] = Field(min_length=1, max_length=50)
    commit: str | None = Field(
        default=None, max_length=64, description="Commit checked, e.g. from CI's environment."
    )


class GateRunPublic(BaseModel):
    id: int
    model_name: str
    version: int
    status: GateStatus = Field(description="Passed only when every required gate passed.")
    commit: str | None
    created_by: str
    created_at: datetime
    results: list[GateResultData]
