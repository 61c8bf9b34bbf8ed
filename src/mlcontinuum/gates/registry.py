"""The gate registry: each module under `checks/` registers one `Gate` descriptor.

A gate is a pure function of its parameters and the `GateContext`; its parameters are a pydantic
model (unknown keys refused), so the gates file is validated against every gate's own schema.
Results carry the stable type key `continuum:gate:<name>`, never a Python path.
"""

from __future__ import annotations

import functools
import importlib.util
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import Field

from mlcontinuum.gates.enums import GateStatus
from mlcontinuum.kernel.strict import Strict

if TYPE_CHECKING:
    from mlcontinuum.gates.context import GateContext

TYPE_KEY_PREFIX = "continuum:gate:"


class GateParams(Strict):
    """Parameters every gate takes; each gate extends this with its own."""

    required: bool = Field(
        default=True,
        description="A required gate that does not pass makes `continuum check` exit 1.",
    )


@dataclass(frozen=True)
class Outcome:
    """What a gate function returns."""

    status: GateStatus
    message: str
    measured: dict[str, float | None] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


P = TypeVar("P", bound=GateParams)


@dataclass(frozen=True)
class Gate(Generic[P]):
    name: str
    params: type[P]
    fn: Callable[[P, GateContext], Outcome]
    description: str

    @property
    def type_key(self) -> str:
        return TYPE_KEY_PREFIX + self.name


_GATES: dict[str, Gate[Any]] = {}
gates: Mapping[str, Gate[Any]] = MappingProxyType(_GATES)


def register(gate: Gate[P]) -> Gate[P]:
    if gate.name in _GATES:
        raise ValueError(f"gate {gate.name!r} is registered twice")
    _GATES[gate.name] = gate
    return gate


@functools.cache
def gate_names() -> frozenset[str]:
    """The known gates' names, without importing them and their ML libraries (the server only
    needs the names to check uploads): each gate is the module of its name in `gates/checks/`,
    which a test holds."""
    spec = importlib.util.find_spec("mlcontinuum.gates.checks")
    assert spec is not None
    assert spec.submodule_search_locations is not None
    return frozenset(
        module.name for module in pkgutil.iter_modules(spec.submodule_search_locations)
    )
