"""Evidence on a change request: what a person gives, checked against the project, and what an
alert brings with it (its window, the deployment's charts, and from its detail the drifted
columns with their scores, the KPI value against its threshold, or the failed data checks).

Evidence is stored as it was when the request was opened: the request is a record of what the
people deciding saw.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from math import isfinite
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from mlcontinuum.alerts.enums import AlertSource
from mlcontinuum.alerts.schemas import AlertPublic
from mlcontinuum.changes.schemas import (
    MAX_EVIDENCE,
    TEXT_LIMIT,
    ChartEvidence,
    EvidenceIn,
    EvidenceItem,
    MetricEvidence,
    NoteEvidence,
    WindowEvidence,
    WindowRef,
)
from mlcontinuum.kernel.errors import FieldProblem, ValidationFailed
from mlcontinuum.monitoring import queries as monitoring
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.monitoring.schemas import WindowPublic
from mlcontinuum.releases import queries as releases

# Drift scores are scaled so that 1 is the threshold (see the window evaluation).
DRIFT_SCORE_THRESHOLD = 1.0
# An alert on a wide table lists its most drifted columns, not all of them.
MAX_ALERT_COLUMNS = 20

_items = TypeAdapter(list[EvidenceItem])


def load(stored: list[dict[str, Any]]) -> list[EvidenceItem]:
    return _items.validate_python(stored)


def dump(items: Sequence[EvidenceItem]) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json") for item in items]


def window_item(window: WindowPublic) -> WindowEvidence:
    return WindowEvidence(
        kind="window",
        window_id=window.id,
        deployment_id=window.deployment_id,
        granularity=window.granularity,
        start=window.start,
    )


def resolve(session: Session, project_id: int, given: Sequence[EvidenceIn]) -> list[EvidenceItem]:
    """A person's evidence, every reference checked to exist in this project (422 otherwise)."""
    problems: list[FieldProblem] = []
    resolved: list[EvidenceItem] = []
    windows = monitoring.windows_by_id(
        session, project_id, {item.window_id for item in given if isinstance(item, WindowRef)}
    )
    for index, item in enumerate(given):
        where = f"evidence.{index}"
        if isinstance(item, WindowRef):
            window = windows.get(item.window_id)
            if window is None:
                problems.append(
                    FieldProblem(
                        f"{where}.window_id",
                        "unknown_window",
                        f"no monitoring window {item.window_id} in this project",
                    )
                )
                continue
            resolved.append(window_item(window))
        elif isinstance(item, ChartEvidence):
            if deployment_exists(session, project_id, item.deployment_id):
                resolved.append(item)
            else:
                problems.append(
                    FieldProblem(
                        f"{where}.deployment_id",
                        "unknown_deployment",
                        f"no deployment {item.deployment_id} in this project",
                    )
                )
        else:
            resolved.append(item)
    if problems:
        raise ValidationFailed(
            "evidence refers to records this project does not have: "
            + "; ".join(f"{p.field}: {p.message}" for p in problems),
            problems,
        )
    return resolved


def deployment_exists(session: Session, project_id: int, deployment_id: int) -> bool:
    return bool(releases.deployments_by_id(session, project_id, [deployment_id]))


def from_alert(session: Session, project_id: int, alert: AlertPublic) -> list[EvidenceItem]:
    """The evidence an alert carries: a note on the alert, its window and the deployment's
    charts, then the numbers behind it, from the alert's detail."""
    window = (
        monitoring.windows_by_id(session, project_id, [alert.window_id]).get(alert.window_id)
        if alert.window_id is not None
        else None
    )
    items: list[EvidenceItem] = [
        NoteEvidence(
            kind="note",
            text=_clip(
                f"Alert {alert.id} ({alert.severity.value}, {alert.source.value}): "
                f"{alert.title}. Seen {alert.occurrences} time(s) from "
                f"{alert.first_seen_at.isoformat()} to {alert.last_seen_at.isoformat()}."
            ),
        )
    ]
    if window is not None:
        items.append(window_item(window))
    if alert.deployment_id is not None:
        granularity = window.granularity if window is not None else Granularity.DAY
        items.append(
            ChartEvidence(kind="chart", deployment_id=alert.deployment_id, granularity=granularity)
        )
    detail = alert.detail if isinstance(alert.detail, dict) else {}
    start = window.start if window is not None else None
    if alert.source is AlertSource.DRIFT:
        items.extend(_drift(detail, start))
    elif alert.source is AlertSource.KPI:
        items.extend(_kpi(detail, start))
    else:
        items.extend(_checks(detail))
    return items[:MAX_EVIDENCE]


# The detail shapes are those the alerts slice writes (alerts/raising.py).


def _drift(detail: dict[str, Any], start: datetime | None) -> list[EvidenceItem]:
    """{"columns": [{"column": .., "score": ..}, ...]}: the drifted columns."""
    scored = [
        (str(c["column"]), float(c["score"]))
        for c in _dicts(detail.get("columns"))
        if "column" in c and _finite(c.get("score"))
    ]
    scored.sort(key=lambda pair: -pair[1])
    return [
        MetricEvidence(
            kind="metric",
            name=_name(f"drift score: {column}"),
            value=score,
            threshold=DRIFT_SCORE_THRESHOLD,
            window_start=start,
        )
        for column, score in scored[:MAX_ALERT_COLUMNS]
    ]


def _kpi(detail: dict[str, Any], start: datetime | None) -> list[EvidenceItem]:
    """{"kpi": name, "value": mean in the window, "threshold": alert threshold, ...}."""
    if not _finite(detail.get("value")):
        return []
    threshold: Any = detail.get("threshold")
    return [
        MetricEvidence(
            kind="metric",
            name=_name(f"KPI: {detail.get('kpi') or 'value'}"),
            value=float(detail["value"]),
            threshold=float(threshold) if _finite(threshold) else None,
            window_start=start,
        )
    ]


def _checks(detail: dict[str, Any]) -> list[EvidenceItem]:
    """{"checks": [{"name": .., "message": .., "details": [..]}, ...]}: the failed checks."""
    return [
        NoteEvidence(
            kind="note",
            text=_clip(f"Data check {c.get('name', '?')} failed: {c.get('message', '')}".strip()),
        )
        for c in _dicts(detail.get("checks"))
    ]


def _dicts(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, Iterable) or isinstance(value, str | bytes | dict):
        return []
    return [item for item in value if isinstance(item, dict)]


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and isfinite(value)


def _clip(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def _name(text: str) -> str:
    return text if len(text) <= 200 else text[:199] + "…"
