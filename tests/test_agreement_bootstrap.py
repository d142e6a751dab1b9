"""Tests of casecoder.agreement.bootstrap: seeded, matching a unit-by-unit resampling, clusters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from casecoder import agreement as ag
from casecoder.errors import AgreementError

from agreement_data import corpus_like


def test_agreement_bootstrap_is_seeded_and_covers_the_estimate():
    values, _ = corpus_like()
    a = ag.bootstrap_alpha(values, replicates=300, seed=7)
    b = ag.bootstrap_alpha(values, replicates=300, seed=7)
    c = ag.bootstrap_alpha(values, replicates=300, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["alpha_low"], c["alpha_low"])
    assert (a["alpha_low"] <= a["alpha"]).all() and (a["alpha"] <= a["alpha_high"]).all()
    assert list(a["code"])[-1] == "(all codes)"
    assert a["replicates"].eq(300).all() and a["resampled"].eq("units").all()


def test_agreement_bootstrap_by_patterns_matches_resampling_units():
    # Drawing multinomial counts over decision patterns is the unit bootstrap: its interval
    # must match one from resampling unit indices explicitly (up to Monte Carlo error).
    values, _ = corpus_like(seed=1, units=300, codes=2)
    ours = ag.bootstrap_alpha(values, replicates=2000, seed=3, method="percentile")
    rng = np.random.default_rng(4)
    naive = np.array([ag.krippendorff_alpha(values[rng.integers(0, 300, 300)]) for _ in range(2000)])
    for c in range(2):
        lo, hi = np.percentile(naive[:, c], [2.5, 97.5])
        assert ours.loc[c, "alpha_low"] == pytest.approx(lo, abs=0.02)
        assert ours.loc[c, "alpha_high"] == pytest.approx(hi, abs=0.02)


def test_agreement_cluster_bootstrap_resamples_documents():
    values, docs = corpus_like(seed=2)
    by_doc = ag.bootstrap_alpha(values, clusters=docs, replicates=300, seed=1)
    assert by_doc["resampled"].eq("clusters").all() and by_doc["groups"].eq(20).all()
    assert (by_doc["alpha_low"] <= by_doc["alpha_high"]).all()
    # One cluster per unit is the unit bootstrap again (same distribution, other draws).
    by_unit = ag.bootstrap_alpha(values, clusters=np.arange(len(values)), replicates=1500, seed=1, method="percentile")
    plain = ag.bootstrap_alpha(values, replicates=1500, seed=1, method="percentile")
    assert by_unit["alpha_low"].to_numpy() == pytest.approx(plain["alpha_low"].to_numpy(), abs=0.03)


@pytest.mark.parametrize("kwargs", [{"replicates": 0}, {"replicates": 2.5}, {"level": 1.5}, {"clusters": [1, 2]},
                                    {"method": "bca"}])
def test_agreement_bootstrap_rejects_bad_settings(kwargs):
    with pytest.raises(AgreementError) as err:
        ag.bootstrap_alpha(corpus_like()[0], **kwargs)
    assert err.value.problems[0].code in ("E606", "E607", "E610")


@pytest.mark.parametrize("method", ["studentized", "percentile"])
def test_agreement_bootstrap_studentized_and_clusters_agree_with_units(method):
    # one cluster per unit is the unit bootstrap again, for either method: the pattern path
    # (multinomial over decision patterns) and the cluster path must give the same interval
    # up to Monte Carlo error
    values, _ = corpus_like(seed=5)
    by_unit = ag.bootstrap_alpha(values, clusters=np.arange(len(values)), replicates=1500, seed=2, method=method)
    plain = ag.bootstrap_alpha(values, replicates=1500, seed=2, method=method)
    assert plain["method"].eq(method).all()
    for col in ("alpha_low", "alpha_high"):
        assert by_unit[col].to_numpy() == pytest.approx(plain[col].to_numpy(), abs=0.03)


def test_agreement_bootstrap_studentized_matches_the_interval_module():
    # the bootstrap of a codings array equals alpha_intervals on its per-document sums
    values, docs = corpus_like(seed=6)
    boot = ag.bootstrap_alpha(values[:, :, :1], clusters=docs, replicates=400, seed=9)
    x = values[:, :, 0]
    m = (~np.isnan(x)).sum(axis=1)
    ones = np.nansum(x, axis=1)
    pair = m >= 2
    d = np.where(pair, ones * (m - ones) / np.where(pair, m - 1, 1), 0)
    per_unit = np.stack([np.where(pair, m, 0), np.where(pair, ones, 0), d], axis=1)
    sums = np.zeros((docs.max() + 1, 3))
    np.add.at(sums, docs, per_unit)
    sums = sums[sums[:, 0] > 0]
    joint = np.concatenate([sums[:, :, None], sums[:, :, None]], axis=2)
    out = ag.alpha_intervals(joint, replicates=400, seed=np.random.default_rng(9), methods=("studentized",))
    assert boot["alpha_low"].to_numpy() == pytest.approx(out["studentized"][0])
    assert boot["alpha_high"].to_numpy() == pytest.approx(out["studentized"][1])
