"""``casecoder suggest-rules``: candidate rules mined from an analysts' coding, for an analyst to judge."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import EvaluationError, Problem
from ..mining import LEVELS, suggest_rules, write_suggestions
from ..sources import is_units
from . import _options
from .rules import gold_coding, read_inputs, split_codebook

HELP = """\
Mine candidate rules from an analysts' coding: lemma phrases of 1 to 4 words and two-lemma
token patterns ("involve ... resident") found in the units the analysts coded with a code and
the codebook's rules miss. Each candidate is run through the coder (negation, other senses and
the other precision rules apply) and comes with its evidence on that coding: the units it codes
and how many the analysts coded (precision), the units it would add and from how many documents
(sources, for a units file), the false alarms it would add, up to three example sentences.

Guards against copying the data: a candidate must add units from at least --min-documents
different documents (2), is never a whole sentence, never stop words alone, and never what the
codebook's rules already catch. Nothing is added to the codebook: read suggested_rules.yaml,
and paste the entries you accept, as a concept written in general words, under the code's
phrases: or patterns: (docs/CODEBOOK.md, "How rules are written" in docs/CODER.md).

CODEBOOK (a .yaml first, or --codebook) holds the rules; PATH... are the transcripts, or a units
file (unit_id,source,title,text). --gold is the analysts' coding: a gold CSV or folder, a units
set's gold (unit_id,codes,rationale), an analyst coding (.yaml), an overrides file (the
reviewed coding) or a codings table.

examples:
  casecoder suggest-rules codebook.yaml data/interviews --gold data/gold --out suggestions/
  casecoder suggest-rules codebook.yaml ../shared/devset-real/units.csv \\
      --gold ../shared/devset-real/gold_a.csv --min-precision 0.7
  casecoder suggest-rules data/interviews --codebook codebook.yaml \\
      --gold data/analysts/demo-analyst-b.yaml --code move_with_pace

writes into --out (default suggestions/): suggested_rules.yaml (the selected candidates, each
with its evidence as comments) and candidates.csv (every candidate that passed the guards)
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``suggest-rules`` command."""
    p = sub.add_parser(
        "suggest-rules",
        help="mine candidate rules from an analysts' coding, with their evidence (nothing is added)",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="[CODEBOOK] PATH",
                   help="the codebook (.yaml, optional: else --codebook), then transcript files or folders or a units file")
    p.add_argument("--gold", required=True, metavar="SOURCE", help="the analysts' coding (see above)")
    p.add_argument("--level", choices=LEVELS, default=None,
                   help="unit counted (default: sentence; turn for a units file)")
    p.add_argument("--code", dest="codes", action="append", metavar="CODE",
                   help="mine for this code only (repeatable; default: every code)")
    p.add_argument("--min-documents", type=int, default=2, metavar="N",
                   help="fewest documents the units a candidate adds come from (default: %(default)s)")
    p.add_argument("--min-precision", type=float, default=0.5, metavar="P",
                   help="least precision of what a selected candidate adds (default: %(default)s)")
    p.add_argument("--window", type=int, default=3, metavar="N",
                   help="most words between the two lemmas of a pattern, 1 to 5 (default: %(default)s)")
    _options.codebook(p, help="codebook file, when not given first")
    _options.case_key(p)
    _options.out(p, "output folder", default="suggestions")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Mine, print the selected candidates, write the two files; return 0 (errors raise)."""
    book_path, paths = split_codebook(args.paths, args.codebook)
    problems: list[Problem] = []
    book, coder, docs = read_inputs(book_path, paths, args.case_key, problems)
    gold = gold_coding(args.gold, docs, book, problems)
    if problems or coder is None or gold is None or book is None:
        raise EvaluationError(problems)
    level = args.level or ("turn" if any(is_units(p) for p in paths) else "sentence")
    found = suggest_rules(docs, gold, book, level=level, codes=args.codes, min_documents=args.min_documents,
                          min_precision=args.min_precision, window=args.window)
    header = (f"casecoder suggest-rules: candidates mined from {args.gold} on {len(docs)} documents ({level} level),\n"
              f"each adding units from >= {args.min_documents} documents at added precision >= {args.min_precision}.\n"
              "Nothing here is in the codebook: paste what you accept under the code's phrases: or patterns:,\n"
              "written as a concept in general words.")
    written = write_suggestions(found, args.out, book, header=header)
    chosen = found[found["selected"]]
    print(f"{len(found)} candidate(s) passed the guards at {level} level; {len(chosen)} selected for "
          f"{chosen['code'].nunique()} code(s)")
    if chosen.empty:
        print(f"none adds units at added precision >= {args.min_precision}"
              + (" (candidates.csv lists them; try a lower --min-precision)" if len(found) else ""))
    else:
        print(f"{'code':<26} {'rule':<36} {'adds':>4} {'docs':>4} {'FP+':>4} {'P+':>6} {'P':>6}")
    for r in chosen.to_dict("records"):
        print(f"{r['code'][:26]:<26} {r['rule'][:36]:<36} {r['support_units']:>4} {r['support_documents']:>4} "
              f"{r['added_fp']:>4} {r['added_precision']:>6.3f} {r['precision']:>6.3f}")
    for path in written:
        print(f"wrote {Path(path)}")
    return 0
