"""Evidence for each rule (casecoder.evidence) on small hand-written inputs, and on the shipped corpus."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from casecoder.codebook import load_codebook
from casecoder.coder import code_documents, compile_codebook
from casecoder.errors import EvaluationError
from casecoder.evaluate import evaluate, read_gold
from casecoder.evidence import RULE_COLUMNS, rule_evidence, rule_table
from casecoder.sources import load_codings, read_documents

ROOT = Path(__file__).resolve().parents[1]

CODEBOOK = """\
codes:
  - id: pace
    label: Move with pace
    phrases: ["quickly", "at pace", "slowly"]
    patterns:
      - name: fast_move
        pattern: [{"LEMMA": "move"}, {"LEMMA": "fast"}]
  - id: risk
    label: Considered risk
    phrases: ["appetite for risk"]
"""

# Turn 0: three sentences "quickly" codes (the first two coded by the analyst, the second also
# by "at pace"); turn 1: "appetite for risk" where the analyst coded nothing, and a sentence
# the analyst coded risk that no rule catches. Non-ASCII words throughout.
TRANSCRIPT = """\
---
case: Nørth
---
# Leadership actions

Manager: Zoë's team moved quickly on housing. We acted at pace, quickly. We ate the crème brûlée quickly.

Manager: Our appetite for risk grew. We tried a café pilot and accepted it might fail.
"""

GOLD = """\
document,turn,code,quote,reason
north,0,pace,Zoë's team moved quickly on housing.,speed
north,0,pace,"We acted at pace, quickly.",speed
north,1,risk,We tried a café pilot and accepted it might fail.,tolerating failure
"""


@pytest.fixture()
def study(tmp_path):
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "north.md").write_text(TRANSCRIPT, encoding="utf-8")
    (tmp_path / "gold.csv").write_text(GOLD, encoding="utf-8")
    return tmp_path


def _evidence(study, level="sentence"):
    book = load_codebook(study / "codebook.yaml")
    docs = read_documents([study / "t"], book)
    gold = load_codings([study / "gold.csv"], docs, codebook=book)[0].codings
    return rule_evidence(docs, book, gold, level=level)


def _row(ev, rule):
    return ev.rules[ev.rules["rule"] == rule].iloc[0]


def test_evidence_rule_with_two_tp_and_one_fp_has_precision_two_thirds(study):
    r = _row(_evidence(study), "phrase:quickly")
    assert (r["hits"], r["tp"], r["fp"]) == (3, 2, 1)
    assert round(r["precision"], 3) == 0.667
    assert r["fp_example_1"] == "north: We ate the crème brûlée quickly."
    assert r["tp_example_1"] == "north: Zoë's team moved quickly on housing."
    assert r["tp_example_3"] == ""


def test_evidence_unique_tp_counts_only_what_no_other_rule_of_the_code_coded(study):
    ev = _evidence(study)
    quickly, at_pace = _row(ev, "phrase:quickly"), _row(ev, "phrase:at pace")
    # "We acted at pace, quickly." is coded by both rules: unique to neither
    assert (quickly["unique_tp"], quickly["unique_fp"]) == (1, 1)
    assert (at_pace["hits"], at_pace["tp"], at_pace["unique_tp"]) == (1, 1, 0)


@pytest.mark.parametrize("rule", ["phrase:slowly", "pattern:fast_move"])
def test_evidence_rule_that_never_fires_is_listed_with_zero_hits(study, rule):
    r = _row(_evidence(study), rule)
    assert (r["hits"], r["tp"], r["fp"], r["unique_tp"]) == (0, 0, 0, 0)
    assert math.isnan(r["precision"])


def test_evidence_lists_every_rule_in_codebook_order(study):
    ev = _evidence(study)
    assert list(ev.rules.columns) == list(RULE_COLUMNS)
    assert ev.rules["rule"].tolist() == ["phrase:quickly", "phrase:at pace", "phrase:slowly", "pattern:fast_move",
                                         "phrase:appetite for risk"]


def test_evidence_misses_are_the_coded_units_no_rule_caught(study):
    ev = _evidence(study)
    assert ev.misses[["code", "document", "turn", "gold_text"]].values.tolist() == [
        ["risk", "north", 1, "We tried a café pilot and accepted it might fail."]]
    codes = ev.codes.set_index("code")
    assert codes.loc["pace", ["tp", "fp", "misses", "silent"]].tolist() == [2, 1, 0, 2]
    assert codes.loc["risk", ["tp", "fp", "misses"]].tolist() == [0, 1, 1]


def test_evidence_turn_level_counts_turns(study):
    ev = _evidence(study, level="turn")
    r = _row(ev, "phrase:quickly")
    assert (r["hits"], r["tp"], r["fp"]) == (1, 1, 0)
    assert _row(ev, "phrase:appetite for risk")["tp"] == 1   # same turn as the analyst's risk coding
    assert ev.misses.empty


def test_evidence_sorts_by_harm_and_by_value(study):
    ev = _evidence(study)
    # one false positive each, unique to each: the lower precision is the more harmful
    assert ev.sorted_rules("harm")["rule"].tolist()[:2] == ["phrase:appetite for risk", "phrase:quickly"]
    assert ev.sorted_rules("value")["rule"].tolist()[0] == "phrase:quickly"
    with pytest.raises(EvaluationError) as err:
        ev.sorted_rules("worst")
    assert err.value.problems[0].code == "E471"


def test_evidence_unknown_gold_code_is_named(study):
    book = load_codebook(study / "codebook.yaml")
    docs = read_documents([study / "t"], book)
    gold = load_codings([study / "gold.csv"], docs)[0].codings
    gold.loc[0, "code"] = "speed"
    with pytest.raises(EvaluationError) as err:
        rule_evidence(docs, book, gold)
    assert [p.code for p in err.value.problems] == ["E457"]
    assert "'speed'" in err.value.problems[0].message


def test_evidence_every_rule_rows_keep_each_rules_own_status(study):
    from casecoder.transcripts import document_from_text

    doc = document_from_text("d", "Manager: We never moved quickly, but we acted at pace.", case="c")
    coder = compile_codebook(study / "codebook.yaml")
    one = code_documents([doc], coder)
    every = code_documents([doc], coder, every_rule=True)
    assert one[["rule", "status"]].values.tolist() == [["phrase:at pace", "coded"]]
    assert every[["rule", "status", "reason"]].values.tolist() == [
        ["phrase:at pace", "coded", ""], ["phrase:quickly", "excluded", "negated"]]
    ev = rule_evidence([doc], coder, one.iloc[0:0])
    assert (_row(ev, "phrase:quickly")["hits"], _row(ev, "phrase:quickly")["excluded"]) == (0, 1)


def test_evidence_rule_table_marks_mentions():
    table = rule_table(compile_codebook(ROOT / "codebook.yaml"))
    assert table.duplicated(["code", "rule"]).sum() == 0
    assert set(table["kind"]) == {"phrase", "mention", "pattern"}


@pytest.mark.parametrize("level", ["sentence", "turn", "case"])
def test_evidence_codes_agree_with_evaluate_on_the_shipped_corpus(level):
    # The same units and mapping as evaluate: every code's TP, FP and misses are the evaluation's.
    book = load_codebook(ROOT / "codebook.yaml")
    docs = read_documents([ROOT / "data" / "interviews"], book)
    gold = load_codings([ROOT / "data" / "gold"], docs, codebook=book)[0].codings
    ev = rule_evidence(docs, book, gold, level=level)
    res = evaluate(code_documents(docs, book), read_gold(ROOT / "data" / "gold"), docs, level=level, codes=book.ids)
    per_code = res.scores.iloc[:-2].reset_index(drop=True)
    assert ev.codes[["code", "coded", "tp", "fp", "misses"]].equals(
        per_code[["code", "predicted", "tp", "fp", "fn"]].rename(columns={"predicted": "coded", "fn": "misses"}))
    assert len(ev.misses) == int(per_code["fn"].sum())
    # a code's units are the union of its rules' hits, so no rule has more TP than its code
    tp = ev.rules.groupby("code")["tp"].max()
    assert (tp <= ev.codes.set_index("code")["tp"].loc[tp.index]).all()
    assert ev.rules["unique_tp"].le(ev.rules["tp"]).all()
