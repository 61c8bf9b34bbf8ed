"""Options and client for commands that talk to a Continuum server.

A command asks `connect` for the client part of its own slice (`<slice>/client.py`), or for a
class its slice composes from several parts; the CLI kit never loads the whole SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from mlcontinuum.cli.output import fail

if TYPE_CHECKING:
    from mlcontinuum.remote.base import ApiBase

C = TypeVar("C", bound="ApiBase")

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar="CONTINUUM_URL",
        help="Server URL. Default: CONTINUUM_URL, else this instance's public base URL.",
        show_default=False,
    ),
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="CONTINUUM_TOKEN",
        help="API token (better set CONTINUUM_TOKEN: options show up in the process list). "
        "Create one with `continuum token create`.",
        show_default=False,
    ),
]


def connect(url: str | None, token: str | None, client_class: type[C]) -> C:
    """A `client_class` for the given server; call inside `reported_errors()`."""
    from mlcontinuum.kernel.settings import load_settings

    if not token:
        fail("no API token: set CONTINUUM_TOKEN or pass --token (see `continuum token create`)")
    return client_class(url or load_settings().base_url, token)
