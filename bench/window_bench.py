"""Window evaluation time against the rows a window holds: 1,000 rows against 10,000,000.

    .venv/bin/python bench/window_bench.py [--rows 1000 10000000] [--batches 100] [--repeat 5]

For each row count a fresh SQLite database gets one production deployment (bench/ingest_setup.py)
and one day window of `--batches` batches spread over its 24 hours, sent through the real API
(in-process): each batch's profile, prediction ids and scores, then the labels of every
prediction. Then, with the evaluator's own code:
- the first evaluation of the day window (it merges every batch profile once), and
- `--repeat` times: one more batch arrives, and the window is evaluated again (it merges the one
  new profile and reads the per-hour performance tallies), the median reported.
Both windows hold the same number of batches, so any difference comes from the row count.
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import pandas as pd
from fastapi.testclient import TestClient
from rich.console import Console
from sqlalchemy import select

from bench.ingest_setup import Target, prepare
from bench.report import markdown_table
from mlcontinuum.app import create_app
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.monitoring.evaluation import evaluate_window
from mlcontinuum.monitoring.models import MonitorWindow
from mlcontinuum.profiles import build_profile, dumps


def _frame(rows: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {f"x{i}": rng.normal(i, 1 + i / 10, rows) for i in range(6)}
        | {f"c{i}": rng.choice(["a", "b", "c", "d"], rows) for i in range(4)}
    )


def _send(client: TestClient, target: Target, number: int, rows: int, at: datetime) -> None:
    rng = np.random.default_rng(number)
    scores = rng.random(rows).round(4)
    ids = [f"b{number}-r{r}" for r in range(rows)]
    headers = {"Authorization": f"Bearer {target.token}"}
    sent = client.post(
        target.batches_path,
        json={
            "at": at.isoformat(),
            "rows": rows,
            "profile": base64.b64encode(dumps(build_profile(_frame(rows, rng)))).decode(),
            "prediction_ids": ids,
            "predictions": scores.tolist(),
        },
        headers={**headers, "Idempotency-Key": f"batch-{number}"},
    )
    assert sent.status_code == 201, sent.text
    labels = (rng.random(rows) < scores).astype(float)
    labelled = client.post(
        target.batches_path.removesuffix("batches") + "labels",
        json={"labels": [{"id": i, "label": y} for i, y in zip(ids, labels, strict=True)]},
        headers={**headers, "Idempotency-Key": f"labels-{number}"},
    )
    assert labelled.status_code == 201, labelled.text


def _evaluate_day(settings: Settings, target: Target, day: datetime) -> float:
    app = create_app(settings, run_migrations=False)
    try:
        with transaction(app.state.session_factory) as session:
            window = session.scalars(
                select(MonitorWindow).where(
                    MonitorWindow.deployment_id == target.deployment_id,
                    MonitorWindow.granularity == Granularity.DAY,
                    MonitorWindow.start == day,
                )
            ).one()
            started = time.perf_counter()
            evaluate_window(session, window)
            return time.perf_counter() - started
    finally:
        app.state.engine.dispose()


def bench_rows(total: int, batches: int, repeat: int, tmp: Path, console: Console) -> list[str]:
    settings = Settings(
        data_dir=tmp / str(total),
        database_url=f"sqlite:///{tmp / f'window-{total}.db'}",
        background_workers=False,
        monitor_max_request_bytes=512 * 1024 * 1024,
        max_request_bytes=512 * 1024 * 1024,
    )
    target = prepare(settings)
    day = (datetime.now(UTC) - timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
    step = timedelta(days=1) / (batches + repeat)
    per_batch = max(1, total // batches)
    console.print(f"  {total:,} rows: sending {batches} batches of {per_batch:,} rows ...")
    app = create_app(settings, run_migrations=False)
    with TestClient(app) as client:
        for number in range(batches):
            _send(client, target, number, per_batch, day + step * number)
    first = _evaluate_day(settings, target, day)
    again = []
    for extra in range(repeat):
        with TestClient(app) as client:
            number = batches + extra
            _send(client, target, number, per_batch, day + step * number)
        again.append(_evaluate_day(settings, target, day))
    app.state.engine.dispose()
    return [
        f"{per_batch * batches:,}",
        str(batches),
        f"{first * 1000:.0f}",
        f"{statistics.median(again) * 1000:.1f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 10_000_000])
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    console = Console()
    rows = []
    with tempfile.TemporaryDirectory(prefix="continuum-window-bench-") as raw:
        for total in options.rows:
            rows.append(bench_rows(total, options.batches, options.repeat, Path(raw), console))
    header = ("rows in the day window", "batches", "first evaluation ms", "re-evaluation ms")
    console.print(markdown_table(header, rows))


if __name__ == "__main__":
    main()
