"""Score the shipped codebook (patterns alone) on any coded set: per-code table, micro and macro.

Two formats (``casecoder.evaluate.read_set`` tells them apart by the header):

* a **units** set, as ``../shared/devset-real/``: ``units.csv`` (``unit_id, source, title,
  text``) and one analyst's ``gold_a.csv`` / ``gold_b.csv`` (``unit_id, codes, rationale``).
  Each unit is coded as a one-turn transcript (speaker "Manager", heading "Leadership
  actions") and scored unit by unit. ``--half A|B`` keeps one half of the sources
  (``casecoder.evaluate.source_half``: SHA-256 of the page's host and path, first hex digit
  even → A, odd → B), so rules can be written from one half and measured on the other;
* a **sentence** set, as ``data/heldout/sentences.csv`` (``id, section, text, codes, reason``),
  scored sentence by sentence. ``data/heldout-test/`` is a TEST set: score it once, after the
  patterns are final, and never tune patterns on its errors.

Examples::

    .venv/bin/python benchmarks/eval_heldout.py                              # data/heldout
    .venv/bin/python benchmarks/eval_heldout.py --set ../shared/devset-real --gold a
    .venv/bin/python benchmarks/eval_heldout.py --set ../shared/devset-real --gold b --half B
    .venv/bin/python benchmarks/eval_heldout.py --set ../shared/devset-real --gold a --half A --errors 100

It prints a Markdown table (one row per code in codebook order, then micro and macro) and,
with ``--errors N``, up to N misses and false alarms with their text and the rule that fired.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _f(x: float) -> str:
    return "–" if x != x else f"{x:.3f}"


def main(argv: list[str] | None = None) -> int:
    """Print the scores; return 0 (2 on bad input, with every problem on standard error)."""
    from casecoder.codebook import load_codebook
    from casecoder.coder import code_documents
    from casecoder.errors import CasecoderError
    from casecoder.evaluate import HALVES, evaluate, read_set

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split("Examples::")[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", "--heldout", dest="set", metavar="PATH",
                    default=str(ROOT / "data" / "heldout" / "sentences.csv"),
                    help="a sentence set, a units.csv or a folder holding one (default: data/heldout/sentences.csv)")
    ap.add_argument("--gold", metavar="PATH|a|b", help="a units set's gold file; a or b: gold_a.csv / gold_b.csv beside it")
    ap.add_argument("--half", choices=HALVES, help="a units set: keep only the sources of this half")
    ap.add_argument("--codebook", default=str(ROOT / "codebook.yaml"))
    ap.add_argument("--errors", type=int, default=0, metavar="N", help="also list up to N misses and N false alarms")
    args = ap.parse_args(argv)

    try:
        book = load_codebook(args.codebook)
        docs, gold, level = read_set(args.set, args.gold, codebook=book)
        halves = Counter(d.metadata["half"] for d in docs if "half" in d.metadata)
        sources = {h: len({d.case for d in docs if d.metadata["half"] == h}) for h in halves}
        if args.half:
            if level != "turn":
                read_set(args.set, args.gold, codebook=book, half=args.half)  # raises: a sentence set has no sources
            docs = [d for d in docs if d.metadata["half"] == args.half]
            gold = gold[gold["document"].isin({d.id for d in docs})]
        res = evaluate(code_documents(docs, book), gold, docs, level=level, codes=book.ids)
    except CasecoderError as exc:
        for pr in exc.problems:
            print(f"error: {pr}", file=sys.stderr)
        return 2
    what = f"{args.set}" + (f" against {args.gold}" if args.gold else "")
    print(f"{what}: {len(docs)} documents, {len(gold)} gold (unit, code) pairs, level={level}")
    if halves:
        shown = ", ".join(f"half {h}: {halves[h]} units from {sources[h]} sources" for h in sorted(halves))
        print(f"{'half ' + args.half if args.half else 'whole set'} ({shown})")
    print("\n| code | gold | predicted | TP | FP | FN | precision | recall | F1 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in res.scores.to_dict("records"):
        print(f"| {r['code']} | {r['gold']} | {r['predicted']} | {r['tp']} | {r['fp']} | {r['fn']} | "
              f"{_f(r['precision'])} | {_f(r['recall'])} | {_f(r['f1'])} |")
    mi, ma = res.micro, res.macro
    print(f"\nmicro P {mi['precision']:.3f} / R {mi['recall']:.3f} / F1 {mi['f1']:.3f}; "
          f"macro P {ma['precision']:.3f} / R {ma['recall']:.3f} / F1 {ma['f1']:.3f}")
    if args.errors:
        print("\n| kind | code | id | text | gold reason or rule |")
        print("|---|---|---|---|---|")
        for kind in ("false_alarm", "miss"):
            rows = res.errors[res.errors["kind"] == kind].head(args.errors)
            for e in rows.to_dict("records"):
                why = e["rule"] if kind == "false_alarm" else e["reason"]
                print(f"| {kind} | {e['code']} | {e['document']} | {' '.join(str(e['text']).split())} | {why} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
