"""Vocabularies of the releases slice."""

from __future__ import annotations

from enum import StrEnum


class Environment(StrEnum):
    STAGING = "staging"
    PRODUCTION = "production"


class Strategy(StrEnum):
    FULL = "full"
    SHADOW = "shadow"  # receives a copy of the traffic; its answers are not served
    CANARY = "canary"  # serves a share of the traffic (`traffic_share`)


class ReleaseStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Side(StrEnum):
    """Whose approval an approver gives: the ML team's or the customer's."""

    ML_TEAM = "ml_team"
    CUSTOMER = "customer"


class Condition(StrEnum):
    """What a release policy checks. Each is also the field a refusal names."""

    GATES = "gates"
    ARTIFACT = "artifact"
    DATA_SOURCES = "data_sources"
    APPROVALS = "approvals"

    @property
    def blocking(self) -> bool:
        """Conditions that must hold before anyone may approve; approvals count only then."""
        return self is not Condition.APPROVALS
