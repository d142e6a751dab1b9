"""Build the review site: static HTML pages of the coded transcripts.

The site is a folder of plain files that opens from the file system (no server, no network):

==============================  ==========================================================
``index.html``                  the cases x codes matrix (every non-empty cell links to the
                                evidence behind it), the chart, the codes, the documents
``documents/<id>.html``         one transcript: sections, speakers, turns, each coded sentence
                                highlighted with its coding stripes; a code filter; the
                                override entry of any sentence (very long transcripts are
                                split into ``<id>.p2.html`` ...)
``codes/<id>.html``             one code: definition, include/exclude, its sentences by case
                                (a code with very many sentences moves them to
                                ``codes/<id>.<case>.<n>.html`` pages)
``cases/<case>.html``           a case's documents, when the corpus is too big to list them all
                                on the index
``disagreements.html``          where analysts differ (when a disagreements table is given)
``cooccurrence.html``           the codes coded together in one turn (or another unit); each
                                pair's sentences on ``pairs/<code>--<code>.html``
``assets/``                     one stylesheet, the code colours, one small script, the chart
==============================  ==========================================================

Every piece of text from a transcript, a codebook or a codings table is HTML-escaped, and each
page carries a Content-Security-Policy that forbids inline scripts, so a transcript holding
``<script>`` shows it as text. The site is built in a temporary folder beside ``out_dir`` and
renamed into place only when complete.
"""

from __future__ import annotations

import os
import shutil
from collections import defaultdict
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import Problem, ReviewError, problem
from ..io import atomic_dir
from ..schema import validate_codings
from ..segments import sentences
from ..cooccurrence import cooccurrence
from .cooccurrence_pages import cooccurrence_pages
from .pages import _code_pages, _disagreements_page, _document_pages, _index_pages
from .site import MARKER, _clip, _codes_css, _Row, _Site

if TYPE_CHECKING:  # pragma: no cover
    from ..codebook import Codebook
    from ..provenance import TurnLabel
    from ..transcripts import Document

__all__ = ["build_review"]


# --------------------------------------------------------------------------------------------
# inputs


def _check_inputs(
    codings: pd.DataFrame,
    documents: Sequence[Document],
    codebook: Codebook,
    where: str | None,
) -> tuple[list[_Row], dict[str, Document]]:
    table = validate_codings(codings, codebook=codebook, where=where)
    docs = {d.id: d for d in documents}
    rows = [_Row(i, *values) for i, values in enumerate(table.itertuples(index=False, name=None))]
    # The checks run over the table as given, so that a row number is its place in the file
    # (CSV line = position + 2, as casecoder.schema counts), not its place after sorting.
    raw = codings.reset_index(drop=True)
    names = raw["document"].fillna("").astype(str).tolist()
    starts = pd.to_numeric(raw["start"]).astype("int64").tolist()
    ends = pd.to_numeric(raw["end"]).astype("int64").tolist()
    texts = raw["text"].fillna("").astype(str).tolist() if "text" in raw.columns else [""] * len(raw)
    problems = []

    def line(i: int) -> int | None:
        return i + 2 if where is not None else None

    # One problem per missing document, naming it, with its first row.
    missing: dict[str, list[int]] = defaultdict(list)
    for i, name in enumerate(names):
        if name not in docs:
            missing[name].append(i)
    for name, positions in sorted(missing.items(), key=lambda kv: kv[1][0]):
        problems.append(problem("E801", path=where, line=line(positions[0]), field="document", document=name,
                                count=len(docs), rows=len(positions), row=positions[0] + 2))
    # Stale codings (the transcript changed since): every bad row, each with its row and line,
    # so that one run lists all the rows to re-code or re-anchor.
    for i, (name, start, end, text) in enumerate(zip(names, starts, ends, texts)):
        doc = docs.get(name)
        if doc is None:
            continue
        if end > len(doc.text):
            problems.append(problem("E802", path=where, line=line(i), field="start/end", row=i + 2, start=start,
                                    end=end, document=name, length=len(doc.text)))
        elif text and doc.text[start:end] != text:
            problems.append(problem("E803", path=where, line=line(i), field="text", row=i + 2, start=start, end=end,
                                    document=name, found=_clip(doc.text[start:end]), expected=_clip(text)))
    if problems:
        raise ReviewError(problems)
    return rows, docs


