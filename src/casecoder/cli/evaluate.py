"""``casecoder evaluate``: score codings against a gold coding."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from ..codebook import load_codebook
from ..evaluate import DEVSET_COLUMNS, LEVELS, evaluate, read_devset, read_gold
from ..schema import read_codings, write_codings
from ..errors import UsageError, problem
from ..pipeline import read_transcripts
from . import _options
from ._progress import progress_bar

HELP = """\
Compare codings with a gold coding, unit by unit, and print per-code precision, recall, F1
and Cohen's kappa with micro and macro averages; with --out, also write the scores and every
miss and false alarm (with its text) as CSV and Markdown.

CODINGS is a codings table (.csv or .parquet), or a codebook (.yaml): then the coder runs with
it on GOLD's documents first (patterns alone) and, with --out, writes those codings too.
GOLD is a gold CSV (document,turn,code,quote,reason), a folder of them, or the development
set (data/devset/report_sentences.csv: each sentence becomes a one-turn document).

Units: sentence (each sentence overlapping a gold quote), turn, or case; --level all does
the three. Kappa is over every unit of the level in the transcripts.

examples:
  casecoder code data/interviews --out codings.csv
  casecoder evaluate codings.csv data/gold data/interviews --level turn --out eval/
  casecoder evaluate codebook.yaml data/devset/report_sentences.csv --level all

writes (with --out DIR): scores_<level>.csv, errors_<level>.csv, evaluation_<level>.md
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``evaluate`` command."""
    p = sub.add_parser(
        "evaluate",
        help="score codings against a gold coding (P, R, F1, kappa per code)",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("codings", metavar="CODINGS", help="codings table (.csv/.parquet) or a codebook (.yaml) to run")
    p.add_argument("gold", metavar="GOLD", help="gold CSV, folder of gold CSVs, or the devset CSV")
    _options.transcripts(p, required=False, help="transcripts of the gold (not used for the devset)")
    p.add_argument("--level", choices=(*LEVELS, "all"), default="sentence", help="unit of comparison (default: %(default)s)")
    _options.out(p, "folder for the scores and error lists")
    _options.codebook(p, help="codebook: the codes to score")
    _options.case_key(p)
    _options.no_progress(p)
    p.set_defaults(func=run)


def _is_devset(path: Path) -> bool:
    if not path.is_file():
        return False
    with open(path, encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), [])
    return all(c in header for c in DEVSET_COLUMNS)


def run(args: argparse.Namespace) -> int:
    """Score, print the tables, write files with --out; return 0 (errors raise)."""
    codings_path, gold_path = Path(args.codings), Path(args.gold)
    runs_coder = codings_path.suffix.lower() in (".yaml", ".yml")
    book = load_codebook(args.codings if runs_coder else args.codebook, validate_patterns=runs_coder) \
        if runs_coder or Path(args.codebook).is_file() else None
    if _is_devset(gold_path):
        docs, gold = read_devset(gold_path, codebook=book)
    else:
        if not args.paths:
            raise UsageError(problem("E901", field="PATH", message="give the transcripts of the gold (PATH...)"))
        docs = read_transcripts(args.paths, book, case_key=args.case_key)
        gold = read_gold(gold_path)
    if runs_coder:
        from ..coder import code_documents  # the spaCy pipeline loads only when needed

        with progress_bar(args) as bar:
            codings = code_documents(docs, book, progress=bar)
        if args.out:
            write_codings(codings, Path(args.out) / "codings.csv")
    else:
        codings = read_codings(codings_path, codebook=book)
    codes = list(book.ids) if book is not None else None
    levels = LEVELS if args.level == "all" else (args.level,)
    for i, level in enumerate(levels):
        result = evaluate(codings, gold, docs, level=level, codes=codes)
        if i:
            print()
        print(result.table())
        if args.out:
            for path in result.write(args.out):
                print(f"wrote {path}")
    return 0
