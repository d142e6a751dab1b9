"""casecoder init: a new study's folder that the first commands accept."""

from __future__ import annotations

from pathlib import Path

import pytest

from casecoder.cli import main
from casecoder.codebook import load_codebook
from casecoder.errors import CodebookError
from casecoder.pipeline import read_transcripts
from casecoder.starter import init_study

ROOT = Path(__file__).resolve().parents[1]


def test_starter_lays_out_a_study_the_commands_accept(tmp_path, capsys):
    study = init_study(tmp_path / "study")
    assert sorted(p.name for p in study.iterdir()) == ["README.md", "codebook.yaml", "examples", "overrides",
                                                       "transcripts"]
    book = load_codebook(study / "codebook.yaml")
    assert book.ids == ("partnerships", "involve_residents") and book.case_key == "case"
    (doc,) = read_transcripts([study / "examples"], book)
    assert doc.case == "example-site"
    out = study / "codings.csv"
    assert main(["code", str(study / "examples"), "--codebook", str(study / "codebook.yaml"),
                 "--out", str(out), "--no-progress"]) == 0
    coded = out.read_text(encoding="utf-8")
    assert "partnerships" in coded and "involve_residents" in coded
    # The empty transcripts folder is reported as such, and the verdict line says not ok.
    capsys.readouterr()
    assert main(["validate", "--codebook", str(study / "codebook.yaml"), str(study / "transcripts")]) == 2
    got = capsys.readouterr()
    assert "[E002]" in got.err and got.out.strip().endswith("not ok: 1 problem (listed on standard error)")


def test_starter_copies_a_named_codebook_after_checking_it(tmp_path):
    study = init_study(tmp_path / "study", codebook=ROOT / "codebook.yaml")
    assert (study / "codebook.yaml").read_bytes() == (ROOT / "codebook.yaml").read_bytes()
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ncodes: nope\n", encoding="utf-8")
    with pytest.raises(CodebookError):
        init_study(tmp_path / "other", codebook=bad)
    assert not (tmp_path / "other").exists()


def test_starter_docs_tell_a_new_user_where_things_come_from():
    # Issue 16, item 11: the README says where a new study's codebook comes from, and the
    # transcript rules for .docx, .vtt, cases.csv and interviewers are written down.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    own = readme.split("## Using it on your own study", 1)[1].split("\n## ", 1)[0]
    assert "casecoder init" in own and "--codebook" in own and "TRANSCRIPT_FORMAT.md" in own
    rules = (ROOT / "docs" / "TRANSCRIPT_FORMAT.md").read_text(encoding="utf-8")
    headings = [line for line in rules.splitlines() if line.startswith("## ")]
    for needed in ("(.docx)", "(.vtt)", "cases.csv", "Interviewers", "Encodings"):
        assert any(needed in h for h in headings), needed
    cases = rules.split("cases.csv", 1)[1]
    assert "file,case" in cases and "interviewer" in cases
