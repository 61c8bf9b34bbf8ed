"""Gates: quality, fairness, data, drift, security, compliance and explainability checks."""

from mlcontinuum.kernel.slice import EventType, Slice

SLICE = Slice(
    name="gates",
    summary="Automated gates on candidate model versions (`continuum check`), and their runs.",
    package="mlcontinuum.gates",
    tables="mlcontinuum.gates.models",
    api=("mlcontinuum.gates.api",),
    cli=("mlcontinuum.gates.cli",),
    events=(EventType("gates.run", "A gate run was uploaded for a version.", subscribable=True),),
    docs=("gates.md",),
)
