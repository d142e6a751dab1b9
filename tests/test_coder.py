"""Tests of the coder: equivalence with the reference spaCy pipeline, the precision rules, the
codebook's concept coverage on paraphrases, determinism, streaming output and bad input."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from casecoder.codebook import Codebook, load_codebook, parse_codebook
from casecoder.coder import (
    Coder,
    _sentence_matches,
    _sentence_spans,
    _tokenize,
    code_corpus,
    code_document,
    code_documents,
    compile_codebook,
)
from casecoder.errors import CoderError
from casecoder.nlp import get_nlp
from casecoder.schema import CODINGS_COLUMNS, write_codings
from casecoder.segments import sentences, split_sentences
from casecoder.transcripts import Document, Turn, read_corpus, read_document

from cli_data import write_transcript

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebook.yaml"
INTERVIEWS = ROOT / "data" / "interviews"

# A small codebook that uses every feature the coder supports: phrases, LEMMA and LOWER, IN and
# NOT_IN, two keys on one token, wildcards, and the operators ?, *, + and !.
TOY_CODEBOOK = """
codes:
  - id: risk
    label: Risk
    phrases: [appetite for risk, calculated risk, risky, co-design]
    patterns:
      - name: take_risk
        pattern: [{LEMMA: take}, {OP: "*"}, {LEMMA: risk}]
      - name: big_risks
        pattern: [{LOWER: {IN: [big, bold]}, OP: "+"}, {LEMMA: risk}]
      - name: not_children
        pattern: [{LEMMA: {NOT_IN: [child, family]}}, {LOWER: at}, {LEMMA: risk}]
      - name: no_and
        pattern: [{LEMMA: risk}, {LOWER: and, OP: "!"}, {LEMMA: {IN: [culture, partner]}}]
      - name: optional_start
        pattern: [{LOWER: very, OP: "?"}, {OP: "?"}, {LEMMA: appetite}]
    exclusions:
      - name: at_risk
        pattern: [{LOWER: at}, {LOWER: "-", OP: "?"}, {LEMMA: risk}]
  - id: partners
    label: Partners
    phrases: [partner, joint venture]
    patterns:
      - name: work_with
        pattern: [{LEMMA: work}, {LOWER: with}, {OP: "?"}, {OP: "?"}, {LEMMA: partner, LOWER: {NOT_IN: [partnering]}}]
    exclusions:
      - name: spouse
        phrases: [my partner]
