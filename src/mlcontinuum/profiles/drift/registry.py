"""The drift-method registry: each method module calls `register` with its descriptor."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from mlcontinuum.profiles.errors import NotComparable, ProfileError
from mlcontinuum.profiles.model import ColumnKind, ColumnProfile


@dataclass(frozen=True)
class MethodResult:
    """What a method computes from two column profiles.

    `noise_floor` is the value expected with no drift at all, from sampling noise (and sketch
    error where stated); verdicts subtract it before comparing with the threshold, which is what
    keeps unshifted high-cardinality columns quiet.
    """

    value: float
    noise_floor: float = 0.0
    p_value: float | None = None


DriftFn = Callable[[ColumnProfile, ColumnProfile], MethodResult]


@dataclass(frozen=True)
class DriftMethod:
    """Descriptor of a drift method. Every method here reads "higher value = more drift"."""

    name: str
    kinds: frozenset[ColumnKind]
    default_threshold: float
    fn: DriftFn
    description: str
    direction: str = "higher_is_drift"

    @property
    def type_key(self) -> str:
        """Stable key stored with results, never a Python import path."""
        return f"continuum:drift:{self.name}"

    def drifted(self, result: MethodResult, threshold: float) -> bool:
        return result.value - result.noise_floor >= threshold


__all__ = ["DriftFn", "DriftMethod", "MethodResult", "NotComparable", "drift_methods", "register"]

_METHODS: dict[str, DriftMethod] = {}
drift_methods: Mapping[str, DriftMethod] = MappingProxyType(_METHODS)


def register(method: DriftMethod) -> DriftMethod:
    if method.name in _METHODS:
        raise ProfileError(f"drift method {method.name!r} is registered twice")
    _METHODS[method.name] = method
    return method
