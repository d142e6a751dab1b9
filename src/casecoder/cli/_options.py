"""The options every command shares, declared once so they read the same everywhere.

The grammar of the command line:

* the **codings** a command reads come first, as positionals (``CODINGS``; ``compare`` takes
  several);
* **transcripts** are ``PATH...`` positionals after them (files or folders, searched
  recursively); ``compare``, whose positionals are all codings, takes them as
  ``--transcripts PATH...``; no generic command has a default corpus;
* ``--codebook``, ``--case-key``, ``--out``, ``--jobs`` and ``--no-progress`` mean the same
  thing in every command that has them.
"""

from __future__ import annotations

import argparse

from ..errors import problem

CODEBOOK_DEFAULT = "codebook.yaml"


def codings(p: argparse.ArgumentParser, *, nargs: str | None = None, help: str | None = None) -> None:
    """``CODINGS``: the codings table a command reads, its first positional."""
    p.add_argument("codings", metavar="CODINGS", nargs=nargs,
                   help=help or "codings table (.csv or .parquet)")


def transcripts(p: argparse.ArgumentParser, *, required: bool = True, help: str | None = None) -> None:
    """``PATH...``: transcript files or folders (folders searched recursively)."""
    p.add_argument("paths", nargs="+" if required else "*", metavar="PATH",
                   help=help or "transcript files or folders")


def transcripts_option(p: argparse.ArgumentParser, *, required: bool = True) -> None:
    """``--transcripts PATH...``: for a command whose positionals are all codings."""
    p.add_argument("--transcripts", dest="paths", nargs="+", metavar="PATH", required=required, default=[],
                   help="transcript files or folders")


def codebook(p: argparse.ArgumentParser, *, optional: bool = False, help: str | None = None) -> None:
    """``--codebook FILE`` (default ``codebook.yaml``; no default when ``optional``)."""
    if optional:
        p.add_argument("--codebook", default=None, metavar="FILE", help=help or "codebook file")
    else:
        p.add_argument("--codebook", default=CODEBOOK_DEFAULT, metavar="FILE",
                       help=(help or "codebook file") + " (default: %(default)s)")


def case_key(p: argparse.ArgumentParser) -> None:
    """``--case-key KEY``: the front-matter key naming each transcript's case."""
    p.add_argument("--case-key", default=None, metavar="KEY",
                   help="front-matter key naming each transcript's case (default: the codebook's settings.case_key, else 'case')")


def out(p: argparse.ArgumentParser, help: str, *, default: str | None = None, required: bool = False) -> None:
    """``--out PATH``: where the command writes."""
    if default is not None:
        help += " (default: %(default)s)"
    p.add_argument("--out", default=default, required=required, metavar="PATH", help=help)


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(str(problem("E306", found=repr(value)).message))
    return n


def jobs(p: argparse.ArgumentParser) -> None:
    """``--jobs N``: worker processes for the coder; outputs do not depend on it."""
    p.add_argument("--jobs", type=_positive, default=1, metavar="N", help="worker processes (default: %(default)s)")


def no_progress(p: argparse.ArgumentParser) -> None:
    """``--no-progress``: no progress bar on standard error (see :mod:`._progress`)."""
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (there is none either when standard error is not a terminal)")
