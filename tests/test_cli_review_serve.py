"""``casecoder review --serve`` (tests/test_cli_review.py has the static site): the command serves
on loopback, refuses a correction without the page's token, leaves no files when stopped, and
refuses a remote host (exit 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from casecoder.cli import main


def test_review_serve_command_serves_refuses_and_leaves_no_files(tmp_path: Path) -> None:
    folder = tmp_path / "transcripts"
    folder.mkdir()
    (folder / "wigan.md").write_text("---\ncase: wigan\n---\nLeader: Our culture changed. People felt free to fail.\n",
                                     encoding="utf-8")
    book = tmp_path / "codebook.yaml"
    book.write_text("codes:\n  - id: innovative_culture\n    label: Culture\n    phrases: [culture]\n", encoding="utf-8")
    codings = tmp_path / "codings.csv"
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    run = [sys.executable, "-m", "casecoder"]
    subprocess.run([*run, "code", str(folder), "--codebook", str(book), "--out", str(codings)], env=env, check=True,
                   capture_output=True)
    proc = subprocess.Popen([*run, "review", str(codings), str(folder), "--codebook", str(book),
                             "--serve", "--analyst", "alice", "--overrides", str(tmp_path / "alice.yaml")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().split()[0]
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url, timeout=30) as reply:
            assert reply.status == 200 and 'name="casecoder-serve"' in reply.read().decode("utf-8")
        req = urllib.request.Request(url + "api/corrections", method="POST", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"action": "remove", "document": "wigan", "sentence": 0,
                                                      "quote": "Our culture changed.", "code": "innovative_culture",
                                                      "note": "x"}).encode("utf-8"))
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=30)
        assert err.value.code == 403
    finally:
        proc.terminate()  # SIGTERM: the command removes its temporary site on the way out
        proc.wait(timeout=60)
    assert not (tmp_path / "alice.yaml").exists()
    assert list(temp.iterdir()) == []
    assert "POST /api/corrections" in proc.stderr.read()


def test_review_serve_command_refuses_remote_host(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "wigan.md").write_text("---\ncase: wigan\n---\nLeader: Our culture changed.\n", encoding="utf-8")
    book = tmp_path / "codebook.yaml"
    book.write_text("codes:\n  - id: innovative_culture\n    label: Culture\n    phrases: [culture]\n", encoding="utf-8")
    assert main(["code", str(folder), "--codebook", str(book), "--out", str(tmp_path / "c.csv")]) == 0
    assert main(["review", str(tmp_path / "c.csv"), str(folder), "--codebook", str(book), "--serve",
                 "--analyst", "alice", "--host", "0.0.0.0"]) == 2
    assert "[E812]" in capsys.readouterr().err
