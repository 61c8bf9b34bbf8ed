"""`continuum project create|list|show`: projects on a server, through the SDK."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from mlcontinuum.cli.output import out, reported_errors
from mlcontinuum.cli.remote import TokenOption, UrlOption, connect
from mlcontinuum.kernel.lifecycle import CrispDmPhase, Stage

if TYPE_CHECKING:
    from mlcontinuum.charter.schemas import KpiPublic, ProjectPublic, StakeholderPublic

project_app = typer.Typer(help="Projects on a Continuum server.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(project_app, name="project")


@project_app.command("create")
def create(
    slug: Annotated[
        str,
        typer.Argument(help="Short unique name used in URLs: a-z, 0-9 and -.", show_default=False),
    ],
    name: Annotated[str, typer.Option("--name", help="The project's name.")],
    customer: Annotated[str, typer.Option("--customer", help="The customer organisation.")] = "",
    description: Annotated[
        str, typer.Option("--description", help="What the project is about.")
    ] = "",
    stage: Annotated[Stage, typer.Option("--stage", help="Lifecycle stage.")] = Stage.SCOPE,
    phase: Annotated[
        CrispDmPhase, typer.Option("--phase", help="CRISP-DM phase.")
    ] = CrispDmPhase.BUSINESS_UNDERSTANDING,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Create a project on the server; the token's user becomes its owner."""
    from mlcontinuum.charter.client import CharterClient

    with reported_errors(), connect(url, token, CharterClient) as client:
        project = client.create_project(
            {
                "slug": slug,
                "name": name,
                "customer": customer,
                "description": description,
                "stage": stage.value,
                "crisp_dm_phase": phase.value,
            }
        )
    out().print(f"Created project '{project.slug}' ({escape(project.name)}); you are its owner.")


@project_app.command("list")
def list_projects(url: UrlOption = None, token: TokenOption = None) -> None:
    """List the projects you may see, with your role in each."""
    from mlcontinuum.charter.client import CharterClient

    with reported_errors(), connect(url, token, CharterClient) as client:
        projects = client.list_projects()
    table = Table(title=f"{len(projects)} project(s)")
    for heading in ("slug", "name", "customer", "stage", "CRISP-DM phase", "your role"):
        table.add_column(heading)
    for p in projects:
        table.add_row(
            p.slug,
            escape(p.name),
            escape(p.customer),
            p.stage.label,
            p.crisp_dm_phase.label,
            p.your_role or "",
        )
    out().print(table)


@project_app.command("show")
def show(
    slug: Annotated[str, typer.Argument(help="The project's slug.", show_default=False)],
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Show a project: its details, charter version, KPIs and stakeholders."""
    from mlcontinuum.charter.client import CharterClient

    with reported_errors(), connect(url, token, CharterClient) as client:
        project = client.get_project(slug)
        charter = client.get_charter(slug)
        kpis = client.list_kpis(slug)
        people = client.list_stakeholders(slug)
    console = out()
    console.print(_details(project, charter.version, charter.updated_by))
    if project.description:
        console.print(escape(project.description))
    console.print(_kpi_table(kpis))
    console.print(_stakeholder_table(people))


def _details(project: ProjectPublic, version: int, author: str) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for label, value in (
        ("project", f"{escape(project.name)} ({project.slug})"),
        ("customer", escape(project.customer)),
        ("stage", project.stage.label),
        ("CRISP-DM phase", project.crisp_dm_phase.label),
        ("your role", project.your_role or ""),
        ("charter", f"version {version}, last changed by {escape(author)}"),
    ):
        table.add_row(label, value)
    return table


def _kpi_table(kpis: list[KpiPublic]) -> Table:
    table = Table(title="KPIs")
    for heading in ("name", "kind", "direction", "baseline", "target", "alert at", "lift"):
        table.add_column(
            heading, justify="left" if heading in ("name", "kind", "direction") else "right"
        )
    for k in kpis:
        unit = f" {k.unit}" if k.unit else ""
        lift = f"{k.expected_lift:+g}{unit}"
        if k.expected_lift_percent is not None:
            lift += f" ({k.expected_lift_percent:+.1f}%)"
        table.add_row(
            escape(k.name),
            k.kind.label,
            k.direction.label,
            f"{k.baseline:g}{unit}",
            f"{k.target:g}{unit}",
            f"{k.alert_threshold:g}{unit}",
            escape(lift),
        )
    return table


def _stakeholder_table(people: list[StakeholderPublic]) -> Table:
    table = Table(title="Stakeholders")
    for heading in ("name", "organisation", "role", "account"):
        table.add_column(heading)
    for s in people:
        table.add_row(escape(s.name), escape(s.organisation), escape(s.role), s.username or "")
    return table
