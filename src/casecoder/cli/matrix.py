"""``casecoder matrix``: a cases × codes matrix (or framework matrix) from any codings file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from ..codebook import load_codebook
from ..errors import UsageError, problem
from ..matrix import (case_attributes, code_matrix, framework_matrix, read_case_list, segment_counts, with_subtotals,
                      write_matrix)
from ..pipeline import read_transcripts
from ..schema import csv_safe_frame, read_codings
from . import _options

HELP = """\
Count a codings file (CSV or Parquet, as written by `casecoder code`) into a matrix with one
row per case and one column per code, in codebook order.

Cells are, with --value: count (coded sentences, the default), presence (0/1) or share (count
divided by the case's sentences; needs the transcripts). Only codings with status 'coded' count
unless --status says otherwise. Filters (repeatable) keep rows of the given sections, speakers,
documents or sources. --by ATTR adds subtotal rows per value of a case attribute (e.g.
council_type), with a last row 'all'. --framework N writes a framework matrix instead: each
cell holds the number of supporting sentences and the first N of them.

The case list (rows and their order) comes from --cases (a cases.csv with columns file, case
and attributes) or the transcripts PATH... (the documents' front matter), else from the codings. A case in
the codings but not in the case list, a code not in the codebook or a missing column is an
error (exit 2) and nothing is written.

Writes CSV or Parquet by the suffix of --out (default: CSV on standard output).

examples:
  casecoder matrix codings.csv --value presence --out presence.csv
  casecoder matrix codings.csv --section "Leadership actions with the greatest impact" --value presence
  casecoder matrix codings.csv data/interviews --by council_type --value presence
  casecoder matrix codings.csv --framework 3 --out framework.csv
"""


def add_input_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments ``matrix`` and ``chart`` share: the codings, transcripts, codebook, cases, filters."""
    _options.codings(p)
    _options.transcripts(p, required=False, help="transcripts: the case list, attributes and sentence totals")
    _options.codebook(p)
    p.add_argument("--cases", metavar="CSV", help="cases.csv: columns file, case and case attributes (instead of PATH...)")
    _options.case_key(p)
    p.add_argument("--section", action="append", metavar="TEXT", help="keep codings of this section (repeatable)")
    p.add_argument("--speaker", action="append", metavar="TEXT", help="keep codings of this speaker (repeatable)")
    p.add_argument("--document", action="append", metavar="ID", help="keep codings of this document (repeatable)")
    p.add_argument("--source", action="append", choices=["auto", "manual"], help="keep codings of this source (repeatable)")
    p.add_argument("--status", action="append", choices=["coded", "excluded", "any"],
                   help="count codings of this status (default: coded)")


def load_inputs(args: argparse.Namespace) -> dict[str, object]:
    """Read the codebook, the codings and the case list; validate them; return the pieces."""
    if args.cases and args.paths:
        raise UsageError(problem("E901", field="--cases", message="give the case list either as --cases or as transcripts (PATH...), not both"))
    codebook = load_codebook(args.codebook)
    codings = read_codings(args.codings, codebook=codebook)
    cases: pd.DataFrame | None = None
    documents = None
    if args.cases:
        cases = read_case_list(args.cases)
    elif args.paths:
        documents = read_transcripts(args.paths, codebook, case_key=args.case_key)
        cases = case_attributes(documents)
    statuses = None if args.status and "any" in args.status else (args.status or ["coded"])
    filters = {
        "sections": args.section,
        "speakers": args.speaker,
        "documents": args.document,
        "sources": args.source,
        "statuses": statuses,
    }
    return {"codebook": codebook, "codings": codings, "cases": cases, "documents": documents, "filters": filters}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``matrix`` command."""
    p = sub.add_parser(
        "matrix",
        help="cases x codes matrix (counts, presence, share) or framework matrix",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_arguments(p)
    p.add_argument("--value", choices=["count", "presence", "share"], default="count", help="what a cell holds (default: %(default)s)")
    p.add_argument("--by", metavar="ATTR", help="add subtotal rows per value of this case attribute")
    p.add_argument("--framework", type=int, metavar="N", help="write a framework matrix with the first N sentences per cell")
    p.add_argument("--out", help="output .csv or .parquet (default: CSV on standard output)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the matrix and write it; return 0 (2 on bad input, via the CasecoderError)."""
    if args.out and Path(args.out).suffix.lower() not in (".csv", ".parquet"):
        raise UsageError(problem("E901", field="--out", message=f"--out must end in .csv or .parquet, not '{Path(args.out).suffix or args.out}'"))
    if args.by and args.framework is not None:
        raise UsageError(problem("E901", field="--by", message="--by and --framework cannot be combined"))
    inp = load_inputs(args)
    where = str(args.codings)
    if args.framework is not None:
        table = framework_matrix(inp["codings"], inp["codebook"], cases=inp["cases"], max_quotes=args.framework,
                                 where=where, **inp["filters"])
    else:
        totals = None
        if args.value == "share" and inp["documents"] is not None:
            f = inp["filters"]
            totals = segment_counts(inp["documents"], sections=f["sections"], speakers=f["speakers"])
        table = code_matrix(inp["codings"], inp["codebook"], cases=inp["cases"], value=args.value, totals=totals,
                            where=where, **inp["filters"])
        if args.by:
            if inp["cases"] is None:
                raise UsageError(problem("E901", field="--by", message="--by needs case attributes: give --cases or the transcripts (PATH...)"))
            table = with_subtotals(table, inp["cases"], args.by)
    _write(table, args.out)
    if args.out:
        print(f"wrote {args.out}: {table.shape[0]} rows x {table.shape[1]} codes", file=sys.stderr)
    return 0


def _write(table: pd.DataFrame, out: str | None) -> None:
    if not out:
        csv_safe_frame(table).to_csv(sys.stdout, lineterminator="\n")
        return
    write_matrix(table, out)
