"""The outbox over real HTTP: signed deliveries reach a real receiver; internal targets, after
DNS and on redirects, are refused; retries follow the backoff rule; nothing is sent twice."""

from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.webhooks import signing
from mlcontinuum.webhooks.models import Webhook
from tests.teams import Team
from tests.webhooks.conftest import Hooks, Receiver, errors


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_a_signed_delivery_reaches_the_receiver(hooks: Hooks, receiver: Receiver) -> None:
    hook = hooks.create(receiver.url(), event_types=["alert.opened"])
    event_id = hooks.emit("alert.opened", alert_id=7, severity="critical", title="Drift")
    hooks.emit("alert.acknowledged", alert_id=7)  # not subscribed

    report = hooks.run()
    assert (report.queued, report.delivered) == (1, 1)

    (request,) = receiver.requests
    headers = request.headers
    assert request.path == "/hook"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Continuum-Event"] == "alert.opened"
    assert signing.verify(
        hook["secret"],
        headers["X-Continuum-Timestamp"],
        request.body,
        headers["X-Continuum-Signature"],
    )
    # The signature binds the secret, the timestamp and every byte of the body.
    assert not signing.verify(
        "another-secret",
        headers["X-Continuum-Timestamp"],
        request.body,
        headers["X-Continuum-Signature"],
    )
    assert not signing.verify(
        hook["secret"],
        headers["X-Continuum-Timestamp"],
        request.body + b" ",
        headers["X-Continuum-Signature"],
    )
    body = request.json()
    (delivery,) = hooks.deliveries(hook["id"])
    assert body["id"] == delivery["id"] == int(headers["X-Continuum-Delivery"])
    assert body["project"] == "churn"
    assert body["event"]["type"] == "alert.opened"
    assert body["event"]["payload"] == {"alert_id": 7, "severity": "critical", "title": "Drift"}
    assert body["event"]["actor"] == "monitor"
    assert len(body["event"]["hash"]) == 64

    assert delivery["event_id"] == event_id
    assert delivery["event_type"] == "alert.opened"
    assert delivery["status"] == "delivered"
    assert delivery["next_attempt_at"] is None
    (attempt,) = delivery["attempts"]
    assert attempt["status_code"] == 200
    assert attempt["error"] == ""
    assert attempt["url"] == receiver.url()


def test_default_settings_refuse_the_loopback_receiver(hooks: Hooks, receiver: Receiver) -> None:
    hook = hooks.create(receiver.url(), event_types=["alert.opened"])
    hooks.emit("alert.opened", alert_id=1)

    nothing_allowed = hooks.settings.model_copy(update={"webhook_allowed_networks": []})
    report = hooks.run(nothing_allowed)
    assert report.failed == 1
    assert receiver.requests == []
    (delivery,) = hooks.deliveries(hook["id"])
    assert delivery["status"] == "failed"  # at once: retrying cannot make it allowed
    assert errors(delivery) == ["127.0.0.1 refused (loopback)"]
    assert delivery["attempts"][0]["status_code"] is None

    hooks.clock.advance(days=2)
    assert hooks.run(nothing_allowed).attempted == 0


@pytest.mark.parametrize("allowed_networks", [[]])
@pytest.mark.parametrize(
    ("answers", "refusal"),
    [
        (["10.0.0.5"], "hooks.example.com (10.0.0.5) refused (private)"),
        # One bad answer among good ones is enough: the resolver may hand out any of them.
        (["93.184.216.34", "169.254.169.254"], "hooks.example.com (169.254.169.254) refused"),
        (["::ffff:127.0.0.1"], "hooks.example.com (::ffff:127.0.0.1) refused (loopback)"),
    ],
)
def test_a_public_name_that_resolves_inside_is_refused(
    hooks: Hooks, answers: list[str], refusal: str
) -> None:
    hook = hooks.create("https://hooks.example.com/in", event_types=["alert.opened"])
    hooks.emit("alert.opened", alert_id=1)
    asked: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return answers

    assert hooks.run(resolver=resolver).failed == 1
    assert asked == [("hooks.example.com", 443)]
    (delivery,) = hooks.deliveries(hook["id"])
    assert delivery["status"] == "failed"
    assert errors(delivery)[0].startswith(refusal)


