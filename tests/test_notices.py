"""A corpus's notice and its turn kinds reach every output that shows its text (casecoder.provenance).

The review site (index, every transcript page, every part of one) and the shipped study's
reports (REPRODUCTION.md, the framework matrix, Appendix Two and its audit) show the notice of
the documents' front matter first; a corpus without a notice gets none. Turn kinds read from
sidecar files label each turn of the review, with what the label means as its title and in a
legend. Inputs are written here; the shipped corpus is checked in tests/test_reproduce.py.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from casecoder.errors import ReviewError
from casecoder.provenance import TurnLabel, corpus_notices, read_turn_kinds
from casecoder.review import build_review
from casecoder.review import site as review_site
from casecoder.studies.solace.reproduce import reproduce
from test_review import codebook, codings, corpus, make_doc
from study_data import study  # noqa: F401  (a fixture: the mini study)

NOTICE = "Made up from a report \u2014 \u201cnot\u201d interviews <b>; a result says nothing about the cases."


def _visible(html: str) -> str:
    """The page's text after <main>, tags removed, entities decoded, white space folded."""
    main_part = html[html.index("<main"):]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main_part)).split())


def _noticed(docs):
    return [make_doc(d.id, d.case, [(t.speaker, t.section, t.text) for t in d.turns], notice=NOTICE) for d in docs]


# --------------------------------------------------------------------------------------------
# corpus_notices and read_turn_kinds


def test_notices_distinct_in_document_order_blank_ones_ignored() -> None:
    docs = [make_doc("a", "a", [("Q", "", "Hi?")], notice="Second."),
            make_doc("b", "b", [("Q", "", "Hi?")], notice="  "),
            make_doc("c", "c", [("Q", "", "Hi?")], notice="First.\n"),
            make_doc("d", "d", [("Q", "", "Hi?")], notice="Second.")]
    assert corpus_notices(docs) == ("Second.", "First.")
    assert corpus_notices(corpus()) == ()


def _kinds_folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "kinds"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_turn_kinds_read_with_their_meanings(tmp_path: Path) -> None:
    folder = _kinds_folder(tmp_path, {
        "oldham.yaml": "document: oldham\nturns:\n  - {turn: 0, kind: notice}\n  - {turn: 2, kind: verbatim, role: report}\n"
                       "  - {turn: 3, kind: paraphrase}\n",
        "kinds.yaml": "verbatim: Quoted \u201cword for word\u201d.\nparaphrase: Written for the reconstruction.\n",
        "bristol.yaml": "turns: [{turn: 99, kind: verbatim}]\n",  # no such document: ignored
    })
    labels = read_turn_kinds(folder, corpus())
    assert labels == {"oldham": {
        0: TurnLabel("notice", "Turn kind: notice"),
        2: TurnLabel("verbatim", "Quoted \u201cword for word\u201d."),
        3: TurnLabel("paraphrase", "Written for the reconstruction."),
    }}  # wigan has no sidecar: no labels


def test_turn_kinds_every_problem_listed_with_file_and_line(tmp_path: Path) -> None:
    folder = _kinds_folder(tmp_path, {
        "oldham.yaml": "turns:\n  - {turn: 1, kind: question}\n  - {turn: one, kind: verbatim}\n  - {turn: 9, kind: paraphrase}\n",
        "wigan.yaml": "turns: [\n",
    })
    with pytest.raises(ReviewError) as err:
        read_turn_kinds(folder, corpus())
    found = [(p.code, Path(p.path).name, p.line) for p in err.value.problems]
    assert ("E813", "oldham.yaml", 3) in found
    assert ("E814", "oldham.yaml", 4) in found
    assert any(code == "E813" and name == "wigan.yaml" for code, name, _ in found)
    assert len(found) == 3
    assert "turn 9 is not a turn of document 'oldham' (4 turns" in str(err.value)


def test_turn_kinds_need_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ReviewError, match="not a folder"):
        read_turn_kinds(tmp_path / "nowhere", corpus())


# --------------------------------------------------------------------------------------------
# the review site


def test_review_index_and_transcript_pages_open_with_the_notice(tmp_path: Path) -> None:
    docs = _noticed(corpus())
    out = build_review(codings(docs), docs, codebook(), tmp_path / "site")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert _visible(index).startswith("Coded transcripts: review Notice. " + " ".join(NOTICE.split()))
    assert index.count('role="note"') == 1  # one notice shared by every document, shown once
    for page in ("oldham", "wigan"):
        text = _visible((out / "documents" / f"{page}.html").read_text(encoding="utf-8"))
        assert text.startswith(f"{page} Notice. {NOTICE}")
        assert text.count(NOTICE) == 1  # not repeated among the document's facts
    assert "&lt;b&gt;" in index and "<b>;" not in index  # escaped, as all corpus text


