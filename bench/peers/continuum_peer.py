"""Continuum: profile both frames, then compare the two profiles, in the product's environment.

Run as a subprocess like every peer so its peak memory is measured the same way. Input is the
same in-memory pandas frames the peers get; reading Parquet is timed apart as `load_seconds`.
In the same process and on the same frames it also times the two floors of `floors.py` (touch
every value once; the sketches used directly) and Continuum on the same frames with their
labels as pandas categoricals (converted outside the timing), which it counts on their codes.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version
from typing import Any

import pandas as pd
from floors import prepare, sketch_floor, touch_floor
from peer_protocol import PeerResult, Stopwatch, parse_args, peak_rss_mb

from mlcontinuum.profiles import DriftReport, build_profile, compare


def best_of(repeat: int, work: Callable[[], object]) -> dict[str, float]:
    """Fastest wall time of `repeat` runs, with that run's CPU time."""
    best: dict[str, float] = {}
    for _ in range(repeat):
        with Stopwatch() as watch:
            work()
        if not best or watch.seconds < best["seconds"]:
            best = {"seconds": watch.seconds, "cpu_seconds": watch.cpu_seconds}
    return best


def main() -> None:
    args = parse_args(__doc__ or "")
    with Stopwatch() as load:
        reference = pd.read_parquet(args.reference)
        current = pd.read_parquet(args.current)
    result = PeerResult(
        tool="Continuum",
        version=version("mlcontinuum"),
        rows=len(reference),
        load_seconds=load.seconds,
        loaded_rss_mb=peak_rss_mb(),
    )
    for _ in range(args.repeat):
        with Stopwatch() as profile:
            reference_profile = build_profile(reference)
            current_profile = build_profile(current)
        with Stopwatch() as drift:
            report = compare(reference_profile, current_profile)
        result.record(profile, drift)
    result.verdicts = verdicts_of(report)
    result.drifted = sorted(c for c, v in result.verdicts.items() if v["drifted"])
    result.changed = sorted(c for c, v in result.verdicts.items() if v["status"] == "changed")

    frames = (reference, current)
    prepared = [prepare(frame) for frame in frames]
    categorical = [
        frame.astype(
            {c: "category" for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])}
        )
        for frame in frames
    ]
    result.floors = {
        "touch": best_of(args.repeat, lambda: [touch_floor(p) for p in prepared]),
        "sketch": best_of(args.repeat, lambda: [sketch_floor(p) for p in prepared]),
        "continuum_categorical": best_of(
            args.repeat, lambda: [build_profile(f) for f in categorical]
        ),
    }
    result.emit()


def verdicts_of(report: DriftReport) -> dict[str, dict[str, Any]]:
    # A column is drifted when any of its methods says so; keep every method's numbers for the docs.
    return {
        column.column: {
            "drifted": column.drifted,
            "status": column.status.value,
            "skipped": column.skipped,
            "methods": {
                o.method: {
                    "value": o.value,
                    "threshold": o.threshold,
                    "noise_floor": o.noise_floor,
                    "p_value": o.p_value,
                    "status": o.status.value,
                }
                for o in column.outcomes
            },
        }
        for column in report.columns
    }


if __name__ == "__main__":
    main()
