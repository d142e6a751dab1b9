"""``casecoder code``: auto-code transcripts with the codebook's patterns."""

from __future__ import annotations

import argparse
import sys

from ..pipeline import code_files
from ..errors import problem

HELP = """\
Code every sentence of the transcripts with the codebook's phrases and token patterns and
write the codings table (CSV or Parquet; columns in casecoder.schema). One row per sentence
and code that a rule matched: status 'coded', or 'excluded' with the reason (negated,
other_sense:<name>). Interviewer turns are not coded unless --code-interviewer.

Documents are streamed (memory does not grow with the corpus) and the output is written to a
temporary file renamed into place at the end, so a failure never leaves a partial file. The
output is byte-identical for the same inputs, whatever --jobs.

Exit status: 0 on success, 2 on bad input (every problem listed, one a line).

examples:
  casecoder code data/interviews --out codings.csv
  casecoder code data/interviews --jobs 2 --out codings.parquet
  casecoder code data/interviews --overrides overrides/*.yaml --out codings.csv
"""


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(str(problem("E306", found=repr(value)).message))
    return jobs


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``code`` command."""
    p = sub.add_parser(
        "code",
        help="auto-code transcripts into a codings table",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="transcript files or folders")
    p.add_argument("--codebook", default="codebook.yaml", help="codebook file (default: %(default)s)")
    p.add_argument("--overrides", nargs="+", default=[], metavar="FILE", help="analysts' overrides files, applied after coding")
    p.add_argument("--out", default="codings.csv", help="output .csv or .parquet (default: %(default)s)")
    p.add_argument("--jobs", type=_jobs, default=1, help="worker processes (default: %(default)s)")
    p.add_argument("--code-interviewer", action="store_true", help="code interviewer turns too")
    p.add_argument("--case-key", default=None, help="front-matter key naming the case (default: the codebook's settings.case_key, else 'council')")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Code the corpus and print a one-line summary; return 0 (errors are raised, exit 2)."""
    out = code_files(
        args.paths,
        args.codebook,
        args.out,
        jobs=args.jobs,
        progress=not args.no_progress and sys.stderr.isatty(),
        overrides=args.overrides,
        case_key=args.case_key,
        code_interviewer=args.code_interviewer or None,
    )
    print(f"wrote {out}")
    return 0