@pytest.mark.parametrize("allowed_networks", [["127.0.0.1/32"]])
def test_the_connection_goes_to_the_checked_address(hooks: Hooks, receiver: Receiver) -> None:
    name = f"receiver.example:{receiver.port}"
    hook = hooks.create(f"http://{name}/hook", event_types=["alert.opened"])
    hooks.emit("alert.opened", alert_id=1)
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    assert hooks.run(resolver=resolver).delivered == 1
    (request,) = receiver.requests
    assert request.headers["Host"] == name  # the name travels; the address was pinned
    assert asked == ["receiver.example"]  # resolved once, and that answer was used
    assert hooks.deliveries(hook["id"])[0]["status"] == "delivered"


@pytest.mark.parametrize("allowed_networks", [["127.0.0.1/32"]])
@pytest.mark.parametrize(
    ("location", "refusal"),
    [
        ("http://127.0.0.2:{port}/", "redirect to 127.0.0.2 refused (loopback)"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "redirect to 169.254.169.254 refused (link-local)",
        ),
        ("http://[::1]:{port}/", "redirect to ::1 refused (loopback)"),
        ("ftp://files.example.com/", "redirect to ftp://files.example.com/ refused: only http"),
        ("http://user:pw@127.0.0.1:{port}/", "redirect to http://127.0.0.1:{port}/ refused: cred"),
    ],
)
def test_a_redirect_inside_is_refused(
    hooks: Hooks, receiver: Receiver, location: str, refusal: str
) -> None:
    hook = hooks.create(receiver.url(), event_types=["alert.opened"])
    hooks.emit("alert.opened", alert_id=1)
    receiver.answer((307, {"Location": location.format(port=receiver.port)}))

    assert hooks.run().failed == 1
    assert len(receiver.requests) == 1  # the allowed receiver only; the target never reached
    (delivery,) = hooks.deliveries(hook["id"])
    assert delivery["status"] == "failed"
    (attempt,) = delivery["attempts"]
    assert attempt["error"].startswith(refusal.format(port=receiver.port)), attempt["error"]
    assert "pw" not in attempt["error"]


def test_redirects_are_followed_by_hand_with_the_same_signed_post(
    hooks: Hooks, receiver: Receiver
) -> None:
    hook = hooks.create(receiver.url("/old"), event_types=["alert.opened"])
    hooks.emit("alert.opened", alert_id=1)
    receiver.answer((308, {"Location": "/new"}), (302, {"Location": receiver.url("/newest")}))

    assert hooks.run().delivered == 1
    assert [r.path for r in receiver.requests] == ["/old", "/new", "/newest"]
    first, *_, last = receiver.requests
    assert last.body == first.body
    assert last.headers["X-Continuum-Signature"] == first.headers["X-Continuum-Signature"]
    assert signing.verify(
        hook["secret"],
        last.headers["X-Continuum-Timestamp"],
        last.body,
        last.headers["X-Continuum-Signature"],
    )


def test_more_than_three_redirects_fail_the_attempt(hooks: Hooks, receiver: Receiver) -> None:
    hook = hooks.create(receiver.url("/0"), event_types=["alert.opened"])
    hooks.emit("alert.opened", alert_id=1)
    receiver.answer(*[(307, {"Location": f"/{n}"}) for n in range(1, 5)])

    assert hooks.run().retrying == 1
    assert len(receiver.requests) == 4
    (delivery,) = hooks.deliveries(hook["id"])
    assert errors(delivery) == ["more than 3 redirects"]


