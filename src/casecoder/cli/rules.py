"""``casecoder rules``: the evidence for every rule of a codebook against an analysts' coding."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from ..codebook import Codebook, load_codebook
from ..coder import Coder, compile_codebook
from ..errors import CasecoderError, EvaluationError, Problem, problem
from ..evaluate import LEVELS
from ..evidence import SORTS, rule_evidence
from ..sources import AUTO, is_units, load_codings, read_documents
from . import _options
from ._progress import progress_bar

HELP = """\
For each rule of a codebook (every phrase, mention and token pattern of every code): the units
it codes (hits), how many of them the analysts coded with its code (TP) or not (FP), its
precision, the codings only it produced (unique TP; unique FP: the false ones only it made),
and up to three example sentences of each kind; per code, the coded units no rule caught
(misses). A rule that never fires is listed with 0 hits.

CODEBOOK (a .yaml first, or --codebook) holds the rules; PATH... are the transcripts (files or
folders), or a units file (unit_id,source,title,text, e.g. ../shared/devset-real/units.csv).
--gold is the analysts' coding: a gold CSV or folder (document,turn,code,quote,reason), a
units set's gold (unit_id,codes,rationale), an analyst coding (.yaml with codings:), an
overrides file (the reviewed coding), or a codings table (.csv/.parquet).

Units as evaluate counts them: sentence (default for transcripts), turn (default for a units
file: one unit each), or case.

examples:
  casecoder rules codebook.yaml data/interviews --gold data/gold --out rules-out/
  casecoder rules codebook.yaml data/interviews --gold data/gold --level turn --sort value
  casecoder rules codebook.yaml ../shared/devset-real/units.csv --gold ../shared/devset-real/gold_a.csv
  casecoder rules data/interviews --codebook codebook.yaml --gold data/overrides/reviewing-analyst.yaml

writes into --out (default rules-out/): rules.csv (one row per rule, in the --sort order:
harm = most false positives first, value = most unique true positives first, codebook),
codes.csv (per code, the page's columns: code, rules, silent, gold, coded, tp, fp, misses,
precision, recall, f1), misses.csv and rules.md
"""

T = TypeVar("T")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``rules`` command."""
    p = sub.add_parser(
        "rules",
        help="evidence for each rule of a codebook: hits, TP, FP, precision, unique TP, examples, misses",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="[CODEBOOK] PATH",
                   help="the codebook (.yaml, optional: else --codebook), then transcript files or folders or a units file")
    p.add_argument("--gold", required=True, metavar="SOURCE", help="the analysts' coding (see above)")
    p.add_argument("--level", choices=LEVELS, default=None,
                   help="unit counted (default: sentence; turn for a units file)")
    p.add_argument("--sort", choices=SORTS, default="harm", help="order of the rules (default: %(default)s)")
    _options.codebook(p, help="codebook file, when not given first")
    _options.case_key(p)
    _options.out(p, "output folder", default="rules-out")
    _options.jobs(p)
    _options.no_progress(p)
    p.set_defaults(func=run)


def split_codebook(paths: Sequence[str], default: str) -> tuple[str, list[str]]:
    """``(codebook, transcripts)``: a first path ending in ``.yaml``/``.yml`` is the codebook."""
    if paths and Path(paths[0]).suffix.lower() in (".yaml", ".yml"):
        return paths[0], list(paths[1:])
    return default, list(paths)


def collect(step: Callable[[], T], problems: list[Problem]) -> T | None:
    """Run one reading step; its problems join ``problems`` so that every input is checked."""
    try:
        return step()
    except CasecoderError as exc:
        problems.extend(exc.problems)
        return None


def read_inputs(book_path: str, paths: Sequence[str], case_key: str | None,
                problems: list[Problem]) -> tuple[Codebook | None, Coder | None, list[Any] | None]:
    """The codebook, its compiled coder and the documents; every problem of each collected."""
    book = collect(lambda: load_codebook(book_path), problems)
    coder = collect(lambda: compile_codebook(book), problems) if book is not None else None
    if not paths:
        problems.append(problem("E901", field="PATH", message="give the transcripts (PATH...) after the codebook"))
        return book, coder, None
    docs = collect(lambda: read_documents(paths, book, case_key=case_key), problems)
    return book, coder, docs


def gold_coding(source: str, docs: Sequence[Any] | None, book: Codebook | None, problems: list[Problem]) -> Any:
    """The one analyst's coding ``source`` holds (its codings table), or None with the problems.

    Without ``docs`` (the transcripts did not read) the coding cannot be read against them, but a
    source that does not exist is still named, so one run lists every problem.
    """
    if docs is None:
        if source != AUTO and not Path(source).exists():
            problems.append(problem("E201", path=source, field="--gold"))
        return None
    found = collect(lambda: load_codings([source], docs, codebook=book), problems)
    if found is None:
        return None
    if len(found) != 1:
        problems.append(problem("E472", path=source, field="--gold", count=len(found),
                                analysts=", ".join(c.analyst for c in found)))
        return None
    return found[0].codings


def _f(x: float) -> str:
    return "—" if isinstance(x, float) and math.isnan(x) else f"{x:.3f}"


def run(args: argparse.Namespace) -> int:
    """Judge every rule, print the first rules of the order, write the files; return 0."""
    book_path, paths = split_codebook(args.paths, args.codebook)
    problems: list[Problem] = []
    book, coder, docs = read_inputs(book_path, paths, args.case_key, problems)
    gold = gold_coding(args.gold, docs, book, problems)
    if problems or coder is None or gold is None:
        raise EvaluationError(problems)
    level = args.level or ("turn" if any(is_units(p) for p in paths) else "sentence")
    with progress_bar(args) as bar:
        ev = rule_evidence(docs, coder, gold, level=level, jobs=args.jobs, progress=bar)
    written = ev.write(args.out, sort=args.sort)
    fired = int((ev.rules["hits"] > 0).sum())
    print(f"{len(ev.rules)} rules of {len(ev.codes)} codes at {level} level ({ev.units} units): {fired} fire, "
          f"{len(ev.rules) - fired} never do; {len(ev.misses)} coded unit(s) no rule caught")
    top = ev.sorted_rules(args.sort).head(10)
    print(f"{'code':<26} {'rule':<34} {'hits':>5} {'TP':>4} {'FP':>4} {'P':>6} {'uTP':>4} {'uFP':>4}")
    for r in top.to_dict("records"):
        print(f"{r['code'][:26]:<26} {r['rule'][:34]:<34} {r['hits']:>5} {r['tp']:>4} {r['fp']:>4} "
              f"{_f(r['precision']):>6} {r['unique_tp']:>4} {r['unique_fp']:>4}")
    print(f"wrote {len(written)} files to {Path(args.out)}/")
    return 0
