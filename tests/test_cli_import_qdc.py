"""The ``casecoder import-qdc`` command: its help's example run on a codebook exported from the
shipped one, and malformed XML refused (exit 2) naming its line, nothing written."""

from __future__ import annotations

from casecoder.cli import main
from casecoder.codebook import load_codebook

from cli_data import CODEBOOK, examples, shipped_study  # noqa: F401  (the fixture)


def test_cli_import_qdc_help_example_runs_on_an_exported_codebook(capsys, monkeypatch, shipped_study):
    run = examples(capsys, "import-qdc")[0]
    assert run == ["import-qdc", "atlas.qdc", "--out", "out/atlas-codebook.yaml"]
    monkeypatch.chdir(shipped_study)
    assert main(["export-qdc", "--codebook", "codebook.yaml", "--out", "atlas.qdc"]) == 0
    assert main(run) == 0
    back = load_codebook(shipped_study / "out" / "atlas-codebook.yaml", validate_patterns=False)
    assert [c.label for c in back.codes] == [c.label for c in load_codebook(CODEBOOK).codes]


def test_cli_import_qdc_malformed_xml_exits_2_naming_the_line(tmp_path, capsys):
    (tmp_path / "bad.qdc").write_text("<CodeBook>\n<Codes>\n<x", encoding="utf-8")
    out = tmp_path / "o.yaml"
    assert main(["import-qdc", str(tmp_path / "bad.qdc"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"error: {tmp_path / 'bad.qdc'}:3:" in err and "[E704]" in err
    assert not out.exists()
