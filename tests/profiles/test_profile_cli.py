"""`continuum profile` and `continuum drift` on real files, through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mlcontinuum.console import build_cli

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(12)
    n = 20_000
    reference = pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(["a", "b", "c"], n)})
    same = pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(["a", "b", "c"], n)})
    shifted = pd.DataFrame({"x": rng.normal(1.0, 1.0, n), "c": rng.choice(["a", "b", "c"], n)})
    paths = {
        "reference": root / "ref.csv",
        "same": root / "same.parquet",
        "shifted": root / "shifted.csv",
    }
    reference.to_csv(paths["reference"], index=False)
    same.to_parquet(paths["same"])
    shifted.to_csv(paths["shifted"], index=False)
    paths["root"] = root
    return paths


def _profile(files: dict[str, Path]) -> Path:
    out = files["root"] / "ref.profile"
    result = runner.invoke(build_cli(), ["profile", str(files["reference"]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "20,000 rows × 2 columns" in result.output
    return out


def test_profile_then_drift_without_drift_exits_0(files: dict[str, Path]) -> None:
    reference = _profile(files)
    result = runner.invoke(build_cli(), ["drift", str(reference), str(files["same"])])
    assert result.exit_code == 0, result.output
    assert "Drift per column" in result.output
    assert "Data checks" in result.output
    assert "DRIFT" not in result.output


def test_drift_exits_1_and_reports_json(files: dict[str, Path]) -> None:
    reference = _profile(files)
    result = runner.invoke(
        build_cli(), ["drift", str(reference), str(files["shifted"]), "--format", "json"]
    )
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["type"] == "continuum:drift-report:v1"
    by_column = {c["column"]: c for c in document["columns"]}
    assert by_column["x"]["drifted"]
    assert not by_column["c"]["drifted"]
    psi = next(m for m in by_column["x"]["methods"] if m["method"] == "psi")
    assert psi["type_key"] == "continuum:drift:psi"
    assert psi["value"] > psi["threshold"]
    assert {c["name"] for c in document["checks"]} >= {"added_columns", "row_count"}


def test_drift_between_two_profiles(files: dict[str, Path]) -> None:
    reference = _profile(files)
    current = files["root"] / "shifted.profile"
    runner.invoke(build_cli(), ["profile", str(files["shifted"]), "-o", str(current), "-q"])
    result = runner.invoke(build_cli(), ["drift", str(reference), str(current)])
    assert result.exit_code == 1
    assert "DRIFT" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["profile", "missing.csv", "-o", "x.profile"], "no such file"),
        (["drift", "missing.profile", "data.csv"], "cannot read missing.profile"),
        (["drift", "{reference}", "{reference}"], "not a Continuum profile"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    files: dict[str, Path], args: list[str], message: str
) -> None:
    args = [a.format(reference=files["reference"]) for a in args]
    result = runner.invoke(build_cli(), args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_usage_error_exits_2(files: dict[str, Path]) -> None:
    result = runner.invoke(build_cli(), ["drift", str(files["reference"])])
    assert result.exit_code == 2


@pytest.mark.parametrize("command", ["profile", "drift"])
def test_every_command_and_option_has_help(command: str) -> None:
    result = runner.invoke(build_cli(), [command, "--help"])
    assert result.exit_code == 0
    for option in {"profile": ["--output", "--quiet"], "drift": ["--format"]}[command]:
        assert option in result.output
    assert "[required]" in result.output


def test_a_profile_that_cannot_be_written_is_a_one_line_error(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlcontinuum.profiles as profiles

    def refuse(profile: object) -> bytes:
        raise profiles.ProfileError("the profile cannot be serialised (simulated)")

    monkeypatch.setattr(profiles, "dumps", refuse)
    out = files["root"] / "never.profile"
    result = runner.invoke(build_cli(), ["profile", str(files["reference"]), "-o", str(out)])
    assert result.exit_code == 2
    assert "error: the profile cannot be serialised (simulated)" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
