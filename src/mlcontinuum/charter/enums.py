"""The vocabularies of a project: lifecycle stage, CRISP-DM phase, KPI kinds and directions."""

from __future__ import annotations

from enum import StrEnum


class KpiKind(StrEnum):
    BUSINESS = "business"
    ANALYTIC = "analytic"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class KpiJudgement(StrEnum):
    """Where a KPI's value stands against its charter: at or past the target, short of the target
    but within the alert threshold (a value exactly at the threshold is within it), or past it."""

    MEETS_TARGET = "meets_target"
    BETWEEN_THRESHOLD_AND_TARGET = "between_threshold_and_target"
    PAST_THRESHOLD = "past_threshold"


class Frequency(StrEnum):
    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    PER_RELEASE = "per_release"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()
