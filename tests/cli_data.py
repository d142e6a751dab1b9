"""Shared inputs of the command-line tests (``tests/test_cli_<command>.py``): the shipped codebook
and corpus, a one-turn transcript written to disk,
the examples a command's help gives, and a study folder to run them in."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from casecoder.cli import main

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebook.yaml"
INTERVIEWS = ROOT / "data" / "interviews"


def write_transcript(folder: Path, name: str, body: str, council: str = "testshire") -> Path:
    """``folder/name.md``: front matter naming the case, a heading, then ``body``."""
    path = folder / f"{name}.md"
    path.write_text(f"---\ncouncil: {council}\n---\nA reconstruction for tests.\n\n# Section one\n\n{body}\n", encoding="utf-8")
    return path


def examples(capsys, command: str) -> list[list[str]]:
    """The example commands ``casecoder COMMAND --help`` prints, each split into its arguments
    (``casecoder`` left off; a line ending in ``\\`` goes on on the next)."""
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    block = re.split(r"^examples?\b[^\n]*:\n", text, maxsplit=1, flags=re.M)[1].split("\n\n", 1)[0]
    found = []
    for line in block.replace("\\\n", " ").splitlines():
        words = shlex.split(line.split("  (", 1)[0])
        if words and words[0] == "casecoder":
            found.append(words[1:])
    return found


@pytest.fixture(scope="session")
def shipped_study(tmp_path_factory) -> Path:
    """A study folder laid out as the help examples expect: the shipped ``codebook.yaml`` and
    ``data/`` (linked, never written), and ``codings.csv``, the shipped corpus coded."""
    folder = tmp_path_factory.mktemp("study")
    (folder / "codebook.yaml").symlink_to(CODEBOOK)
    (folder / "data").symlink_to(ROOT / "data", target_is_directory=True)
    assert main(["code", str(INTERVIEWS), "--codebook", str(CODEBOOK), "--out", str(folder / "codings.csv"),
                 "--no-progress"]) == 0
    return folder
