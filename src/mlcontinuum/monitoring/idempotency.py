"""Idempotency keys of monitoring writes: what a valid key is, and the digest of a request.

Every write carries `Idempotency-Key`. The server stores the key with the SHA-256 of the
request's canonical content: the same key with the same content answers the original result
again (nothing is stored twice), the same key with other content is refused. Canonical means
independent of JSON spelling: key order, spaces, `1` against `1.0`, `Z` against `+00:00`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header

from mlcontinuum.errors import FieldProblem, ValidationFailed
from mlcontinuum.monitoring.models import IDEMPOTENCY_KEY_LENGTH

HEADER = "Idempotency-Key"
_HOW = (
    f"send the header '{HEADER}: <key>' with 1 to {IDEMPOTENCY_KEY_LENGTH} printable ASCII "
    "characters (a UUID is a good key), new for each new write and the same when retrying it"
)


def check_key(raw: str | None) -> str:
    """The key of a request, or a 422 that says how to send one."""
    if raw is None or raw == "":
        raise ValidationFailed(
            f"this write needs an idempotency key: {_HOW}",
            [FieldProblem(f"header.{HEADER}", "missing", _HOW)],
        )
    if len(raw) > IDEMPOTENCY_KEY_LENGTH or not (raw.isascii() and raw.isprintable()):
        raise ValidationFailed(
            f"the {HEADER} header is not a valid key: {_HOW}",
            [FieldProblem(f"header.{HEADER}", "invalid", _HOW)],
        )
    return raw


def _key_header(
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="Unique per write; the same when retrying it. 1 to "
            f"{IDEMPOTENCY_KEY_LENGTH} printable ASCII characters.",
        ),
    ] = None,
) -> str:
    return check_key(key)


IdempotencyKey = Annotated[str, Depends(_key_header)]


class Digest:
    """SHA-256 over typed, length-prefixed parts: no two different requests share a digest."""

    def __init__(self, kind: str) -> None:
        self._hash = hashlib.sha256()
        self.text(kind)

    def _part(self, tag: bytes, data: bytes) -> None:
        self._hash.update(tag + len(data).to_bytes(8, "big") + data)

    def text(self, value: str) -> Digest:
        self._part(b"s", value.encode())
        return self

    def number(self, value: float) -> Digest:
        self._part(b"f", float(value).hex().encode())
        return self

    def instant(self, value: datetime) -> Digest:
        self._part(b"t", value.astimezone(UTC).isoformat().encode())
        return self

    def texts(self, values: Sequence[str]) -> Digest:
        self._part(b"S", json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode())
        return self

    def numbers(self, values: Sequence[float]) -> Digest:
        import numpy as np

        self._part(b"F", np.asarray(values, dtype=np.float64).tobytes())
        return self

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def reused_key(key: str, what: str) -> ValidationFailed:
    return ValidationFailed(
        f"the {HEADER} '{key}' was already used for {what} with other content; a retry must "
        "send exactly the same content, and new content needs a new key",
        [FieldProblem(f"header.{HEADER}", "reused", "already used with other content")],
    )
