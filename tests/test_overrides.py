"""Analysts' overrides: anchoring, every failing entry reported, applying, appending."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from casecoder.codebook import load_codebook
from casecoder.errors import OverridesError
from casecoder.overrides import (
    OverridesWarning,
    analyst_file,
    OverrideEntry,
    Overrides,
    add_override,
    apply_overrides,
    load_overrides,
    resolve_overrides,
)
from casecoder.positions import find_quote
from casecoder.schema import CODINGS_COLUMNS, normalise_codings
from casecoder.segments import sentences
from casecoder.transcripts import Document, Turn

ROOT = Path(__file__).resolve().parents[1]
BOOK = load_codebook(ROOT / "codebook.yaml", validate_patterns=False)


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


def auto_row(doc: Document, seg_index: int, code: str) -> dict:
    seg = sentences(doc)[seg_index]
    turn = doc.turns[seg.turn]
    return {"document": doc.id, "case": doc.case, "section": turn.section, "turn": seg.turn,
            "speaker": turn.speaker, "segment": seg.index, "start": seg.start, "end": seg.end,
            "text": seg.text, "code": code, "rule": "phrase:x", "source": "auto", "analyst": "casecoder",
            "status": "coded", "reason": "", "note": ""}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# loading


def test_overrides_load_reads_entries_with_their_lines(tmp_path):
    p = write(tmp_path / "alice.yaml", """\
# my corrections
analyst: alice
overrides:
  - action: remove
    document: oldham
    code: considered_risk
    quote: yes
    note: not risk-taking — a “safeguarding” sense
  - action: add
    document: oldham
    code: partnerships
    quote: "We work with partners"
    suffix: again
    note: partnership working
""")
    ov = load_overrides(p, codebook=BOOK)
    assert isinstance(ov, Overrides) and ov.analyst == "alice" and ov.path == str(p)
    assert [e.line for e in ov.entries] == [4, 9]
    # a plain YAML scalar is kept as written, not turned into a boolean
    assert ov.entries[0].quote == "yes"
    assert ov.entries[0].note == "not risk-taking — a “safeguarding” sense"
    assert ov.entries[1].suffix == "again" and ov.entries[1].prefix == ""


def test_overrides_load_reports_every_problem_with_its_line(tmp_path):
    p = write(tmp_path / "bob.yaml", """\
analyst: bob
overrides:
  - action: add
    document: oldham
    code: no_such_code
    quote: We took a leap
    note: x
  - action: delete
    document: oldham
    code: partnerships
    quote: We work
    note: y
  - action: add
    document: oldham
    code: partnerships
    quote: We work
    colour: red
  - just a string
""")
    with pytest.raises(OverridesError) as info:
        load_overrides(p, codebook=BOOK)
    found = {(pr.code, pr.line) for pr in info.value.problems}
    assert {("E407", 3), ("E406", 8), ("E404", 17), ("E405", 13), ("E403", 18)} <= found
    assert all(pr.path == str(p) for pr in info.value.problems)


@pytest.mark.parametrize("text,code", [
    ("analyst: a\noverrides: [\n", "E402"),
    ("- a list\n", "E403"),
    ("overrides: []\n", "E405"),
    ("analyst: a\noverrides: 3\n", "E403"),
])
def test_overrides_load_rejects_malformed_files(tmp_path, text, code):
    with pytest.raises(OverridesError) as info:
        load_overrides(write(tmp_path / "x.yaml", text))
    assert code in {pr.code for pr in info.value.problems}


def test_overrides_load_missing_file(tmp_path):
    with pytest.raises(OverridesError) as info:
        load_overrides(tmp_path / "nobody.yaml")
    assert info.value.problems[0].code == "E401"


# --------------------------------------------------------------------------------------------
# resolving


def test_overrides_resolve_lists_every_failing_entry_with_file_line_and_candidates(tmp_path):
    a = write(tmp_path / "alice.yaml", """\
analyst: alice
overrides:
  - {action: add, document: oldham, code: partnerships, quote: We work with partners in new ways, note: ambiguous}
  - {action: add, document: oldham, code: considered_risk, quote: We were willing to jump off that cliff, note: fine}
""")
    b = write(tmp_path / "bob.yaml", """\
analyst: bob
overrides:
  - action: remove
    document: oldham
    code: considered_risk
    quote: We were willing to jump off a cliff
    note: stale
  - action: add
    document: oldam
    code: partnerships
    quote: anything
    note: typo in the document id
