"""The rules command: files written, numbers pinned, reruns byte-identical, bad input exit 2."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from casecoder.cli import main

from help_examples import run_help_examples
from test_evidence import CODEBOOK, GOLD, TRANSCRIPT

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def study(tmp_path):
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "north.md").write_text(TRANSCRIPT, encoding="utf-8")
    (tmp_path / "gold.csv").write_text(GOLD, encoding="utf-8")
    return tmp_path


def _rows(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_cli_rules_writes_the_evidence(study, capsys):
    out = study / "out"
    assert main(["rules", str(study / "codebook.yaml"), str(study / "t"), "--gold", str(study / "gold.csv"),
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "5 rules of 2 codes at sentence level (5 units): 3 fire, 2 never do; 1 coded unit(s) no rule caught" in printed
    rows = {r["rule"]: r for r in _rows(out / "rules.csv")}
    assert (rows["phrase:quickly"]["tp"], rows["phrase:quickly"]["fp"], rows["phrase:quickly"]["precision"]) == \
        ("2", "1", "0.666667")
    assert rows["phrase:slowly"]["hits"] == "0" and rows["phrase:slowly"]["precision"] == ""
    assert [r["gold_text"] for r in _rows(out / "misses.csv")] == ["We tried a café pilot and accepted it might fail."]
    # codes.csv heads its columns with the words of the page's table ("coded", "misses")
    with open(out / "codes.csv", encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh)) == ["code", "rules", "silent", "gold", "coded", "tp", "fp", "misses",
                                        "precision", "recall", "f1"]
    codes = {r["code"]: r for r in _rows(out / "codes.csv")}
    assert (codes["risk"]["coded"], codes["risk"]["misses"], codes["pace"]["coded"], codes["pace"]["misses"]) == \
        ("1", "1", "3", "0")
    page = (out / "rules.md").read_text(encoding="utf-8")
    assert "## Rules that never fire (2)" in page and "- pace: `pattern:fast_move`" in page
    assert "| pace | `phrase:quickly` | 3 | 2 | 1 | 0.667 | 1 | 1 | 0 |" in page
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main(["rules", str(study / "t"), "--codebook", str(study / "codebook.yaml"), "--gold", str(study / "gold.csv"),
                 "--out", str(out)]) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first


def test_cli_rules_sort_value_puts_unique_true_positives_first(study, capsys):
    out = study / "out"
    assert main(["rules", str(study / "codebook.yaml"), str(study / "t"), "--gold", str(study / "gold.csv"),
                 "--sort", "value", "--level", "turn", "--out", str(out)]) == 0
    rows = _rows(out / "rules.csv")
    # at turn level "quickly" and "at pace" code the same turn: unique to neither
    assert [(r["rule"], r["unique_tp"]) for r in rows[:3]] == [
        ("phrase:appetite for risk", "1"), ("phrase:quickly", "0"), ("phrase:at pace", "0")]


def test_cli_rules_units_file_counts_units(tmp_path, capsys):
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (tmp_path / "units.csv").write_text(
        "unit_id,source,title,text\n"
        "U1,https://a.example/x,A,We moved quickly. We kept going.\n"
        "U2,https://b.example/y,B,Lunch went quickly.\n", encoding="utf-8")
    (tmp_path / "gold.csv").write_text("unit_id,codes,rationale\nU1,pace,speed\nU2,,\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["rules", str(tmp_path / "codebook.yaml"), str(tmp_path / "units.csv"), "--gold",
                 str(tmp_path / "gold.csv"), "--out", str(out)]) == 0
    assert "at turn level (2 units)" in capsys.readouterr().out
    quickly = next(r for r in _rows(out / "rules.csv") if r["rule"] == "phrase:quickly")
    assert (quickly["hits"], quickly["tp"], quickly["fp"]) == ("2", "1", "1")


def test_cli_rules_bad_inputs_exit_2_listing_every_problem(study, capsys):
    bad_book = study / "bad.yaml"
    bad_book.write_text("codes:\n  - id: Pace\n    label: P\n    phrases: [x]\n", encoding="utf-8")
    (study / "gold2.csv").write_text(GOLD.replace("north,1,risk", "north,1,daring"), encoding="utf-8")
    out = study / "out"
    # a codebook that does not load and a missing transcript folder: both named
    assert main(["rules", str(bad_book), str(study / "nowhere"), "--gold", str(study / "gold.csv"),
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "[E110]" in err and "nowhere" in err and "[E001]" in err
    # an unknown code in the gold file, with its file and line
    assert main(["rules", str(study / "codebook.yaml"), str(study / "t"), "--gold", str(study / "gold2.csv"),
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "gold2.csv:4: code: unknown code 'daring'" in err and "[E457]" in err
    # a gold file that does not exist
    assert main(["rules", str(study / "codebook.yaml"), str(study / "t"), "--gold", str(study / "missing.csv"),
                 "--out", str(out)]) == 2
    assert "missing.csv" in capsys.readouterr().err
    assert not out.exists()


def test_cli_rules_help_has_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["rules", "--help"])
    assert "casecoder rules codebook.yaml data/interviews --gold data/gold" in capsys.readouterr().out


def test_cli_rules_every_bad_input_named_in_one_run(study, capsys):
    # a codebook that does not load, a missing transcript folder and a missing gold file at once
    bad_book = study / "bad.yaml"
    bad_book.write_text("codes:\n  - id: Pace\n    label: P\n    colour: red\n", encoding="utf-8")
    out = study / "out"
    assert main(["rules", str(bad_book), str(study / "nowhere"), "--gold", str(study / "missing.csv"),
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "[E110]" in err and "[E104]" in err and "[E001]" in err
    assert "missing.csv: --gold: codings file not found" in err and "[E201]" in err
    assert not out.exists()


def test_cli_rules_help_examples_run_from_the_repository(tmp_path, monkeypatch, capsys):
    ran = run_help_examples("rules", tmp_path, monkeypatch)
    assert "casecoder rules codebook.yaml data/interviews --gold data/gold --out rules-out/" in ran
    assert any("data/overrides/reviewing-analyst.yaml" in example for example in ran)


def test_cli_rules_piped_into_a_reader_that_stops_ends_quietly(study):
    # `casecoder rules ... | head -1`: the reader closes the pipe before the table is printed
    out = study / "out"
    proc = subprocess.Popen([sys.executable, "-m", "casecoder", "rules", str(study / "codebook.yaml"), str(study / "t"),
                             "--gold", str(study / "gold.csv"), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8")
    assert proc.wait(timeout=300) == 141, err  # as a process ended by SIGPIPE
    assert err == ""  # no "Broken pipe" error for the reader's choice
    assert sorted(p.name for p in out.iterdir()) == ["codes.csv", "misses.csv", "rules.csv", "rules.md"]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text_cells(path):
    """Every header and text cell of a CSV (numbers such as -0.5 are not text a spreadsheet runs)."""
    rows = _rows(path)
    cells = list(rows[0]) if rows else []
    for r in rows:
        for v in r.values():
            try:
                float(v)
            except ValueError:
                cells.append(v)
    return cells


def test_cli_rules_written_csvs_are_spreadsheet_safe(tmp_path, capsys):
    # A case and sentences a spreadsheet would run as formulas (the missed one a turn of its own):
    # each CSV cell gets the leading apostrophe of casecoder.io.spreadsheet_safe.
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (tmp_path / "t").mkdir()
    missed = "=SUM(A1) we tried a café pilot and accepted it might fail."
    (tmp_path / "t" / "north.md").write_text(
        TRANSCRIPT.replace("case: Nørth", "case: \"@Nørth\"")
        .replace(" We tried a café pilot and accepted it might fail.", f"\n\nManager: {missed}")
        .replace("Zoë's team moved quickly", "+Zoë's team moved quickly"), encoding="utf-8")
    (tmp_path / "gold.csv").write_text(
        GOLD.replace("north,1,risk,We tried a café pilot and accepted it might fail.", f"north,2,risk,{missed}")
        .replace("Zoë's team moved quickly", "+Zoë's team moved quickly"), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["rules", str(tmp_path / "codebook.yaml"), str(tmp_path / "t"), "--gold", str(tmp_path / "gold.csv"),
                 "--out", str(out)]) == 0
    for name in ("rules.csv", "codes.csv", "misses.csv"):
        assert not [v for v in _text_cells(out / name) if v.startswith(FORMULA_STARTS)], name
    miss = _rows(out / "misses.csv")[0]
    assert (miss["case"], miss["unit_text"], miss["gold_text"]) == ("'@Nørth", "'" + missed, "'" + missed)
    quickly = next(r for r in _rows(out / "rules.csv") if r["rule"] == "phrase:quickly")
    # examples are "document: sentence", so they start with the document, not the sentence
    assert quickly["tp_example_1"] == "north: +Zoë's team moved quickly on housing."
    page = (out / "rules.md").read_text(encoding="utf-8")
    assert missed in page and "'=" not in page  # the page is not a spreadsheet: raw text
