"""Every rule earns its place: a rule that codes the shipped transcripts must code other text too.

The shipped transcripts are a reconstruction of one report, so a rule written to fit one of its
sentences ("Treat no idea as daft") codes the corpus and nothing else: it scores on the corpus
and is dead weight, or worse, on the interviews the coder exists for. The coder is run with
each rule of ``codebook.yaml`` as a code of its own, on the transcripts and on every other text
the project holds: the two development sets (``data/devset``, less its sentences that share a run
of six words with the transcripts, since it is the report's own text, and ``data/heldout``) and
the real-language development set (``../shared/devset-real``, beside the repository). A rule that
codes (not excluded, not negated) some sentence of the transcripts and no sentence of the other
texts fails the test, unless the codebook gives, on the pattern, ``corpus_only:`` the reason an
analyst accepts for keeping it; such a mark on a rule that does code other text, or does not code the transcripts,
is stale and fails too. ``data/heldout-test/`` is never read here: it is a test set.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from casecoder.codebook import Codebook, load_codebook, parse_codebook
from casecoder.coder import Coder, code_documents, compile_codebook
from casecoder.evaluate import read_devset, read_units
from casecoder.positions import FrozenMap
from casecoder.transcripts import Document, Turn, read_corpus

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebook.yaml"
INTERVIEWS = ROOT / "data" / "interviews"
DEVSET = ROOT / "data" / "devset" / "report_sentences.csv"
HELDOUT = ROOT / "data" / "heldout" / "sentences.csv"
REAL_UNITS = ROOT.parent / "shared" / "devset-real" / "units.csv"
# data/devset is the report's own text, which the transcripts reconstruct: a sentence of it that
# shares a run of this many words with them is the same passage, not other evidence. (Only that
# set is filtered: sets written independently converge on idioms of six words now and then.)
COPY_RUN = 6
# At most this many rules may carry a corpus_only reason (docs/CODER.md lists them).
MARK_BUDGET = 15


def _words(text: str) -> str:
    """Lower-case words only, curly apostrophes straightened: copies match despite punctuation."""
    return " ".join(re.findall(r"[\w']+", text.lower().replace("\u2019", "'")))


def _runs(text: str, n: int = COPY_RUN) -> set[str]:
    """Every run of ``n`` consecutive words of ``text`` (the whole text if it is shorter)."""
    w = _words(text).split()
    return {" ".join(w[i:i + n]) for i in range(max(1, len(w) - n + 1))}


def not_from(corpus: Sequence[Document], documents: Sequence[Document]) -> list[Document]:
    """The documents that share no run of :data:`COPY_RUN` words with the corpus."""
    corpus_runs = set().union(*(_runs(d.text) for d in corpus))
    return [d for d in documents if not _runs(d.text) & corpus_runs]


def _one_code_per_rule(book: Codebook) -> tuple[Codebook, dict[str, tuple[str, str, str]]]:
    """A codebook whose every code is one rule of ``book`` (with its code's exclusions).

    Returns the codebook and, by new code id, ``(code id, rule label, corpus_only reason)``.
    """
    codes, rules = [], {}
    for code in book:
        bare = dataclasses.replace(code, parent=None, phrases=(), mentions=(), patterns=(), examples=(),
                                   phrase_lines=(), mention_lines=())
        marked = {m.lower() for m in code.mentions}  # a phrase listed in both is a mention
        for phrase in (p for p in code.phrases if p.lower() not in marked):
            rules[f"r{len(codes)}"] = (code.id, f"phrase:{phrase}", "")
            codes.append(dataclasses.replace(bare, id=f"r{len(codes)}", phrases=(phrase,)))
        for mention in code.mentions:
            rules[f"r{len(codes)}"] = (code.id, f"mention:{mention}", "")
            codes.append(dataclasses.replace(bare, id=f"r{len(codes)}", mentions=(mention,)))
        for pattern in code.patterns:
            rules[f"r{len(codes)}"] = (code.id, f"pattern:{pattern.name}", pattern.corpus_only)
            codes.append(dataclasses.replace(bare, id=f"r{len(codes)}", patterns=(pattern,)))
    return Codebook(codes=tuple(codes), path=book.path, settings=book.settings), rules


def _coding_rules(documents: Sequence[Document], coder: Coder) -> dict[str, list[str]]:
    """By rule id, the sentences it codes (status ``coded``: neither negated nor excluded)."""
    rows = code_documents(documents, coder)
    coded = rows[rows["status"] == "coded"]
    out: dict[str, list[str]] = {}
    for rid, text in zip(coded["code"], coded["text"]):
        out.setdefault(rid, []).append(text)
    return out


def generality(book: Codebook, corpus: Sequence[Document], others: Sequence[Document]) -> tuple[list[str], list[str]]:
    """The rules that code only the corpus without a reason, and the stale ``corpus_only`` marks.

    Each problem is one line: code, rule, and what was found.
    """
    split, rules = _one_code_per_rule(book)
    coder = compile_codebook(split)
    on_corpus, elsewhere = _coding_rules(corpus, coder), _coding_rules(others, coder)
    lone, stale = [], []
    for rid, (code, label, reason) in rules.items():
        if rid in on_corpus and rid not in elsewhere and not reason:
            lone.append(f"{code} {label}: codes {len(on_corpus[rid])} corpus sentence(s) and no other text, "
                        f"e.g. {on_corpus[rid][0]!r}")
        elif reason and rid in elsewhere:
            stale.append(f"{code} {label}: marked corpus_only but codes other text, e.g. {elsewhere[rid][0]!r}")
        elif reason and rid not in on_corpus:
            stale.append(f"{code} {label}: marked corpus_only but codes no corpus sentence")
    return lone, stale


def test_codebook_generality_shipped_rules_code_more_than_the_corpus():
    if not REAL_UNITS.is_file():
        pytest.skip(f"{REAL_UNITS} is absent: without the real-language dev set, rules whose other "
                    "evidence lies there would be reported as corpus-only")
    corpus = read_corpus(INTERVIEWS, case_key="council")
    others = not_from(corpus, read_devset(DEVSET)[0]) + read_devset(HELDOUT)[0] + read_units(REAL_UNITS)[0]
    lone, stale = generality(load_codebook(CODEBOOK), corpus, others)
    assert lone == [], "rules fitted to the shipped transcripts (write them for the concept, or give corpus_only: the reason):\n" + "\n".join(lone)
    assert stale == [], "\n".join(stale)


def test_codebook_generality_marks_are_rare():
    book = load_codebook(CODEBOOK)
    marked = [f"{c.id} {p.name}" for c in book for p in c.patterns if p.corpus_only]
    # A mark is an exception an analyst signs off; a codebook that needs many is fitted to its
    # corpus. The budget is a decision: raising it means reviewing every mark again.
    assert len(marked) <= MARK_BUDGET, marked


def _doc(doc_id: str, text: str) -> Document:
    turn = Turn(index=0, speaker="Manager", section="Leadership actions", start=0, end=len(text), text=text)
    return Document(id=doc_id, path=f"{doc_id}.md", text=text, case=doc_id, metadata=FrozenMap({}), turns=(turn,))


BOOK = """\
codes:
  - id: innovative_culture
    label: Create an innovative organisational culture
    phrases: [curiosity]
    patterns:
      - name: welcome_ideas
        pattern: [{LEMMA: {IN: [welcome, encourage]}}, {OP: "?"}, {LEMMA: idea}]
      - name: daft_idea
        pattern: [{LOWER: nothing}, {LEMMA: be}, {LOWER: a}, {LOWER: daft}, {LEMMA: idea}]
{mark}
"""
CORPUS = [_doc("café", "Nothing is a daft idea. We welcome every idea and reward curiosity.")]
OTHERS = [
    _doc("d1", "Our directors encourage new ideas from the front line."),
    _doc("d2", "We reward curiosity in the Geschäftsstelle too."),
    _doc("d3", "Their motto: nothing is a daft idea, we welcome every idea."),  # the corpus's words: not evidence
]


@pytest.mark.parametrize(
    ("mark", "lone", "stale"),
    [
        ("", ["innovative_culture pattern:daft_idea"], []),
        ("        corpus_only: the frame's 'all ideas welcome', said in the idiom of one council", [], []),
    ],
)
def test_codebook_generality_flags_a_rule_fitted_to_one_sentence(mark, lone, stale):
    book = parse_codebook(BOOK.replace("{mark}", mark))
    found_lone, found_stale = generality(book, CORPUS, not_from(CORPUS, OTHERS))
    assert [line.split(":", 2)[0] + ":" + line.split(":", 2)[1] for line in found_lone] == lone
    assert found_stale == stale
    if lone:
        assert "'Nothing is a daft idea.'" in found_lone[0]


def test_codebook_generality_stale_marks_are_reported():
    book = parse_codebook(BOOK.replace("{mark}", "").replace(
        "        pattern: [{LEMMA: {IN: [welcome, encourage]}}",
        "        corpus_only: kept\n        pattern: [{LEMMA: {IN: [welcome, encourage]}}"))
    lone, stale = generality(book, CORPUS, not_from(CORPUS, OTHERS))
    assert [s.split(":")[0] for s in stale] == ["innovative_culture pattern"]
    assert "welcome_ideas: marked corpus_only but codes other text" in stale[0]
    assert len(lone) == 1
    # Without the corpus, the marked rule codes no corpus sentence: stale for that reason instead.
    _, stale = generality(book, [_doc("x", "Bonjour.")], OTHERS[1:2])
    assert any("codes no corpus sentence" in s for s in stale)


# At most this many token patterns (and phrases of three words or more) may code exactly one unit
# of the real-language dev set and no other text the project holds. (A single word or a
# two-word term, "mentoring", "open source", is vocabulary; a construction is where a sentence
# gets copied.) Such a rule is evidence of one sentence, not yet of a concept: the dev
# set is there to learn how people talk, and a rule that only ever matched the unit it was read
# from has not shown that it holds for anyone else (rules written from one half of the set
# moved the other half by about nothing). The budget is the count after the audit of
# docs/CODER.md ("Rules that code one unit"); a new rule should code the concept in words that
# also reach other text, not raise it.
SINGLE_UNIT_BUDGET = 42


def single_unit_rules(book: Codebook, units: Sequence[Document], others: Sequence[Document]) -> list[str]:
    """The patterns (and phrases of 3+ words) that code exactly one of ``units`` and nothing in
    ``others``, one line each: ``code rule: codes only unit ID``."""
    split, rules = _one_code_per_rule(book)
    coder = compile_codebook(split)
    rows = code_documents(units, coder)
    coded = rows[rows["status"] == "coded"]
    by_rule = coded.groupby("code")["document"].agg(lambda d: sorted(set(d)))
    elsewhere = _coding_rules(others, coder)
    return [f"{rules[rid][0]} {rules[rid][1]}: codes only unit {docs[0]}"
            for rid, docs in by_rule.items()
            if len(docs) == 1 and rid not in elsewhere and _construction(rules[rid][1])]


def _construction(label: str) -> bool:
    kind, _, rule = label.partition(":")
    return kind == "pattern" or len(rule.split()) >= 3


def test_codebook_generality_rules_that_code_one_dev_unit_are_few():
    if not REAL_UNITS.is_file():
        pytest.skip(f"{REAL_UNITS} is absent")
    corpus = read_corpus(INTERVIEWS, case_key="council")
    others = list(corpus) + not_from(corpus, read_devset(DEVSET)[0]) + read_devset(HELDOUT)[0]
    single = single_unit_rules(load_codebook(CODEBOOK), read_units(REAL_UNITS)[0], others)
    assert len(single) <= SINGLE_UNIT_BUDGET, (
        f"{len(single)} rules code one dev-set unit and no other text (budget {SINGLE_UNIT_BUDGET}); "
        "write them for the concept or remove them:\n" + "\n".join(sorted(single)))


def test_codebook_generality_single_unit_rules_are_found():
    book = parse_codebook(BOOK.replace("{mark}", ""))
    units = [_doc("u1", "Nothing is a daft idea here, and curiosity is rewarded."), _doc("u2", "We encourage ideas."),
             _doc("u3", "They encourage every idea.")]
    # daft_idea codes u1 alone; welcome_ideas codes two units; the word curiosity codes u1 alone
    # too but is vocabulary, not a construction
    assert single_unit_rules(book, units, []) == ["innovative_culture pattern:daft_idea: codes only unit u1"]
    # a construction that also codes other text has shown more than one sentence
    assert single_unit_rules(book, units, [_doc("o1", "Nothing is a daft idea, they said.")]) == []