""")
    with pytest.raises(OverridesError) as info:
        resolve_overrides([load_overrides(a), load_overrides(b)], [DOC])
    by_code = {pr.code: pr for pr in info.value.problems}
    assert set(by_code) == {"E408", "E409", "E410"}
    assert (by_code["E410"].path, by_code["E410"].line) == (str(a), 3)
    assert "2 places" in by_code["E410"].message
    assert (by_code["E409"].path, by_code["E409"].line) == (str(b), 3)
    assert "We were willing to jump off that cliff." in by_code["E409"].message  # nearest sentence
    assert (by_code["E408"].path, by_code["E408"].line) == (str(b), 8)
    assert "oldham" in by_code["E408"].message  # did you mean


def test_overrides_resolve_refuses_two_files_for_one_analyst(tmp_path):
    text = "analyst: alice\noverrides: []\n"
    files = [load_overrides(write(tmp_path / n, text)) for n in ("a.yaml", "b.yaml")]
    with pytest.raises(OverridesError) as info:
        resolve_overrides(files, [DOC])
    assert info.value.problems[0].code == "E416"


@st.composite
def edited_documents(draw):
    """A document, a unique sentence in it, and the same document edited elsewhere."""
    word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéü£—", min_size=1, max_size=8)
    # ends on a fixed word: the segmenter rightly keeps "a." or "no." inside a sentence
    sentence = st.lists(word, min_size=2, max_size=8).map(lambda ws: " ".join(ws).capitalize() + " today.")
    turns = draw(st.lists(st.lists(sentence, min_size=1, max_size=3).map(" ".join), min_size=2, max_size=5))
    target_turn = draw(st.integers(0, len(turns) - 1))
    quote = "We took a considered risk on “Early Help”."
    turns[target_turn] = turns[target_turn] + " " + quote
    other = draw(st.integers(0, len(turns) - 1).filter(lambda i: i != target_turn))
    inserted = draw(sentence)
    edited = list(turns)
    edited[other] = inserted + " " + edited[other] if draw(st.booleans()) else edited[other] + " " + inserted
    spaces = draw(st.lists(st.sampled_from([" ", "  ", "\n", "\r\n", "\t", " \n "]), min_size=7, max_size=7))
    words = quote.split(" ")
    mangled = words[0] + "".join(s + w for s, w in zip(spaces, words[1:]))
    as_doc = lambda ts: make_doc("d", [("Manager", t) for t in ts])  # noqa: E731
    return as_doc(turns), as_doc(edited), quote, mangled


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_documents())
def test_overrides_survive_edits_elsewhere_and_whitespace_changes(case):
    before, after, quote, mangled = case
    assume(len(find_quote(after.text, quote)) == 1)
    entry = OverrideEntry("add", "d", "considered_risk", mangled, "a leap of faith", line=1)
    ov = Overrides("alice", "alice.yaml", (entry,))
    for doc in (before, after):
        (r,) = resolve_overrides(ov, [doc])
        assert doc.text[r.start:r.end] == quote
        codings = apply_overrides(normalise_codings(pd.DataFrame(columns=list(CODINGS_COLUMNS))), [doc], [ov], BOOK)
        assert codings["text"].tolist() == [quote]


# --------------------------------------------------------------------------------------------
# applying


def test_overrides_apply_removal_excludes_auto_codings_and_keeps_them(tmp_path):
    codings = pd.DataFrame([auto_row(DOC, 7, "considered_risk"), auto_row(DOC, 2, "considered_risk"),
                            auto_row(DOC, 7, "innovative_culture")])
    p = write(tmp_path / "alice.yaml", """\
analyst: alice
overrides:
  - action: remove
    document: oldham
    code: considered_risk
    quote: never took risks
    note: "negated: no risk was taken"
""")
    out = apply_overrides(codings, [DOC], [load_overrides(p, codebook=BOOK)], BOOK)
    assert len(out) == 3
    seg7 = sentences(DOC)[7]
    removed = out[(out["code"] == "considered_risk") & (out["start"] == seg7.start)].iloc[0]
    assert (removed["status"], removed["reason"], removed["note"]) == ("excluded", "removed_by:alice", "negated: no risk was taken")
    others = out[~((out["code"] == "considered_risk") & (out["start"] == seg7.start))]
    assert set(others["status"]) == {"coded"}  # other code, other sentence: untouched


def test_overrides_apply_addition_codes_every_sentence_the_quote_covers(tmp_path):
    p = write(tmp_path / "alice.yaml", """\
