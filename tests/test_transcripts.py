"""Tests of the transcript reader on realistic transcripts written here."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecoder.errors import TranscriptError
from casecoder.transcripts import (
    TranscriptWarning,
    find_transcripts,
    iter_corpus,
    load_cases,
    read_corpus,
    read_document,
)

INTERVIEW = """\
---
case: oldham
council_type: metropolitan
interview_date: 2015-10-07
interviewees: [Chief Executive, Director]
---
Notes of a group interview, reconstructed for testing.

# What are the innovations you are most proud of?

Interviewer: Tell me about the home care company.

[00:12:34] Chief Executive: We set up a council-owned company — it cost £2m [inaudible] to start.

It's early days, but the “early help” offer is working.

## Leadership actions

Q: Which actions mattered most?

**Director:** Reframing the problem. [crosstalk] And resourcing it properly.
R1: (12:40) I'd add the pace.
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def assert_offsets(doc):
    for turn in doc.turns:
        assert doc.text[turn.start : turn.end] == turn.text
        assert turn.text == turn.text.strip() and turn.text


@pytest.mark.parametrize("suffix", [".md", ".txt"])
def test_transcripts_labels_sections_continuations(tmp_path, suffix):
    doc = read_document(write(tmp_path, f"oldham-1{suffix}", INTERVIEW))
    assert doc.id == "oldham-1"
    assert doc.case == "oldham"
    assert doc.metadata["council_type"] == "metropolitan"
    assert doc.metadata["interview_date"] == "2015-10-07"
    assert doc.metadata["interviewees"] == ("Chief Executive", "Director")
    speakers = [t.speaker for t in doc.turns]
    assert speakers == ["", "Interviewer", "Chief Executive", "Chief Executive", "Q", "Director", "R1"]
    assert [t.interviewer for t in doc.turns] == [False, True, False, False, True, False, False]
    assert doc.turns[0].section == ""
    assert doc.turns[2].section == "What are the innovations you are most proud of?"
    assert doc.turns[4].section == "Leadership actions"
    assert doc.turns[2].text.startswith("We set up a council-owned company — it cost £2m [inaudible]")
    assert doc.turns[2].metadata["timestamp"] == "00:12:34"
    assert doc.turns[3].text == "It's early days, but the “early help” offer is working."
    assert doc.turns[5].text == "Reframing the problem. [crosstalk] And resourcing it properly."
    assert "---" not in doc.text and "council_type" not in doc.text
    assert_offsets(doc)


def test_transcripts_crlf_and_bom_normalised(tmp_path):
    raw = "\ufeff" + INTERVIEW.replace("\n", "\r\n")
    doc = read_document(write(tmp_path, "crlf.txt", raw))
    plain = read_document(write(tmp_path, "plain.txt", INTERVIEW))
    assert "\r" not in doc.text and not doc.text.startswith("\ufeff")
    assert doc.text == plain.text
    assert [(t.start, t.end, t.speaker) for t in doc.turns] == [(t.start, t.end, t.speaker) for t in plain.turns]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig"])
def test_transcripts_utf16_and_bom_files(tmp_path, encoding):
    text = INTERVIEW if encoding != "utf-16-le" else INTERVIEW  # LE without BOM is detected too
    doc = read_document(write(tmp_path, "word.txt", text.replace("\n", "\r\n"), encoding))
    assert doc.case == "oldham"
    assert "£2m" in doc.text and "“early help”" in doc.text
    assert_offsets(doc)


def test_transcripts_cp1252_decoded_with_warning_naming_file(tmp_path):
    text = "---\ncase: wigan\n---\nDirector: It cost £5 – “roughly”.\n"
    path = write(tmp_path, "legacy.txt", text, "cp1252")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = read_document(path)
    assert doc.turns[0].text == "It cost £5 – “roughly”."
    messages = [w.message for w in caught if isinstance(w.message, TranscriptWarning)]
    assert messages and "legacy.txt" in str(messages[0]) and messages[0].problem.code == "E011"


