"""Signatures: what a receiver computes with plain hmac matches, and every tampering fails."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from mlcontinuum.webhooks import signing

SECRET = "s3cr3t-for-tests"
BODY = b'{"id":1,"event":{"type":"alert.opened"}}'
NOW = 1_790_000_000


def test_headers_carry_a_signature_a_receiver_can_recompute() -> None:
    headers = signing.headers(SECRET, BODY, delivery_id=12, event_type="alert.opened", now=NOW)
    assert headers["X-Continuum-Timestamp"] == str(NOW)
    assert headers["X-Continuum-Delivery"] == "12"
    assert headers["X-Continuum-Event"] == "alert.opened"
    assert headers["Content-Type"] == "application/json"
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert headers["X-Continuum-Signature"] == f"sha256={expected}"
    assert signing.verify(SECRET, str(NOW), BODY, headers["X-Continuum-Signature"], now=NOW)
    assert signing.verify(SECRET, NOW, BODY, headers["X-Continuum-Signature"], now=NOW + 299)


@pytest.mark.parametrize(
    ("secret", "timestamp", "body", "now"),
    [
        ("other-secret", str(NOW), BODY, NOW),
        (SECRET, str(NOW), BODY + b" ", NOW),
        (SECRET, str(NOW + 1), BODY, NOW),  # the timestamp is signed too
        (SECRET, str(NOW), BODY, NOW + 301),  # too old: a replay
        (SECRET, str(NOW), BODY, NOW - 301),  # from the future
        (SECRET, "not-a-number", BODY, NOW),
        (SECRET, "-5", BODY, NOW),
        (SECRET, "", BODY, NOW),
    ],
)
def test_tampering_and_replays_fail(secret: str, timestamp: str, body: bytes, now: int) -> None:
    good = signing.signature(SECRET, str(NOW), BODY)
    assert not signing.verify(secret, timestamp, body, good, now=now)


@pytest.mark.parametrize("header", ["", "sha256=", "sha256=00", "md5=abc", "sha256=ünïcode"])
def test_malformed_signatures_fail_without_raising(header: str) -> None:
    assert not signing.verify(SECRET, str(NOW), BODY, header, now=NOW)


def test_secrets_are_long_and_fresh() -> None:
    first, second = signing.new_secret(), signing.new_secret()
    assert len(first) >= 40
    assert first != second