def test_review_every_part_of_a_long_transcript_has_the_notice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review_site, "PART_CHARS", 60)
    docs = _noticed(corpus())
    out = build_review(codings(docs), docs, codebook(), tmp_path / "site")
    parts = sorted((out / "documents").glob("oldham*.html"))
    assert len(parts) == 3
    for part in parts:
        assert _visible(part.read_text(encoding="utf-8")).split(" Notice. ")[1].startswith(NOTICE)


def test_review_without_notice_shows_none(tmp_path: Path) -> None:
    docs = corpus()
    out = build_review(codings(docs), docs, codebook(), tmp_path / "site")
    for page in out.rglob("*.html"):
        assert 'class="notice"' not in page.read_text(encoding="utf-8")


def test_review_labels_each_turn_with_its_kind(tmp_path: Path) -> None:
    docs = corpus()
    labels = {"oldham": {2: TurnLabel("paraphrase", "Written for the reconstruction."),
                         3: TurnLabel("verbatim", "Quoted \u201cword\u201d <i>for</i> word.")}}
    out = build_review(codings(docs), docs, codebook(), tmp_path / "site", turn_labels=labels)
    page = (out / "documents" / "oldham.html").read_text(encoding="utf-8")
    turn3 = re.search(r'<div class="turn" id="t3"><p class="who">(.*?)</p>', page).group(1)
    assert re.search(r'<span class="kind" title="Quoted \u201cword\u201d &lt;i&gt;for&lt;/i&gt; word.">verbatim</span>', turn3)
    assert "paraphrase" in re.search(r'id="t2"><p class="who">(.*?)</p>', page).group(1)
    assert 'class="kind"' not in re.search(r'id="t1"><p class="who">(.*?)</p>', page).group(1)
    legend = re.search(r'<section class="kinds".*?</section>', page).group(0)
    assert "Written for the reconstruction." in legend and "verbatim" in legend
    assert 'class="kind"' not in (out / "documents" / "wigan.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# the shipped study's reports


def _first_lines(path: Path, n: int = 4) -> str:
    return "\n".join(path.read_text(encoding="utf-8").splitlines()[:n])


def test_reproduction_outputs_open_with_the_notice(study: Path, tmp_path: Path) -> None:  # noqa: F811
    for name in ("north.md", "south.md"):
        path = study / "data" / "interviews" / name
        path.write_text(path.read_text(encoding="utf-8").replace("---\n#", f"notice: '{NOTICE}'\n---\n#", 1),
                        encoding="utf-8")
    prov = study / "data" / "provenance"
    prov.mkdir()
    (prov / "north.yaml").write_text("turns: [{turn: 0, kind: question}, {turn: 1, kind: verbatim}]\n", encoding="utf-8")
    (prov / "kinds.yaml").write_text("verbatim: Quoted word for word.\n", encoding="utf-8")
    out = reproduce(tmp_path / "out", root=study).out
    quoted = f"> **Notice.** {NOTICE}"
    for name in ("REPRODUCTION.md", "framework_matrix.md", "appendix_two.md", "appendix_two_audit.md"):
        assert quoted in _first_lines(out / name), name
    report = (out / "REPRODUCTION.md").read_text(encoding="utf-8")
    assert report.index(quoted) < report.index("**Verdict:")
    assert "cannot carry the notice itself" in report
    for name in ("appendix_two.html", "appendix_two_audit.html"):
        html = (out / name).read_text(encoding="utf-8")
        assert html.index('class="notice"') < html.index("<h2>"), name
    assert _visible((out / "review" / "index.html").read_text(encoding="utf-8")).startswith(
        "Coded transcripts: review Notice. " + " ".join(NOTICE.split()))
    north = (out / "review" / "documents" / "north.html").read_text(encoding="utf-8")
    assert '<span class="kind" title="Quoted word for word.">verbatim</span>' in north


def test_reproduction_without_notice_has_none(study: Path, tmp_path: Path) -> None:  # noqa: F811
    reproduce(tmp_path / "out", root=study, review=False)
    for name in ("REPRODUCTION.md", "framework_matrix.md", "appendix_two.md", "appendix_two_audit.md",
                 "appendix_two.html", "appendix_two_audit.html"):
        assert "Notice." not in (tmp_path / "out" / name).read_text(encoding="utf-8"), name
