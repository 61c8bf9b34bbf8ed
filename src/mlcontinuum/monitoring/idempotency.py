"""Idempotency keys of monitoring writes: what a valid key is, and the digest of a request.

Every write carries `Idempotency-Key`. The server stores the key with the SHA-256 of the
request's canonical content: the same key with the same content answers the original result
again (nothing is stored twice), the same key with other content is refused. Canonical means
independent of JSON spelling: key order, spaces, `1` against `1.0`, `Z` against `+00:00`.

Races: two requests with the same key can both find no earlier write and both insert. The
unique constraint on the key decides: the loser's insert fails inside a savepoint, which is
rolled back, and the loser answers as if it had come second (the replay, or the reused-key 422).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Generic, Protocol, TypeVar

from fastapi import Depends, Header
from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mlcontinuum.kernel.errors import FieldProblem, ValidationFailed
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


class KeyedRow(Protocol):
    """A stored write: its id and the digest of the request that made it."""

    @property
    def id(self) -> int: ...

    @property
    def request_sha256(self) -> str: ...


Row = TypeVar("Row", bound=KeyedRow)


@dataclass(frozen=True)
class KeyedWrite(Generic[Row]):
    """One write of a `model` row under an idempotency key.

    `stored` selects the row stored under the same key in the same scope (deployment or
    project); `what` names that kind of write in the reused-key message ("batch").
    """

    session: Session
    model: type[Row]
    stored: ColumnElement[bool]
    key: str
    digest: str
    what: str

    def earlier(self) -> Row | None:
        """The row an earlier request with this key stored, if any. The reused-key 422 when
        that request had other content."""
        row = self.session.scalar(select(self.model).where(self.stored))
        if row is not None and row.request_sha256 != self.digest:
            raise reused_key(self.key, f"{self.what} {row.id}")
        return row

    def insert(self, row: Row, then: Callable[[], None] = lambda: None) -> tuple[Row, bool]:
        """Insert `row` and run `then` (more inserts) in a savepoint: `(row, False)`. If a
        concurrent request with the same key won, `(its row, True)` (or its reused-key 422);
        any other constraint's IntegrityError is raised, with nothing written."""
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
                then()
        except IntegrityError:
            earlier = self.earlier()
            if earlier is None:
                raise
            return earlier, True
        return row, False
