"""Entry point of the `continuum` command: builds the Typer app from the command modules."""

from __future__ import annotations

import typer

from mlcontinuum import __version__


def _version(value: bool) -> None:
    if value:
        typer.echo(f"continuum {__version__}")
        raise typer.Exit()


def build_cli() -> typer.Typer:
    """Assemble the CLI; each command module adds its commands through `register(app)`."""
    from mlcontinuum.cli import (
        account_cmds,
        audit_cmds,
        charter_cmds,
        check_cmd,
        db_cmds,
        demo_cmd,
        import_cmds,
        monitor_cmds,
        profile_cmds,
        project_cmds,
        serve_cmd,
        webhook_cmds,
    )

    app = typer.Typer(
        name="continuum",
        help="Continuum: charter, plan, data, runs, gates, releases and monitoring of ML work.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def main(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ) -> None:
        """Continuum command line."""

    for module in (
        db_cmds,
        account_cmds,
        serve_cmd,
        project_cmds,
        charter_cmds,
        audit_cmds,
        demo_cmd,
        profile_cmds,
        import_cmds,
        check_cmd,
        monitor_cmds,
        webhook_cmds,
    ):
        module.register(app)
    return app


def run() -> None:
    build_cli()()
