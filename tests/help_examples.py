"""Run the examples a command's ``--help`` shows, from the repository root, as a reader would.

Shared by the CLI tests of the commands whose examples run on the shipped data
(``tests/test_cli_rules.py``, ``test_cli_suggest_rules.py``, ``test_cli_codebook_diff.py``).
"""

from __future__ import annotations

import importlib
import shlex
import shutil
from pathlib import Path

from casecoder.cli import main

ROOT = Path(__file__).resolve().parents[1]


def help_examples(command: str) -> list[str]:
    """The ``casecoder COMMAND ...`` lines under ``examples:`` of the command's help, each
    backslash-continued example joined into one line."""
    text = importlib.import_module(f"casecoder.cli.{command.replace('-', '_')}").HELP
    body = text.split("examples:", 1)[1].split("\n\n", 1)[0]
    joined = body.replace("\\\n", " ")
    return [" ".join(line.split()) for line in joined.splitlines() if line.strip().startswith("casecoder ")]


def run_help_examples(command: str, tmp_path: Path, monkeypatch) -> list[str]:  # noqa: ANN001
    """Run every example of ``command``'s help from the repository root, each with its ``--out``
    (or the default one) replaced by a folder in ``tmp_path``: nothing is written into the repository.

    An ``old.yaml`` an example names stands for an earlier codebook (the help makes it with
    ``git show HEAD~1:codebook.yaml``): here a copy of ``codebook.yaml``. An example whose paths
    are not all present (``../shared/devset-real`` beside the repository) is left out.

    Returns
    -------
    list of str
        The examples that ran; each must exit 0 (asserted here).
    """
    old = tmp_path / "old.yaml"
    shutil.copyfile(ROOT / "codebook.yaml", old)
    monkeypatch.chdir(ROOT)
    ran = []
    for i, example in enumerate(help_examples(command)):
        argv = [str(old) if a == "old.yaml" else a for a in shlex.split(example)[1:]]
        if "--out" in argv:  # the example's own output folder is replaced by one in tmp_path
            at = argv.index("--out")
            del argv[at:at + 2]
        paths = [a for a in argv if not a.startswith("--") and ("/" in a or a.endswith((".yaml", ".csv")))]
        if not all(Path(a).exists() for a in paths):
            continue
        assert main([*argv, "--out", str(tmp_path / f"out{i}")]) == 0, example
        ran.append(example)
    return ran
