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

    @property
    def label(self) -> str:
        return self.value.capitalize()


class NonFinite(StrEnum):
    """How a metric value that is not a finite number is kept (SQLite cannot store NaN)."""

    NAN = "nan"
    POS_INF = "inf"
    NEG_INF = "-inf"


class VersionStatus(StrEnum):
    CANDIDATE = "candidate"
    APPROVED = "approved"
    IN_PRODUCTION = "in_production"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ScanVerdict(StrEnum):
    SAFE = "safe"
    UNSAFE = "unsafe"
    NOT_SCANNED = "not_scanned"


# Types skops leaves out of its default trusted set that construct nothing but data; ordinary
# scikit-learn pipelines hold numpy dtypes. The scan and `continuum check` trust them alike.
SKOPS_DATA_TYPES = frozenset({"numpy.dtype"})
