"""Eight simulated weeks of production traffic for the churn model, drawn from `wa_churn`.

Each day the scoring job scores a sample of customers. From week five the customer base shifts:
a promotion moves customers onto month-to-month contracts and a price rise lifts monthly charges,
so more of them churn than the call centre can call. Outcomes (did the customer cancel within the
period?) are known only two weeks later. Everything is seeded, so every load replays the same
traffic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from mlcontinuum.demo.baselines import CAPACITY
from mlcontinuum.demo.modeling import POSITIVE, TARGET

WEEKS = 8
DRIFT_FROM_WEEK = 5  # the first week (counted from 1) with the shifted customer base
LABEL_DELAY = timedelta(days=14)
CUSTOMERS_PER_DAY = 400
SEED = 11
# Week five's promotion: month-to-month contracts drawn this much more often, and the price rise.
MONTH_TO_MONTH_WEIGHT = 4.0
PRICE_RISE = 1.18


@dataclass(frozen=True)
class Day:
    """One day's scored customers: features as the scoring job saw them, and the outcome."""

    at: datetime
    week: int
    ids: list[str]
    features: pd.DataFrame
    churned: np.ndarray  # bool per customer, known LABEL_DELAY after `at`


def simulate(frame: pd.DataFrame, end: datetime) -> list[Day]:
    """The days of the WEEKS weeks ending at `end`, each scored at 09:00 UTC."""
    rng = np.random.default_rng(SEED)
    first = (end - timedelta(weeks=WEEKS)).replace(hour=9, minute=0, second=0, microsecond=0)
    month_to_month = (frame["contract"] == "Month-to-month").to_numpy()
    shifted = np.where(month_to_month, MONTH_TO_MONTH_WEIGHT, 1.0)
    days = []
    for index in range(WEEKS * 7):
        week = index // 7 + 1
        drifted = week >= DRIFT_FROM_WEEK
        weights = shifted / shifted.sum() if drifted else None
        rows = rng.choice(len(frame), size=CUSTOMERS_PER_DAY, replace=True, p=weights)
        sample = frame.iloc[rows].reset_index(drop=True)
        if drifted:
            sample["monthly_charges"] = (sample["monthly_charges"] * PRICE_RISE).round(2)
        days.append(
            Day(
                at=first + timedelta(days=index),
                week=week,
                ids=[f"d{index:02d}-c{n:03d}" for n in range(CUSTOMERS_PER_DAY)],
                features=sample.drop(columns=[TARGET]),
                churned=(sample[TARGET] == POSITIVE).to_numpy(),
            )
        )
    return days


def recall_in_capacity(churned: np.ndarray, scores: np.ndarray) -> float:
    """The charter's recall KPI for one period: the share of its churners on the call list."""
    called = np.argsort(-scores, kind="stable")[: max(1, round(len(scores) * CAPACITY))]
    churners = int(churned.sum())
    return float(churned[called].sum() / churners) if churners else 0.0
