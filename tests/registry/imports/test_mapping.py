"""How MLflow names, keys and values map to Continuum's (pure functions, no MLflow needed)."""

from __future__ import annotations

import math
import sys

import pytest

from mlcontinuum.registry.imports.mapping import (
    git_commit,
    key_problem,
    metric_value,
    model_name,
    without_password,
)


@pytest.mark.parametrize(
    ("mlflow", "continuum"),
    [
        ("Churn Model", "churn-model"),
        ("fraud/XGB v2", "fraud-xgb-v2"),
        ("_private.model", "private.model"),
        ("Modèle été!", "modele-ete"),
        ("x" * 150, "x" * 100),
        ("!!!", None),
        ("模型", None),
    ],
)
def test_model_names(mlflow: str, continuum: str | None) -> None:
    assert model_name(mlflow) == continuum


@pytest.mark.parametrize("key", ["val:auc", "équipe", "a/../b", "/abs", "a//b", "x" * 251])
def test_keys_continuum_refuses(key: str) -> None:
    assert key_problem(key) is not None


@pytest.mark.parametrize("key", ["loss", "val/auc", "train loss", "lr-decay.v2"])
def test_keys_continuum_accepts(key: str) -> None:
    assert key_problem(key) is None


def test_git_commits() -> None:
    assert git_commit("0123abc") == "0123abc"
    assert git_commit("0123ABC") is None
    assert git_commit("main") is None
    assert git_commit(None) is None


def test_infinity_as_mlflow_databases_keep_it() -> None:
    assert metric_value(sys.float_info.max) == math.inf
    assert metric_value(-sys.float_info.max) == -math.inf
    assert metric_value(1.5) == 1.5


def test_error_messages_do_not_show_passwords() -> None:
    uri = "postgresql+psycopg://mlflow:s3cret@db.internal:5432/mlflow"
    assert without_password(uri) == "postgresql+psycopg://mlflow:***@db.internal:5432/mlflow"
    assert without_password("http://mlflow.internal:5000") == "http://mlflow.internal:5000"
