"""The limits every ingest write is held to, with the sentence that says how to comply."""

from __future__ import annotations

from datetime import datetime, timedelta

from mlcontinuum.kernel.errors import FieldProblem, PayloadTooLarge, ValidationFailed
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.kernel.storage.base import utcnow


def check_rows(count: int, what: str, field: str, settings: Settings) -> None:
    """At most `monitor_max_batch_rows` rows (predictions, labels) per request: 413."""
    limit = settings.monitor_max_batch_rows
    if count > limit:
        raise PayloadTooLarge(
            f"the {what} has {count} rows; the limit is {limit} per request "
            "(monitor_max_batch_rows): split it into smaller ones",
            [FieldProblem(field, "too_many_rows", f"at most {limit}")],
        )


def check_time(at: datetime, settings: Settings, field: str) -> None:
    """Not older than `monitor_max_age_days`, not later than now plus the clock skew: 422."""
    now = utcnow()
    earliest = now - timedelta(days=settings.monitor_max_age_days)
    latest = now + timedelta(seconds=settings.monitor_max_clock_skew_seconds)
    if not earliest <= at <= latest:
        when = "in the future" if at > latest else "too old"
        raise ValidationFailed(
            f"{field} {at.isoformat()} is {when}: the server accepts times from "
            f"{_iso(earliest)} to {_iso(latest)} (at most {settings.monitor_max_age_days} days "
            f"old, at most {settings.monitor_max_clock_skew_seconds} s ahead of the server's "
            "clock)",
            [FieldProblem(field, "out_of_range", f"between {_iso(earliest)} and {_iso(latest)}")],
        )


def _iso(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat().replace("+00:00", "Z")
