"""Tests of casecoder.agreement: known answers from published sources, hand-computed cases,
properties (hypothesis, with the ``krippendorff`` package as an oracle), units and overlap,
missing versus not coded, the bootstrap, disagreements, the analyst-coding reader, the CLI."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from casecoder import agreement as ag
from casecoder.errors import AgreementError, CasecoderError

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


@pytest.mark.parametrize("column, reason", [([0, 0, 0, 0], ag._NO_ONES), ([1, 1, 1, 1], ag._NO_ZEROS)])
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
    assert table.loc[0, "reason"] == ag._NO_PAIRS
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


def _corpus_like(seed=0, units=400, analysts=3, codes=4):
    rng = np.random.default_rng(seed)
    truth = rng.random((units, 1, codes)) < np.linspace(0.3, 0.08, codes)
    values = (truth ^ (rng.random((units, analysts, codes)) < 0.1)).astype(float)
    docs = np.repeat(np.arange(units // 20), 20)
    values[rng.random((units // 20, analysts))[docs] < 0.1] = nan
    return values, docs


def test_agreement_bootstrap_is_seeded_and_covers_the_estimate():
    values, _ = _corpus_like()
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
    values, _ = _corpus_like(seed=1, units=300, codes=2)
    ours = ag.bootstrap_alpha(values, replicates=2000, seed=3)
    rng = np.random.default_rng(4)
    naive = np.array([ag.krippendorff_alpha(values[rng.integers(0, 300, 300)]) for _ in range(2000)])
    for c in range(2):
        lo, hi = np.percentile(naive[:, c], [2.5, 97.5])
        assert ours.loc[c, "alpha_low"] == pytest.approx(lo, abs=0.02)
        assert ours.loc[c, "alpha_high"] == pytest.approx(hi, abs=0.02)


def test_agreement_cluster_bootstrap_resamples_documents():
    values, docs = _corpus_like(seed=2)
    by_doc = ag.bootstrap_alpha(values, clusters=docs, replicates=300, seed=1)
    assert by_doc["resampled"].eq("clusters").all() and by_doc["groups"].eq(20).all()
    assert (by_doc["alpha_low"] <= by_doc["alpha_high"]).all()
    # One cluster per unit is the unit bootstrap again (same distribution, other draws).
    by_unit = ag.bootstrap_alpha(values, clusters=np.arange(len(values)), replicates=1500, seed=1)
    plain = ag.bootstrap_alpha(values, replicates=1500, seed=1)
    assert by_unit["alpha_low"].to_numpy() == pytest.approx(plain["alpha_low"].to_numpy(), abs=0.03)


@pytest.mark.parametrize("kwargs", [{"replicates": 0}, {"replicates": 2.5}, {"level": 1.5}, {"clusters": [1, 2]}])
def test_agreement_bootstrap_rejects_bad_settings(kwargs):
    with pytest.raises(AgreementError) as err:
        ag.bootstrap_alpha(_corpus_like()[0], **kwargs)
    assert err.value.problems[0].code in ("E607", "E610")


# ---------------------------------------------------------------------------------------------
# units, overlap, missing (on real Documents)


TRANSCRIPT = """---
council: {case}
---
# Leadership actions with the greatest impact

Interviewer: What made the biggest difference — for you?

Chief Executive: We built partnerships with the NHS. We took risks “knowingly”, at £0 cost 🙂. Culture matters.