def test_retries_back_off_by_doubling_until_delivered(hooks: Hooks, receiver: Receiver) -> None:
    hook = hooks.create(receiver.url(), event_types=["alert.opened"])
    hooks.emit("alert.opened", alert_id=1)
    receiver.answer(500, 500, 200)
    backoff = hooks.settings.webhook_backoff_seconds

    assert hooks.run().retrying == 1
    assert hooks.run().attempted == 0  # not due yet: nothing is sent before its time
    (delivery,) = hooks.deliveries(hook["id"])
    first_wait = _at(delivery["next_attempt_at"]) - _at(delivery["attempts"][0]["at"])
    assert timedelta(seconds=backoff) <= first_wait <= timedelta(seconds=backoff * 1.1)

    hooks.clock.now = _at(delivery["next_attempt_at"])
    assert hooks.run().retrying == 1
    (delivery,) = hooks.deliveries(hook["id"])
    second_wait = _at(delivery["next_attempt_at"]) - _at(delivery["attempts"][1]["at"])
    assert timedelta(seconds=2 * backoff) <= second_wait <= timedelta(seconds=2 * backoff * 1.1)

    hooks.clock.now = _at(delivery["next_attempt_at"])
    assert hooks.run().delivered == 1
    (delivery,) = hooks.deliveries(hook["id"])
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 200]
    assert [a["number"] for a in delivery["attempts"]] == [1, 2, 3]
    assert delivery["attempts"][0]["error"] == "HTTP 500: receiver says no (test)"
    assert len(receiver.requests) == 3
    # Every attempt is signed afresh, and each carries the same delivery id.
    assert len({r.headers["X-Continuum-Delivery"] for r in receiver.requests}) == 1


def test_the_last_attempt_fails_the_delivery(hooks: Hooks, receiver: Receiver) -> None:
    settings = hooks.settings.model_copy(update={"webhook_max_attempts": 2})
    hook = hooks.create(receiver.url(), event_types=["alert.opened"])
    hooks.emit("alert.opened", alert_id=1)
    receiver.answer(503, 503, 503)

    assert hooks.run(settings).retrying == 1
    hooks.clock.advance(days=1)
    assert hooks.run(settings).failed == 1
    hooks.clock.advance(days=1)
    assert hooks.run(settings).attempted == 0
    (delivery,) = hooks.deliveries(hook["id"])
    assert delivery["status"] == "failed"
    assert delivery["next_attempt_at"] is None
    assert len(delivery["attempts"]) == 2
    assert len(receiver.requests) == 2


def test_an_unreachable_receiver_is_retried(hooks: Hooks) -> None:
    with socket.socket() as sock:  # a port nobody listens on once the socket is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    hook = hooks.create(f"http://127.0.0.1:{port}/", event_types=["alert.opened"])
    hooks.emit("alert.opened", alert_id=1)

    assert hooks.run().retrying == 1
    (delivery,) = hooks.deliveries(hook["id"])
    assert delivery["status"] == "pending"
    assert "ConnectError" in errors(delivery)[0]


def test_an_event_is_delivered_once_per_webhook(
    app: FastAPI, hooks: Hooks, receiver: Receiver
) -> None:
    hook = hooks.create(receiver.url(), event_types=["alert.opened"])
    hooks.emit("alert.opened", alert_id=1)
    for _ in range(3):
        hooks.run()
        hooks.clock.advance(days=1)
    assert len(receiver.requests) == 1

    # Even with the cursor moved back, (webhook, event) is queued only once.
    with transaction(app.state.session_factory) as session:
        session.execute(update(Webhook).values(cursor_event_id=0))
    hooks.emit("alert.opened", alert_id=2)
    report = hooks.run()
    assert (report.queued, report.delivered) == (1, 1)
    hooks.run()
    assert [r.json()["event"]["payload"]["alert_id"] for r in receiver.requests] == [1, 2]
    assert len(hooks.deliveries(hook["id"])) == 2


def test_a_new_webhook_does_not_replay_history(hooks: Hooks, receiver: Receiver) -> None:
    hooks.emit("alert.opened", alert_id=1)
    hook = hooks.create(receiver.url(), event_types=["*"])
    assert hooks.run().queued == 0
    assert receiver.requests == []
    hooks.emit("alert.opened", alert_id=2)
    hooks.run()
    assert [r.json()["event"]["payload"] for r in receiver.requests] == [{"alert_id": 2}]
    assert hooks.deliveries(hook["id"])[0]["event_type"] == "alert.opened"


