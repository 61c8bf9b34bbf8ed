"""The gates; importing this package registers them all. Adding a gate: one module here, named
after the gate (the server reads gate names from the module names), and its name in this list."""

import mlcontinuum.gates.checks.compliance
import mlcontinuum.gates.checks.data_validation
import mlcontinuum.gates.checks.drift
import mlcontinuum.gates.checks.explainability
import mlcontinuum.gates.checks.fairness
import mlcontinuum.gates.checks.metric_threshold
import mlcontinuum.gates.checks.security  # noqa: F401 - every import above registers a gate
from mlcontinuum.gates.registry import gates

__all__ = ["gates"]