"""


def _doc(text: str, *, interviewer: bool = False, doc_id: str = "d") -> Document:
    """A one-turn document (the reader's invariants hold: turn text is the document text)."""
    turn = Turn(index=0, speaker="Interviewer" if interviewer else "Manager", section="S",
                start=0, end=len(text), text=text, interviewer=interviewer)
    return Document(id=doc_id, path=f"{doc_id}.md", text=text, case="c", metadata={}, turns=(turn,))


# --- the reference pipeline -------------------------------------------------------------------


def _reference_matchers(codebook: Codebook) -> tuple[Matcher, PhraseMatcher]:
    """spaCy's Matcher and PhraseMatcher(LEMMA), rules keyed by their order in the coder."""
    nlp = get_nlp()
    matcher, phrases = Matcher(nlp.vocab), PhraseMatcher(nlp.vocab, attr="LEMMA")
    order = 0
    for code in codebook.codes:
        # The coder's order: phrases (those not also listed as mentions), mentions, patterns.
        marked = {m.lower() for m in code.mentions}
        items = [(p, None) for p in code.phrases if p.lower() not in marked] + [(p, None) for p in code.mentions]
        items += [(None, tp.tokens) for tp in code.patterns]
        for ex in code.exclusions:
            items += [(p, None) for p in ex.phrases]
            if ex.pattern is not None:
                items.append((None, ex.pattern.tokens))
        for phrase, tokens in items:
            key = str(order)
            order += 1
            if phrase is not None:
                phrases.add(key, [nlp(phrase)])
            else:
                lowered = [{k: (v.lower() if isinstance(v, str) and k != "OP" else v) for k, v in t.items()} for t in tokens]
                matcher.add(key, [lowered])
    return matcher, phrases


def _reference_matches(document: Document, matchers: tuple[Matcher, PhraseMatcher], code_interviewer: bool = True) -> set:
    """Matches of the straightforward pipeline: each sentence's tokens (the turn's tokens from
    spaCy's tokenizer, white space dropped) lemmatized by nlp.py, then Matcher/PhraseMatcher."""
    nlp = get_nlp()
    lemmatize = nlp.get_pipe("casecoder_lemmatizer")
    turns = {t.index: t for t in document.turns}
    out = set()
    for seg in sentences(document):
        turn = turns[seg.turn]
        if turn.interviewer and not code_interviewer:
            continue
        words = [t.text for t in nlp.make_doc(turn.text)
                 if not t.is_space and seg.start <= turn.start + t.idx < seg.end]
        doc = lemmatize(Doc(nlp.vocab, words=words))
        for key, s, e in list(matchers[0](doc)) + list(matchers[1](doc)):
            out.add((seg.index, int(nlp.vocab.strings[key]), s, e))
    return out


def _fast_matches(document: Document, coder: Coder) -> set:
    segs = _sentence_spans(document)
    tokens = _tokenize(document, coder, get_nlp().tokenizer)
    if tokens is None:
        return set()
    found, lo, _ = _sentence_matches(coder, tokens, segs)
    return {(s, r, ms - lo[s], me - lo[s]) for s, ms_ in found.items() for r, ms, me in ms_}


@pytest.fixture(scope="module")
def toy() -> tuple[Codebook, Coder, tuple[Matcher, PhraseMatcher]]:
    book = parse_codebook(TOY_CODEBOOK)
    return book, compile_codebook(book, code_interviewer=True), _reference_matchers(book)


@pytest.fixture(scope="module")
def shipped() -> Codebook:
    return load_codebook(CODEBOOK)


@pytest.fixture(scope="module")
def coder(shipped: Codebook) -> Coder:
    return compile_codebook(shipped)


_WORDS = [
    "take", "took", "Taking", "takes", "risk", "Risks", "risked", "RISKY", "appetite", "appetites",
    "for", "with", "work", "worked", "Working", "partner", "Partners", "partnering", "joint",
    "ventures", "venture", "at", "-", "at-risk", "children", "family", "big", "bold", "BIG",
    "calculated", "culture", "and", "not", "don't", "never", "no", "very", "my", "the", "a",
    "co-design", "co", "design", "council", "£5m", "“risk”", "—", "🙂", "e.g.", "it's", ",", ";",
    "well-considered", "résumé", "naïve", "cannot",
]
_SEPARATORS = [" ", " ", " ", " ", "  ", "\n", " \t", ", ", ". ", "! ", "? ", " — "]


@st.composite
def _texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=25))
    seps = draw(st.lists(st.sampled_from(_SEPARATORS), min_size=len(words), max_size=len(words)))
    text = "".join(w + s for w, s in zip(words, seps)).strip()
    return text or "risk"


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_texts(), interviewer=st.booleans())
def test_coder_fast_path_equals_reference_pipeline(toy, text: str, interviewer: bool) -> None:
    book, coder, matchers = toy
    document = _doc(text, interviewer=interviewer)
    assert _fast_matches(document, coder) == _reference_matches(document, matchers)


def _many_turns(texts: list[str], interviewers: list[bool]) -> Document:
    """A document of several turns, each on its own paragraph (the reader's invariants hold)."""
    turns, parts, at = [], [], 0
    for i, (text, interviewer) in enumerate(zip(texts, interviewers)):
        turns.append(Turn(index=i, speaker="Interviewer" if interviewer else "Manager", section="S",
                          start=at, end=at + len(text), text=text, interviewer=interviewer))
        parts.append(text)
        at += len(text) + 2
    return Document(id="d", path="d.md", text="\n\n".join(parts), case="c", metadata={}, turns=tuple(turns))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(_texts(), min_size=1, max_size=6), data=st.data())
