"""Who must approve a release (or a change request's decision): by default one of the ML team
and one of the customer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from mlcontinuum.kernel.auth.permissions import Role
from mlcontinuum.kernel.errors import PermissionDenied
from mlcontinuum.releases.enums import Side
from mlcontinuum.releases.schemas import ApprovalPublic, PolicyState

DEFAULT_POLICY: dict[Side, int] = {Side.ML_TEAM: 1, Side.CUSTOMER: 1}

# An owner approves as the ML team; a stakeholder's approval counts for the customer only.
SIDE_OF_ROLE: dict[Role, Side] = {
    Role.OWNER: Side.ML_TEAM,
    Role.ML_ENGINEER: Side.ML_TEAM,
    Role.STAKEHOLDER: Side.CUSTOMER,
}


def state(sides: Iterable[Side], policy: dict[Side, int] = DEFAULT_POLICY) -> PolicyState:
    given = Counter(sides)
    return PolicyState(
        required=dict(policy),
        missing={side: max(0, need - given[side]) for side, need in policy.items()},
    )


def met(current: PolicyState) -> bool:
    return not any(current.missing.values())


def side_of(role: Role, doing: str) -> Side:
    """The side a member of `role` approves for; PermissionDenied when the role has none (the
    permission check keeps viewers out first: this guards a future role)."""
    side = SIDE_OF_ROLE.get(role)
    if side is None:
        raise PermissionDenied(f"a {role.value} cannot {doing}")
    return side


def approvals_public(rows: Iterable[object]) -> list[ApprovalPublic]:
    """Approval rows (a release's or a change request's: username, side, comment, approved_at)
    as the API shows them."""
    return [ApprovalPublic.model_validate(row, from_attributes=True) for row in rows]