def test_transcripts_docx_headings_and_labels(tmp_path):
    docx = pytest.importorskip("docx")
    word = docx.Document()
    word.add_heading("Innovations", level=1)
    word.add_paragraph("Interviewer: What is new?")
    word.add_paragraph("Chief Executive: A joint venture to build homes — £3m a year saved.")
    word.add_paragraph("And a library.")
    word.add_heading("Challenges", level=2)
    word.add_paragraph("Director: Capacity.")
    path = tmp_path / "surrey.docx"
    word.save(path)
    doc = read_document(path, cases={"surrey": {"case": "surrey", "council_type": "county"}})
    assert doc.case == "surrey" and doc.metadata["council_type"] == "county"
    assert [(t.speaker, t.section) for t in doc.turns] == [
        ("Interviewer", "Innovations"),
        ("Chief Executive", "Innovations"),
        ("Chief Executive", "Innovations"),
        ("Director", "Challenges"),
    ]
    assert doc.turns[1].text == "A joint venture to build homes — £3m a year saved."
    assert_offsets(doc)


VTT = """\
WEBVTT

NOTE exported by a meeting tool

1
00:00:01.000 --> 00:00:04.000
<v Interviewer>What did you change first?</v>

2
00:00:04.500 --> 00:00:07.000
<v Chief Executive>We listened to staff.</v>

3
00:00:07.000 --> 00:00:09.250
<v Chief Executive>Hundreds of sessions — face to face.</v>

00:00:10.000 --> 00:00:11.000
Director: And we kept going 🚀.
"""


def test_transcripts_vtt_voices_merge_consecutive_cues(tmp_path):
    path = write(tmp_path, "call.vtt", VTT)
    doc = read_document(path, cases={"call": {"case": "wigan"}})
    assert [t.speaker for t in doc.turns] == ["Interviewer", "Chief Executive", "Director"]
    ce = doc.turns[1]
    assert ce.text == "We listened to staff. Hundreds of sessions — face to face."
    assert ce.metadata["cue_start"] == "00:00:04.500" and ce.metadata["cue_end"] == "00:00:09.250"
    assert ce.metadata["cues"] == "2"
    assert doc.turns[2].text == "And we kept going 🚀."
    assert doc.turns[0].interviewer
    assert_offsets(doc)


def test_transcripts_cases_csv_supplies_case_and_attributes(tmp_path):
    write(tmp_path, "a.txt", "Director: Hello there.\n")
    write(tmp_path, "b.md", "---\ncase: bristol\n---\nManager: Hi.\n")
    write(tmp_path, "cases.csv", "file,case,council_type\na.txt,oldham,metropolitan\n")
    docs = read_corpus(tmp_path)
    assert [(d.id, d.case) for d in docs] == [("a", "oldham"), ("b", "bristol")]
    assert docs[0].metadata["council_type"] == "metropolitan"
    assert [d.id for d in iter_corpus([tmp_path])] == ["a", "b"]


def test_transcripts_documents_pickle_for_worker_processes(tmp_path):
    doc = read_document(write(tmp_path, "o.md", INTERVIEW))
    assert pickle.loads(pickle.dumps(doc)) == doc
    with pytest.raises(TypeError):
        doc.metadata["council"] = "x"  # type: ignore[index]


# --- bad input: a clear problem naming the file, never a traceback ---------------------------

@pytest.mark.parametrize(
    ("name", "content", "code", "line"),
    [
        ("empty.txt", b"", "E003", None),
        ("blank.md", b"  \n\n", "E003", None),
        ("report.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "E004", None),
        ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "E004", None),
        ("bad-yaml.md", b"---\ncase: [oldham\n---\nDirector: Hi.\n", "E005", 3),
        ("list-yaml.md", b"---\n- a\n- b\n---\nDirector: Hi.\n", "E006", 2),
        ("unclosed.md", b"---\ncase: oldham\nDirector: Hi.\n", "E007", 1),
        ("nocase.md", b"Director: Hi.\n", "E008", None),
        ("notes.rtf", b"{\\rtf1 hello}", "E009", None),
        ("headings-only.md", b"---\ncase: x\n---\n# Only a heading\n", "E016", None),
    ],
)
def test_transcripts_bad_input_names_file(tmp_path, name, content, code, line):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(TranscriptError) as info:
        read_document(path)
    (prob,) = info.value.problems
    assert prob.code == code
    assert prob.path == str(path)
    assert prob.line == line
    assert name in str(prob)


