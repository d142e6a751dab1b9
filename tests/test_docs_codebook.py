"""docs/CODEBOOK.md cannot drift from the code: every YAML block of it loads through the public
loader and compiles, its examples are coded and the sentences it says are not coded are not, its
invalid codebook fails with the problems and the output it shows, and its tables name every key,
setting, word list and message code the loader and compiler know."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import casecoder as cc
from casecoder.assertion import LEMMA_LISTS, WORD_LISTS
from casecoder.cli import main
from casecoder.codebook import _CODE_KEYS, _EXCLUSION_KEYS, _PATTERN_KEYS, _TOP_KEYS, SETTINGS
from casecoder.errors import MESSAGES, CodebookError
from casecoder.transcripts import document_from_text

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "CODEBOOK.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```yaml\n(.*?)^```$", re.M | re.S)
INVALID = re.compile(r"<!-- does not load: ([E0-9 ]+) -->")

#: What the page says is not coded, each under the codebook block before it:
#: (sentence, code, the reason the coder records, or None when no rule of the code matches).
NOT_CODED = [
    ("Our partners sat at the back of the hall.", "partnerships", "mention"),
    ("We take a risk assessment before every event.", "considered_risk", None),
    ("The innovation lab is on the third floor.", "innovation_expertise", "mention"),
    ("My partner works for the council.", "partnerships", "other_sense:spouse"),
    ("Our finance business partner works on the budget.", "partnerships", "other_sense:internal_adviser"),
    ("If we moved at pace, we would lose the staff.", "move_with_pace", "hypothetical"),
]


def _blocks() -> list[tuple[int, str, list[str] | None]]:
    """``(offset in the page, YAML text, the codes it must fail with or None)`` per yaml block."""
    out, previous_end = [], 0
    for m in FENCE.finditer(DOC):
        marker = INVALID.search(DOC, previous_end, m.start())
        out.append((m.start(), m.group(1), sorted(marker.group(1).split()) if marker else None))
        previous_end = m.end()
    return out


BLOCKS = _blocks()
VALID = [(at, text) for at, text, fails in BLOCKS if fails is None]


def _load(text: str, tmp_path: Path) -> cc.Codebook:
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    return cc.load_codebook(path)


def _rows(sentence: str, coder):  # noqa: ANN001, ANN202
    doc = document_from_text("d", f"Manager: {sentence}", case="c")
    return cc.code_documents([doc], coder)


def test_docs_codebook_has_the_blocks_this_test_reads():
    assert len(VALID) >= 6 and sum(fails is not None for *_, fails in BLOCKS) == 1


@pytest.mark.parametrize("at, text", VALID, ids=[f"offset{at}" for at, _ in VALID])
def test_docs_codebook_block_loads_compiles_and_codes_its_examples(at, text, tmp_path):
    book = _load(text, tmp_path)
    coder = cc.compile_codebook(book)
    examples = [(c.id, e) for c in book.codes for e in c.examples]
    assert examples, "each codebook of the page shows what it codes"
    for code, sentence in examples:
        rows = _rows(sentence, coder)
        assert code in set(rows[rows["status"] == "coded"]["code"]), (code, sentence)


@pytest.mark.parametrize("sentence, code, reason", NOT_CODED)
def test_docs_codebook_sentences_it_says_are_not_coded_are_not(sentence, code, reason, tmp_path):
    said = re.search(r"\s+".join(map(re.escape, sentence.split())), DOC)  # the page may wrap it
    assert said, f"the page no longer says {sentence!r}"
    where = said.start()
    text = [t for at, t in VALID if at < where][-1]  # the codebook the page shows before it
    coder = cc.compile_codebook(_load(text, tmp_path))
    rows = _rows(sentence, coder)
    rows = rows[rows["code"] == code]
    assert "coded" not in set(rows["status"])
    assert set(rows["reason"]) == ({reason} if reason else set())


def test_docs_codebook_invalid_block_fails_as_shown(tmp_path, monkeypatch, capsys):
    ((_, text, codes),) = [b for b in BLOCKS if b[2] is not None]
    with pytest.raises(CodebookError) as info:
        _load(text, tmp_path)
    assert sorted(p.code for p in info.value.problems) == codes
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--codebook", "bad.yaml"]) == 2
    printed = capsys.readouterr()
    shown = DOC[DOC.index("$ casecoder validate --codebook bad.yaml"):].split("```", 1)[0].splitlines()[1:]
    assert shown == printed.out.splitlines() + printed.err.splitlines()


def _table_keys() -> set[str]:
    return set(re.findall(r"^\| `([a-z_]+)` \|", DOC, re.M))


@pytest.mark.parametrize("keys", [_TOP_KEYS, _CODE_KEYS, _PATTERN_KEYS, _EXCLUSION_KEYS, tuple(SETTINGS)],
                         ids=["top", "code", "pattern", "exclusion", "settings"])
def test_docs_codebook_tables_name_every_key_the_loader_accepts(keys):
    assert set(keys) <= _table_keys()


def test_docs_codebook_names_every_word_list_and_which_are_lemmas():
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (lemmas|words) \|", DOC, re.M))
    assert set(rows) == set(WORD_LISTS)
    assert {name for name, kind in rows.items() if kind == "lemmas"} == set(LEMMA_LISTS)


def test_docs_codebook_lists_every_message_of_loading_and_compiling():
    listed = set(re.findall(r"^\| (E[0-9]{3})(?:, (E[0-9]{3}))? \|", DOC, re.M))
    listed = {code for pair in listed for code in pair if code}
    # the codes the loader and the compiler raise, read from their source
    raised = set()
    for module in ("codebook.py", "compiler.py"):
        raised |= set(re.findall(r'"(E[0-9]{3})"', (ROOT / "src" / "casecoder" / module).read_text(encoding="utf-8")))
    assert raised <= set(MESSAGES) and {"E101", "E114", "E301", "E307"} <= raised
    assert raised <= listed


@pytest.mark.parametrize("sentence, coded", [
    ("Partnerships matter to us.", True),
    ("We are co-designing it.", True),
    ("We co-designed it.", True),
    ("We co design it.", False),
    ("We codesign it.", False),
])
def test_docs_codebook_phrases_match_inflections_not_other_spellings(sentence, coded, tmp_path):
    # the page's section "Phrases": `partnership` matches "Partnerships"; `co-design` matches
    # "co-designed" and "co-designing", not "co design" or "codesign"
    assert '`co-design` (the three tokens `co`, `-`, `design`) matches "co-designed" and "co-designing", but not ' \
        '"co design" or "codesign"' in " ".join(DOC.split())
    book = _load("codes:\n  - id: c\n    label: C\n    phrases: [partnership, co-design]\n", tmp_path)
    rows = _rows(sentence, cc.compile_codebook(book))
    assert ("coded" in set(rows["status"])) is coded
