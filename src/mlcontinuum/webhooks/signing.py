"""Signatures of webhook deliveries, and their check for receivers.

Each attempt is signed afresh: `X-Continuum-Signature: sha256=<hex>` where hex is
HMAC-SHA256(secret, "<timestamp>." + body), and `X-Continuum-Timestamp` carries the Unix time of
the attempt. Signing the timestamp with the body lets a receiver refuse replays of an old,
captured request; the delivery id (`X-Continuum-Delivery`) lets it drop a repeated delivery.
This module needs only the standard library, so a receiver can copy `verify`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

SIGNATURE_HEADER = "X-Continuum-Signature"
TIMESTAMP_HEADER = "X-Continuum-Timestamp"
DELIVERY_HEADER = "X-Continuum-Delivery"
EVENT_HEADER = "X-Continuum-Event"
USER_AGENT = "Continuum-Webhooks/1"
PREFIX = "sha256="
_TIMESTAMP = re.compile(r"\d{1,12}")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256 of `<timestamp>.<body>` under the secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return PREFIX + mac.hexdigest()


def headers(
    secret: str, body: bytes, *, delivery_id: int, event_type: str, now: float | None = None
) -> dict[str, str]:
    """Every header a delivery attempt carries."""
    timestamp = str(int(time.time() if now is None else now))
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        DELIVERY_HEADER: str(delivery_id),
        EVENT_HEADER: event_type,
    }


def verify(
    secret: str,
    timestamp: str | int,
    body: bytes,
    signature_header: str,
    tolerance_seconds: int = 300,
    now: float | None = None,
) -> bool:
    """True when `signature_header` signs `body` at `timestamp` under `secret`, and the
    timestamp is within `tolerance_seconds` of now. Compares in constant time."""
    stamp = str(timestamp)
    if not _TIMESTAMP.fullmatch(stamp):
        return False
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > tolerance_seconds:
        return False
    expected = signature(secret, stamp, body)
    return hmac.compare_digest(expected.encode(), signature_header.strip().encode())