analyst: alice
overrides:
  - action: add
    document: oldham
    code: considered_risk
    quote: "offer. We were willing"
    note: leap of faith
""")
    out = apply_overrides(pd.DataFrame([auto_row(DOC, 1, "considered_risk")]), [DOC], [load_overrides(p)], BOOK)
    manual = out[out["source"] == "manual"]
    segs = sentences(DOC)
    assert manual["segment"].tolist() == [1, 2]
    assert manual["text"].tolist() == [segs[1].text, segs[2].text]
    assert set(manual["analyst"]) == {"alice"} and set(manual["rule"]) == {"override"}
    assert set(manual["note"]) == {"leap of faith"} and set(manual["speaker"]) == {"Chief Executive"}
    assert len(out[out["source"] == "auto"]) == 1  # the auto coding stays beside the manual one
    # applying again adds nothing
    again = apply_overrides(out, [DOC], [load_overrides(p)], BOOK)
    pd.testing.assert_frame_equal(again, out)


def test_overrides_apply_unknown_code_is_an_error(tmp_path):
    ov = Overrides("alice", "a.yaml", (OverrideEntry("add", "oldham", "risk", "We took", "x", line=4),))
    with pytest.raises(OverridesError) as info:
        apply_overrides(pd.DataFrame([auto_row(DOC, 1, "partnerships")]), [DOC], [ov], BOOK)
    assert (info.value.problems[0].code, info.value.problems[0].line) == ("E407", 4)


# --------------------------------------------------------------------------------------------
# appending


ENTRY = OverrideEntry("add", "oldham", "considered_risk", "We were willing to jump off that cliff.",
                      "a leap of faith — “knowingly” taken")


def test_overrides_add_creates_a_file_that_reads_back(tmp_path):
    p = tmp_path / "overrides" / "alice.yaml"
    got = add_override(p, ENTRY, [DOC], analyst="alice", codebook=BOOK)
    assert DOC.text[got.start:got.end] == ENTRY.quote
    ov = load_overrides(p, codebook=BOOK)
    assert ov.analyst == "alice"
    assert ov.entries == (OverrideEntry(**{**ENTRY.__dict__, "line": got.entry.line}),)


@pytest.mark.parametrize("existing", [
    "# alice's corrections — keep this comment\nanalyst: alice\noverrides:\n"
    "  - action: remove   # why: other sense\n    document: oldham\n    code: considered_risk\n"
    "    quote: never took risks\n    note: negated\n  # trailing comment\n",
    "analyst: alice\r\noverrides:\r\n    -   action: remove\r\n        document: oldham\r\n"
    "        code: considered_risk\r\n        quote: never took risks\r\n        note: negated",
    "analyst: alice\noverrides: []\n# end\n",
    "analyst: alice\noverrides:\n",
    "analyst: alice\n",
])
def test_overrides_add_appends_text_and_keeps_the_file(tmp_path, existing):
    p = tmp_path / "alice.yaml"
    p.write_bytes(existing.encode("utf-8"))
    before = [e for e in load_overrides(p).entries] if "overrides:" in existing else []
    add_override(p, ENTRY, [DOC], codebook=BOOK)
    text = p.read_bytes().decode("utf-8")
    for line in existing.splitlines():
        if "overrides: []" not in line:
            assert line in text  # nothing of the old file is lost, comments included
    after = load_overrides(p).entries
    assert [(e.action, e.quote) for e in after] == [(e.action, e.quote) for e in before] + [("add", ENTRY.quote)]


def test_overrides_add_refuses_bad_entries_without_writing(tmp_path):
    p = tmp_path / "alice.yaml"
    stale = OverrideEntry("add", "oldham", "considered_risk", "We jumped off no cliff", "x")
    for entry, code in [(stale, "E409"), (OverrideEntry("add", "nowhere", "partnerships", "x", "y"), "E408"),
                        (OverrideEntry("add", "oldham", "partnership", "We took", "y"), "E407"),
                        (OverrideEntry("add", "oldham", "partnerships", "We took", " "), "E411")]:
        with pytest.raises(OverridesError) as info:
            add_override(p, entry, [DOC], analyst="alice", codebook=BOOK)
        assert info.value.problems[0].code == code
        assert not p.exists()
    add_override(p, ENTRY, [DOC], analyst="alice", codebook=BOOK)
    snapshot = p.read_bytes()
    for kwargs, code in [({"analyst": "bob"}, "E413"), ({}, "E415")]:  # another analyst; a duplicate
        with pytest.raises(OverridesError) as info:
            add_override(p, ENTRY, [DOC], codebook=BOOK, **kwargs)
        assert info.value.problems[0].code == code
    assert p.read_bytes() == snapshot


text_st = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(quote=text_st.filter(lambda s: s.strip()), note=text_st.filter(lambda s: s.strip()))
def test_overrides_add_round_trips_any_text(tmp_path_factory, quote, note):
    doc = make_doc("d", [("Manager", "Before. " + quote + " After.")])
    assume(len(find_quote(doc.text, quote)) == 1)
    p = tmp_path_factory.mktemp("ov") / "a.yaml"
    entry = OverrideEntry("add", "d", "partnerships", quote, note)
    add_override(p, entry, [doc], analyst="ann")
    (back,) = load_overrides(p).entries
    assert (back.quote, back.note) == (quote, note.strip())


# --------------------------------------------------------------------------------------------
# corrections that do nothing, corrections that contradict, names that are not names


def test_overrides_apply_warns_for_a_remove_that_removes_nothing(tmp_path):
    p = write(tmp_path / "alice.yaml", """\
