"""Words people read for the values code uses."""

from __future__ import annotations

from mlcontinuum.kernel.auth.permissions import Role

ROLE_LABELS = {
    Role.OWNER: "Owner",
    Role.ML_ENGINEER: "ML engineer",
    Role.STAKEHOLDER: "Stakeholder (customer)",
    Role.VIEWER: "Viewer",
}
ROLE_CHOICES = [(role.value, label) for role, label in ROLE_LABELS.items()]


def role_label(role: Role | str | None) -> str:
    return "" if role is None else ROLE_LABELS.get(Role(role), str(role))
