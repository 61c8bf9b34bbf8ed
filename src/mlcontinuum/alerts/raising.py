"""Raising alerts from a window's evaluation, de-duplicated by fingerprint: the reaction to
monitoring's `window.flagged`, in the transaction of the evaluation that flagged the window.

- KPI alerts come from the charter: every KPI whose mean in a project window is past its alert
  threshold. Hourly KPIs are judged on hour windows, every other KPI on day windows, so one value
  is judged once. Business KPIs raise `critical` alerts, analytic KPIs `warning`.
- Drift and data-quality alerts come from the project's enabled rules, judged on windows of the
  rule's granularity. Monitoring flags a deployment window only for an evaluation that merged
  new batches (labels arriving later re-evaluate a window for its performance but do not raise
  its drift again), and names in a project window's flag only the KPIs whose own values in the
  window changed.

While an alert with the same fingerprint is not resolved, a recurrence bumps `occurrences`,
`last_seen_at`, the title and detail, and raises the severity if the new one is higher; it writes
no event. A new alert writes `alert.opened`, by the actor that flagged the window. Writers of
alerts serialise on `service.lock_alerts`.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.alerts import rules
from mlcontinuum.alerts.enums import AlertSource, AlertStatus, Severity
from mlcontinuum.alerts.models import Alert, AlertRule
from mlcontinuum.alerts.service import lock_alerts
from mlcontinuum.charter import queries as charter
from mlcontinuum.charter.enums import Direction, Frequency, KpiKind
from mlcontinuum.kernel import events
from mlcontinuum.kernel.errors import ValidationFailed
from mlcontinuum.kernel.events import Event
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.monitoring import queries as monitoring
from mlcontinuum.monitoring.enums import Granularity, WindowScope
from mlcontinuum.monitoring.schemas import KpiOutcome, WindowEvaluation, WindowPublic
from mlcontinuum.releases import queries as releases
from mlcontinuum.releases.schemas import DeploymentPublic

log = logging.getLogger(__name__)

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


def on_window_flagged(session: Session, event: Event) -> None:
    """The reaction to `window.flagged`: raise what the flagged evaluation calls for."""
    assert event.project_id is not None  # windows belong to a project
    flagged = event.data
    window = monitoring.get_window(session, flagged["window_id"])
    raise_for_window(
        session, event.project_id, window, kpis=flagged.get("kpis", []), actor=event.actor
    )


def raise_for_window(
    session: Session, project_id: int, window: WindowPublic, *, kpis: Collection[int], actor: str
) -> list[Alert]:
    """Open or bump the alerts the window's stored evaluation calls for, and return them:
    in a project window, for the breached KPIs among `kpis`; in a deployment window, by the
    project's rules. `actor` opens the new ones."""
    evaluation = window.evaluation
    if evaluation is None or evaluation.error is not None:
        return []
    if window.scope is WindowScope.PROJECT:
        named = [k for k in evaluation.kpis if k.kpi_id in kpis]
        findings = _kpi_findings(session, project_id, window, named)
    else:
        findings = _rule_findings(session, project_id, window, evaluation)
    if not findings:
        return []
    lock_alerts(session, project_id)
    return [_raise(session, project_id, window, finding, actor) for finding in findings]


def _window_detail(window: WindowPublic) -> dict[str, Any]:
    return {
        "window_id": window.id,
        "granularity": window.granularity.value,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
    }


def _kpi_findings(
    session: Session, project_id: int, window: WindowPublic, outcomes: list[KpiOutcome]
) -> list[Finding]:
    breached = [k for k in outcomes if k.breached]
    if not breached:
        return []
    frequency = {
        kpi_id: kpi.frequency
        for kpi_id, kpi in charter.kpis_by_id(
            session, project_id, [k.kpi_id for k in breached]
        ).items()
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
    session: Session, project_id: int, window: WindowPublic, evaluation: WindowEvaluation
) -> list[Finding]:
    assert window.deployment_id is not None
    rows = session.scalars(
        select(AlertRule)
        .where(AlertRule.project_id == project_id, AlertRule.enabled.is_(True))
        .order_by(AlertRule.id)
    ).all()
    if not rows:
        return []
    deployment = releases.get_deployment(session, project_id, window.deployment_id)
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


def _where(deployment: DeploymentPublic) -> str:
    return f"deployment {deployment.id} ({deployment.model_name}, {deployment.environment.value})"


def _drift(
    rule: AlertRule,
    params: rules.DriftParams,
    evaluation: WindowEvaluation,
    deployment: DeploymentPublic,
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
    deployment: DeploymentPublic,
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


def _raise(
    session: Session, project_id: int, window: WindowPublic, finding: Finding, actor: str
) -> Alert:
    """Bump the unresolved alert of the finding's fingerprint, or open one (under `lock_alerts`,
    so what is read here is what is committed)."""
    existing = session.scalar(
        select(Alert)
        .where(
            Alert.project_id == project_id,
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
        project_id=project_id,
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
        actor=actor,
        project_id=project_id,
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
