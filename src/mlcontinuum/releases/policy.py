"""The release policy of each environment: read it (the default where nobody changed it) and
change it. What a release is checked against lives in `checking`."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.gates import queries as gates
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.errors import FieldProblem, ValidationFailed
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.releases.enums import Environment
from mlcontinuum.releases.models import ReleasePolicy
from mlcontinuum.releases.schemas import ReleasePolicyPublic, ReleasePolicyUpdate

# The policy of an environment nobody has changed: every gate the latest gate run marks required
# passed, the artifact scanned safe, every data source compliant, one approval of each side.
DEFAULTS = ReleasePolicyUpdate()
POLICY_FIELDS = tuple(ReleasePolicyUpdate.model_fields)


def _public(environment: Environment, row: ReleasePolicy | None) -> ReleasePolicyPublic:
    if row is None:
        return ReleasePolicyPublic(
            environment=environment,
            **DEFAULTS.model_dump(),
            default=True,
            updated_by=None,
            updated_at=None,
        )
    return ReleasePolicyPublic(
        environment=environment,
        **{name: getattr(row, name) for name in POLICY_FIELDS},
        default=False,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


def policies(
    session: Session, project_ids: Collection[int]
) -> dict[tuple[int, Environment], ReleasePolicyPublic]:
    """The policy of every environment of each project, in one query."""
    rows = {
        (row.project_id, row.environment): row
        for row in session.scalars(
            select(ReleasePolicy).where(ReleasePolicy.project_id.in_(set(project_ids)))
        )
    }
    return {
        (project_id, environment): _public(environment, rows.get((project_id, environment)))
        for project_id in project_ids
        for environment in Environment
    }


def list_policies(session: Session, project_id: int) -> list[ReleasePolicyPublic]:
    """The project's policy for each environment, staging first."""
    found = policies(session, [project_id])
    return [found[(project_id, environment)] for environment in Environment]


def get_policy(session: Session, project_id: int, environment: Environment) -> ReleasePolicyPublic:
    return policies(session, [project_id])[(project_id, environment)]


def _checked(merged: dict[str, Any]) -> dict[str, Any]:
    """The merged policy, refused naming the field when it names an unknown gate or asks for
    no approval at all (nobody would ever approve the release, so it would never deploy)."""
    named: list[str] | None = merged["required_gates"]
    if named is not None:
        known = gates.gate_names()
        unknown = [name for name in named if name not in known]
        if unknown:
            message = (
                f"no gate named {', '.join(repr(n) for n in unknown)}; the gates are "
                f"{', '.join(sorted(known))}"
            )
            raise ValidationFailed(message, [FieldProblem("required_gates", "unknown", message)])
        merged["required_gates"] = list(dict.fromkeys(named))
    if merged["ml_team_approvals"] + merged["customer_approvals"] < 1:
        message = "a release needs at least one approval, from the ML team or the customer"
        raise ValidationFailed(
            message, [FieldProblem("ml_team_approvals", "at_least_one", message)]
        )
    return merged


def update_policy(
    session: Session, access: ProjectAccess, environment: Environment, data: ReleasePolicyUpdate
) -> ReleasePolicyPublic:
    """Set the fields `data` was given (the others keep their value); one event if anything
    changed."""
    project_id = access.project.id
    # Serialises changes to the project's policies, so two first edits cannot both insert.
    events.lock_chain(session, project_id)
    row = session.scalar(
        select(ReleasePolicy).where(
            ReleasePolicy.project_id == project_id, ReleasePolicy.environment == environment
        )
    )
    before = _public(environment, row)
    current = {name: getattr(before, name) for name in POLICY_FIELDS}
    merged = _checked({**current, **data.model_dump(include=data.model_fields_set)})
    changes = {name: value for name, value in merged.items() if current[name] != value}
    if not changes:
        return before
    if row is None:
        row = ReleasePolicy(project_id=project_id, environment=environment)
        session.add(row)
    for name, value in merged.items():
        setattr(row, name, value)
    row.updated_by, row.updated_at = access.actor, utcnow()
    session.flush()
    events.append(
        session,
        type="release.policy_updated",
        actor=access.actor,
        project_id=project_id,
        payload={"environment": environment.value, "changes": changes, "policy": merged},
    )
    return _public(environment, row)
