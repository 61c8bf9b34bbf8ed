"""The SDK's monitoring calls against a real server over HTTP: batches profiled locally, labels,
KPI values by name or id, and retries that reuse the idempotency key so nothing counts twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import numpy as np
import pyarrow as pa
import pytest

from mlcontinuum.sdk import Client, ContinuumConnectionError, Monitor, ValidationError
from tests.monitoring.conftest import Counts, Monitoring, add_kpi, frame
from tests.teams import Team


class Recording(httpx.HTTPTransport):
    """Real HTTP, recording each request; the first `lose` answers are lost on the way back
    (the server did the work, the client never hears of it)."""

    def __init__(self, lose: int = 0) -> None:
        super().__init__()
        self.lose = lose
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = super().handle_request(request)
        if self.lose > 0:
            self.lose -= 1
            response.read()
            response.close()
            raise httpx.ReadError("the connection dropped before the answer arrived")
        return response

    def keys(self) -> list[str | None]:
        return [r.headers.get("idempotency-key") for r in self.requests]


def test_batches_labels_and_kpis_through_the_sdk(
    team: Team, monitoring: Monitoring, live_server: str, counts: Counts
) -> None:
    add_kpi(team)
    served = datetime.now(UTC) - timedelta(hours=2)
    with Client(live_server, team.engineer.token) as client:
        monitor = client.monitor(team.project, monitoring.deployment_id)
        features = frame(40)
        scores = np.linspace(0, 1, 40)
        first = monitor.log_batch(features, scores, ids=np.arange(40), at=served)
        assert first.rows == 40
        assert first.replayed is False
        table = pa.Table.from_pandas(frame(10, seed=1))
        ids = [f"x-{i}" for i in range(10)]
        second = monitor.log_batch(table, [0.5] * 10, ids=ids, at=served, idempotency_key="a-1")
        # A key of your own names the content: the same rows and time answer the same batch.
        again = monitor.log_batch(table, [0.5] * 10, ids=ids, at=served, idempotency_key="a-1")
        assert again.replayed is True
        assert again.id == second.id
        labels = monitor.log_labels(range(0, 40, 2), [1.0, 0.0] * 10)
        assert labels.labels == 20
        assert monitor.batch_page().total == 2

        by_name = client.report_kpi(team.project, "Retention", 0.74, served)
        kpi_id = by_name.kpi_id
        by_id = client.report_kpi(team.project, kpi_id, 0.71)
        assert by_id.id != by_name.id
        assert [v.value for v in client.kpi_value_page(team.project, "Retention").items] == [
            0.71,
            0.74,
        ]
        with pytest.raises(ValueError, match="no KPI named 'Churn'"):
            client.report_kpi(team.project, "Churn", 0.1)
    assert counts.predictions == 50
    assert counts.labelled == 20
    assert counts.kpi_values == 2


def test_a_lost_answer_is_retried_with_the_same_key_and_counted_once(
    team: Team, monitoring: Monitoring, live_server: str, counts: Counts
) -> None:
    transport = Recording(lose=2)
    with Client(live_server, team.engineer.token, transport=transport, backoff_seconds=0.01) as c:
        answer = c.monitor(team.project, monitoring.deployment_id).log_batch(
            frame(15), [0.2] * 15, ids=[f"r-{i}" for i in range(15)]
        )
    assert answer.replayed is True  # the first attempt stored it; its answer was lost
    keys = transport.keys()
    assert len(keys) == 3
    assert len(set(keys)) == 1
    assert keys[0] is not None
    assert counts.predictions == 15
    assert counts.batches == 1


@pytest.fixture
def recorded(
    team: Team, monitoring: Monitoring, live_server: str
) -> Iterator[tuple[Monitor, Recording]]:
    """The SDK's monitor of the deployment, on the live server, with its requests recorded."""
    transport = Recording()
    with Client(live_server, team.engineer.token, transport=transport) as client:
        yield client.monitor(team.project, monitoring.deployment_id), transport


def test_each_call_gets_its_own_key(recorded: tuple[Monitor, Recording], counts: Counts) -> None:
    monitor, transport = recorded
    monitor.log_batch(frame(3), [0.1] * 3, ids=["a", "b", "c"])
    monitor.log_batch(frame(3), [0.1] * 3, ids=["d", "e", "f"])
    first, second = transport.keys()
    assert first != second
    assert counts.batches == 2


def test_refusals_are_raised_not_retried(
    recorded: tuple[Monitor, Recording], counts: Counts
) -> None:
    monitor, transport = recorded
    monitor.log_batch(frame(3), [0.1] * 3, ids=["a", "b", "c"], idempotency_key="k")
    with pytest.raises(ValidationError, match="already used"):
        monitor.log_batch(frame(3), [0.9] * 3, ids=["a", "b", "c"], idempotency_key="k")
    with pytest.raises(ValidationError, match="'ghost'"):
        monitor.log_labels(["a", "ghost"], [1, 0])
    assert len(transport.requests) == 3
    assert counts.labelled == 0


def test_an_unreachable_server_is_tried_a_bounded_number_of_times() -> None:
    transport = Recording()
    client = Client(
        "http://127.0.0.1:9", "cnt_x", transport=transport, write_attempts=3, backoff_seconds=0.01
    )
    with client, pytest.raises(ContinuumConnectionError):
        client.monitor("p", 1).log_batch(frame(2), [0.1, 0.2], ids=["a", "b"])
    assert len(transport.requests) == 3
    assert len(set(transport.keys())) == 1


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda m: m.log_batch(frame(3), [0.1] * 3, ids=["a", "b"]), "ids 2"),
        (lambda m: m.log_batch(frame(3), [0.1, 0.2, np.nan], ids="abc"), "finite"),
        (lambda m: m.log_batch(frame(2), [0.1, 10**400], ids="ab"), "finite"),
        (lambda m: m.log_batch(frame(2), [0.1] * 2, ids=["a", None]), "strings or integers"),
        (
            lambda m: m.log_batch(frame(2), [0.1] * 2, ids=["a", "b"], at=datetime(2026, 1, 1)),
            "time zone",
        ),
        (lambda m: m.log_batch(frame(6), [0.1] * 6, ids="abcdef"), "max_rows=5"),
        (lambda m: m.log_labels(["a", "b"], [1.0]), "one per id"),
    ],
)
def test_bad_arguments_fail_before_anything_is_sent(call: Any, words: str) -> None:
    transport = Recording()
    client = Client("http://127.0.0.1:9", "cnt_x", transport=transport)
    with client, pytest.raises(ValueError, match=words):
        call(client.monitor("p", 1, max_rows=5))
    assert transport.requests == []
