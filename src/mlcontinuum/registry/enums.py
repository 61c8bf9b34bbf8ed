"""Vocabularies of the registry slice."""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    KILLED = "killed"

    @property
    def finished(self) -> bool:
        return self is not RunStatus.RUNNING


class NonFinite(StrEnum):
    """How a metric value that is not a finite number is kept (SQLite cannot store NaN)."""

    NAN = "nan"
    POS_INF = "inf"
    NEG_INF = "-inf"
