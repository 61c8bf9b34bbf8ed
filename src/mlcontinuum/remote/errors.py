"""Exceptions the clients raise: one class per kind of refusal, each carrying the server's words.

The server answers every error as `{"error": {"code", "message", "fields": [...]}}`; the class is
chosen by HTTP status so callers can catch what they can handle (a 404, a 429 to wait out) and
let the rest propagate with the server's message intact.
"""

from __future__ import annotations

from typing import Any

import httpx

from mlcontinuum.kernel.errors import FieldProblem


class ContinuumAPIError(Exception):
    """Base of every SDK error: the server refused the request, or could not be reached."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "error",
        fields: list[FieldProblem] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.fields = fields or []

    def __str__(self) -> str:
        details = "; ".join(f"{p.field}: {p.message}" for p in self.fields)
        prefix = f"{self.status} " if self.status else ""
        text = f"{prefix}{self.code}: {self.message}"
        # The message often repeats the field problems already; add them only when it does not.
        return f"{text} ({details})" if details and details not in self.message else text


class AuthenticationError(ContinuumAPIError):
    """401: the token is missing, unknown, expired or revoked."""


class PermissionDeniedError(ContinuumAPIError):
    """403: the token's user (or its role ceiling) may not do this."""


class NotFoundError(ContinuumAPIError):
    """404: no such thing, or one you may not see (other projects answer 404 too)."""


class ConflictError(ContinuumAPIError):
    """409: a unique name is taken, or a concurrent change won."""


class ValidationError(ContinuumAPIError):
    """422: the input broke a rule; `fields` names each field and rule."""


class RetryLaterError(ContinuumAPIError):
    """Refused for now: wait `retry_after` seconds (None when the server did not say) and send
    the same request again. Monitoring writes retry these by themselves."""

    def __init__(self, message: str, *, retry_after: float | None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class RateLimitedError(RetryLaterError):
    """429: too many attempts."""


class UnavailableError(RetryLaterError):
    """503: the server is at capacity or its database is busy."""


class ContinuumConnectionError(ContinuumAPIError, ConnectionError):
    """The server could not be reached, or did not answer in time. No status: nothing answered."""


_BY_STATUS: dict[int, type[ContinuumAPIError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: ValidationError,
}
_RETRY_LATER: dict[int, type[RetryLaterError]] = {429: RateLimitedError, 503: UnavailableError}


def error_from_response(response: httpx.Response) -> ContinuumAPIError:
    """The exception for an error response; bodies that are not ours (a proxy's page) still
    produce a readable message."""
    code, message, fields = f"http_{response.status_code}", "", []
    try:
        body = response.json()["error"]
        code, message = str(body["code"]), str(body["message"])
        fields = [
            FieldProblem(str(f["field"]), str(f["rule"]), str(f["message"]))
            for f in body.get("fields", [])
        ]
    except (ValueError, KeyError, TypeError):
        message = response.text.strip()[:300] or response.reason_phrase
    later = _RETRY_LATER.get(response.status_code)
    if later is not None:
        return later(
            message,
            retry_after=_seconds(response.headers.get("retry-after")),
            status=response.status_code,
            code=code,
            fields=fields,
        )
    cls = _BY_STATUS.get(response.status_code, ContinuumAPIError)
    return cls(message, status=response.status_code, code=code, fields=fields)


def _seconds(header: str | None) -> float | None:
    try:
        return float(header) if header is not None else None
    except ValueError:  # an HTTP date; callers get no number rather than a wrong one
        return None
