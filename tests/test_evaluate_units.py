"""Units sets (units.csv + an analyst's gold): reading, halves by source, scoring, the script."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from casecoder.codebook import load_codebook
from casecoder.errors import EvaluationError
from casecoder.evaluate import evaluate, read_set, read_units, source_half, source_key
from casecoder.segments import sentences

ROOT = Path(__file__).resolve().parents[1]
BOOK = load_codebook(ROOT / "codebook.yaml", validate_patterns=False)

UNITS = """unit_id,source,title,text
U1,https://www.example.org/a/,Page A,"We set up a joint venture with a housing association, and it worked."
U2,http://example.org/a,Page A again,"Our culture and leisure trust runs the pools."
U3,https://other.example.net/b?x=1,Page B,"We give staff permission to fail."
"""
GOLD = """unit_id,codes,rationale
U1,partnerships,joint venture with an outside body
U2,,none (hard): culture as leisure
U3,innovative_culture;considered_risk,permission to fail
"""


def write(tmp_path: Path, units: str = UNITS, gold: str = GOLD) -> tuple[Path, Path]:
    (tmp_path / "units.csv").write_text(units, encoding="utf-8")
    (tmp_path / "gold_a.csv").write_text(gold, encoding="utf-8")
    return tmp_path / "units.csv", tmp_path / "gold_a.csv"


def coded(doc, code: str) -> dict:
    s = sentences(doc)[0]
    return {"document": doc.id, "case": doc.case, "turn": 0, "segment": 0, "start": s.start, "end": s.end,
            "text": s.text, "code": code, "rule": "phrase:x", "source": "auto", "analyst": "casecoder",
            "status": "coded"}


def test_read_units_makes_one_turn_interviewee_documents(tmp_path):
    docs, gold = read_units(*write(tmp_path), codebook=BOOK)
    assert [d.id for d in docs] == ["U1", "U2", "U3"]
    turn = docs[0].turns[0]
    assert (turn.speaker, turn.section, turn.interviewer) == ("Manager", "Leadership actions", False)
    assert turn.text == docs[0].text.strip()
    # U1 and U2 are one page written two ways: one case, one half
    assert docs[0].case == docs[1].case == "example.org/a"
    assert docs[0].metadata["half"] == docs[1].metadata["half"]
    assert sorted(zip(gold["document"], gold["code"])) == [
        ("U1", "partnerships"), ("U3", "considered_risk"), ("U3", "innovative_culture")]
    assert set(gold["line"]) == {2, 4}


def test_read_units_scores_unit_by_unit(tmp_path):
    docs, gold = read_units(*write(tmp_path), codebook=BOOK)
    by = {d.id: d for d in docs}
    # one hit, one false alarm on the no-code unit, one of U3's two codes missed
    codings = pd.DataFrame([coded(by["U1"], "partnerships"), coded(by["U2"], "innovative_culture"),
                            coded(by["U3"], "innovative_culture")])
    res = evaluate(codings, gold, docs, level="turn", codes=BOOK.ids)
    assert res.units == 3
    micro = res.scores[res.scores["code"] == "micro"].iloc[0]
    assert (micro["tp"], micro["fp"], micro["fn"]) == (2, 1, 1)
    assert res.micro["precision"] == pytest.approx(2 / 3) and res.micro["recall"] == pytest.approx(2 / 3)
    ic = res.scores[res.scores["code"] == "innovative_culture"].iloc[0]
    assert (ic["tp"], ic["fp"], ic["fn"]) == (1, 1, 0)
    # macro averages the codes either side uses: partnerships 1, innovative_culture 2/3, considered_risk 0
    assert res.macro["f1"] == pytest.approx((1 + 2 / 3 + 0) / 3)
    kinds = sorted(zip(res.errors["kind"], res.errors["document"], res.errors["code"]))
    assert kinds == [("false_alarm", "U2", "innovative_culture"), ("miss", "U3", "considered_risk")]


def test_read_units_lists_every_problem_with_file_and_line(tmp_path):
    units = UNITS + "U1,https://x.org,dup,Again.\n,https://x.org,no id,Text.\nU9,https://x.org,empty,\n"
    gold = "unit_id,codes,rationale\nU1,partnerships,x\nU7,partnerships,not a unit\nU1,partnerships,again\nU2,no_such_code,bad\n"
    u, g = write(tmp_path, units, gold)
    with pytest.raises(EvaluationError) as info:
        read_units(u, g, codebook=BOOK)
    got = [(pr.code, Path(pr.path).name, pr.line) for pr in info.value.problems]
    assert got == [("E461", "units.csv", 5), ("E460", "units.csv", 6), ("E460", "units.csv", 7),
                   ("E462", "gold_a.csv", 3), ("E461", "gold_a.csv", 4), ("E457", "gold_a.csv", 5)]


def test_read_units_refuses_missing_files_columns_and_halves(tmp_path):
    with pytest.raises(EvaluationError) as info:
        read_units(tmp_path / "nope.csv", tmp_path / "nope_gold.csv")
    assert [pr.code for pr in info.value.problems] == ["E451", "E451"]
    u, g = write(tmp_path, gold="unit_id,codes\nU1,partnerships\n")
    with pytest.raises(EvaluationError) as info:
        read_units(u, g)
    assert [pr.code for pr in info.value.problems] == ["E453"]
    with pytest.raises(EvaluationError) as info:
        read_units(u, half="C")
    assert [pr.code for pr in info.value.problems] == ["E463"]


def test_halves_split_by_source_and_partition_the_units(tmp_path):
    u, g = write(tmp_path)
    whole, gold = read_units(u, g)
    parts = {h: read_units(u, g, half=h) for h in ("A", "B")}
    assert sorted(d.id for h in parts for d in parts[h][0]) == [d.id for d in whole]
    assert sum(len(parts[h][1]) for h in parts) == len(gold)
    for h, (docs, hg) in parts.items():
        assert all(d.metadata["half"] == h for d in docs)
        assert set(hg["document"]) <= {d.id for d in docs}


def test_source_half_is_the_first_hex_digit_of_sha256_of_host_and_path():
    key = "example.org/a"
    digit = int(hashlib.sha256(key.encode()).hexdigest()[0], 16)
    assert source_key("https://www.example.org/a/") == key
    assert source_half("http://example.org/a") == ("A" if digit % 2 == 0 else "B")


@given(st.sampled_from(["http://", "https://", ""]), st.booleans(), st.booleans(),
       # (a host named "www" itself, "www.org", loses its "www." like any other: not generated)
       st.from_regex(r"[a-z]{1,8}\.(org|uk|com)(/[a-z0-9-]{1,6}){0,3}", fullmatch=True)
       .filter(lambda a: not a.startswith("www.")))
def test_source_half_ignores_scheme_www_and_trailing_slash(scheme, www, slash, address):
    variant = scheme + ("www." if www else "") + address + ("/" if slash else "")
    assert source_key(variant) == address
    assert source_half(variant) == source_half(address)


def test_read_set_tells_the_formats_apart(tmp_path):
    write(tmp_path)
    docs, gold, level = read_set(tmp_path, "a")
    assert (len(docs), len(gold), level) == (3, 3, "turn")
    sent = tmp_path / "sentences.csv"
    sent.write_text('id,section,text,codes,reason\nS1,x,"We work with partners.",partnerships,p\n', encoding="utf-8")
    docs, gold, level = read_set(sent)
    assert (len(docs), len(gold), level) == (1, 1, "sentence")
    with pytest.raises(EvaluationError) as info:
        read_set(sent, half="A")
    assert [pr.code for pr in info.value.problems] == ["E460"]


def test_eval_script_prints_table_micro_macro_halves_and_errors(tmp_path):
    write(tmp_path)
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "eval_heldout.py"), "--set", str(tmp_path),
                          "--gold", "a", "--errors", "5"], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}).stdout
    assert "3 documents, 3 gold (unit, code) pairs, level=turn" in out
    assert "| bold_leadership |" in out and "| micro |" in out and "| macro |" in out
    assert "micro P " in out and "macro P " in out
    assert "half A:" in out or "half B:" in out
    bad = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "eval_heldout.py"), "--set", str(tmp_path),
                          "--gold", str(tmp_path / "missing.csv")], capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert bad.returncode == 2 and "E451" in bad.stderr
