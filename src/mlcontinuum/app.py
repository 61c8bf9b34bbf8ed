"""`create_app(settings)`: the one place where runtime state (engine, sessions, routes) is built."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.routing import BaseRoute

from mlcontinuum import __version__, slices
from mlcontinuum.api.errors import BodyLimit, PathLimit, install_error_handlers
from mlcontinuum.api.shedding import IngestGate, LoadShedding
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.kernel.slice import load
from mlcontinuum.kernel.storage import migrate
from mlcontinuum.kernel.storage.artifacts import ArtifactStore
from mlcontinuum.kernel.storage.engine import make_engine

API_PREFIX = "/api/v1"
# Bodies that are files, streamed to the artifact store and limited by max_artifact_bytes.
UPLOAD_PATHS = re.compile(
    r"^/api/v1/projects/[^/]+/"
    r"(models/[^/]+/versions/\d+/(artifact|reference-profile)|runs/\d+/reference-profile)$"
)
# Monitoring writes (batches, labels, KPI values): a larger body limit, and load shedding.
MONITOR_WRITE_PATHS = re.compile(
    r"^/api/v1/projects/[^/]+/(deployments/\d+/(batches|labels)|kpis/\d+/values)$"
)
# Routes FastAPI or Starlette add themselves; they serve no project data.
PUBLIC_PATHS = frozenset({"/api/openapi.json", "/api/docs", "/api/docs/oauth2-redirect", "/static"})


def create_app(settings: Settings, *, run_migrations: bool = True) -> FastAPI:
    """Build the app for `settings`; migrations run first unless the caller already did."""
    engine = make_engine(settings.resolved_database_url)
    if run_migrations:
        migrate.upgrade(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        workers = None
        if settings.background_workers:
            from mlcontinuum.kernel.jobs import BackgroundWorkers

            workers = BackgroundWorkers(app.state.session_factory, settings, slices.jobs())
            workers.start()
        yield
        if workers is not None:
            workers.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="Continuum",
        version=__version__,
        description="Continuous software engineering for the whole life of an ML project.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        swagger_ui_oauth2_redirect_url="/api/docs/oauth2-redirect",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = slices.session_factory(engine)
    app.state.secret_key = settings.secret_key()
    app.state.artifacts = ArtifactStore(settings.data_dir / "artifacts")
    for module in slices.modules("api"):
        app.include_router(load(f"{module}:routes"), prefix=API_PREFIX)

    from mlcontinuum.web import install_web

    renderer = install_web(app, slices.all_slices())
    install_error_handlers(app, renderer)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_request_bytes,
        limits=[
            PathLimit(frozenset({"PUT"}), UPLOAD_PATHS, settings.max_artifact_bytes),
            PathLimit(frozenset({"POST"}), MONITOR_WRITE_PATHS, settings.monitor_max_request_bytes),
        ],
    )
    # Outermost, so a shed request costs neither a body read nor a database session.
    app.state.ingest_gate = IngestGate(settings.ingest_max_concurrent, settings.ingest_max_waiting)
    app.add_middleware(
        LoadShedding,
        paths=MONITOR_WRITE_PATHS,
        gate=app.state.ingest_gate,
        retry_after_seconds=settings.ingest_retry_after_seconds,
    )
    return app


def all_routes(app: FastAPI) -> list[tuple[str, BaseRoute]]:
    """Every route with its full path, looking inside included routers."""
    found: list[tuple[str, BaseRoute]] = []

    def walk(routes: list[BaseRoute], prefix: str) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes, prefix + route.include_context.prefix)  # type: ignore[attr-defined]
            else:
                found.append((prefix + str(getattr(route, "path", "")), route))

    walk(app.routes, "")
    return found


def unguarded_routes(app: FastAPI) -> list[str]:
    """Paths that declare no permission and are not known-public: must be empty."""
    return [
        path
        for path, route in all_routes(app)
        if not hasattr(route, "guard") and path not in PUBLIC_PATHS
    ]
