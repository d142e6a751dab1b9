"""Take the screenshots in docs/ (review-document.png, review-matrix.png) from the shipped study.

Run after ``casecoder reproduce --out out`` (which builds ``out/review``)::

    .venv/bin/python docs/review_screenshots.py [--site out/review] [--document oldham]

Uses the system's Chromium (``/usr/bin/chromium`` or ``$CASECODER_CHROMIUM``) through
Playwright; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--site", default="out/review")
    ap.add_argument("--document", default="oldham")
    ap.add_argument("--section", default="Leadership actions with the greatest impact")
    args = ap.parse_args()
    site = Path(args.site).resolve()
    chromium = os.environ.get("CASECODER_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium)
        page = browser.new_page(viewport={"width": 1280, "height": 860}, device_scale_factor=1)
        # the matrix: the top of the index
        page.goto((site / "index.html").as_uri())
        page.locator("table.matrix").scroll_into_view_if_needed()
        box = page.locator("#matrix").bounding_box()
        page.evaluate(f"window.scrollTo(0, {max(0, box['y'] - 10)})")
        page.screenshot(path=str(DOCS / "review-matrix.png"))
        # a document page: the key-actions section, with one chip's details open
        page.goto((site / "documents" / f"{args.document}.html").as_uri())
        heading = page.get_by_role("heading", name=args.section)
        heading.evaluate("h => window.scrollTo(0, h.getBoundingClientRect().top + window.scrollY - 70)")
        # select a sentence, so that the override panel shows its entry
        page.locator("#transcript .s.hl").nth(3).click()
        heading.evaluate("h => window.scrollTo(0, h.getBoundingClientRect().top + window.scrollY - 70)")
        chips = page.locator("#transcript .c")
        for i in range(chips.count()):
            chip = chips.nth(i)
            if chip.bounding_box() and chip.bounding_box()["y"] > 200:
                chip.focus()
                break
        page.screenshot(path=str(DOCS / "review-document.png"))
        browser.close()
    print(DOCS / "review-matrix.png", DOCS / "review-document.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