def test_coder_tokens_of_a_document_are_those_of_its_turns_alone(toy, texts: list[str], data) -> None:
    # The coder tokenizes a document's turns joined as one text: each turn must get exactly
    # the tokens (forms and offsets in the document) the tokenizer gives it alone.
    _, coder, _ = toy
    interviewers = data.draw(st.lists(st.booleans(), min_size=len(texts), max_size=len(texts)))
    document = _many_turns(texts, interviewers)
    for code_interviewer in (True, False):
        c = replace(coder, code_interviewer=code_interviewer)
        tokens = _tokenize(document, c, get_nlp().tokenizer)
        expected = [(t.lower_, turn.start + t.idx) for turn in document.turns
                    if code_interviewer or not turn.interviewer
                    for t in get_nlp().make_doc(turn.text) if not t.is_space]
        got = [] if tokens is None else list(zip(tokens.lower.tolist(), tokens.idx.tolist()))
        assert got == [(get_nlp().vocab.strings[w], i) for w, i in expected]
        assert all(document.text[i:].lower().startswith(w) for w, i in expected)


def test_coder_fast_path_equals_reference_on_the_shipped_corpus(shipped: Codebook) -> None:
    coder = compile_codebook(shipped, code_interviewer=True)
    matchers = _reference_matchers(shipped)
    documents = read_corpus(INTERVIEWS, case_key="council")
    total = 0
    for document in documents:
        expected = _reference_matches(document, matchers)
        assert _fast_matches(document, coder) == expected, document.id
        total += len(expected)
    assert total > 100  # the corpus does exercise the codebook


def test_coder_sentences_are_the_segmenters(shipped: Codebook) -> None:
    for document in read_corpus(INTERVIEWS, case_key="council"):
        spans = [(s, e) for _, s, e in _sentence_spans(document)]
        assert spans == [(seg.start, seg.end) for seg in sentences(document)]


# The segmenter before its linear-time rewrite, kept here as the specification it must equal.
_OLD_BOUNDARY = re.compile(r"""([.!?…]+)(["'”’)\]]*)(\s+)(?=["'“‘(\[]?[A-Z0-9£$€])""")
# ``\Z``, not ``$``: the old ``$`` also matched before a final newline, so in "a\n. A" it took
# "a" from the line above for the word before the full stop (hypothesis found it); the word
# before a full stop is the one that touches it, which is what the rewrite reads.
_OLD_WORD = re.compile(r"([\w.]+)\Z")
_ABBREVIATIONS = frozenset("e.g i.e etc vs cf mr mrs ms dr prof st no approx dept govt inc ltd co u.s u.k a.m p.m".split())


def _old_split(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _OLD_BOUNDARY.finditer(text):
        if m.group(1) == ".":
            before = _OLD_WORD.search(text, 0, m.start())
            word = before.group(1).lower() if before else ""
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
        spans.append((start, m.end(2)))
        start = m.end(3)
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            out.append((s, e))
    return out


_PIECES = list("aAbZ e.g.U.S.x.?!…\"'”’)]([“‘\n\t 0£é_") + ["e.g.", "etc.", ". ", "approx.", "U.S. ", "Mr. ", "I. "]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=50).map("".join))
@example("a\n. A")
def test_coder_sentence_split_is_unchanged_by_the_rewrite(text: str) -> None:
    assert split_sentences(text) == _old_split(text)


# --- precision rules --------------------------------------------------------------------------


def _coded(text: str, coder: Coder, **kw) -> pd.DataFrame:
    return code_document(_doc(text, **kw), coder)


