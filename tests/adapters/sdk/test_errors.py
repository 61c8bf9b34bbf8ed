"""SDK errors: the class says what happened, and the server's message, code and fields travel."""

from __future__ import annotations

import httpx
import pytest

from mlcontinuum.sdk import (
    AuthenticationError,
    Client,
    ConflictError,
    ContinuumAPIError,
    ContinuumConnectionError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationError,
)
from tests.conftest import Account, Accounts

HOSTILE_YAML = '!!python/object/apply:os.system ["echo pwned"]\n'


def test_not_found_carries_the_server_message(sdk: Client) -> None:
    with pytest.raises(NotFoundError) as caught:
        sdk.get_charter("nowhere")
    error = caught.value
    assert (error.status, error.code) == (404, "not_found")
    assert error.message == "no project 'nowhere' that you can see"
    assert "no project 'nowhere'" in str(error)


def test_validation_error_names_field_and_rule(sdk: Client) -> None:
    with pytest.raises(ValidationError) as caught:
        sdk.create_project({"slug": "Bad Slug!", "name": "", "colour": "red"})
    fields = {(p.field, p.rule) for p in caught.value.fields}
    assert ("slug", "string_pattern_mismatch") in fields
    assert ("name", "string_too_short") in fields
    assert ("colour", "extra_forbidden") in fields
    assert caught.value.status == 422


def test_hostile_yaml_is_a_validation_error(sdk: Client, project: str) -> None:
    with pytest.raises(ValidationError) as caught:
        sdk.import_charter_yaml(project, HOSTILE_YAML)
    assert "plain YAML only" in caught.value.message
    assert [(p.field, p.rule) for p in caught.value.fields] == [("(file)", "plain_yaml")]


def test_conflict(sdk: Client, project: str) -> None:
    with pytest.raises(ConflictError) as caught:
        sdk.create_project({"slug": project, "name": "Again"})
    assert caught.value.message == f"a project with slug '{project}' exists"
    assert [(p.field, p.rule) for p in caught.value.fields] == [("slug", "unique")]


def test_permission_denied(sdk: Client, live_server: str, accounts: Accounts, project: str) -> None:
    viewer: Account = accounts.create("victor")
    sdk.set_member(project, "victor", "viewer")
    with (
        Client(live_server, viewer.token) as client,
        pytest.raises(PermissionDeniedError) as caught,
    ):
        client.update_charter(project, {"risks": "none"})
    assert caught.value.status == 403
    assert "as viewer in 'churn' you may not do this" in caught.value.message


def test_authentication(live_server: str) -> None:
    with (
        Client(live_server, "cnt_bad_token") as client,
        pytest.raises(AuthenticationError) as caught,
    ):
        client.me()
    assert caught.value.message == "the API token is unknown, expired or revoked"


def test_unreachable_server_is_a_connection_error() -> None:
    client = Client("http://127.0.0.1:9", "cnt_x_y", timeout=5)
    with client, pytest.raises(ContinuumConnectionError) as caught:
        client.me()
    assert isinstance(caught.value, ConnectionError)
    assert isinstance(caught.value, ContinuumAPIError)
    assert caught.value.status is None
    assert "cannot reach the Continuum server at http://127.0.0.1:9" in str(caught.value)


def _answering(response: httpx.Response) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: response)


def test_rate_limited_carries_retry_after() -> None:
    # No API route throttles yet (sign-in does, on the web side), so the answer is canned here.
    body = {"error": {"code": "too_many_requests", "message": "slow down", "fields": []}}
    answer = httpx.Response(429, json=body, headers={"Retry-After": "120"})
    client = Client("http://continuum.test", "t", transport=_answering(answer))
    with client, pytest.raises(RateLimitedError) as caught:
        client.me()
    assert (caught.value.retry_after, caught.value.message) == (120.0, "slow down")


def test_an_answer_that_is_not_ours_still_reads_well() -> None:
    answer = httpx.Response(502, text="<html>Bad gateway</html>")
    client = Client("http://continuum.test", "t", transport=_answering(answer))
    with client, pytest.raises(ContinuumAPIError) as caught:
        client.me()
    assert (caught.value.status, caught.value.code) == (502, "http_502")
    assert "Bad gateway" in caught.value.message
