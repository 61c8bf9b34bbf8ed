"""`continuum webhooks deliver --once` runs the outbox on the configured database, and
`continuum webhooks verify-signature` checks what a receiver got."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlcontinuum.console import build_cli
from mlcontinuum.kernel.settings import Settings
from tests.clikit import Cli
from tests.webhooks.conftest import Hooks, Receiver


@pytest.fixture
def cli(settings: Settings) -> Cli:
    return Cli(
        build_cli(),
        {
            "CONTINUUM_DATA_DIR": str(settings.data_dir),
            "CONTINUUM_DATABASE_URL": settings.resolved_database_url,
            "CONTINUUM_WEBHOOK_ALLOWED_NETWORKS": json.dumps(settings.webhook_allowed_networks),
            "CONTINUUM_URL": None,
            "CONTINUUM_TOKEN": None,
            "CONTINUUM_CONFIG": None,
        },
    )


def test_deliver_once_then_verify_the_signature(
    cli: Cli, hooks: Hooks, receiver: Receiver, tmp_path: Path
) -> None:
    hook = hooks.create(receiver.url(), event_types=["alert.opened"])
    hooks.emit("alert.opened", alert_id=1)

    result = cli("webhooks", "deliver", "--once")
    assert result.exit_code == 0, result.output
    assert "queued 1; attempted 1: 1 delivered, 0 to retry, 0 failed" in result.output
    (request,) = receiver.requests
    again = cli("webhooks", "deliver", "--once")
    assert "queued 0; attempted 0" in again.output
    assert len(receiver.requests) == 1

    body = tmp_path / "body.json"
    body.write_bytes(request.body)
    check = [
        "webhooks",
        "verify-signature",
        str(body),
        "--timestamp",
        request.headers["X-Continuum-Timestamp"],
        "--signature",
        request.headers["X-Continuum-Signature"],
    ]
    secret = {"CONTINUUM_WEBHOOK_SECRET": hook["secret"]}
    valid = cli(*check, env=secret)
    assert valid.exit_code == 0, valid.output
    assert "signature valid" in valid.output
    from_stdin = cli(
        *check[:2],
        "-",
        *check[3:],
        input=request.body.decode(),
        env=secret,
    )
    assert from_stdin.exit_code == 0, from_stdin.output

    body.write_bytes(request.body.replace(b'"alert_id":1', b'"alert_id":2'))
    forged = cli(*check, env=secret)
    assert forged.exit_code == 1
    assert "signature invalid" in forged.output


def test_a_missing_body_file_is_an_input_error(cli: Cli, tmp_path: Path) -> None:
    missing = cli(
        "webhooks",
        "verify-signature",
        str(tmp_path / "nope.json"),
        "--timestamp",
        "1",
        "--signature",
        "sha256=00",
        env={"CONTINUUM_WEBHOOK_SECRET": "x"},
    )
    assert missing.exit_code == 2
    assert "error:" in missing.output
