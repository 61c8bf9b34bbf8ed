"""Who must approve a release: by default one of the ML team and one of the customer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from mlcontinuum.auth.roles import Role
from mlcontinuum.releases.enums import Side
from mlcontinuum.releases.schemas import PolicyState

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
