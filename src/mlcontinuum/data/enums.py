"""Vocabularies of the data register, after GDPR Art. 6 and Art. 9."""

from __future__ import annotations

from enum import StrEnum


class LawfulBasis(StrEnum):
    """The six lawful bases for processing personal data (GDPR Art. 6(1))."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTERESTS = "vital_interests"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTERESTS = "legitimate_interests"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class SpecialCategory(StrEnum):
    """Special categories of personal data (GDPR Art. 9(1))."""

    RACIAL_OR_ETHNIC_ORIGIN = "racial_or_ethnic_origin"
    POLITICAL_OPINIONS = "political_opinions"
    RELIGIOUS_OR_PHILOSOPHICAL_BELIEFS = "religious_or_philosophical_beliefs"
    TRADE_UNION_MEMBERSHIP = "trade_union_membership"
    GENETIC = "genetic"
    BIOMETRIC = "biometric"
    HEALTH = "health"
    SEX_LIFE_OR_SEXUAL_ORIENTATION = "sex_life_or_sexual_orientation"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class SourceKind(StrEnum):
    DATABASE = "database"
    FILE = "file"
    API = "api"
    STREAM = "stream"
    SURVEY = "survey"
    THIRD_PARTY = "third_party"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Severity(StrEnum):
    ERROR = "error"  # the source may not be used until this is fixed
    WARNING = "warning"  # usable, but the record is incomplete