analyst: alice
overrides:
  - action: remove
    document: oldham
    code: partnerships
    quote: never took risks
    note: nothing to remove here
  - action: remove
    document: oldham
    code: considered_risk
    quote: never took risks
    note: "negated"
""")
    codings = pd.DataFrame([auto_row(DOC, 7, "considered_risk")])
    with pytest.warns(OverridesWarning) as caught:
        out = apply_overrides(codings, [DOC], [load_overrides(p, codebook=BOOK)], BOOK)
    assert [(w.message.problem.code, w.message.problem.line) for w in caught] == [("E419", 3)]
    assert "partnerships" in str(caught[0].message) and str(p) in str(caught[0].message)
    assert out["status"].tolist() == ["excluded"]  # the other entry still applied


def test_overrides_add_and_remove_of_one_code_on_one_passage_is_an_error(tmp_path):
    p = write(tmp_path / "alice.yaml", """\
analyst: alice
overrides:
  - action: add
    document: oldham
    code: considered_risk
    quote: jump off that cliff
    note: leap of faith
  - action: remove
    document: oldham
    code: considered_risk
    quote: We were willing to jump off
    note: not a risk
  - action: remove
    document: oldham
    code: partnerships
    quote: jump off that cliff
    note: "another code: no contradiction"
""")
    with pytest.raises(OverridesError) as info:
        resolve_overrides([load_overrides(p)], [DOC])
    (found,) = info.value.problems
    assert (found.code, found.line, found.path) == ("E418", 8, str(p))
    assert "lines 3 and 8" in str(found)
    # Two analysts disagreeing is not a contradiction: that is what `compare` is for.
    q = write(tmp_path / "bob.yaml", "analyst: bob\noverrides:\n  - action: remove\n    document: oldham\n"
              "    code: considered_risk\n    quote: jump off that cliff\n    note: no\n")
    alice = write(tmp_path / "alice2.yaml", "analyst: alice\noverrides:\n  - action: add\n    document: oldham\n"
                  "    code: considered_risk\n    quote: jump off that cliff\n    note: yes\n")
    assert len(resolve_overrides([load_overrides(alice), load_overrides(q)], [DOC])) == 2


def test_overrides_add_refuses_an_entry_that_undoes_one_of_the_files_own(tmp_path):
    p = tmp_path / "alice.yaml"
    add_override(p, ENTRY, [DOC], analyst="alice", codebook=BOOK)
    before = p.read_bytes()
    undo = OverrideEntry("remove", "oldham", "considered_risk", "willing to jump off", "changed my mind")
    with pytest.raises(OverridesError) as info:
        add_override(p, undo, [DOC], codebook=BOOK)
    assert [x.code for x in info.value.problems] == ["E418"]
    assert p.read_bytes() == before


@pytest.mark.parametrize("name", ["../../escaped", "J/Smith", "a\\b", ".hidden", "", "  ", "x" * 101, "tab\there"])
def test_overrides_analyst_names_that_are_not_file_names_are_refused(name):
    with pytest.raises(OverridesError) as info:
        analyst_file(name)
    assert [p.code for p in info.value.problems] == ["E417"]


@pytest.mark.parametrize("name", ["alice", "Zoë O'Neil", "J. Smith", "analyst_2", "陈静"])
def test_overrides_analyst_names_of_people_are_fine(name, tmp_path):
    assert analyst_file(name, tmp_path) == tmp_path / f"{name}.yaml"
