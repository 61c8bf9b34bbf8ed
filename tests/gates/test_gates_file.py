"""The gates file: valid files, unknown gates and metrics (exit 2 naming them), hostile YAML."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlcontinuum.console import build_cli
from mlcontinuum.gates.document import MAX_FILE_BYTES, parse_gates
from mlcontinuum.kernel.errors import ValidationFailed

VALID = """\
continuum: gates/v1
project: telco-churn
model: churn-model
positive_label: "Yes"
gates:
  - gate: metric_threshold
    metrics: [roc_auc, {metric: recall_at_top_k, kpi: Recall in the top 10%}]
    k: 0.1
  - gate: fairness
    sensitive_features: [senior_citizen]
    max_demographic_parity_difference: 0.1
  - gate: data_validation
  - gate: drift
  - gate: security
    required: false
  - gate: compliance
  - gate: explainability
"""


def test_a_valid_file() -> None:
    parsed = parse_gates(VALID)
    assert (parsed.project, parsed.model, parsed.positive_label) == (
        "telco-churn",
        "churn-model",
        "Yes",
    )
    assert [s.gate.name for s in parsed.gates] == [
        "metric_threshold",
        "fairness",
        "data_validation",
        "drift",
        "security",
        "compliance",
        "explainability",
    ]
    assert parsed.gates[4].params.required is False
    assert parsed.gates[0].params.k == 0.1  # type: ignore[attr-defined]


def _problems(text: str) -> str:
    with pytest.raises(ValidationFailed) as caught:
        parse_gates(text)
    return caught.value.message + " | " + " | ".join(p.message for p in caught.value.problems)


def test_unknown_gates_and_metrics_are_named_with_the_valid_ones() -> None:
    text = VALID.replace("gate: drift", "gate: vibes").replace("roc_auc,", "roc_auc, auroc,")
    message = _problems(text)
    assert "unknown gate 'vibes'" in message
    assert "valid gates: compliance, data_validation, drift, explainability, fairness" in message
    assert "unknown metric 'auroc'" in message
    assert "valid metrics: accuracy, precision, recall, f1, roc_auc" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (VALID.replace("k: 0.1", "k: 0.1\n    colour: red"), "colour"),
        (VALID.replace("continuum: gates/v1", "continuum: gates/v9"), "continuum"),
        (VALID + "  - gate: drift\n", "listed twice"),
        (VALID.replace("[senior_citizen]", "[]"), "sensitive_features"),
        ("continuum: gates/v1\nproject: p\nmodel: m\ngates: []\n", "gates"),
        (VALID.replace("model: churn-model", "model: ../../etc"), "model"),
    ],
)
def test_schema_problems(text: str, expected: str) -> None:
    assert expected in _problems(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!!python/object/apply:os.system ['echo pwned']", "tag"),
        ("continuum: !!python/name:os.system gates/v1\n", "tag"),
        ("a: &x [1, 2]\nb: *x\n", "aliases"),
        ("- just\n- a list\n", "mapping"),
        ("continuum: [unclosed\n", "not valid YAML"),
        ("x: " + "a" * MAX_FILE_BYTES, "limit"),
    ],
)
def test_hostile_yaml_is_refused(text: str, expected: str) -> None:
    assert expected in _problems(text)


def test_the_cli_exits_2_naming_unknown_gates_and_metrics(tmp_path: Path) -> None:
    gates = tmp_path / "gates.yaml"
    gates.write_text(VALID.replace("gate: drift", "gate: vibes").replace("roc_auc,", "auroc,"))
    result = CliRunner().invoke(
        build_cli(),
        [
            "check",
            "--gates",
            str(gates),
            "--model-file",
            "m.skops",
            "--data",
            "d.csv",
            "--target",
            "churn",
            "--offline",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "unknown gate 'vibes'" in result.output
    assert "unknown metric 'auroc'" in result.output
    assert "Traceback" not in result.output


def test_the_cli_refuses_a_pickle_without_trust(tmp_path: Path) -> None:
    gates = tmp_path / "gates.yaml"
    gates.write_text(VALID)
    model = tmp_path / "model.pkl"
    model.write_bytes(b"\x80\x04K\x01.")
    data = tmp_path / "eval.csv"
    data.write_text("churn\nYes\n")
    result = CliRunner().invoke(
        build_cli(),
        [
            "check",
            "--gates",
            str(gates),
            "--model-file",
            str(model),
            "--data",
            str(data),
            "--target",
            "churn",
            "--offline",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "--trust-pickle" in result.output


def test_each_gate_is_the_module_of_its_name() -> None:
    """The server checks uploaded gate names against the module list, without importing the
    gates' ML libraries; that only holds while every gate sits in the module of its name."""
    from mlcontinuum.gates.checks import gates
    from mlcontinuum.gates.registry import gate_names

    assert gate_names() == frozenset(gates)
