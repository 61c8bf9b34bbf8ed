"""The data-check registry: each check module calls `register` with its descriptor."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from mlcontinuum.profiles.errors import ProfileError
from mlcontinuum.profiles.model import Profile


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one named check; `details` names each offending column."""

    name: str
    type_key: str
    passed: bool
    threshold: float
    message: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """What a check function returns: the offending items and a one-line summary."""

    details: tuple[str, ...]
    summary: str


CheckFn = Callable[[Profile, Profile, float], Finding]


@dataclass(frozen=True)
class DataCheck:
    name: str
    default_threshold: float
    fn: CheckFn
    description: str

    @property
    def type_key(self) -> str:
        return f"continuum:check:{self.name}"

    def run(self, reference: Profile, current: Profile, threshold: float) -> CheckResult:
        finding = self.fn(reference, current, threshold)
        return CheckResult(
            name=self.name,
            type_key=self.type_key,
            passed=not finding.details,
            threshold=threshold,
            message=finding.summary,
            details=finding.details,
        )


_CHECKS: dict[str, DataCheck] = {}
data_checks: Mapping[str, DataCheck] = MappingProxyType(_CHECKS)


def register(check: DataCheck) -> DataCheck:
    if check.name in _CHECKS:
        raise ProfileError(f"data check {check.name!r} is registered twice")
    _CHECKS[check.name] = check
    return check
