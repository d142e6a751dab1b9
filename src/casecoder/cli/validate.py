"""``casecoder validate``: check the codebook and transcripts before coding them."""

from __future__ import annotations

import argparse
import sys
import warnings

from ..codebook import load_codebook
from ..errors import CasecoderError, Problem
from ..transcripts import TranscriptWarning, read_corpus

HELP = """\
Check a codebook and transcripts, and list every problem found, one a line, with its file
and line. Nothing is written.

Checks the codebook's structure (ids, labels, parents, colours) and its spaCy token patterns;
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
    p.add_argument("paths", nargs="*", metavar="PATH", help="transcript files or folders")
    p.add_argument("--codebook", default="codebook.yaml", help="codebook file (default: %(default)s)")
    p.add_argument("--case-key", default=None, help="front-matter key naming the case (default: the codebook's settings.case_key, else 'council')")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate, print problems and a summary; return 0 or 2."""
    problems: list[Problem] = []
    case_key = args.case_key or "council"
    try:
        book = load_codebook(args.codebook)
        case_key = args.case_key or str(book.settings.get("case_key", "council"))
        print(f"{args.codebook}: {len(book)} codes, ok")
    except CasecoderError as exc:
        problems.extend(exc.problems)
    if args.paths:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TranscriptWarning)
            try:
                docs = read_corpus(args.paths, case_key=case_key)
                cases = sorted({d.case for d in docs})
                turns = sum(len(d.turns) for d in docs)
                print(f"{len(docs)} transcripts, {len(cases)} cases, {turns} turns, ok")
            except CasecoderError as exc:
                problems.extend(exc.problems)
        for w in caught:
            if isinstance(w.message, TranscriptWarning):
                print(f"warning: {w.message.problem}", file=sys.stderr)
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    return 2 if problems else 0
