"""Tests of sentence segmentation: the one definition of a coding unit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecoder.segments import sentences, split_sentences
from casecoder.transcripts import Document, Turn


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We did it. Then we stopped.", ["We did it.", "Then we stopped."]),
        ("Why? Because! 3 things… Done.", ["Why?", "Because!", "3 things…", "Done."]),
        ("Councils, e.g. Surrey, did. The U.S. cities too.", ["Councils, e.g. Surrey, did.", "The U.S. cities too."]),
        ("He said “go.” Then we went.", ["He said “go.”", "Then we went."]),
        ("It cost £3m. £2m came back.", ["It cost £3m.", "£2m came back."]),
        ("no capital after. so one sentence", ["no capital after. so one sentence"]),
        ("  padded.  ", ["padded."]),
    ],
)
def test_segments_split(text, expected):
    assert [text[s:e] for s, e in split_sentences(text)] == expected


def test_segments_numbered_across_turns_with_document_offsets():
    text = "Q: Why?\n\nCE: We set up a company. It works.\n"
    turns = (
        Turn(0, "Q", "", 3, 7, "Why?", True),
        Turn(1, "CE", "", 13, 43, "We set up a company. It works."),
    )
    doc = Document("d", "d.md", text, "c", {}, turns)
    segs = sentences(doc)
    assert [(s.turn, s.index, s.text) for s in segs] == [
        (0, 0, "Why?"), (1, 1, "We set up a company."), (1, 2, "It works.")
    ]
    for s in segs:
        assert text[s.start : s.end] == s.text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab Z. ?!“”’…£3\n")), max_size=80))
def test_segments_spans_cover_text_in_order_property(text):
    spans = split_sentences(text)
    last = 0
    for s, e in spans:
        assert last <= s < e <= len(text)
        assert text[s:e] == text[s:e].strip()
        last = e
    # every non-space character is inside exactly one sentence
    covered = set()
    for s, e in spans:
        covered.update(range(s, e))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
