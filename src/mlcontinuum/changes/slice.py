"""Change control: change requests with their evidence, decided by both sides."""

from mlcontinuum.changes.permissions import PERMISSIONS
from mlcontinuum.kernel.slice import EventType, Slice

SLICE = Slice(
    name="changes",
    summary="Change requests from alerts or people, decisions approved by both sides.",
    package="mlcontinuum.changes",
    tables="mlcontinuum.changes.models",
    api=("mlcontinuum.changes.api",),
    permissions=PERMISSIONS,
    events=(
        EventType("change.opened", "A change request was opened.", subscribable=True),
        EventType("change.proposed", "A decision was proposed.", subscribable=True),
        EventType("change.approved", "One side approved the proposed decision.", subscribable=True),
        EventType("change.decided", "Both sides approved: the decision stands.", subscribable=True),
        EventType("change.withdrawn", "A change request was withdrawn.", subscribable=True),
        EventType(
            "retrain.requested", "A decision asked the pipeline to retrain.", subscribable=True
        ),
        EventType("plan.note_added", "A decision added a note for the plan.", subscribable=True),
    ),
    docs=("change-control.md",),
)