@pytest.mark.parametrize("text, code", [
    ("We haven't invested in innovation at all.", "resource_innovation"),
    ("There is no culture of experimentation here.", "innovative_culture"),
    ("We never took risks in that period.", "considered_risk"),
    ("We didn't have the budget to invest in new ideas.", "resource_innovation"),
    ("We did not consult staff about the restructure.", "engage_employees"),
    ("Culture isn't what we would single out.", "innovative_culture"),       # negated after it
    ("Risk appetite was never discussed by the board.", "considered_risk"),
])
def test_coder_negated_match_is_excluded(coder: Coder, text: str, code: str) -> None:
    rows = _coded(text, coder)
    row = rows[rows.code == code]
    assert len(row) == 1
    assert row.iloc[0].status == "excluded" and row.iloc[0].reason == "negated"


@pytest.mark.parametrize("text, code", [
    ("We never hesitated, and we took calculated risks.", "considered_risk"),  # new clause
    ("It wasn't easy, but we invested in a small innovation team.", "resource_innovation"),
    ("Not only did we take risks, we learned from failure.", "considered_risk"),  # "not only"
    ("Working with partners isn't just about money.", "partnerships"),  # "not just" after it
])
def test_coder_negation_stops_at_the_clause(coder: Coder, text: str, code: str) -> None:
    rows = _coded(text, coder)
    assert rows[rows.code == code].status.tolist() == ["coded"]


@pytest.mark.parametrize("text, code, name", [
    ("We support children at risk of exclusion.", "considered_risk", "at_risk"),
    ("We take at-risk families seriously.", "considered_risk", "at_risk"),
    ("Culture and leisure services moved to a trust.", "innovative_culture", "culture_then_leisure"),
    ("We are tackling digital exclusion among older people.", "digital_expertise", "digital_exclusion"),
    ("My partner works in the NHS.", "partnerships", "spouse"),
])
def test_coder_other_sense_is_excluded(coder: Coder, text: str, code: str, name: str) -> None:
    rows = _coded(text, coder)
    row = rows[rows.code == code]
    assert row.status.tolist() == ["excluded"]
    assert row.iloc[0].reason == f"other_sense:{name}"


@pytest.mark.parametrize("text, code", [
    ("We ran a focus group with tenants about the new bins.", "disciplined_focus"),
    ("The arts and culture budget funds the museum.", "innovative_culture"),
    ("Digital exclusion is high among older residents.", "digital_expertise"),
    ("Recruiting foster carers is hard.", "recruit_for_innovation"),
    ("The Care Quality Commission inspected the home.", "commission_for_innovation"),
    ("Flexible and agile working let staff work from home.", "agile_processes"),
])
def test_coder_other_senses_are_not_coded(coder: Coder, text: str, code: str) -> None:
    rows = _coded(text, coder)
    assert rows[(rows.code == code) & (rows.status == "coded")].empty
    assert all(r.startswith("other_sense:") for r in rows[rows.code == code].reason)


def test_coder_interviewer_turns_are_not_coded(coder: Coder) -> None:
    question = "Some councils talk about their appetite for risk and joint ventures; what about you?"
    assert _coded(question, coder, interviewer=True).empty
    coded = _coded(question, compile_codebook(load_codebook(CODEBOOK), code_interviewer=True), interviewer=True)
    assert {"considered_risk", "partnerships"} <= set(coded.code)


# --- concept coverage: paraphrases of each definition, written for these tests ----------------

