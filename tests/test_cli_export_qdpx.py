"""The ``casecoder export-qdpx`` command: its help's example run on the shipped study, a round trip
through all four REFI-QDA commands, and a codings table without its columns refused (exit 2)."""

from __future__ import annotations

import zipfile

import pandas as pd

from casecoder.cli import main
from casecoder.codebook import load_codebook
from casecoder.transcripts import read_corpus

from cli_data import INTERVIEWS, examples, shipped_study  # noqa: F401  (the fixture)
from refi_data import refi_codings, refi_docs


def test_cli_export_qdpx_help_example_runs_on_the_shipped_study(capsys, monkeypatch, shipped_study):
    run = examples(capsys, "export-qdpx")[1]
    assert run == ["export-qdpx", "out/codings.csv", "data/interviews", "--out", "out/for-nvivo.qdpx",
                   "--convention", "utf16"]
    (shipped_study / "out").mkdir(exist_ok=True)
    (shipped_study / "out" / "codings.csv").write_bytes((shipped_study / "codings.csv").read_bytes())
    monkeypatch.chdir(shipped_study)
    assert main(run) == 0
    with zipfile.ZipFile(shipped_study / "out" / "for-nvivo.qdpx") as zf:
        names = zf.namelist()
    assert "project.qde" in names and sum(n.startswith("sources/") for n in names) == len(list(INTERVIEWS.glob("*.md")))


def test_cli_export_qdpx_codings_without_columns_exit_2_and_write_nothing(tmp_path, capsys):
    (tmp_path / "c.csv").write_text("document,case\n", encoding="utf-8")
    out = tmp_path / "p.qdpx"
    assert main(["export-qdpx", str(tmp_path / "c.csv"), str(INTERVIEWS), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"error: {tmp_path / 'c.csv'}: missing column(s): start, end, code" in err and "[E202]" in err
    assert not out.exists()


def test_refi_cli_round_trip(tmp_path, capsys):
    docs = refi_docs(tmp_path)
    codings = refi_codings(docs)
    codings.to_csv(tmp_path / "codings.csv", index=False)
    (tmp_path / "codebook.yaml").write_text(
        "codes:\n"
        "  - {id: bold_leadership, label: Be bold, definition: d, color: '#332288'}\n"
        "  - {id: involve_residents, label: Involve residents, definition: d}\n"
        "  - {id: co_design, label: Co-design, definition: d, parent: involve_residents}\n", encoding="utf-8")
    cb = str(tmp_path / "codebook.yaml")
    assert main(["export-qdpx", str(tmp_path / "codings.csv"), str(tmp_path / "t"), "--codebook", cb,
                 "--out", str(tmp_path / "p.qdpx")]) == 0
    assert main(["export-qdc", "--codebook", cb, "--out", str(tmp_path / "c.qdc")]) == 0
    assert main(["import-qdpx", str(tmp_path / "p.qdpx"), "--codebook", cb, "--out", str(tmp_path / "in.csv"),
                 "--texts", str(tmp_path / "texts"), "--codebook-out", str(tmp_path / "cb2.yaml")]) == 0
    assert main(["import-qdc", str(tmp_path / "c.qdc"), "--out", str(tmp_path / "cb3.yaml")]) == 0
    assert "positions: codepoints" in capsys.readouterr().out
    back = read_corpus([tmp_path / "texts"])
    assert {d.id: (d.text, d.case) for d in back} == {d.id: (d.text, d.case) for d in docs}
    got = pd.read_csv(tmp_path / "in.csv", keep_default_na=False)
    for r in got.itertuples():
        assert {d.id: d for d in back}[r.document].text[r.start:r.end] == r.text
    assert load_codebook(tmp_path / "cb2.yaml").ids == ("bold_leadership", "involve_residents", "co_design")
    assert load_codebook(tmp_path / "cb3.yaml", validate_patterns=False).ids == (
        "be_bold", "involve_residents", "co_design")