# --------------------------------------------------------------------------------------------
# the public function


# long because: its NumPy docstring (every parameter, what is returned and raised, an example)
# is as long as its code, which is under 60 lines.
def build_review(
    codings: pd.DataFrame,
    documents: Sequence[Document],
    codebook: Codebook,
    out_dir: str | os.PathLike[str],
    *,
    matrix: pd.DataFrame | None = None,
    chart: str | os.PathLike[str] | None = None,
    disagreements: pd.DataFrame | None = None,
    where: str | os.PathLike[str] | None = None,
    cooccurrence_unit: str | None = "turn",
    turn_labels: Mapping[str, Mapping[int, TurnLabel]] | None = None,
) -> Path:
    """Write the review site of ``codings`` over ``documents`` into ``out_dir``.

    Parameters
    ----------
    codings : DataFrame
        A codings table (``casecoder.schema.CODINGS_COLUMNS``); ``coded`` rows are highlighted,
        ``excluded`` rows are shown with their reason.
    documents : sequence of Document
        The transcripts the codings were made from (``casecoder.transcripts.read_corpus``).
        Every document gets a page, coded or not.
    codebook : Codebook
        Gives each code its label, rules and colour, and the order of the matrix's columns.
    out_dir : path
        The site's folder. It is replaced whole when the new site is complete; it must be new,
        empty or an earlier review site.
    matrix : DataFrame, optional
        A cases x codes matrix (index: case, columns: code ids) to show instead of counting
        coded sentences; its non-empty cells still link to the sentences behind them.
    chart : path, optional
        An image (PNG or SVG) copied into the site and shown on the index.
    disagreements : DataFrame, optional
        One row per unit where analysts differ: a ``document`` column and ``segment`` or
        ``start`` (to link into the transcript), any other columns shown as they are.
    where : path, optional
        The file ``codings`` was read from, named (with the line) in problems.
    cooccurrence_unit : {"turn", "sentence", "document", "case"} or None
        Adds ``cooccurrence.html``, the codes coded together in the same unit
        (:func:`casecoder.cooccurrence.cooccurrence`), each pair linked to a page of its
        sentences (``pairs/<code>--<code>.html``); ``None`` leaves them out.
    turn_labels : mapping, optional
        Document id -> turn index -> :class:`casecoder.provenance.TurnLabel` (e.g. from
        :func:`casecoder.provenance.read_turn_kinds`): each labelled turn shows its label beside
        the speaker, with the label's meaning as its title text and in a legend on the page.

    A document whose front matter has a ``notice`` shows it at the top of its pages, and the
    index shows every distinct notice of the corpus first (:func:`casecoder.provenance.corpus_notices`).

    Returns
    -------
    Path
        ``out_dir``; open ``out_dir / "index.html"`` in a browser.

    Raises
    ------
    ReviewError
        E801 for each document the codings name that is not among ``documents``; E802/E803
        for every row whose offsets or text do not match its transcript; E804 if ``out_dir`` holds
        something other than a review site; E805 if ``chart`` is missing; E806 if
        ``disagreements`` lacks its columns. Nothing is written then.
    CodingsError
        If ``codings`` is not a valid codings table (E2xx).

    Examples
    --------
    >>> build_review(codings, read_corpus(["data/interviews"]), load_codebook(), "out/review")  # doctest: +SKIP
    PosixPath('out/review')
    """
    rows, docs = _check_inputs(codings, documents, codebook, None if where is None else str(where))
    out = Path(out_dir)
    chart_path = None if chart is None else Path(chart)
    problems = _check_outputs(out, chart_path, disagreements, docs)
    if problems:
        raise ReviewError(problems)
    # counted before anything is written, so a bad unit (E508) leaves no site behind
    together = None if cooccurrence_unit is None else cooccurrence(codings, codebook, unit=cooccurrence_unit)

    site = _Site(rows, docs, codebook, turn_labels)
    rows_by_doc: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        rows_by_doc[r.document].append(r)

    with atomic_dir(out) as tmp:
        (tmp / "documents").mkdir()
        (tmp / "codes").mkdir()
        chart_name = _write_assets(tmp / "assets", site, chart_path)
        doc_stats, sentence_starts = _write_documents(tmp, site, docs, rows_by_doc)

        rows_by_code: dict[str, list[_Row]] = defaultdict(list)
        for r in rows:
            rows_by_code[r.code].append(r)
        for code in codebook.ids:
            for name, page in _code_pages(site, code, rows_by_code.get(code, [])):
                _write(tmp / name, page)
        if disagreements is not None:
            _write(tmp / "disagreements.html", _disagreements_page(site, disagreements, sentence_starts))
        if together is not None:
            (tmp / "pairs").mkdir()
            for name, page in cooccurrence_pages(site, together, sentence_starts):
                _write(tmp / name, page)
        for name, page in _index_pages(site, rows, matrix=matrix, chart=chart_name,
                                       has_disagreements=disagreements is not None, doc_stats=doc_stats,
                                       cooccurrence_unit=cooccurrence_unit):
            _write(tmp / name, page)
        _write(tmp / MARKER, "This folder is a casecoder review site; `casecoder review` may replace it whole.\n")
    return out


