"""Explainability: permutation importance of every input column on the evaluation data, stored
with the results (the model card shows the top features). SHAP values are added when the
optional `shap` package is installed and asked for."""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
from pydantic import Field
from sklearn.inspection import permutation_importance

from mlcontinuum.gates.context import GateContext
from mlcontinuum.gates.enums import GateStatus
from mlcontinuum.gates.registry import Gate, GateParams, Outcome, register


class Params(GateParams):
    n_repeats: int = Field(default=5, ge=1, le=50)
    max_rows: int = Field(
        default=2000, ge=50, description="Rows sampled for the computation (it is costly)."
    )
    scoring: str | None = Field(
        default=None, description="scikit-learn scorer name; default: the model's own score."
    )
    top: int = Field(default=10, ge=1, le=100, description="Features listed in the message.")
    shap: bool = Field(default=False, description="Also compute mean |SHAP| (needs shap).")
    random_state: int = 0


def _shap(model: Any, features: Any) -> dict[str, float] | str:
    if importlib.util.find_spec("shap") is None:
        return "shap is not installed"
    import shap  # optional extra

    explainer = shap.Explainer(model.predict, features)
    values = explainer(features)
    return dict(zip(features.columns, np.abs(values.values).mean(axis=0).tolist(), strict=True))


def check(params: Params, context: GateContext) -> Outcome:
    e = context.evaluation
    rows = min(params.max_rows, len(e.features))
    picked = np.random.default_rng(params.random_state).choice(len(e.features), rows, replace=False)
    features = e.features.iloc[picked]
    result = permutation_importance(
        e.model,
        features,
        e.y_true[picked],
        scoring=params.scoring,
        n_repeats=params.n_repeats,
        random_state=params.random_state,
    )
    triples = sorted(
        zip(features.columns, result.importances_mean, result.importances_std, strict=True),
        key=lambda triple: -float(triple[1]),
    )
    ranking = [
        {"feature": str(name), "importance": float(mean), "std": float(std)}
        for name, mean, std in triples
    ]
    details: dict[str, Any] = {
        "method": "permutation_importance",
        "scoring": params.scoring or "model default",
        "rows": rows,
        "n_repeats": params.n_repeats,
        "importances": ranking,
    }
    if params.shap:
        details["shap"] = _shap(e.model, features)
    top = ", ".join(f"{r['feature']} {r['importance']:.3f}" for r in ranking[: params.top])
    measured: dict[str, float | None] = {
        f"importance.{name}": float(mean) for name, mean, _ in triples[: params.top]
    }
    return Outcome(GateStatus.PASSED, f"top features: {top}", measured, {}, details)


register(
    Gate(
        name="explainability",
        params=Params,
        fn=check,
        description="permutation importance on the evaluation data, stored for the model card",
    )
)
