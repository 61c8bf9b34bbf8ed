"""Continuum: profile both frames, then compare the two profiles, in the product's environment.

Run as a subprocess like every peer so its peak memory is measured the same way. Input is the
same in-memory pandas frames the peers get; reading Parquet is timed apart as `load_seconds`.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import pandas as pd
from peer_protocol import PeerResult, Stopwatch, parse_args, peak_rss_mb

from mlcontinuum.profiles import DriftReport, build_profile, compare


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
    result.emit()


def verdicts_of(report: DriftReport) -> dict[str, dict[str, Any]]:
    # A column is drifted when any of its methods says so; keep every method's numbers for the docs.
    return {
        column.column: {
            "drifted": column.drifted,
            "skipped": column.skipped,
            "methods": {
                o.method: {"value": o.value, "threshold": o.threshold, "drifted": o.drifted}
                for o in column.outcomes
            },
        }
        for column in report.columns
    }


if __name__ == "__main__":
    main()
