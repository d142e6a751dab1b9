"""``casecoder code``: auto-code transcripts with the codebook's patterns."""

from __future__ import annotations

import argparse

from ..pipeline import code_files
from . import _options
from ._progress import progress_bar

HELP = """\
Code every sentence of the transcripts with the codebook's phrases and token patterns and
write the codings table (CSV or Parquet; columns in casecoder.schema). One row per sentence
and code that a rule matched: status 'coded', or 'excluded' with the reason (negated,
other_sense:<name>). Interviewer turns are not coded unless --code-interviewer.

Documents are streamed (memory does not grow with the corpus) and the output is written to a
temporary file renamed into place at the end, so a failure never leaves a partial file. The
output is byte-identical for the same inputs, whatever --jobs.

A bar on standard error shows the share of the transcripts coded, moving within a large file
(--jobs 2 too); none with --no-progress or when standard error is not a terminal.

Exit status: 0 on success, 2 on bad input (every problem listed, one a line).

examples:
  casecoder code data/interviews --out codings.csv
  casecoder code data/interviews --jobs 2 --out codings.parquet
  casecoder code data/interviews --overrides overrides/*.yaml --out codings.csv
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``code`` command."""
    p = sub.add_parser(
        "code",
        help="auto-code transcripts into a codings table",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _options.transcripts(p)
    _options.codebook(p)
    p.add_argument("--overrides", nargs="+", default=[], metavar="FILE", help="analysts' overrides files, applied after coding")
    _options.out(p, "output .csv or .parquet", default="codings.csv")
    _options.jobs(p)
    p.add_argument("--code-interviewer", action="store_true", help="code interviewer turns too")
    _options.case_key(p)
    _options.no_progress(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Code the corpus and print a one-line summary; return 0 (errors are raised, exit 2)."""
    with progress_bar(args) as bar:
        out = code_files(
            args.paths,
            args.codebook,
            args.out,
            jobs=args.jobs,
            progress=bar,
            overrides=args.overrides,
            case_key=args.case_key,
            code_interviewer=args.code_interviewer or None,
        )
    print(f"wrote {out}")
    return 0