def _check_outputs(out: Path, chart: Path | None, disagreements: pd.DataFrame | None,
                   docs: Mapping[str, Document]) -> list[Problem]:
    """Every problem of the outputs asked for: a folder that is not a review site (E804), a
    missing chart (E805), a disagreements table without its columns (E806) or of other
    documents (E801)."""
    problems = []
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        problems.append(problem("E804", path=out))
    if chart is not None and not chart.is_file():
        problems.append(problem("E805", path=chart))
    if disagreements is not None:
        if "document" not in disagreements.columns or not (
                {"segment", "start"} & set(disagreements.columns)):
            problems.append(problem("E806", field="disagreements", columns="document and segment or start",
                                    found=", ".join(map(str, disagreements.columns)) or "none"))
        else:
            for name in sorted(set(map(str, disagreements["document"])) - set(docs)):
                problems.append(problem("E801", field="disagreements.document", document=name, count=len(docs),
                                        rows=int((disagreements["document"].astype(str) == name).sum()),
                                        row=int((disagreements["document"].astype(str) == name).to_numpy().argmax()) + 2))
    return problems


def _write_assets(assets: Path, site: _Site, chart: Path | None) -> str | None:
    """The style sheets, the script and the chart (if any); the chart's file name."""
    assets.mkdir()
    static = resources.files(__package__).joinpath("static")
    for name in ("review.css", "review.js"):
        (assets / name).write_bytes(static.joinpath(name).read_bytes())
    _write(assets / "codes.css", _codes_css(site.styles))
    if chart is None:
        return None
    chart_name = "chart" + chart.suffix.lower()
    shutil.copyfile(chart, assets / chart_name)
    return chart_name


def _write_documents(tmp: Path, site: _Site, docs: Mapping[str, Document], rows_by_doc: Mapping[str, list[_Row]],
                     ) -> tuple[dict[str, tuple[int, int, int]], dict[str, list[int]]]:
    """Every document's pages; per document its (turns, sentences, coded sentences) and the
    start of each sentence."""
    doc_stats: dict[str, tuple[int, int, int]] = {}
    sentence_starts: dict[str, list[int]] = {}
    for doc_id in sorted(docs):
        doc = docs[doc_id]
        segs = sentences(doc)
        sentence_starts[doc_id] = [s.start for s in segs]
        pages = _document_pages(site, doc, rows_by_doc.get(doc_id, []), segs)
        for name, page in pages:
            _write(tmp / name, page)
        coded = len({site.anchor[r.pos] for r in rows_by_doc.get(doc_id, [])
                     if r.status == "coded" and r.pos in site.anchor})
        doc_stats[doc_id] = (len(doc.turns), len(segs), coded)
    return doc_stats, sentence_starts


def _write(path: Path, text: str) -> None:
    # Plain writes: the whole folder is renamed into place atomically at the end.
    if path.parent.name == "cases":
        path.parent.mkdir(exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
