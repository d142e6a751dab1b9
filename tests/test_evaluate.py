"""Evaluation against a gold coding: known-answer statistics, units, errors, devset (the command:
tests/test_cli_evaluate.py)."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecoder.codebook import load_codebook
from casecoder.errors import EvaluationError
from casecoder.evaluate import evaluate, locate_gold, read_devset, read_gold, scores_from_counts

from evaluate_data import DOCS, GOLD, A, make_doc, row

ROOT = Path(__file__).resolve().parents[1]
BOOK = load_codebook(ROOT / "codebook.yaml", validate_patterns=False)
DEVSET = ROOT / "data" / "devset" / "report_sentences.csv"
REPORT = ROOT.parent / "shared" / "source" / "003_aa51f6fa554a6e86.txt"


# sentences: a0 (interviewer), a1 "leap of faith", a2 "partners", a3 "Culture", a4 "joint venture"; b0, b1
CODINGS = pd.DataFrame([
    row(A, 1, "considered_risk"),                      # TP (a2 missed)
    row(A, 0, "considered_risk", rule="phrase:risk"),  # false alarm on the interviewer
    row(A, 2, "partnerships"),                         # false alarm (turn 1; the gold is in turn 2)
    row(A, 4, "partnerships"),                         # TP
    row(A, 3, "innovative_culture", status="excluded"),  # excluded rows never count
])


# --------------------------------------------------------------------------------------------
# statistics: known answers


@pytest.mark.parametrize("counts,kappa", [
    # Wikipedia, "Cohen's kappa", worked example: 50 grant proposals read by two readers.
    ((20, 5, 10, 15), 0.4),
    # Wikipedia, same article, "same percentages but different numbers": 0.1304 and 0.2593.
    ((45, 15, 25, 15), 0.06 / 0.46),
    ((25, 35, 5, 35), 0.14 / 0.54),
])
def test_evaluate_kappa_known_answers(counts, kappa):
    assert scores_from_counts(*counts)["kappa"] == pytest.approx(kappa)


def test_evaluate_scores_edge_cases():
    s = scores_from_counts(3, 1, 2, 10)
    assert (s["precision"], s["recall"], s["f1"]) == pytest.approx((3 / 4, 3 / 5, 6 / 9))
    assert scores_from_counts(0, 0, 4, 6)["precision"] == 0.0  # nothing predicted, gold exists
    unused = scores_from_counts(0, 0, 0, 9)
    assert all(math.isnan(v) for v in unused.values())  # neither side uses the code
    assert math.isnan(scores_from_counts(5, 0, 0, 0)["kappa"])  # p_e = 1


# --------------------------------------------------------------------------------------------
# units and counts


@pytest.mark.parametrize("level,units,expected", [
    # code: (tp, fp, fn)
    ("sentence", 7, {"considered_risk": (1, 1, 1), "partnerships": (1, 1, 0), "resource_innovation": (0, 0, 1)}),
    ("turn", 4, {"considered_risk": (1, 1, 0), "partnerships": (1, 1, 0), "resource_innovation": (0, 0, 1)}),
    ("case", 2, {"considered_risk": (1, 0, 0), "partnerships": (1, 0, 0), "resource_innovation": (0, 0, 1)}),
])
def test_evaluate_counts_units_at_each_level(level, units, expected):
    res = evaluate(CODINGS, GOLD, DOCS, level=level)
    assert res.units == units
    got = {r["code"]: (r["tp"], r["fp"], r["fn"]) for r in res.scores.to_dict("records") if r["code"] not in ("micro", "macro")}
    assert got == expected  # innovative_culture is absent: its only row is excluded
    for r in res.scores.to_dict("records"):  # every code's 2x2 table covers every unit
        cells = r["tp"] + r["fp"] + r["fn"] + r["tn"]
        assert cells == units * (len(expected) if r["code"] in ("micro", "macro") else 1)


def test_evaluate_micro_pools_and_macro_averages():
    res = evaluate(CODINGS, GOLD, DOCS, level="sentence", codes=BOOK.ids)
    per = res.scores[~res.scores["code"].isin(["micro", "macro"])]
    assert per["code"].tolist() == list(BOOK.ids)
    tp, fp, fn = per["tp"].sum(), per["fp"].sum(), per["fn"].sum()
    assert res.micro["precision"] == pytest.approx(tp / (tp + fp))
    assert res.micro["recall"] == pytest.approx(tp / (tp + fn))
    used = per[(per["gold"] > 0) | (per["predicted"] > 0)]
    assert res.macro["f1"] == pytest.approx(used["f1"].mean())  # unused codes are left out


def test_evaluate_lists_misses_and_false_alarms_with_text():
    res = evaluate(CODINGS, GOLD, DOCS, level="sentence")
    misses = res.errors[res.errors["kind"] == "miss"]
    alarms = res.errors[res.errors["kind"] == "false_alarm"]
    assert set(zip(misses["code"], misses["text"])) == {
        ("considered_risk", "We work with partners in new ways."),
        ("resource_innovation", "We put our money where our mouth is."),
    }
    assert set(misses["reason"]) == {"leap of faith", "money"}
    assert set(zip(alarms["code"], alarms["text"], alarms["rule"])) == {
        ("considered_risk", "Do you take risks — ever?", "phrase:risk"),
        ("partnerships", "We work with partners in new ways.", "phrase:x"),
    }


def test_evaluate_written_csvs_are_spreadsheet_safe(tmp_path):
    # A sentence, a gold reason and a case a spreadsheet would run as formulas (issue 16, item 8).
    doc = make_doc("c", "=cmd|' /C calc'!A0", [("Manager", "=SUM(A1) and we took a leap of faith.")])
    gold = pd.DataFrame([{"document": "c", "turn": 0, "code": "considered_risk", "quote": "leap of faith",
                          "reason": "@risk: a leap"}])
    res = evaluate(CODINGS.iloc[0:0], gold, [doc], level="sentence")
    written = [p for p in res.write(tmp_path) if p.suffix == ".csv"]
    assert sorted(p.name for p in written) == ["errors_sentence.csv", "scores_sentence.csv"]
    for path in written:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        cells = [v for col in raw for v in raw[col]] + list(raw.columns)
        assert not any(v.startswith(("=", "+", "@")) for v in cells), path.name
    errors = (tmp_path / "errors_sentence.csv").read_text(encoding="utf-8")
    assert "'=SUM(A1) and we took a leap of faith." in errors and "'@risk: a leap" in errors


def test_evaluate_perfect_codings_score_one():
    located = locate_gold(GOLD, DOCS)
    perfect = located[["document", "case", "start", "end", "code"]]
    for level in ("sentence", "turn", "case"):
        res = evaluate(perfect, GOLD, DOCS, level=level)
        assert res.micro == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "kappa": 1.0}
        assert res.errors.empty


@settings(max_examples=30, deadline=None)
@given(st.permutations(range(len(CODINGS))), st.permutations(range(len(GOLD))))
def test_evaluate_is_invariant_to_row_order(rows, gold_rows):
    base = evaluate(CODINGS, GOLD, DOCS, level="sentence")
    shuffled = evaluate(CODINGS.iloc[list(rows)], GOLD.iloc[list(gold_rows)], list(reversed(DOCS)), level="sentence")
    pd.testing.assert_frame_equal(base.scores, shuffled.scores)
    pd.testing.assert_frame_equal(base.errors, shuffled.errors)


# --------------------------------------------------------------------------------------------
# bad input


def test_evaluate_gold_problems_carry_file_and_line(tmp_path):
    p = tmp_path / "gold.csv"
    p.write_text(
        "document,turn,code,quote,reason\n"
        "a,1,considered_risk,leap of faith,ok\n"
        "a,1,considered_risk,leap of fate,typo\n"
        "a,9,partnerships,x,no such turn\n"
        "zz,0,partnerships,x,no such document\n"
        "a,2,partnership,joint venture,unknown code\n"
        "a,two,partnerships,x,bad turn\n", encoding="utf-8")
    with pytest.raises(EvaluationError) as info:
        read_gold(p)
    assert [(pr.code, pr.line) for pr in info.value.problems] == [("E460", 7)]
    p.write_text("\n".join(p.read_text().splitlines()[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(EvaluationError) as info:
        evaluate(CODINGS, read_gold(p), DOCS, codes=BOOK.ids)
    assert [(pr.code, pr.line) for pr in info.value.problems] == [("E456", 3), ("E455", 4), ("E454", 5), ("E457", 6)]
    assert "We took a leap of faith." in info.value.problems[0].message  # nearest sentence


@pytest.mark.parametrize("kwargs,code", [({"level": "paragraph"}, "E458")])
def test_evaluate_rejects_unknown_level(kwargs, code):
    with pytest.raises(EvaluationError) as info:
        evaluate(CODINGS, GOLD, DOCS, **kwargs)
    assert info.value.problems[0].code == code and "sentence, turn, case" in info.value.problems[0].message


def test_evaluate_rejects_codings_of_unknown_documents():
    extra = pd.concat([CODINGS, pd.DataFrame([{**row(A, 1, "partnerships"), "document": "zz"}])])
    with pytest.raises(EvaluationError) as info:
        evaluate(extra, GOLD, DOCS)
    assert info.value.problems[0].code == "E459"


# --------------------------------------------------------------------------------------------
# the development set


def test_evaluate_devset_is_large_coded_and_valid():
    docs, gold = read_devset(DEVSET, codebook=BOOK)
    assert len(docs) >= 120
    coded = set(gold["document"])
    assert sum(d.id not in coded for d in docs) >= 40  # sentences describing no action
    assert set(gold["code"]) == set(BOOK.ids)  # every code has examples
    with open(DEVSET, encoding="utf-8", newline="") as fh:
        assert all(r["reason"].strip() for r in csv.DictReader(fh))


@pytest.mark.skipif(not REPORT.is_file(), reason="the report text is not beside the repository")
def test_evaluate_devset_sentences_are_the_reports_own_words():
    def norm(text: str) -> str:
        text = text.replace("**", "").translate(str.maketrans("‘’“”", "''\"\""))
        return re.sub(r"\s+", " ", text).strip()

    report = norm(REPORT.read_text(encoding="utf-8"))
    docs, _ = read_devset(DEVSET)
    assert [d.id for d in docs if norm(d.text) not in report] == []


def test_evaluate_devset_scores_like_any_gold():
    docs, gold = read_devset(DEVSET, codebook=BOOK)
    perfect = pd.DataFrame([{"document": g["document"], "case": next(d.case for d in docs if d.id == g["document"]),
                             "start": 0, "end": len(g["quote"]), "code": g["code"]} for g in gold.to_dict("records")])
    res = evaluate(perfect, gold, docs, level="turn", codes=BOOK.ids)
    assert res.units == len(docs) and res.micro["f1"] == 1.0


def test_evaluate_devset_bad_rows(tmp_path):
    p = tmp_path / "dev.csv"
    p.write_text("id,section,text,codes,reason\nx1,S,One.,partnerships,r\nx1,S,Two.,,r\nx2,S,,,r\nx3,S,Three.,risk,r\n",
                 encoding="utf-8")
    with pytest.raises(EvaluationError) as info:
        read_devset(p, codebook=BOOK)
    assert [(pr.code, pr.line) for pr in info.value.problems] == [("E461", 3), ("E460", 4), ("E457", 5)]


# --------------------------------------------------------------------------------------------
