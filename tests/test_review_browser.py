"""The review site in a real headless browser: Chromium from the system's packages via Playwright.

Playwright drives the operating system's Chromium (``/usr/bin/chromium`` from Debian's
``chromium`` package, or ``$CASECODER_CHROMIUM``); nothing is downloaded. The tests skip, saying
why, only where no such browser (or Playwright) is available. A screenshot of a document page
is saved under ``tmp/artifacts/`` (git-ignored) for people to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from casecoder.codebook import Code, Codebook
from casecoder.overrides import load_overrides, resolve_overrides
from casecoder.review import build_review
from casecoder.schema import CODINGS_COLUMNS
from casecoder.segments import sentences
from casecoder.transcripts import Document, Turn

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "tmp" / "artifacts"
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'


def find_chromium() -> str | None:
    """The system's Chromium: $CASECODER_CHROMIUM, else the first on PATH, else None."""
    env = os.environ.get("CASECODER_CHROMIUM")
    if env and Path(env).is_file():
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def make_doc(doc_id: str, case: str, turns: list[tuple[str, str, str]]) -> Document:
    text, out = "", []
    for i, (speaker, section, said) in enumerate(turns):
        if text:
            text += "\n\n"
        start = len(text)
        text += said
        out.append(Turn(i, speaker, section, start, len(text), said, speaker == "Interviewer"))
    return Document(doc_id, f"{doc_id}.md", text, case, {}, tuple(out))


DOCS = [
    make_doc("oldham", "oldham", [
        ("", "", "This is a reconstruction from the published report."),
        ("Interviewer", "Innovations", "What did you build with \u201cpartners\u201d?"),
        ("Chief Executive", "Innovations",
         "We built a joint venture with the NHS \u2014 it cost \u00a32m. "
         "Our culture changed through the joint venture. We didn\u2019t take risks \U0001F642."),
        ("Manager", "Challenges", f"Someone pasted {SCRIPT} and {IMG} into the notes."),
    ]),
    make_doc("wigan", "wigan", [("Leader of the Council", "Challenges", "Our culture changed. People felt free to fail.")]),
]
BOOK = Codebook((
    Code("partnerships", "Build innovative partnerships", definition="Working with partners."),
    Code("considered_risk", "Take considered risks"),
    Code("innovative_culture", "Create an innovative culture"),
))


def codings() -> pd.DataFrame:
    rows = []
    for doc in DOCS:
        for seg in sentences(doc):
            turn = doc.turns[seg.turn]

            def add(code: str, status: str = "coded", reason: str = "") -> None:
                rows.append(dict(document=doc.id, case=doc.case, section=turn.section, turn=turn.index,
                                 speaker=turn.speaker, segment=seg.index, start=seg.start, end=seg.end, text=seg.text,
                                 code=code, rule="phrase:x", source="auto", analyst="casecoder", status=status,
                                 reason=reason, note=""))

            if "joint venture" in seg.text:
                add("partnerships")
            if "culture" in seg.text:
                add("innovative_culture")
            if "take risks" in seg.text:
                add("considered_risk", "excluded", "negated")
            if "pasted" in seg.text:
                add("partnerships", "excluded", f"other_sense:{SCRIPT}")
    return pd.DataFrame(rows, columns=list(CODINGS_COLUMNS))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_review(codings(), DOCS, BOOK, tmp_path_factory.mktemp("review") / "site")


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


class Watched:
    """A page with its console errors, uncaught exceptions, failed loads and dialogs recorded."""

    def __init__(self, browser):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.errors.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"exception: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def watched(browser):
    w = Watched(browser)
    yield w
    w.page.close()


def url(site: Path, page: str) -> str:
    name, _, anchor = page.partition("#")
    return (site / name).as_uri() + (f"#{anchor}" if anchor else "")


def seg_of(doc: int, words: str):
    return next(s for s in sentences(DOCS[doc]) if words in s.text)


def test_review_browser_index_loads_without_errors(site: Path, watched: Watched) -> None:
    watched.page.goto(url(site, "index.html"))
    assert watched.page.title() == "casecoder review"
    assert watched.page.locator("table.matrix tbody tr").count() == 2
    for page in ("codes/partnerships.html", "documents/oldham.html", "documents/wigan.html"):
        watched.page.goto(url(site, page))
    assert watched.errors == []


def test_review_browser_matrix_cell_reaches_highlighted_sentence(site: Path, watched: Watched) -> None:
    page = watched.page
    page.goto(url(site, "index.html"))
    page.locator('table.matrix a[href="codes/partnerships.html#case-oldham"]').click()
    page.wait_for_url("**/codes/partnerships.html#case-oldham")
    page.locator("#case-oldham ~ ol.ev a, #case-oldham + ol.ev a").first.click()
    seg = seg_of(0, "joint venture with")
    page.wait_for_url(f"**/documents/oldham.html#s{seg.index}")
    target = page.locator(f"#s{seg.index}")
    assert target.evaluate("e => e.matches(':target') && e.classList.contains('hl')")
    # highlighted: a background colour that is not transparent, and an underline besides
    style = target.evaluate("e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).boxShadow]")
    assert style[0] not in ("rgba(0, 0, 0, 0)", "transparent") and style[1] != "none"
    assert target.is_visible() and target.inner_text() == seg.text
    assert watched.errors == []


