"""The validate command: clear lines and exit 2 on bad input, 0 when all is well."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from casecoder.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_cli_validate_ok(tmp_path, capsys):
    (tmp_path / "a.md").write_text("---\ncouncil: a\n---\nDirector: Fine.\n", encoding="utf-8")
    assert main(["validate", "--codebook", str(ROOT / "codebook.yaml"), str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "17 codes, ok" in out and "1 transcripts, 1 cases" in out


@pytest.mark.parametrize(
    ("files", "expect"),
    [
        ({"empty.txt": b""}, "empty.txt: the file is empty [E003]"),
        ({"scan.txt": b"%PDF-1.4 ..."}, "scan.txt: this looks like a binary file (PDF)"),
        ({"fm.md": b"---\ncouncil: [x\n---\nA: b\n"}, "fm.md:3: front matter is not valid YAML"),
    ],
)
def test_cli_validate_bad_transcripts_exit_2(tmp_path, capsys, files, expect):
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    assert main(["validate", "--codebook", str(ROOT / "codebook.yaml"), str(tmp_path)]) == 2
    assert expect in capsys.readouterr().err


def test_cli_validate_bad_codebook_lists_each_problem(tmp_path, capsys):
    book = tmp_path / "book.yaml"
    book.write_text("codes:\n  - id: a\n    label: A\n  - id: a\n    label: A2\n    parent: q\n", encoding="utf-8")
    assert main(["validate", "--codebook", str(book)]) == 2
    out = capsys.readouterr()
    err = out.err.strip().splitlines()
    assert len(err) == 2
    assert all(line.startswith(f"error: {book}:") for line in err)
    assert out.out.strip().splitlines()[-1] == "not ok: 2 problems (listed on standard error)"


def test_cli_validate_new_user_without_a_codebook_hears_where_one_comes_from(tmp_path, capsys, monkeypatch):
    # Issue 16, item 11: a first validate in a folder with transcripts and no codebook.yaml.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "transcripts" / "a.md").write_text("---\ncase: a\n---\nDirector: Fine.\n", encoding="utf-8")
    assert main(["validate", "transcripts"]) == 2
    out = capsys.readouterr()
    assert "codebook.yaml: codebook file not found" in out.err and "casecoder init FOLDER" in out.err
    assert "[E101]" in out.err
    assert out.out.strip().splitlines()[-1] == "not ok: 1 problem (listed on standard error)"


def test_cli_validate_missing_paths_exit_2(tmp_path, capsys):
    assert main(["validate", "--codebook", str(tmp_path / "none.yaml"), str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "none.yaml" in err and "nowhere" in err and "Traceback" not in err


def test_cli_help_reads_as_a_guide():
    out = subprocess.run([sys.executable, "-m", "casecoder", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0
    # the guide's worked commands, not the word "example" alone
    assert "casecoder validate --codebook" in out.stdout and "casecoder code " in out.stdout
    sub = subprocess.run([sys.executable, "-m", "casecoder", "validate", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert sub.returncode == 0 and "example:" in sub.stdout and "Exit status" in sub.stdout


def test_cli_usage_error_exit_2():
    out = subprocess.run([sys.executable, "-m", "casecoder", "validate", "--nope"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and "E901" in out.stderr


def test_cli_unwritable_output_is_a_message_and_exit_2(tmp_path, capsys):
    out = tmp_path / "site.qdc"
    out.mkdir()  # a folder where the file should go
    assert main(["export-qdc", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"error: {out}:" in err and "[E902]" in err and "Traceback" not in err
