"""Raising alerts from a window's evaluation, de-duplicated by fingerprint.

- KPI alerts come from the charter: every KPI whose mean in a project window is past its alert
  threshold. Hourly KPIs are judged on hour windows, every other KPI on day windows, so one value
  is judged once. Business KPIs raise `critical` alerts, analytic KPIs `warning`.
- Drift and data-quality alerts come from the project's enabled rules, judged on windows of the
  rule's granularity, and only by evaluations that merged new batches: labels arriving later
  re-evaluate a window for its performance but do not raise its drift again. Likewise a KPI is
  raised only when its own values in the window changed.

While an alert with the same fingerprint is not resolved, a recurrence bumps `occurrences`,
`last_seen_at`, the title and detail, and raises the severity if the new one is higher; it writes
no event. A new alert writes `alert.opened`. Writers of alerts serialise on `lock_alerts`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.alerts import rules
from mlcontinuum.alerts.enums import AlertSource, AlertStatus, Severity
from mlcontinuum.alerts.models import Alert, AlertRule
from mlcontinuum.charter.enums import Direction, Frequency, KpiKind
from mlcontinuum.charter.models import Kpi
from mlcontinuum.kernel import events
from mlcontinuum.kernel.errors import ValidationFailed
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.monitoring.enums import Granularity, WindowScope
from mlcontinuum.monitoring.eval_schemas import KpiOutcome, WindowEvaluation
from mlcontinuum.monitoring.models import MonitorWindow
from mlcontinuum.releases.models import Deployment

log = logging.getLogger(__name__)

EVALUATOR = "system:evaluator"
MAX_LISTED = 10


@dataclass(frozen=True)
class Finding:
    source: AlertSource
    fingerprint: str
    severity: Severity
    title: str
    detail: dict[str, Any]
    deployment_id: int | None = None
    rule_id: int | None = None
    kpi_id: int | None = None


def kpi_severity(kind: KpiKind) -> Severity:
    return Severity.CRITICAL if kind is KpiKind.BUSINESS else Severity.WARNING


def kpi_granularity(frequency: Frequency) -> Granularity:
    return Granularity.HOUR if frequency is Frequency.HOURLY else Granularity.DAY


def raise_for_window(
    session: Session,
    window: MonitorWindow,
    evaluation: WindowEvaluation,
    *,
    previous: WindowEvaluation | None,
    new_batches: bool,
) -> list[Alert]:
    """Open or bump the alerts this evaluation calls for, and return them. `previous` is the
    window's evaluation before this one: a KPI whose values (and threshold) in the window did
    not change is not raised again (a value of another KPI re-evaluated the window)."""
    if evaluation.error is not None:
        return []
    if window.scope is WindowScope.PROJECT:
        seen = {_state(k) for k in previous.kpis} if previous else set()
        changed = [k for k in evaluation.kpis if _state(k) not in seen]
        findings = _kpi_findings(session, window, changed)
    elif new_batches:
        findings = _rule_findings(session, window, evaluation)
    else:
        findings = []
    if not findings:
        return []
    lock_alerts(session, window.project_id)
    return [_raise(session, window, finding) for finding in findings]


def _state(kpi: KpiOutcome) -> tuple[int, int, float, float, bool]:
    return (kpi.kpi_id, kpi.values, kpi.value, kpi.threshold, kpi.breached)


def _window_detail(window: MonitorWindow) -> dict[str, Any]:
    return {
        "window_id": window.id,
        "granularity": window.granularity.value,
        "start": window.start.isoformat(),
        "end": (window.start + window.granularity.length).isoformat(),
    }


def _kpi_findings(
    session: Session, window: MonitorWindow, outcomes: list[KpiOutcome]
) -> list[Finding]:
    breached = [k for k in outcomes if k.breached]
    if not breached:
        return []
    frequency = {
        row.id: row.frequency
        for row in session.execute(
            select(Kpi.id, Kpi.frequency).where(Kpi.id.in_([k.kpi_id for k in breached]))
        )
    }
    findings = []
    for kpi in breached:
        if kpi.kpi_id not in frequency:  # deleted since
            continue
        if kpi_granularity(frequency[kpi.kpi_id]) is not window.granularity:
            continue
        side = "below" if kpi.direction is Direction.HIGHER_IS_BETTER else "above"
        unit = f" {kpi.unit}" if kpi.unit else ""
        findings.append(
            Finding(
                source=AlertSource.KPI,
                fingerprint=f"kpi:{kpi.kpi_id}",
                severity=kpi_severity(kpi.kind),
                title=f"KPI '{kpi.name}' at {kpi.value:.4g}{unit}, {side} its alert threshold "
                f"{kpi.threshold:.4g}{unit}",
                detail=_window_detail(window)
                | {
                    "kpi": kpi.name,
                    "kind": kpi.kind.value,
                    "direction": kpi.direction.value,
                    "value": kpi.value,
                    "values": kpi.values,
                    "threshold": kpi.threshold,
                    "target": kpi.target,
                },
                kpi_id=kpi.kpi_id,
            )
        )
    return findings


def _rule_findings(
    session: Session, window: MonitorWindow, evaluation: WindowEvaluation
) -> list[Finding]:
    assert window.deployment_id is not None
    rows = session.scalars(
        select(AlertRule)
        .where(AlertRule.project_id == window.project_id, AlertRule.enabled.is_(True))
        .order_by(AlertRule.id)
    ).all()
    if not rows:
        return []
    deployment = session.get_one(Deployment, window.deployment_id)
    findings = []
    for rule in rows:
        try:
            params = rules.parse(rule.kind, rule.params)
        except ValidationFailed as err:  # e.g. a data check since removed: skip, say so
            log.warning("alert rule %s is skipped: %s", rule.id, err.message)
            continue
        if params.granularity is not window.granularity:
            continue
        base = _window_detail(window) | {"rule": rule.name, "deployment_id": deployment.id}
        if isinstance(params, rules.DriftParams):
            finding = _drift(rule, params, evaluation, deployment, base)
        else:
            finding = _quality(rule, params, evaluation, deployment, base)
        if finding is not None:
            findings.append(finding)
    return findings


def _where(deployment: Deployment) -> str:
    return f"deployment {deployment.id} ({deployment.model_name}, {deployment.environment.value})"


def _drift(
    rule: AlertRule,
    params: rules.DriftParams,
    evaluation: WindowEvaluation,
    deployment: Deployment,
    base: dict[str, Any],
) -> Finding | None:
    watched = set(params.columns)
    drifted = [c for c in evaluation.drift if c.drifted and (not watched or c.column in watched)]
    if len(drifted) < params.min_drifted_features:
        return None
    drifted.sort(key=lambda c: -(c.score or 0.0))
    names = ", ".join(c.column for c in drifted[:MAX_LISTED])
    return Finding(
        source=AlertSource.DRIFT,
        fingerprint=f"drift:{deployment.id}:{rule.id}",
        severity=rule.severity,
        title=f"Drift in {len(drifted)} feature(s) of {_where(deployment)}: {names}",
        detail=base
        | {
            "columns": [{"column": c.column, "score": c.score} for c in drifted],
            "min_drifted_features": params.min_drifted_features,
        },
        deployment_id=deployment.id,
        rule_id=rule.id,
    )


def _quality(
    rule: AlertRule,
    params: rules.QualityParams,
    evaluation: WindowEvaluation,
    deployment: Deployment,
    base: dict[str, Any],
) -> Finding | None:
    watched = set(params.checks)
    failed = [c for c in evaluation.checks if not c.passed and (not watched or c.name in watched)]
    if not failed:
        return None
    return Finding(
        source=AlertSource.DATA_QUALITY,
        fingerprint=f"quality:{deployment.id}:{rule.id}",
        severity=rule.severity,
        title=f"Data checks failed for {_where(deployment)}: " + ", ".join(c.name for c in failed),
        detail=base
        | {
            "checks": [{"name": c.name, "message": c.message, "details": c.details} for c in failed]
        },
        deployment_id=deployment.id,
        rule_id=rule.id,
    )


def lock_alerts(session: Session, project_id: int) -> None:
    """Serialise the writes to a project's alerts, and the opening of change requests from them.

    The lock is the project's event-chain head, which every event append takes anyway
    (`events.append`). Each writer takes it first, before any alert row: the evaluator raising
    alerts, people acknowledging or resolving them, someone opening a change request from one.
    So two evaluators finding the same problem open one alert, a recurrence never lands on an
    alert someone resolved meanwhile (it opens a new one), and, with one lock order, evaluators
    and people never wait for each other in a cycle. SQLite runs one writer at a time anyway.
    """
    events.lock_chain(session, project_id)


def _raise(session: Session, window: MonitorWindow, finding: Finding) -> Alert:
    """Bump the unresolved alert of the finding's fingerprint, or open one (under `lock_alerts`,
    so what is read here is what is committed)."""
    existing = session.scalar(
        select(Alert)
        .where(
            Alert.project_id == window.project_id,
            Alert.fingerprint == finding.fingerprint,
            Alert.status != AlertStatus.RESOLVED,
        )
        .order_by(Alert.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )
    now = utcnow()
    if existing is not None:
        existing.occurrences += 1
        existing.last_seen_at = now
        existing.title, existing.detail, existing.window_id = (
            finding.title[:300],
            finding.detail,
            window.id,
        )
        if finding.severity.rank > existing.severity.rank:
            existing.severity = finding.severity
        return existing
    alert = Alert(
        project_id=window.project_id,
        deployment_id=finding.deployment_id,
        source=finding.source,
        rule_id=finding.rule_id,
        kpi_id=finding.kpi_id,
        fingerprint=finding.fingerprint,
        severity=finding.severity,
        status=AlertStatus.OPEN,
        title=finding.title[:300],
        detail=finding.detail,
        window_id=window.id,
        first_seen_at=now,
        last_seen_at=now,
        occurrences=1,
    )
    session.add(alert)
    session.flush()
    events.append(
        session,
        type="alert.opened",
        actor=EVALUATOR,
        project_id=window.project_id,
        payload={
            "alert_id": alert.id,
            "severity": alert.severity.value,
            "title": alert.title,
            "source": alert.source.value,
            "deployment_id": alert.deployment_id,
            "fingerprint": alert.fingerprint,
        },
    )
    return alert
