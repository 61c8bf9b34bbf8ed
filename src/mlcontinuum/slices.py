"""The one ordered list of slices, and what the app, the CLI, Alembic and the docs derive from
it. Adding a slice is a new folder with a `slice.py` declaring `SLICE`, plus one line here.

The order is the order of routers (a slice's fixed paths must come before another's
`/{parameter}` paths), of navigation within an area, and of the CLI's commands.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cache

from sqlalchemy import Engine, MetaData
from sqlalchemy.orm import Session, sessionmaker

from mlcontinuum.kernel.auth.permissions import Permission
from mlcontinuum.kernel.events import Event
from mlcontinuum.kernel.jobs import NamedJob
from mlcontinuum.kernel.slice import EventType, Slice, load, permissions_of
from mlcontinuum.kernel.storage.engine import make_session_factory

SLICE_PACKAGES = (
    "accounts",
    "charter",
    "data",
    "registry",
    "gates",
    "trust",
    "releases",
    "monitoring",
    "alerts",
    "changes",
    "operations",
    "webhooks",
    "audit",
)
# Tables that belong to no slice: the kernel's users, projects, tokens and the event log.
KERNEL_TABLES = ("mlcontinuum.kernel.auth.models", "mlcontinuum.kernel.events")


@cache
def all_slices() -> tuple[Slice, ...]:
    found = []
    for name in SLICE_PACKAGES:
        declared = importlib.import_module(f"mlcontinuum.{name}.slice").SLICE
        if not isinstance(declared, Slice) or declared.package != f"mlcontinuum.{name}":
            raise RuntimeError(f"mlcontinuum.{name}.slice must declare SLICE for its package")
        found.append(declared)
    return tuple(found)


def metadata() -> MetaData:
    """Every table of the kernel and the slices (for Alembic and the tests)."""
    from mlcontinuum.kernel.storage.base import Base

    for module in KERNEL_TABLES + tuple(s.tables for s in all_slices() if s.tables):
        importlib.import_module(module)
    return Base.metadata


def permissions() -> list[Permission]:
    return permissions_of(all_slices())


def event_types() -> list[EventType]:
    return [event for s in all_slices() for event in s.events]


def jobs() -> list[NamedJob]:
    return [NamedJob(job.name, load(job.run)) for s in all_slices() for job in s.jobs]


def reactions() -> dict[str, list[Callable[[Session, Event], None]]]:
    found: dict[str, list[Callable[[Session, Event], None]]] = defaultdict(list)
    for s in all_slices():
        for reaction in s.reactions:
            found[reaction.event].append(load(reaction.run))
    return dict(found)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose events reach the slices' reactions in the same transaction."""
    return make_session_factory(engine, reactions())


def modules(kind: str) -> Sequence[str]:
    """Every slice's adapter modules of one kind ("api", "pages" or "cli"), in order."""
    return [module for s in all_slices() for module in getattr(s, kind)]
