"""The comparison's traps, each pinned: coded_units and prevalence on one base; the reason for a code
applied only where one analyst looked; no interval where the data cannot hold one; Fleiss and
Brennan-Prediger per code against irrCAC. (One .qdpx with two users is two analysts, and a codings
table can say "reviewed, coded nothing": tests/test_cli_compare.py.)"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecoder import agreement as ag

nan = math.nan


def _three_with_missing():
    # units 0-3 reviewed by all three; unit 4 only by analyst 0, who coded it
    v = np.array([
        [[1], [1], [0]],
        [[0], [0], [0]],
        [[1], [1], [1]],
        [[0], [1], [0]],
        [[1], [nan], [nan]],
        [[nan], [0], [0]],
    ], dtype=float)
    return v


def test_traps_coded_units_and_prevalence_on_one_base():
    stats = ag.agreement_statistics(_three_with_missing(), codes=["x"], analysts=["p", "q", "r"])
    row = stats.iloc[0]
    assert row["units"] == 5  # units reviewed by two or more
    assert row["coded_units"] == 3  # of those, coded by someone (unit 4 is not pairable)
    assert row["prevalence_units"] == 4  # units every analyst reviewed
    assert [row["prevalence:p"], row["prevalence:q"], row["prevalence:r"]] == [0.5, 0.75, 0.25]


def test_traps_reason_names_codings_on_units_only_one_analyst_saw():
    v = np.array([[[0], [0]], [[0], [0]], [[1], [nan]], [[1], [nan]]], dtype=float)
    row = ag.agreement_statistics(v, codes=["x"]).iloc[0]
    assert math.isnan(row["alpha"])
    assert "2 coding(s) on units only one analyst reviewed" in row["reason"]
    plain = ag.agreement_statistics(np.zeros((3, 2, 1)), codes=["x"]).iloc[0]
    assert plain["reason"] == "no analyst applied the code"


def _compare_arrays(values, docs):
    """compare()'s interval step on a bare array (the Ratings a compare would build)."""
    n = len(values)
    units = pd.DataFrame({"unit": np.arange(n), "document": [f"d{d}" for d in docs], "case": "c", "section": "",
                          "turn": 0, "speaker": "", "start": np.arange(n) * 10, "end": np.arange(n) * 10 + 9,
                          "text": "", "documents": [f"d{d}" for d in docs]})
    ratings = ag.Ratings(values, units, ("a", "b"), ("x",), "sentence")
    stats = ag.agreement_statistics(values, codes=["x"], analysts=["a", "b"])
    from casecoder.agreement.comparison import _with_intervals

    settings_: dict = {}
    return _with_intervals(stats, ratings, "auto", 400, 0, 0.95, settings_), settings_


@pytest.mark.parametrize("documents_, expect_interval", [(3, False), (5, False), (9, False), (12, True)])
def test_traps_no_interval_from_too_few_documents(documents_, expect_interval):
    rng = np.random.default_rng(documents_)
    n = 40 * documents_
    truth = rng.random(n) < 0.3
    values = np.stack([truth ^ (rng.random(n) < 0.1), truth ^ (rng.random(n) < 0.1)], axis=1)[:, :, None].astype(float)
    stats, notes = _compare_arrays(values, np.repeat(np.arange(documents_), 40))
    row = stats.iloc[0]
    assert np.isfinite(row["alpha_low"]) == expect_interval
    assert (row["interval"] == "") == expect_interval
    if not expect_interval:
        assert "too few documents" in row["interval"] and f"only {documents_} document" in notes["warning"]


def test_traps_single_disagreeing_unit_gives_no_zero_width_interval():
    # the case: one unit coded, by one analyst; alpha 0, and a percentile bootstrap
    # would give [0, 0] with no warning
    values = np.zeros((200, 2, 1))
    values[7, 0, 0] = 1.0
    stats, _ = _compare_arrays(values, np.repeat(np.arange(20), 10))
    row = stats.iloc[0]
    assert row["alpha"] == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(row["alpha_low"]) and math.isnan(row["alpha_high"])
    assert "only 1 unit(s) with a disagreement" in row["interval"]
    boot = ag.bootstrap_alpha(values, replicates=300, method="percentile")
    assert boot["alpha_high"].iloc[0] - boot["alpha_low"].iloc[0] < 0.02  # what it replaces


irr_raw = pytest.importorskip("irrCAC.raw")


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(2, 5), st.integers(8, 40))
def test_traps_per_code_fleiss_and_brennan_prediger_equal_irrcac(seed, m, n):
    rng = np.random.default_rng(seed)
    v = (rng.random((n, m)) < rng.uniform(0.1, 0.6)).astype(float)
    v[rng.random((n, m)) < 0.15] = nan
    v[0, :2] = [0.0, 1.0]  # variation on a unit rated twice
    v[1, :2] = [0.0, 0.0]
    row = ag.agreement_statistics(v[:, :, None], codes=["x"]).iloc[0]
    cac = irr_raw.CAC(pd.DataFrame(v), categories=[0.0, 1.0], digits=15)
    assert row["fleiss_kappa"] == pytest.approx(cac.fleiss()["est"]["coefficient_value"], abs=1e-9)
    assert row["brennan_prediger"] == pytest.approx(cac.bp()["est"]["coefficient_value"], abs=1e-9)
