"""``casecoder validate``: check the codebook and transcripts before coding them."""

from __future__ import annotations

import argparse
import sys

from ..pipeline import validate
from . import _options

HELP = """\
Check a codebook and transcripts, and list every problem found, one a line, with its file
and line. Nothing is written.

Checks the codebook's structure (ids, labels, parents, colours, settings), its spaCy token
patterns, and that the coder can compile every phrase and pattern (so a codebook that passes
here is one `casecoder code` accepts; each problem names the line of its phrase or pattern);
reads every transcript (.txt .md .docx .vtt, folders searched recursively) and checks that it
decodes, that its front matter is valid YAML and that it names its case.

Exit status: 0 when all is well, 2 when anything is wrong.

example:
  casecoder validate --codebook codebook.yaml data/interviews
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``validate`` command."""
    p = sub.add_parser(
        "validate",
        help="check the codebook and transcripts; list every problem",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _options.transcripts(p, required=False)
    _options.codebook(p)
    _options.case_key(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate, print problems and a summary; return 0 or 2."""
    result = validate(args.codebook, args.paths, case_key=args.case_key)
    if result.codebook is not None:
        print(f"{args.codebook}: {len(result.codebook)} codes, ok")
    if args.paths and result.documents:
        turns = sum(len(d.turns) for d in result.documents)
        print(f"{len(result.documents)} transcripts, {len(result.cases)} cases, {turns} turns, ok")
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    for p in result.problems:
        print(f"error: {p}", file=sys.stderr)
    if not result.ok:
        # The parts that passed said "ok" above; the verdict for the run is this line.
        n = len(result.problems)
        print(f"not ok: {n} problem{'s' if n != 1 else ''} (listed on standard error)")
    return 0 if result.ok else 2
