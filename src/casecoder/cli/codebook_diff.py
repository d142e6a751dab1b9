"""``casecoder codebook-diff``: the codings a codebook change gains and loses, and its effect on the scores."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from ..codebook import load_codebook
from ..coder import compile_codebook
from ..errors import EvaluationError, Problem, problem
from ..evaluate import LEVELS
from ..evidence import codebook_diff
from ..sources import is_units, read_documents
from . import _options
from ._progress import progress_bar
from .rules import collect, gold_coding

HELP = """\
What a change of codebook does to the coding: the coder runs with OLD and with NEW on the same
transcripts, and every coding one makes and the other does not is listed, per code and per
case, with its sentence, the rule that made it and, when the other codebook matched the
sentence but set the match aside, its reason (negated, other_sense:<name>, ...). With --gold,
each change says whether the analysts coded it, and precision, recall and F1 are given before,
after and their change, per code, micro and macro (units as evaluate counts them). Useful in
the review of a codebook change and in a study's audit trail.

PATH... are the transcripts (files or folders) or a units file (unit_id,source,title,text).
--gold is the analysts' coding, as for casecoder rules (gold CSV or folder, a units set's gold,
an analyst coding, an overrides file, a codings table); its codes are checked against NEW.

examples:
  git show HEAD~1:codebook.yaml > old.yaml
  casecoder codebook-diff old.yaml codebook.yaml data/interviews --gold data/gold --out diff-out/
  casecoder codebook-diff old.yaml codebook.yaml ../shared/devset-real/units.csv \\
      --gold ../shared/devset-real/gold_a.csv

writes into --out (default diff-out/): changes.csv (every coding gained or lost), codes.csv
(per code; with --gold the scores before and after), cases.csv, diff.md
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``codebook-diff`` command."""
    p = sub.add_parser(
        "codebook-diff",
        help="codings gained and lost by a codebook change, and the change in P/R/F1",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("old", metavar="OLD", help="the codebook before the change (.yaml)")
    p.add_argument("new", metavar="NEW", help="the codebook after the change (.yaml)")
    _options.transcripts(p, help="transcript files or folders, or a units file")
    p.add_argument("--gold", default=None, metavar="SOURCE", help="the analysts' coding (optional; see above)")
    p.add_argument("--level", choices=LEVELS, default=None,
                   help="unit of the scores (default: sentence; turn for a units file)")
    _options.case_key(p)
    _options.out(p, "output folder", default="diff-out")
    _options.jobs(p)
    _options.no_progress(p)
    p.set_defaults(func=run)


def _f(x: float) -> str:
    return "—" if isinstance(x, float) and math.isnan(x) else f"{x:.3f}"


def run(args: argparse.Namespace) -> int:
    """Diff, print the per-code table, write the files; return 0 (errors raise)."""
    problems: list[Problem] = []
    books = [collect(lambda path=path: load_codebook(path), problems) for path in (args.old, args.new)]
    coders = [collect(lambda b=b: compile_codebook(b), problems) if b is not None else None for b in books]
    docs = collect(lambda: read_documents(args.paths, books[1], case_key=args.case_key), problems)
    gold = gold_coding(args.gold, docs, books[1], problems) if args.gold is not None else None
    if problems or None in coders or docs is None or (args.gold is not None and gold is None):
        raise EvaluationError(problems or [problem("E901", message="nothing to compare")])
    level = args.level or ("turn" if any(is_units(p) for p in args.paths) else "sentence")
    with progress_bar(args) as bar:
        diff = codebook_diff(docs, coders[0], coders[1], gold=gold, level=level, jobs=args.jobs, progress=bar)
    written = diff.write(args.out)
    gained = int((diff.changes["change"] == "gained").sum())
    print(f"{gained} coding(s) gained, {len(diff.changes) - gained} lost")
    scored = "f1_old" in diff.codes.columns
    print(f"{'code':<28} {'before':>6} {'after':>6} {'gained':>6} {'lost':>5}"
          + (f" {'F1 before':>9} {'F1 after':>9} {'change':>7}" if scored else ""))
    for r in diff.codes.to_dict("records"):
        if not (r["gained"] or r["lost"]) and r["code"] not in ("all", "micro", "macro"):
            continue  # only what changed, and the totals
        line = f"{r['code'][:28]:<28} {r['old']:>6} {r['new']:>6} {r['gained']:>6} {r['lost']:>5}"
        if scored:
            change = r["f1_change"]
            line += f" {_f(r['f1_old']):>9} {_f(r['f1_new']):>9} {'—' if math.isnan(change) else f'{change:+.3f}':>7}"
        print(line)
    if scored:
        print(f"scores at {level} level")
    print(f"wrote {len(written)} files to {Path(args.out)}/")
    return 0
