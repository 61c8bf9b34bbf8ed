"""The profile data model: what one batch of data looks like, in bounded size."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from mlcontinuum.profiles.categories import CategoryCounts
from mlcontinuum.profiles.hll import Hll
from mlcontinuum.profiles.moments import Moments
from mlcontinuum.profiles.quantiles import Quantiles


class ColumnKind(StrEnum):
    """How a column is summarised; the value is the stable name stored in profiles."""

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    # No typed value was ever seen (e.g. an all-null column of Arrow type `null`).
    EMPTY = "empty"
    # Not profiled; `ColumnProfile.reason` says why (nested, complex, mixed types...).
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class ProfileOptions:
    """Sketch parameters; profiles merge only when their options are equal.

    `kll_k` = 1024 was chosen by measured error against exact values (see docs/profiles.md).
    `value_limit`: numeric columns are counted exactly (value → count) while they have at most
    this many distinct finite values, and sketched past it. `level_limit`: categorical columns
    are counted exactly up to this many labels, and summarised past it.
    """

    kll_k: int = 1024
    level_limit: int = 10_000
    chunk_rows: int = 1_000_000
    max_columns: int = 100_000
    value_limit: int = 2_048

    def __post_init__(self) -> None:
        if not 8 <= self.kll_k <= 65_535:
            raise ValueError("kll_k must be between 8 and 65535")
        if not 1 <= self.value_limit <= 1_000_000 or not 1 <= self.level_limit <= 1_000_000:
            raise ValueError("value_limit and level_limit must be between 1 and 1,000,000")
        if self.chunk_rows < 1 or self.max_columns < 1:
            raise ValueError("chunk_rows and max_columns must be positive")


@dataclass(frozen=True, eq=False)
class ColumnProfile:
    """Summary of one column. Counts are exact; `quantiles` (past the value limit), `distinct`
    and (past the level limit) `categories` are summaries with the error bounds stated in
    docs/profiles.md."""

    name: str
    kind: ColumnKind
    dtype: str
    count: int
    nulls: int = 0
    nan: int = 0
    pos_inf: int = 0
    neg_inf: int = 0
    moments: Moments | None = None
    quantiles: Quantiles | None = None
    categories: CategoryCounts | None = None
    distinct: Hll | None = None
    reason: str | None = None

    @property
    def missing(self) -> int:
        """Nulls plus NaNs: values that carry no information."""
        return self.nulls + self.nan

    @property
    def missing_rate(self) -> float:
        return self.missing / self.count if self.count else 0.0

    @property
    def valid(self) -> int:
        """Finite (numeric, datetime) or non-null (categorical, boolean) values."""
        return self.count - self.nulls - self.nan - self.pos_inf - self.neg_inf

    @property
    def distinct_count(self) -> float:
        """Exact while the counts are exact; past the limits an estimate (k minimum values for
        labels, HyperLogLog for numbers)."""
        if self.categories is not None:
            estimate = self.categories.distinct_estimate()
            if estimate == estimate or self.distinct is None:  # not NaN
                return estimate
        if self.quantiles is not None and self.quantiles.exact:
            return float(self.quantiles.values.size)
        if self.distinct is not None:
            return self.distinct.estimate()
        return 0.0


@dataclass(frozen=True, eq=False)
class Profile:
    """A mergeable summary of a batch of rows: one `ColumnProfile` per column, in input order."""

    columns: dict[str, ColumnProfile]
    row_count: int
    options: ProfileOptions = field(default_factory=ProfileOptions)
    window_start: datetime | None = None
    window_end: datetime | None = None

    @property
    def schema_fingerprint(self) -> str:
        """Hash of column names and kinds: equal fingerprints mean equal schemas. Column order
        is left out so that merges, which may reorder columns, keep the fingerprint."""
        digest = hashlib.sha256()
        for column in sorted(self.columns.values(), key=lambda c: c.name):
            digest.update(f"{column.name}\x1f{column.kind.value}\x1e".encode())
        return digest.hexdigest()[:16]

    @property
    def unsupported(self) -> dict[str, str]:
        """Columns that were not profiled, with the reason."""
        return {
            c.name: c.reason or "unsupported"
            for c in self.columns.values()
            if c.kind is ColumnKind.UNSUPPORTED
        }
