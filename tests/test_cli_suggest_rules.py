"""The suggest-rules command: files written, numbers pinned, the snippet pasted, bad input exit 2."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from casecoder.cli import main
from casecoder.codebook import parse_codebook
from casecoder.coder import compile_codebook

from help_examples import run_help_examples

ROOT = Path(__file__).resolve().parents[1]

CODEBOOK = """codes:
  - id: involve_residents
    label: Understand and involve residents
    phrases: [door knocking]
  - id: partnerships
    label: Build innovative partnerships
    phrases: [joint venture]
"""
# Two documents of different councils; the analysts coded the residents' panel in both, and
# a sentence of the second that mentions a panel in passing not at all.
NORTH = """---
case: North
---
Interviewer: What did you do?

Manager: We set up a citizens panel to shape the budget. We also went door knocking.
"""
SOUTH = """---
case: South
---
Interviewer: And then?

Director: The citizens panel met every month in the library. A citizens panel was on the agenda of a board meeting.
"""
GOLD = """document,turn,code,quote,reason
north,1,involve_residents,We set up a citizens panel to shape the budget.,a panel of residents
north,1,involve_residents,We also went door knocking.,listening to residents
south,1,involve_residents,The citizens panel met every month in the library.,a panel of residents
"""
UNITS = """unit_id,source,title,text
U1,https://a.example.org/one,One,"We set up a citizens panel to shape the budget."
U2,https://b.example.org/two,Two,"The citizens panel met every month in the library."
U3,https://b.example.org/two,Two,"A citizens panel was on the agenda of the meeting."
U4,https://c.example.org/three,Three,"Our joint venture with the hospital worked."
"""
UNIT_GOLD = """unit_id,codes,rationale
U1,involve_residents,panel
U2,involve_residents,panel
U3,,none
U4,partnerships,joint venture
"""


@pytest.fixture()
def study(tmp_path):
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "north.md").write_text(NORTH, encoding="utf-8")
    (tmp_path / "t" / "south.md").write_text(SOUTH, encoding="utf-8")
    (tmp_path / "gold.csv").write_text(GOLD, encoding="utf-8")
    (tmp_path / "units.csv").write_text(UNITS, encoding="utf-8")
    (tmp_path / "gold_a.csv").write_text(UNIT_GOLD, encoding="utf-8")
    return tmp_path


def _rows(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return {r["rule"]: r for r in csv.DictReader(fh)}


def test_cli_suggest_rules_writes_candidates_and_a_snippet(study, capsys):
    out = study / "out"
    assert main(["suggest-rules", str(study / "codebook.yaml"), str(study / "t"), "--gold", str(study / "gold.csv"),
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "selected for 1 code(s)" in printed and f"wrote {out / 'suggested_rules.yaml'}" in printed
    r = _rows(out / "candidates.csv")["phrase:citizens panel"]
    # by hand: 3 sentences say it, the analysts coded 2 (north and south) -> precision 2/3
    assert (r["code"], r["hits"], r["tp"], r["fp"], r["precision"]) == ("involve_residents", "3", "2", "1", "0.666667")
    assert (r["support_units"], r["support_documents"], r["added_fp"], r["selected"]) == ("2", "2", "1", "True")
    # "door knocking" is the codebook's already: its sentence is not what a candidate adds
    assert r["recall_gain"] == "0.666667"
    snippet = (out / "suggested_rules.yaml").read_text(encoding="utf-8")
    assert snippet.startswith("# casecoder suggest-rules: candidates mined from")
    entry = yaml.safe_load(snippet)["codes"][0]
    assert entry == {"id": "involve_residents", "phrases": ["citizens panel"]}
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main(["suggest-rules", str(study / "t"), "--codebook", str(study / "codebook.yaml"),
                 "--gold", str(study / "gold.csv"), "--out", str(out)]) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first  # byte-identical rerun


def test_cli_suggest_rules_snippet_pasted_into_the_codebook_compiles(study):
    out = study / "out"
    assert main(["suggest-rules", str(study / "codebook.yaml"), str(study / "t"), "--gold", str(study / "gold.csv"),
                 "--window", "5", "--min-precision", "0", "--out", str(out)]) == 0
    entry = yaml.safe_load((out / "suggested_rules.yaml").read_text(encoding="utf-8"))["codes"][0]
    data = yaml.safe_load(CODEBOOK)
    code = next(c for c in data["codes"] if c["id"] == entry["id"])
    code["phrases"] += entry.get("phrases", [])
    code["patterns"] = entry.get("patterns", [])
    compile_codebook(parse_codebook(json.dumps(data)))


def test_cli_suggest_rules_on_a_units_set_counts_sources(study):
    out = study / "out"
    assert main(["suggest-rules", str(study / "codebook.yaml"), str(study / "units.csv"),
                 "--gold", str(study / "gold_a.csv"), "--out", str(out)]) == 0
    r = _rows(out / "candidates.csv")["phrase:citizens panel"]
    # turn level by default for a units file; U2 and U3 share a source page, U1 another
    assert (r["hits"], r["tp"], r["support_units"], r["support_documents"]) == ("3", "2", "2", "2")


def test_cli_suggest_rules_phrase_of_one_document_is_not_proposed(study):
    (study / "gold.csv").write_text(GOLD.splitlines()[0] + "\n" + GOLD.splitlines()[1] + "\n", encoding="utf-8")
    out = study / "out"
    assert main(["suggest-rules", str(study / "codebook.yaml"), str(study / "t"), "--gold", str(study / "gold.csv"),
                 "--out", str(out)]) == 0
    assert _rows(out / "candidates.csv") == {}
    assert yaml.safe_load((out / "suggested_rules.yaml").read_text(encoding="utf-8")) == {"codes": []}


def test_cli_suggest_rules_bad_inputs_exit_2_naming_each(study, capsys):
    (study / "gold.csv").write_text(GOLD + "south,1,no_such_code,The citizens panel met every month in the library.,x\n",
                                    encoding="utf-8")
    out = study / "out"
    assert main(["suggest-rules", str(study / "codebook.yaml"), str(study / "t"), "--gold", str(study / "gold.csv"),
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "gold.csv:5" in err and "no_such_code" in err and "[E457]" in err
    assert not out.exists()
    (study / "broken.yaml").write_text("codes:\n  - id: Bad Id\n", encoding="utf-8")
    assert main(["suggest-rules", str(study / "broken.yaml"), str(study / "t"), "--gold", str(study / "gold.csv"),
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "broken.yaml:2" in err and "[E110]" in err and "[E105]" in err
    (study / "gold.csv").write_text(GOLD, encoding="utf-8")
    assert main(["suggest-rules", str(study / "codebook.yaml"), str(study / "t"), "--gold", str(study / "gold.csv"),
                 "--min-documents", "0", "--window", "9", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "min_documents" in err and "window" in err and err.count("[E482]") == 2
    assert not out.exists()


def test_cli_suggest_rules_help_has_an_example():
    done = subprocess.run([sys.executable, "-m", "casecoder", "suggest-rules", "--help"], capture_output=True,
                          text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""}, check=True)
    assert "casecoder suggest-rules codebook.yaml data/interviews --gold data/gold --out suggestions/" in done.stdout


def test_cli_suggest_rules_nothing_selected_says_why(study, capsys):
    # "citizens panel" passes the guards with added precision 2/3, short of 0.9: listed, not selected
    out = study / "out"
    assert main(["suggest-rules", str(study / "codebook.yaml"), str(study / "t"), "--gold", str(study / "gold.csv"),
                 "--min-precision", "0.9", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "0 selected for 0 code(s)\nnone adds units at added precision >= 0.9 (candidates.csv lists them" in printed
    assert "code " not in printed  # no table header with nothing under it
    assert _rows(out / "candidates.csv")["phrase:citizens panel"]["selected"] == "False"
    snippet = (out / "suggested_rules.yaml").read_text(encoding="utf-8")
    assert "codes: []  # nothing selected; candidates.csv lists every candidate that passed the guards" in snippet
    assert yaml.safe_load(snippet) == {"codes": []}


def test_cli_suggest_rules_every_bad_input_named_in_one_run(study, capsys):
    out = study / "out"
    (study / "broken.yaml").write_text("codes:\n  - id: Bad Id\n", encoding="utf-8")
    assert main(["suggest-rules", str(study / "broken.yaml"), str(study / "nowhere"),
                 "--gold", str(study / "missing.csv"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "[E110]" in err and "[E105]" in err and "[E001]" in err and "missing.csv: --gold:" in err
    assert not out.exists()


def test_cli_suggest_rules_help_examples_run_from_the_repository(tmp_path, monkeypatch, capsys):
    ran = run_help_examples("suggest-rules", tmp_path, monkeypatch)
    assert "casecoder suggest-rules codebook.yaml data/interviews --gold data/gold --out suggestions/" in ran
    assert any("data/analysts/demo-analyst-b.yaml" in example for example in ran)


def test_cli_suggest_rules_candidates_csv_is_spreadsheet_safe(tmp_path, capsys):
    # The sentences a candidate adds start as formulas would: their example cells get the leading
    # apostrophe of casecoder.io.spreadsheet_safe; the YAML snippet is not a spreadsheet.
    north_s, south_s = "=We set up a citizens panel to shape the budget.", "-The citizens panel met every month in the library."
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "north.md").write_text(NORTH.replace(north_s[1:], north_s), encoding="utf-8")
    (tmp_path / "t" / "south.md").write_text(SOUTH.replace(south_s[1:], south_s), encoding="utf-8")
    (tmp_path / "gold.csv").write_text(GOLD.replace(north_s[1:], north_s).replace(south_s[1:], south_s),
                                       encoding="utf-8")
    out = tmp_path / "out"
    assert main(["suggest-rules", str(tmp_path / "codebook.yaml"), str(tmp_path / "t"), "--gold",
                 str(tmp_path / "gold.csv"), "--out", str(out)]) == 0
    with open(out / "candidates.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cells = list(rows[0]) + [v for r in rows for k, v in r.items()
                             if k not in ("precision", "added_precision", "recall_gain")]
    assert not [v for v in cells if v.startswith(("=", "+", "-", "@", "\t", "\r"))]
    r = next(r for r in rows if r["rule"] == "phrase:citizens panel")
    assert (r["tp"], r["selected"]) == ("2", "True")
    assert {r["example_1"], r["example_2"]} == {"'" + north_s, "'" + south_s}
    assert yaml.safe_load((out / "suggested_rules.yaml").read_text(encoding="utf-8"))["codes"][0]["phrases"] == \
        ["citizens panel"]
