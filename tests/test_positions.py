"""Positions in text: quote anchoring, the turn at an offset, what a span covers, FrozenMap."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecoder.positions import (
    FrozenMap,
    clip,
    containing,
    find_quote,
    fold,
    fold_text,
    nearest_passages,
    overlapping,
    turn_at,
    turn_of_span,
)
from casecoder.segments import sentences
from casecoder.transcripts import Document, Turn


def make_doc(doc_id: str, turns: list[tuple[str, str]], case: str = "oldham") -> Document:
    """A document built by hand: each (speaker, text) a paragraph and a turn."""
    parts, out, pos = [], [], 0
    for i, (speaker, text) in enumerate(turns):
        out.append(Turn(i, speaker, "Leadership actions", pos, pos + len(text), text, speaker == "Interviewer"))
        parts.append(text)
        pos += len(text) + 2
    return Document(doc_id, f"{doc_id}.md", "\n\n".join(parts), case, {}, tuple(out))


DOC = make_doc("oldham", [
    ("Interviewer", "Which actions mattered most — and why?"),
    ("Chief Executive", "We took a leap of faith on the “Early Help” offer. We were willing to jump off that cliff. "
                        "It cost £2m 🙂 and it worked."),
    ("Manager", "We work with partners in new ways. We work with partners in new ways, again."),
    ("Manager", "Culture and leisure services were cut. We never took risks with safeguarding."),
])


# --------------------------------------------------------------------------------------------
# finding a quote (moved here from the overrides tests: every room anchors this way)


@pytest.mark.parametrize("quote", [
    "We were willing to jump off that cliff.",
    "We were  willing\nto jump off\r\nthat cliff.",
    "  We were willing to jump\toff that cliff.  ",
])
def test_positions_find_quote_tolerates_whitespace_and_line_endings(quote):
    (start, end), = find_quote(DOC.text, quote)
    assert DOC.text[start:end] == "We were willing to jump off that cliff."


def test_positions_find_quote_folds_curly_quotes():
    (start, end), = find_quote(DOC.text, 'leap of faith on the "Early Help" offer')
    assert DOC.text[start:end] == "leap of faith on the “Early Help” offer"


@pytest.mark.parametrize("prefix,suffix,which", [("", ", again", 1), ("new ways.", "", 1), ("", ".", 0), ("Manager", "", None)])
def test_positions_find_quote_prefix_suffix_disambiguate(prefix, suffix, which):
    quote = "We work with partners in new ways"
    everywhere = find_quote(DOC.text, quote)
    assert len(everywhere) == 2
    got = find_quote(DOC.text, quote, prefix, suffix)
    if which is None:  # a context that fits neither place settles nothing
        assert got == []
    else:
        assert got == [everywhere[which]]


WORDS = st.sampled_from(["We", "took", "a", "leap", "of", "faith", "“Early", "Help”", "’s", "£2m", "🙂", "Zoë", "—"])
SPACE = st.sampled_from([" ", "  ", "\n", "\r\n", "\t", " \n "])


@st.composite
def texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(WORDS, min_size=1, max_size=25))
    return "".join(w + draw(SPACE) for w in words).rstrip() if draw(st.booleans()) else " ".join(words)


@settings(max_examples=200, deadline=None)
@given(texts(), st.data())
def test_positions_find_quote_finds_any_passage_retyped_with_other_spaces_and_quotes(text, data):
    words = text.split()
    i = data.draw(st.integers(0, len(words) - 1))
    j = data.draw(st.integers(i + 1, len(words)))
    # the analyst retypes the passage: one space between words, straight quotes
    quote = " ".join(words[i:j]).translate(str.maketrans("“”’", "\"\"'"))
    places = find_quote(text, quote)
    assert places, (text, quote)
    for a, b in places:
        # every place slices back to the passage as written, and folds to the quote
        assert fold_text(text[a:b]) == fold_text(quote)
        assert text[a:b] == text[a:b].strip()
    assert places == sorted(set(places))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \n\t“”‘’'\"é🙂")), max_size=60))
def test_positions_fold_maps_every_character_back(text):
    folded, where = fold(text)
    assert len(folded) == len(where)
    assert where == sorted(set(where))
    for ch, i in zip(folded, where):
        assert ch == " " if text[i].isspace() else ch == text[i].translate(str.maketrans("“”‘’", "\"\"''"))
    assert "  " not in folded


@settings(max_examples=100, deadline=None)
@given(texts(), texts(), texts())
def test_positions_find_quote_prefix_and_suffix_only_choose_among_places(before, quote, after):
    text = f"{before} {quote} {after} {quote}"
    everywhere = find_quote(text, quote)
    assert len(everywhere) >= 2
    chosen = find_quote(text, quote, prefix=after)
    assert set(chosen) <= set(everywhere)
    assert everywhere[-1] in chosen


@pytest.mark.parametrize("quote", ["", "   ", "\n"])
def test_positions_find_quote_empty_quote_finds_nothing(quote):
    assert find_quote(DOC.text, quote) == []


def test_positions_nearest_passages_best_first_and_none_when_nothing_is_close():
    segs = sentences(DOC)
    near = nearest_passages(segs, "We were willing to jump of the cliff")
    assert near[0].text == "We were willing to jump off that cliff."
    assert nearest_passages(segs, "zzzz qqqq xxxx") == []
    assert len(nearest_passages(segs, "We work with partners", limit=2)) == 2


@pytest.mark.parametrize("text,n,expected", [("a  b\nc", 90, "a b c"), ("abcdef", 4, "abc…"), ("Zoë 🙂", 5, "Zoë 🙂")])
def test_positions_clip(text, n, expected):
    assert clip(text, n) == expected


# --------------------------------------------------------------------------------------------
# turns and units


def _two_turn_doc():
    text = "Q: Why — “now”?\n\nCE: We cut £3m. It hurt 😬. Then we grew.\n"
    body = "We cut £3m. It hurt 😬. Then we grew."
    turns = (
        Turn(0, "Q", "", 3, 15, "Why — “now”?", True),
        Turn(1, "CE", "", text.index(body), text.index(body) + len(body), body),
    )
    return Document("d", "d.md", text, "c", {}, turns)


def test_positions_overlapping_spans_and_empty_spans():
    doc = _two_turn_doc()
    segs = sentences(doc)
    assert [s.text for s in segs] == ["Why — “now”?", "We cut £3m.", "It hurt 😬.", "Then we grew."]
    cut, hurt = segs[1], segs[2]
    # a span from inside one sentence into the next takes both, in order
    assert overlapping(segs, cut.end - 2, hurt.start + 1) == [cut, hurt]
    # the white space between them belongs to neither
    assert overlapping(segs, cut.end, hurt.start) == []
    # an empty span counts for the sentence it sits in, its first character included
    assert overlapping(segs, hurt.start, hurt.start) == [hurt]
    assert overlapping(segs, hurt.start + 3, hurt.start + 3) == [hurt]
    assert overlapping(segs, cut.end, cut.end) == []
    # a document's turns have offsets too
    assert overlapping(doc.turns, 0, len(doc.text)) == list(doc.turns)
    assert overlapping((), 0, 5) == []


@settings(max_examples=200, deadline=None)
@given(st.integers(-2, 60), st.integers(-2, 60))
def test_positions_overlapping_matches_a_scan_of_every_segment(start, end):
    segs = sentences(_two_turn_doc())
    stop = max(end, start + 1)  # the documented rule for an empty span
    assert overlapping(segs, start, end) == [s for s in segs if s.start < stop and s.end > start]


SPANS = st.lists(st.tuples(st.integers(0, 5), st.integers(1, 6)), max_size=8)


def _spans(gaps_and_lengths: list[tuple[int, int]]) -> list[Turn]:
    """Sorted, non-overlapping turns from (gap before, length) pairs."""
    out, pos = [], 0
    for i, (gap, length) in enumerate(gaps_and_lengths):
        pos += gap
        out.append(Turn(i, "S", "", pos, pos + length, "x" * length))
        pos += length
    return out


@settings(max_examples=200, deadline=None)
@given(SPANS, st.integers(-2, 70))
def test_positions_turn_at_matches_a_scan(pairs, pos):
    turns = _spans(pairs)
    assert turn_at(turns, pos) == next((t for t in turns if t.start <= pos < t.end), None)


@settings(max_examples=200, deadline=None)
@given(SPANS, st.integers(-2, 70), st.integers(0, 10))
def test_positions_turn_of_span_is_the_turn_at_its_start_else_the_next_it_reaches(pairs, start, length):
    turns = _spans(pairs)
    end = start + length
    got = turn_of_span(turns, start, end)
    held = turn_at(turns, start)
    if held is not None:
        assert got == held
        return
    # between turns: the next turn the span reaches, else the turn an empty span sits at the end of
    nxt = next((t for t in turns if t.start > start), None)
    prev = next((t for t in reversed(turns) if t.start <= start), None)
    expected = nxt if nxt is not None and nxt.start < end else (
        prev if prev is not None and start == end == prev.end else None)
    assert got == expected


@settings(max_examples=200, deadline=None)
@given(SPANS, st.integers(-2, 70), st.integers(-2, 70))
def test_positions_overlapping_inside_rule_matches_a_scan(pairs, start, end):
    turns = _spans(pairs)
    # the rule overrides keep: an empty span covers only what it falls strictly inside
    assert overlapping(turns, start, end, empty="inside") == [t for t in turns if t.start < end and t.end > start]


@settings(max_examples=200, deadline=None)
@given(SPANS, st.integers(-2, 70), st.integers(0, 10))
def test_positions_containing_is_the_unit_holding_the_whole_span(pairs, start, length):
    turns = _spans(pairs)
    got = containing(turns, start, start + length)
    assert got == next((t for t in turns if t.start <= start and start + length <= t.end), None)
    if got is not None:
        assert overlapping(turns, start, start + length) == [got] or length == 0


# --------------------------------------------------------------------------------------------
# the immutable mapping


@given(st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=5))
def test_positions_frozenmap_is_read_only_picklable_and_hashable(data):
    m = FrozenMap(data)
    assert pickle.loads(pickle.dumps(m)) == m == data
    assert hash(m) == hash(FrozenMap(dict(data)))
    for change in (lambda: m.__setitem__("k", "v"), lambda: m.update({}), m.clear, lambda: m.pop("k", None),
                   lambda: m.setdefault("k"), m.popitem, lambda: m.__delitem__("k")):
        with pytest.raises(TypeError, match="read-only"):
            change()
    assert dict(m) == data


def test_positions_frozenmap_is_the_one_transcripts_and_codebook_use():
    import casecoder.codebook
    import casecoder.transcripts

    assert casecoder.transcripts.FrozenMap is FrozenMap
    assert casecoder.codebook.FrozenMap is FrozenMap
