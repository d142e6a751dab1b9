"""``casecoder compare``: agreement between analysts, unit by unit, and the disagreements."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from ..agreement import CLUSTERS, UNITS, compare, write_comparison
from ..codebook import load_codebook
from ..errors import AgreementError, UsageError, problem
from ..pipeline import read_transcripts
from ..sources import load_codings, with_reviewed
from . import _options
from ._progress import progress_bar

HELP = """\
Compare two or more analysts' codings of the same transcripts, unit by unit (sentences by
default): percent agreement, Krippendorff's alpha with a bootstrap 95% interval, Cohen's kappa
(Light's kappa for more than two analysts), Gwet's AC1 and each analyst's prevalence, per code
and overall ("pooled" stacks every code's units; "mean of codes" averages the per-code values).
An undefined statistic is shown as n/a with the reason.

Each INPUT is one analyst; the name comes from the file:
  auto                 the patterns-only coding (the coder run on the transcripts)
  OVERRIDES.yaml       the reviewed coding: patterns plus that analyst's overrides
  ANALYST.yaml         an anchored analyst coding (analyst:, reviewed:, codings:)
  CODINGS.csv|.parquet a codings table
  PROJECT.qdpx         a REFI-QDA project (NVivo, ATLAS.ti, MAXQDA, ...): one analyst per
                       user; sources matched to transcripts by name, their text must be the
                       transcript's (see docs/AGREEMENT.md)

A coding counts for every unit it overlaps (--min-overlap S: only where it covers at least the
share S of the unit). A document an analyst did not review is missing for them, not "not coded".
A codings table only names the documents it has codings in: --reviewed all (or a list of
document ids) says the analyst reviewed the others too and coded nothing there.

The interval for alpha is a studentized bootstrap over documents (sentence and turn units),
chosen by simulation for its coverage; it is not given (the table says why) with fewer than
10 documents (in which the code was applied), 3 disagreeing units or 10 coded units.

Writes into --out (default compare-out/): agreement.csv, pairwise.csv, disagreements.csv,
disagreements.md (every unit the analysts differ on, with the text and notes), unmapped.csv,
per_document.csv (every statistic per document and code), unitizing.csv (Krippendorff's
unitizing alpha on the analysts' own spans), groups.csv (with --groups), agreement_heatmap.png
and .svg. Settle the disagreements with casecoder reconcile.

examples (each needs --transcripts, the transcripts coded):
  casecoder compare auto overrides/alice.yaml --transcripts data/interviews
  casecoder compare overrides/alice.yaml data/analysts/demo-analyst-b.yaml --unit sentence \\
      --transcripts data/interviews
  casecoder compare a.csv b.csv c.csv --unit turn --codes partnerships,considered_risk
  casecoder compare nvivo.qdpx data/analysts/demo-analyst-b.yaml
  casecoder compare team.qdpx                (a project with two or more users)
  casecoder compare alice.csv bob.csv --reviewed all
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``compare`` command."""
    p = sub.add_parser(
        "compare",
        help="agreement between analysts (alpha, kappa, AC1) and their disagreements",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _options.codings(p, nargs="+", help="one analyst's coding each (see above)")
    _options.transcripts_option(p)
    p.add_argument("--unit", default="sentence", choices=UNITS, help="unit of comparison (default: %(default)s)")
    p.add_argument("--codes", default=None, help="comma-separated code ids to compare (default: the codebook's)")
    p.add_argument("--min-overlap", type=float, default=0.0, help="share of a unit a coding must cover (default: any overlap)")
    p.add_argument("--include-interviewer", action="store_true", help="count interviewer turns as units")
    p.add_argument("--replicates", type=int, default=1000, help="bootstrap replicates for alpha's interval; 0 skips (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default: %(default)s)")
    p.add_argument("--reviewed", default=None, metavar="all|DOC,DOC",
                   help="documents a codings table's analyst reviewed (default: those the table names); 'all': every "
                        "transcript, so a document with no coding counts as 'coded nothing', not 'not reviewed'")
    p.add_argument("--groups", default=None, metavar="NAME=A,B;NAME=C,D",
                   help="groups of analysts to compare within and between (writes groups.csv)")
    p.add_argument("--cluster", default="auto", choices=CLUSTERS, help="what the bootstrap resamples; auto: documents for sentence/turn units (default: %(default)s)")
    _options.codebook(p)
    _options.case_key(p)
    _options.out(p, "output folder", default="compare-out")
    _options.jobs(p)
    _options.no_progress(p)
    p.set_defaults(func=run)


def _fmt(value: float, digits: int = 3) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _groups(text: str | None) -> dict[str, list[str]] | None:
    """``"A=x,y;B=z,w"`` -> ``{"A": ["x", "y"], "B": ["z", "w"]}``."""
    if not text:
        return None
    out: dict[str, list[str]] = {}
    problems = []
    for part in (p for p in text.split(";") if p.strip()):
        name, eq, members = part.partition("=")
        if not eq or not name.strip() or not members.strip():
            problems.append(problem("E901", field="--groups", message=f"'{part}' is not NAME=ANALYST,ANALYST"))
            continue
        out[name.strip()] = [m.strip() for m in members.split(",") if m.strip()]
    if problems:
        raise UsageError(problems)
    return out


def run(args: argparse.Namespace) -> int:
    """Compare, print the table, write the files; return 0 (2 on bad input, raised)."""
    # Analysts are counted after reading (compare raises E601): one .qdpx may hold several.
    if args.replicates < 0:
        raise UsageError(problem("E901", field="--replicates", message="--replicates must be 0 or more"))
    codebook = load_codebook(args.codebook)
    documents = read_transcripts(args.paths, codebook, case_key=args.case_key)
    codes = [c.strip() for c in args.codes.split(",") if c.strip()] if args.codes else None
    with progress_bar(args) as bar:
        inputs = load_codings(args.codings, documents, codebook=codebook, jobs=args.jobs, progress=bar)
    if args.reviewed:
        inputs = with_reviewed(inputs, documents, args.reviewed)
    # what a reader left out (a .qdpx source matching no transcript, ...): once per file
    shown: set[tuple[str, str]] = set()
    for c in inputs:
        where = c.path.split("#", 1)[0]
        for note in c.notes:
            if (where, note) not in shown:
                shown.add((where, note))
                print(f"note: {where}: {note}")
    result = compare(
        inputs, documents, unit=args.unit, codes=codes, codebook=codebook, min_overlap=args.min_overlap,
        include_interviewer=args.include_interviewer, replicates=args.replicates, seed=args.seed, cluster=args.cluster,
        groups=_groups(args.groups),
    )
    written = write_comparison(result, args.out)
    r = result.ratings
    print(f"analysts: {', '.join(r.analysts)}")
    reviewed = (~(r.values[:, :, 0] != r.values[:, :, 0])).sum(axis=0) if len(r.codes) else []
    print(f"units: {len(r.units)} {args.unit}s; reviewed per analyst: "
          + ", ".join(f"{a} {int(n)}" for a, n in zip(r.analysts, reviewed))
          + f"; bootstrap: {result.settings.get('resampled', 'none')}, {args.replicates} replicates, seed {args.seed}")
    if result.settings.get("interval"):
        print(f"interval: {result.settings['interval']}")
    stats = result.statistics
    has_ci = "alpha_low" in stats.columns
    print(f"{'code':<28} {'units':>6} {'differ':>6} {'%agree':>7} {'alpha':>7} {'95% CI':>17} {'kappa':>7} {'AC1':>7}  reason")
    for row in stats.itertuples(index=False):
        d = row._asdict()
        name = d["code"] if d["scope"] == "code" else f"[{d['scope']}]"
        given = has_ci and d["scope"] != "mean of codes" and not d.get("interval")
        ci = f"[{_fmt(d['alpha_low'])}, {_fmt(d['alpha_high'])}]" if given else ("none" if has_ci and d["scope"] != "mean of codes" else "")
        why = "; ".join(w for w in (d["reason"], d.get("interval", "") if d["scope"] != "mean of codes" else "") if w)
        print(f"{name:<28} {d['units']:>6} {d['disagreements']:>6} {_fmt(d['percent_agreement'], 1):>7} "
              f"{_fmt(d['alpha']):>7} {ci:>17} {_fmt(d['kappa']):>7} {_fmt(d['ac1']):>7}  {why}")
    if result.settings.get("warning"):
        print(f"note: {result.settings['warning']}")
    if result.unitizing is not None:
        u = result.unitizing.iloc[-1]
        print(f"unitizing alpha on the analysts' own spans ({result.settings.get('unitizing_documents', 0)} document(s) "
              f"every analyst reviewed): {_fmt(u['alpha'])} over all codes; per code in unitizing.csv")
    if result.groups is not None:
        for row in result.groups[result.groups["code"] == "(all codes)"].itertuples(index=False):
            print(f"group {row.scope} {row.group}: alpha {_fmt(row.alpha)}, kappa {_fmt(row.kappa)} ({row.pairs} pair(s))")
    if len(r.unmapped):
        print(f"{len(r.unmapped)} coding(s) fell on no unit; listed in unmapped.csv")
    print(f"{len(result.disagreements)} disagreement(s); wrote {len(written)} files to {Path(args.out)}/")
    return 0
