"""The ``casecoder evaluate`` command: its help's example run on the shipped gold, the tables it
prints and writes (byte-identical on a rerun), and a missing gold file refused (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from casecoder.cli import main
from casecoder.schema import write_codings
from casecoder.segments import sentences

from cli_data import examples, shipped_study  # noqa: F401  (the fixture)
from evaluate_data import A, row

ROOT = Path(__file__).resolve().parents[1]


def test_cli_evaluate_help_example_runs_on_the_shipped_gold(capsys, monkeypatch, shipped_study):
    runs = examples(capsys, "evaluate")
    assert runs[1] == ["evaluate", "codings.csv", "data/gold", "data/interviews", "--level", "turn", "--out", "eval/"]
    monkeypatch.chdir(shipped_study)
    assert main(runs[1]) == 0
    assert "level: turn" in capsys.readouterr().out
    assert sorted(p.name for p in (shipped_study / "eval").iterdir()) == [
        "errors_turn.csv", "evaluation_turn.md", "scores_turn.csv"]


def test_evaluate_cli_prints_and_writes(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "interviews"
    folder.mkdir()
    (folder / "a.md").write_text("---\ncouncil: oldham\n---\n# Actions\n\n" + "\n\n".join(
        f"{t.speaker}: {t.text}" for t in A.turns) + "\n", encoding="utf-8")
    (tmp_path / "gold.csv").write_text(
        "document,turn,code,quote,reason\na,2,partnerships,a joint venture,jv\n", encoding="utf-8")
    from casecoder.transcripts import read_corpus

    (doc,) = read_corpus([folder], case_key="council")  # as the shipped codebook reads it
    seg = next(s for s in sentences(doc) if "joint venture" in s.text)
    write_codings(pd.DataFrame([{**row(A, 4, "partnerships"), "start": seg.start, "end": seg.end}]), tmp_path / "c.csv")
    args = ["evaluate", str(tmp_path / "c.csv"), str(tmp_path / "gold.csv"), str(folder),
            "--codebook", str(ROOT / "codebook.yaml"), "--level", "all", "--out", str(tmp_path / "out")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "level: sentence" in out and "level: case" in out and "micro" in out
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(f"{k}_{lvl}.{ext}" for lvl in ("sentence", "turn", "case")
                             for k, ext in (("scores", "csv"), ("errors", "csv"), ("evaluation", "md")))
    first = (tmp_path / "out" / "scores_turn.csv").read_bytes()
    assert main(args) == 0
    assert (tmp_path / "out" / "scores_turn.csv").read_bytes() == first  # byte-identical rerun
    assert main(["evaluate", str(tmp_path / "c.csv"), str(tmp_path / "nope.csv"), str(folder)]) == 2
    assert "[E451]" in capsys.readouterr().err