PARAPHRASES = {
    "bold_leadership": [
        "Councillors and senior officers stand together behind a shared vision for the borough.",
        "The cabinet set out a long-term ambition that everyone signed up to.",
    ],
    "partnerships": [
        "We now run a joint venture with a housing association.",
        "Our teams collaborate with the police and local charities on one plan.",
    ],
    "innovative_culture": [
        "People must feel safe to fail here, as long as they learn.",
        "We encourage staff to question old assumptions and think differently.",
    ],
    "empower_leaders": [
        "Third-tier managers were given the freedom to lead change themselves.",
        "We invested in developing our middle managers as leaders.",
    ],
    "involve_residents": [
        "We went out to listen to tenants before designing anything.",
        "The service was co-produced with the families who rely on it.",
    ],
    "move_with_pace": [
        "We pressed ahead despite the uncertainty.",
        "Rather than waiting for perfect evidence, we got on and did it.",
    ],
    "considered_risk": [
        "The board reviewed its appetite for risk.",
        "It was a leap of faith, but a calculated one.",
    ],
    "resource_innovation": [
        "We ring-fenced money for a small team to develop the idea.",
        "The council invested heavily to scale it up.",
    ],
    "engage_employees": [
        "The chief executive held listening sessions with frontline staff.",
        "We explained to every employee why the service had to change.",
    ],
    "disciplined_focus": [
        "We agreed three priorities and let everything else go.",
        "Never try to tackle everything in one go.",
    ],
    "learn_from_elsewhere": [
        "We borrowed ideas from cities abroad.",
        "We look at what other councils are doing before we start.",
    ],
    "innovation_expertise": [
        "Twenty officers were trained in service design techniques.",
        "We joined a national programme to learn how to innovate.",
    ],
    "agile_processes": [
        "We plan only the next couple of steps and then review.",
        "A light-touch business case is enough at the start.",
    ],
    "cross_council_working": [
        "We are breaking down the silos between directorates.",
        "Collaboration across the whole organisation is now the norm.",
    ],
    "digital_expertise": [
        "Residents can now do most things online.",
        "We publish open data for local developers.",
    ],
    "recruit_for_innovation": [
        "We hire for attitude and curiosity more than for experience.",
        "Keeping talented people matters as much as recruiting them.",
    ],
    "commission_for_innovation": [
        "We now commission for outcomes rather than hours of care.",
        "Our procurement asks providers for new ways of delivering the service.",
    ],
}


def test_coder_paraphrases_cover_every_code(shipped: Codebook) -> None:
    assert set(PARAPHRASES) == set(shipped.ids)


@pytest.mark.parametrize("code, text", [(c, t) for c, ts in PARAPHRASES.items() for t in ts])
def test_coder_codes_a_paraphrase_of_the_definition(coder: Coder, code: str, text: str) -> None:
    rows = _coded(text, coder)
    assert rows[(rows.code == code) & (rows.status == "coded")].shape[0] == 1, rows[["code", "rule", "status"]]


@pytest.mark.parametrize("text", [
    "The weather was dreadful on the day of the visit.",
    "We moved offices in the spring and the car park was resurfaced.",
])
def test_coder_codes_nothing_in_unrelated_text(coder: Coder, text: str) -> None:
    assert _coded(text, coder).empty


def test_coder_codebook_examples_are_coded(shipped: Codebook, coder: Coder) -> None:
    for code in shipped.codes:
        for example in code.examples:
            rows = _coded(example, coder)
            assert code.id in set(rows[rows.status == "coded"].code), (code.id, example)


# --- rows, determinism, streaming ---------------------------------------------------------------


def test_coder_rows_follow_the_schema_and_slice_back(coder: Coder) -> None:
    text = "We took a calculated risk — £2m — on a joint venture. “Culture” matters 🙂. No focus group."
    document = _doc(text)
    rows = code_document(document, coder)
    assert list(rows.columns) == list(CODINGS_COLUMNS)
    assert not rows.empty
    for row in rows.itertuples():
        assert document.text[row.start:row.end] == row.text
        assert row.source == "auto" and row.analyst == "casecoder"
    # one row per (segment, code)
    assert not rows.duplicated(["segment", "code"]).any()


