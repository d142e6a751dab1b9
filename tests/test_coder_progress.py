"""Progress that moves within a large transcript: the coder's ``progress(done, total)`` callback
and the bar ``casecoder code`` draws from it."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from casecoder.cli import _progress
from casecoder.cli import main as cli_main
from casecoder.coder import _running, code_corpus, code_documents, compile_codebook
from casecoder.errors import CoderError
from casecoder.schema import read_codings, write_codings
from casecoder.transcripts import read_document

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebook.yaml"


@pytest.fixture(scope="module")
def coder():
    return compile_codebook(CODEBOOK)


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    """One transcript of about 240,000 characters (seven pieces of turns or more): the
    shipped interviews' text, five times over, under one case."""
    bodies = [p.read_text(encoding="utf-8").split("---\n", 2)[2] for p in sorted((ROOT / "data/interviews").glob("*.md"))]
    path = tmp_path_factory.mktemp("large") / "large-council.md"
    path.write_text("---\ncouncil: large\n---\n" + "\n".join(bodies * 5), encoding="utf-8")
    return path


def _recorder() -> tuple[list[tuple[int, int | None]], object]:
    calls: list[tuple[int, int | None]] = []
    return calls, lambda done, total: calls.append((done, total))


def _assert_moves_to_the_end(calls: list[tuple[int, int | None]], total: int, at_least: int) -> None:
    dones = [d for d, _ in calls]
    assert len(calls) >= at_least, calls
    assert {t for _, t in calls} == {total}
    assert dones == sorted(set(dones)), "done must grow at every call"
    assert 0 < dones[0] < total and dones[-1] == total


@pytest.mark.parametrize("jobs", [1, 2])
def test_coder_progress_moves_within_one_large_document(large, coder, jobs):
    document = read_document(large, case_key="council")
    assert len(document.text) > 6 * _running._PIECE_CHARS
    calls, progress = _recorder()
    code_documents([document], coder, jobs=jobs, progress=progress)
    _assert_moves_to_the_end(calls, len(document.text), at_least=5)


@pytest.mark.parametrize("jobs", [1, 2])
def test_coder_progress_of_a_corpus_counts_bytes_of_the_files(large, coder, tmp_path, jobs):
    small = ROOT / "data/interviews/oldham.md"
    calls, progress = _recorder()
    code_corpus([large, small], coder, tmp_path / "c.csv", jobs=jobs, progress=progress)
    _assert_moves_to_the_end(calls, large.stat().st_size + small.stat().st_size, at_least=5)


