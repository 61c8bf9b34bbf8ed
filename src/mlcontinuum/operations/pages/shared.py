"""What the production pages share: a view model as a template's variables, and a refused
form about an alert, shown next to that alert on the page it was sent from."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

from mlcontinuum.web.forms import Form

AlertAction = Literal["acknowledge", "resolve", "change"]
AlertDone = Literal["", "acknowledged", "resolved"]
# What a page says after a form about an alert succeeded (`?done=...`).
ALERT_NOTICES = {
    "acknowledged": "Alert acknowledged: the team sees that someone is on it.",
    "resolved": "Alert resolved. If the problem comes back, a new alert opens.",
}


@dataclass(frozen=True)
class Refused:
    """A refused form about one alert, shown next to that alert."""

    alert_id: int
    action: AlertAction
    form: Form


def variables(view: Any) -> dict[str, Any]:
    """A view model's fields as a template's variables (nested values stay objects)."""
    return {field.name: getattr(view, field.name) for field in fields(view)}
