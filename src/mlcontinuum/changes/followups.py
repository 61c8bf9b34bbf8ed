"""The follow-up a decided change creates, in the transaction that decides it:

- retrain: a `retrain.requested` event, which the outbox delivers to the project's retrain hooks;
- redeploy and roll back: a release request (through the releases service, so it needs its own
  approvals and shows its own evidence), requested on behalf of the proposer;
- accept: a note for the project plan.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from mlcontinuum.changes.enums import ChangeOption
from mlcontinuum.changes.models import ChangeRequest, PlanNote
from mlcontinuum.changes.schemas import FollowUp
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.registry import queries as registry
from mlcontinuum.registry import service as registry_service
from mlcontinuum.registry.enums import VersionStatus
from mlcontinuum.releases import queries as deployments
from mlcontinuum.releases import service as releases
from mlcontinuum.releases.enums import Strategy
from mlcontinuum.releases.schemas import DeploymentPublic, ReleaseCreate

NOTES_LIMIT = 5_000


def create(session: Session, access: ProjectAccess, change: ChangeRequest) -> FollowUp:
    option = change.decision
    if option is ChangeOption.RETRAIN:
        return _retrain(session, access, change)
    if option is ChangeOption.REDEPLOY or option is ChangeOption.ROLL_BACK:
        return _release(session, access, change)
    return _plan_note(session, access, change)


def _deployment(session: Session, change: ChangeRequest) -> DeploymentPublic:
    # Checked when the decision was proposed; a deployment is never deleted.
    assert change.deployment_id is not None
    return deployments.get_deployment(session, change.project_id, change.deployment_id)


def _retrain(session: Session, access: ProjectAccess, change: ChangeRequest) -> FollowUp:
    deployment = _deployment(session, change)
    event = events.append(
        session,
        type="retrain.requested",
        actor=access.actor,
        project_id=change.project_id,
        payload={
            "change_id": change.id,
            "deployment_id": deployment.id,
            "model": deployment.model_name,
            "version": deployment.version,
            "reason": change.rationale,
            "evidence": change.evidence,
        },
    )
    return FollowUp(kind="retrain", id=event.id, event_seq=event.seq)


def _release(session: Session, access: ProjectAccess, change: ChangeRequest) -> FollowUp:
    deployment = _deployment(session, change)
    assert change.decision_version_id is not None  # set when the decision was proposed
    version = registry.versions_by_id(session, [change.decision_version_id])[
        change.decision_version_id
    ]
    if version.status is VersionStatus.ARCHIVED:
        # Both sides decided to put this version back: restore it, as a person would by hand
        # before requesting its release (recorded as model.status_changed).
        registry_service.set_status(
            session, access, version.model_name, version.version, VersionStatus.CANDIDATE
        )
    what = "roll back" if change.decision is ChangeOption.ROLL_BACK else "redeploy"
    notes = f"Change request {change.id} ({what}): {change.title}. {change.rationale}"
    if len(notes) > NOTES_LIMIT:
        notes = notes[: NOTES_LIMIT - 1] + "…"
    created = releases.request_release(
        session,
        access,
        ReleaseCreate(
            model_name=version.model_name,
            version=version.version,
            environment=deployment.environment,
            strategy=Strategy.FULL,
            notes=notes,
        ),
        requested_by=change.proposed_by,
    )
    # The release.requested event was the last one appended to the project's chain (its head
    # is locked by this transaction).
    head = session.get_one(events.ChainHead, events.chain_for(change.project_id))
    return FollowUp(kind="release", id=created.id, event_seq=head.seq)


def _plan_note(session: Session, access: ProjectAccess, change: ChangeRequest) -> FollowUp:
    text = f"{change.title}: {change.rationale}"
    note = PlanNote(
        project_id=change.project_id,
        change_id=change.id,
        text=text,
        created_by=change.proposed_by or access.actor,
    )
    session.add(note)
    session.flush()
    event = events.append(
        session,
        type="plan.note_added",
        actor=access.actor,
        project_id=change.project_id,
        payload={"note_id": note.id, "change_id": change.id, "text": text},
    )
    return FollowUp(kind="plan_note", id=note.id, event_seq=event.seq)
