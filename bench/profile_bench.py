"""Profile and drift benchmark: Continuum against whylogs, Evidently and a plain NumPy pass.

    .venv/bin/python bench/profile_bench.py [--rows 1000000] [--also-rows 5000000]
                                            [--skip-peers] [--memory-check]

Builds the reference workload once (bench/workload.py), writes it to Parquet so every tool reads
the same data, and runs each tool in its own subprocess: whylogs, Evidently and the floor in their
own virtual environments under bench/.venvs/ (built on first use), Continuum in this one. Tools run
one after another, never side by side, so none competes for the two cores. Results are printed and
saved as JSON and Markdown under bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

# Run as a script, so put the repository root on the path for the `bench` package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console

from bench.parquet_files import write_frame, write_reference_rows
from bench.report import (
    MEMORY_HEADER,
    ToolRun,
    markdown_table,
    memory_rows,
    print_memory,
    print_run,
    run_markdown,
)
from bench.venvs import BENCH_DIR, PEERS_DIR, ensure_venv
from bench.workload import make_workload

RESULTS_DIR = BENCH_DIR / "results"
# (key, display name, script, environment): None means the product's own interpreter.
TOOLS = (
    ("continuum", "Continuum", "continuum_peer.py", None),
    ("floor", "numpy/pandas floor", "numpy_floor.py", "numpy_floor"),
    ("whylogs", "whylogs", "whylogs_peer.py", "whylogs"),
    ("evidently", "Evidently", "evidently_peer.py", "evidently"),
)
EXTERNAL_PEERS = {"whylogs", "evidently"}
# Continuum and the floor take seconds, so they are timed best of several runs; the peers take
# minutes each and run once (which, on a busy machine, can only flatter them less, not more).
FAST_TOOLS = {"continuum", "floor"}


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    # No network here: keep the peers from trying to send usage statistics.
    env.update({"WHYLOGS_NO_ANALYTICS": "True", "DO_NOT_TRACK": "1"})
    return env


def run_tool(key: str, name: str, python: Path, args: list[str], timeout: float) -> ToolRun:
    command = [str(python), str(PEERS_DIR / args[0]), *args[1:]]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=_child_env(), check=False
        )
    except subprocess.TimeoutExpired:
        return ToolRun(key=key, tool=name, error=f"timed out after {timeout:.0f} s")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return ToolRun(key=key, tool=name, error=(done.stderr.strip() or "no output")[-2000:])
    return ToolRun.from_json(key, json.loads(lines[-1]))


def interpreter(environment: str | None, log: Path) -> Path:
    return Path(sys.executable) if environment is None else ensure_venv(environment, log)


def bench_rows(
    rows: int, seed: int, tmp: Path, options: argparse.Namespace, console: Console, log: Path
) -> tuple[dict[str, ToolRun], list[str]]:
    console.print(f"[bold]workload[/bold]: {rows:,} rows, seed {seed}")
    reference, current, shifted = make_workload(rows, seed)
    reference_path = write_frame(reference, tmp / f"reference-{rows}.parquet")
    current_path = write_frame(current, tmp / f"current-{rows}.parquet")
    # The tools read the files; holding the frames here would only crowd the machine.
    del reference, current
    runs: dict[str, ToolRun] = {}
    for key, name, script, environment in TOOLS:
        if options.skip_peers and key in EXTERNAL_PEERS:
            continue
        console.print(f"  running {name} ...")
        repeat = options.repeat if key in FAST_TOOLS else 1
        args = [script, "--reference", str(reference_path), "--current", str(current_path)]
        args += ["--repeat", str(repeat)]
        try:
            python = interpreter(environment, log)
        except subprocess.CalledProcessError:
            # No network or a pin that no longer resolves: report it and go on with the others.
            runs[key] = ToolRun(
                key=key, tool=name, error=f"installing its environment failed, see {log}"
            )
            continue
        runs[key] = run_tool(key, name, python, args, options.timeout)
    reference_path.unlink()
    current_path.unlink()
    return runs, shifted


def memory_check(
    sizes: list[int], seed: int, tmp: Path, timeout: float, console: Console
) -> dict[int, ToolRun]:
    runs: dict[int, ToolRun] = {}
    for rows in sizes:
        console.print(f"[bold]memory check[/bold]: writing {rows:,} rows to Parquet ...")
        path = write_reference_rows(tmp / f"memory-{rows}.parquet", rows, seed)
        runs[rows] = run_tool(
            "continuum-file",
            "Continuum (from file)",
            Path(sys.executable),
            ["continuum_file_profile.py", str(path)],
            timeout,
        )
        path.unlink()
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per frame")
    parser.add_argument("--also-rows", type=int, action="append", default=[], help="another size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-peers", action="store_true", help="only Continuum and the floor")
    parser.add_argument("--memory-check", action="store_true", help="profile 100k vs 10M rows")
    parser.add_argument("--memory-rows", type=int, nargs=2, default=[100_000, 10_000_000])
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per tool run")
    parser.add_argument("--repeat", type=int, default=3, help="best-of runs for the fast tools")
    args = parser.parse_args()

    # Wide enough for the tables when the output goes to a file or a CI log rather than a terminal.
    console = Console(width=None if sys.stdout.isatty() else 180)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log = RESULTS_DIR / f"{stamp}-install.log"
    saved: dict[str, object] = {"started": stamp, "argv": sys.argv[1:], "cpus": os.cpu_count()}
    markdown = [f"## Run {stamp} (`{' '.join(['bench/profile_bench.py', *sys.argv[1:]])}`)"]

    def save() -> None:
        # After every step, so a long run that fails late still leaves what it measured.
        (RESULTS_DIR / f"{stamp}.json").write_text(json.dumps(saved, indent=2))
        (RESULTS_DIR / f"{stamp}.md").write_text("\n\n".join(markdown) + "\n")

    with tempfile.TemporaryDirectory(prefix="continuum-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        for step, rows in enumerate([args.rows, *args.also_rows]):
            runs, shifted = bench_rows(rows, args.seed, tmp, args, console, log)
            print_run(console, rows, runs, shifted)
            saved[str(rows)] = {"shifted": shifted, "runs": {k: asdict(r) for k, r in runs.items()}}
            markdown.append(run_markdown(rows, runs, shifted))
            save()
            # The memory check is quick next to the peers at a larger size: run it early.
            if step == 0 and args.memory_check:
                memory = memory_check(args.memory_rows, args.seed, tmp, args.timeout, console)
                print_memory(console, memory)
                saved["memory"] = {str(rows): asdict(run) for rows, run in memory.items()}
                markdown.append(
                    "### Memory flatness\n\n" + markdown_table(MEMORY_HEADER, memory_rows(memory))
                )
                save()
    console.print(f"saved bench/results/{stamp}.json and .md")


if __name__ == "__main__":
    main()
