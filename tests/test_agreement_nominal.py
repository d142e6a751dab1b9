"""Tests of casecoder.agreement.nominal: Fleiss, Conger, AC1 and Brennan-Prediger against irrCAC and
statsmodels on random ratings with missing values, and the categories of a group of codes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecoder.agreement import nominal as stx
from casecoder.errors import AgreementError

irr_raw = pytest.importorskip("irrCAC.raw")
inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")


@st.composite
def _ratings(draw, missing=True):
    """Ratings of 2-6 analysts on 2-40 units in 2-5 categories, some missing."""
    m = draw(st.integers(2, 6))
    n = draw(st.integers(2, 40))
    q = draw(st.integers(2, 5))
    cells = st.one_of(st.integers(1, q).map(float), st.just(math.nan)) if missing else st.integers(1, q).map(float)
    data = np.array(draw(st.lists(st.lists(cells, min_size=m, max_size=m), min_size=n, max_size=n)))
    counts = (~np.isnan(data)).sum(axis=1)
    # the oracles need two categories among units rated twice, and a unit rated twice
    pairable = data[counts >= 2]
    vals = pairable[~np.isnan(pairable)]
    if len(np.unique(vals)) < 2:
        data[0, :2] = [1.0, 2.0]
    for row in (0, 1):
        if np.isnan(data[row]).all():
            data[row, 0] = 1.0  # irrCAC's variance needs two rated units
    return data


def _irr(data):
    # categories given: under pandas 3 irrCAC would count NaN (missing) as a category
    cats = sorted(set(data[~np.isnan(data)].tolist()))
    return irr_raw.CAC(pd.DataFrame(data), categories=cats, digits=15)


@settings(max_examples=60, deadline=None)
@given(_ratings())
def test_statistics_nominal_coefficients_equal_irrcac(data):
    got = stx.nominal_coefficients(data)
    cac = _irr(data)
    assert got["ac1"] == pytest.approx(cac.gwet()["est"]["coefficient_value"], abs=1e-9)
    assert got["fleiss_kappa"] == pytest.approx(cac.fleiss()["est"]["coefficient_value"], abs=1e-9)
    assert got["brennan_prediger"] == pytest.approx(cac.bp()["est"]["coefficient_value"], abs=1e-9)
    if not np.isnan(data).all(axis=0).any():  # irrCAC's Conger is NaN when an analyst rated nothing
        assert got["conger_kappa"] == pytest.approx(cac.conger()["est"]["coefficient_value"], abs=1e-9)
    assert got["percent_agreement"] == pytest.approx(100 * cac.gwet()["est"]["pa"], abs=1e-7)


@settings(max_examples=80, deadline=None)
@given(_ratings(missing=False))
def test_statistics_fleiss_kappa_equals_statsmodels(data):
    table, _ = inter_rater.aggregate_raters(data.astype(int))
    expected = inter_rater.fleiss_kappa(table, method="fleiss")
    assert stx.fleiss_kappa(data) == pytest.approx(expected, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(_ratings(missing=False))
def test_statistics_brennan_prediger_equals_statsmodels_randolph(data):
    # statsmodels' method="randolph" is the free-marginal kappa, chance 1/q over the
    # categories of the table: Brennan and Prediger's coefficient.
    table, cats = inter_rater.aggregate_raters(data.astype(int))
    assert stx.brennan_prediger(data, categories=list(cats)) == pytest.approx(
        inter_rater.fleiss_kappa(table, method="randolph"), abs=1e-9)


def test_statistics_two_analysts_conger_is_cohen_wikipedia():
    # Wikipedia, "Cohen's kappa": 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> 0.4.
    data = [["y", "y"]] * 20 + [["y", "n"]] * 5 + [["n", "y"]] * 10 + [["n", "n"]] * 15
    assert stx.conger_kappa(data) == pytest.approx(0.4, abs=1e-12)


@pytest.mark.parametrize("categories, q, bp", [(None, 2, 0.5), ([0, 1, 2, 3], 4, 2 / 3)])
def test_statistics_brennan_prediger_counts_the_possible_categories(categories, q, bp):
    data = [[0, 0], [1, 1], [0, 1], [1, 1]]
    got = stx.nominal_coefficients(data, categories=categories)
    assert got["categories"] == q
    assert got["brennan_prediger"] == pytest.approx(bp)


def test_statistics_one_category_is_undefined_not_perfect():
    got = stx.nominal_coefficients([["a", "a"], ["a", "a"]])
    assert math.isnan(got["fleiss_kappa"]) and math.isnan(got["ac1"]) and got["percent_agreement"] == 100.0


def test_statistics_unknown_category_is_reported():
    with pytest.raises(AgreementError) as err:
        stx.nominal_coefficients([["a", "b"], ["a", "c"]], categories=["a", "b"])
    assert err.value.problems[0].code == "E607"


def test_nominal_code_group_categories_feed_the_coefficients():
    # two analysts, three mutually exclusive codes over five units; the third unit not reviewed
    # by the second analyst, the fourth coded with two codes of the group by the first
    v = np.zeros((5, 2, 3))
    v[0, :, 0] = 1
    v[1, 0, 1] = 1
    v[1, 1, 2] = 1
    v[2, 1, :] = np.nan
    v[3, 0, [0, 1]] = 1
    v[3, 1, 0] = 1
    cats = stx.code_group_categories(v, ["a", "b", "c"], ["a", "b", "c"])
    assert cats[[0, 1, 3, 4]].tolist() == [["a", "a"], ["b", "c"], ["a+b", "a"], ["(none)", "(none)"]]
    assert cats[2, 0] == "(none)" and math.isnan(cats[2, 1])  # not reviewed stays missing
    got = stx.nominal_coefficients(cats)
    assert got["units"] == 4 and got["percent_agreement"] == pytest.approx(50.0)
    cac = _irr_objects(cats)
    assert got["fleiss_kappa"] == pytest.approx(cac.fleiss()["est"]["coefficient_value"], abs=1e-9)


def _irr_objects(cats):
    # irrCAC wants one type per column; text categories, NaN for not rated
    frame = pd.DataFrame(cats)
    labels = sorted({v for v in cats.ravel().tolist() if isinstance(v, str)})
    return irr_raw.CAC(frame, categories=labels, digits=15)
