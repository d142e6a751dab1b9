"""The ``casecoder reproduce`` command on the mini study of tests/study_data.py: its help's example
run, exit 1 when a target is missed, and bad inputs or a foreign output folder refused (exit 2)."""

from __future__ import annotations

from casecoder.cli import main

from cli_data import examples
from study_data import NORTH, study  # noqa: F401  (the fixture)


def test_cli_reproduce_help_example_runs_in_a_study_folder(study, capsys, monkeypatch):
    first = examples(capsys, "reproduce")[0]
    assert first == ["reproduce", "--out", "reproduction"]
    monkeypatch.chdir(study)
    assert main([*first, "--no-review"]) == 0
    assert "REPRODUCED" in capsys.readouterr().out
    assert (study / "reproduction" / "REPRODUCTION.md").is_file()


def test_reproduce_cli_exit_codes(study, tmp_path, capsys):
    assert main(["reproduce", "--root", str(study), "--out", str(tmp_path / "o"), "--no-review"]) == 0
    out = capsys.readouterr()
    assert "REPRODUCED" in out.out and "coding 2 transcripts" in out.err
    # patterns alone (no overrides files): a target is missed -> exit 1, and the outputs are still written
    assert main(["reproduce", "--root", str(study), "--out", str(tmp_path / "p"), "--no-review", "--overrides"]) == 1
    assert "missed: pace: 1 councils, target 2" in capsys.readouterr().out
    assert (tmp_path / "p" / "REPRODUCTION.md").is_file()


def test_reproduce_refuses_a_folder_that_is_not_a_reproduction(study, tmp_path, capsys):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.docx").write_text("years of work", encoding="utf-8")
    assert main(["reproduce", "--root", str(study), "--out", str(precious), "--no-review"]) == 2
    assert "E517" in capsys.readouterr().err
    assert [p.name for p in precious.iterdir()] == ["thesis.docx"]


def test_reproduce_missing_inputs_exit_2_and_write_nothing(study, tmp_path, capsys):
    (study / "codebook.yaml").unlink()
    assert main(["reproduce", "--root", str(study), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "E513" in err and "codebook.yaml" in err
    assert not (tmp_path / "o").exists()


def test_reproduce_case_not_in_targets_exit_2(study, tmp_path, capsys):
    (study / "data/interviews/east.md").write_text(NORTH.replace("council: north", "council: east"), encoding="utf-8")
    assert main(["reproduce", "--root", str(study), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "E507" in err and "'east'" in err
    assert not (tmp_path / "o").exists()
