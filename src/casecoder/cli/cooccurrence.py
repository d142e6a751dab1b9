"""``casecoder cooccurrence``: which codes are coded together, as tables and a heatmap."""

from __future__ import annotations

import argparse
import sys

from ..codebook import load_codebook
from ..cooccurrence import UNITS, cooccurrence, write_cooccurrence
from ..schema import read_codings
from . import _options

HELP = """\
Count, for every pair of codes, the units coded with both: sentences (the default), turns,
documents or cases. Only codings with status 'coded' count. The diagonal holds the units coded
with each code. Two normalised forms: the Jaccard index (units with both / units with either)
and the conditional share (of the row code's units, the share also coded with the column code).

Writes into --out (created if missing), each file atomically, named after the unit:
  UNIT-counts.csv, UNIT-jaccard.csv, UNIT-conditional.csv   codes x codes
  UNIT-pairs.csv, UNIT-pairs.parquet                        one row per pair of codes
  UNIT-segments.csv, UNIT-segments.parquet                  the sentences behind each pair
  UNIT-heatmap.png, UNIT-heatmap.svg                        colour: Jaccard (or --value)
The same input gives the same bytes. Filters (repeatable) keep codings of the given sections,
speakers, documents or sources, as in `casecoder matrix`.

Exit status: 0 on success, 2 on bad input (every problem listed; nothing written).

examples:
  casecoder cooccurrence out/codings.csv --unit turn --out out/cooccurrence
  casecoder cooccurrence out/codings.csv --unit case --value conditional --out out/cooccurrence
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``cooccurrence`` command."""
    p = sub.add_parser(
        "cooccurrence",
        help="code x code co-occurrence (counts, Jaccard) with a heatmap",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _options.codings(p)
    p.add_argument("--unit", choices=UNITS, default="sentence", help="what two codes must share (default: %(default)s)")
    _options.out(p, "folder to write the tables and the heatmap into", required=True)
    _options.codebook(p, help="codebook file: code order and labels")
    p.add_argument("--value", choices=("jaccard", "conditional"), default="jaccard",
                   help="what colours the heatmap's cells (default: %(default)s)")
    p.add_argument("--title", default=None, help="heatmap title (default: 'Codes coded in the same UNIT')")
    p.add_argument("--section", action="append", metavar="TEXT", help="keep codings of this section (repeatable)")
    p.add_argument("--speaker", action="append", metavar="TEXT", help="keep codings of this speaker (repeatable)")
    p.add_argument("--document", action="append", metavar="ID", help="keep codings of this document (repeatable)")
    p.add_argument("--source", action="append", choices=["auto", "manual"], help="keep codings of this source (repeatable)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Count, write the files, say what was written; return 0 (2 on bad input)."""
    book = load_codebook(args.codebook, validate_patterns=False)
    codings = read_codings(args.codings, codebook=book)
    result = cooccurrence(codings, book, unit=args.unit, sections=args.section, speakers=args.speaker,
                          documents=args.document, sources=args.source, where=str(args.codings))
    written = write_cooccurrence(result, args.out, book, value=args.value, title=args.title)
    together = int((result.pairs["both"] > 0).sum())
    print(f"{together} of {len(result.pairs)} pairs of codes share at least one of {result.n_units} coded "
          f"{args.unit}s; wrote {len(written)} files to {args.out}", file=sys.stderr)
    return 0
