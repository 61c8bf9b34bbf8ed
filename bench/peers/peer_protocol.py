"""The contract between the bench and its peer scripts: arguments in, one JSON object out.

Peers run in their own virtual environments with different NumPy and pandas versions, so this
module uses the standard library only. Memory is the peak resident set measured inside the
peer's own process, so every tool's peak is counted the same way and none pays for another's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--reference", required=True, help="reference Parquet file")
    parser.add_argument("--current", required=True, help="current Parquet file")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs; the fastest counts")
    return parser.parse_args()


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB.

    Linux keeps ru_maxrss across fork and exec, so a peer started by a bench process that holds
    1.5 GB would report at least 1.5 GB whatever it did itself. VmHWM belongs to the process's
    own address space, created at exec, so it counts only the peer. ru_maxrss (KiB on Linux) is
    the fallback where /proc is missing.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Stopwatch:
    """`with Stopwatch() as t: ...` then `t.seconds` (wall) and `t.cpu_seconds`.

    CPU time (all threads of this process) is kept beside wall time because the machine may be
    shared: other load stretches wall time but hardly changes the CPU a tool itself needs.
    """

    seconds: float = 0.0
    cpu_seconds: float = 0.0

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        self._cpu_start = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start
        self.cpu_seconds = time.process_time() - self._cpu_start


@dataclass
class PeerResult:
    """One peer's measurements. Times exclude reading Parquet (`load_seconds`, the same for all).

    `profile_seconds` covers both frames; `compare_seconds` is the drift step alone. A tool with
    no separate profile step (Evidently) reports its whole drift report as `compare_seconds`.
    `drifted` is None for a tool that gives no verdicts (the floor).
    """

    tool: str
    version: str
    rows: int
    load_seconds: float
    loaded_rss_mb: float
    profile_seconds: float | None = None
    compare_seconds: float | None = None
    profile_cpu_seconds: float | None = None
    compare_cpu_seconds: float | None = None
    repeats: int = 0
    peak_rss_mb: float = 0.0
    drifted: list[str] | None = None
    # Columns a tool reports as changed but not drifted (Continuum's "changed, not material").
    changed: list[str] | None = None
    verdicts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Floors measured in the same process on the same frames: name -> seconds, cpu_seconds.
    floors: dict[str, dict[str, float]] = field(default_factory=dict)
    # 1-minute load average (the tool's own threads included) at start and end: shows contention.
    load_average: list[float] = field(default_factory=lambda: [os.getloadavg()[0]])

    def record(self, profile: Stopwatch | None, compare: Stopwatch | None) -> None:
        """Keep the fastest repetition (by profile + compare wall time): noise only adds time."""
        self.repeats += 1
        total = (profile.seconds if profile else 0.0) + (compare.seconds if compare else 0.0)
        best = (self.profile_seconds or 0.0) + (self.compare_seconds or 0.0)
        if self.repeats > 1 and total >= best:
            return
        if profile is not None:
            self.profile_seconds, self.profile_cpu_seconds = profile.seconds, profile.cpu_seconds
        if compare is not None:
            self.compare_seconds, self.compare_cpu_seconds = compare.seconds, compare.cpu_seconds

    def emit(self) -> None:
        self.peak_rss_mb = peak_rss_mb()
        self.load_average.append(os.getloadavg()[0])
        # One line on stdout that the bench parses; the tools' own chatter goes to stderr.
        sys.stdout.write(json.dumps(asdict(self)) + "\n")
        sys.stdout.flush()
