"""The lifecycle vocabulary every slice shares: a project's stage and its CRISP-DM phase."""

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
