"""Tests of the offline English pipeline and casecoder's case-insensitive lemmas."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spacy

from casecoder.nlp import ChunkCachedTokenizer, forms_of, get_nlp, lemma, lemma_table


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


# Chunks that exercise the tokenizer's special cases (contractions, abbreviations, emoticons),
# its prefixes, suffixes and infixes, URLs, and non-ASCII text, joined by every kind of white space.
_CHUNKS = ["don't", "Don’t", "we've", "I'm", "can't,", "(won't)", "e.g.", "Mr.", "U.K.", "a.m.", ":)", "<3",
           "partners,", "co-design", "“risk”", "résumé", "Zürich's", "10km", "£5m", "well-being.", "—",
           "https://example.org/a?b=1", "it's", "'s", "n't", "...", "?!", "council’s", "🙂", "we", "the"]


# Built once (a pipeline takes a while to build): the tokenizer a cached one wraps, and a
# separate one whose tokens are the reference.
_WRAPPED = spacy.blank("en").tokenizer
_REFERENCE = spacy.blank("en").tokenizer


def _tokens(doc) -> list[tuple[str, int, int, bool]]:
    return [(t.text, t.idx, t.lower, t.is_space) for t in doc]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from(_CHUNKS), st.sampled_from([" ", "  ", "\n", "\t", "\u00a0", ""])),
                         max_size=12), min_size=1, max_size=6))
def test_nlp_chunk_cached_tokenizer_gives_the_tokenizers_own_tokens(texts) -> None:
    # One cached tokenizer across several texts (its cache carries over, as in a run), each
    # text compared with the plain tokenizer of another pipeline.
    cached = ChunkCachedTokenizer(_WRAPPED)
    for parts in texts:
        text = "".join(chunk + space for chunk, space in parts)
        assert _tokens(cached(text)) == _tokens(_REFERENCE(text))


@pytest.mark.parametrize("limit", [2])
def test_nlp_chunk_cached_tokenizer_stops_at_the_cache_size(limit: int) -> None:
    tokenizer = spacy.blank("en").tokenizer
    tokenizer.max_cache_size = limit
    cached = ChunkCachedTokenizer(tokenizer)
    cached("We don't wait; residents decide.")
    assert len(cached.seen) == 5   # the first text's chunks are all taken
    doc = cached("Partners listen.")
    assert len(cached.seen) == 5   # past the limit, nothing more is kept
    assert [t.text for t in doc] == ["Partners", "listen", "."]
