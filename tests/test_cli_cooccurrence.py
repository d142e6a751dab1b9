"""The ``casecoder cooccurrence`` command: its help, the tables and heatmap it writes, and bad
input refused before anything is written."""

from __future__ import annotations

import pandas as pd
import pytest

from casecoder.cli import main

from cooccurrence_data import EXPECTED, hand_codings, write_codebook


@pytest.fixture
def codings() -> pd.DataFrame:
    return hand_codings()


@pytest.fixture
def codebook_file(tmp_path):
    return write_codebook(tmp_path)


def test_cooccurrence_cli_writes_the_tables(codings, codebook_file, tmp_path, capsys):
    src = tmp_path / "codings.csv"
    codings.to_csv(src, index=False)
    out = tmp_path / "co"
    assert main(["cooccurrence", str(src), "--codebook", str(codebook_file), "--unit", "turn", "--out", str(out)]) == 0
    assert "3 of 6 pairs of codes share at least one of 4 coded turns" in capsys.readouterr().err
    counts = pd.read_csv(out / "turn-counts.csv", index_col=0)
    assert counts.to_numpy().tolist() == EXPECTED["turn"][1]
    assert (out / "turn-heatmap.svg").read_text(encoding="utf-8").count("Pace ✓") == 1


def test_cooccurrence_cli_bad_input_exits_2_and_writes_nothing(codings, codebook_file, tmp_path, capsys):
    src = tmp_path / "codings.csv"
    codings.assign(code=codings["code"].replace("culture", "kultur")).to_csv(src, index=False)
    out = tmp_path / "co"
    assert main(["cooccurrence", str(src), "--codebook", str(codebook_file), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "kultur" in err and "[E203]" in err
    assert not out.exists()


def test_cooccurrence_cli_help_has_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["cooccurrence", "--help"])
    assert "casecoder cooccurrence out/codings.csv --unit turn --out out/cooccurrence" in capsys.readouterr().out
