"""Tests of casecoder.agreement.breakdown (per document, groups of analysts) and of unitizing alpha on
codings tables (the analysts' own spans)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from casecoder import agreement as ag
from casecoder.errors import AgreementError

from agreement_data import coding_table, documents  # noqa: F401  (the fixture)

nan = math.nan


def _ratings(values, docs, analysts=("a", "b")):
    n = len(values)
    units = pd.DataFrame({"unit": np.arange(n), "document": docs, "case": "c", "section": "", "turn": 0,
                          "speaker": "", "start": np.arange(n) * 10, "end": np.arange(n) * 10 + 9, "text": "",
                          "documents": docs})
    return ag.Ratings(np.asarray(values, dtype=float), units, tuple(analysts), tuple(f"k{i}" for i in range(values.shape[2])))


def test_breakdown_per_document_separates_agreeing_and_disagreeing_documents():
    agree = np.array([[1, 1], [0, 0], [1, 1], [0, 0]], dtype=float)
    differ = np.array([[1, 0], [0, 1], [1, 1], [0, 0]], dtype=float)
    values = np.concatenate([agree, differ])[:, :, None]
    table = ag.per_document(_ratings(values, ["d1"] * 4 + ["d2"] * 4))
    pooled = table[table["code"] == "(all codes)"].set_index("document")
    assert pooled.at["d1", "alpha"] == 1.0 and pooled.at["d1", "disagreements"] == 0
    assert pooled.at["d2", "disagreements"] == 2
    assert pooled.at["d2", "alpha"] == pytest.approx(ag.krippendorff_alpha(differ))


def test_breakdown_groups_within_and_between():
    rng = np.random.default_rng(0)
    truth = rng.random((60, 1, 2)) < 0.3
    values = (truth ^ (rng.random((60, 4, 2)) < np.array([0.02, 0.02, 0.2, 0.2])[None, :, None])).astype(float)
    ratings = _ratings(values, ["d"] * 60, ("ann", "bo", "cy", "di"))
    table = ag.group_agreement(ratings, {"careful": ["ann", "bo"], "hasty": ["cy", "di"]}).set_index(["scope", "group", "code"])
    within = table.loc[("within", "careful", "(all codes)")]
    assert within["alpha"] == pytest.approx(ag.agreement_statistics(values[:, :2]).iloc[-2]["alpha"])
    pairs = ag.pairwise_agreement(values, analysts=["ann", "bo", "cy", "di"])
    cross = pairs[(pairs["code"] == "(all codes)") & pairs["analyst_a"].isin(["ann", "bo"]) & pairs["analyst_b"].isin(["cy", "di"])]
    between = table.loc[("between", "careful | hasty", "(all codes)")]
    assert between["pairs"] == 4 and between["alpha"] == pytest.approx(cross["alpha"].mean())
    assert within["alpha"] > table.loc[("within", "hasty", "(all codes)")]["alpha"]
    with pytest.raises(AgreementError) as err:
        ag.group_agreement(ratings, {"x": ["ann", "nobody"], "y": ["ann", "bo"]})
    assert {p.code for p in err.value.problems} == {"E606", "E607"}


def test_breakdown_unitizing_on_codings_uses_documents_both_reviewed(documents):  # noqa: F811
    a = coding_table(documents, "a", [("alpha_doc", "We built partnerships with the NHS.", "partnerships"),
                                      ("beta_doc", "We moved with pace.", "move_with_pace")])
    same = coding_table(documents, "b", [("alpha_doc", "We built partnerships with the NHS.", "partnerships"),
                                         ("beta_doc", "We moved with pace.", "move_with_pace")])
    shorter = coding_table(documents, "b", [("alpha_doc", "partnerships with the NHS", "partnerships"),
                                            ("beta_doc", "We moved with pace.", "move_with_pace")])
    both = frozenset({"alpha_doc", "beta_doc"})
    table, used = ag.unitizing_from_codings([ag.AnalystCoding("a", a, both), ag.AnalystCoding("b", same, both)], documents)
    assert used == ["alpha_doc", "beta_doc"] and table["alpha"].tolist() == [1.0, 1.0, 1.0]
    table, _ = ag.unitizing_from_codings([ag.AnalystCoding("a", a, both), ag.AnalystCoding("b", shorter, both)], documents)
    by_code = table.set_index("code")["alpha"]
    assert by_code["move_with_pace"] == 1.0 and 0 < by_code["partnerships"] < 1
    with pytest.raises(AgreementError) as err:
        ag.unitizing_from_codings([ag.AnalystCoding("a", a, frozenset({"alpha_doc"})),
                                   ag.AnalystCoding("b", same, frozenset({"beta_doc"}))], documents)
    assert err.value.problems[0].code == "E602"