def test_coder_rule_is_the_first_unexcluded_match(coder: Coder) -> None:
    rows = _coded("There is no appetite for risk here, but we took calculated risks.", coder)
    row = rows[rows.code == "considered_risk"].iloc[0]
    assert row.status == "coded"
    # the negated "appetite for risk" comes first; then "took calculated risks" (take_risks)
    # starts before "calculated risks" (a phrase)
    assert row.rule == "pattern:take_risks"


def test_coder_output_is_identical_across_runs_and_jobs(tmp_path: Path, coder: Coder) -> None:
    outs = []
    for i, jobs in enumerate((1, 2, 1, 3)):
        out = tmp_path / f"out{i}.csv"
        code_corpus([INTERVIEWS], coder, out, jobs=jobs, progress=False)
        outs.append(out.read_bytes())
    assert len(set(outs)) == 1
    documents = read_corpus(INTERVIEWS, case_key="council")
    table = code_documents(documents, coder)
    assert table.equals(code_documents(documents, coder, jobs=2))
    reference = tmp_path / "reference.csv"
    write_codings(table, reference)
    assert reference.read_bytes() == outs[0]


def test_coder_writes_parquet_equal_to_csv(tmp_path: Path, coder: Coder) -> None:
    code_corpus([INTERVIEWS], coder, tmp_path / "a.parquet", jobs=2, progress=False)
    code_corpus([INTERVIEWS], coder, tmp_path / "a.csv", progress=False)
    from casecoder.schema import read_codings

    assert read_codings(tmp_path / "a.parquet").equals(read_codings(tmp_path / "a.csv"))


def test_coder_handles_non_ascii_transcripts(tmp_path: Path, coder: Coder) -> None:
    write_transcript(tmp_path, "naïve", "Chief Executive: We’ve taken “calculated risks” — with £3m of our own money 🙂 — and it worked.")
    out = code_corpus([tmp_path], coder, tmp_path / "out.csv", progress=False)
    rows = pd.read_csv(out, keep_default_na=False)
    assert "considered_risk" in set(rows.code)
    assert rows.document.tolist()[0] == "naïve"


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("tokens, message", [
    ('[{SHAPE: xxxx}, {LEMMA: risk}]', "E301"),
    ('[{LEMMA: risks}]', "E303"),
    ('[{OP: "?"}, {LEMMA: {NOT_IN: [risk]}}]', "E304"),
    ('[{LEMMA: risk, OP: "{2}"}]', "E302"),
])
def test_coder_rejects_patterns_it_cannot_run(tokens: str, message: str) -> None:
    book = parse_codebook(f"codes:\n  - id: a\n    label: A\n    patterns:\n      - name: p\n        pattern: {tokens}\n")
    with pytest.raises(CoderError) as info:
        compile_codebook(book)
    assert [p.code for p in info.value.problems] == [message]
    assert "codes[0](a).patterns[0](p)" in str(info.value)


def test_coder_rejects_bad_jobs_and_output_suffix(tmp_path: Path, coder: Coder) -> None:
    with pytest.raises(CoderError):
        code_documents([], coder, jobs=0)
    with pytest.raises(CoderError) as info:
        code_corpus([INTERVIEWS], coder, tmp_path / "out.xlsx")
    assert info.value.problems[0].code == "E308"


def test_coder_is_picklable_and_reads_a_document(coder: Coder) -> None:
    import pickle

    again = pickle.loads(pickle.dumps(coder))
    document = read_document(sorted(INTERVIEWS.glob("*.md"))[0], case_key="council")
    assert code_document(document, again).equals(code_document(document, coder))


def test_coder_two_documents_with_one_id_is_an_error(tmp_path: Path, coder: Coder) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        write_transcript(tmp_path / folder, "same", "Manager: We took calculated risks.")
    out = tmp_path / "out.csv"
    from casecoder.errors import TranscriptError

    with pytest.raises(TranscriptError) as info:
        code_corpus([tmp_path], coder, out, progress=False)
    assert [p.code for p in info.value.problems] == ["E015"]
    assert not out.exists()
