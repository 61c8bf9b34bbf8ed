"""`continuum serve`: a real process that migrates, prints its URL and answers HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from mlcontinuum.kernel.settings import Settings
from mlcontinuum.kernel.storage import migrate
from mlcontinuum.kernel.storage.engine import make_engine

CONTINUUM = Path(sys.executable).with_name("continuum")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_migrates_and_answers(tmp_path: Path, backend: str, settings: Settings) -> None:
    # A database with no tables at all for SQLite: the server must migrate it on start.
    url = f"sqlite:///{tmp_path / 'fresh.db'}" if backend == "sqlite" else settings.database_url
    port = _free_port()
    env = {
        "PATH": str(CONTINUUM.parent),
        "CONTINUUM_DATA_DIR": str(tmp_path / "data"),
        "CONTINUUM_DATABASE_URL": str(url),
    }
    process = subprocess.Popen(
        [str(CONTINUUM), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert f"Continuum is serving at http://127.0.0.1:{port}" in output
    engine = make_engine(str(url))
    try:
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
    finally:
        engine.dispose()
