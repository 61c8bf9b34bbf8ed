"""`continuum demo`: load the demo project into this instance's database."""

from __future__ import annotations

import typer

from mlcontinuum.cli.local import local_database, operator_actor
from mlcontinuum.cli.output import out, reported_errors


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(ctx: typer.Context) -> None:
    """Load the demo project: churn prediction for a telecom operator (telco-churn).

    A full charter, stakeholders on both sides, and KPIs whose baselines come from the wa_churn
    data set, two trained versions put through the gates, and eight weeks of production played
    through monitoring: drift in week five, outcomes two weeks late, a KPI alert, a change
    request decided, a signed retrain webhook, and a retrained version released. Idempotent:
    what exists is left as it is. Needs an administrator (`continuum
    init`), who owns the project; demo accounts get generated passwords, printed once.
    """
    from mlcontinuum.demo import charter as content
    from mlcontinuum.demo.load import load

    with reported_errors(), local_database(ctx, upgrade=True) as db:
        result = load(db.sessions, actor=operator_actor())
    console = out()
    if result.project_created:
        console.print(
            f"Loaded the demo project '{content.SLUG}' ({content.CUSTOMER}), "
            f"owned by {result.owner}."
        )
    else:
        console.print(f"The demo project '{content.SLUG}' exists; left as it is.")
    production = result.production
    if production.ran:
        console.print(
            f"Played eight weeks of production: {production.batches} daily batches, "
            f"{production.labelled} outcomes two weeks late; alerts: "
            + ("; ".join(production.alerts) or "none")
        )
        console.print(
            f"Change request {production.change_id} decided: retrain. The signed retrain webhook "
            + (
                "reached the local receiver and its signature checked out."
                if production.webhook_verified
                else "did NOT reach the local receiver."
            )
        )
        if production.retrained_version is None:
            console.print("The retrained version failed a required gate and was not released.")
        else:
            console.print(
                f"Retrained version {production.retrained_version} passed the gates and was "
                "released to production."
            )
    for username, password in result.new_accounts:
        console.print(f"Created demo account {username}; password (shown once): {password}")
