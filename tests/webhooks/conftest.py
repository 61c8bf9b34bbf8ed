"""The webhooks tests' cast: a real HTTP receiver on 127.0.0.1, a clock the test moves, the
releases tests' team, and helpers to create webhooks, emit events and run the outbox.

The test settings allow 127.0.0.0/8 (so the receiver can be reached); a test that needs other
networks parametrises `allowed_networks`. DNS is never used: hostnames go through a resolver
the test passes to the outbox.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.models import Project
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.webhooks import outbox, urlguard
from tests.teams import Team


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A real HTTP server in a thread. Each request takes the next scripted answer
    (status, headers); when the script is empty it answers 200."""

    server: ThreadingHTTPServer
    requests: list[Received] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        port: int = self.server.server_address[1]
        return port

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, *answers: int | tuple[int, dict[str, str]]) -> None:
        for item in answers:
            self.answers.append(item if isinstance(item, tuple) else (item, {}))


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                status, headers = receiver.answers.pop(0) if receiver.answers else (200, {})
            reply = b"ok" if status < 400 else b"receiver says no\n  (test)"
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    found = Receiver(server)
    server.RequestHandlerClass = _handler(found)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def allowed_networks() -> list[str]:
    return ["127.0.0.0/8"]


@pytest.fixture
def settings(database_url: str, tmp_path: Path, allowed_networks: list[str]) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        webhook_allowed_networks=allowed_networks,
        background_workers=False,  # the test runs the outbox itself, with its clock
    )


class Clock:
    """The outbox's clock. It starts a day ahead of real time, so anything queued by the API
    during the test is already due; tests move it to make retries due, never sleep."""

    def __init__(self) -> None:
        self.now = utcnow() + timedelta(days=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def no_dns(host: str, port: int) -> list[str]:
    raise OSError(f"no DNS in tests (asked for {host})")


@dataclass
class Hooks:
    """Webhook helpers bound to the test's app, team and clock."""

    app: FastAPI
    team: Team
    settings: Settings
    clock: Clock

    def create(self, url: str, **fields: Any) -> dict[str, Any]:
        body = {"name": fields.pop("name", "hook"), "kind": "json", "url": url, **fields}
        response = self.team.post(self.team.owner, "/webhooks", body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def emit(self, type: str, **payload: Any) -> int:
        """Append an event as another slice would (alerts, change control)."""
        with transaction(self.app.state.session_factory) as session:
            project_id = session.scalar(select(Project.id).where(Project.slug == self.team.project))
            assert project_id is not None
            event = events.append(
                session, type=type, actor="monitor", payload=payload, project_id=project_id
            )
            return event.id

    def run(
        self,
        settings: Settings | None = None,
        resolver: urlguard.Resolver = no_dns,
    ) -> outbox.PassReport:
        return outbox.run_pass(
            self.app.state.session_factory,
            settings or self.settings,
            resolver=resolver,
            clock=self.clock,
        )

    def deliveries(self, webhook_id: int, **params: Any) -> list[dict[str, Any]]:
        response = self.team.get(self.team.owner, f"/webhooks/{webhook_id}/deliveries", **params)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


@pytest.fixture
def hooks(app: FastAPI, team: Team, settings: Settings, clock: Clock) -> Hooks:
    return Hooks(app, team, settings, clock)


def errors(delivery: dict[str, Any]) -> Sequence[str]:
    return [attempt["error"] for attempt in delivery["attempts"]]
