"""Tests of casecoder.agreement.unitizing: Krippendorff's published unitizing examples, and alpha on
analysts' own spans of real transcripts."""

from __future__ import annotations

import pytest

from casecoder.agreement import unitizing as stx
from casecoder.errors import AgreementError


# ---------------------------------------------------------------------------------------------
# unitizing alpha: Krippendorff's worked examples

_K2004 = [(0, "c", 225, 295), (0, "c", 370, 400), (1, "c", 220, 300), (1, "c", 355, 375), (1, "c", 400, 420),
          (0, "k", 180, 240), (0, "k", 300, 350), (1, "k", 180, 240), (1, "k", 300, 350)]


def test_statistics_unitizing_alpha_krippendorff_2004_worked_example():
    # Krippendorff, K. (2004) Content Analysis: An Introduction to Its Methodology, 2nd ed.,
    # Sage, section 12.4 (pp. 251-256): observers i and j on a continuum 150-450.
    # Published: D_o(c) = .0144, D_e(c) = .0532, alpha_c = .7286; D_o(k) = 0, D_e(k) = .0490,
    # alpha_k = 1; alpha = 1 - (.0144 + 0) / (.0532 + .0490) = .8591 (from the rounded
    # disagreements; unrounded it is .8587).
    t = stx.unitizing_alpha(_K2004, begin=150, end=450).set_index("code")
    assert round(t.at["c", "observed"], 4) == 0.0144
    assert round(t.at["c", "expected"], 4) == 0.0532
    assert round(t.at["c", "alpha"], 4) == 0.7286
    assert round(t.at["k", "expected"], 4) == 0.0490
    assert t.at["k", "alpha"] == 1.0
    assert t.at["(all codes)", "alpha"] == pytest.approx(0.8591, abs=5e-4)


def _k1995(stretch):
    # Krippendorff, K. (1995) "On the reliability of unitizing continuous data", Sociological
    # Methodology 25: 47-76, p. 57: four pairs of observers on a continuum of 24, one category
    # each (A: Bertha and Bill, B: John and Jill, C: Gerret and Gill, D: Heather and Hill),
    # as (offset, length, observer, category).
    units = [(2, 8, 0, "A"), (14, 6, 0, "A"), (4, 4, 1, "A"), (15, 2, 1, "A"),
             (0, 18, 0, "B"), (0, 2, 1, "B"), (2, 1, 1, "B"), (3, 1, 1, "B"), (4, 1, 1, "B"), (5, 1, 1, "B"),
             (6, 3, 1, "B"), (9, 1, 1, "B"),
             (2, 6, 0, "C"), (10, 2, 0, "C"), (14, 4, 0, "C"), (20, 2, 0, "C"), (0, 2, 1, "C"), (4, 4, 1, "C"),
             (10, 4, 1, "C"), (16, 2, 1, "C"), (20, 2, 1, "C"),
             (0, 2, 0, "D"), (2, 8, 0, "D"), (10, 4, 0, "D"), (14, 6, 0, "D"), (20, 4, 0, "D"), (0, 4, 1, "D"),
             (4, 4, 1, "D"), (8, 7, 1, "D"), (15, 2, 1, "D"), (17, 7, 1, "D")]
    return [(r, c, o * stretch, (o + n) * stretch) for o, n, r, c in units]


def test_statistics_unitizing_alpha_krippendorff_1995_examples():
    # Observed disagreements as published: .03125, 2.26736, .02777, .38715. The published
    # alphas (.553, -.926, .679, .066) treat the continuum as continuous: a fine grid (each
    # position cut into 50,000) reproduces them to .02.
    observed = stx.unitizing_alpha(_k1995(1), begin=0, end=24).set_index("code")["observed"]
    assert observed[["A", "B", "C", "D"]].round(5).tolist() == [0.03125, 2.26736, 0.02778, 0.38715]
    fine = stx.unitizing_alpha(_k1995(50_000), begin=0, end=24 * 50_000).set_index("code")["alpha"]
    assert fine[["A", "B", "C", "D"]].tolist() == pytest.approx([0.553, -0.926, 0.679, 0.066], abs=0.02)


def test_statistics_unitizing_alpha_identical_spans_agree_and_unmarked_analyst_counts():
    same = [(0, "x", 10, 20), (1, "x", 10, 20), (0, "x", 40, 55), (1, "x", 40, 55)]
    assert stx.unitizing_alpha(same, begin=0, end=100)["alpha"].iloc[0] == 1.0
    # a third analyst who marked nothing: disagreement on every stretch
    t = stx.unitizing_alpha(same, begin=0, end=100, analysts=3)
    assert t["alpha"].iloc[0] < 0.5


def test_statistics_unitizing_alpha_merges_overlaps_of_one_analyst():
    # one analyst's two overlapping codings of one code are one stretch
    a = stx.unitizing_alpha([(0, "x", 10, 30), (0, "x", 20, 40), (1, "x", 10, 40)], begin=0, end=100)
    assert a["stretches"].iloc[0] == 2 and a["alpha"].iloc[0] == 1.0


@pytest.mark.parametrize("spans", [[(0, "x", 5, 5), (1, "x", 1, 2)], [(0, "x", -1, 3), (1, "x", 1, 2)]])
def test_statistics_unitizing_alpha_rejects_bad_spans(spans):
    with pytest.raises(AgreementError) as err:
        stx.unitizing_alpha(spans, begin=0, end=10)
    assert err.value.problems[0].code == "E607"
