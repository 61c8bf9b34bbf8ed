"""The demo's production story, run through the same services the API calls.

Version 2 is released to production (the ML engineer asks, the owner and the head of retention
approve). Eight weeks of traffic are logged as daily batches: profiles and scores only, outcomes
two weeks late, and the recall KPI reported per week once its outcomes are known. The evaluator
finds the drift of week five and the recall below the charter's threshold and opens alerts. The
ML engineer opens a change request from the KPI alert and proposes a retrain; the head of
retention approves. The retrain trigger reaches a signed-webhook receiver on 127.0.0.1 that this
process runs for the purpose (the only address the demo allows its outbox). The "retrain
pipeline" then trains version 3 on the training data plus the labelled production weeks, gates
it, and releases it through the same approvals.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pandas as pd
import skops.io as sio
from sqlalchemy.orm import Session, sessionmaker

from mlcontinuum.alerts import queries as alerts_queries
from mlcontinuum.alerts import service as alerts
from mlcontinuum.alerts.enums import AlertSource, AlertStatus, RuleKind, Severity
from mlcontinuum.alerts.schemas import RuleCreate
from mlcontinuum.changes import service as changes
from mlcontinuum.changes.enums import ChangeOption
from mlcontinuum.changes.schemas import ChangeCreate, DecisionCreate
from mlcontinuum.charter import service as charter_service
from mlcontinuum.demo import charter as content
from mlcontinuum.demo import modeling
from mlcontinuum.demo.baselines import CAPACITY
from mlcontinuum.demo.production import LABEL_DELAY, Day, recall_in_capacity, simulate
from mlcontinuum.gates import queries as gates_queries
from mlcontinuum.gates.enums import GateStatus
from mlcontinuum.kernel.auth import service as auth_service
from mlcontinuum.kernel.auth.access import ProjectAccess, project_access
from mlcontinuum.kernel.auth.permissions import PROJECT_READ
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.kernel.storage.artifacts import ArtifactStore
from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.monitoring import queries as monitoring_queries
from mlcontinuum.monitoring import service as monitoring
from mlcontinuum.monitoring.schemas import BatchCreate, KpiValueCreate, LabelsCreate
from mlcontinuum.profiles import build_profile, dumps
from mlcontinuum.registry import queries as registry
from mlcontinuum.registry.enums import SKOPS_DATA_TYPES
from mlcontinuum.releases import service as releases
from mlcontinuum.releases.enums import Environment
from mlcontinuum.releases.schemas import ReleaseCreate
from mlcontinuum.webhooks import service as webhooks
from mlcontinuum.webhooks.enums import WebhookKind
from mlcontinuum.webhooks.schemas import WebhookCreate, WebhookUpdate

RECALL_KPI = f"Recall in the top {CAPACITY:.0%}"
RECEIVER_NETWORK = "127.0.0.1/32"


@dataclass
class ProductionResult:
    ran: bool = False
    batches: int = 0
    labelled: int = 0
    alerts: list[str] = field(default_factory=list)
    change_id: int | None = None
    webhook_verified: bool = False
    retrained_version: int | None = None


@dataclass
class Receiver:
    """The retrain pipeline's endpoint: checks each delivery's signature with the secret."""

    secret: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    verified: list[bool] = field(default_factory=list)


@contextmanager
def _receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.verified.append(
                webhooks.verify_signature(
                    state.secret,
                    self.headers.get("X-Continuum-Timestamp", ""),
                    body,
                    self.headers.get("X-Continuum-Signature", ""),
                )
            )
            state.received.append(json.loads(body))
            self.send_response(202 if state.verified[-1] else 401)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/retrain"
    finally:
        server.shutdown()
        server.server_close()


def run(
    sessions: sessionmaker[Session], settings: Settings, artifacts: ArtifactStore
) -> ProductionResult:
    """Play the production weeks, unless the demo project already has production data."""
    result = ProductionResult()
    end = datetime.now(UTC)
    with transaction(sessions) as session:
        people = _people(session)
        engineer = people[content.ML_ENGINEER.username]
        project_id = engineer.project.id
        if monitoring_queries.has_batches(session, project_id):
            return result
        result.ran = True
        deployment_id = _release(session, people, modeling_version=2)
        _rules(session, engineer)
    model = _model(sessions, artifacts, project_id, version=2)
    days = simulate(modeling.load_frame(), end)
    with transaction(sessions) as session:
        engineer = _people(session)[content.ML_ENGINEER.username]
        result.batches, result.labelled = _log_traffic(
            session, engineer, settings, deployment_id, days, model, end
        )
        monitoring.evaluate_now(session, engineer.project.id, deployment_id)
        result.alerts = [
            a.title
            for a in alerts_queries.list_alerts(
                session,
                engineer.project.id,
                status=[AlertStatus.OPEN],
                deployment_id=None,
                source=None,
                severity=None,
                page=1,
                per_page=50,
            ).items
        ]
    # The demo's own receiver is the one internal address its outbox may reach.
    local = settings.model_copy(update={"webhook_allowed_networks": [RECEIVER_NETWORK]})
    with _receiver() as (receiver, url):
        with transaction(sessions) as session:
            people = _people(session)
            engineer = people[content.ML_ENGINEER.username]
            hook = webhooks.create_webhook(
                session,
                engineer,
                local,
                WebhookCreate(name="Retrain pipeline (demo)", kind=WebhookKind.RETRAIN, url=url),
            )
            receiver.secret = hook.secret
            result.change_id = _decide_retrain(session, people, deployment_id)
        while webhooks.deliver_now(sessions, local):
            pass
        result.webhook_verified = bool(receiver.verified) and all(receiver.verified)
        with transaction(sessions) as session:
            # The receiver lives only as long as this command; pause its webhook on the record.
            webhooks.update_webhook(
                session,
                _people(session)[content.ML_ENGINEER.username],
                local,
                hook.id,
                WebhookUpdate(enabled=False),
            )
    if result.webhook_verified:
        result.retrained_version = _retrain_and_release(sessions, artifacts, days, end)
    return result


def _people(session: Session) -> dict[str, ProjectAccess]:
    """Each demo person's access to the project with every permission they hold."""
    wanted = {a.username for a in content.ACCOUNTS}
    users = {
        u.username: u
        for u in auth_service.list_users(session)
        if u.username in wanted or u.is_admin
    }
    admin = min((u for u in users.values() if u.is_admin), key=lambda u: u.id)
    named = {a.username: users[a.username] for a in content.ACCOUNTS} | {"owner": admin}
    return {
        name: project_access(
            session, auth_service.principal_of(user), content.SLUG, PROJECT_READ
        )
        for name, user in named.items()
    }


