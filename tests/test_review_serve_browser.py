"""`casecoder review --serve` in a real headless browser: correct the coding through the page.

The transcripts and codebook are written to files and coded by `casecoder code`; the server is
started on a free loopback port; Chromium (the system's, via Playwright, as in
``test_review_browser.py``) removes one machine coding and adds one code through the page. The
overrides file must then hold exactly those two entries, and `casecoder code --overrides` on it
must give the corrected coding.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest
from test_review_browser import find_chromium

from casecoder.cli import main
from casecoder.codebook import load_codebook
from casecoder.overrides import load_overrides
from casecoder.review import build_review
from casecoder.review.serve import ReviewServer
from casecoder.review.session import ReviewSession
from casecoder.schema import read_codings
from casecoder.transcripts import read_corpus

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "tmp" / "artifacts"
TRANSCRIPTS = {
    "oldham.md": "---\ncase: oldham\n---\n# Innovations\n\nInterviewer: What did you build?\n\n"
                 "Chief Executive: We built a joint venture with the NHS \u2014 it cost \u00a32m. "
                 "People felt free to fail. Our culture changed.\n",
    "wigan.md": "---\ncase: wigan\n---\n# Challenges\n\nLeader: Our culture changed. We took a leap of faith.\n",
}
CODEBOOK = """\
codes:
  - id: partnerships
    label: Build innovative partnerships
    phrases: ["joint venture"]
  - id: considered_risk
    label: Take considered risks
    phrases: ["leap of faith"]
  - id: innovative_culture
    label: Create an innovative culture
    phrases: ["culture"]
"""


@pytest.fixture(scope="module")
def browser():
    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium found (install the OS package 'chromium' or set CASECODER_CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable)
        yield b
        b.close()


@pytest.fixture
def study(tmp_path: Path):
    folder = tmp_path / "transcripts"
    folder.mkdir()
    for name, text in TRANSCRIPTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    book = tmp_path / "codebook.yaml"
    book.write_text(CODEBOOK, encoding="utf-8")
    assert main(["code", str(folder), "--codebook", str(book), "--out", str(tmp_path / "auto.csv")]) == 0
    return folder, book


@pytest.fixture
def served(study, tmp_path: Path):
    folder, book_path = study
    book = load_codebook(book_path)
    docs = read_corpus([folder])
    session = ReviewSession(read_codings(tmp_path / "auto.csv", codebook=book), docs, book,
                            tmp_path / "overrides" / "alice.yaml", analyst="alice")
    site = tmp_path / "site"
    build_review(session.codings, docs, book, site)
    server = ReviewServer(session, site, port=0, rebuild=lambda c: build_review(c, docs, book, site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def open_document(browser, server: ReviewServer, doc_id: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{server.url}documents/{doc_id}.html")
    page.wait_for_selector("#correct")
    return page, errors


def sentence(page, words: str):
    return page.locator("#transcript .s", has_text=words)


def correct(page, words: str, note: str, *, remove: str | None = None, add: str | None = None) -> str:
    sentence(page, words).click()
    page.fill("#cx-note", note)
    if remove:
        page.click(f'#cx-machine button[data-act="remove"][data-code="{remove}"]')
    else:
        page.select_option("#cx-code", add)
        page.click("#cx-add")
    page.wait_for_selector("#cx-status.done, #cx-status.err")
    return page.inner_text("#cx-status")


def test_review_serve_browser_remove_and_add_then_code_with_overrides(browser, served, study, tmp_path) -> None:
    page, errors = open_document(browser, served, "oldham")
    page.evaluate("window.notReloaded = true")
    said = correct(page, "joint venture", "a contract for services, not a partnership", remove="partnerships")
    assert "alice removed partnerships" in said
    # shown at once, without a reload: the chip is now an excluded one
    chip = sentence(page, "joint venture").locator("xpath=following-sibling::span[1]").locator('.c[data-code="partnerships"]')
    assert "x" in chip.get_attribute("class").split()
    said = correct(page, "free to fail", "permission to fail: risk taken knowingly", add="considered_risk")
    assert "alice added considered_risk" in said
    added = sentence(page, "free to fail").locator("xpath=following-sibling::span[1]").locator('.c[data-code="considered_risk"]')
    assert added.count() == 1 and "x" not in added.get_attribute("class").split()
    assert page.evaluate("window.notReloaded") is True
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-serve.png"), full_page=True)
    assert errors == [], errors

    path = tmp_path / "overrides" / "alice.yaml"
    entries = load_overrides(path).entries
    assert [(e.action, e.document, e.code, e.quote, e.note) for e in entries] == [
        ("remove", "oldham", "partnerships", "We built a joint venture with the NHS \u2014 it cost \u00a32m.",
         "a contract for services, not a partnership"),
        ("add", "oldham", "considered_risk", "People felt free to fail.", "permission to fail: risk taken knowingly"),
    ]

    folder, book = study
    final = tmp_path / "final.csv"
    assert main(["code", str(folder), "--codebook", str(book), "--overrides", str(path), "--out", str(final)]) == 0
    got = read_codings(final)
    rows = got[(got.document == "oldham") & got.code.isin(["partnerships", "considered_risk"])]
    assert rows[["code", "text", "source", "analyst", "status", "reason"]].values.tolist() == [
        ["partnerships", "We built a joint venture with the NHS \u2014 it cost \u00a32m.", "auto", "casecoder",
         "excluded", "removed_by:alice"],
        ["considered_risk", "People felt free to fail.", "manual", "alice", "coded", ""],
    ]
    # the server's corrected coding is the one `casecoder code --overrides` gives
    pd.testing.assert_frame_equal(served.session.codings, got)


def test_review_serve_browser_errors_shown_and_nothing_written(browser, served, tmp_path) -> None:
    page, _ = open_document(browser, served, "wigan")
    path = tmp_path / "overrides" / "alice.yaml"
    # no note: refused, the reason shown on the page
    said = correct(page, "leap of faith", "", remove="considered_risk")
    assert "[E411]" in said and "err" in page.get_attribute("#cx-status", "class").split()
    # a stale page: the sentence shown no longer says what the transcript says
    page.evaluate("document.querySelector('#transcript .s').textContent = 'Our culture changed a lot.'")
    said = correct(page, "a lot", "culture", add="innovative_culture")
    assert "[E810]" in said
    # an unknown code, as a page that is not ours might send it
    status = page.evaluate("""async () => {
        const s = JSON.parse(document.querySelector('meta[name="casecoder-serve"]').content);
        const r = await fetch('/api/corrections', {method: 'POST',
          headers: {'Content-Type': 'application/json', 'X-Casecoder-Token': s.token},
          body: JSON.stringify({action: 'add', document: 'wigan', sentence: 1, quote: 'We took a leap of faith.',
                                code: 'no_such_code', note: 'x'})});
        return [r.status, (await r.json()).problems.join(' ')];
    }""")
    assert status[0] == 422 and "[E407]" in status[1]
    # without the token: refused
    status = page.evaluate("""async () => {
        const r = await fetch('/api/corrections', {method: 'POST', headers: {'Content-Type': 'application/json'},
          body: JSON.stringify({action: 'add', document: 'wigan', sentence: 1, quote: 'We took a leap of faith.',
                                code: 'considered_risk', note: 'x'})});
        return r.status;
    }""")
    assert status == 403
    assert not path.exists()
