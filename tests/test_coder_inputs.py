"""code_corpus on what a research team hands it: bad files mixed in, interviewers named in
cases.csv, text that a spreadsheet would run, warnings from worker processes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from casecoder.codebook import load_codebook
from casecoder.coder import code_corpus
from casecoder.errors import TranscriptError
from casecoder.io import spreadsheet_safe, spreadsheet_text
from casecoder.schema import read_codings

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebook.yaml"


def _bad_corpus(folder: Path) -> None:
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "badfm.md").write_text("---\ncouncil: [oops\n---\nDirector: Hi.\n", encoding="utf-8")
    (folder / "enc.txt").write_bytes(b"\xff\xfe\x00\xd8 broken")
    (folder / "nul.md").write_bytes(b"---\ncouncil: x\n---\nDirector: we\x00 work.\n")
    (folder / "good.md").write_text("---\ncouncil: x\n---\nDirector: We built a partnership with the university.\n",
                                    encoding="utf-8")


@pytest.mark.parametrize("jobs", [1, 2])
def test_code_corpus_lists_every_bad_file_and_writes_nothing(tmp_path, jobs):
    _bad_corpus(tmp_path / "t")
    out = tmp_path / "codings.csv"
    with pytest.raises(TranscriptError) as info:
        code_corpus([tmp_path / "t"], CODEBOOK, out, jobs=jobs, progress=False)
    named = sorted((Path(p.path).name, p.code) for p in info.value.problems)
    assert named == [("badfm.md", "E005"), ("binary.txt", "E004"), ("empty.txt", "E003"),
                     ("enc.txt", "E010"), ("nul.md", "E004")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t"]  # no output, no temp file


def test_code_corpus_does_not_code_an_interviewer_named_in_cases_csv(tmp_path):
    t = tmp_path / "t"
    t.mkdir()
    (t / "call.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ruth Adeyemi>Did you build partnerships with the university?\n\n"
        "00:00:03.500 --> 00:00:06.000\n<v Director>We built a partnership with the university.\n",
        encoding="utf-8")
    (t / "cases.csv").write_text("file,case\ncall.vtt,wigan\n", encoding="utf-8")
    undeclared = read_codings(code_corpus([t], CODEBOOK, tmp_path / "c.csv", progress=False))
    assert set(undeclared["speaker"]) == {"Ruth Adeyemi", "Director"}  # her question is matched
    (t / "cases.csv").write_text("file,case,interviewer\ncall.vtt,wigan,Ruth Adeyemi\n", encoding="utf-8")
    declared = read_codings(code_corpus([t], CODEBOOK, tmp_path / "c.csv", progress=False))
    assert set(declared["speaker"]) == {"Director"}  # interviewer turns are skipped
    assert (declared["status"] == "coded").any()


def test_codings_csv_is_spreadsheet_safe_and_reads_back_exactly(tmp_path):
    t = tmp_path / "t"
    t.mkdir()
    (t / "a.md").write_text("---\ncouncil: \"=HYPERLINK(1)\"\n---\n"
                            "Director: -We built a partnership with the university.\n", encoding="utf-8")
    csv_path = code_corpus([t], CODEBOOK, tmp_path / "c.csv", progress=False)
    raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    assert set(raw["case"]) == {"'=HYPERLINK(1)"}
    assert all(not v.startswith(("=", "+", "-", "@")) for col in raw for v in raw[col])
    back = read_codings(csv_path)
    assert set(back["case"]) == {"=HYPERLINK(1)"}
    parquet = read_codings(code_corpus([t], CODEBOOK, tmp_path / "c.parquet", progress=False))
    assert set(parquet["case"]) == {"=HYPERLINK(1)"}  # Parquet keeps the raw text
    assert back["text"].tolist() == parquet["text"].tolist()


@given(st.text(max_size=12))
def test_spreadsheet_guard_round_trips_and_never_starts_a_formula(value):
    cell = spreadsheet_safe(value)
    assert spreadsheet_text(cell) == value
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_code_corpus_study_interviewer_from_codebook_settings(tmp_path):
    import yaml

    t = tmp_path / "t"
    t.mkdir()
    (t / "call.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ruth Adeyemi>Did you build partnerships with the university?\n\n"
        "00:00:03.500 --> 00:00:06.000\n<v Director>We built a partnership with the university.\n",
        encoding="utf-8")
    (t / "cases.csv").write_text("file,case\ncall.vtt,wigan\n", encoding="utf-8")
    data = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    data.setdefault("settings", {})["interviewers"] = ["RUTH ADEYEMI"]
    book_path = tmp_path / "codebook.yaml"
    book_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    book = load_codebook(book_path)
    assert book.interviewers == ("RUTH ADEYEMI",)
    for jobs in (1, 2):
        df = read_codings(code_corpus([t], book, tmp_path / "c.csv", jobs=jobs, progress=False))
        assert set(df["speaker"]) == {"Director"}
    from casecoder.pipeline import read_transcripts
    (doc,) = read_transcripts([t], book)
    assert [turn.interviewer for turn in doc.turns] == [True, False]