def _release(session: Session, people: dict[str, ProjectAccess], modeling_version: int) -> int:
    """Released by the ML engineer's request and both sides' approvals; the deployment id."""
    requested = releases.request_release(
        session,
        people[content.ML_ENGINEER.username],
        ReleaseCreate(
            model_name=modeling.MODEL_NAME,
            version=modeling_version,
            environment=Environment.PRODUCTION,
            notes="Passed every required gate; equalized odds within 0.1 on senior citizens.",
        ),
    )
    releases.approve(session, people["owner"], requested.id, "Gates and card reviewed.")
    approved = releases.approve(
        session,
        people[content.HEAD_OF_RETENTION.username],
        requested.id,
        "The call list fits the call centre's capacity.",
    )
    assert approved.deployment_id is not None, "both sides approved: the release is deployed"
    return approved.deployment_id


def _rules(session: Session, engineer: ProjectAccess) -> None:
    alerts.create_rule(
        session,
        engineer,
        RuleCreate(
            kind=RuleKind.DRIFT,
            name="Customer mix drifts from the training data",
            severity=Severity.WARNING,
            params={"granularity": "day", "min_drifted_features": 1},
        ),
    )
    alerts.create_rule(
        session,
        engineer,
        RuleCreate(
            kind=RuleKind.DATA_QUALITY,
            name="Scoring input is complete and in range",
            severity=Severity.CRITICAL,
            # The training profile holds the outcome column, which production data cannot
            # have, so the removed-columns check is left out of this rule.
            params={
                "granularity": "day",
                "checks": ["missing_rate", "out_of_range", "kind_changes", "added_columns"],
            },
        ),
    )


def _model(
    sessions: sessionmaker[Session], artifacts: ArtifactStore, project_id: int, version: int
) -> Any:
    """The registered artifact itself, loaded with the same trusted-type check as the gates."""
    with transaction(sessions) as session:
        sha256 = registry.get_artifact(session, project_id, modeling.MODEL_NAME, version).sha256
    return sio.load(artifacts.path_of(sha256), trusted=sorted(SKOPS_DATA_TYPES))


def _scores(model: Any, features: pd.DataFrame) -> np.ndarray:
    proba = model.predict_proba(features)
    scores: np.ndarray = proba[:, list(model.classes_).index(modeling.POSITIVE)]
    return scores


