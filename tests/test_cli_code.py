"""The ``casecoder code`` command: its help's example run, a corpus coded, overrides applied,
bad codebooks and transcripts refused with the old output kept, warnings one line each."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from casecoder.cli import main

from cli_data import CODEBOOK, INTERVIEWS, examples, write_transcript


def test_cli_code_help_example_runs_and_writes_the_codings(capsys, monkeypatch, tmp_path):
    first = examples(capsys, "code")[0]
    assert first == ["code", "data/interviews", "--out", "codings.csv"]
    (tmp_path / "codebook.yaml").symlink_to(CODEBOOK)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "interviews").symlink_to(INTERVIEWS, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    assert main([*first, "--no-progress"]) == 0
    rows = pd.read_csv(tmp_path / "codings.csv", keep_default_na=False)
    assert set(rows.document) == {p.stem for p in INTERVIEWS.glob("*.md")}


def test_coder_cli_malformed_pattern_exits_2_without_output(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "codebook.yaml"
    bad.write_text("codes:\n  - id: a\n    label: A\n    patterns:\n      - name: broken\n        pattern: [{LEMMA: {FOO: [x]}}]\n", encoding="utf-8")
    out = tmp_path / "codings.csv"
    assert main(["code", str(INTERVIEWS), "--codebook", str(bad), "--out", str(out)]) == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert "[E109]" in err and "codes[0].patterns[0]" in err


def test_coder_cli_unreadable_transcript_leaves_old_output(tmp_path: Path, capsys) -> None:
    (tmp_path / "t").mkdir()
    write_transcript(tmp_path / "t", "good", "Manager: We took calculated risks.")
    (tmp_path / "t" / "bad.md").write_bytes(b"---\ncouncil: [unclosed\n---\nx\n")
    out = tmp_path / "codings.csv"
    out.write_text("old", encoding="utf-8")
    assert main(["code", str(tmp_path / "t"), "--codebook", str(CODEBOOK), "--out", str(out), "--jobs", "2"]) == 2
    assert out.read_text(encoding="utf-8") == "old"
    assert "bad.md" in capsys.readouterr().err


def test_coder_cli_codes_a_corpus(tmp_path: Path, capsys) -> None:
    out = tmp_path / "codings.csv"
    assert main(["code", str(INTERVIEWS), "--codebook", str(CODEBOOK), "--out", str(out), "--jobs", "2"]) == 0
    rows = pd.read_csv(out, keep_default_na=False)
    assert set(rows.status) <= {"coded", "excluded"} and len(rows) > 50


def test_coder_cli_applies_overrides(tmp_path: Path) -> None:
    write_transcript(tmp_path, "doc", "Manager: We took calculated risks.\n\nManager: The weather was fine.")
    overrides = tmp_path / "alice.yaml"
    overrides.write_text(
        "analyst: alice\noverrides:\n"
        "  - {action: remove, document: doc, code: considered_risk, quote: We took calculated risks., note: not risk-taking}\n"
        "  - {action: add, document: doc, code: move_with_pace, quote: The weather was fine., note: a test}\n",
        encoding="utf-8",
    )
    out = tmp_path / "codings.csv"
    assert main(["code", str(tmp_path / "doc.md"), "--codebook", str(CODEBOOK), "--out", str(out), "--overrides", str(overrides)]) == 0
    rows = pd.read_csv(out, keep_default_na=False)
    risk = rows[rows.code == "considered_risk"].iloc[0]
    assert (risk.status, risk.reason) == ("excluded", "removed_by:alice")
    assert rows[(rows.code == "move_with_pace")].source.tolist() == ["manual"]


def test_cli_warnings_are_one_line_each_with_the_file(tmp_path):
    t = tmp_path / "t"
    t.mkdir()
    for name in ("a", "b", "c"):
        (t / f"{name}.md").write_bytes("---\ncouncil: x\n---\nDirector: caf\xe9 partnership.\n".encode("cp1252"))
    (t / "~$a.docx").write_bytes(b"lock")
    for jobs in ("1", "2"):
        run = subprocess.run([sys.executable, "-m", "casecoder", "code", str(t), "--codebook", str(CODEBOOK),
                              "--out", str(tmp_path / "c.csv"), "--no-progress", "--jobs", jobs],
                             capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        lines = run.stderr.strip().splitlines()
        assert sorted(lines) == sorted(
            [f"warning: {t / n}.md: decoded as cp1252 (not UTF-8); save it as UTF-8 to be sure of its characters [E011]"
             for n in ("a", "b", "c")]
            + [f"warning: {t / '~$a.docx'}: skipped: a Word lock file (Word keeps it while the document is open), "
               "not a transcript [E017]"])
