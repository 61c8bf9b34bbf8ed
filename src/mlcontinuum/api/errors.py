"""Map errors to HTTP once: domain errors, validation errors, conflicts, oversize bodies.

API paths answer JSON `{"error": {code, message, fields}}`; nobody ever sees a stack trace.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mlcontinuum.kernel.errors import (
    ContinuumError,
    ErrorBody,
    TooManyRequests,
    Unavailable,
    problems_from_validation,
    summarise,
)

log = logging.getLogger("mlcontinuum.api")

ErrorRenderer = Callable[[Request, ContinuumError], Awaitable[Response] | Response]


def error_response(error: ContinuumError) -> JSONResponse:
    body = ErrorBody(error.code, error.message, error.problems).to_json()
    headers = {}
    if isinstance(error, TooManyRequests):
        headers["Retry-After"] = str(error.retry_after_seconds)
    if error.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=error.status, headers=headers)


def install_error_handlers(app: FastAPI, web_renderer: ErrorRenderer | None = None) -> None:
    """Register the handlers; pages (non-API paths) are rendered by `web_renderer`."""

    async def render(request: Request, error: ContinuumError) -> Response:
        if web_renderer is not None and not request.url.path.startswith("/api/"):
            result = web_renderer(request, error)
            return await result if isinstance(result, Awaitable) else result
        return error_response(error)

    @app.exception_handler(ContinuumError)
    async def _domain(request: Request, error: ContinuumError) -> Response:
        return await render(request, error)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> Response:
        problems = problems_from_validation(list(error.errors()))
        message = summarise(problems) or "invalid request"
        failure = ContinuumError(message, problems)
        failure.status, failure.code = 422, "validation_failed"
        return await render(request, failure)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> Response:
        failure = ContinuumError(str(error.detail))
        failure.status = error.status_code
        failure.code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http")
        return await render(request, failure)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, error: IntegrityError) -> Response:
        # Races past a service's own uniqueness checks end here: refuse, nothing was written.
        log.info("integrity error: %s", error.orig)
        failure = ContinuumError("the change conflicts with data written at the same time; retry")
        failure.status, failure.code = 409, "conflict"
        return await render(request, failure)

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def _out_of_range(request: Request, error: DataError | OverflowError) -> Response:
        # A number the database cannot hold (an id of 2**40 in a path or a body): the driver
        # refuses to bind it (SQLite: OverflowError, PostgreSQL: numeric value out of range).
        log.info("value out of range: %s", getattr(error, "orig", None) or error)
        failure = ContinuumError(
            "a number in the request is out of range (ids and counts are below 2147483648)"
        )
        failure.status, failure.code = 422, "out_of_range"
        return await render(request, failure)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _busy(request: Request, error: OperationalError | PoolTimeout) -> Response:
        # Locked (SQLite), lock or statement timeouts, serialization failures, deadlocks
        # (PostgreSQL), no free pooled connection: all pass, so the client is told to retry.
        log.warning("database unavailable: %s", getattr(error, "orig", None) or error)
        settings = getattr(request.app.state, "settings", None)
        wait = settings.ingest_retry_after_seconds if settings is not None else 2
        return await render(
            request, Unavailable("the database is busy; retry shortly", retry_after_seconds=wait)
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        failure = ContinuumError("internal error; the administrator can find it in the server log")
        failure.status, failure.code = 500, "internal"
        return await render(request, failure)


@dataclass(frozen=True)
class PathLimit:
    """A body limit for some requests: `methods` on paths matching `path`."""

    methods: frozenset[str]
    path: re.Pattern[str]
    max_bytes: int

    def applies(self, method: str, path: str) -> bool:
        return method in self.methods and self.path.search(path) is not None


class BodyLimit:
    """Refuse request bodies over the limit with 413, declared or streamed.

    `max_bytes` holds for every request but those matching an entry of `limits` (the first
    match wins): file uploads, monitoring batches. A streamed body that crosses the limit gets
    the 413 at once; the app is then told the client disconnected, and anything it still tries
    to send is dropped.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, *, limits: Sequence[PathLimit] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.limits = tuple(limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = next(
            (
                entry.max_bytes
                for entry in self.limits
                if entry.applies(scope["method"], scope["path"])
            ),
            self.max_bytes,
        )
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(scope, receive, send, limit)
            return
        seen = 0
        refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    refused = True
                    await self._refuse(scope, receive, send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counted, guarded_send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        body = ErrorBody(
            "payload_too_large", f"the request body is over the limit of {limit} bytes"
        ).to_json()
        await JSONResponse(body, status_code=413)(scope, receive, send)
