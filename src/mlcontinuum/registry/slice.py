"""Registry: runs with their parameters, metrics and lineage; models and their versions."""

from mlcontinuum.kernel.slice import Area, EventType, NavItem, Reaction, Slice
from mlcontinuum.registry.permissions import PERMISSIONS

SLICE = Slice(
    name="registry",
    summary="Runs (parameters, metrics, lineage) and model versions with scanned artifacts.",
    package="mlcontinuum.registry",
    tables="mlcontinuum.registry.models",
    api=("mlcontinuum.registry.api.runs", "mlcontinuum.registry.api.models"),
    # The run list declares /runs/compare ahead of /runs/{number}. The model pages, which show
    # gate runs too, are the trust slice's.
    pages=("mlcontinuum.registry.pages.runs", "mlcontinuum.registry.pages.run"),
    cli=("mlcontinuum.registry.cli",),
    nav=(NavItem(Area.BUILD, "Runs", "runs"),),
    permissions=PERMISSIONS,
    # A data source in a run's lineage stays in the register: its removal is refused.
    reactions=(
        Reaction(
            "data_source.removed", "mlcontinuum.registry.reactions:refuse_removing_used_source"
        ),
    ),
    events=(
        EventType("run.started", "A run started."),
        EventType("run.configured", "A run's parameters, tags or lineage were recorded."),
        EventType("run.finished", "A run finished."),
        EventType("run.failed", "A run failed."),
        EventType("run.killed", "A run was stopped before it finished."),
        EventType("run.reference_profile_set", "A run's reference profile was stored."),
        EventType("model.version_created", "A model version was registered.", subscribable=True),
        EventType("model.artifact_uploaded", "A version's artifact was uploaded and scanned."),
        EventType("model.reference_profile_set", "A version's reference profile was stored."),
        EventType("model.status_changed", "A version's status changed."),
    ),
    docs=("runs-and-models.md", "imports.md"),
)
