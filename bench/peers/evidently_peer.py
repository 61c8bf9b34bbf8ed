"""Evidently 0.7: the DataDriftPreset report on the two frames, end to end.

Runs in bench/.venvs/evidently (pandas 2.2): Evidently 0.7.23 does not import with pandas 3.
Column kinds are declared, not inferred, so Evidently picks its intended method for each. The
verdict per column is Evidently's own ValueDrift test result (FAIL means drift detected).
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset
from peer_protocol import PeerResult, Stopwatch, parse_args, peak_rss_mb

VALUE_DRIFT = "evidently:metric_v2:ValueDrift"


def verdicts_of(snapshot: dict[str, Any]) -> dict[str, dict[str, Any]]:
    values = {
        m["config"]["column"]: m["value"]
        for m in snapshot["metrics"]
        if m["config"].get("type") == VALUE_DRIFT
    }
    verdicts: dict[str, dict[str, Any]] = {}
    for test in snapshot["tests"]:
        params = test["metric_config"]["params"]
        if params.get("type") != VALUE_DRIFT:
            continue
        column = params["column"]
        verdicts[column] = {
            "method": params.get("method"),
            "value": values.get(column),
            "threshold": params.get("threshold"),
            "drifted": test["status"] == "FAIL",
        }
    return verdicts


def main() -> None:
    args = parse_args(__doc__ or "")
    with Stopwatch() as load:
        reference = pd.read_parquet(args.reference)
        current = pd.read_parquet(args.current)
    result = PeerResult(
        tool="Evidently",
        version=version("evidently"),
        rows=len(reference),
        load_seconds=load.seconds,
        loaded_rss_mb=peak_rss_mb(),
    )
    definition = DataDefinition(
        numerical_columns=[
            c for c in reference.columns if pd.api.types.is_numeric_dtype(reference[c])
        ],
        categorical_columns=[
            c for c in reference.columns if not pd.api.types.is_numeric_dtype(reference[c])
        ],
    )
    for _ in range(args.repeat):
        with Stopwatch() as report:
            snapshot = Report([DataDriftPreset()], include_tests=True).run(
                current_data=Dataset.from_pandas(current, data_definition=definition),
                reference_data=Dataset.from_pandas(reference, data_definition=definition),
            )
        result.record(None, report)
    result.verdicts = verdicts_of(snapshot.dict())
    result.drifted = sorted(c for c, v in result.verdicts.items() if v["drifted"])
    result.emit()


if __name__ == "__main__":
    main()
