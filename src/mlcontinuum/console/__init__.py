"""Entry point of the `continuum` command, the CLI's composition root: the instance's own
commands (`db`, `serve`, `demo`, `profile`/`drift`, one module each here), then every slice's
commands, in slice order. The CLI kit (`mlcontinuum.cli`) stays below all of them."""

from __future__ import annotations

import typer

from mlcontinuum import __version__


def _version(value: bool) -> None:
    if value:
        typer.echo(f"continuum {__version__}")
        raise typer.Exit()


def build_cli() -> typer.Typer:
    """Assemble the CLI; each command module adds its commands through `register(app)`."""
    from mlcontinuum import slices
    from mlcontinuum.cli.local import Composition
    from mlcontinuum.console import db, demo, profile, serve
    from mlcontinuum.kernel.slice import load

    app = typer.Typer(
        name="continuum",
        help="Continuum: charter, plan, data, runs, gates, releases and monitoring of ML work.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"obj": Composition(slices.session_factory)},
    )

    @app.callback()
    def main(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ) -> None:
        """Continuum command line."""

    for module in (db, serve, demo, profile):
        module.register(app)
    for name in slices.modules("cli"):
        load(f"{name}:register")(app)
    return app


def run() -> None:
    build_cli()()