def test_transcripts_missing_file_and_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(TranscriptError) as info:
        find_transcripts([tmp_path / "missing.md", tmp_path / "empty"])
    assert [p.code for p in info.value.problems] == ["E001", "E002"]
    assert "missing.md" in str(info.value.problems[0])


def test_transcripts_read_corpus_reports_every_bad_file(tmp_path):
    write(tmp_path, "good.md", "---\ncase: a\n---\nDirector: Fine.\n")
    write(tmp_path, "bad1.md", "Director: no case\n")
    (tmp_path / "bad2.txt").write_bytes(b"")
    with pytest.raises(TranscriptError) as info:
        read_corpus(tmp_path)
    assert sorted(Path(p.path).name for p in info.value.problems) == ["bad1.md", "bad2.txt"]


def test_transcripts_duplicate_ids_rejected(tmp_path):
    (tmp_path / "x").mkdir()
    write(tmp_path, "a.md", "---\ncase: a\n---\nDirector: One.\n")
    write(tmp_path / "x", "a.txt", "---\ncase: a\n---\nDirector: Two.\n")
    with pytest.raises(TranscriptError) as info:
        read_corpus(tmp_path)
    assert info.value.problems[0].code == "E015"


def test_transcripts_cases_csv_errors_name_line(tmp_path):
    write(tmp_path, "cases.csv", "file,case\na.txt,oldham\nb.txt,\n")
    with pytest.raises(TranscriptError) as info:
        load_cases(tmp_path / "cases.csv")
    assert info.value.problems[0].line == 3


# --- property: offsets always slice back to the turn text ------------------------------------

_words = st.sampled_from(
    ["We", "set", "up", "a", "joint", "venture", "—", "£2m", "“risk”", "café", "🚀", "[inaudible]",
     "(12:34)", "and", "Partners:", "e.g.", "U.S.", "it's", "**bold**", "#hash", "-"]
)
_sentence = st.lists(_words, min_size=1, max_size=12).map(" ".join)
_label = st.sampled_from(["", "Interviewer: ", "Chief Executive: ", "Q: ", "R1: ", "**Director:** ", "[00:01:02] Manager: "])
_para = st.tuples(_label, st.lists(_sentence, min_size=1, max_size=3).map("\n".join)).map("".join)
_block = st.one_of(_para, _para, _para, st.sampled_from(["# Section one", "## Section two"]))


@settings(max_examples=150, deadline=None)
@given(
    blocks=st.lists(_block, min_size=1, max_size=12),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
    gap=st.sampled_from(["\n\n", "\n \n", "\n\n\n"]),
)
def test_transcripts_offsets_slice_back_property(tmp_path_factory, blocks, newline, bom, gap):
    body = gap.join(blocks)
    raw = ("\ufeff" if bom else "") + ("---\ncase: x\n---\n" + body + "\n").replace("\n", newline)
    path = tmp_path_factory.mktemp("prop") / "t.md"
    path.write_text(raw, encoding="utf-8", newline="")
    try:
        doc = read_document(path)
    except TranscriptError as exc:
        # Only a transcript of headings alone may have no turns.
        assert exc.problems[0].code == "E016"
        return
    assert "\r" not in doc.text
    assert_offsets(doc)
    assert [t.index for t in doc.turns] == list(range(len(doc.turns)))
    starts = [t.start for t in doc.turns]
    assert starts == sorted(starts)


def test_transcripts_document_from_text_normalises_and_finds_turns():
    from casecoder.transcripts import document_from_text

    doc = document_from_text("src-1", "\ufeff# Q1\r\n\r\nManager: We share services — £1m.\r\n", case="x", metadata={"k": "v"})
    assert doc.text == "# Q1\n\nManager: We share services — £1m.\n"
    (turn,) = doc.turns
    assert (turn.speaker, turn.section, turn.text) == ("Manager", "Q1", "We share services — £1m.")
    assert doc.metadata["k"] == "v"
    with pytest.raises(TranscriptError):
        document_from_text("empty", "# only a heading\n", case="x")


# --- what a research team hands us (interviewers named, entities, lock files, cases) ----------

ZOOM = """\
WEBVTT

1
00:00:01.000 --> 00:00:03.000
<v Ruth Adeyemi>Did you work with partners &amp; residents?</v>

2
00:00:03.500 --> 00:00:06.000
<v O&apos;Neil&nbsp;Director>We didn&apos;t wait: it&#39;s &lt;weeks&gt;, not years.</v>
"""


