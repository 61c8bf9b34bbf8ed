"""Ingest benchmark: batches/s and latency at 1, 4 and 16 concurrent clients, on SQLite and on
PostgreSQL.

    .venv/bin/python bench/ingest_bench.py [--seconds 15] [--clients 1 4 16]
                                           [--backends sqlite postgresql] [--rows 1000]

For each backend a fresh database gets one production deployment (bench/ingest_setup.py) and
`continuum serve` runs in its own process with its background workers on, as in production.
Clients are threads of this process sending batch bodies built from one profile of `--rows`
rows with fresh prediction ids and the predicted values (what the SDK sends), each with its own
idempotency key, for `--seconds` per client count. A shed request (503 / 429) is counted and
retried after its Retry-After, as the SDK does; its latency is not counted as a success.
Results are printed and saved as JSON and Markdown under bench/results/.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import numpy as np
import pandas as pd
import psycopg
from rich.console import Console

from bench.ingest_setup import Target, prepare
from bench.report import markdown_table
from bench.venvs import BENCH_DIR
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.profiles import build_profile, dumps

RESULTS_DIR = BENCH_DIR / "results"
CONTINUUM = Path(sys.executable).with_name("continuum")
PG_ADMIN = os.environ.get(
    "CONTINUUM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PG_DATABASE = "continuum_ingest_bench"


@dataclass
class LoadResult:
    backend: str
    clients: int
    seconds: float
    batches: int
    shed: int
    errors: int
    p50_ms: float
    p99_ms: float
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(
        self, *, latency_ms: float | None = None, shed: bool = False, error: bool = False
    ) -> None:
        """Record one answer; client threads share this result."""
        with self.lock:
            if latency_ms is not None:
                self.batches += 1
                self.latencies_ms.append(latency_ms)
            self.shed += shed
            self.errors += error

    @property
    def batches_per_second(self) -> float:
        return self.batches / self.seconds if self.seconds else 0.0


class Batches:
    """Batch bodies built on demand from one profile of `rows` rows (ten features) and its
    predicted values; only the prediction ids differ, so building a body costs a string join,
    not a profile."""

    def __init__(self, rows: int, at: datetime, seed: int = 3) -> None:
        rng = np.random.default_rng(seed)
        frame = pd.DataFrame(
            {f"x{i}": rng.normal(i, 1 + i / 10, rows) for i in range(6)}
            | {f"c{i}": rng.choice(["a", "b", "c", "d"], rows) for i in range(4)}
        )
        fixed = {
            "at": at.isoformat(),
            "rows": rows,
            "profile": base64.b64encode(dumps(build_profile(frame))).decode(),
            "predictions": rng.random(rows).round(4).tolist(),
        }
        self.rows = rows
        self._head = json.dumps(fixed)[:-1].encode() + b', "prediction_ids": ['

    def body(self, prefix: str) -> bytes:
        """A body whose prediction ids all start with `prefix` (unique per batch)."""
        ids = ",".join(f'"{prefix}-r{r}"' for r in range(self.rows))
        return self._head + ids.encode() + b"]}"


def send_for(
    url: str, token: str, batches: Batches, key_prefix: str, until: float, out: LoadResult
) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with httpx.Client(timeout=60) as http:
        for index in itertools.count():
            if time.monotonic() >= until:
                return
            key = f"{key_prefix}-{index}"
            body = batches.body(key)
            while True:
                started = time.perf_counter()
                try:
                    answer = http.post(
                        url, content=body, headers={**headers, "Idempotency-Key": key}
                    )
                except httpx.TransportError:
                    out.count(error=True)
                    break
                elapsed = (time.perf_counter() - started) * 1000
                if answer.status_code in (429, 503):
                    out.count(shed=True)
                    time.sleep(float(answer.headers.get("Retry-After", "1")))
                    continue
                if answer.status_code in (200, 201):
                    out.count(latency_ms=elapsed)
                else:
                    out.count(error=True)
                break


def run_load(
    base_url: str, target: Target, backend: str, clients: int, seconds: float, rows: int
) -> LoadResult:
    batches = Batches(rows, datetime.now(UTC) - timedelta(minutes=30))
    result = LoadResult(backend, clients, seconds, 0, 0, 0, 0.0, 0.0)
    until = time.monotonic() + seconds
    started = time.monotonic()
    threads = [
        threading.Thread(
            target=send_for,
            args=(
                base_url + target.batches_path,
                target.token,
                batches,
                f"{backend}-{clients}-{c}",
                until,
                result,
            ),
        )
        for c in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - started
    if result.latencies_ms:
        result.p50_ms = statistics.median(result.latencies_ms)
        result.p99_ms = float(np.percentile(result.latencies_ms, 99))
    return result


def serve(settings_env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [str(CONTINUUM), "serve", "--port", str(port)],
        env=settings_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def database_url(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}"
    admin = PG_ADMIN.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        db.execute(f"CREATE DATABASE {PG_DATABASE}")
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_DATABASE}"


def bench_backend(
    backend: str, options: argparse.Namespace, console: Console, tmp: Path
) -> list[LoadResult]:
    url = database_url(backend, tmp)
    settings = Settings(data_dir=tmp / backend, database_url=url)
    target = prepare(settings)
    port = 8700 + len(backend)
    env = {
        **os.environ,
        "CONTINUUM_DATA_DIR": str(tmp / backend),
        "CONTINUUM_DATABASE_URL": url,
    }
    process = serve(env, port)
    results = []
    try:
        for clients in options.clients:
            console.print(f"  {backend}: {clients} client(s) for {options.seconds:g} s ...")
            result = run_load(
                f"http://127.0.0.1:{port}", target, backend, clients, options.seconds, options.rows
            )
            results.append(result)
            console.print(
                f"    {result.batches_per_second:.1f} batches/s, p50 {result.p50_ms:.1f} ms, "
                f"p99 {result.p99_ms:.1f} ms, shed {result.shed}, errors {result.errors}"
            )
    finally:
        process.terminate()
        process.wait(timeout=30)
    return results


def load_rows(results: list[LoadResult], rows: int) -> list[list[str]]:
    return [
        [
            r.backend,
            str(r.clients),
            f"{r.batches_per_second:.1f}",
            f"{r.batches_per_second * rows:,.0f}",
            f"{r.p50_ms:.1f}",
            f"{r.p99_ms:.1f}",
            str(r.shed),
            str(r.errors),
        ]
        for r in results
    ]


LOAD_HEADER = (
    "backend",
    "clients",
    "batches/s",
    "predictions/s",
    "p50 ms",
    "p99 ms",
    "shed (503)",
    "errors",
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=15.0, help="load time per client count")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument(
        "--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--rows", type=int, default=1000, help="predictions per batch")
    options = parser.parse_args()
    console = Console()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results: list[LoadResult] = []
    with tempfile.TemporaryDirectory(prefix="continuum-ingest-bench-") as raw:
        tmp = Path(raw)
        for backend in options.backends:
            results += bench_backend(backend, options, console, tmp)
    markdown = markdown_table(LOAD_HEADER, load_rows(results, options.rows))
    console.print(markdown)
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / f"ingest-{stamp}.md").write_text(markdown + "\n")
    (RESULTS_DIR / f"ingest-{stamp}.json").write_text(
        json.dumps(
            {
                "load": [
                    {
                        "backend": r.backend,
                        "clients": r.clients,
                        "seconds": r.seconds,
                        "batches": r.batches,
                        "batches_per_second": r.batches_per_second,
                        "p50_ms": r.p50_ms,
                        "p99_ms": r.p99_ms,
                        "shed": r.shed,
                        "errors": r.errors,
                    }
                    for r in results
                ],
                "rows_per_batch": options.rows,
                "load_average": list(os.getloadavg()),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
