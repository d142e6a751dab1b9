"""Tests of the review site builder (casecoder.review), without a browser.

Inputs are built by hand: small Documents whose turns hold non-ASCII text (curly quotes, an em
dash, a pound sign, an emoji) and a transcript holding ``<script>``, a three-code codebook,
and codings made from the segmenter's own sentences.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecoder.codebook import Code, Codebook
from casecoder.errors import CodingsError, ReviewError
from casecoder.overrides import find_quote
from casecoder.review import FILLS, MARKER, PALETTE, build_review, code_styles
from casecoder.review import pages
from casecoder.review import site as review_site
from casecoder.schema import CODINGS_COLUMNS
from casecoder.segments import sentences
from casecoder.transcripts import Document, Turn

SCRIPT = "<script>alert(1)</script>"


# --------------------------------------------------------------------------------------------
# hand-built inputs


def make_doc(doc_id: str, case: str, turns: list[tuple[str, str, str]], **metadata: str) -> Document:
    """A Document from (speaker, section, words) turns, paragraphs joined by blank lines."""
    text = ""
    out = []
    for i, (speaker, section, said) in enumerate(turns):
        if text:
            text += "\n\n"
        start = len(text)
        text += said
        out.append(Turn(i, speaker, section, start, len(text), said, speaker == "Interviewer"))
    return Document(doc_id, f"{doc_id}.md", text, case, {"council_name": case.title(), **metadata}, tuple(out))


def corpus() -> list[Document]:
    oldham = make_doc("oldham", "oldham", [
        ("", "", "This is a reconstruction from the published report."),
        ("Interviewer", "Innovations", "What did you build? Tell me about \u201cpartners\u201d."),
        ("Chief Executive", "Innovations",
         "We built a joint venture with the NHS \u2014 it cost \u00a32m. We didn\u2019t take risks \U0001F642. "
         f"Someone typed {SCRIPT} here."),
        ("Chief Executive", "Challenges", "We agreed. Then the council changed its culture. We agreed."),
    ])
    wigan = make_doc("wigan", "wigan", [
        ("Leader of the Council", "Challenges", "Our culture changed. People felt free to fail."),
    ])
    return [oldham, wigan]


def codebook() -> Codebook:
    return Codebook((
        Code("partnerships", "Build innovative partnerships", definition=f"Working with partners {SCRIPT}.",
             include="joint ventures; shared services", exclude="work inside one council"),
        Code("considered_risk", "Take considered risks", definition="Knowingly taking risks."),
        Code("innovative_culture", "Create an innovative culture", color="#44AA99"),
    ))


def row(doc: Document, seg, code: str, *, status="coded", reason="", rule="phrase:x", source="auto",
        analyst="casecoder", note="", span: tuple[int, int] | None = None) -> dict:
    turn = doc.turns[seg.turn]
    start, end = span if span else (seg.start, seg.end)
    return dict(document=doc.id, case=doc.case, section=turn.section, turn=turn.index, speaker=turn.speaker,
                segment=-1 if span else seg.index, start=start, end=end, text=doc.text[start:end], code=code,
                rule=rule, source=source, analyst=analyst, status=status, reason=reason, note=note)


def codings(docs: list[Document]) -> pd.DataFrame:
    rows = []
    for doc in docs:
        for seg in sentences(doc):
            if "joint venture" in seg.text:
                rows.append(row(doc, seg, "partnerships"))
                rows.append(row(doc, seg, "considered_risk", rule="override", source="manual", analyst="Ann",
                                note="a leap \u2014 knowingly"))
            if "take risks" in seg.text:
                rows.append(row(doc, seg, "considered_risk", status="excluded", reason="negated"))
            if "culture" in seg.text:
                rows.append(row(doc, seg, "innovative_culture", rule="pattern:culture_change"))
            if "typed" in seg.text:
                rows.append(row(doc, seg, "innovative_culture", status="excluded", reason=f"other_sense:{SCRIPT}"))
    return pd.DataFrame(rows, columns=list(CODINGS_COLUMNS))


class Links(HTMLParser):
    """Collects ids, hrefs and class lists of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, str] = {}
        self.hrefs: list[str] = []
        self.scripts: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids[a["id"]] = a.get("class") or ""
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        if tag == "script":
            self.scripts.append(a)


def parse(path: Path) -> Links:
    p = Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.fixture
def site(tmp_path: Path) -> Path:
    docs = corpus()
    return build_review(codings(docs), docs, codebook(), tmp_path / "site")


