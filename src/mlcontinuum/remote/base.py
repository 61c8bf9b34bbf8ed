"""`ApiBase`: one authenticated HTTP connection to a Continuum server, which every slice's client
part (`<slice>/client.py`) builds on, and which the SDK's `Client` composes.

Answers are validated into the pydantic schema the server answers with; refusals become a
`ContinuumAPIError` subclass carrying the server's message. Inputs are either the schema or a
plain mapping; a mapping is sent as given, so the server does the validating and its field
problems reach the caller.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Mapping
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from mlcontinuum.remote.errors import (
    ContinuumAPIError,
    ContinuumConnectionError,
    RateLimitedError,
    RetryLaterError,
    error_from_response,
)

API_PREFIX = "/api/v1"
# Gateway answers that say nothing was done, or that it may have been: safe to retry with the
# same idempotency key.
RETRY_STATUSES = frozenset({502, 503, 504})

M = TypeVar("M", bound=BaseModel)
Body = BaseModel | Mapping[str, Any]


class ApiBase:
    """A connection to one Continuum server, authenticated by an API token.

    Slice clients add typed methods on top of `_get`, `_get_list`, `_send`, `_send_created`,
    `_write` and `_request`; the underscore keeps these out of the SDK's public surface.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        write_attempts: int = 6,
        backoff_seconds: float = 0.5,
        max_wait_seconds: float = 60.0,
    ) -> None:
        """`write_attempts`, `backoff_seconds` and `max_wait_seconds` govern how monitoring
        writes (batches, labels, KPI values) are retried: up to `write_attempts` tries, waiting
        what the server's Retry-After says or else `backoff_seconds`, doubled each time, never
        more than `max_wait_seconds`."""
        if write_attempts < 1:
            raise ValueError("write_attempts must be at least 1")
        self.url = url.rstrip("/")
        self.write_attempts = write_attempts
        self.backoff_seconds = backoff_seconds
        self.max_wait_seconds = max_wait_seconds
        self._http = httpx.Client(
            base_url=self.url + API_PREFIX,
            headers={
                "Authorization": f"Bearer {token}",
                "User-Agent": f"mlcontinuum-sdk/{_package_version()}",
                "Accept": "application/json",
            },
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- reads and writes --------------------------------------------------------------------

    def _get(self, model: type[M], path: str, *, params: Mapping[str, Any] | None = None) -> M:
        return model.model_validate(self._request("GET", path, params=params).json())

    def _get_list(self, model: type[M], path: str) -> list[M]:
        return TypeAdapter(list[model]).validate_python(  # type: ignore[valid-type]
            self._request("GET", path).json()
        )

    def _send(self, model: type[M], method: str, path: str, data: Body | None = None) -> M:
        return self._send_created(model, method, path, data)[0]

    def _send_created(
        self, model: type[M], method: str, path: str, data: Body | None = None
    ) -> tuple[M, bool]:
        """The answer, and whether the server created something (201) rather than found it."""
        payload: Any = None
        if isinstance(data, BaseModel):
            # Only the fields the caller set: an update must not reset the others to defaults.
            payload = data.model_dump(mode="json", exclude_unset=True)
        elif data is not None:
            payload = dict(data)
        # Encoded here rather than by httpx, which refuses NaN and ±inf: runs keep them, and the
        # server reads the NaN / Infinity literals that Python's json writes.
        response = self._request(
            method,
            path,
            content=None if payload is None else json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        return model.model_validate(response.json()), response.status_code == 201

    def _write(self, model: type[M], path: str, body: Mapping[str, Any], key: str | None) -> M:
        """POST a monitoring write under an idempotency key (a new UUID unless given), retried
        on connection failures and 429/502/503/504 with the same key, so it counts once."""
        content = json.dumps(body, allow_nan=False).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": key if key is not None else str(uuid.uuid4()),
        }
        attempt = 1
        while True:
            try:
                response = self._request("POST", path, content=content, headers=headers)
                return model.model_validate(response.json())
            except ContinuumAPIError as error:
                retryable = isinstance(error, ContinuumConnectionError | RateLimitedError) or (
                    error.status in RETRY_STATUSES
                )
                if not retryable or attempt >= self.write_attempts:
                    raise
                time.sleep(self._wait(error, attempt))
                attempt += 1

    def _wait(self, error: ContinuumAPIError, attempt: int) -> float:
        if isinstance(error, RetryLaterError) and error.retry_after is not None:
            return float(min(error.retry_after, self.max_wait_seconds))
        # Jitter spreads the retries of many clients refused at the same moment.
        jitter = random.uniform(0.5, 1.5)  # noqa: S311 (not for security)
        return float(min(self.backoff_seconds * 2 ** (attempt - 1) * jitter, self.max_wait_seconds))

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as err:
            raise ContinuumConnectionError(
                f"{self.url} did not answer within {self._http.timeout.read} s", code="timeout"
            ) from err
        except httpx.TransportError as err:
            raise ContinuumConnectionError(
                f"cannot reach the Continuum server at {self.url}: {err}", code="unreachable"
            ) from err
        if response.is_error:
            raise error_from_response(response)
        return response


def seg(value: str) -> str:
    """A path segment, escaped so a slug or name can never change the path it is put in."""
    return quote(value, safe="")


@cache
def _package_version() -> str:
    # Read from the installed distribution rather than `mlcontinuum.__version__`: the kit
    # depends on nothing of the product, and the package root lazily imports the SDK.
    try:
        return version("mlcontinuum")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0.0.0"
