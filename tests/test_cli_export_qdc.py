"""The ``casecoder export-qdc`` command: its help's example run on the shipped codebook, and a
codebook with a bad value refused (exit 2) naming its line, nothing written."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from casecoder.cli import main
from casecoder.codebook import load_codebook

from cli_data import CODEBOOK, examples, shipped_study  # noqa: F401  (the fixture)


def test_cli_export_qdc_help_example_runs_on_the_shipped_codebook(capsys, monkeypatch, shipped_study):
    run = examples(capsys, "export-qdc")[0]
    assert run == ["export-qdc", "--codebook", "codebook.yaml", "--out", "out/codebook.qdc"]
    monkeypatch.chdir(shipped_study)
    assert main(run) == 0
    root = ET.parse(shipped_study / "out" / "codebook.qdc").getroot()
    names = [c.get("name") for c in root.iter("{urn:QDA-XML:codebook:1.0}Code")]
    assert names == [c.label for c in load_codebook(CODEBOOK).codes]


def test_cli_export_qdc_bad_codebook_exits_2_naming_the_line(tmp_path, capsys):
    book = tmp_path / "codebook.yaml"
    book.write_text("codes:\n  - id: a\n    label: A\n    color: nope\n", encoding="utf-8")
    assert main(["export-qdc", "--codebook", str(book), "--out", str(tmp_path / "c.qdc")]) == 2
    assert f"error: {book}:4: codes[0].color:" in capsys.readouterr().err
    assert not (tmp_path / "c.qdc").exists()
