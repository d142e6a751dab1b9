"""The codebook-diff command and casecoder.evidence.codebook_diff: gains and losses, the F1 change by hand."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from casecoder.cli import main
from casecoder.evidence import codebook_diff
from casecoder.sources import load_codings, read_documents

from help_examples import run_help_examples
from test_evidence import GOLD, TRANSCRIPT

ROOT = Path(__file__).resolve().parents[1]

OLD = """\
codes:
  - id: pace
    label: Move with pace
    phrases: ["quickly"]
  - id: risk
    label: Considered risk
    phrases: ["appetite for risk"]
"""
# the same, with one phrase more for risk
NEW = OLD.replace('["appetite for risk"]', '["appetite for risk", "pilot"]')
# the same as OLD, with an exclusion that sets one "quickly" aside
EXCLUDING = OLD.replace('    phrases: ["quickly"]\n', '    phrases: ["quickly"]\n    exclusions:\n'
                        '      - name: eating\n        phrases: ["brûlée quickly"]\n')


@pytest.fixture()
def study(tmp_path):
    for name, text in (("old.yaml", OLD), ("new.yaml", NEW), ("excluding.yaml", EXCLUDING), ("gold.csv", GOLD)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "north.md").write_text(TRANSCRIPT, encoding="utf-8")
    return tmp_path


def _rows(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_cli_codebook_diff_one_phrase_gained(study, capsys):
    out = study / "out"
    assert main(["codebook-diff", str(study / "old.yaml"), str(study / "new.yaml"), str(study / "t"),
                 "--gold", str(study / "gold.csv"), "--out", str(out)]) == 0
    assert "1 coding(s) gained, 0 lost" in capsys.readouterr().out
    changes = _rows(out / "changes.csv")
    assert [(r["change"], r["code"], r["text"], r["rule"], r["in_gold"]) for r in changes] == [
        ("gained", "risk", "We tried a café pilot and accepted it might fail.", "phrase:pilot", "yes")]
    codes = {r["code"]: r for r in _rows(out / "codes.csv")}
    # risk, sentence level: before TP 0 FP 1 FN 1 (F1 0); after TP 1 FP 1 FN 0: F1 2/(2+1)
    assert (codes["risk"]["f1_old"], codes["risk"]["f1_new"], codes["risk"]["f1_change"]) == \
        ("0.000000", "0.666667", "0.666667")
    assert codes["pace"]["f1_change"] == "0.000000"
    # micro: before TP 2 FP 2 FN 1 -> 4/7; after TP 3 FP 2 FN 0 -> 6/8
    assert float(codes["micro"]["f1_old"]) == pytest.approx(4 / 7, abs=1e-6)
    assert float(codes["micro"]["f1_new"]) == pytest.approx(0.75, abs=1e-6)
    assert float(codes["micro"]["f1_change"]) == pytest.approx(0.75 - 4 / 7, abs=1e-6)
    assert _rows(out / "cases.csv") == [{"case": "Nørth", "gained": "1", "lost": "0"}]
    page = (out / "diff.md").read_text(encoding="utf-8")
    assert "| risk | north | We tried a café pilot and accepted it might fail. | `phrase:pilot` |  | yes |" in page
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main(["codebook-diff", str(study / "old.yaml"), str(study / "new.yaml"), str(study / "t"),
                 "--gold", str(study / "gold.csv"), "--out", str(out)]) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first


def test_codebook_diff_lost_coding_names_the_new_reason(study):
    docs = read_documents([study / "t"])
    diff = codebook_diff(docs, study / "old.yaml", study / "excluding.yaml")
    assert diff.changes[["change", "code", "text", "rule", "reason", "in_gold"]].values.tolist() == [
        ["lost", "pace", "We ate the crème brûlée quickly.", "phrase:quickly", "other_sense:eating", ""]]
    assert diff.codes.set_index("code").loc["all", ["old", "new", "gained", "lost"]].tolist() == [4, 3, 0, 1]


def test_codebook_diff_reversed_swaps_gained_and_lost(study):
    docs = read_documents([study / "t"])
    gold = load_codings([study / "gold.csv"], docs)[0].codings
    forward = codebook_diff(docs, study / "old.yaml", study / "new.yaml", gold=gold, level="turn")
    back = codebook_diff(docs, study / "new.yaml", study / "old.yaml", gold=gold, level="turn")
    assert forward.changes.drop(columns="change").equals(back.changes.drop(columns="change"))
    assert set(back.changes["change"]) == {"lost"}
    assert back.codes["f1_change"].tolist() == pytest.approx((-forward.codes["f1_change"]).tolist(), nan_ok=True)


def test_cli_codebook_diff_bad_inputs_exit_2_listing_every_problem(study, capsys):
    bad = study / "bad.yaml"
    bad.write_text("codes: [\n", encoding="utf-8")
    out = study / "out"
    assert main(["codebook-diff", str(bad), str(study / "new.yaml"), str(study / "nowhere"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "[E102]" in err and "nowhere" in err and "[E001]" in err
    (study / "gold2.csv").write_text(GOLD.replace("north,1,risk", "north,1,daring"), encoding="utf-8")
    assert main(["codebook-diff", str(study / "old.yaml"), str(study / "new.yaml"), str(study / "t"),
                 "--gold", str(study / "gold2.csv"), "--out", str(out)]) == 2
    assert "gold2.csv:4: code: unknown code 'daring'" in capsys.readouterr().err
    assert not out.exists()


def test_cli_codebook_diff_help_has_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["codebook-diff", "--help"])
    assert "casecoder codebook-diff old.yaml codebook.yaml data/interviews --gold data/gold" in capsys.readouterr().out


def test_cli_codebook_diff_every_bad_input_named_in_one_run(study, capsys):
    out = study / "out"
    assert main(["codebook-diff", str(study / "old.yaml"), str(study / "absent.yaml"), str(study / "nowhere"),
                 "--gold", str(study / "missing.csv"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "absent.yaml" in err and "[E101]" in err and "[E001]" in err and "missing.csv: --gold:" in err
    assert not out.exists()


def test_cli_codebook_diff_help_examples_run_from_the_repository(tmp_path, monkeypatch, capsys):
    ran = run_help_examples("codebook-diff", tmp_path, monkeypatch)
    assert "casecoder codebook-diff old.yaml codebook.yaml data/interviews --gold data/gold --out diff-out/" in ran


def test_cli_codebook_diff_written_csvs_are_spreadsheet_safe(tmp_path, capsys):
    # The gained sentence and its case start as formulas would: every CSV cell that would run in a
    # spreadsheet gets the leading apostrophe of casecoder.io.spreadsheet_safe; diff.md keeps the text.
    gained = "=SUM(A1) we tried a café pilot and accepted it might fail."
    for name, text in (("old.yaml", OLD), ("new.yaml", NEW),
                       ("gold.csv", GOLD.replace("north,1,risk,We tried a café pilot and accepted it might fail.",
                                                 f"north,2,risk,{gained}"))):
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "north.md").write_text(
        TRANSCRIPT.replace("case: Nørth", "case: \"@Nørth\"")
        .replace(" We tried a café pilot and accepted it might fail.", f"\n\nManager: {gained}"), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["codebook-diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), str(tmp_path / "t"),
                 "--gold", str(tmp_path / "gold.csv"), "--out", str(out)]) == 0
    for name in ("changes.csv", "codes.csv", "cases.csv"):
        rows = _rows(out / name)
        cells = list(rows[0]) + [v for r in rows for v in r.values() if not _is_number(v)]
        assert not [v for v in cells if v.startswith(("=", "+", "-", "@", "\t", "\r"))], name
    change = _rows(out / "changes.csv")[0]
    assert (change["change"], change["case"], change["text"]) == ("gained", "'@Nørth", "'" + gained)
    assert [r["case"] for r in _rows(out / "cases.csv")] == ["'@Nørth"]
    assert gained in (out / "diff.md").read_text(encoding="utf-8")


def _is_number(value):
    try:
        float(value)
    except ValueError:
        return False
    return True