def test_coder_progress_counts_an_unreadable_file_as_done(coder, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bad.md").write_bytes(b"---\ncouncil: x\n---\nDirector: we\x00 work.\n")
    calls, progress = _recorder()
    with pytest.raises(Exception):
        code_corpus([tmp_path], coder, tmp_path / "c.csv", progress=progress)
    assert calls[-1] == ((tmp_path / "bad.md").stat().st_size,) * 2


def test_coder_progress_of_a_generator_has_no_total(coder):
    documents = (read_document(p, case_key="council") for p in sorted((ROOT / "data/interviews").glob("*.md")))
    calls, progress = _recorder()
    code_documents(documents, coder, progress=progress)
    assert len(calls) == 9 and {t for _, t in calls} == {None}


@pytest.mark.parametrize("jobs", [1, 2])
def test_coder_progress_does_not_change_the_codings(large, coder, tmp_path, jobs):
    silent = code_corpus([large, ROOT / "data/interviews"], coder, tmp_path / "a.csv", jobs=jobs)
    told = code_corpus([large, ROOT / "data/interviews"], coder, tmp_path / "b.csv", jobs=jobs,
                       progress=lambda done, total: None)
    assert silent.read_bytes() == told.read_bytes()


@pytest.mark.parametrize("every_rule", [False, True])
@pytest.mark.parametrize("piece", [1, 4_000, 10**9])
def test_coder_large_document_in_pieces_gives_the_rows_of_the_whole(large, coder, monkeypatch, piece, every_rule):
    # 10**9: the whole document at once, as before pieces; 1: every turn a piece of its own.
    document = read_document(large, case_key="council")
    pieces = code_documents([document], coder, every_rule=every_rule)
    monkeypatch.setattr(_running, "_PIECE_CHARS", piece)
    assert code_documents([document], coder, every_rule=every_rule).equals(pieces)


@pytest.mark.parametrize("progress", ["yes", 3, True])
def test_coder_progress_must_be_callable(coder, progress):
    with pytest.raises(CoderError) as info:
        code_documents([], coder, progress=progress)
    assert [p.code for p in info.value.problems] == ["E309"]


@pytest.mark.parametrize("progress", [None, False])
def test_coder_progress_none_or_false_reports_nothing(coder, progress):
    assert code_documents([read_document(ROOT / "data/interviews/oldham.md", case_key="council")], coder, progress=progress).shape[0] > 0


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run_code(monkeypatch, tmp_path, large, *options: str, terminal: bool = True) -> str:
    err = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(_progress, "MININTERVAL", 0)  # draw every update, however fast the machine
    assert cli_main(["code", str(large), "--codebook", str(CODEBOOK), "--out", str(tmp_path / "c.csv"), *options]) == 0
    return err.getvalue()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cli_code_bar_moves_within_a_large_file(monkeypatch, tmp_path, large, jobs):
    shown = _run_code(monkeypatch, tmp_path, large, "--jobs", jobs)
    percents = [int(p) for p in re.findall(r"coding:\s*(\d+)%", shown)]
    assert len(set(percents)) >= 4, shown
    assert any(0 < p < 100 for p in percents) and percents == sorted(percents)


def test_cli_code_no_bar_with_no_progress(monkeypatch, tmp_path, large):
    assert "%" not in _run_code(monkeypatch, tmp_path, large, "--no-progress")


def test_cli_code_no_bar_when_stderr_is_not_a_terminal(monkeypatch, tmp_path, large):
    assert "%" not in _run_code(monkeypatch, tmp_path, large, terminal=False)


def _percents(shown: str) -> list[int]:
    return [int(p) for p in re.findall(r"coding:\s*(\d+)%", shown)]


@pytest.mark.parametrize("command", ["compare", "evaluate", "rules", "codebook-diff"])
def test_cli_other_coding_commands_draw_the_bar_and_take_no_progress(monkeypatch, tmp_path, large, command):
    # Every command that runs the coder on transcripts shows the same bar, and --no-progress.
    gold = tmp_path / "gold.csv"
    gold.write_text("document,turn,code,quote,reason\nlarge-council,0,partnerships,transcript,x\n", encoding="utf-8")
    other = tmp_path / "alex.csv"
    write_codings(read_codings(code_corpus([large], CODEBOOK, tmp_path / "auto.csv")).assign(analyst="alex"), other)
    args = {
        "compare": ["compare", "auto", str(other), "--transcripts", str(large), "--codebook", str(CODEBOOK),
                    "--replicates", "0", "--out", str(tmp_path / "agreement")],
        "evaluate": ["evaluate", str(CODEBOOK), str(gold), str(large)],
        "rules": ["rules", str(CODEBOOK), str(large), "--gold", str(gold), "--out", str(tmp_path / "rules")],
        "codebook-diff": ["codebook-diff", str(CODEBOOK), str(CODEBOOK), str(large), "--out", str(tmp_path / "diff")],
    }[command]
    monkeypatch.setattr(_progress, "MININTERVAL", 0)
    for extra, moving in (([], True), (["--no-progress"], False)):
        err = _Terminal()
        monkeypatch.setattr(sys, "stderr", err)
        assert cli_main([*args, *extra]) == 0, err.getvalue()
        percents = _percents(err.getvalue())
        assert (len(set(percents)) >= 4 and any(0 < p < 100 for p in percents)) is moving, err.getvalue()
