"""Every bad ingest input gets a clear 4xx, and nothing is half-written."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mlcontinuum.kernel.settings import Settings
from mlcontinuum.profiles.serde import MAGIC
from tests.conftest import Accounts
from tests.monitoring.conftest import Counts, Monitoring, add_kpi, batch
from tests.teams import Team


def _message(response: Any) -> str:
    message: str = response.json()["error"]["message"]
    return message


def _rewrite_header(encoded: str, change: Callable[[dict[str, Any]], None]) -> str:
    """Edit a profile's JSON header and re-compress it, as a forger would."""
    raw = base64.b64decode(encoded)
    plain = zlib.decompress(raw[len(MAGIC) :])
    (length,) = struct.unpack(">I", plain[:4])
    header = json.loads(plain[4 : 4 + length])
    change(header)
    head = json.dumps(header).encode()
    forged = MAGIC + zlib.compress(struct.pack(">I", len(head)) + head + plain[4 + length :])
    return base64.b64encode(forged).decode()


# --- the idempotency key ---------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "", "x" * 201, "tab\there", "clé".encode()])
def test_a_missing_or_bad_key_says_how_to_send_one(
    monitoring: Monitoring, counts: Counts, key: str | bytes | None
) -> None:
    response = monitoring.log(batch(5), key=key)
    assert response.status_code == 422, response.text
    assert "Idempotency-Key" in _message(response)
    assert "printable" in _message(response)
    assert response.json()["error"]["fields"][0]["field"] == "header.Idempotency-Key"
    assert counts.batches == 0


# --- profiles --------------------------------------------------------------------------------


def test_an_unknown_profile_version_is_refused(monitoring: Monitoring, counts: Counts) -> None:
    body = batch(5)
    body["profile"] = _rewrite_header(
        body["profile"], lambda h: h.update(type="continuum:profile:v9")
    )
    response = monitoring.log(body)
    assert response.status_code == 422, response.text
    assert "continuum:profile:v9" in _message(response)
    assert "continuum:profile:v1" in _message(response)
    assert counts.batches == 0


def test_a_profile_with_tampered_sizes_is_refused(monitoring: Monitoring, counts: Counts) -> None:
    body = batch(5)
    body["profile"] = _rewrite_header(body["profile"], lambda h: h.update(row_count=6))
    response = monitoring.log(body)
    assert response.status_code == 422, response.text
    assert "counts 5 rows of 6" in _message(response)
    assert counts.batches == 0


@pytest.mark.parametrize(
    "profile",
    [
        "not base64 at all!",
        base64.b64encode(b"CONTINUUM-PROFILE\n garbage").decode(),
        base64.b64encode(b"PK\x03\x04 a zip file").decode(),
    ],
)
def test_damaged_profiles_are_refused(monitoring: Monitoring, counts: Counts, profile: str) -> None:
    response = monitoring.log({**batch(5), "profile": profile})
    assert response.status_code == 422, response.text
    assert "profile" in _message(response)
    assert counts.batches == 0


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"rows": 6}, "rows 6, the profile's row count 5, prediction_ids 5, predictions 5"),
        ({"predictions": [0.5] * 4}, "predictions 4"),
        ({"prediction_ids": ["a", "b", "c", "d", "e", "f"]}, "prediction_ids 6"),
    ],
)
def test_sizes_that_disagree_are_named(
    monitoring: Monitoring, counts: Counts, change: dict[str, Any], said: str
) -> None:
    response = monitoring.log({**batch(5), **change})
    assert response.status_code == 422, response.text
    assert said in _message(response)
    assert counts.batches == 0


# --- prediction ids and values ---------------------------------------------------------------


def test_ids_repeated_within_a_batch_are_refused(monitoring: Monitoring, counts: Counts) -> None:
    body = batch(4)
    body["prediction_ids"] = ["a", "b", "a", "b"]
    response = monitoring.log(body)
    assert response.status_code == 422
    assert "'a', 'b'" in _message(response)
    assert counts.predictions == 0


def test_ids_already_logged_are_a_conflict_naming_them(
    monitoring: Monitoring, counts: Counts
) -> None:
    assert monitoring.log(batch(20)).status_code == 201
    response = monitoring.log(batch(20, start=15))  # p-15 .. p-19 overlap
    assert response.status_code == 409, response.text
    assert "'p-15'" in _message(response)
    assert counts.predictions == 20
    assert counts.batches == 1


