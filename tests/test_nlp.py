"""Tests of the offline English pipeline and casecoder's case-insensitive lemmas."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecoder.nlp import forms_of, get_nlp, lemma, lemma_table


@pytest.mark.parametrize("form, expected", [
    ("Partnerships", "partnership"),
    ("PARTNERS", "partner"),
    ("took", "take"),
    ("Taking", "take"),
    ("agile", "agile"),          # not in the table: the form itself
    ("n't", "not"),
    ("developing", "develop"),   # corrected: the table says "develope"
    ("Résumé", "résumé"),        # non-ASCII, not in the table
])
def test_nlp_lemma_is_case_insensitive(form: str, expected: str) -> None:
    assert lemma(form) == expected


def test_nlp_pipeline_sets_the_same_lemmas() -> None:
    doc = get_nlp()("Partners took risks — we didn’t “fail” 🙂.")
    assert [t.lemma_ for t in doc] == [lemma(t.text) for t in doc]
    assert doc[0].lemma_ == "partner"


def test_nlp_pipeline_is_built_once_and_offline() -> None:
    nlp = get_nlp()
    assert get_nlp() is nlp
    assert nlp.pipe_names == ["sentencizer", "casecoder_lemmatizer"]
    assert len(lemma_table()) > 40_000


def test_nlp_forms_of_a_non_lemma_is_empty() -> None:
    assert forms_of("risks") == ()
    assert set(forms_of("risk")) >= {"risk", "risks", "risked", "risking"}


_LEMMAS = sorted({v.lower() for v in list(lemma_table().values())[::37]})


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_LEMMAS))
def test_nlp_forms_of_inverts_lemma(target: str) -> None:
    forms = forms_of(target)
    assert all(lemma(f) == target for f in forms)
    assert all(lemma(f.upper()) == target for f in forms)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(lemma_table())[::11]))
def test_nlp_every_form_is_found_from_its_lemma(form: str) -> None:
    assert form.lower() in forms_of(lemma(form))
