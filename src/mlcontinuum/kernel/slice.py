"""What a slice declares about itself, so the app, the CLI, Alembic, navigation, the permission
table, the background workers and the docs can all iterate one list (`mlcontinuum.slices`).

Adapters are named by module path and loaded when used: declaring a slice costs no import of
FastAPI routers, Typer commands or tables, so `continuum --help` stays fast and a slice's
declaration never imports the layers above it.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

from mlcontinuum.kernel.auth.permissions import INSTANCE_PERMISSIONS, PROJECT_READ, Permission


class Area(IntEnum):
    """The lifecycle areas of a project's navigation, in the order they are shown."""

    SCOPE = 1
    UNDERSTAND = 2
    BUILD = 3
    DEPLOY = 4
    MANAGE_AND_TRUST = 5
    PROJECT = 6

    @property
    def label(self) -> str:
        return "Manage & Trust" if self is Area.MANAGE_AND_TRUST else self.name.capitalize()


@dataclass(frozen=True)
class NavItem:
    area: Area
    label: str
    path: str  # relative to the project, e.g. "charter"; "" is the project's overview
    # Links a role cannot use are left out rather than answered with 403.
    permission: Permission = PROJECT_READ


@dataclass(frozen=True)
class Job:
    """A background job: `run(session_factory, settings) -> items done`, called again at once
    while it finds work (see `kernel.jobs`)."""

    name: str
    run: str  # "module:function"


@dataclass(frozen=True)
class Reaction:
    """A reaction to an event of another slice, run in the transaction that wrote the event:
    `run(session, event)`. A reaction that raises rolls the whole change back."""

    event: str
    run: str  # "module:function"


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    subscribable: bool = False  # webhooks may subscribe to it


@dataclass(frozen=True)
class Slice:
    """One lifecycle capability: its tables, adapters, permissions, jobs, events and docs."""

    name: str
    summary: str
    package: str  # e.g. "mlcontinuum.charter"
    tables: str | None = None  # module of its tables
    api: tuple[str, ...] = ()  # modules exposing `routes` (an APIRouter), in matching order
    pages: tuple[str, ...] = ()  # likewise, for pages
    cli: tuple[str, ...] = ()  # modules exposing `register(app: typer.Typer)`
    nav: tuple[NavItem, ...] = ()
    permissions: tuple[Permission, ...] = ()
    jobs: tuple[Job, ...] = ()
    reactions: tuple[Reaction, ...] = ()
    events: tuple[EventType, ...] = ()
    docs: tuple[str, ...] = ()  # pages under docs/

    @property
    def templates(self) -> Path | None:
        """The slice's own template folder, when it has pages."""
        spec = importlib.util.find_spec(self.package)
        if spec is None or spec.origin is None:
            return None
        folder = Path(spec.origin).parent / "templates"
        return folder if folder.is_dir() else None


def load(reference: str) -> Any:
    """The object a "module:attribute" reference names (the module itself without ":")."""
    module_name, _, attribute = reference.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


def permissions_of(slices: Sequence[Slice]) -> list[Permission]:
    """Every permission: the kernel's first, then each slice's, in slice order."""
    return [*INSTANCE_PERMISSIONS, PROJECT_READ, *(p for s in slices for p in s.permissions)]
