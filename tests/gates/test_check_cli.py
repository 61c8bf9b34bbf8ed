"""`continuum check` end to end: offline with a charter file, and against a live server (both
backends) with the upload read back, the event recorded and the model card filled in."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mlcontinuum.charter.schemas import CharterDocument, CharterText, ProjectFields
from mlcontinuum.console import build_cli
from mlcontinuum.profiles import dumps
from mlcontinuum.sdk import Client
from tests.conftest import Account
from tests.gates.conftest import Churn, kpi

FAIR_LIMITS = {
    "sensitive_features": ["senior_citizen"],
    "max_demographic_parity_difference": 0.25,
    "max_equalized_odds_difference": 0.2,
}
NO_SERVER = {"CONTINUUM_URL": None, "CONTINUUM_TOKEN": None, "CONTINUUM_CONFIG": None}


def _gates(folder: Path, project: str, extra: list[dict[str, object]]) -> Path:
    document = {
        "continuum": "gates/v1",
        "project": project,
        "model": "churn-model",
        "positive_label": "Yes",
        "gates": [
            {"gate": "metric_threshold"},
            {"gate": "fairness", **FAIR_LIMITS},
            {"gate": "data_validation"},
            {"gate": "drift"},
            {"gate": "explainability", "n_repeats": 2, "max_rows": 500},
            *extra,
        ],
    }
    path = folder / "gates.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def _check(*args: str, env: dict[str, str | None] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(build_cli(), ["check", *args], env={**NO_SERVER, **(env or {})})
    return result.exit_code, result.output


def test_offline_with_a_charter_file_and_junit(churn: Churn, tmp_path: Path) -> None:
    charter = tmp_path / "charter.yaml"
    charter.write_text(
        CharterDocument(
            project=ProjectFields(name="Churn"),
            charter=CharterText(),
            kpis=[kpi("ROC AUC", 0.80), kpi("Churn rate", 0.2)],  # the second is no metric
        ).to_yaml()
    )
    gates = _gates(tmp_path, "churn", [{"gate": "compliance", "required": False}])
    report = tmp_path / "report.xml"
    code, output = _check(
        "--gates",
        str(gates),
        "--model-file",
        str(churn.fair_file),
        "--data",
        str(churn.test_csv),
        "--target",
        "churn",
        "--offline",
        "--charter",
        str(charter),
        "--reference",
        str(churn.reference_file),
        "--junit",
        str(report),
    )
    assert code == 0, output
    assert "Overall: passed" in output
    suite = ET.parse(report).getroot()  # noqa: S314 - our own file.find("testsuite")
    assert suite is not None
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert list(cases) == [
        "metric_threshold",
        "fairness",
        "data_validation",
        "drift",
        "explainability",
        "compliance",
    ]
    assert suite.get("tests") == "6"
    assert suite.get("failures") == "0"
    assert suite.get("skipped") == "1"
    skipped = cases["compliance"].find("skipped")
    assert skipped is not None
    assert "offline" in (skipped.get("message") or "")
    assert cases["fairness"].find("failure") is None


def test_offline_failure_exits_1_with_a_junit_failure(churn: Churn, tmp_path: Path) -> None:
    gates = _gates(tmp_path, "churn", [])
    report = tmp_path / "report.xml"
    code, output = _check(
        "--gates",
        str(gates),
        "--model-file",
        str(churn.biased_file),
        "--data",
        str(churn.test_csv),
        "--target",
        "churn",
        "--offline",
        "--junit",
        str(report),
    )
    assert code == 1, output
    root = ET.parse(report).getroot()  # noqa: S314 - our own file
    failure = root.find(".//testcase[@name='fairness']/failure")
    assert failure is not None
    assert "senior_citizen.demographic_parity_difference" in (failure.get("message") or "")
    # No charter, no reference profile: those gates say so instead of passing.
    assert root.find(".//testcase[@name='metric_threshold']/skipped") is not None
    assert root.find(".//testcase[@name='drift']/skipped") is not None


def test_bad_input_exits_2(churn: Churn, tmp_path: Path) -> None:
    gates = _gates(tmp_path, "churn", [])
    base = ["--gates", str(gates), "--model-file", str(churn.fair_file)]
    code, output = _check(*base, "--data", str(churn.test_csv), "--target", "nope", "--offline")
    assert code == 2
    assert "no column 'nope'" in output
    code, output = _check(*base, "--data", str(churn.test_csv), "--target", "churn")
    assert code == 2
    assert "--version" in output


def _register(live_server: str, owner: Account, client: TestClient, churn: Churn) -> Client:
    sdk = Client(live_server, owner.token)
    sdk.add_kpi("churn", kpi("ROC AUC", 0.80).model_dump(mode="json"))
    added = client.post(
        "/api/v1/projects/churn/data-sources",
        json={
            "name": "crm-extract",
            "kind": "database",
            "personal_data": True,
            "personal_data_categories": ["contract"],
            "lawful_basis": "contract",
            "retention_days": 365,
            "retention_starts_on": "2026-11-01",
            "access_approved_by": "Amira Haddad",
            "access_approved_on": "2026-11-02",
        },
        headers=owner.headers,
    )
    assert added.status_code == 201, added.text
    with sdk.start_run("churn", data_sources=["crm-extract"], git_commit="abc1234") as run:
        run.log_params({"model": "logistic_regression"})
    for model_file in (churn.fair_file, churn.biased_file):
        version = sdk.create_version("churn", "churn-model", {"runs": [1]})
        sdk.upload_artifact("churn", "churn-model", version.version, model_file)
        sdk.upload_reference_profile(
            "churn", "churn-model", version.version, dumps(churn.reference)
        )
    return sdk


def test_upload_to_a_live_server_and_read_back(
    churn: Churn, tmp_path: Path, live_server: str, owner: Account, client: TestClient, project: str
) -> None:
    sdk = _register(live_server, owner, client, churn)
    gates = _gates(tmp_path, project, [{"gate": "compliance"}])
    server = {
        "CONTINUUM_URL": live_server,
        "CONTINUUM_TOKEN": owner.token,
        "GITHUB_SHA": "0123456789abcdef",
    }
    common = ["--gates", str(gates), "--data", str(churn.test_csv), "--target", "churn"]
    code, output = _check(
        *common, "--model-file", str(churn.fair_file), "--version", "1", env=server
    )
    assert code == 0, output
    code, output = _check(
        *common, "--model-file", str(churn.biased_file), "--version", "2", env=server
    )
    assert code == 1, output

    (passed,) = sdk.list_gate_runs(project, "churn-model", 1)
    assert passed.status == "passed"
    assert passed.commit == "0123456789abcdef"
    assert passed.created_by == owner.username
    by_gate = {r.gate: r for r in passed.results}
    assert by_gate["metric_threshold"].thresholds == {"roc_auc": 0.80}  # from the charter
    assert by_gate["compliance"].status == "passed"
    assert by_gate["fairness"].details["features"][0]["feature"] == "senior_citizen"
    (failed,) = sdk.list_gate_runs(project, "churn-model", 2)
    assert failed.status == "failed"
    assert {r.gate: r.status for r in failed.results}["fairness"] == "failed"

    events = sdk.list_events(project, types=["gates.run"])
    assert [e.payload["status"] for e in events.items] == ["failed", "passed"]  # type: ignore[attr-defined]

    card = sdk.model_card(project, "churn-model", 1)
    assert "No fairness results are on record" not in card
    assert "### senior_citizen" in card
    assert "Demographic parity difference" in card
    assert "| feature | importance | std |" in card
    sdk.close()


def test_the_server_refuses_unknown_gates(
    churn: Churn, live_server: str, owner: Account, client: TestClient, project: str
) -> None:
    sdk = _register(live_server, owner, client, churn)
    response = client.post(
        "/api/v1/projects/churn/models/churn-model/versions/1/gate-runs",
        json={
            "results": [{"gate": "vibes", "type_key": "continuum:gate:vibes", "status": "passed"}]
        },
        headers=owner.headers,
    )
    assert response.status_code == 422
    assert "unknown gate 'vibes'" in response.text
    assert sdk.list_gate_runs(project, "churn-model", 1) == []
    sdk.close()
