"""Continuum profiling one Parquet file by path (read in chunks): the memory-flatness probe.

Prints the same JSON shape as the peers, with `loaded_rss_mb` the footprint after imports and
before any data, so the bench can show how much memory the data itself costs at each size.
"""

from __future__ import annotations

import argparse
from importlib.metadata import version

from peer_protocol import PeerResult, Stopwatch, peak_rss_mb

from mlcontinuum.profiles import build_profile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", help="Parquet file to profile")
    args = parser.parse_args()
    result = PeerResult(
        tool="Continuum (from file)",
        version=version("mlcontinuum"),
        rows=0,
        load_seconds=0.0,
        loaded_rss_mb=peak_rss_mb(),
    )
    with Stopwatch() as profile:
        built = build_profile(args.path)
    result.rows = built.row_count
    result.record(profile, None)
    result.emit()


if __name__ == "__main__":
    main()