def test_review_browser_code_filter_hides_and_shows(site: Path, watched: Watched) -> None:
    page = watched.page
    page.goto(url(site, "documents/oldham.html"))
    only = f"#s{seg_of(0, 'joint venture with').index}"  # partnerships only
    both = f"#s{seg_of(0, 'through the joint venture').index}"  # partnerships and innovative_culture
    box = page.get_by_role("checkbox", name="Build innovative partnerships")
    assert page.locator(f"{only}.hl").count() == 1
    box.uncheck()
    assert page.locator(f"{only}.hl").count() == 0
    assert page.locator(f"{both}.hl").count() == 1  # still highlighted for its other code
    assert page.locator(".c.k0").evaluate_all("cs => cs.every(c => getComputedStyle(c).display === 'none')")
    assert page.locator(".c.k2").first.is_visible()
    box.check()
    assert page.locator(f"{only}.hl").count() == 1
    assert page.locator(".c.k0").first.is_visible()
    page.get_by_role("button", name="Hide all").click()
    assert page.locator(".s.hl").count() == 0
    page.get_by_role("button", name="Show all").click()
    assert page.locator(".s.hl").count() == 2
    assert watched.errors == []


def test_review_browser_script_in_transcript_is_text(site: Path, watched: Watched) -> None:
    page = watched.page
    page.goto(url(site, "documents/oldham.html"))
    seg = seg_of(0, "pasted")
    assert page.locator(f"#s{seg.index}").inner_text() == seg.text
    assert SCRIPT in seg.text and IMG in seg.text
    page.locator(f"#s{seg.index} + .cs .c").focus()  # its excluded chip, whose reason holds <script> too
    assert SCRIPT in page.locator(f"#s{seg.index} + .cs .pop").inner_text()
    page.goto(url(site, "codes/partnerships.html"))
    page.wait_for_timeout(300)  # give any (wrongly) injected handler time to fire
    assert watched.dialogs == []
    assert page.locator("img[src=x]").count() == 0
    assert watched.errors == []


def test_review_browser_chip_details_by_keyboard(site: Path, watched: Watched) -> None:
    page = watched.page
    page.goto(url(site, "documents/oldham.html"))
    chip = page.locator(".c.x").first
    assert not chip.locator(".pop").is_visible()
    for _ in range(40):  # Tab until the excluded chip has focus
        page.keyboard.press("Tab")
        if chip.evaluate("e => e === document.activeElement"):
            break
    else:
        pytest.fail("the chip cannot be reached with Tab")
    pop = chip.locator(".pop")
    assert pop.is_visible()
    for fact in ("excluded", "negated", "phrase:x", "auto", "casecoder"):
        assert fact in pop.inner_text()
    page.keyboard.press("Escape")
    assert not pop.is_visible()


def test_review_browser_override_entry_resolves(site: Path, watched: Watched, tmp_path: Path) -> None:
    page = watched.page
    page.goto(url(site, "documents/oldham.html"))
    page.locator("#transcript .s").first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    seg = sentences(DOCS[0])[3]
    assert page.evaluate("document.activeElement.id") == f"s{seg.index}"
    page.keyboard.press("Enter")
    entry = page.input_value("#ov-text")
    assert yaml.safe_load(entry)[0]["quote"] == seg.text
    # as an analyst would: paste under overrides:, write the note, then casecoder reads it
    entry = entry.replace('note: ""', 'note: "the joint venture is a partnership"')
    (tmp_path / "ann.yaml").write_text(
        "analyst: ann\noverrides:\n" + "".join("  " + line + "\n" for line in entry.splitlines()), encoding="utf-8")
    (resolved,) = resolve_overrides(load_overrides(tmp_path / "ann.yaml", codebook=BOOK), DOCS)
    assert (resolved.start, resolved.end) == (seg.start, seg.end)
    assert resolved.entry.action == "remove" and resolved.entry.code == "partnerships"
    assert "casecoder override remove 'oldham'" in page.input_value("#ov-cmd")


def test_review_browser_screenshot_of_document_page(site: Path, watched: Watched) -> None:
    page = watched.page
    seg = seg_of(0, "through the joint venture")
    page.goto(url(site, f"documents/oldham.html#s{seg.index}"))
    page.locator(f"#s{seg.index} + .cs .c").first.hover()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "review-document.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_review_browser_print_leaves_out_controls(site: Path, watched: Watched) -> None:
    page = watched.page
    page.goto(url(site, "documents/oldham.html"))
    page.locator("#transcript .c").first.focus()
    assert page.locator("aside").is_visible() and page.locator("#transcript .c .pop").first.is_visible()
    page.emulate_media(media="print")
    assert not page.locator("aside").is_visible()
    assert not page.locator("header.site").is_visible()
    assert not page.locator("#transcript .c .pop").first.is_visible()
    coded = page.locator("#transcript .s.hl").first
    assert "underline" in coded.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert page.locator("#transcript .c").first.is_visible()  # the code names still print


def test_review_browser_without_javascript_shows_codings(site: Path, browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(url(site, "documents/oldham.html"))
    assert page.locator("#transcript .s.hl").count() == 2
    assert not page.locator("#filter").is_visible()  # needs the script, so it stays hidden
    page.locator("#transcript .c").first.focus()
    assert page.locator("#transcript .c .pop").first.is_visible()  # details need no script
    context.close()
