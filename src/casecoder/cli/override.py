"""``casecoder override add|remove``: record an analyst's correction without writing YAML."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..codebook import load_codebook
from ..errors import UsageError, problem
from ..overrides import OverrideEntry, add_override, analyst_file, load_overrides
from ..pipeline import read_transcripts
from . import _options

HELP = """\
Add or remove a code on a quoted passage of a transcript, as one analyst's correction of the
automatic coding. The quote is checked at once against the transcript: it must occur exactly
once (white space and curly/straight quotes may differ); if it occurs several times, give
--prefix or --suffix (the words just before or after it). Then the entry is appended to the
analyst's overrides file (created if new), atomically; existing entries and comments are kept.

Apply the overrides when coding: casecoder code PATHS --overrides overrides/NAME.yaml

examples:
  casecoder override add oldham "We were willing to jump off that cliff" considered_risk data/interviews \\
      --note "a leap of faith, knowingly taken" --analyst alice
  casecoder override remove surrey "around safeguarding" considered_risk data/interviews \\
      --note "risk in the safeguarding sense, not risk-taking" --analyst alice

writes: --file (default overrides/<analyst>.yaml)
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``override`` command with its ``add`` and ``remove`` actions."""
    p = sub.add_parser(
        "override",
        help="add or remove a code on a quoted passage (an analyst's correction)",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("action", choices=("add", "remove"), help="add the code, or remove the machine's coding")
    p.add_argument("document", metavar="DOCUMENT", help="transcript id (its file name without suffix)")
    p.add_argument("quote", metavar="QUOTE", help="the exact words of the passage")
    p.add_argument("code", metavar="CODE", help="code id of the codebook")
    _options.transcripts(p, help="transcript files or folders holding DOCUMENT")
    p.add_argument("--note", required=True, help="why: the reason, in the code frame's terms")
    p.add_argument("--analyst", default=None, help="whose correction (required for a new file)")
    p.add_argument("--file", default=None, help="overrides file (default: overrides/<analyst>.yaml)")
    p.add_argument("--prefix", default="", help="words just before the quote, if it occurs more than once")
    p.add_argument("--suffix", default="", help="words just after the quote, if it occurs more than once")
    _options.codebook(p)
    _options.case_key(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate the override, append it, print where it went; return 0 (errors raise)."""
    if args.file:
        path = Path(args.file)
    elif args.analyst and args.analyst.strip():
        path = analyst_file(args.analyst)
    else:
        raise UsageError(problem("E901", message="say whose correction this is: --analyst NAME (or --file PATH of an existing file)"))
    if path.exists() and not args.analyst:
        # Fail on a broken file before reading the transcripts.
        load_overrides(path)
    book = load_codebook(args.codebook, validate_patterns=False)
    docs = read_transcripts(args.paths, book, case_key=args.case_key)
    entry = OverrideEntry(
        action=args.action, document=args.document, code=args.code, quote=args.quote,
        note=args.note, prefix=args.prefix, suffix=args.suffix,
    )
    got = add_override(path, entry, docs, analyst=args.analyst, codebook=book)
    doc = next(d for d in docs if d.id == got.document)
    passage = " ".join(doc.text[got.start:got.end].split())
    print(f"{path}:{got.entry.line}: {got.analyst} {got.entry.action}s {got.entry.code} on "
          f"{got.document} [{got.start}:{got.end}] \"{passage}\"")
    return 0
