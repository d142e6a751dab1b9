"""A new user's first study, scripted: every format, bad inputs mixed in, a kill mid-write,
umask 022. Each step runs the real command line in a fresh process, as a researcher would."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

docx = pytest.importorskip("docx")

ROOT = Path(__file__).resolve().parents[1]


def cc(*args: str, cwd: Path, check: int | None = 0) -> subprocess.CompletedProcess[str]:
    run = subprocess.run([sys.executable, "-m", "casecoder", *args], cwd=cwd, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    if check is not None:
        assert run.returncode == check, (args, run.stdout, run.stderr)
    return run


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write_study(t: Path) -> None:
    (t / "alpha.txt").write_text("Interviewer: What changed?\n\nDirector: We set up a joint venture with "
                                 "the housing association.\n", encoding="utf-8")
    (t / "beta.md").write_text("---\ncase: north\n---\n# Changes\n\nQ: And residents?\n\nManager: We "
                               "co-designed the service with families.\n", encoding="utf-8")
    word = docx.Document()
    word.add_heading("Changes", level=1)
    word.add_paragraph("Interviewer: Who did you work with?")
    word.add_paragraph("Director: We pooled budgets with the health trust.")
    word.save(str(t / "gamma.docx"))
    (t / "delta.vtt").write_text(
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\n<v Ruth Adeyemi>Did you build a joint venture &amp; more?\n\n"
        "2\n00:00:03.500 --> 00:00:06.000\n<v Director>We didn&apos;t wait: a joint venture came first.\n",
        encoding="utf-8")
    (t / "eps.txt").write_bytes("Director: Our café partnership with the college.\n".encode("cp1252"))
    (t / "zeta.txt").write_text("Director: We co-designed it with residents — all of them.\n", encoding="utf-16")
    (t / "cases.csv").write_text("file,case,interviewer\nalpha.txt,north,\ngamma.docx,south,\n"
                                 "delta.vtt,=south,Ruth Adeyemi\neps.txt,east,\nzeta.txt,east,\n", encoding="utf-8")


def test_walkthrough_a_new_users_first_study(tmp_path):
    old_umask = os.umask(0o022)
    try:
        _walk(tmp_path)
    finally:
        os.umask(old_umask)


def _walk(tmp_path: Path) -> None:
    # 1. A study folder, and a study in every format the reader knows.
    cc("init", "study", cwd=tmp_path)
    study = tmp_path / "study"
    t = study / "transcripts"
    write_study(t)
    # 2. Bad inputs mixed in: every one is listed, the lock file is only a note.
    (t / "empty.txt").write_bytes(b"")
    (t / "scan.txt").write_bytes(b"%PDF-1.4 \x00\x01\x02")
    (t / "~$gamma.docx").write_bytes(b"lock")
    bad = cc("validate", "--codebook", "codebook.yaml", "transcripts", cwd=study, check=2)
    assert "empty.txt: the file is empty [E003]" in bad.stderr and "scan.txt:" in bad.stderr
    assert "[E017]" in bad.stderr and "[E011]" in bad.stderr  # the lock file, the cp1252 file
    assert "not ok: 2 problems" in bad.stdout
    assert cc("code", "transcripts", "--codebook", "codebook.yaml", "--out", "codings.csv",
              cwd=study, check=2).stderr.count("error:") == 2
    assert not (study / "codings.csv").exists()
    (t / "empty.txt").unlink()
    (t / "scan.txt").unlink()
    ok = cc("validate", "--codebook", "codebook.yaml", "transcripts", cwd=study)
    assert "6 transcripts" in ok.stdout
    # 3. Code it; outputs are shared-readable, the named interviewer is not coded, entities are
    #    decoded, a case a spreadsheet would run is written safely and read back exactly.
    cc("code", "transcripts", "--codebook", "codebook.yaml", "--out", "codings.csv", "--jobs", "2",
       "--no-progress", cwd=study)
    out = study / "codings.csv"
    assert mode(out) == 0o644
    raw = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert "Ruth Adeyemi" not in set(raw["speaker"])
    assert set(raw["document"]) >= {"alpha", "beta", "gamma", "delta", "eps", "zeta"}
    assert "'=south" in set(raw["case"]) and not any(v.startswith("=") for v in raw["case"])
    assert any("didn't" in v for v in raw["text"])
    # 4. A kill mid-write never damages the output and leaves nothing behind after the next run.
    big = study / "big"
    big.mkdir()
    for i in range(60):
        for src in sorted((ROOT / "data" / "interviews").glob("*.md")):
            shutil.copy(src, big / f"{src.stem}-{i}.md")
    before = out.read_bytes()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "casecoder", "code", "big", "--codebook", "codebook.yaml",
                             "--case-key", "council", "--out", "codings.csv", "--no-progress"],
                            cwd=study, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(study.glob(".codings.csv.*.tmp.csv")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed: make the corpus bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert out.read_bytes() == before
    assert list(study.glob(".codings.csv.*.tmp.csv"))  # the killed run could not clean up ...
    shutil.rmtree(big)
    cc("code", "transcripts", "--codebook", "codebook.yaml", "--out", "codings.csv", "--no-progress", cwd=study)
    assert not list(study.glob(".codings.csv.*"))  # ... the next run did
    # 5. Correct the machine; a name that is not a name is refused; a no-op remove is warned.
    refused = cc("override", "add", "alpha", "joint venture", "partnerships", "transcripts", "--note", "x",
                 "--analyst", "../escaped", "--codebook", "codebook.yaml", cwd=study, check=2)
    assert "[E417]" in refused.stderr and not (tmp_path / "escaped.yaml").exists()
    cc("override", "remove", "zeta", "co-designed it with residents", "partnerships", "transcripts",
       "--note", "nothing to remove", "--analyst", "Zoë O'Neil", "--codebook", "codebook.yaml", cwd=study)
    ov = study / "overrides" / "Zoë O'Neil.yaml"
    assert mode(ov) == 0o644
    applied = cc("code", "transcripts", "--codebook", "codebook.yaml", "--overrides", str(ov),
                 "--out", "codings.csv", "--no-progress", cwd=study)
    assert "removes nothing" in applied.stderr and "[E419]" in applied.stderr
    # 6. Compare the machine with the reviewed coding; the summary names the folder once.
    compared = cc("compare", "auto", str(ov), "--transcripts", "transcripts", "--codebook", "codebook.yaml",
                  "--out", "agreement/", cwd=study)
    assert "files to agreement/" in compared.stdout and "agreement//" not in compared.stdout
    assert "analysts: casecoder, casecoder+Zoë O'Neil" in compared.stdout  # named by the file, not its rows
    # 7. The review is a folder others can open.
    cc("review", "codings.csv", "transcripts", "--codebook", "codebook.yaml", "--out", "review", cwd=study)
    assert mode(study / "review") == 0o755 and mode(study / "review" / "index.html") == 0o644
    assert not [p for p in study.iterdir() if p.name.startswith(".") and ".tmp" in p.name]
