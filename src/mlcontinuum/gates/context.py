"""What gates look at: the scored evaluation data and what the record says about the version."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlcontinuum.charter.schemas import KpiFields
from mlcontinuum.data.schemas import DataSourcePublic
from mlcontinuum.profiles import Profile, build_profile
from mlcontinuum.registry.schemas import VersionPublic


@dataclass(frozen=True)
class Evaluation:
    """A model and its predictions on the evaluation data (computed once, read by every gate)."""

    model: Any
    features: pd.DataFrame
    y_true: np.ndarray
    y_pred: np.ndarray
    # Classifiers: class probabilities (columns in `classes` order); None for regressors.
    proba: np.ndarray | None
    classes: list[Any]
    positive_label: Any | None

    @property
    def is_classifier(self) -> bool:
        return bool(self.classes)

    @property
    def binary(self) -> bool:
        return len(self.classes) == 2

    def positive_scores(self) -> np.ndarray | None:
        """Score of the positive class (binary classifiers with probabilities only)."""
        if self.proba is None or not self.binary:
            return None
        result: np.ndarray = self.proba[:, self.classes.index(self.positive_label)]
        return result


@dataclass
class GateContext:
    evaluation: Evaluation
    data: pd.DataFrame  # the evaluation data as read, target included (what profiles compare)
    model_file: Path
    kpis: list[KpiFields] | None  # None: no charter at hand (offline without --charter)
    version: VersionPublic | None  # None: offline
    reference: Profile | None  # the training data's reference profile, when there is one
    compliance: list[DataSourcePublic] | None  # the version's data sources; None: offline
    offline: bool = False
    _profile: Profile | None = field(default=None, repr=False)

    def current_profile(self) -> Profile:
        """The evaluation data's profile, built on first use (data validation and drift)."""
        if self._profile is None:
            self._profile = build_profile(self.data)
        return self._profile
