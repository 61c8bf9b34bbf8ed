"""Domain errors. Services raise these; each adapter (API, web, CLI) maps them once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: where it is, which rule it broke, and a sentence for people."""

    field: str
    rule: str
    message: str


class ContinuumError(Exception):
    """Base of every error a user can cause and fix."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class ValidationFailed(ContinuumError):
    status = 422
    code = "validation_failed"


class NotFound(ContinuumError):
    status = 404
    code = "not_found"


class Conflict(ContinuumError):
    status = 409
    code = "conflict"


class AuthenticationRequired(ContinuumError):
    status = 401
    code = "authentication_required"


class PermissionDenied(ContinuumError):
    status = 403
    code = "permission_denied"


class TooManyRequests(ContinuumError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class Unavailable(TooManyRequests):
    """Not the client's fault: the server is at capacity or its database is busy. Retry after."""

    status = 503
    code = "unavailable"


class PayloadTooLarge(ContinuumError):
    status = 413
    code = "payload_too_large"


@dataclass
class ErrorBody:
    """The JSON shape of every API error."""

    code: str
    message: str
    fields: list[FieldProblem] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "fields": [
                    {"field": p.field, "rule": p.rule, "message": p.message} for p in self.fields
                ],
            }
        }


def problems_from_validation(errors: Sequence[Mapping[str, Any]]) -> list[FieldProblem]:
    """Turn pydantic's error list into field problems that name the field and the rule."""
    problems = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part != "body"]
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        problems.append(
            FieldProblem(".".join(location) or "(body)", str(error.get("type", "invalid")), message)
        )
    return problems


def summarise(problems: Iterable[FieldProblem]) -> str:
    return "; ".join(f"{p.field}: {p.message}" for p in problems)


def validation_failed(error: ValidationError, intro: str = "") -> ValidationFailed:
    """A refused input as a domain error: `intro` and every field with what is wrong."""
    problems = problems_from_validation(error.errors())
    return ValidationFailed(intro + summarise(problems), problems)
