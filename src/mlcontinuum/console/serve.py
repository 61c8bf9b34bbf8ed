"""`continuum serve`: the API and web pages, served by uvicorn."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mlcontinuum.cli.output import note, reported_errors


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: Annotated[
        str | None,
        typer.Option("--host", help="Address to listen on. Default: CONTINUUM_HOST or 127.0.0.1."),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            "--port", min=1, max=65535, help="Port to listen on. Default: CONTINUUM_PORT or 8000."
        ),
    ] = None,
) -> None:
    """Apply pending migrations and serve the API (/api/v1) and the web pages until stopped."""
    import uvicorn

    from mlcontinuum.app import create_app
    from mlcontinuum.kernel.settings import load_settings

    with reported_errors():
        overrides: dict[str, Any] = {}
        if host is not None:
            overrides["host"] = host
        if port is not None:
            overrides["port"] = port
        settings = load_settings(**overrides)
        application = create_app(settings)
        note(
            f"Continuum is serving at {settings.base_url} (API docs: {settings.base_url}/api/docs)"
        )
        uvicorn.run(application, host=settings.host, port=settings.port, log_level="info")
