"""The vocabularies of a project: lifecycle stage, CRISP-DM phase, KPI kinds and directions."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """Lifecycle stages, from project management of ML work."""

    SCOPE = "scope"
    UNDERSTAND = "understand"
    BUILD = "build"
    DEPLOY = "deploy"
    MANAGE_AND_TRUST = "manage_and_trust"

    @property
    def label(self) -> str:
        return "Manage & Trust" if self is Stage.MANAGE_AND_TRUST else self.value.capitalize()


class CrispDmPhase(StrEnum):
    BUSINESS_UNDERSTANDING = "business_understanding"
    DATA_UNDERSTANDING = "data_understanding"
    DATA_PREPARATION = "data_preparation"
    MODELING = "modeling"
    EVALUATION = "evaluation"
    DEPLOYMENT = "deployment"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


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
