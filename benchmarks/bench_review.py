"""Benchmark: building the review site for a 5-million-word corpus, against coding it.

The corpus repeats the shipped transcripts (``data/interviews``) under new document ids until it
holds ``--words`` whitespace words (default 5,000,000, about 3,300 documents); each copy keeps
its council as its case, so the nine cases grow large and the code pages must split. Prints,
for the same corpus in the same run:

- the time to code it (:func:`casecoder.coder.code_documents`, one process) and the rows;
- the time to build the review site (:func:`casecoder.review.build_review`) and the ratio;
- the site's size: pages, total bytes, the largest page (must stay a few MB).

Run: ``.venv/bin/python benchmarks/bench_review.py [--words N] [--jobs J] [--out DIR]``. Not a
timed test: timings depend on the machine. Exit status 1 if a page exceeds ``--max-page-mb``.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from casecoder.codebook import load_codebook
from casecoder.coder import code_documents
from casecoder.review import build_review
from casecoder.transcripts import Document, read_corpus

ROOT = Path(__file__).resolve().parents[1]


def big_corpus(base: list[Document], words: int) -> list[Document]:
    """Copies of ``base`` (ids ``<id>-<n>``) until ``words`` whitespace words are reached."""
    out: list[Document] = []
    total, n = 0, 0
    while total < words:
        for doc in base:
            out.append(dataclasses.replace(doc, id=f"{doc.id}-{n:04d}", path=f"{doc.path}#{n}"))
            total += len(doc.text.split())
            if total >= words:
                break
        n += 1
    return sorted(out, key=lambda d: d.id)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--words", type=int, default=5_000_000)
    ap.add_argument("--jobs", type=int, default=1, help="coder worker processes (default: %(default)s)")
    ap.add_argument("--out", default=None, help="keep the site here (default: a temporary folder, removed)")
    ap.add_argument("--max-page-mb", type=float, default=3.0)
    args = ap.parse_args(argv)

    book = load_codebook(ROOT / "codebook.yaml")
    base = read_corpus(ROOT / "data" / "interviews", case_key=book.case_key)
    docs = big_corpus(base, args.words)
    n_words = sum(len(d.text.split()) for d in docs)
    print(f"python {platform.python_version()} on {platform.machine()}, {len(docs):,} documents, {n_words:,} words")

    t = time.perf_counter()
    codings = code_documents(docs, book, jobs=args.jobs)
    t_code = time.perf_counter() - t
    coded = int((codings["status"] == "coded").sum())
    print(f"code:   {t_code:8.1f} s  ({n_words / t_code:,.0f} words/s, jobs={args.jobs}); "
          f"{len(codings):,} rows, {coded:,} coded")

    tmp = Path(tempfile.mkdtemp(prefix="bench_review."))
    out = Path(args.out) if args.out else tmp / "site"
    try:
        t = time.perf_counter()
        build_review(codings, docs, book, out)
        t_review = time.perf_counter() - t
        pages = sorted(out.rglob("*.html"), key=lambda p: p.stat().st_size)
        total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        biggest = pages[-1]
        print(f"review: {t_review:8.1f} s  ({n_words / t_review:,.0f} words/s); "
              f"{t_review / t_code:.2f} x the coding time")
        print(f"site:   {len(pages):,} pages, {total / 1e6:,.1f} MB; largest page {biggest.relative_to(out)} "
              f"{biggest.stat().st_size / 1e6:.2f} MB; median page {pages[len(pages) // 2].stat().st_size / 1e3:.0f} kB")
        too_big = biggest.stat().st_size > args.max_page_mb * 1e6
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if too_big:
        print(f"FAIL: a page exceeds {args.max_page_mb} MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
