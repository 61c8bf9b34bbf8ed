"""whylogs 1.6.4: profile both frames, then its own drift comparison of the two profile views.

Runs in bench/.venvs/whylogs (NumPy 1.26, pandas 2.2): whylogs does not run on NumPy 2.
Drift uses whylogs' defaults (KS from sketches for numbers, chi-square from frequent items for
strings) and its own verdict: a column counts as flagged when whylogs says DRIFT.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import pandas as pd
import whylogs as why
from peer_protocol import PeerResult, Stopwatch, parse_args, peak_rss_mb
from whylogs.viz.drift.column_drift_algorithms import calculate_drift_scores


def verdicts_of(scores: dict[str, dict[str, Any] | None]) -> dict[str, dict[str, Any]]:
    verdicts: dict[str, dict[str, Any]] = {}
    for column, score in scores.items():
        if score is None:  # whylogs found no metric it can compare for this column
            continue
        verdicts[column] = {
            "method": score.get("algorithm"),
            "value": score.get("pvalue"),
            "statistic": score.get("statistic"),
            "category": score.get("drift_category"),
            "drifted": score.get("drift_category") == "DRIFT",
        }
    return verdicts


def main() -> None:
    args = parse_args(__doc__ or "")
    with Stopwatch() as load:
        reference = pd.read_parquet(args.reference)
        current = pd.read_parquet(args.current)
    result = PeerResult(
        tool="whylogs",
        version=version("whylogs"),
        rows=len(reference),
        load_seconds=load.seconds,
        loaded_rss_mb=peak_rss_mb(),
    )
    for _ in range(args.repeat):
        with Stopwatch() as profile:
            reference_view = why.log(pandas=reference).view()
            current_view = why.log(pandas=current).view()
        with Stopwatch() as compare:
            scores = calculate_drift_scores(
                target_view=current_view, reference_view=reference_view, with_thresholds=True
            )
        result.record(profile, compare)
    result.verdicts = verdicts_of(scores)
    result.drifted = sorted(c for c, v in result.verdicts.items() if v["drifted"])
    result.emit()


if __name__ == "__main__":
    main()