def test_transcripts_vtt_entities_decoded_in_speakers_and_text(tmp_path):
    doc = read_document(write(tmp_path, "call.vtt", ZOOM), cases={"call": {"case": "x"}})
    assert [t.speaker for t in doc.turns] == ["Ruth Adeyemi", "O'Neil Director"]
    assert doc.turns[0].text == "Did you work with partners & residents?"
    assert doc.turns[1].text == "We didn't wait: it's <weeks>, not years."
    assert "&" + "amp;" not in doc.text and "\u00a0" not in doc.text
    assert_offsets(doc)


def test_transcripts_named_interviewer_declared_three_ways(tmp_path):
    vtt = write(tmp_path, "call.vtt", ZOOM)
    # Not declared: a named interviewer is an ordinary speaker.
    plain = read_document(vtt, cases={"call": {"case": "x"}})
    assert [t.interviewer for t in plain.turns] == [False, False]
    # For the whole study (a command-line option passes this).
    study = read_document(vtt, cases={"call": {"case": "x"}}, interviewers=["ruth adeyemi"])
    assert [t.interviewer for t in study.turns] == [True, False]
    # In cases.csv, per document (VTT files have no front matter).
    write(tmp_path, "cases.csv", "file,case,interviewer\ncall.vtt,wigan,Someone Else; Ruth Adeyemi\n")
    (doc,) = read_corpus(tmp_path)
    assert [t.interviewer for t in doc.turns] == [True, False]
    assert "interviewer" not in doc.metadata  # a declaration, not a case attribute
    # In front matter, a name or a list.
    (tmp_path / "md").mkdir()
    md = write(tmp_path / "md", "a.md", "---\ncase: x\ninterviewer: [Sam Lee]\n---\n"
               "Sam Lee: What changed?\n\nDirector: We changed.\n")
    assert [t.interviewer for t in read_document(md).turns] == [True, False]


def test_transcripts_bad_interviewer_declaration_named(tmp_path):
    md = write(tmp_path, "a.md", "---\ncase: x\ninterviewer: {name: Sam}\n---\nSam: Hi.\n")
    with pytest.raises(TranscriptError) as info:
        read_document(md)
    (p,) = info.value.problems
    assert p.code == "E018" and p.field == "interviewer" and p.path == str(md)


def test_transcripts_word_lock_file_skipped_with_a_note(tmp_path):
    write(tmp_path, "a.md", "---\ncase: x\n---\nDirector: Hello.\n")
    (tmp_path / "~$a.docx").write_bytes(b"\x00lock")
    with pytest.warns(TranscriptWarning) as caught:
        found = find_transcripts([tmp_path])
    assert [f.name for f in found] == ["a.md"]
    assert [w.message.problem.code for w in caught] == ["E017"]
    assert caught[0].message.problem.path.endswith("~$a.docx")


def test_transcripts_case_conflict_and_unmatched_cases_row(tmp_path):
    write(tmp_path, "a.md", "---\ncase: bristol\n---\nDirector: Hello.\n")
    write(tmp_path, "b.md", "---\ncase: bath\n---\nDirector: Hello.\n")
    write(tmp_path, "cases.csv", "file,case\na.md,oldham\nb.md,bath\nmissing.docx,wigan\n")
    with pytest.raises(TranscriptError) as info:
        read_corpus(tmp_path)
    assert [(p.code, Path(p.path).name) for p in info.value.problems] == [("E019", "a.md")]
    write(tmp_path, "cases.csv", "file,case\na.md,bristol\nmissing.docx,wigan\n")
    with pytest.warns(TranscriptWarning) as caught:
        docs = read_corpus(tmp_path)
    assert [d.case for d in docs] == ["bristol", "bath"]
    assert [(w.message.problem.code, "missing" in str(w.message)) for w in caught] == [("E020", True)]


def test_transcripts_warning_pickles_with_its_problem(tmp_path):
    write(tmp_path, "a.md", "---\ncase: x\n---\nDirector: caf\xe9.\n", encoding="cp1252")
    with pytest.warns(TranscriptWarning) as caught:
        read_corpus(tmp_path)
    back = pickle.loads(pickle.dumps(caught[0].message))
    assert back.problem == caught[0].message.problem and back.problem.code == "E011"
