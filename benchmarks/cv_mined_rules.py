"""Cross-validated effect of mined rules: does adding what `casecoder suggest-rules` proposes help
on units whose sources it never saw?

On a units set (``../shared/devset-real/``: ``units.csv`` and an analyst's ``gold_a.csv``), the
sources are split into ``k`` folds by a hash of each source page (the first 8 hex digits of the
SHA-256 of ``casecoder.evaluate.source_key``, modulo k), so every unit of a page falls in one
fold and no page is on both sides. For each fold:

1. mine candidate rules (``casecoder.mining.suggest_rules``, level ``turn``) from the other
   k-1 folds against the analyst's coding;
2. keep the selected candidates whose added precision on those folds is at least
   ``--min-precision`` and whose added units come from at least ``--min-documents`` sources;
3. code the held-out fold with the codebook as it is, and with the kept candidates added
   (``casecoder.mining.with_candidates``, in memory: codebook.yaml is not touched).

The held-out codings of the k folds are pooled (each unit is held out exactly once) and scored
against the same analyst with ``casecoder.evaluate.evaluate`` at level ``turn``: per code and
micro/macro precision, recall and F1, without and with the mined rules. Deterministic: the
folds depend only on the source addresses, and mining and coding are deterministic.

Examples::

    .venv/bin/python benchmarks/cv_mined_rules.py
    .venv/bin/python benchmarks/cv_mined_rules.py --gold b --folds 5 --min-precision 0.7
    .venv/bin/python benchmarks/cv_mined_rules.py --rules      # list the rules each fold adds
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def fold_of(source: str, k: int) -> int:
    """The fold of a source page: a hash of its host and path, modulo ``k``."""
    from casecoder.evaluate import source_key

    return int(hashlib.sha256(source_key(source).encode("utf-8")).hexdigest()[:8], 16) % k


def _f(x: float) -> str:
    return "–" if x != x else f"{x:.3f}"


def run(units: Path, gold_path: Path, codebook: Path, k: int, min_precision: float, min_documents: int,
        show_rules: bool) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The pooled scores without and with the mined rules, and a line per fold."""
    from casecoder.codebook import load_codebook
    from casecoder.coder import code_documents
    from casecoder.evaluate import evaluate, read_units
    from casecoder.mining import suggest_rules, with_candidates
    from casecoder.sources import load_codings

    book = load_codebook(codebook)
    docs, gold = read_units(units, gold_path, codebook=book)
    analyst = load_codings([gold_path], docs, codebook=book)[0].codings
    fold = {d.id: fold_of(d.metadata["source"], k) for d in docs}
    plain, mined, lines = [], [], []
    for f in range(k):
        train = [d for d in docs if fold[d.id] != f]
        test = [d for d in docs if fold[d.id] == f]
        cands = suggest_rules(train, analyst[analyst["document"].map(fold) != f], book, level="turn",
                              min_documents=min_documents, min_precision=min_precision)
        kept = cands[cands["selected"]]
        plain.append(code_documents(test, book))
        mined.append(code_documents(test, with_candidates(book, kept)))
        lines.append(f"fold {f + 1}: {len(test)} units from {len({d.case for d in test})} sources held out; "
                     f"{len(kept)} rule(s) added (of {len(cands)} candidates that passed the guards)")
        if show_rules:
            lines += [f"    {r['code']}: {r['rule']} (adds {r['support_units']} in {r['support_documents']} sources, "
                      f"added precision {r['added_precision']:.3f})" for r in kept.to_dict("records")]
    before = evaluate(pd.concat(plain, ignore_index=True), gold, docs, level="turn", codes=book.ids).scores
    after = evaluate(pd.concat(mined, ignore_index=True), gold, docs, level="turn", codes=book.ids).scores
    return before, after, lines


def main(argv: list[str] | None = None) -> int:
    """Print the cross-validated scores; return 0 (2 on bad input, every problem on standard error)."""
    from casecoder.errors import CasecoderError

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split("Examples::")[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default=str(ROOT.parent / "shared" / "devset-real"), metavar="DIR",
                    help="a units set: a folder holding units.csv and gold_<analyst>.csv")
    ap.add_argument("--gold", default="a", metavar="a|b|PATH", help="the analyst mined from and scored against")
    ap.add_argument("--codebook", default=str(ROOT / "codebook.yaml"))
    ap.add_argument("--folds", type=int, default=5, metavar="K")
    ap.add_argument("--min-precision", type=float, default=0.7, help="least added precision of a kept rule")
    ap.add_argument("--min-documents", type=int, default=2, help="fewest sources a kept rule's added units come from")
    ap.add_argument("--rules", action="store_true", help="list the rules each fold adds")
    args = ap.parse_args(argv)
    if args.folds < 2:
        ap.error("--folds must be at least 2")
    units = Path(args.set) / "units.csv"
    gold = Path(args.gold) if args.gold.lower() not in ("a", "b") else Path(args.set) / f"gold_{args.gold.lower()}.csv"
    try:
        before, after, lines = run(units, gold, Path(args.codebook), args.folds, args.min_precision,
                                   args.min_documents, args.rules)
    except CasecoderError as exc:
        for pr in exc.problems:
            print(f"error: {pr}", file=sys.stderr)
        return 2
    print(f"{units} against {gold.name}: {args.folds} folds by source; rules kept at added precision >= "
          f"{args.min_precision} from >= {args.min_documents} sources; level turn, held-out folds pooled")
    print("\n".join(lines))
    print("\n| code | gold | P without | R without | F1 without | P with | R with | F1 with | ΔF1 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for b, a in zip(before.to_dict("records"), after.to_dict("records")):
        name = f"**{b['code']}**" if b["code"] in ("micro", "macro") else b["code"]
        delta = a["f1"] - b["f1"]
        print(f"| {name} | {b['gold']} | {_f(b['precision'])} | {_f(b['recall'])} | {_f(b['f1'])} | "
              f"{_f(a['precision'])} | {_f(a['recall'])} | {_f(a['f1'])} | {'–' if delta != delta else f'{delta:+.3f}'} |")
    mb, ma = before.iloc[-2], after.iloc[-2]
    print(f"\nmicro without: P {mb['precision']:.3f} / R {mb['recall']:.3f} / F1 {mb['f1']:.3f} "
          f"(tp {mb['tp']}, fp {mb['fp']}, fn {mb['fn']})")
    print(f"micro with:    P {ma['precision']:.3f} / R {ma['recall']:.3f} / F1 {ma['f1']:.3f} "
          f"(tp {ma['tp']}, fp {ma['fp']}, fn {ma['fn']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
