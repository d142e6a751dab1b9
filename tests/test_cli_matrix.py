"""The ``casecoder matrix`` command: its help's example run, counts and presence in CSV and Parquet,
subtotals by an attribute, the framework matrix, and bad codings refused with nothing written."""

from __future__ import annotations

import pandas as pd
import pytest

from casecoder.cli import main

from cli_data import examples, shipped_study  # noqa: F401  (the fixture)
from study_data import BAD_CODINGS, check_bad_codings_exit_2_and_write_nothing, codings_file, study  # noqa: F401


def test_cli_matrix_help_example_runs_and_writes_the_matrix(capsys, monkeypatch, shipped_study):
    first = examples(capsys, "matrix")[0]
    assert first == ["matrix", "codings.csv", "--value", "presence", "--out", "presence.csv"]
    monkeypatch.chdir(shipped_study)
    assert main(first) == 0
    m = pd.read_csv(shipped_study / "presence.csv", index_col="case")
    assert len(m) == 9 and set(m.to_numpy().ravel()) <= {0, 1}


def test_cli_matrix_writes_csv_and_parquet(study, codings_file, tmp_path):
    cb = str(study / "codebook.yaml")
    out = tmp_path / "m.csv"
    assert main(["matrix", str(codings_file), "--codebook", cb, "--value", "presence", "--out", str(out)]) == 0
    m = pd.read_csv(out, index_col="case")
    assert list(m.columns) == ["pace", "risk"] and m.loc["south"].tolist() == [1, 1]
    assert main(["matrix", str(codings_file), "--codebook", cb, "--source", "auto", "--out", str(tmp_path / "m.parquet")]) == 0
    assert pd.read_parquet(tmp_path / "m.parquet").set_index("case").loc["south"].tolist() == [0, 1]
    by = tmp_path / "by.csv"
    assert main(["matrix", str(codings_file), "--codebook", cb, "--value", "presence",
                 str(study / "data/interviews"), "--by", "council_type", "--out", str(by)]) == 0
    assert pd.read_csv(by, index_col=0).loc["all"].tolist() == [2, 2]
    fw = tmp_path / "fw.csv"
    assert main(["matrix", str(codings_file), "--codebook", cb, "--framework", "1", "--out", str(fw)]) == 0
    assert pd.read_csv(fw, index_col="case").loc["north", "pace"].startswith("2 segments\n“We move forward")


@pytest.mark.parametrize(("change", "code"), BAD_CODINGS)
def test_cli_matrix_bad_codings_exit_2_and_write_nothing(study, codings_file, tmp_path, capsys, change, code):
    check_bad_codings_exit_2_and_write_nothing(study, codings_file, tmp_path, capsys, change, code, "matrix")