@pytest.mark.parametrize(
    "ids",
    [
        ["ok", "", "ok2"],
        [1, 2, 3],
        ["ok", "x" * 201, "ok2"],
        ["ok", " padded", "ok2"],
        ["ok", "new\nline", "ok2"],
    ],
)
def test_bad_prediction_ids_are_refused_in_one_sentence(
    monitoring: Monitoring, counts: Counts, ids: list[Any]
) -> None:
    response = monitoring.log({**batch(3), "prediction_ids": ids})
    assert response.status_code == 422, response.text
    fields = response.json()["error"]["fields"]
    assert [f["field"] for f in fields] == ["prediction_ids"]
    assert "position" in fields[0]["message"]
    assert counts.batches == 0


@pytest.mark.parametrize(
    "literal", ["NaN", "Infinity", "-Infinity", '"0.5"', "true", "null", "1" + "0" * 400]
)
def test_non_finite_or_non_numeric_predictions_are_refused(
    monitoring: Monitoring, counts: Counts, literal: str
) -> None:
    body = batch(3)
    text = json.dumps({**body, "predictions": ["HOLE", 0.5, 0.5]}).replace('"HOLE"', literal)
    response = monitoring.team.client.post(
        monitoring.url("/batches"),
        content=text,
        headers={
            **monitoring.team.engineer.headers,
            "Idempotency-Key": "k",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 422, response.text
    assert "finite number" in _message(response)
    assert "position(s) 0" in _message(response)
    assert counts.batches == 0


def test_a_hundred_thousand_bad_values_answer_in_one_short_sentence(
    monitoring: Monitoring,
) -> None:
    response = monitoring.log({**batch(3), "prediction_ids": list(range(100_000))})
    assert response.status_code == 422
    assert len(response.content) < 2_000
    assert "100000 of them" in _message(response)


# --- timestamps ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "words"),
    [
        (datetime.now(UTC) + timedelta(days=2), "in the future"),
        (datetime.now(UTC) - timedelta(days=800), "too old"),
        (datetime(1970, 1, 1, tzinfo=UTC), "too old"),
    ],
)
def test_timestamps_far_in_the_future_or_past_are_refused(
    monitoring: Monitoring, counts: Counts, at: datetime, words: str
) -> None:
    response = monitoring.log(batch(5, at=at))
    assert response.status_code == 422, response.text
    assert words in _message(response)
    assert "the server accepts times from" in _message(response)
    assert "400 days" in _message(response)
    assert counts.batches == 0


def test_a_timestamp_without_zone_is_refused(monitoring: Monitoring) -> None:
    response = monitoring.log({**batch(5), "at": "2026-11-01T10:00:00"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "at"


# --- limits ----------------------------------------------------------------------------------


def test_too_many_rows_get_413_naming_the_limit(
    settings: Settings, monitoring: Monitoring, app_with: Any, counts: Counts
) -> None:
    limited: TestClient = app_with(settings, monitor_max_batch_rows=5)
    response = monitoring.log(batch(6), client=limited)
    assert response.status_code == 413, response.text
    assert "the limit is 5" in _message(response)
    assert "split" in _message(response)
    assert monitoring.log(batch(5), client=limited).status_code == 201
    labels = {f"p-{i}": 1.0 for i in range(5)}
    assert monitoring.label(labels, client=limited).status_code == 201
    too_many = monitoring.label({**labels, "p-99": 0.0}, client=limited)
    assert too_many.status_code == 413
    assert counts.batches == 1


def test_a_body_over_the_monitoring_limit_gets_413(
    settings: Settings, monitoring: Monitoring, app_with: Any, counts: Counts
) -> None:
    limited: TestClient = app_with(settings, monitor_max_request_bytes=4096)
    response = monitoring.log(batch(400), client=limited)
    assert response.status_code == 413
    assert "4096 bytes" in _message(response)
    assert counts.batches == 0


def test_monitoring_writes_may_be_larger_than_other_requests(
    monitoring: Monitoring, counts: Counts
) -> None:
    body = batch(6_000)
    body["prediction_ids"] = [f"{i:0>200}" for i in range(6_000)]
    assert len(json.dumps(body)) > Settings().max_request_bytes
    response = monitoring.log(body)
    assert response.status_code == 201, response.text
    assert counts.predictions == 6_000
    other = monitoring.team.post(monitoring.team.owner, "/runs", {"name": "x" * 1_100_000})
    assert other.status_code == 413


# --- who and where ---------------------------------------------------------------------------


def test_another_projects_deployment_answers_404(
    team: Team, monitoring: Monitoring, accounts: Accounts, counts: Counts
) -> None:
    rival = accounts.create("rita")
    created = team.client.post(
        "/api/v1/projects", json={"slug": "rival", "name": "Rival"}, headers=rival.headers
    )
    assert created.status_code == 201
    # Rita reaches churn's deployment through her own project's URL: 404, like no deployment.
    url = f"/api/v1/projects/rival/deployments/{monitoring.deployment_id}/batches"
    response = team.client.post(
        url, json=batch(5), headers={**rival.headers, "Idempotency-Key": "k"}
    )
    assert response.status_code == 404, response.text
    assert "no deployment" in _message(response)
    missing = Monitoring(team, 9999).log(batch(5))
    assert missing.status_code == 404
    assert Monitoring(team, 9999).label({"p-1": 1.0}).status_code == 404
    unknown_kpi = team.client.post(
        team.url("/kpis/9999/values"),
        json={"at": datetime.now(UTC).isoformat(), "value": 1.0},
        headers={**team.engineer.headers, "Idempotency-Key": "k"},
    )
    assert unknown_kpi.status_code == 404
    assert counts.batches == 0


def test_only_owners_and_ml_engineers_ingest(
    team: Team, monitoring: Monitoring, counts: Counts
) -> None:
    for who in (team.viewer, team.customer):
        assert monitoring.log(batch(5), who=who).status_code == 403
        assert monitoring.label({"p-1": 1.0}, who=who).status_code == 403
    anonymous = team.client.post(monitoring.url("/batches"), json=batch(5))
    assert anonymous.status_code == 401
    assert counts.batches == 0
    assert monitoring.log(batch(5), who=team.owner).status_code == 201


# --- labels and KPI values -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "words"),
    [
        ([], "labels is empty"),
        ([{"id": "p-1", "label": 1}, {"id": "p-1", "label": 0}], "repeat prediction ids"),
        ([{"id": "p-1"}], "every label must be"),
        ([{"id": "p-1", "label": 1, "extra": 2}], "every label must be"),
        ([{"id": "", "label": 1}], "every label must be"),
        ([{"id": "p-1", "label": 10**400}], "every label must be"),  # no float that large
        (["p-1"], "every label must be"),
        ({"p-1": 1}, "must be a list"),
    ],
)
def test_bad_label_deliveries_are_refused(
    monitoring: Monitoring, counts: Counts, labels: Any, words: str
) -> None:
    assert monitoring.log(batch(5)).status_code == 201
    response = monitoring.post("/labels", {"labels": labels})
    assert response.status_code == 422, response.text
    assert words in _message(response)
    assert counts.labelled == 0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"at": "NOW", "value": 1.0}, 422),
        ({"at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(), "value": 1.0}, 422),
        ({"at": datetime.now(UTC).isoformat(), "value": "high"}, 422),
        ({"at": datetime.now(UTC).isoformat()}, 422),
        ({"at": datetime.now(UTC).isoformat(), "value": 10**400}, 422),
    ],
)
def test_bad_kpi_values_are_refused(
    team: Team, counts: Counts, body: dict[str, Any], status: int
) -> None:
    kpi_id = add_kpi(team)
    response = team.client.post(
        team.url(f"/kpis/{kpi_id}/values"),
        json=body,
        headers={**team.engineer.headers, "Idempotency-Key": "k"},
    )
    assert response.status_code == status, response.text
    assert counts.kpi_values == 0


def test_a_non_finite_kpi_value_is_refused(team: Team, counts: Counts) -> None:
    kpi_id = add_kpi(team)
    response = team.client.post(
        team.url(f"/kpis/{kpi_id}/values"),
        content=f'{{"at": "{datetime.now(UTC).isoformat()}", "value": NaN}}',
        headers={
            **team.engineer.headers,
            "Idempotency-Key": "k",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 422, response.text
    assert counts.kpi_values == 0
