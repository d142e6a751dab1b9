"""Tests of casecoder.agreement.units: units from real Documents, the overlap rule, missing
versus not coded, bad comparisons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casecoder import agreement as ag
from casecoder.errors import AgreementError

from agreement_data import coding_table, documents  # noqa: F401  (documents is a fixture)


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
    a = coding_table(documents, "ana", [("alpha_doc", "We took risks", "considered_risk")])  # part of a sentence
    b = coding_table(documents, "ben", [("alpha_doc", "We took risks “knowingly”, at £0 cost 🙂.", "considered_risk")])
    r = ag.ratings_from_codings([a, b], units, codes=["considered_risk"])
    sentence = units.index[units["text"].str.startswith("We took risks")][0]
    assert r.values[sentence, :, 0].tolist() == [1.0, 1.0]
    strict = ag.ratings_from_codings([a, b], units, codes=["considered_risk"], min_overlap=0.5)
    assert strict.values[sentence, :, 0].tolist() == [0.0, 1.0]
    assert strict.unmapped["why"].str.contains("less than 0.5").all() and len(strict.unmapped) == 1
    # A coding spanning two sentences counts for both.
    c = coding_table(documents, "cy", [("beta_doc", "with pace. Nobody", "move_with_pace")])
    r2 = ag.ratings_from_codings([c, b], units, codes=["move_with_pace"], reviewed=[None, ["beta_doc"]])
    assert np.nansum(r2.values[:, 0, 0]) == 2


def test_agreement_missing_is_kept_apart_from_not_coded(documents):
    units = ag.units_table(documents, "sentence")
    a = coding_table(documents, "ana", [("alpha_doc", "Culture matters.", "innovative_culture"),
                                   ("beta_doc", "Culture matters.", "innovative_culture")])
    b = coding_table(documents, "ben", [("alpha_doc", "Culture matters.", "innovative_culture")])
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
    a = coding_table(documents, "ana", [("alpha_doc", "Culture matters.", "innovative_culture")])
    b = coding_table(documents, "ben", [("alpha_doc", "Culture matters.", "innovative_culture")], status="excluded", note="arts, not culture change")
    r = ag.ratings_from_codings([a, b], units)
    turn = units.index[units["text"].str.contains("Culture matters")][0]
    assert r.values[turn, :, 0].tolist() == [1.0, 0.0]
    table = ag.disagreements(r)
    assert table.loc[0, "ben"] == "not coded" and table.loc[0, "ana"] == "coded"
    assert table.loc[0, "notes"] == "ben: arts, not culture change"


def test_agreement_case_units_need_every_document_reviewed(documents):
    units = ag.units_table(documents, "case")
    a = coding_table(documents, "ana", [("beta_doc", "Culture matters.", "innovative_culture"), ("alpha_doc", "Culture matters.", "innovative_culture")])
    b = coding_table(documents, "ben", [("alpha_doc", "Culture matters.", "innovative_culture"), ("gamma_doc", "Culture matters.", "innovative_culture")])
    r = ag.ratings_from_codings([a, b], units, unit="case")
    assert r.values[:, :, 0].tolist()[0] == [1.0, 1.0]
    assert np.isnan(r.values[1]).all()  # south: neither reviewed both its documents


@pytest.mark.parametrize("case, code", [
    ("single", "E601"), ("disjoint", "E602"), ("unknown_doc", "E603"), ("empty", "E605"),
    ("unit", "E606"), ("overlap", "E607"), ("same_name", "E617"),
])
def test_agreement_bad_comparisons_are_reported(documents, case, code):
    units = ag.units_table(documents, "sentence")
    a = coding_table(documents, "ana", [("alpha_doc", "Culture matters.", "innovative_culture")])
    b = coding_table(documents, "ben", [("beta_doc", "Culture matters.", "innovative_culture")])
    kwargs = {}
    inputs = [a, coding_table(documents, "ben", [("alpha_doc", "Culture matters.", "innovative_culture")])]
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


def test_agreement_units_table_numbers_sentences_as_segments_does(documents):
    from casecoder.segments import sentences

    units = ag.units_table(documents, "sentence", include_interviewer=True)
    for doc in documents:
        mine = units[units["document"] == doc.id]
        assert mine["segment"].tolist() == [s.index for s in sentences(doc)]
    assert set(ag.units_table(documents, "turn")["segment"]) == {-1}


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])  # documents are read-only
@given(st.data())
def test_agreement_span_units_with_empty_counts_follows_overlapping(documents, data):
    # evaluate maps spans with empty_counts=True; it must give exactly the units that
    # segments.overlapping gives (the rule the evaluation always had), for any span.
    from casecoder.segments import overlapping, sentences

    doc = data.draw(st.sampled_from(documents))
    units = ag.units_table(documents, "sentence", include_interviewer=True)
    starts = data.draw(st.lists(st.integers(0, len(doc.text)), min_size=1, max_size=8))
    spans = pd.DataFrame({"document": doc.id, "start": starts,
                          "end": [min(len(doc.text), s + data.draw(st.integers(0, 60))) for s in starts]})
    unit_no, row = ag.span_units(spans, units, "sentence", empty_counts=True)
    segs = sentences(doc)
    for r, span in enumerate(spans.itertuples()):
        expected = [s.index for s in overlapping(segs, span.start, span.end)]
        got = sorted(units.loc[unit_no[row == r], "segment"].tolist())
        assert got == expected, (span.start, span.end)
    # without empty_counts an empty span counts for no unit (the comparison of analysts' rule)
    plain_unit, plain_row = ag.span_units(spans, units, "sentence")
    empty = set(np.flatnonzero((spans["end"] == spans["start"]).to_numpy()).tolist())
    assert not empty & set(plain_row.tolist())
