"""`continuum audit verify`: recompute the hash chains of the event log on the database itself.

It reads the database directly rather than asking a server, so it also works on a copy or
a backup, and a compromised server cannot vouch for its own log.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from mlcontinuum.cli.local import local_database
from mlcontinuum.cli.output import EXIT_FAILURE, err, fail, out, reported_errors

audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    project: Annotated[
        str | None,
        typer.Argument(help="Slug of the project whose chain to check. Default: every chain."),
    ] = None,
) -> None:
    """Recompute the hash chains of the event log and name the first broken link.

    Checks every chain, or one project's. A broken link is named by chain, sequence number,
    event id and reason; the command then exits 1.
    """
    from mlcontinuum.audit.queries import verify_chains
    from mlcontinuum.kernel.storage.engine import transaction

    with reported_errors(), local_database(ctx, upgrade=False) as db, transaction(db.sessions) as s:
        checks = verify_chains(s, project)
        if checks is None:
            fail(f"no project '{project}' in {db.safe_url}")

    table = Table(title="Audit trail")
    for heading in ("chain", "project", "events checked", "status"):
        table.add_column(heading, justify="right" if heading == "events checked" else "left")
    for check in checks:
        report = check.report
        status = "[green]intact[/green]" if report.ok else f"[red]broken at seq {report.broken_seq}"
        table.add_row(report.chain, check.project, str(report.checked), status)
    out().print(table)
    reports = [check.report for check in checks]
    broken = [report for report in reports if not report.ok]
    for report in broken:
        event = f"event id {report.broken_event_id}" if report.broken_event_id else "no event"
        err().print(
            f"[red]broken link:[/red] chain {report.chain}, seq {report.broken_seq}, "
            f"{event}: {escape(report.reason or '')}"
        )
    if broken:
        raise typer.Exit(EXIT_FAILURE)
    out().print(f"All {len(reports)} chain(s) intact.")