Manager: We moved with pace. Nobody waited for permission.
"""


@pytest.fixture()
def documents(tmp_path):
    from casecoder.transcripts import read_corpus

    folder = tmp_path / "transcripts"
    folder.mkdir()
    for name, case in (("alpha_doc", "north"), ("beta_doc", "south"), ("gamma_doc", "south")):
        (folder / f"{name}.md").write_text(TRANSCRIPT.format(case=case), encoding="utf-8")
    return read_corpus(folder)


def _coding(documents, analyst, spans, *, status="coded", note=""):
    """A codings table from (document, quote, code) triples."""
    docs = {d.id: d for d in documents}
    rows = []
    for doc_id, quote, code in spans:
        start = docs[doc_id].text.index(quote)
        rows.append({"document": doc_id, "case": docs[doc_id].case, "start": start, "end": start + len(quote),
                     "text": quote, "code": code, "analyst": analyst, "source": "manual", "status": status, "note": note})
    from casecoder.schema import normalise_codings

    return normalise_codings(pd.DataFrame(rows))


def test_agreement_units_table_sentences_skip_the_interviewer(documents):
    units = ag.units_table(documents, "sentence")
    assert len(units) == 3 * 5  # 3 + 2 answer sentences per document
    assert not units["text"].str.contains("biggest difference").any()
    with_int = ag.units_table(documents, "sentence", include_interviewer=True)
    assert len(with_int) == 3 * 6
    doc = {d.id: d for d in documents}
    for row in units.itertuples():
        assert doc[row.document].text[row.start:row.end] == row.text
    assert list(ag.units_table(documents, "case")["documents"]) == ["alpha_doc", "beta_doc;gamma_doc"]
    with pytest.raises(AgreementError):
        ag.units_table(documents, "paragraph")


def test_agreement_overlap_rule_and_min_overlap(documents):
    units = ag.units_table(documents, "sentence")
    a = _coding(documents, "ana", [("alpha_doc", "We took risks", "considered_risk")])  # part of a sentence
    b = _coding(documents, "ben", [("alpha_doc", "We took risks “knowingly”, at £0 cost 🙂.", "considered_risk")])
    r = ag.ratings_from_codings([a, b], units, codes=["considered_risk"])
    sentence = units.index[units["text"].str.startswith("We took risks")][0]
    assert r.values[sentence, :, 0].tolist() == [1.0, 1.0]
    strict = ag.ratings_from_codings([a, b], units, codes=["considered_risk"], min_overlap=0.5)
    assert strict.values[sentence, :, 0].tolist() == [0.0, 1.0]
    assert strict.unmapped["why"].str.contains("less than 0.5").all() and len(strict.unmapped) == 1
    # A coding spanning two sentences counts for both.
    c = _coding(documents, "cy", [("beta_doc", "with pace. Nobody", "move_with_pace")])
    r2 = ag.ratings_from_codings([c, b], units, codes=["move_with_pace"], reviewed=[None, ["beta_doc"]])
    assert np.nansum(r2.values[:, 0, 0]) == 2


def test_agreement_missing_is_kept_apart_from_not_coded(documents):
    units = ag.units_table(documents, "sentence")
    a = _coding(documents, "ana", [("alpha_doc", "Culture matters.", "innovative_culture"),
                                   ("beta_doc", "Culture matters.", "innovative_culture")])
    b = _coding(documents, "ben", [("alpha_doc", "Culture matters.", "innovative_culture")])
    r = ag.ratings_from_codings([a, b], units)
    beta = (units["document"] == "beta_doc").to_numpy()
    gamma = (units["document"] == "gamma_doc").to_numpy()
    assert np.isnan(r.values[beta, 1]).all()  # ben's table names only alpha_doc: not reviewed
    assert np.isnan(r.values[gamma]).all()
    assert (r.values[~beta & ~gamma, 1] >= 0).all()
    stats = ag.agreement_statistics(r.values, codes=r.codes, analysts=r.analysts)
    assert stats.loc[0, "units"] == 5 and stats.loc[0, "alpha"] == pytest.approx(1.0)
    # Saying ben reviewed beta_doc makes its culture sentence a disagreement.
    r2 = ag.ratings_from_codings([a, b], units, reviewed=[None, ["alpha_doc", "beta_doc"]])
    assert ag.agreement_statistics(r2.values).loc[0, "disagreements"] == 1


def test_agreement_excluded_codings_do_not_count(documents):
    units = ag.units_table(documents, "turn")
    a = _coding(documents, "ana", [("alpha_doc", "Culture matters.", "innovative_culture")])
    b = _coding(documents, "ben", [("alpha_doc", "Culture matters.", "innovative_culture")], status="excluded", note="arts, not culture change")
    r = ag.ratings_from_codings([a, b], units)
    turn = units.index[units["text"].str.contains("Culture matters")][0]
    assert r.values[turn, :, 0].tolist() == [1.0, 0.0]
    table = ag.disagreements(r)
    assert table.loc[0, "ben"] == "not coded" and table.loc[0, "ana"] == "coded"
    assert table.loc[0, "notes"] == "ben: arts, not culture change"


def test_agreement_case_units_need_every_document_reviewed(documents):
    units = ag.units_table(documents, "case")
    a = _coding(documents, "ana", [("beta_doc", "Culture matters.", "innovative_culture"), ("alpha_doc", "Culture matters.", "innovative_culture")])
    b = _coding(documents, "ben", [("alpha_doc", "Culture matters.", "innovative_culture"), ("gamma_doc", "Culture matters.", "innovative_culture")])
    r = ag.ratings_from_codings([a, b], units, unit="case")
    assert r.values[:, :, 0].tolist()[0] == [1.0, 1.0]
    assert np.isnan(r.values[1]).all()  # south: neither reviewed both its documents


@pytest.mark.parametrize("case, code", [
    ("single", "E601"), ("disjoint", "E602"), ("unknown_doc", "E603"), ("empty", "E605"),
    ("unit", "E606"), ("overlap", "E607"), ("same_name", "E617"),
])
def test_agreement_bad_comparisons_are_reported(documents, case, code):
    units = ag.units_table(documents, "sentence")
    a = _coding(documents, "ana", [("alpha_doc", "Culture matters.", "innovative_culture")])
    b = _coding(documents, "ben", [("beta_doc", "Culture matters.", "innovative_culture")])
    kwargs = {}
    inputs = [a, _coding(documents, "ben", [("alpha_doc", "Culture matters.", "innovative_culture")])]
    if case == "single":
        inputs = [a]
    elif case == "disjoint":
        inputs = [a, b]
    elif case == "unknown_doc":
        inputs[1] = inputs[1].assign(document="delta_doc")
    elif case == "empty":
        inputs[1] = inputs[1].iloc[:0]
    elif case == "unit":
        kwargs["unit"] = "chapter"
    elif case == "overlap":
        kwargs["min_overlap"] = 1.5
    elif case == "same_name":
        inputs[1] = inputs[1].assign(analyst="ana")
    with pytest.raises(AgreementError) as err:
        ag.ratings_from_codings(inputs, units, **kwargs)
    assert err.value.problems[0].code == code
    assert str(err.value.problems[0]).endswith(f"[{code}]")


# ---------------------------------------------------------------------------------------------
# the analyst coding (anchored YAML), compare, write, CLI


ANALYST_YAML = """\
# A demonstration coding by a fictional role.
analyst: demo-analyst-z
reviewed: [alpha_doc, beta_doc]
codings:
  - document: alpha_doc
    quote: "We built partnerships with the NHS."
    code: partnerships
    note: "joint work with health | an external partner"
  - document: alpha_doc
    quote: 'We took risks "knowingly"'
    code: considered_risk
    note: "curly quotes in the transcript, straight here"
  - document: beta_doc
    quote: "We moved with pace."
    code: move_with_pace
