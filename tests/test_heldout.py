"""Sentences written from the code frame alone: regression floors for the shipped codebook.

Two sets, each written by someone who had not seen codebook.yaml, the coder or the corpus:

* ``data/heldout/`` was the first held-out set. Its misses were then read to generalise the
  patterns, so it is now a DEVELOPMENT set: its floors guard the concepts learnt from it.
* ``data/heldout-test/`` is the TEST set, written while the patterns were being generalised
  and never read by anyone tuning them. Its scores are the honest measure of how the patterns
  generalise to speech nobody wrote them for (docs/HELDOUT.md).

Floors guard against regressions; they are not targets. benchmarks/eval_heldout.py prints the
tables (``--set data/heldout-test/sentences.csv`` for the test set).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecoder.codebook import load_codebook
from casecoder.coder import code_documents
from casecoder.evaluate import evaluate, read_devset, scores_from_counts
from casecoder.segments import sentences

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "data" / "heldout" / "sentences.csv"
HELDOUT_TEST = ROOT / "data" / "heldout-test" / "sentences.csv"
CODEBOOK = ROOT / "codebook.yaml"

# Regression floors (micro F1, precision, recall at sentence level), each set below what was
# measured (docs/HELDOUT.md). The development set measured 0.89 / 0.82 / 0.96 after its misses
# were read (0.47 / 0.58 / 0.39 before, at commit 38baa29); the test set measured 0.67 / 0.70 /
# 0.64, once, with the final codebook. They are floors against regressions, NOT targets.
FLOORS = {
    "development": (HELDOUT, {"f1": 0.80, "precision": 0.75, "recall": 0.85}),
    "test": (HELDOUT_TEST, {"f1": 0.60, "precision": 0.62, "recall": 0.56}),
}
MICRO_F1_FLOOR = FLOORS["development"][1]["f1"]

# A run of this many words of a held-out sentence found in codebook.yaml means it was copied. Not
# fewer: written independently from the same code frame, six sentences already share runs of 5-8
# words with codebook examples that predate them ("only plan the next couple of steps", "we
# borrowed the idea from a city in"), which is convergence on the frame's wording, not copying.
COPY_WINDOW = 10


def _norm(text: str) -> str:
    """Casefold, straighten quotes and dashes, and keep only words, so copies match despite style."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.translate(str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "—": " ", "–": " "}))
    return " ".join(re.findall(r"[\w']+", text))


def _windows(text: str, n: int) -> set[str]:
    words = _norm(text).split()
    return {" ".join(words[i:i + n]) for i in range(max(len(words) - n + 1, 0))}


@pytest.fixture(scope="module")
def book():
    return load_codebook(CODEBOOK)


@pytest.fixture(scope="module", params=sorted(FLOORS))
def which(request):
    return request.param


@pytest.fixture(scope="module")
def heldout(book, which):
    return read_devset(FLOORS[which][0], codebook=book)


@pytest.fixture(scope="module")
def result(book, heldout):
    docs, gold = heldout
    return evaluate(code_documents(docs, book), gold, docs, level="sentence", codes=book.ids)


def test_heldout_set_shape(book, heldout):
    docs, gold = heldout
    # One sentence per row, so a sentence-level score counts each row once.
    assert all(len(sentences(d)) == 1 for d in docs), [d.id for d in docs if len(sentences(d)) != 1]
    per_code = gold["code"].value_counts()
    assert set(per_code.index) == set(book.ids)
    assert per_code.min() >= 8
    coded = set(gold["document"])
    assert sum(d.id not in coded for d in docs) >= 50  # hard sentences that carry no code


def test_heldout_scores_above_regression_floor(result, which):
    table = result.scores.set_index("code")
    for code in table.index[:-2]:  # every code is scored (none is NaN: each has gold units)
        assert table.loc[code, "gold"] >= 8
        assert 0.0 <= table.loc[code, "f1"] <= 1.0
    micro = result.micro
    report = result.table()
    for measure, floor in FLOORS[which][1].items():
        assert micro[measure] >= floor, report


def test_heldout_micro_pools_the_per_code_tables(result):
    # The micro figures are the pooled 2x2 table of the per-code rows, recomputed independently.
    per_code = result.scores[~result.scores["code"].isin(["micro", "macro"])]
    tp, fp, fn = (int(per_code[c].sum()) for c in ("tp", "fp", "fn"))
    assert result.micro["precision"] == pytest.approx(tp / (tp + fp))
    assert result.micro["recall"] == pytest.approx(tp / (tp + fn))
    assert result.micro["f1"] == pytest.approx(2 * tp / (2 * tp + fp + fn))


def test_heldout_empty_coding_fails_the_floor(book, heldout):
    # The floor can fail: coding nothing scores micro F1 0.
    docs, gold = heldout
    empty = code_documents([], book)
    res = evaluate(empty, gold, docs, level="sentence", codes=book.ids)
    assert res.micro["f1"] < MICRO_F1_FLOOR


def test_heldout_sentences_not_copied_into_codebook(book, heldout):
    docs, _ = heldout
    raw = _norm(CODEBOOK.read_text(encoding="utf-8"))
    entries = [_norm(t) for c in book.codes for t in (*c.phrases, *c.examples)]
    for d in docs:
        s = _norm(d.text)
        assert s not in raw, f"{d.id} is copied into codebook.yaml"
        assert not any(s in e for e in entries), f"{d.id} is a codebook phrase or example"
        copied = [w for w in _windows(d.text, COPY_WINDOW) if w in raw]
        assert not copied, f"{d.id}: {COPY_WINDOW}-word run(s) {copied} found in codebook.yaml"


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["Our", "council", "—", "‘pinched’", "£5m", "🙂", "ideas", "from", "abroad"]),
                min_size=COPY_WINDOW, max_size=COPY_WINDOW + 5))
def test_heldout_copy_check_sees_restyled_copies(words):
    # A copy whose case, quotes or dashes were changed has the same word windows, so it is caught.
    sentence = " ".join(words)
    restyled = sentence.upper().replace("‘", "'").replace("’", "'").replace("—", " - ")
    assert _windows(restyled, COPY_WINDOW) == _windows(sentence, COPY_WINDOW)


def test_heldout_scores_from_counts_agree_with_table(result):
    row = result.scores.set_index("code").loc["recruit_for_innovation"]
    expected = scores_from_counts(int(row["tp"]), int(row["fp"]), int(row["fn"]), int(row["tn"]))
    assert row["f1"] == pytest.approx(expected["f1"])
