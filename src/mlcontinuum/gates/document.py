"""The gates file: YAML kept in the ML repository, naming the gates a candidate must pass.

Parsing is strict, as for the charter file: plain YAML only (no tags that construct objects,
no anchors or aliases), a size limit, unknown keys refused. Each gate's parameters are validated
by that gate's own schema, and every problem (an unknown gate, an unknown metric...) is reported
at once, naming what is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError

from mlcontinuum.gates.checks import gates
from mlcontinuum.gates.registry import Gate, GateParams
from mlcontinuum.kernel.errors import (
    FieldProblem,
    ValidationFailed,
    problems_from_validation,
    validation_failed,
)
from mlcontinuum.kernel.strict import Strict
from mlcontinuum.registry.schemas import ModelName

MAX_FILE_BYTES = 64 * 1024


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that also refuses aliases (no billion-laughs expansion)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.YAMLError(
                f"line {event.start_mark.line + 1}: anchors and aliases (*name) are not allowed "
                "in a gates file; write the value out"
            )
        return super().compose_node(parent, index)


class GatesHeader(Strict):
    continuum: Literal["gates/v1"]
    project: str = Field(min_length=1, max_length=64, description="The project's slug.")
    model: ModelName
    positive_label: str | int | bool | None = Field(
        default=None, description="The class scores are for; default: the model's last class."
    )
    gates: list[dict[str, Any]] = Field(min_length=1, max_length=50)


@dataclass(frozen=True)
class GateSpec:
    gate: Gate[Any]
    params: GateParams


@dataclass(frozen=True)
class GatesFile:
    project: str
    model: str
    positive_label: str | int | bool | None
    gates: list[GateSpec]


def _invalid(message: str, rule: str, field: str = "(file)") -> ValidationFailed:
    return ValidationFailed(message, [FieldProblem(field, rule, message)])


def _load(text: str | bytes) -> object:
    if len(text) > MAX_FILE_BYTES:
        raise _invalid(
            f"the gates file is {len(text)} bytes; the limit is {MAX_FILE_BYTES}", "max_size"
        )
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - _StrictLoader is a SafeLoader
    except yaml.constructor.ConstructorError as err:
        raise _invalid(
            f"the file uses a YAML tag Continuum refuses ({err.problem}); a gates file holds "
            "plain YAML only: strings, numbers, lists and mappings",
            "plain_yaml",
        ) from err
    except yaml.YAMLError as err:
        raise _invalid(f"the gates file is not valid YAML: {err}", "yaml_syntax") from err


def parse_gates(text: str | bytes) -> GatesFile:
    """Parse and validate a gates file; raises ValidationFailed naming every problem."""
    data = _load(text)
    if not isinstance(data, dict):
        raise _invalid(
            "a gates file is a mapping with keys continuum, project, model, gates", "mapping"
        )
    try:
        header = GatesHeader.model_validate(data)
    except ValidationError as err:
        raise validation_failed(err, "the gates file does not fit gates/v1: ") from err
    specs: list[GateSpec] = []
    problems: list[FieldProblem] = []
    for index, entry in enumerate(header.gates):
        where = f"gates.{index}"
        params = dict(entry)
        name = params.pop("gate", None)
        gate = gates.get(name) if isinstance(name, str) else None
        if gate is None:
            problems.append(
                FieldProblem(
                    f"{where}.gate",
                    "unknown_gate",
                    f"unknown gate '{name}'; valid gates: {', '.join(sorted(gates))}",
                )
            )
            continue
        try:
            specs.append(GateSpec(gate, gate.params.model_validate(params)))
        except ValidationError as err:
            for problem in problems_from_validation(err.errors()):
                field = f"{where}.{problem.field}" if problem.field != "(body)" else where
                problems.append(FieldProblem(field, problem.rule, f"{name}: {problem.message}"))
    names = [s.gate.name for s in specs]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(FieldProblem("gates", "unique", f"gate '{name}' is listed twice"))
    if problems:
        raise ValidationFailed(
            "the gates file has problems: "
            + "; ".join(f"{p.field}: {p.message}" for p in problems),
            problems,
        )
    return GatesFile(header.project, header.model, header.positive_label, specs)