# --------------------------------------------------------------------------------------------
# pages


@pytest.mark.parametrize("page", ["index.html", "documents/oldham.html", "documents/wigan.html",
                                  "codes/partnerships.html", "codes/considered_risk.html",
                                  "codes/innovative_culture.html", "assets/review.css", "assets/review.js",
                                  "assets/codes.css", MARKER])
def test_review_writes_every_page(site: Path, page: str) -> None:
    assert (site / page).is_file()


def test_review_leaves_no_temporary_folder(site: Path) -> None:
    assert [p.name for p in site.parent.iterdir()] == ["site"]


def test_review_every_local_link_resolves(site: Path) -> None:
    for page in site.rglob("*.html"):
        for href in parse(page).hrefs:
            if href.startswith(("http:", "https:", "mailto:")):
                pytest.fail(f"{page}: external link {href}")
            target, _, anchor = href.partition("#")
            dest = (page.parent / target).resolve() if target else page
            assert dest.is_file(), f"{page}: {href}"
            if anchor:
                assert anchor in parse(dest).ids, f"{page}: {href} has no anchor"


def test_review_matrix_cell_leads_to_highlighted_sentence(site: Path) -> None:
    index = parse(site / "index.html")
    cells = [h for h in index.hrefs if re.match(r"codes/[^#]+\.html#case-", h)]
    assert "codes/partnerships.html#case-oldham" in cells
    code_page = site / "codes/partnerships.html"
    html = code_page.read_text(encoding="utf-8")
    section = html[html.index('id="case-oldham"'):]
    href = re.search(r'href="(\.\./documents/[^"]+)"', section).group(1)
    target, anchor = href.split("#")
    doc = parse((code_page.parent / target).resolve())
    assert doc.ids[anchor].split() == ["s", "hl"]
    assert "joint venture" in (code_page.parent / target).read_text(encoding="utf-8")