def test_a_paused_webhook_resumes_from_now(hooks: Hooks, team: Team, receiver: Receiver) -> None:
    hook = hooks.create(receiver.url(), event_types=["alert.opened"])
    path = team.url(f"/webhooks/{hook['id']}")
    assert team.client.patch(path, json={"enabled": False}, headers=team.owner.headers).is_success
    hooks.emit("alert.opened", alert_id=1)
    assert hooks.run().queued == 0
    assert team.client.patch(path, json={"enabled": True}, headers=team.owner.headers).is_success
    hooks.emit("alert.opened", alert_id=2)
    hooks.run()
    assert [r.json()["event"]["payload"]["alert_id"] for r in receiver.requests] == [2]


def test_the_test_endpoint_pings_one_webhook(hooks: Hooks, team: Team, receiver: Receiver) -> None:
    target = hooks.create(receiver.url("/target"), name="target", event_types=["alert.opened"])
    hooks.create(receiver.url("/bystander"), name="bystander", event_types=["*"])

    queued = team.post(team.owner, f"/webhooks/{target['id']}/test")
    assert queued.status_code == 202, queued.text
    assert queued.json()["event_type"] == "webhook.test"
    assert queued.json()["status"] == "pending"
    assert queued.json()["attempts"] == []

    assert hooks.run().delivered == 1
    (request,) = receiver.requests
    assert request.path == "/target"
    assert request.headers["X-Continuum-Event"] == "webhook.test"
    assert request.json()["event"]["payload"] == {"webhook_id": target["id"], "name": "target"}
    (delivery,) = hooks.deliveries(target["id"])
    assert delivery["id"] == queued.json()["id"]
    assert delivery["status"] == "delivered"


def test_slack_and_retrain_bodies(hooks: Hooks, receiver: Receiver) -> None:
    hooks.create(receiver.url("/slack"), name="slack", kind="slack")
    hooks.create(receiver.url("/retrain"), name="retrain", kind="retrain")
    hooks.emit("alert.opened", alert_id=3, severity="critical", title="Drift in <charges> & mix")
    evidence = {"windows": [11, 12], "psi": 0.31}
    hooks.emit(
        "retrain.requested",
        change_id=4,
        deployment_id=5,
        model="churn-model",
        version=2,
        reason="drift in week five",
        evidence=evidence,
    )
    hooks.run()

    by_path = {r.path: r for r in receiver.requests}
    assert set(by_path) == {"/slack", "/retrain"}  # slack skips retrain.requested by default
    assert by_path["/slack"].json() == {
        "text": "[churn] Alert opened (critical): Drift in &lt;charges&gt; &amp; mix"
    }
    retrain = by_path["/retrain"].json()
    delivery_id = int(by_path["/retrain"].headers["X-Continuum-Delivery"])
    assert retrain == {
        "id": delivery_id,
        "event": "retrain.requested",
        "project": "churn",
        "model": "churn-model",
        "version": 2,
        "deployment_id": 5,
        "reason": "drift in week five",
        "change_id": 4,
        "evidence": evidence,
        "requested_by": "monitor",
        "at": retrain["at"],
    }
    assert json.loads(by_path["/retrain"].body)["evidence"] == evidence


def test_a_real_release_request_is_delivered(hooks: Hooks, team: Team, receiver: Receiver) -> None:
    hook = hooks.create(receiver.url(), event_types=["release.requested"])
    number = team.version()
    assert team.request(number).status_code == 201
    assert hooks.run().delivered == 1
    (request,) = receiver.requests
    payload = request.json()["event"]["payload"]
    assert (payload["model"], payload["version"]) == ("churn-model", number)
    assert request.json()["event"]["actor"] == team.owner.username
    assert hooks.deliveries(hook["id"])[0]["event_type"] == "release.requested"


def test_deleting_a_webhook_drops_its_pending_deliveries(
    hooks: Hooks, team: Team, receiver: Receiver
) -> None:
    hook = hooks.create(receiver.url(), event_types=["alert.opened"])
    hooks.emit("alert.opened", alert_id=1)
    receiver.answer(500)
    assert hooks.run().retrying == 1
    gone = team.client.delete(team.url(f"/webhooks/{hook['id']}"), headers=team.owner.headers)
    assert gone.status_code == 204
    hooks.clock.advance(days=1)
    assert hooks.run().attempted == 0
    assert len(receiver.requests) == 1
