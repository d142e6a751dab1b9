"""The ``casecoder init`` command: its help's examples run in order (a study laid out, then coded),
a folder that is not empty or a bad codebook refused (exit 2), files made under the umask."""

from __future__ import annotations

import os
import stat

import pytest

from casecoder.cli import main
from casecoder.errors import UsageError
from casecoder.starter import init_study

from cli_data import CODEBOOK, examples


def test_cli_init_help_examples_run_in_order(capsys, monkeypatch, tmp_path):
    runs = examples(capsys, "init")
    assert runs == [["init", "my-study"], ["init", "my-study", "--codebook", "codebook.yaml"]]
    monkeypatch.chdir(tmp_path)
    assert main(runs[0]) == 0
    assert "next:" in capsys.readouterr().out
    # the third line: cd my-study && casecoder code examples/ --codebook codebook.yaml --out codings.csv
    monkeypatch.chdir(tmp_path / "my-study")
    assert main(["code", "examples/", "--codebook", "codebook.yaml", "--out", "codings.csv", "--no-progress"]) == 0
    assert "involve_residents" in (tmp_path / "my-study" / "codings.csv").read_text(encoding="utf-8")
    # the second, in a fresh folder beside a codebook: the codebook is copied as it is
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "codebook.yaml").write_bytes(CODEBOOK.read_bytes())
    monkeypatch.chdir(tmp_path / "other")
    assert main(runs[1]) == 0
    assert (tmp_path / "other" / "my-study" / "codebook.yaml").read_bytes() == CODEBOOK.read_bytes()


def test_cli_init_bad_codebook_exits_2_naming_it_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ncodes: nope\n", encoding="utf-8")
    assert main(["init", str(tmp_path / "study"), "--codebook", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"error: {bad}:2:" in err and "[E1" in err
    assert not (tmp_path / "study").exists()


def test_starter_never_overwrites_and_honours_the_umask(tmp_path, capsys):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        init_study(busy)
    assert info.value.problems[0].code == "E903"
    assert sorted(p.name for p in busy.iterdir()) == ["notes.txt"]
    assert main(["init", str(busy)]) == 2 and "[E903]" in capsys.readouterr().err
    old = os.umask(0o022)
    try:
        empty = tmp_path / "empty"
        empty.mkdir()
        assert main(["init", str(empty)]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(empty.stat().st_mode) == 0o755
    assert stat.S_IMODE((empty / "codebook.yaml").stat().st_mode) == 0o644
    assert "next:" in capsys.readouterr().out
