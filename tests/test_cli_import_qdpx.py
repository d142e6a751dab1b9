"""The ``casecoder import-qdpx`` command: its help's example run on a project exported from the
shipped study (codings, texts and codebook written), and a file that is not a project refused
(exit 2) with nothing written."""

from __future__ import annotations

import pandas as pd

from casecoder.cli import main
from casecoder.codebook import load_codebook
from casecoder.transcripts import read_corpus

from cli_data import CODEBOOK, INTERVIEWS, examples, shipped_study  # noqa: F401  (the fixture)


def test_cli_import_qdpx_help_example_runs_on_an_exported_project(capsys, monkeypatch, shipped_study):
    run = examples(capsys, "import-qdpx")[0]
    assert run == ["import-qdpx", "nvivo.qdpx", "--codebook", "codebook.yaml", "--out", "out/nvivo-codings.csv",
                   "--texts", "out/nvivo-texts", "--codebook-out", "out/nvivo-codebook.yaml"]
    monkeypatch.chdir(shipped_study)
    assert main(["export-qdpx", "codings.csv", "data/interviews", "--out", "nvivo.qdpx"]) == 0
    assert main(run) == 0
    codings = pd.read_csv(shipped_study / "out" / "nvivo-codings.csv", keep_default_na=False)
    texts = {d.id: d.text for d in read_corpus([shipped_study / "out" / "nvivo-texts"], case_key=load_codebook(CODEBOOK).case_key)}
    assert set(texts) == {p.stem for p in INTERVIEWS.glob("*.md")} and len(codings) > 0
    assert all(texts[r.document][r.start:r.end] == r.text for r in codings.itertuples())
    assert load_codebook(shipped_study / "out" / "nvivo-codebook.yaml").ids == load_codebook(CODEBOOK).ids


def test_cli_import_qdpx_not_a_project_exits_2_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "bad.qdpx").write_bytes(b"not a zip")
    out = tmp_path / "o.csv"
    assert main(["import-qdpx", str(tmp_path / "bad.qdpx"), "--out", str(out), "--texts", str(tmp_path / "t")]) == 2
    err = capsys.readouterr().err
    assert f"error: {tmp_path / 'bad.qdpx'}: not a zip archive" in err and "[E702]" in err
    assert not out.exists() and not (tmp_path / "t").exists()
