"""``casecoder reconcile``: the team's decisions on each disagreement, and the consensus coding."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..codebook import load_codebook
from ..io import atomic_write_text
from ..pipeline import read_transcripts
from ..reconcile import (agenda, consensus_overrides, consensus_values, decisions_text, load_decisions,
                         machine_values, ratings_for)
from ..sources import load_codings
from . import _options
from ._progress import progress_bar

HELP = """\
Settle the analysts' disagreements into a consensus coding, in two steps.

1. Write the agenda: every unit and code on which the analysts differ becomes an entry of the
   decisions file (default decisions.yaml), anchored by quote as overrides are, with each
   analyst's decision and notes. Re-running keeps every decision already written.
2. After the meeting (each entry: decision: keep | drop | recode, recode_to: for a recode,
   decided_by: who, why: the reason), apply it with --consensus OUT.yaml: the consensus is what
   the analysts agreed on plus the team's decisions, written as an overrides file (analyst
   'consensus') over the patterns-only coding. An undecided entry is never guessed: applying
   stops with exit 2, naming every undecided entry with its line, and writes nothing.

INPUTs are as for casecoder compare (auto, overrides files, analyst codings, gold, codings
tables, .qdpx projects).

examples:
  casecoder reconcile data/gold data/analysts/demo-analyst-b.yaml --transcripts data/interviews \\
      --decisions decisions.yaml
  casecoder reconcile data/gold data/analysts/demo-analyst-b.yaml --transcripts data/interviews \\
      --decisions decisions.yaml --consensus overrides/consensus.yaml
  casecoder compare overrides/consensus.yaml data/gold data/analysts/demo-analyst-b.yaml \\
      --transcripts data/interviews
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``reconcile`` command."""
    p = sub.add_parser("reconcile", help="decisions on each disagreement -> the team's consensus coding (overrides)",
                       description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    _options.codings(p, nargs="+", help="one analyst's coding each (as for compare)")
    _options.transcripts_option(p)
    p.add_argument("--decisions", default="decisions.yaml", help="the decisions file to write or apply (default: %(default)s)")
    p.add_argument("--consensus", default=None, metavar="OUT.yaml", help="apply the decisions: write the consensus overrides file")
    p.add_argument("--unit", default="sentence", choices=("sentence", "turn"), help="unit of comparison (default: %(default)s)")
    p.add_argument("--codes", default=None, help="comma-separated code ids (default: the codebook's)")
    p.add_argument("--min-overlap", type=float, default=0.0, help="share of a unit a coding must cover (default: any overlap)")
    p.add_argument("--include-interviewer", action="store_true", help="count interviewer turns as units")
    _options.codebook(p)
    _options.case_key(p)
    _options.jobs(p)
    _options.no_progress(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write or update the decisions file, or apply it; 0 done (2 on bad input or undecided)."""

    codebook = load_codebook(args.codebook)
    documents = read_transcripts(args.paths, codebook, case_key=args.case_key)
    codes = [c.strip() for c in args.codes.split(",") if c.strip()] if args.codes else None
    with progress_bar(args) as bar:
        inputs = load_codings(args.codings, documents, codebook=codebook, jobs=args.jobs, progress=bar)
    ratings = ratings_for(inputs, documents, codebook=codebook, unit=args.unit, codes=codes,
                          min_overlap=args.min_overlap, include_interviewer=args.include_interviewer)
    path = Path(args.decisions)
    if args.consensus is None:
        previous = load_decisions(path, codebook=codebook) if path.exists() else []
        entries = agenda(ratings, documents, codebook=codebook)
        atomic_write_text(path, decisions_text(entries, ratings.analysts, ratings.unit, previous))
        kept = {(p.document, p.code, " ".join(p.quote.split())) for p in previous if p.decision}
        decided = sum((e.document, e.code, " ".join(e.quote.split())) in kept for e in entries)
        print(f"analysts: {', '.join(ratings.analysts)}; {len(entries)} disagreement(s) ({args.unit} x code): "
              f"{decided} decided, {len(entries) - decided} to decide; wrote {path}")
        return 0
    decisions = load_decisions(path, codebook=codebook)
    consensus = consensus_values(ratings, decisions, documents, path=str(path))
    with progress_bar(args) as bar:
        machine = machine_values(ratings, documents, codebook, jobs=args.jobs, progress=bar)
    text = consensus_overrides(ratings, consensus, machine, documents, decisions)
    atomic_write_text(args.consensus, text)
    entries = text.count("\n  - action: ")
    print(f"consensus of {', '.join(ratings.analysts)} with {sum(bool(d.decision) for d in decisions)} decision(s): "
          f"{entries} correction(s) of the patterns-only coding; wrote {args.consensus}")
    print(f"check it: casecoder compare {args.consensus} {' '.join(args.codings)} --transcripts {' '.join(args.paths)}")
    return 0
