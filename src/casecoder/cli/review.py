"""``casecoder review``: write the static HTML review site of a codings table."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from ..codebook import load_codebook
from ..errors import ReviewError, problem
from ..review import build_review
from ..schema import read_codings
from ..pipeline import read_transcripts
from . import _options
from ..provenance import read_turn_kinds

HELP = """\
Write a self-contained static site (HTML, CSS and a little JavaScript; no server, no network)
to read the coded transcripts: the cases x codes matrix whose cells link to the sentences
behind them, one page per transcript with each coded sentence highlighted and its codings
(rule, source, analyst, reason for an excluded match) on hover or focus, one page per code,
a ready-to-paste overrides entry for any sentence, and the codes coded together in one turn
(--cooccurrence UNIT: sentence, turn, document, case or none), each pair linked to its
sentences. Open OUT/index.html in a browser.

The site is built in a temporary folder and renamed into place when complete; an existing OUT
is replaced only if it is an earlier review site.

Exit status: 0 on success, 2 when an input is wrong (e.g. a codings row names a document that
is not among the transcripts).

--serve serves the same site on http://127.0.0.1 (a free port, or --port) for one analyst
(--analyst NAME) to correct the coding from the page: confirm or remove a machine coding, add
a code to a sentence or to words selected within one, each with a note. Each correction is
checked and written at once to the analyst's overrides file (--overrides FILE, default
overrides/NAME.yaml; the format `casecoder override` writes), and the page shows it without a
rebuild. Only this machine can reach it: another address needs --host ADDRESS --allow-remote.
Stop it with Ctrl+C; the static site is not touched.

A transcript whose front matter has a `notice` shows it at the top of its pages, and the index
shows the corpus's notices first. With --turn-kinds DIR, each turn is labelled with its kind
from DIR/<document>.yaml (`turns: [{turn: 3, kind: verbatim}, ...]`, e.g. a provenance file),
explained by DIR/kinds.yaml if present.

examples:
  casecoder review out/codings.csv data/interviews --out out/review
  casecoder review out/codings.csv data/interviews --serve --analyst alice
  casecoder review out/codings.csv data/interviews --turn-kinds data/provenance --out out/review
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``review`` command."""
    p = sub.add_parser(
        "review",
        help="write a static HTML site to read the coded transcripts",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _options.codings(p)
    _options.transcripts(p, help="transcript files or folders the codings were made from")
    _options.out(p, "folder of the site", default="review")
    _options.codebook(p)
    _options.case_key(p)
    p.add_argument("--chart", default=None, help="an image (PNG or SVG) to show on the index")
    p.add_argument("--matrix", default=None,
                   help="a cases x codes matrix CSV (first column: case) to show instead of sentence counts")
    p.add_argument("--disagreements", default=None,
                   help="a CSV of units where analysts differ (columns document and segment or start)")
    p.add_argument("--cooccurrence", default="turn", choices=("sentence", "turn", "document", "case", "none"),
                   help="the unit of the page of codes coded together, or none (default: %(default)s)")
    serve = p.add_argument_group("correcting from the page (--serve)")
    serve.add_argument("--serve", action="store_true", help="serve the site on 127.0.0.1 to correct the coding from the page")
    serve.add_argument("--analyst", default=None, help="whose corrections (required for a new overrides file)")
    serve.add_argument("--overrides", default=None, metavar="FILE",
                       help="the analyst's overrides file (default: overrides/<analyst>.yaml)")
    serve.add_argument("--host", default="127.0.0.1", help="address to serve on (default: %(default)s)")
    serve.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    serve.add_argument("--allow-remote", action="store_true",
                       help="allow a non-loopback --host (anyone reaching it can write your overrides)")
    p.add_argument("--turn-kinds", default=None, metavar="DIR",
                   help="a folder of <document>.yaml files giving each turn's kind, shown beside its speaker")
    p.set_defaults(func=run)


def _read_csv(path: str, what: str, **kwargs: object) -> pd.DataFrame:
    p = Path(path)
    if not p.is_file():
        raise ReviewError(problem("E807", path=p, what=what))
    return pd.read_csv(p, keep_default_na=False, **kwargs)  # type: ignore[call-overload]


def run(args: argparse.Namespace) -> int:
    """Build the site and say where it is; return 0 (errors propagate to the CLI: exit 2)."""
    book = load_codebook(args.codebook)
    codings = read_codings(args.codings, codebook=book)
    # read_codings sorts the rows; the review checks the table as written, so that a problem's
    # line is the line of the file
    if Path(args.codings).suffix.lower() == ".csv":
        codings = pd.read_csv(args.codings, dtype=str, keep_default_na=False, encoding="utf-8")
    else:
        codings = pd.read_parquet(args.codings)
    docs = read_transcripts(args.paths, book, case_key=args.case_key)
    matrix = _read_csv(args.matrix, "matrix", index_col=0) if args.matrix else None
    disagreements = _read_csv(args.disagreements, "disagreements") if args.disagreements else None
    unit = None if args.cooccurrence == "none" else args.cooccurrence
    labels = read_turn_kinds(args.turn_kinds, docs) if args.turn_kinds else None
    if args.serve:
        from .review_serve import serve  # lazy: the server is only needed with --serve

        return serve(args, book, codings, docs, matrix=matrix, chart=args.chart, disagreements=disagreements,
                     cooccurrence_unit=unit)
    out = build_review(codings, docs, book, args.out, matrix=matrix, chart=args.chart,
                       disagreements=disagreements, where=args.codings, cooccurrence_unit=unit,
                       turn_labels=labels)
    pages = sum(1 for _ in out.rglob("*.html"))
    print(f"{out}/index.html: {pages} pages for {len(docs)} transcripts and {len(codings)} codings")
    return 0
