"""`continuum charter export|import`: the charter as a YAML file kept in the ML repository."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mlcontinuum.cli.output import note, out, reported_errors
from mlcontinuum.cli.remote import TokenOption, UrlOption, connect

charter_app = typer.Typer(help="The project charter as a YAML file.", no_args_is_help=True)

STDIO = "-"
ProjectArgument = Annotated[str, typer.Argument(help="The project's slug.", show_default=False)]


def register(app: typer.Typer) -> None:
    app.add_typer(charter_app, name="charter")


@charter_app.command("export")
def export(
    project: ProjectArgument,
    file: Annotated[
        str,
        typer.Argument(help="File to write, e.g. charter.yaml; - for stdout.", show_default=False),
    ],
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Write the project's charter (text, KPIs, stakeholders) to a YAML file."""
    from mlcontinuum.charter.client import CharterClient

    with reported_errors(), connect(url, token, CharterClient) as client:
        text = client.export_charter_yaml(project)
        # Bytes, not text mode: the file must be identical on every platform (no CRLF rewrite).
        if file == STDIO:
            sys.stdout.buffer.write(text.encode())
            sys.stdout.flush()
        else:
            Path(file).write_bytes(text.encode())
            note(f"Wrote the charter of '{project}' to {file}.")


@charter_app.command("import")
def import_(
    project: ProjectArgument,
    file: Annotated[
        str, typer.Argument(help="Charter file to read; - for stdin.", show_default=False)
    ],
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Make the project's charter equal to a YAML file, and print the new version.

    KPIs and stakeholders missing from the file are removed. When the file matches the charter
    already, nothing changes and the command says so.
    """
    from mlcontinuum.charter.client import CharterClient

    with reported_errors():
        content = sys.stdin.read() if file == STDIO else Path(file).read_text(encoding="utf-8")
        with connect(url, token, CharterClient) as client:
            before = client.get_charter(project).version
            after = client.import_charter_yaml(project, content)
    if after.version == before:
        out().print(
            f"The charter of '{project}' already matches {file}: unchanged (version {before})."
        )
    else:
        out().print(f"Imported {file} into '{project}': charter version {after.version}.")
