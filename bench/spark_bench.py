"""Profile a large DataFrame through Spark in local mode, with bounded driver memory.

    .venv/bin/python bench/spark_bench.py [--rows 50000000] [--partitions 50]
                                          [--driver-memory 1g] [--sample-rows 1000000]
                                          [--source parquet|generated]

The rows are generated inside Spark (the reference workload's 15 numeric and 5 categorical
columns, as Spark SQL expressions), so nothing passes through the driver but profiles. With
`--source parquet` (the default) Spark first writes them to a Parquet directory (timed apart) and
the profile reads that, as it would read a table in storage; with `--source generated` it profiles
the expressions directly. The bench times `profile_spark`, follows the peak resident memory of
every process it started (the driver's Python, the driver JVM, which in local mode is also the
executor, and the Python workers that profile the partitions), then profiles a random sample of
the same rows in-process with `build_profile` and checks the two agree within sketch and sampling
error. Results are printed and saved under bench/results/ as spark-<UTC stamp>.json and .md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Run as a script, so put the repository root on the path for the `bench` package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.venvs import BENCH_DIR
from bench.workload import CATEGORICAL_LEVELS, numeric_specs
from mlcontinuum.profiles import ColumnKind, Profile, build_profile, compare, drift_methods
from mlcontinuum.profiles.spark import profile_spark

RESULTS_DIR = BENCH_DIR / "results"
# DKW: the empirical CDF of n values is within sqrt(ln(2/δ) / 2n) of the truth everywhere.
DELTA = 0.01


@dataclass
class Peaks:
    """Largest VmHWM (peak resident set) seen per process, by role."""

    by_pid: dict[int, tuple[str, float]] = field(default_factory=dict)

    def role_peaks(self) -> dict[str, dict[str, float]]:
        roles: dict[str, list[float]] = {}
        for role, peak in self.by_pid.values():
            roles.setdefault(role, []).append(peak)
        return {
            role: {"processes": len(p), "max_mb": max(p), "sum_mb": sum(p)}
            for role, p in roles.items()
        }


def _status(pid: int) -> dict[str, str]:
    fields: dict[str, str] = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
    except OSError:
        pass
    return fields


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as raw:
            return raw.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            ppid = _status(int(entry)).get("PPid")
            if ppid is not None:
                parents[int(entry)] = int(ppid)
    found, frontier = [], [root]
    while frontier:
        current = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == current]
        found += children
        frontier += children
    return found


def _role(pid: int) -> str:
    command = _cmdline(pid)
    if "java" in command.split(" ")[0] or "org.apache.spark" in command:
        return "driver JVM (also the executor in local mode)"
    if "pyspark" in command or "python" in command:
        return "Python workers (profile the partitions)"
    return "other"


def _peak_mb(pid: int) -> float | None:
    value = _status(pid).get("VmHWM")
    return None if value is None else int(value.split()[0]) / 1024


def watch_memory(peaks: Peaks, stop: threading.Event, every: float = 0.25) -> None:
    """Poll the process tree: workers may exit before the end, so keep each one's peak."""
    me = os.getpid()
    while not stop.is_set():
        for pid in [me, *_descendants(me)]:
            peak = _peak_mb(pid)
            if peak is None:
                continue
            role = "driver Python" if pid == me else _role(pid)
            previous = peaks.by_pid.get(pid, (role, 0.0))[1]
            peaks.by_pid[pid] = (role, max(previous, peak))
        stop.wait(every)


