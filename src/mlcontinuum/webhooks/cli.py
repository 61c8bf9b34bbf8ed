"""`continuum webhooks deliver|verify-signature`: run the outbox here; check a signature."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from mlcontinuum.cli.local import local_database
from mlcontinuum.cli.output import EXIT_FAILURE, err, note, out, reported_errors

webhooks_app = typer.Typer(
    help="Outbound webhooks: run the delivery outbox, check a delivery's signature.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(webhooks_app, name="webhooks")


@webhooks_app.command("deliver")
def deliver(
    ctx: typer.Context,
    once: Annotated[
        bool,
        typer.Option("--once", help="Make one pass and exit, instead of running until stopped."),
    ] = False,
) -> None:
    """Queue new events for the webhooks and attempt the deliveries that are due.

    Works on the configured database directly, like the server's background worker (use it when
    CONTINUUM_BACKGROUND_WORKERS is false). Without --once it runs until interrupted, looking for
    work every CONTINUUM_WORKER_INTERVAL_SECONDS.
    """
    from mlcontinuum.webhooks import outbox

    with reported_errors(), local_database(ctx, upgrade=False) as db:
        try:
            while True:
                report = outbox.run_pass(db.sessions, db.settings)
                if once or report.total:
                    out().print(
                        f"queued {report.queued}; attempted {report.attempted}: "
                        f"{report.delivered} delivered, {report.retrying} to retry, "
                        f"{report.failed} failed"
                    )
                if once:
                    return
                if report.total == 0:
                    time.sleep(db.settings.worker_interval_seconds)
        except KeyboardInterrupt:  # a pass cut short is safe: leases expire, work is redone
            note("stopped")


@webhooks_app.command("verify-signature")
def verify_signature(
    body: Annotated[
        Path,
        typer.Argument(help="File holding the exact request body received; - reads stdin."),
    ],
    timestamp: Annotated[
        str, typer.Option("--timestamp", help="The X-Continuum-Timestamp header received.")
    ],
    signature: Annotated[
        str, typer.Option("--signature", help="The X-Continuum-Signature header received.")
    ],
    secret: Annotated[
        str,
        typer.Option(
            "--secret",
            envvar="CONTINUUM_WEBHOOK_SECRET",
            prompt=True,
            hide_input=True,
            help="The webhook's signing secret. Prefer CONTINUUM_WEBHOOK_SECRET or the prompt: "
            "options show up in the process list.",
        ),
    ],
    tolerance: Annotated[
        int,
        typer.Option(
            "--tolerance",
            min=0,
            help="Seconds the timestamp may differ from now; 0 skips the age check.",
        ),
    ] = 300,
) -> None:
    """Check a delivery's signature, as a receiver would; exit 1 when it does not hold."""
    from mlcontinuum.webhooks import signing

    with reported_errors():
        data = sys.stdin.buffer.read() if str(body) == "-" else body.read_bytes()
    window = tolerance if tolerance > 0 else 10**12
    if signing.verify(secret, timestamp, data, signature, tolerance_seconds=window):
        out().print("signature valid")
        return
    err().print("[red]error:[/red] signature invalid (or the timestamp is out of the tolerance)")
    raise typer.Exit(EXIT_FAILURE)
