"""The ``casecoder override`` command: its help's examples run on the shipped corpus, an addition
and a removal written to an analyst's file, and bad input refused (exit 2) with nothing written."""

from __future__ import annotations

import pytest

from casecoder.cli import main
from casecoder.codebook import load_codebook
from casecoder.overrides import load_overrides

from cli_data import CODEBOOK, INTERVIEWS, ROOT, examples

BOOK = load_codebook(CODEBOOK, validate_patterns=False)


def test_cli_override_help_examples_run_on_the_shipped_corpus(capsys, monkeypatch, tmp_path):
    runs = examples(capsys, "override")
    assert [r[:2] for r in runs] == [["override", "add"], ["override", "remove"]]
    (tmp_path / "codebook.yaml").symlink_to(CODEBOOK)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "interviews").symlink_to(INTERVIEWS, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    for run in runs:
        assert main(run) == 0
    ov = load_overrides(tmp_path / "overrides" / "alice.yaml", codebook=BOOK)
    assert [(e.action, e.document, e.code) for e in ov.entries] == [
        ("add", "oldham", "considered_risk"), ("remove", "surrey", "considered_risk")]


@pytest.fixture()
def transcripts(tmp_path):
    folder = tmp_path / "interviews"
    folder.mkdir()
    (folder / "oldham.md").write_text(
        "---\ncouncil: oldham\n---\n# Leadership actions\n\nInterviewer: What mattered?\n\n"
        "Manager: We were willing to jump off that cliff. We work with partners in new ways.\n",
        encoding="utf-8")
    return folder


def run_cli(tmp_path, transcripts, *args):
    return main(["override", *args, str(transcripts), "--codebook", str(ROOT / "codebook.yaml"),
                 "--file", str(tmp_path / "ov" / "alice.yaml")])


def test_overrides_cli_adds_and_removes(tmp_path, transcripts, capsys):
    assert run_cli(tmp_path, transcripts, "add", "oldham", "jump off  that cliff", "considered_risk",
                   "--note", "leap of faith", "--analyst", "alice") == 0
    assert run_cli(tmp_path, transcripts, "remove", "oldham", "partners in new ways", "partnerships",
                   "--note", "checking") == 0
    ov = load_overrides(tmp_path / "ov" / "alice.yaml", codebook=BOOK)
    assert [(e.action, e.code) for e in ov.entries] == [("add", "considered_risk"), ("remove", "partnerships")]
    assert "alice.yaml:" in capsys.readouterr().out


@pytest.mark.parametrize("args,code", [
    (["add", "oldham", "jump off that cliff", "no_code", "--note", "x", "--analyst", "alice"], "E407"),
    (["add", "wigan", "jump off that cliff", "considered_risk", "--note", "x", "--analyst", "alice"], "E408"),
    (["add", "oldham", "jump off a cliff", "considered_risk", "--note", "x", "--analyst", "alice"], "E409"),
    (["add", "oldham", "jump off that cliff", "considered_risk", "--note", "x"], "E414"),
])
def test_overrides_cli_bad_input_exits_2_and_writes_nothing(tmp_path, transcripts, capsys, args, code):
    assert run_cli(tmp_path, transcripts, *args) == 2
    assert f"[{code}]" in capsys.readouterr().err
    assert not (tmp_path / "ov").exists()


def test_overrides_cli_refuses_an_escaping_analyst_name(tmp_path, transcripts, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["override", "add", "oldham", "jump off that cliff", "considered_risk", "--note", "x",
                 "--analyst", "../../escaped", str(transcripts),
                 "--codebook", str(ROOT / "codebook.yaml")])
    assert code == 2 and "[E417]" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["interviews"]
    assert not (tmp_path.parent / "escaped.yaml").exists()