def spark_session(driver_memory: str, cores: int) -> Any:
    from pyspark.sql import SparkSession

    os.environ.update(
        PYSPARK_PYTHON=sys.executable,
        PYSPARK_DRIVER_PYTHON=sys.executable,
        SPARK_LOCAL_IP="127.0.0.1",
    )
    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("continuum-spark-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def workload_frame(spark: Any, rows: int, partitions: int, seed: int) -> Any:
    """The reference workload's columns as Spark expressions: generated where they are read."""
    from pyspark.sql import functions as f

    columns = []
    for offset, spec in enumerate(numeric_specs()):
        i, s = spec.index, seed * 1_000 + offset
        if spec.family == "normal":
            expression = f.randn(s) * (1.0 + i) + 10.0 * i
        elif spec.family == "lognormal":
            expression = f.exp(f.randn(s) * (0.75 + 0.25 * i) + 0.5 * i)
        else:
            expression = f.rand(s) * (1.0 + 3.0 * i) - float(i)
        columns.append(expression.alias(spec.name))
    for offset, levels in enumerate(CATEGORICAL_LEVELS):
        s = seed * 1_000 + 100 + offset
        # Log-uniform over 1..levels: P(level i) roughly ∝ 1 / i, a Zipf-like head and tail.
        index = f.floor(f.exp(f.rand(s) * math.log(levels))).cast("long") - 1
        columns.append(f.concat(f.lit(f"L{levels}_"), index.cast("string")).alias(f"cat_{levels}"))
    return spark.range(0, rows, numPartitions=partitions).select(*columns)


def agreement(whole: Profile, sample: Profile) -> dict[str, dict[str, Any]]:
    """Per column: the largest CDF gap between the Spark profile of all rows and the in-process
    profile of a sample, against what sketch error plus sampling error allow."""
    report = compare(whole, sample)
    status = {c.column: c.status.value for c in report.columns}
    found: dict[str, dict[str, Any]] = {}
    for name, column in whole.columns.items():
        other = sample.columns[name]
        entry: dict[str, Any] = {"status": status[name]}
        if column.kind is ColumnKind.NUMERIC:
            assert column.quantiles is not None
            assert other.quantiles is not None
            points = column.quantiles.quantiles(np.linspace(0.005, 0.995, 199))
            gap = float(
                np.max(np.abs(column.quantiles.ranks(points) - other.quantiles.ranks(points)))
            )
            allowed = (
                column.quantiles.rank_error(every_point=True)
                + other.quantiles.rank_error(every_point=True)
                + math.sqrt(math.log(2 / DELTA) / (2 * other.quantiles.n))
            )
            entry |= {"max_cdf_gap": gap, "allowed": allowed, "within": gap <= allowed}
        else:
            tv = drift_methods["total_variation"].fn(column, other)
            entry |= {
                "total_variation": tv.value,
                "noise_floor": tv.noise_floor,
                "within": tv.value - tv.noise_floor < 0.01,
            }
        found[name] = entry
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--partitions", type=int, default=50)
    parser.add_argument("--driver-memory", default="1g")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sample-rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--source", choices=["parquet", "generated"], default="parquet")
    args = parser.parse_args()

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    peaks, stop = Peaks(), threading.Event()
    spark = spark_session(args.driver_memory, args.cores)
    watcher = threading.Thread(target=watch_memory, args=(peaks, stop), daemon=True)
    watcher.start()
    df = workload_frame(spark, args.rows, args.partitions, args.seed)
    scratch = tempfile.TemporaryDirectory(prefix="continuum-spark-bench-")
    write_seconds = None
    if args.source == "parquet":
        path = str(Path(scratch.name) / "workload.parquet")
        write_started = time.perf_counter()
        df.write.parquet(path)
        write_seconds = time.perf_counter() - write_started
        df = spark.read.parquet(path)
    # Peaks of the writing stage are not the profile's.
    peaks.by_pid.clear()
    load_before = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    profile = profile_spark(df)
    seconds = time.perf_counter() - started
    driver_cpu = time.process_time() - cpu_started
    load_after = os.getloadavg()[0]
    stop.set()
    watcher.join()
    memory = peaks.role_peaks()

    fraction = min(1.0, args.sample_rows / args.rows)
    sample_frame = df.sample(fraction=fraction, seed=args.seed).toPandas()
    sample_started = time.perf_counter()
    sample = build_profile(sample_frame)
    sample_seconds = time.perf_counter() - sample_started
    partitions = df.rdd.getNumPartitions()
    spark.stop()
    scratch.cleanup()
    checks = agreement(profile, sample)

    result = {
        "started": stamp,
        "argv": sys.argv[1:],
        "cpus": os.cpu_count(),
        "rows": profile.row_count,
        "columns": len(profile.columns),
        "partitions": partitions,
        "source": args.source,
        "write_seconds": write_seconds,
        "driver_memory": args.driver_memory,
        "seconds": seconds,
        "rows_per_second": profile.row_count / seconds,
        "driver_python_cpu_seconds": driver_cpu,
        "load_average": [load_before, load_after],
        "memory": memory,
        "sample_rows": len(sample_frame),
        "sample_profile_seconds": sample_seconds,
        "agreement": checks,
    }
    (RESULTS_DIR / f"spark-{stamp}.json").write_text(json.dumps(result, indent=2))
    lines = [
        f"## Spark run {stamp} (`bench/spark_bench.py {' '.join(sys.argv[1:])}`)",
        "",
        f"{profile.row_count:,} rows x {len(profile.columns)} columns from {args.source} "
        f"({partitions} partitions), local[{args.cores}], driver memory {args.driver_memory}: "
        f"{seconds:,.1f} s, {profile.row_count / seconds:,.0f} rows/s, "
        f"load average {load_before:.1f} -> {load_after:.1f}"
        + ("" if write_seconds is None else f" (writing the Parquet took {write_seconds:,.1f} s)"),
        "",
        "| process | count | peak RSS MB (largest) | peak RSS MB (sum) |",
        "|---|---|---|---|",
        *(
            f"| {role} | {m['processes']} | {m['max_mb']:,.0f} | {m['sum_mb']:,.0f} |"
            for role, m in sorted(memory.items())
        ),
        "",
        f"Against an in-process profile of a {len(sample_frame):,}-row sample:",
        "",
        "| column | status | max CDF gap / TV | allowed / floor | within |",
        "|---|---|---|---|---|",
        *(
            f"| {name} | {c['status']} | "
            f"{c.get('max_cdf_gap', c.get('total_variation', 0.0)):.4f} | "
            f"{c.get('allowed', c.get('noise_floor', 0.0)):.4f} | "
            f"{'yes' if c['within'] else 'NO'} |"
            for name, c in checks.items()
        ),
    ]
    (RESULTS_DIR / f"spark-{stamp}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
