"""Vocabularies of the monitoring slice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum


class Granularity(StrEnum):
    """Length of an evaluation window; windows start on the UTC hour or day."""

    HOUR = "hour"
    DAY = "day"

    @property
    def length(self) -> timedelta:
        return timedelta(hours=1) if self is Granularity.HOUR else timedelta(days=1)

    def start_of(self, at: datetime) -> datetime:
        """The start of the UTC window holding `at`, an aware datetime in any zone (a batch at
        10:15+05:30 falls in the hour from 04:00 UTC, not in one starting at 04:30 UTC)."""
        hour = at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        return hour if self is Granularity.HOUR else hour.replace(hour=0)


class WindowScope(StrEnum):
    """What a window evaluates: one deployment's traffic, or the project's business KPIs."""

    DEPLOYMENT = "deployment"
    PROJECT = "project"
