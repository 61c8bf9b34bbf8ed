"""Vocabularies of the gates slice."""

from __future__ import annotations

from enum import StrEnum


class GateStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    # The gate could not be evaluated (no network, no reference profile...): never a pass.
    NOT_RUN = "not_run"
    # The gate itself broke (bad column name, metric not applicable): the input needs fixing.
    ERROR = "error"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


def overall(statuses: list[GateStatus]) -> GateStatus:
    """The worst status: failed, then error, then not run; passed only when all passed."""
    for status in (GateStatus.FAILED, GateStatus.ERROR, GateStatus.NOT_RUN):
        if status in statuses:
            return status
    return GateStatus.PASSED