def test_review_escapes_all_text(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert SCRIPT not in text, page
        assert all(s.get("src", "").endswith("assets/review.js") for s in parse(page).scripts), page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (site / "documents/oldham.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (site / "codes/partnerships.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (site / "codes/innovative_culture.html").read_text(encoding="utf-8")


def test_review_pages_forbid_inline_scripts(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "Content-Security-Policy" in text and "default-src 'none'" in text
        assert "http://" not in text and "https://" not in text, page


def test_review_document_shows_speakers_sections_turns(site: Path) -> None:
    text = (site / "documents/oldham.html").read_text(encoding="utf-8")
    for expected in ("Chief Executive", "Interviewer", ">Innovations</h2>", ">Challenges</h2>", 'id="t3"',
                     "\u00a32m", "\U0001F642", "didn\u2019t"):
        assert expected in text


def test_review_chip_shows_rule_source_analyst_reason(site: Path) -> None:
    text = (site / "documents/oldham.html").read_text(encoding="utf-8")
    excluded = re.search(r'<span class="c k1 x"[^>]*>.*?</span></span></span>', text).group(0)
    for fact in ("excluded", "negated", "phrase:x", "auto", "casecoder"):
        assert f">{fact}<" in excluded
    manual = re.search(r'<span class="c k1"[^>]*>.*?</span></span></span>', text).group(0)
    for fact in ("override", "manual", "Ann", "a leap \u2014 knowingly"):
        assert f">{fact}<" in manual


def test_review_excluded_only_sentence_is_not_highlighted(site: Path) -> None:
    doc = corpus()[0]
    seg = next(s for s in sentences(doc) if "take risks" in s.text)
    assert parse(site / "documents/oldham.html").ids[f"s{seg.index}"].split() == ["s"]


def test_review_code_page_has_rules_and_cases(site: Path) -> None:
    text = (site / "codes/innovative_culture.html").read_text(encoding="utf-8")
    assert "joint ventures" not in text
    assert 'id="case-oldham"' in text and 'id="case-wigan"' in text
    text = (site / "codes/partnerships.html").read_text(encoding="utf-8")
    for part in ("Working with partners", "joint ventures; shared services", "work inside one council"):
        assert part in text
    assert "Excluded matches" not in text
    assert "Excluded matches (1)" in (site / "codes/considered_risk.html").read_text(encoding="utf-8")


def test_review_is_deterministic(tmp_path: Path) -> None:
    docs = corpus()
    a = build_review(codings(docs), docs, codebook(), tmp_path / "a")
    b = build_review(codings(docs).sample(frac=1, random_state=3), docs[::-1], codebook(), tmp_path / "b")
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def test_review_rebuild_replaces_an_earlier_site(site: Path) -> None:
    (site / "documents" / "gone.html").write_text("old", encoding="utf-8")
    docs = corpus()
    build_review(codings(docs), docs, codebook(), site)
    assert not (site / "documents" / "gone.html").exists()
    assert (site / "index.html").is_file()


# --------------------------------------------------------------------------------------------
# colours


def test_review_code_styles_follow_codebook_order_and_colour() -> None:
    styles = code_styles(codebook())
    assert styles["partnerships"] == (0, PALETTE[0], "solid")
    assert styles["considered_risk"] == (1, PALETTE[1], "solid")
    assert styles["innovative_culture"] == (2, "#44AA99", "solid")


@pytest.mark.parametrize("n", [1, 9, 17, 27])
def test_review_code_styles_distinct_for_up_to_27_codes(n: int) -> None:
    book = Codebook(tuple(Code(f"c{i}", f"Code {i}") for i in range(n)))
    styles = code_styles(book)
    pairs = [(colour, fill) for _, colour, fill in styles.values()]
    assert len(set(pairs)) == n
    assert {fill for _, fill in pairs} <= set(FILLS)


def test_review_same_code_same_class_on_every_page(site: Path) -> None:
    css = (site / "assets/codes.css").read_text(encoding="utf-8")
    assert re.search(r"\.k2\{--c:#44AA99\} /\* innovative_culture \*/", css)
    for page in ("documents/oldham.html", "documents/wigan.html"):
        text = (site / page).read_text(encoding="utf-8")
        assert re.findall(r'class="c (k\d+)[^"]*" tabindex="0" data-code="innovative_culture"', text) == ["k2"] * len(
            re.findall(r'data-code="innovative_culture"', text))


# --------------------------------------------------------------------------------------------
# placing codings


def test_review_manual_span_marks_every_sentence_it_covers(tmp_path: Path) -> None:
    docs = corpus()
    doc = docs[0]
    segs = sentences(doc)
    a, b = next(s for s in segs if s.text == "We agreed."), next(s for s in segs if "culture" in s.text)
    table = pd.DataFrame([row(doc, a, "partnerships", source="manual", analyst="Bea", rule="override",
                              span=(a.start + 3, b.end - 2))], columns=list(CODINGS_COLUMNS))
    out = build_review(table, docs, codebook(), tmp_path / "site")
    ids = parse(out / "documents/oldham.html").ids
    assert ids[f"s{a.index}"].split() == ["s", "hl"] and ids[f"s{b.index}"].split() == ["s", "hl"]
    assert "span" in (out / "documents/oldham.html").read_text(encoding="utf-8")


def test_review_lists_a_coding_on_no_sentence(tmp_path: Path) -> None:
    docs = corpus()
    doc = docs[0]
    seg = sentences(doc)[0]
    gap = doc.turns[0].end  # the blank line between two turns
    table = pd.DataFrame([row(doc, seg, "partnerships", source="manual", span=(gap, gap + 1))],
                         columns=list(CODINGS_COLUMNS))
    out = build_review(table, docs, codebook(), tmp_path / "site")
    text = (out / "documents/oldham.html").read_text(encoding="utf-8")
    assert 'id="unplaced"' in text and "Codings on no sentence (1)" in text


# --------------------------------------------------------------------------------------------
# override entries


def test_review_override_context_picks_the_right_repeat(site: Path) -> None:
    doc = corpus()[0]
    repeats = [s for s in sentences(doc) if s.text == "We agreed."]
    assert len(repeats) == 2
    html = (site / "documents/oldham.html").read_text(encoding="utf-8")
    for seg in repeats:
        m = re.search(rf'id="s{seg.index}" tabindex="-1" data-p="([^"]*)" data-x="([^"]*)"', html)
        prefix, suffix = (unescape(g) for g in m.groups())
        assert find_quote(doc.text, seg.text, prefix, suffix) == [(seg.start, seg.end)]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab \n\u2014\u00a3\U0001F642."), min_size=40, max_size=160), st.data())
def test_review_context_is_whole_words_of_the_text(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    prefix, suffix = pages._context(text, start, end)
    before, after = " ".join(text[:start].split()), " ".join(text[end:].split())
    assert before.endswith(prefix) and after.startswith(suffix)
    assert len(prefix) <= pages.CONTEXT_CHARS and len(suffix) <= pages.CONTEXT_CHARS
    # a whole word: the prefix starts where a word starts in the text before
    assert not prefix or before == prefix or before[: len(before) - len(prefix)].endswith(" ")
    assert not suffix or after == suffix or after[len(suffix):].startswith(" ")


# --------------------------------------------------------------------------------------------
# big inputs are split


def test_review_long_document_split_into_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review_site, "PART_CHARS", 60)
    docs = corpus()
    out = build_review(codings(docs), docs, codebook(), tmp_path / "site")
    parts = sorted(p.name for p in (out / "documents").glob("oldham*.html"))
    assert parts == ["oldham.html", "oldham.p2.html", "oldham.p3.html"]
    seen = [i for p in parts for i in parse(out / "documents" / p).ids if re.fullmatch(r"s\d+", i)]
    assert sorted(seen, key=lambda s: int(s[1:])) == [f"s{s.index}" for s in sentences(docs[0])]
    test_review_every_local_link_resolves(out)


def test_review_code_with_many_sentences_moves_them_to_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "EVIDENCE_INLINE", 1)
    monkeypatch.setattr(pages, "EVIDENCE_PER_PAGE", 1)
    docs = corpus()
    out = build_review(codings(docs), docs, codebook(), tmp_path / "site")
    assert (out / "codes/innovative_culture.oldham.1.html").is_file()
    assert (out / "codes/innovative_culture.wigan.1.html").is_file()
    assert (out / "codes/considered_risk.oldham.2.html").is_file()  # 1 coded, then 1 excluded
    test_review_every_local_link_resolves(out)


def test_review_many_documents_listed_by_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "INDEX_DOCUMENTS", 1)
    docs = corpus()
    out = build_review(codings(docs), docs, codebook(), tmp_path / "site")
    assert {h for h in parse(out / "index.html").hrefs if h.startswith("cases/")} == {
        "cases/oldham.html", "cases/wigan.html"}
    assert "../documents/oldham.html" in parse(out / "cases/oldham.html").hrefs
    test_review_every_local_link_resolves(out)


# --------------------------------------------------------------------------------------------
# matrix, chart, disagreements


def test_review_matrix_given_is_shown_and_linked(tmp_path: Path) -> None:
    docs = corpus()
    matrix = pd.DataFrame({"partnerships": [1, 1], "considered_risk": [1, 0], "innovative_culture": [1, 1]},
                          index=pd.Index(["oldham", "wigan"], name="case"))
    out = build_review(codings(docs), docs, codebook(), tmp_path / "site", matrix=matrix)
    text = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="codes/partnerships.html#case-oldham"' in text
    # wigan x partnerships is 1 in the matrix but no sentence supports it: shown, marked, unlinked
    assert 'href="codes/partnerships.html#case-wigan"' not in text
    assert "1\u2020</td>" in text


def test_review_chart_is_copied(tmp_path: Path) -> None:
    chart = tmp_path / "chart.svg"
    chart.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', encoding="utf-8")
    docs = corpus()
    out = build_review(codings(docs), docs, codebook(), tmp_path / "site", chart=chart)
    assert (out / "assets/chart.svg").read_bytes() == chart.read_bytes()
    assert 'src="assets/chart.svg"' in (out / "index.html").read_text(encoding="utf-8")


def test_review_disagreements_page_links_into_documents(tmp_path: Path) -> None:
    docs = corpus()
    seg = next(s for s in sentences(docs[0]) if "culture" in s.text)
    table = pd.DataFrame({"document": ["oldham"], "segment": [seg.index], "code": ["innovative_culture"],
                          "Ann": ["coded: culture \u2014 yes"], "Bea": [f"not coded {SCRIPT}"]})
    out = build_review(codings(docs), docs, codebook(), tmp_path / "site", disagreements=table)
    page = out / "disagreements.html"
    assert f"documents/oldham.html#s{seg.index}" in parse(page).hrefs
    assert SCRIPT not in page.read_text(encoding="utf-8")
    assert 'href="disagreements.html"' in (out / "index.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# bad input: clear problems, nothing written


def test_review_unknown_document_names_it_and_writes_nothing(tmp_path: Path) -> None:
    docs = corpus()
    with pytest.raises(ReviewError) as exc:
        build_review(codings(docs), docs[1:], codebook(), tmp_path / "site")
    (p,) = exc.value.problems
    assert p.code == "E801" and "'oldham'" in p.message and p.field == "document"
    assert list(tmp_path.iterdir()) == []


def test_review_unknown_document_row_is_its_place_in_the_table(tmp_path: Path) -> None:
    docs = corpus()
    table = codings(docs).iloc[::-1].reset_index(drop=True)  # not in sorted order
    table.loc[3, "document"] = "bristol"
    with pytest.raises(ReviewError) as exc:
        build_review(table, docs, codebook(), tmp_path / "site", where="my/codings.csv")
    (p,) = exc.value.problems
    assert (p.path, p.line) == ("my/codings.csv", 5) and "first in row 5" in p.message
    assert str(p).startswith("my/codings.csv:5: document: no transcript 'bristol'")


def test_review_unknown_document_keeps_the_earlier_site(site: Path) -> None:
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    docs = corpus()
    with pytest.raises(ReviewError):
        build_review(codings(docs), docs[1:], codebook(), site)
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before
    assert sorted(q.name for q in site.parent.iterdir()) == ["site"]


def test_review_stale_codings_are_refused(tmp_path: Path) -> None:
    docs = corpus()
    table = codings(docs)
    table.loc[0, "text"] = "We built a joint venture with the council."
    with pytest.raises(ReviewError) as exc:
        build_review(table, docs, codebook(), tmp_path / "site")
    assert [p.code for p in exc.value.problems] == ["E803"]
    table = codings(docs)
    table.loc[0, "end"] = 10_000
    with pytest.raises(ReviewError) as exc:
        build_review(table, docs, codebook(), tmp_path / "site")
    assert [p.code for p in exc.value.problems] == ["E802"]


def test_review_stale_codings_every_row_is_named_with_its_line(tmp_path: Path) -> None:
    docs = corpus()
    table = codings(docs)
    assert len(table) >= 5 and list(table["document"][:4]) == ["oldham"] * 4
    table.loc[0, "text"] = "We built a joint venture with the council."   # oldham, E803
    table.loc[2, "end"] = 10_000                                          # oldham again, E802
    table.loc[len(table) - 1, "text"] = "Our culture never changed."       # wigan, E803
    with pytest.raises(ReviewError) as exc:
        build_review(table, docs, codebook(), tmp_path / "site", where="my/codings.csv")
    found = [(p.code, p.line) for p in exc.value.problems]
    assert found == [("E803", 2), ("E802", 4), ("E803", len(table) + 1)]
    messages = [str(p) for p in exc.value.problems]
    assert messages[0].startswith("my/codings.csv:2: text: row 2: ") and "'oldham'" in messages[0]
    assert messages[1].startswith("my/codings.csv:4: start/end: row 4: ") and "'oldham'" in messages[1]
    assert messages[2].startswith(f"my/codings.csv:{len(table) + 1}: text: row {len(table) + 1}: ")
    assert "'wigan'" in messages[2]
    assert list(tmp_path.iterdir()) == []


def test_review_unknown_code_is_a_codings_error(tmp_path: Path) -> None:
    docs = corpus()
    table = codings(docs)
    table.loc[0, "code"] = "no_such_code"
    with pytest.raises(CodingsError) as exc:
        build_review(table, docs, codebook(), tmp_path / "site")
    assert exc.value.problems[0].code == "E203"


def test_review_refuses_to_replace_another_folder(tmp_path: Path) -> None:
    (tmp_path / "thesis").mkdir()
    (tmp_path / "thesis" / "chapter1.docx").write_bytes(b"precious")
    docs = corpus()
    with pytest.raises(ReviewError) as exc:
        build_review(codings(docs), docs, codebook(), tmp_path / "thesis")
    assert exc.value.problems[0].code == "E804"
    assert (tmp_path / "thesis" / "chapter1.docx").read_bytes() == b"precious"


@pytest.mark.parametrize("kind", ["chart", "disagreements"])
def test_review_bad_optional_inputs(tmp_path: Path, kind: str) -> None:
    docs = corpus()
    extra = {"chart": tmp_path / "missing.png"} if kind == "chart" else {
        "disagreements": pd.DataFrame({"unit": [1]})}
    with pytest.raises(ReviewError) as exc:
        build_review(codings(docs), docs, codebook(), tmp_path / "site", **extra)
    assert exc.value.problems[0].code == {"chart": "E805", "disagreements": "E806"}[kind]
    assert not (tmp_path / "site").exists()
