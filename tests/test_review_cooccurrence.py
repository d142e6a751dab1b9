"""The review site's co-occurrence pages: the table's numbers and links, each pair's sentences."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from casecoder.codebook import Code, Codebook
from casecoder.errors import FindingsError
from casecoder.review import build_review
from casecoder.schema import CODINGS_COLUMNS
from casecoder.segments import sentences
from casecoder.transcripts import Document, Turn


def make_doc(doc_id: str, turns: list[str]) -> Document:
    text, out = "", []
    for i, said in enumerate(turns):
        if text:
            text += "\n\n"
        start = len(text)
        text += said
        out.append(Turn(i, "Chief Executive", "Actions", start, len(text), said, False))
    return Document(doc_id, f"{doc_id}.md", text, doc_id, {}, tuple(out))


DOCS = [
    make_doc("bø", ["We took a leap of faith with our partners. Partners came with us.", "Risk is part of the job."]),
    make_doc("wigan", ["Our partners took a risk. The culture changed."]),
]
BOOK = Codebook((Code("partnerships", "Build innovative partnerships"), Code("considered_risk", "Take considered risks"),
                 Code("innovative_culture", "Create <an> innovative culture")))
WORDS = {"partner": "partnerships", "Partner": "partnerships", "leap": "considered_risk", "risk": "considered_risk",
         "Risk": "considered_risk", "culture": "innovative_culture"}


def codings() -> pd.DataFrame:
    rows = []
    for doc in DOCS:
        for seg in sentences(doc):
            for code in sorted({c for w, c in WORDS.items() if w in seg.text}):
                turn = doc.turns[seg.turn]
                rows.append(dict(document=doc.id, case=doc.case, section=turn.section, turn=turn.index,
                                 speaker=turn.speaker, segment=seg.index, start=seg.start, end=seg.end, text=seg.text,
                                 code=code, rule="phrase:x", source="auto", analyst="casecoder", status="coded",
                                 reason="", note=""))
    return pd.DataFrame(rows, columns=list(CODINGS_COLUMNS))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_review(codings(), DOCS, BOOK, tmp_path_factory.mktemp("cooc") / "site", cooccurrence_unit="turn")


def cells(page: str) -> list[list[str]]:
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    return [re.findall(r"<td[^>]*>(?:<a [^>]*>)?([^<]*)", row) for row in body.split("</tr>")[:-1]]


def test_review_cooccurrence_table_counts_turns(site: Path) -> None:
    page = (site / "cooccurrence.html").read_text(encoding="utf-8")
    # turns: bø 0 {partnerships, risk}, bø 1 {risk}, wigan 0 {partnerships, risk, culture}
    assert cells(page) == [["2", "2", "1"], ["2", "3", "1"], ["1", "1", "1"]]
    assert "3 turn(s) hold a coded sentence; 3 of 3 pairs of codes share at least one" in page
    assert "Create &lt;an&gt; innovative culture" in page  # labels escaped
    assert 'href="codes/partnerships.html"' in page
    assert 'cooccurrence.html">Which codes are coded together</a> (by turn)' in (site / "index.html").read_text(encoding="utf-8")


def test_review_cooccurrence_pair_page_lists_sentences_that_link_home(site: Path) -> None:
    page = (site / "cooccurrence.html").read_text(encoding="utf-8")
    href = re.search(r'href="(pairs/partnerships--considered_risk\.html)"', page).group(1)
    pair = (site / href).read_text(encoding="utf-8")
    assert "2 turn(s) coded with both (of 2 with <code>partnerships</code> and 3 with <code>considered_risk</code>" in pair
    assert [h for h in re.findall(r"<h2>([^<]*)</h2>", pair)] == ["bø, turn 0", "wigan, turn 0"]
    quotes = re.findall(r"<blockquote>([^<]*)</blockquote>", pair)
    assert quotes == ["We took a leap of faith with our partners.", "We took a leap of faith with our partners.",
                      "Partners came with us.", "Our partners took a risk.", "Our partners took a risk."]
    for link in re.findall(r'href="\.\./(documents/[^"#]+)#(s\d+)"', pair):
        target = (site / link[0]).read_text(encoding="utf-8")
        assert f'id="{link[1]}"' in target


def test_review_cooccurrence_left_out_or_refused(tmp_path: Path) -> None:
    out = build_review(codings(), DOCS, BOOK, tmp_path / "none", cooccurrence_unit=None)
    assert not (out / "cooccurrence.html").exists() and not (out / "pairs").exists()
    assert "cooccurrence.html" not in (out / "index.html").read_text(encoding="utf-8")
    with pytest.raises(FindingsError):
        build_review(codings(), DOCS, BOOK, tmp_path / "bad", cooccurrence_unit="paragraph")
    assert not (tmp_path / "bad").exists()
