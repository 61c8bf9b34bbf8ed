"""What an import did, and how it tells a caller about its progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Skipped:
    """Something that was not copied (a run, a key, a version, a link) and why."""

    item: str
    reason: str


@dataclass
class ImportReport:
    experiments: int = 0
    runs_created: int = 0
    runs_skipped: int = 0
    versions_created: int = 0
    versions_skipped: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    def skip(self, item: str, reason: str) -> None:
        self.skipped.append(Skipped(item, reason))


class Progress(Protocol):
    """Told about each stage of an import; the CLI draws it as a progress bar."""

    def stage(self, description: str, total: int) -> None: ...

    def advance(self) -> None: ...


class NoProgress:
    def stage(self, description: str, total: int) -> None:
        pass

    def advance(self) -> None:
        pass