"""


class _Codebook:
    ids = ("partnerships", "considered_risk", "move_with_pace", "innovative_culture")

    def __getitem__(self, code):
        return type("C", (), {"label": code.replace("_", " ").title()})()


def test_agreement_read_analyst_coding_resolves_quotes(documents, tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(ANALYST_YAML, encoding="utf-8")
    coding = ag.read_analyst_coding(path, documents, codebook=_Codebook())
    assert coding.analyst == "demo-analyst-z" and coding.reviewed == {"alpha_doc", "beta_doc"}
    doc = {d.id: d for d in documents}
    for row in coding.codings.itertuples():
        assert doc[row.document].text[row.start:row.end] == row.text
        assert row.segment >= 0 and row.source == "manual"
    assert "“knowingly”" in coding.codings.loc[coding.codings["code"] == "considered_risk", "text"].iloc[0]


@pytest.mark.parametrize("edit, code", [
    (lambda s: s.replace("We moved with pace.", "We moved slowly."), "E613"),
    (lambda s: s.replace('"We built partnerships with the NHS."', '"We"'), "E614"),
    (lambda s: s.replace("reviewed: [alpha_doc, beta_doc]", "reviewed: [alpha_doc]"), "E615"),
    (lambda s: s.replace("code: move_with_pace", "code: move_fast"), "E604"),
    (lambda s: s.replace("analyst: demo-analyst-z", "analyst: [oops"), "E612"),
    (lambda s: s.replace("reviewed: [alpha_doc, beta_doc]", "reviewed: [alpha_doc, beta_doc, nowhere]"), "E603"),
])
def test_agreement_read_analyst_coding_reports_problems_with_lines(documents, tmp_path, edit, code):
    path = tmp_path / "demo.yaml"
    path.write_text(edit(ANALYST_YAML), encoding="utf-8")
    with pytest.raises(AgreementError) as err:
        ag.read_analyst_coding(path, documents, codebook=_Codebook())
    found = [p.code for p in err.value.problems]
    assert code in found
    p = next(p for p in err.value.problems if p.code == code)
    assert p.path == str(path)
    if code in ("E613", "E614", "E604"):
        assert p.line is not None and p.line > 3



@pytest.mark.parametrize("name, code", [("demo.yaml", "E612"), ("demo.csv", "E205")])
def test_agreement_load_codings_reports_a_file_not_in_utf8(documents, tmp_path, name, code):
    # cp1252 bytes (a £ sign) are not UTF-8; the reader must say so with the path, not crash.
    path = tmp_path / name
    path.write_bytes("analyst: demo\ncodings: []\nnote: £5 — “quoted”\n".encode("cp1252"))
    with pytest.raises(CasecoderError) as err:
        ag.load_codings([path], documents)
    assert [(p.code, p.path) for p in err.value.problems] == [(code, str(path))]

def test_agreement_compare_and_write_are_deterministic(documents, tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(ANALYST_YAML, encoding="utf-8")
    demo = ag.read_analyst_coding(path, documents)
    other = ag.AnalystCoding("analyst|pipe", _coding(documents, "analyst|pipe", [
        ("alpha_doc", "We built partnerships with the NHS.", "partnerships"),
        ("beta_doc", "We took risks", "considered_risk"),
    ]))
    result = ag.compare([demo, other], documents, codebook=_Codebook(), replicates=200, seed=1)
    stats = result.statistics
    assert {"alpha_low", "alpha_high"} <= set(stats.columns)
    assert set(stats["scope"]) == {"code", "pooled", "mean of codes"}
    assert list(stats.loc[stats["scope"] == "code", "code"]) == list(_Codebook.ids)
    dis = result.disagreements
    assert set(dis["code"]) == {"considered_risk", "move_with_pace"}
    assert "curly quotes" in " ".join(dis["notes"])
    out1, out2 = tmp_path / "o1", tmp_path / "o2"
    ag.write_comparison(result, out1)
    ag.write_comparison(ag.compare([demo, other], documents, codebook=_Codebook(), replicates=200, seed=1), out2)
    for name in ("agreement.csv", "pairwise.csv", "disagreements.csv", "disagreements.md", "unmapped.csv", "agreement_heatmap.svg"):
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes(), name
    md = (out1 / "disagreements.md").read_text(encoding="utf-8")
    assert "analyst\\|pipe" in md and "## considered_risk" in md


def test_agreement_heatmap_has_a_cell_per_code_and_pair():
    from casecoder.figures import plot_agreement_heatmap

    values, _ = _corpus_like(analysts=3, codes=3)
    values[:, :, 2] = 0.0  # an undefined code
    stats = ag.agreement_statistics(values, codes=["a", "b", "c"], analysts=["x", "y", "z"])
    pairs = ag.pairwise_agreement(values, codes=["a", "b", "c"], analysts=["x", "y", "z"])
    fig = plot_agreement_heatmap(stats, pairs)
    image = fig.axes[0].images[0].get_array()
    assert image.shape == (4, 4)  # 3 codes + pooled, all analysts + 3 pairs
    assert image.mask[2].all()  # the code with no variation: n/a, not 1.0
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("n/a") == 4


def test_agreement_cli_compare(documents, tmp_path, capsys):
    from casecoder.cli import main

    transcripts = Path(documents[0].path).parent
    path = tmp_path / "demo.yaml"
    path.write_text(ANALYST_YAML, encoding="utf-8")
    table = tmp_path / "other.csv"
    _coding(documents, "other-role", [("alpha_doc", "We built partnerships with the NHS.", "partnerships")]).to_csv(table, index=False)
    out = tmp_path / "out"
    code = main(["compare", str(path), str(table), "--transcripts", str(transcripts), "--replicates", "50", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "[pooled]" in captured.out and "[mean of codes]" in captured.out
    assert (out / "disagreements.md").exists() and (out / "agreement_heatmap.png").exists()
    # Bad input: one analyst, an unknown code, a table over another corpus: exit 2.
    assert main(["compare", str(path), "--transcripts", str(transcripts), "--out", str(out)]) == 2
    assert "[E601]" in capsys.readouterr().err
    assert main(["compare", str(path), str(table), "--codes", "nonsense", "--transcripts", str(transcripts), "--out", str(out)]) == 2
    assert "[E604]" in capsys.readouterr().err
    moved = pd.read_csv(table).assign(document="elsewhere")
    moved.to_csv(table, index=False)
    assert main(["compare", str(path), str(table), "--transcripts", str(transcripts), "--out", str(out)]) == 2
    assert "[E603]" in capsys.readouterr().err
