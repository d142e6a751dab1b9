"""Tests of casecoder.agreement.statistics: known answers from published sources, hand-computed
cases, properties (hypothesis, with the ``krippendorff`` package as an oracle) and bad arrays."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from casecoder import agreement as ag
from casecoder.agreement.statistics import _NO_ONES, _NO_PAIRS, _NO_ZEROS
from casecoder.errors import AgreementError

krippendorff = pytest.importorskip("krippendorff")

nan = math.nan


def _two(a, b):
    return np.array([a, b], dtype=float).T


# ---------------------------------------------------------------------------------------------
# known answers from published worked examples


def test_agreement_krippendorff_2011_binary_two_coders():
    # Krippendorff, K. (2011) "Computing Krippendorff's Alpha-Reliability", Annenberg School
    # for Communication, University of Pennsylvania, section A (binary data, two observers, no
    # missing data): alpha = 0.095.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert round(ag.krippendorff_alpha(_two(a, b)), 3) == 0.095
    assert round(ag.nominal_alpha(_two(a, b)), 3) == 0.095


def test_agreement_krippendorff_2011_nominal_two_coders():
    # Krippendorff (2011), section B (nominal data, two observers, no missing data): 0.692.
    a = "a a b b d c c c e d d a".split()
    b = "b a b b b c c c e d d d".split()
    assert round(ag.nominal_alpha(list(zip(a, b))), 3) == 0.692


def test_agreement_krippendorff_2011_nominal_four_coders_missing():
    # Krippendorff (2011), section C (nominal data, any number of observers, missing values):
    # 4 observers, 12 units, alpha = 0.743. Rows are observers A-D, columns units 1-12.
    data = np.array([
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ])
    assert round(ag.nominal_alpha(data.T), 3) == 0.743


def test_agreement_cohen_kappa_wikipedia_fifty_proposals():
    # Wikipedia, "Cohen's kappa", worked example: 50 grant proposals, readers A and B:
    # 20 yes/yes, 5 A-yes/B-no, 10 A-no/B-yes, 15 no/no; p_o = 0.7, p_e = 0.5, kappa = 0.4.
    pairs = [(1, 1)] * 20 + [(1, 0)] * 5 + [(0, 1)] * 10 + [(0, 0)] * 15
    values = np.array(pairs, dtype=float)
    assert ag.cohen_kappa(values) == pytest.approx(0.4, abs=1e-12)
    assert ag.percent_agreement(values) == pytest.approx(70.0)


def test_agreement_nvivo_coding_comparison_example():
    # NVivo help, "Run a Coding Comparison query" (QSR International,
    # help-nv9-en.qsrinternational.com/procedures/run_a_coding_comparison_query.htm): a source
    # of 1000 characters, 50 coded by both users, 150 by only one, 800 by neither:
    # percentage agreement (800 + 50) / 1000 = 85%. Characters are the units here.
    a = np.r_[np.ones(50), np.ones(100), np.zeros(50), np.zeros(800)]
    b = np.r_[np.ones(50), np.zeros(100), np.ones(50), np.zeros(800)]
    values = _two(a, b)
    assert ag.percent_agreement(values) == pytest.approx(85.0)
    # NVivo's kappa: sum EF = (150 * 100 + 850 * 900) / 1000 = 780 expected agreements.
    expected = (150 * 100 + 850 * 900) / 1000
    assert ag.cohen_kappa(values) == pytest.approx((850 - expected) / (1000 - expected))


# ---------------------------------------------------------------------------------------------
# hand-computed small cases


@pytest.mark.parametrize("decisions", [[1, 0, 1, 1, 0], [0, 0, 1, 0, 0, 0, 1]])
def test_agreement_perfect_agreement_is_one(decisions):
    values = _two(decisions, decisions)
    assert ag.krippendorff_alpha(values) == pytest.approx(1.0)
    assert ag.cohen_kappa(values) == pytest.approx(1.0)
    assert ag.gwet_ac1(values) == pytest.approx(1.0)
    assert ag.percent_agreement(values) == 100.0


def test_agreement_systematic_disagreement():
    # A codes exactly where B does not: n = 8 values, 4 coded, disagreement sum 4:
    # alpha = 1 - 7 * 4 / (4 * 4) = -0.75; kappa = (0 - 0.5) / 0.5 = -1; AC1 = -1.
    values = _two([1, 0, 1, 0], [0, 1, 0, 1])
    assert ag.krippendorff_alpha(values) == pytest.approx(-0.75)
    assert ag.cohen_kappa(values) == pytest.approx(-1.0)
    assert ag.gwet_ac1(values) == pytest.approx(-1.0)
    assert ag.percent_agreement(values) == 0.0


def test_agreement_missing_unit_is_not_disagreement():
    # A unit only one analyst reviewed is not pairable: alpha is that of the other units.
    full = _two([1, 0, 1, 0, 0, 1], [1, 0, 0, 0, 0, 1])
    with_missing = np.vstack([full, [[1.0, nan]], [[nan, 0.0]]])
    assert ag.krippendorff_alpha(with_missing) == pytest.approx(ag.krippendorff_alpha(full))
    assert ag.percent_agreement(with_missing) == pytest.approx(ag.percent_agreement(full))
    assert ag.cohen_kappa(with_missing) == pytest.approx(ag.cohen_kappa(full))


def test_agreement_three_analysts_hand_computed():
    # Units (A, B, C): (1,1,1), (1,1,0), (0,0,0), (0,0,1). n = 12, 6 coded, disagreement sum
    # 0 + 2*1/2 + 0 + 1*2/2 = 2: alpha = 1 - 11 * 2 / (6 * 6) = 7/18. Agreeing pairs per unit
    # 1, 1/3, 1, 1/3: 66.7%. AC1: pi = 0.5, p_e = 0.5, (2/3 - 1/2) / (1/2) = 1/3. Pairwise
    # kappas: A-B 1, A-C 0, B-C 0: Light's kappa 1/3.
    values = np.array([[1, 1, 1], [1, 1, 0], [0, 0, 0], [0, 0, 1]], dtype=float)
    assert ag.krippendorff_alpha(values) == pytest.approx(7 / 18)
    assert ag.percent_agreement(values) == pytest.approx(200 / 3)
    assert ag.gwet_ac1(values) == pytest.approx(1 / 3)
    table = ag.agreement_statistics(values[:, :, None], codes=["x"], analysts=["A", "B", "C"])
    assert table.loc[0, "kappa"] == pytest.approx(1 / 3)
    with pytest.raises(AgreementError) as err:
        ag.cohen_kappa(values)
    assert err.value.problems[0].code == "E611"


@pytest.mark.parametrize("column, reason", [([0, 0, 0, 0], _NO_ONES), ([1, 1, 1, 1], _NO_ZEROS)])
def test_agreement_no_variation_is_undefined_not_perfect(column, reason):
    values = np.stack([_two(column, column), _two([1, 0, 1, 0], [1, 0, 0, 0])], axis=2)
    table = ag.agreement_statistics(values, codes=["flat", "varied"], analysts=["a", "b"])
    flat = table.iloc[0]
    for stat in ("alpha", "kappa", "ac1"):
        assert math.isnan(flat[stat]), stat
    assert flat["reason"] == reason
    assert flat["percent_agreement"] == 100.0  # descriptive: they did agree on every unit
    assert not math.isnan(table.iloc[1]["alpha"])
    mean = table[table["scope"] == "mean of codes"].iloc[0]
    assert mean["alpha"] == pytest.approx(table.iloc[1]["alpha"])  # mean over defined codes only
    assert "alpha 1" in mean["reason"]


def test_agreement_no_pairable_unit_is_undefined():
    values = _two([1, 0, nan], [nan, nan, 1])
    table = ag.agreement_statistics(values[:, :, None])
    assert table.loc[0, "reason"] == _NO_PAIRS
    assert math.isnan(table.loc[0, "percent_agreement"]) and math.isnan(table.loc[0, "alpha"])


def test_agreement_pooled_is_alpha_of_stacked_codes():
    rng = np.random.default_rng(3)
    values = (rng.random((30, 3, 4)) < 0.4).astype(float)
    values[rng.random((30, 3, 4)) < 0.2] = nan
    table = ag.agreement_statistics(values)
    stacked = values.transpose(0, 2, 1).reshape(-1, 3)  # each (unit, code) becomes a unit
    pooled = table[table["scope"] == "pooled"].iloc[0]
    assert pooled["alpha"] == pytest.approx(ag.krippendorff_alpha(stacked))
    assert pooled["percent_agreement"] == pytest.approx(ag.percent_agreement(stacked))
    assert list(table["scope"]) == ["code"] * 4 + ["pooled", "mean of codes"]


def test_agreement_prevalence_counts_only_reviewed_units():
    values = _two([1, 1, 0, nan], [1, 0, 0, 0])
    assert ag.prevalence(values) == pytest.approx([2 / 3, 1 / 4])


@pytest.mark.parametrize("bad, code", [(np.full((3, 2), 2.0), "E609"), (np.zeros(4), "E610"), (np.full((2, 2), 0.5), "E609")])
def test_agreement_bad_arrays_are_reported(bad, code):
    with pytest.raises(AgreementError) as err:
        ag.krippendorff_alpha(bad)
    assert err.value.problems[0].code == code


def test_agreement_single_analyst_is_an_error():
    with pytest.raises(AgreementError) as err:
        ag.agreement_statistics(np.zeros((4, 1, 2)))
    assert err.value.problems[0].code == "E601"


def test_agreement_many_analysts_path_matches_pattern_path():
    # Above 10 analysts the statistics come from per-unit sums and per-pair tables.
    rng = np.random.default_rng(5)
    values = (rng.random((40, 12, 3)) < 0.3).astype(float)
    values[rng.random((40, 12, 3)) < 0.2] = nan
    many = ag.agreement_statistics(values)
    few = ag.agreement_statistics(values[:, :10])
    assert many["alpha"].iloc[:3].to_numpy() == pytest.approx(
        [krippendorff.alpha(values[:, :, c].T, level_of_measurement="nominal", value_domain=[0, 1]) for c in range(3)]
    )
    assert not np.allclose(many["alpha"].iloc[:3], few["alpha"].iloc[:3])


# ---------------------------------------------------------------------------------------------
# properties


_decisions = hnp.arrays(
    np.float64,
    st.tuples(st.integers(2, 25), st.integers(2, 5), st.integers(1, 3)),
    elements=st.sampled_from([0.0, 1.0, 1.0, nan]),
)


@settings(max_examples=150, deadline=None)
@given(_decisions)
def test_agreement_alpha_equals_krippendorff_package(values):
    ours = ag.krippendorff_alpha(values)
    for c in range(values.shape[2]):
        data = values[:, :, c].T
        pairable = (~np.isnan(data)).sum(axis=0) >= 2
        vals = data[:, pairable]
        vals = vals[~np.isnan(vals)]
        if vals.size == 0 or np.unique(vals).size < 2:
            assert math.isnan(ours[c])  # undefined, never 1.0
            continue
        theirs = krippendorff.alpha(data, level_of_measurement="nominal", value_domain=[0.0, 1.0])
        assert ours[c] == pytest.approx(theirs, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(_decisions, st.randoms(use_true_random=False))
def test_agreement_invariant_to_order_of_units_and_analysts(values, rnd):
    units = list(range(values.shape[0]))
    analysts = list(range(values.shape[1]))
    rnd.shuffle(units)
    rnd.shuffle(analysts)
    shuffled = values[units][:, analysts]
    a = ag.agreement_statistics(values)
    b = ag.agreement_statistics(shuffled)
    for col in ("alpha", "kappa", "ac1", "percent_agreement", "units", "disagreements"):
        np.testing.assert_allclose(a[col].to_numpy(float), b[col].to_numpy(float), rtol=1e-12, atol=1e-12, equal_nan=True)


@settings(max_examples=100, deadline=None)
@given(_decisions)
def test_agreement_statistics_lie_in_their_bounds(values):
    table = ag.agreement_statistics(values)
    for col, lo, hi in (("alpha", -1.0, 1.0), ("kappa", -1.0, 1.0), ("ac1", -1.0, 1.0), ("percent_agreement", 0.0, 100.0)):
        v = table[col].to_numpy(float)
        v = v[np.isfinite(v)]
        assert np.all(v >= lo - 1e-12) and np.all(v <= hi + 1e-12), col


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(2, 30), st.just(2)), elements=st.sampled_from([0.0, 1.0])))
def test_agreement_two_analysts_match_textbook_formulas(values):
    a, b = values[:, 0], values[:, 1]
    po = np.mean(a == b)
    pa, pb = a.mean(), b.mean()
    pe = pa * pb + (1 - pa) * (1 - pb)
    kappa = ag.cohen_kappa(values)
    if pe < 1:
        assert kappa == pytest.approx((po - pe) / (1 - pe))
    else:
        assert math.isnan(kappa)
    pi = (pa + pb) / 2
    if 0 < pi < 1:
        pe_g = 2 * pi * (1 - pi)
        assert ag.gwet_ac1(values) == pytest.approx((po - pe_g) / (1 - pe_g))
    assert ag.percent_agreement(values) == pytest.approx(100 * po)


# ---------------------------------------------------------------------------------------------
# bootstrap


# ---------------------------------------------------------------------------------------------
# usable alone: no heavy imports; the docstring examples are the published worked examples


@pytest.mark.parametrize("module", ["casecoder.agreement.statistics", "casecoder.agreement.bootstrap"])
def test_agreement_statistics_import_loads_no_spacy_pandas_or_matplotlib(module):
    import subprocess
    import sys

    code = (f"import sys, {module}; "
            "print(sorted(m for m in ('spacy', 'pandas', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("module", ["statistics", "bootstrap", "units", "report", "comparison"])
def test_agreement_docstring_examples_run(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"casecoder.agreement.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
