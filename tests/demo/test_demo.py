"""`continuum demo`: a realistic project, loaded once; a second run changes nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from mlcontinuum.demo.baselines import compute, load_wa_churn, recall_at_fraction, roc_auc
from mlcontinuum.kernel.auth import credentials
from mlcontinuum.kernel.auth.models import User
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.slices import session_factory
from tests.clikit import Cli, event_count


def test_demo_needs_an_administrator(cli: Cli, engine: Engine) -> None:
    result = cli("demo")
    assert result.exit_code == 1
    assert "run `continuum init` first" in result.output
    assert event_count(engine) == 0


def test_demo_loads_once_and_is_idempotent(cli: Cli, engine: Engine) -> None:
    assert cli("init", "--username", "root").exit_code == 0
    first = cli("demo")
    assert first.exit_code == 0, first.output
    assert (
        "Loaded the demo project 'telco-churn' (Northwind Telecom), owned by root." in first.output
    )
    passwords = dict(
        re.findall(r"Created demo account (\S+); password \(shown once\): (\S+)", first.output)
    )
    assert set(passwords) == {"amira.haddad", "mei.tanaka"}
    with engine.connect() as connection:
        for username, password in passwords.items():
            digest = connection.execute(
                select(User.password_hash).where(User.username == username)
            ).scalar_one()
            assert credentials.verify_password(digest, password)
    events = event_count(engine)

    second = cli("demo")
    assert second.exit_code == 0, second.output
    assert "exists; left as it is" in second.output
    assert "password" not in second.output
    assert event_count(engine) == events
    assert cli("audit", "verify", "telco-churn").exit_code == 0


def test_demo_content_is_complete(cli: Cli, engine: Engine) -> None:
    from mlcontinuum.charter import service, versions
    from mlcontinuum.charter.schemas import CharterDocument
    from mlcontinuum.charter.service import document, members
    from mlcontinuum.data import service as data_service
    from mlcontinuum.kernel.auth.access import project_access
    from mlcontinuum.kernel.auth.permissions import PROJECT_READ, Role
    from mlcontinuum.kernel.auth.service import principal_of, role_in

    assert cli("init", "--username", "root").exit_code == 0
    assert cli("demo").exit_code == 0
    with transaction(session_factory(engine)) as session:
        root = session.scalars(select(User).where(User.username == "root")).one()
        access = project_access(session, principal_of(root), "telco-churn", PROJECT_READ)
        charter = service.get_charter(session, access)
        kpis = {k.name: k for k in service.list_kpis(session, access.project.id)}
        people = service.list_stakeholders(session, access.project.id)
        roles = {m.username: m.role for m in members.list_members(session, access.project.id)}
        history = versions.list_versions(session, access.project.id)
        exported = document.export_document(session, access)
        sources = {s.name: s for s in data_service.list_sources(session, access.project.id)}
        assert role_in(session, root.id, access.project.id) is Role.OWNER

    crm = sources["CRM customer extract"]
    assert crm.personal_data
    assert crm.lawful_basis == "legitimate_interests"
    assert crm.compliant
    assert all(source.compliant for source in sources.values())

    assert all(
        getattr(charter, name)
        for name in (
            "problem_statement",
            "in_scope",
            "out_of_scope",
            "minimal_viable_product",
            "success_criteria",
            "risks",
            "assumptions",
        )
    )
    assert "data protection officer" in charter.assumptions
    assert [v.author for v in history][:2] == ["mei.tanaka", "root"]
    assert {k.kind for k in kpis.values()} == {"business", "analytic"}
    assert len(kpis) == 4
    assert all(k.expected_lift > 0 for k in kpis.values())
    assert {p.organisation for p in people} == {"Northwind Telecom", "Brightline Analytics"}
    assert len(people) == 6
    linked = {p.username: p.role for p in people if p.is_user}
    assert set(linked) == {"amira.haddad", "mei.tanaka"}
    # The demo charter survives its own file format unchanged.
    assert CharterDocument.from_yaml(exported.to_yaml()) == exported
    assert roles == {
        "root": Role.OWNER,
        "amira.haddad": Role.STAKEHOLDER,
        "mei.tanaka": Role.ML_ENGINEER,
    }
    _assert_production_was_played(engine)


def _assert_production_was_played(engine: Engine) -> None:
    """Issue 5's story: eight weeks, late labels, a KPI alert, a decided retrain, a delivered
    signed webhook, and the retrained version in production."""
    from sqlalchemy import func

    from mlcontinuum.alerts.models import Alert
    from mlcontinuum.changes.models import ChangeRequest
    from mlcontinuum.kernel.events import Event
    from mlcontinuum.monitoring.models import KpiValue, MonitorBatch, Prediction
    from mlcontinuum.registry.models import ModelVersion
    from mlcontinuum.releases.models import Deployment
    from mlcontinuum.webhooks.models import WebhookAttempt, WebhookDelivery

    with transaction(session_factory(engine)) as session:
        batches = session.scalars(select(MonitorBatch).order_by(MonitorBatch.at)).all()
        labelled = session.scalar(
            select(func.count()).select_from(Prediction).where(Prediction.label.is_not(None))
        )
        unlabelled_since = session.scalar(
            select(func.min(Prediction.hour_start)).where(Prediction.label.is_(None))
        )
        recall = session.scalars(select(KpiValue.value).order_by(KpiValue.at)).all()
        alerts = {a.source.value: a for a in session.scalars(select(Alert))}
        change = session.scalars(select(ChangeRequest)).one()
        delivery = session.scalars(select(WebhookDelivery)).one()
        attempts = session.scalars(select(WebhookAttempt)).all()
        retrain = session.get_one(Event, delivery.event_id)
        production = session.scalars(
            select(Deployment).where(Deployment.environment == "production").order_by(Deployment.id)
        ).all()
        versions = {v.id: v.version for v in session.scalars(select(ModelVersion))}

    assert len(batches) == 56
    assert (batches[-1].at - batches[0].at).days == 55
    # Outcomes arrive two weeks late: the days of the last fortnight have none, older ones all.
    fortnight_ago = datetime.now(UTC) - timedelta(days=14)
    assert unlabelled_since is not None
    assert fortnight_ago - timedelta(days=1) < unlabelled_since < fortnight_ago + timedelta(days=1)
    assert labelled == 400 * sum(1 for b in batches if b.hour_start < unlabelled_since)
    # Weeks 1-4 above the 0.263 threshold, the weeks after the shift below it.
    assert len(recall) == 6
    assert all(v > 0.263 for v in recall[:4])
    assert all(v < 0.263 for v in recall[4:])
    assert {"kpi", "drift", "data_quality"} <= set(alerts)
    assert alerts["kpi"].status.value == "acknowledged"
    assert "contract" in alerts["drift"].title
    assert "monthly_charges" in alerts["drift"].title
    assert change.alert_id == alerts["kpi"].id
    assert (change.status.value, change.decision and change.decision.value) == (
        "decided",
        "retrain",
    )
    assert retrain.type == "retrain.requested"
    assert delivery.status.value == "delivered"
    assert [a.status_code for a in attempts] == [202]
    assert [versions[d.version_id] for d in production] == [2, 3]


def test_baselines_come_from_wa_churn() -> None:
    import numpy as np

    frame = load_wa_churn()
    b = compute(frame)
    assert b.customers == 7043
    assert round(b.churn_rate, 4) == 0.2654  # 1,869 of 7,043 customers churned
    assert 0.5 < b.auc < 0.8  # tenure alone ranks, but far from well
    assert 0 < b.recall_at_capacity < b.best_recall_at_capacity < 1
    # The helpers agree with brute force on a small example with ties.
    positive = np.array([True, False, True, False, False])
    score = np.array([3.0, 3.0, 2.0, 1.0, 1.0])
    pairs = [(p, n) for p in score[positive] for n in score[~positive]]
    brute = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs) / len(pairs)
    assert roc_auc(positive, score) == brute
    # Top 20% = one of the two tied at 3.0: half a positive expected, of two positives.
    assert recall_at_fraction(positive, score, 0.2) == 0.25


def test_demo_trains_registers_and_gates_two_candidates(
    cli: Cli, engine: Engine, settings: Settings
) -> None:
    from mlcontinuum.gates import queries as gates_queries
    from mlcontinuum.kernel.auth.access import project_access
    from mlcontinuum.kernel.auth.permissions import PROJECT_READ
    from mlcontinuum.kernel.auth.service import principal_of
    from mlcontinuum.kernel.storage.artifacts import ArtifactStore
    from mlcontinuum.registry import queries as registry
    from mlcontinuum.registry import service as registry_service
    from mlcontinuum.trust import queries as trust

    assert cli("init", "--username", "root").exit_code == 0
    assert cli("demo").exit_code == 0
    with transaction(session_factory(engine)) as session:
        root = session.scalars(select(User).where(User.username == "root")).one()
        access = project_access(session, principal_of(root), "telco-churn", PROJECT_READ)
        project_id = access.project.id
        page = registry.list_runs(
            session, project_id, sort="number", columns=[], status=None, page=1, per_page=50
        )
        logged = [registry.get_run(session, project_id, number) for number in (1, 2)]
        v1, v2 = (registry.get_version(session, project_id, "churn-model", n) for n in (1, 2))
        gated = {n: gates_queries.latest_run(session, project_id, "churn-model", n) for n in (1, 2)}
        markdown = trust.model_card_markdown(session, access, "churn-model", 2)

    # Two candidates, then the retrain the demo's change request decided (operations.py).
    assert page.total == 3
    for run in logged:
        assert run.status == "finished"
        assert run.hypothesis
        assert run.kpi == "ROC AUC"
        assert run.data_sources == ["CRM customer extract"]
        assert run.created_by == "mei.tanaka"
        assert run.params["model"] == "LogisticRegression"
        assert run.metrics["cv_roc_auc"].step == 5
    assert logged[1].params["features"] == "all CRM columns except senior_citizen"

    assert (v1.runs, v1.parent_version) == ([1], None)
    assert (v2.runs, v2.parent_version) == ([2], 1)
    store = ArtifactStore(settings.data_dir / "artifacts")
    for version in (v1, v2):
        assert version.data_sources == ["CRM customer extract"]
        assert version.evaluation_metrics["roc_auc"] > 0.8
        assert 0 < version.evaluation_metrics["recall_at_top_k"] <= 1
        assert version.artifact is not None
        assert version.artifact.format == "skops"
        assert version.artifact.scan_verdict == "safe"
        # The stored blob is the registered one, and scans safe again.
        blob = store.path_of(version.artifact.sha256)
        assert registry_service.scan_artifact(blob, max_inflated=1 << 30).verdict == "safe"
        assert version.reference_profile is not None
        assert version.reference_profile["rows"] == 4930  # the 70% training split of 7,043
        columns = version.reference_profile["columns"]
        assert isinstance(columns, list)
        assert "senior_citizen" in columns

    first, second = gated[1], gated[2]
    assert first is not None
    assert second is not None
    assert first.status == "failed"
    assert first.created_by == "mei.tanaka"
    failed = [r for r in first.results if r.status != "passed" and r.required]
    assert [r.gate for r in failed] == ["fairness"]
    assert "senior_citizen.demographic_parity_difference" in failed[0].message
    assert failed[0].details["features"][0]["feature"] == "senior_citizen"
    assert failed[0].measured["senior_citizen.demographic_parity_difference"] > 0.5  # type: ignore[operator]
    assert second.status == "passed"
    assert {r.gate for r in second.results} == {
        "metric_threshold",
        "fairness",
        "data_validation",
        "drift",
        "security",
        "compliance",
        "explainability",
    }
    assert all(r.status == "passed" for r in second.results)
    fairness = next(r for r in second.results if r.gate == "fairness")
    assert fairness.measured["senior_citizen.equalized_odds_difference"] <= 0.1  # type: ignore[operator]

    # The model card of version 2 shows its fairness results per senior-citizen group.
    assert "### senior_citizen" in markdown
    assert "Demographic parity difference" in markdown
    assert "No fairness results are on record" not in markdown
