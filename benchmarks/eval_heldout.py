"""Score the shipped codebook on a held-out sentence set (default ``data/heldout/sentences.csv``).

The held-out set was written from the code frame alone, by someone who had not seen the patterns, so
this measures how the patterns generalise rather than how well they fit their own examples.
Run it by hand and copy its output into docs/HELDOUT.md:

    .venv/bin/python benchmarks/eval_heldout.py                  # per-code table, sentence level
    .venv/bin/python benchmarks/eval_heldout.py --errors 200     # and up to 200 misses / false alarms
    .venv/bin/python benchmarks/eval_heldout.py --set data/heldout-test/sentences.csv   # another set

``--set`` takes any file in the same format (``id, section, text, codes, reason``; one sentence
per row, ``;``-separated code ids, empty for none). ``data/heldout-test/`` is a TEST set: score it
once, after the patterns are final, and never tune patterns on its errors.

It prints a Markdown table (one row per code in codebook order, then micro and macro) and,
with ``--errors``, the misses and false alarms with their text.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main(argv: list[str] | None = None) -> int:
    """Print the held-out scores; return 0."""
    from casecoder.codebook import load_codebook
    from casecoder.coder import code_documents
    from casecoder.evaluate import evaluate, read_devset

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", "--heldout", dest="heldout", metavar="PATH",
                    default=str(ROOT / "data" / "heldout" / "sentences.csv"),
                    help="the sentence set to score (default: data/heldout/sentences.csv)")
    ap.add_argument("--codebook", default=str(ROOT / "codebook.yaml"))
    ap.add_argument("--errors", type=int, default=0, help="also list this many misses and false alarms")
    args = ap.parse_args(argv)

    book = load_codebook(args.codebook)
    docs, gold = read_devset(args.heldout, codebook=book)
    res = evaluate(code_documents(docs, book), gold, docs, level="sentence", codes=book.ids)
    print(f"{args.heldout}: {len(docs)} sentences, {len(gold)} gold (sentence, code) pairs, level=sentence\n")
    print("| code | gold | predicted | TP | FP | FN | precision | recall | F1 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in res.scores.to_dict("records"):
        def f(x: float) -> str:
            return "–" if x != x else f"{x:.2f}"
        print(f"| {r['code']} | {r['gold']} | {r['predicted']} | {r['tp']} | {r['fp']} | {r['fn']} | "
              f"{f(r['precision'])} | {f(r['recall'])} | {f(r['f1'])} |")
    if args.errors:
        print("\n| kind | code | id | text | rule |")
        print("|---|---|---|---|---|")
        for e in res.errors.head(args.errors).to_dict("records"):
            print(f"| {e['kind']} | {e['code']} | {e['document']} | {e['text']} | {e['rule']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
