"""A real shift below the material threshold is reported as "changed", never as an alarm; data
where nothing changed is "unchanged". Significance accounts for sketch error (KS) or rests on
exact counts (chi-square)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from mlcontinuum.console import build_cli
from mlcontinuum.profiles import ProfileError, ProfileOptions, build_profile, compare, dumps

rng = np.random.default_rng(31)


def test_a_small_numeric_shift_at_millions_of_rows_is_changed_not_drifted() -> None:
    """KS D ≈ 0.05 at 2M rows: p ≈ 0 even after sketch error, far below the 0.1 threshold."""
    n = 2_000_000
    ref, cur = rng.normal(0, 1, n), rng.normal(0.125, 1, n)
    assert stats.ks_2samp(ref, cur).statistic == pytest.approx(0.05, abs=0.005)
    report = compare(build_profile({"x": ref}), build_profile({"x": cur}))
    (column,) = report.columns
    assert column.status == "changed"
    assert column.changed
    assert not column.drifted
    assert not report.drifted
    assert report.changed_columns == ["x"]
    ks = next(o for o in column.outcomes if o.method == "ks")
    assert ks.significant
    assert ks.p_value is not None
    assert ks.p_value < 1e-6
    assert ks.status == "changed"
    # A sketched column: the p-value is computed after subtracting the sketch's error bound.
    assert ks.noise_floor > 0


def test_a_small_categorical_shift_is_changed_not_drifted() -> None:
    n = 500_000
    labels = np.array(["a", "b", "c", "d"], dtype=object)
    ref = labels[rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1])]
    cur = labels[rng.choice(4, n, p=[0.39, 0.3, 0.2, 0.11])]
    report = compare(build_profile({"c": ref}), build_profile({"c": cur}))
    (column,) = report.columns
    assert column.status == "changed"
    chi = next(o for o in column.outcomes if o.method == "chi_square")
    table = np.array([[np.sum(ref == x) for x in labels], [np.sum(cur == x) for x in labels]])
    assert chi.p_value == pytest.approx(stats.chi2_contingency(table, correction=False).pvalue)
    assert chi.significant


def test_nothing_changed_is_unchanged(
    workload: tuple[pd.DataFrame, pd.DataFrame, list[str]],
) -> None:
    reference, _current, _shifted = workload
    half = len(reference) // 2
    report = compare(build_profile(reference.iloc[:half]), build_profile(reference.iloc[half:]))
    assert [c.status for c in report.columns] == ["unchanged"] * len(report.columns)


def test_report_json_names_the_status_of_every_column_and_method() -> None:
    n = 200_000
    report = compare(
        build_profile({"same": rng.normal(size=n), "moved": rng.normal(size=n)}),
        build_profile({"same": rng.normal(size=n), "moved": rng.normal(1.0, 1.0, n)}),
    )
    document = json.loads(json.dumps(report.to_dict()))
    assert document["alpha"] == 1e-3
    assert document["drifted_columns"] == ["moved"]
    by_column = {c["column"]: c for c in document["columns"]}
    assert by_column["moved"]["status"] == "drifted"
    assert by_column["same"]["status"] == "unchanged"
    assert {m["status"] for m in by_column["moved"]["methods"]} == {"drifted"}
    assert all("significant" in m for m in by_column["same"]["methods"])


def test_alpha_is_checked_and_used() -> None:
    a = build_profile({"x": rng.normal(size=50_000)})
    b = build_profile({"x": rng.normal(0.03, 1.0, 50_000)})
    with pytest.raises(ProfileError, match="alpha"):
        compare(a, b, alpha=0.0)
    ks = next(o for o in compare(a, b, alpha=0.5).columns[0].outcomes if o.method == "ks")
    assert ks.p_value is not None
    assert ks.significant == (ks.p_value < 0.5)


def test_the_cli_shows_changed_and_exits_0(tmp_path: Path) -> None:
    n = 1_000_000
    reference, current = tmp_path / "ref.profile", tmp_path / "cur.profile"
    options = ProfileOptions()
    reference.write_bytes(dumps(build_profile({"x": rng.normal(size=n)}, options=options)))
    current.write_bytes(dumps(build_profile({"x": rng.normal(0.1, 1, n)}, options=options)))
    runner = CliRunner()
    table = runner.invoke(build_cli(), ["drift", str(reference), str(current)])
    assert table.exit_code == 0, table.output
    assert "changed" in table.output
    assert "DRIFT" not in table.output
    as_json = runner.invoke(build_cli(), ["drift", str(reference), str(current), "-f", "json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout)["changed_columns"] == ["x"]
