"""Code what is asserted: questions, hypotheticals, barriers, reported generalities, mentions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casecoder.assertion import REASONS, WORD_LISTS, compile_assertion
from casecoder.codebook import load_codebook, parse_codebook
from casecoder.coder import code_document, compile_codebook
from casecoder.errors import CodebookError
from casecoder.transcripts import Document, Turn

BOOK = """
codes:
  - id: partnerships
    label: Build innovative partnerships
    phrases: [joint venture]
    mentions: [partner, partnership]
  - id: involve_residents
    label: Understand and involve residents
    phrases: [co-design, involve residents]
  - id: considered_risk
    label: Take considered risks
    phrases: [take risks, risk appetite]
  - id: bold_leadership
    label: Be bold
    patterns:
      - name: no_daylight
        pattern: [{"LOWER": {"IN": ["no", "not", "n't"]}}, {"OP": "?"}, {"LOWER": "daylight"}, {"LOWER": "between"}]
      - name: top_team
        pattern: [{"LOWER": "top"}, {"LOWER": "team"}]
        frame: action
"""
CODER = compile_codebook(parse_codebook(BOOK))


def doc(text: str) -> Document:
    turn = Turn(index=0, speaker="Manager", section="s", start=0, end=len(text), text=text)
    return Document(id="d", path="d.md", text=text, case="c", metadata={}, turns=(turn,))


def outcome(text: str, code: str) -> str:
    """'coded', the reason a match of ``code`` was set aside, or 'none' without a match."""
    rows = code_document(doc(text), CODER)
    rows = rows[rows["code"] == code]
    if rows.empty:
        return "none"
    if (rows["status"] == "coded").any():
        return "coded"
    return str(rows["reason"].iloc[0])


@pytest.mark.parametrize("text,code,expected", [
    # asserted: taken, recommended or described as important
    ("We set up a joint venture with the housing trust.", "partnerships", "coded"),
    ("You have to involve residents from day one.", "involve_residents", "coded"),
    ("If you involve residents early, they trust what you build.", "involve_residents", "coded"),
    ("I would say involve residents before you design anything.", "involve_residents", "coded"),
    ("The standard says councils should co-design services with users.", "involve_residents", "coded"),
    # questions
    ("Would it help to involve residents more?", "involve_residents", "question"),
    ("Is there any joint venture in it?", "partnerships", "question"),
    # hypotheticals
    ("We could have involved residents much earlier.", "involve_residents", "hypothetical"),
    ("We are still deciding whether to co-design the new service.", "involve_residents", "hypothetical"),
    # fears and barriers, unless overcome
    ("Our directors are frightened to take risks.", "considered_risk", "barrier"),
    ("The lack of a risk appetite holds us back.", "considered_risk", "barrier"),
    ("Officers struggle to involve residents in the budget.", "involve_residents", "barrier"),
    ("We tackled the fear head on and now take risks.", "considered_risk", "coded"),
    ("We are not afraid to take risks.", "considered_risk", "coded"),
    # reported generalities
    ("Research shows that councils with a risk appetite innovate more.", "considered_risk", "reported"),
    ("Many councils take risks with their reserves.", "considered_risk", "reported"),
    ("We trained some staff to co-design with tenants.", "involve_residents", "coded"),
    # negation: the clause, and a negator that is part of the idiom
    ("We never take risks.", "considered_risk", "negated"),
    ("It wasn't easy, but we take risks.", "considered_risk", "coded"),
    ("There's no daylight between them.", "bold_leadership", "coded"),
    # mentions need an action frame
    ("Residents, partners and councillors came to the meeting.", "partnerships", "mention"),
    ("We work closely with our partners on housing.", "partnerships", "coded"),
    ("We have partnered with the university.", "partnerships", "coded"),
    ("We're committed to the county programme, the partnership of councils and health bodies.", "partnerships", "coded"),
    ("The top team met on Tuesday.", "bold_leadership", "mention"),
    ("The top team must lead this together.", "bold_leadership", "coded"),
    # a mention that names a job, a team or a document is not the action, verb or not
    ("We tested the plan with the partnerships team.", "partnerships", "mention"),
    ("Our new partnership manager started work in May.", "partnerships", "mention"),
    ("I asked the head of partnerships for the figures.", "partnerships", "mention"),
    ("We built a partnership with the hospital, and our team runs it.", "partnerships", "coded"),
    ("We formed a team of partners from health and housing.", "partnerships", "coded"),
    # a contrast sets aside what follows "rather than" / "instead of" / "as opposed to" in its clause
    ("Managers still opt for a restructure rather than a joint venture.", "partnerships", "contrasted"),
    ("Instead of a joint venture, they signed a contract.", "partnerships", "contrasted"),
    ("They kept the old model, as opposed to a joint venture.", "partnerships", "contrasted"),
    ("We chose a joint venture rather than a contract.", "partnerships", "coded"),
    ("Instead of a contract, we set up a joint venture.", "partnerships", "coded"),
    ("What we did instead was a joint venture with the trust.", "partnerships", "coded"),
    ("We use the trust's money to change the model, rather than just a joint venture.", "partnerships", "coded"),
    # a percentage in the clause: a statistic, not an action
    ("Recycling rose to sixty per cent, thanks to our joint venture with the trust.", "partnerships", "statistic"),
    ("Ninety percent of staff said we involve residents well.", "involve_residents", "statistic"),
    ("Our costs fell 12% once we involve residents in design.", "involve_residents", "statistic"),
    ("We set up a joint venture with the trust, and costs fell.", "partnerships", "coded"),
    # a report whose verb comes later, before "that"
    ("The inquiry into the failures at the trust found that a joint venture had worked well.", "partnerships", "reported"),
    ("The inquiry was clear and we set up a joint venture.", "partnerships", "coded"),
    # what a report says the speaker's own organisation did is the speaker's action
    ("The review shows how quickly we set up a joint venture.", "partnerships", "coded"),
    ("The review shows how quickly councils set up a joint venture.", "partnerships", "reported"),
    # "not long ago" is a time, not a negation
    ("Not long ago we set up a joint venture with the trust.", "partnerships", "coded"),
    ("Not once did we set up a joint venture.", "partnerships", "negated"),
    # a negated relative clause does not negate the main clause after it
    ("Tenants who had never been asked are now involved in the joint venture.", "partnerships", "coded"),
    ("Councils which did not share a vision are now in a joint venture.", "partnerships", "coded"),
    ("Councils which have not set up a joint venture lag behind.", "partnerships", "negated"),
    ("We have never been in a joint venture.", "partnerships", "negated"),
    # a review names a document
    ("I read the partnership review last week.", "partnerships", "mention"),
])
def test_assertion_reasons(text, code, expected):
    assert outcome(text, code) == expected


def test_every_reason_is_documented_and_given():
    seen = {outcome(t, c) for t, c in [
        ("We never take risks.", "considered_risk"), ("Do you take risks?", "considered_risk"),
        ("We could have taken risks.", "considered_risk"), ("We fear to take risks.", "considered_risk"),
        ("Studies show councils take risks.", "considered_risk"), ("Partners were there.", "partnerships"),
        ("They cut costs rather than take risks.", "considered_risk"),
        ("Half the staff, 50%, take risks.", "considered_risk")]}
    assert seen == set(REASONS)


@given(st.sampled_from(["We take risks", "We set up a joint venture", "We co-design with tenants"]),
       st.sampled_from(["", "Honestly, ", "This year "]))
def test_a_question_mark_sets_aside_whatever_the_words(sentence, opening):
    code = {"W": "considered_risk"}.get(sentence[0])
    for c in ("considered_risk", "partnerships", "involve_residents"):
        if outcome(opening + sentence + ".", c) == "coded":
            code = c
    assert code is not None
    assert outcome(opening + sentence + "?", code) == "question"


def test_settings_replace_a_word_list():
    book = parse_codebook(BOOK.replace("codes:", "settings:\n  assertion:\n    hypothetical: [perhaps]\ncodes:", 1))
    coder = compile_codebook(book)
    rows = code_document(doc("Perhaps we take risks."), coder)
    assert rows["reason"].tolist() == ["hypothetical"]
    rows = code_document(doc("We wonder whether to take risks."), coder)
    assert rows["status"].tolist() == ["coded"]


def test_settings_and_frame_keys_are_validated():
    bad = BOOK.replace("codes:", "settings:\n  assertion:\n    moods: [x]\n    barrier: []\ncodes:", 1)
    bad = bad.replace("frame: action", "frame: always")
    with pytest.raises(CodebookError) as info:
        parse_codebook(bad)
    found = sorted((p.code, p.field) for p in info.value.problems)
    assert [c for c, _ in found] == ["E103", "E103", "E104"]
    assert any("moods" in (f or "") for _, f in found)


def test_word_lists_are_general_english():
    # Lists are words, no sentences: each entry at most two words.
    for name, words in WORD_LISTS.items():
        assert words and all(1 <= len(w.split()) <= 2 for w in words), name
    rules = compile_assertion()
    assert set(rules.words) == set(WORD_LISTS)


def test_shipped_codebook_marks_mentions_that_exist_as_phrases_or_alone():
    book = load_codebook("codebook.yaml")
    coder = compile_codebook(book)
    mentions = {r.label for r in coder.rules if r.mention}
    assert "phrase:partner" in mentions and "phrase:technology" in mentions
    # A phrase listed in both keys is compiled once, as a mention.
    labels = [(r.code, r.label) for r in coder.rules if not r.exclusion]
    assert len(labels) == len(set(labels))
