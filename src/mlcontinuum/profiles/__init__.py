"""The profile engine: mergeable, bounded-size profiles of tabular data and drift between them.

Pure computation: no database, no web. See docs/profiles.md for the user guide.
"""

from mlcontinuum.profiles.builder import build_profile
from mlcontinuum.profiles.checks import CheckResult, run_checks
from mlcontinuum.profiles.compare import ColumnDrift, DriftReport, MethodOutcome, compare
from mlcontinuum.profiles.drift import DriftMethod, drift_methods
from mlcontinuum.profiles.errors import ProfileError, ProfileFormatError, ProfileInputError
from mlcontinuum.profiles.merging import merge
from mlcontinuum.profiles.model import ColumnKind, ColumnProfile, Profile, ProfileOptions
from mlcontinuum.profiles.reading import loads
from mlcontinuum.profiles.serde import dumps
from mlcontinuum.profiles.spark import profile_spark

__all__ = [
    "CheckResult",
    "ColumnDrift",
    "ColumnKind",
    "ColumnProfile",
    "DriftMethod",
    "DriftReport",
    "MethodOutcome",
    "Profile",
    "ProfileError",
    "ProfileFormatError",
    "ProfileInputError",
    "ProfileOptions",
    "build_profile",
    "compare",
    "drift_methods",
    "dumps",
    "loads",
    "merge",
    "profile_spark",
    "run_checks",
]
