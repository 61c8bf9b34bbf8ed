"""`continuum audit verify`: intact chains pass; a tampered row is named, with exit 1."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.clikit import Cli
from tests.conftest import Account


def test_intact_chains_pass(cli: Cli, project: str) -> None:
    every = cli("audit", "verify")
    assert every.exit_code == 0, every.output
    assert "instance" in every.output
    assert "project:" in every.output
    assert "All 2 chain(s) intact." in every.output
    one = cli("audit", "verify", project)
    assert one.exit_code == 0
    assert project in one.output
    assert "All 1 chain(s) intact." in one.output


def test_a_tampered_row_is_named_and_exits_1(
    cli: Cli, engine: Engine, client: TestClient, owner: Account, project: str
) -> None:
    change = client.patch(
        f"/api/v1/projects/{project}/charter", json={"risks": "churn"}, headers=owner.headers
    )
    assert change.status_code == 200
    with engine.begin() as connection:
        event_id, chain, seq = connection.execute(
            text(
                "SELECT e.id, e.chain, e.seq FROM events e JOIN projects p ON p.id = e.project_id "
                "WHERE p.slug = :slug AND e.seq = 2"
            ),
            {"slug": project},
        ).one()
        connection.execute(
            text("UPDATE events SET payload = :payload WHERE id = :id"),
            {"payload": '{"forged": true}', "id": event_id},
        )

    result = cli("audit", "verify")
    assert result.exit_code == 1, result.output
    assert re.search(r"broken at seq 2", result.output)
    line = next(line for line in result.output.splitlines() if "broken link" in line)
    assert f"chain {chain}, seq {seq}, event id {event_id}" in line
    assert "the row was altered" in line
    # The instance chain is untouched and still reported intact.
    assert "intact" in result.output

    assert cli("audit", "verify", project).exit_code == 1


def test_an_unknown_project_is_an_input_error(cli: Cli, project: str) -> None:
    result = cli("audit", "verify", "no-such-project")
    assert result.exit_code == 2
    assert "no project 'no-such-project'" in result.output