def _log_traffic(
    session: Session,
    engineer: ProjectAccess,
    settings: Settings,
    deployment_id: int,
    days: list[Day],
    model: Any,
    end: datetime,
) -> tuple[int, int]:
    """Each day's batch; outcomes for the days at least LABEL_DELAY old; the weekly recall."""
    recall = next(
        k for k in charter_service.list_kpis(session, engineer.project.id) if k.name == RECALL_KPI
    )
    labelled = 0
    weekly: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
    for day in days:
        # The fair model never sees senior_citizen; the profile still does (it is monitored).
        scores = _scores(model, day.features.drop(columns=[modeling.SENSITIVE]))
        monitoring.log_batch(
            session,
            engineer,
            deployment_id,
            f"demo-{day.at:%Y%m%d}",
            BatchCreate(
                at=day.at,
                rows=len(day.ids),
                profile=base64.b64encode(dumps(build_profile(day.features))).decode(),
                prediction_ids=day.ids,
                predictions=[round(float(s), 6) for s in scores],
            ),
            settings,
        )
        if day.at + LABEL_DELAY <= end:
            monitoring.log_labels(
                session,
                engineer,
                deployment_id,
                f"demo-labels-{day.at:%Y%m%d}",
                LabelsCreate.model_validate(
                    {
                        "labels": [
                            {"id": i, "label": float(c)}
                            for i, c in zip(day.ids, day.churned, strict=True)
                        ]
                    }
                ),
                settings,
            )
            labelled += len(day.ids)
            weekly.setdefault(day.week, []).append((day.churned, scores))
    for week, parts in sorted(weekly.items()):
        if len(parts) < 7:
            continue  # a week is measured once all its outcomes are in
        churned = np.concatenate([p[0] for p in parts])
        scores = np.concatenate([p[1] for p in parts])
        week_start = days[(week - 1) * 7].at
        monitoring.report_kpi_value(
            session,
            engineer,
            recall.id,
            f"demo-recall-week-{week}",
            KpiValueCreate(
                at=week_start + timedelta(days=3),
                value=round(recall_in_capacity(churned, scores), 4),
            ),
            settings,
        )
    return len(days), labelled


def _decide_retrain(
    session: Session, people: dict[str, ProjectAccess], deployment_id: int
) -> int | None:
    """The ML engineer opens a change request from the KPI alert and proposes a retrain; the
    head of retention approves, which sends the retrain trigger."""
    engineer = people[content.ML_ENGINEER.username]
    found = alerts_queries.list_alerts(
        session,
        engineer.project.id,
        status=[AlertStatus.OPEN],
        deployment_id=None,
        source=AlertSource.KPI,
        severity=None,
        page=1,
        per_page=1,
    ).items
    if not found:
        return None
    alerts.acknowledge(session, engineer, found[0].id)
    opened = changes.open_change(
        session,
        engineer,
        ChangeCreate(
            alert_id=found[0].id,
            deployment_id=deployment_id,
            what_changed=(
                "Since week five a promotion moved customers onto month-to-month contracts and "
                "a price rise lifted monthly charges. More customers churn than the call centre "
                "can call, and the model's call list now reaches fewer of them."
            ),
            options=[ChangeOption.RETRAIN, ChangeOption.ROLL_BACK, ChangeOption.ACCEPT],
        ),
    )
    changes.propose(
        session,
        engineer,
        opened.id,
        DecisionCreate(
            option=ChangeOption.RETRAIN,
            rationale=(
                "Rolling back to version 1 brings back the fairness failure, and accepting "
                "leaves a quarter of reachable churners uncalled. Retrain on the labelled "
                "production weeks, which include the new customer mix."
            ),
        ),
    )
    changes.approve(
        session,
        people[content.HEAD_OF_RETENTION.username],
        opened.id,
        "Agreed; release it once it passes the gates.",
    )
    return opened.id


def _retrain_and_release(
    sessions: sessionmaker[Session], artifacts: ArtifactStore, days: list[Day], end: datetime
) -> int | None:
    """What the retrain pipeline does on the trigger: version 3 on the training data plus the
    labelled production weeks, gated, and released through the same approvals if every required
    gate passed (None otherwise)."""
    frame = modeling.load_frame()
    known = [d for d in days if d.at + LABEL_DELAY <= end]
    production = pd.concat(
        [
            d.features.assign(**{modeling.TARGET: np.where(d.churned, modeling.POSITIVE, "No")})
            for d in known
        ],
        ignore_index=True,
    )[frame.columns]
    # The original evaluation customers stay held out, and so does a share of the production
    # weeks, so the gates judge version 3 on the new customer mix as well as the old one.
    train, evaluation = (
        pd.concat(parts, ignore_index=True)
        for parts in zip(modeling.split(frame), modeling.split(production), strict=True)
    )
    candidate = replace(
        modeling.fair_candidate(train),
        name="retrain on production weeks 1-6 (change request)",
        hypothesis=(
            "Adding the labelled production weeks, with the new contract mix and prices, "
            "brings the recall in the call list back above the charter's alert threshold."
        ),
    )
    with transaction(sessions) as session:
        people = _people(session)
        engineer = people[content.ML_ENGINEER.username]
        number = modeling.register_candidate(
            session, engineer, artifacts, candidate, train, evaluation, parent=2
        )
        gated = gates_queries.latest_run(session, engineer.project.id, modeling.MODEL_NAME, number)
        if gated is None or gated.status is not GateStatus.PASSED:
            return None
        _release(session, people, modeling_version=number)
    return number
