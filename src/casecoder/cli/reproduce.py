"""``casecoder reproduce``: the shipped study, end to end, checked against the report."""

from __future__ import annotations

import argparse
import sys
import time

from . import _options

HELP = """\
Run the whole pipeline on the shipped corpus: read the transcripts (data/interviews), code them
with codebook.yaml, apply the reviewing analyst's overrides (data/overrides/*.yaml), and check
every figure the report publishes (data/reference/report_targets.yaml): the number of councils
taking each action, the councils the report names, the membership of every council x action
cell, and each council's key actions (Appendix Two).

Writes into --out: codings (CSV, Parquet), the matrix (CSV, Parquet), presence and key-actions
matrices, the framework matrix, the chart (PNG, SVG), the Appendix Two tables and their audit
(Markdown, HTML), the review site and REPRODUCTION.md, which sets every published figure beside
the reproduced one, with and without the overrides. The folder is replaced whole only when the
new one is complete.

Exit status: 0 when every figure is reproduced, 1 when any is missed, 2 on bad input.

example:
  casecoder reproduce --out reproduction
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``reproduce`` command."""
    p = sub.add_parser(
        "reproduce",
        help="run the shipped study end to end and check it against the report",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _options.out(p, "output folder", default="reproduction")
    p.add_argument("--root", default=".", help="project folder holding codebook.yaml and data/ (default: %(default)s)")
    p.add_argument("--overrides", nargs="*", metavar="YAML", default=None,
                   help="overrides files to apply (default: data/overrides/*.yaml; give none for patterns alone)")
    p.add_argument("--no-review", action="store_true", help="do not build the review site")
    p.add_argument("--quiet", action="store_true", help="do not show progress")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Reproduce, print a summary; return 0 if every figure is met, else 1."""
    from ..studies.solace.reproduce import reproduce  # lazy: loads matplotlib; `casecoder --help` need not

    t0 = time.perf_counter()
    step = [0]

    def progress(message: str) -> None:
        step[0] += 1
        if not args.quiet:
            print(f"[{time.perf_counter() - t0:5.1f}s] {message} ...", file=sys.stderr, flush=True)

    result = reproduce(args.out, root=args.root, overrides=args.overrides, review=not args.no_review, progress=progress)
    f, a = result.final, result.patterns_alone
    print(f"wrote {len(result.files)} files to {result.out}/ in {time.perf_counter() - t0:.1f}s; see {result.out}/REPRODUCTION.md")
    print(f"with overrides: {f.targets_met}/{len(f.codes)} targets met, {f.cells_equal}/{f.n_cells} cells equal, "
          f"{f.key_actions_equal}/{len(f.councils)} councils' key actions equal")
    print(f"patterns alone: {a.targets_met}/{len(a.codes)} targets met, {a.cells_equal}/{a.n_cells} cells equal, "
          f"{a.key_actions_equal}/{len(a.councils)} councils' key actions equal")
    for r in f.codes:
        if not r.met:
            print(f"missed: {r.code}: {r.count} councils, target {r.target}; {r.verdict}")
    print("REPRODUCED" if result.ok else "NOT REPRODUCED: see REPRODUCTION.md")
    return 0 if result.ok else 1
