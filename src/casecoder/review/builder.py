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
``assets/``                     one stylesheet, the code colours, one small script, the chart
==============================  ==========================================================

Every piece of text from a transcript, a codebook or a codings table is HTML-escaped, and each
page carries a Content-Security-Policy that forbids inline scripts, so a transcript holding
``<script>`` shows it as text. The site is built in a temporary folder beside ``out_dir`` and
renamed into place only when complete.
"""

from __future__ import annotations

import bisect
import hashlib
import html
import math
import os
import re
import shutil
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import ReviewError, problem
from ..io import atomic_dir
from ..schema import validate_codings
from ..segments import overlapping

if TYPE_CHECKING:  # pragma: no cover
    from ..codebook import Codebook
    from ..segments import Segment
    from ..transcripts import Document

__all__ = [
    "FILLS",
    "MARKER",
    "PALETTE",
    "PALETTE_NAME",
    "build_review",
    "code_styles",
]

#: Paul Tol's "muted" qualitative scheme: nine colours chosen to stay distinct for readers
#: with any common colour-vision deficiency (P. Tol, "Colour Schemes", SRON/EPS/TN/09-002,
#: https://personal.sron.nl/~pault/). Codes beyond the ninth reuse a colour with another fill.
PALETTE_NAME = "Paul Tol muted"
PALETTE: tuple[str, ...] = (
    "#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE",
    "#882255", "#44AA99", "#999933", "#AA4499",
)
#: Fills that tell apart two codes sharing a colour: code k gets colour k % 9, fill k // 9.
FILLS: tuple[str, ...] = ("solid", "hatched", "dotted")
#: A file that marks a folder as a review site, so that rebuilding may replace it.
MARKER = ".casecoder-review"

#: Characters of document text kept before and after a quote in an override entry.
CONTEXT_CHARS = 32
#: A transcript longer than this (in characters) is split into pages at turn boundaries.
PART_CHARS = 400_000
#: At most this many sentences of one case are listed on a page.
EVIDENCE_PER_PAGE = 400
#: A code whose sentences number more than this lists every case on pages of its own.
EVIDENCE_INLINE = 1_500
#: A corpus of more documents than this lists them on one page per case (``cases/<case>.html``).
INDEX_DOCUMENTS = 500

_SAFE = re.compile(r"[^A-Za-z0-9_-]+")


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


# --------------------------------------------------------------------------------------------
# names of files and anchors


def _slugs(names: Iterable[str]) -> dict[str, str]:
    """Map names to distinct file-safe slugs, the same on every run and every file system.

    A name made only of safe characters keeps itself; any other gets a hash suffix, as does a
    name whose slug would clash (case-insensitively, for macOS and Windows) with another's.
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted(set(names)):
        slug = _SAFE.sub("-", name).strip("-")[:60] or "x"
        if slug != name or slug.lower() in taken:
            slug = f"{slug}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:8]}"
        taken.add(slug.lower())
        out[name] = slug
    return out


# --------------------------------------------------------------------------------------------
# colours


def code_styles(codebook: Codebook) -> dict[str, tuple[int, str, str]]:
    """Give every code of ``codebook`` its key, colour and fill, in codebook order.

    Parameters
    ----------
    codebook : Codebook
        The codes; a code's own ``color`` (``#rrggbb``) wins over the palette (the shipped
        codebook gives Paul Tol's muted then bright schemes).

    Returns
    -------
    dict
        ``code id -> (key, colour, fill)``: ``key`` is the code's position in the codebook
        (its CSS class is ``k<key>``), ``colour`` a hex colour from :data:`PALETTE`, ``fill``
        one of :data:`FILLS`. The same codebook always gives the same styles, so a code keeps
        its colour on every page and in every build.
    """
    styles: dict[str, tuple[int, str, str]] = {}
    for k, code in enumerate(codebook.codes):
        colour = getattr(code, "color", None) or PALETTE[k % len(PALETTE)]
        # The fill follows the position even for a codebook colour: nine colours are about as
        # many as colour-blind readers can tell apart, so codes 10-18 are hatched, 19-27 dotted.
        fill = FILLS[(k // len(PALETTE)) % len(FILLS)]
        styles[code.id] = (k, colour.upper(), fill)
    return styles


def _codes_css(styles: Mapping[str, tuple[int, str, str]]) -> str:
    lines = [f"/* code colours: {PALETTE_NAME} (colour-blind safe); fills tell apart codes sharing a colour */"]
    for code, (k, colour, fill) in styles.items():
        decl = f"--c:{colour}"
        if fill == "hatched":
            decl += ";--f:repeating-linear-gradient(135deg,var(--c) 0 2px,#fff 2px 4px)"
        elif fill == "dotted":
            decl += ";--f:radial-gradient(circle,var(--c) 1.2px,#fff 1.4px) 0 0/4px 4px"
        lines.append(f".k{k}{{{decl}}} /* {code} */")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# inputs


@dataclass(frozen=True)
class _Row:
    """One codings row, as the pages show it."""

    pos: int  # row position in the validated table, the key for links
    document: str
    case: str
    section: str
    turn: int
    speaker: str
    segment: int
    start: int
    end: int
    text: str
    code: str
    rule: str
    source: str
    analyst: str
    status: str
    reason: str
    note: str


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
    # Stale codings (the transcript changed since): the first bad row of each document.
    stale: set[str] = set()
    for i, (name, start, end, text) in enumerate(zip(names, starts, ends, texts)):
        doc = docs.get(name)
        if doc is None or name in stale:
            continue
        if end > len(doc.text):
            stale.add(name)
            problems.append(problem("E802", path=where, line=line(i), field="start/end", row=i + 2, start=start,
                                    end=end, document=name, length=len(doc.text)))
        elif text and doc.text[start:end] != text:
            stale.add(name)
            problems.append(problem("E803", path=where, line=line(i), field="text", row=i + 2, start=start, end=end,
                                    document=name, found=_clip(doc.text[start:end]), expected=_clip(text)))
    if problems:
        raise ReviewError(problems)
    return rows, docs


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


# --------------------------------------------------------------------------------------------
# the site


class _Site:
    """Everything the pages share: styles, slugs, where each sentence is, the page template."""

    def __init__(self, rows: list[_Row], docs: Mapping[str, Document], codebook: Codebook):
        from .. import __version__

        self.rows = rows
        self.docs = docs
        self.codebook = codebook
        self.styles = code_styles(codebook)
        self.doc_slug = _slugs(docs)
        self.code_slug = _slugs(codebook.ids)
        self.cases = sorted({d.case for d in docs.values()} | {r.case for r in rows})
        self.case_slug = _slugs(self.cases)
        self.version = __version__
        self.template = Template(
            resources.files(__package__).joinpath("templates/page.html").read_text(encoding="utf-8")
        )
        # part starts (document offsets) of each document, from its turns alone
        self.part_starts: dict[str, list[int]] = {d.id: _part_starts(d) for d in docs.values()}
        # row position -> (document, sentence index) it is shown at; filled as documents render
        self.anchor: dict[int, int] = {}

    # -- links ------------------------------------------------------------------------------
    def doc_file(self, doc_id: str, part: int = 0) -> str:
        suffix = "" if part == 0 else f".p{part + 1}"
        return f"documents/{self.doc_slug[doc_id]}{suffix}.html"

    def part_of(self, doc_id: str, offset: int) -> int:
        return max(0, bisect.bisect_right(self.part_starts[doc_id], offset) - 1)

    def sentence_href(self, doc_id: str, offset: int, sentence: int | None) -> str:
        page = self.doc_file(doc_id, self.part_of(doc_id, offset))
        return f"{page}#s{sentence}" if sentence is not None and sentence >= 0 else f"{page}#unplaced"

    def row_href(self, r: _Row) -> str:
        return self.sentence_href(r.document, r.start, self.anchor.get(r.pos))

    def code_label(self, code: str) -> str:
        return self.codebook[code].label or code

    def swatch(self, code: str) -> str:
        return f'<span class="sw k{self.styles[code][0]}" aria-hidden="true"></span>'

    # -- pages ------------------------------------------------------------------------------
    def page(self, *, title: str, root: str, kind: str, body: str, nav: str = "", main_attrs: str = "") -> str:
        return self.template.substitute(
            title=_esc(title), root=root, kind=kind, body=body, nav=nav,
            main_attrs=main_attrs, version=_esc(self.version),
        )


def _part_starts(doc: Document) -> list[int]:
    starts = [0]
    size = 0
    for turn in doc.turns:
        if size >= PART_CHARS:
            starts.append(turn.start)
            size = 0
        size += turn.end - turn.start
    return starts


# --------------------------------------------------------------------------------------------
# a document page


def _place(rows: list[_Row], segs: Sequence[Segment]) -> tuple[dict[int, list[_Row]], list[_Row], dict[int, int]]:
    """Attach each codings row to the sentence(s) it covers.

    A row whose ``segment`` names a sentence with its offsets goes there; any other (a manual
    coding of another span) goes to every sentence it overlaps and is anchored at the first.
    A row that overlaps no sentence is returned as unplaced, to be listed, never dropped.
    """
    by_seg: dict[int, list[_Row]] = defaultdict(list)
    unplaced: list[_Row] = []
    anchor: dict[int, int] = {}
    for r in rows:
        if 0 <= r.segment < len(segs) and segs[r.segment].start == r.start and segs[r.segment].end == r.end:
            hit = [r.segment]
        else:
            hit = [s.index for s in overlapping(segs, r.start, r.end)]
        if not hit:
            unplaced.append(r)
            continue
        anchor[r.pos] = hit[0]
        for i in hit:
            by_seg[i].append(r)
    return by_seg, unplaced, anchor


def _row_facts(site: _Site, r: _Row, sentence_text: str | None) -> str:
    facts = [("status", r.status)]
    if r.status != "coded":
        facts.append(("reason", r.reason or "(none given)"))
    facts += [("rule", r.rule or "(none)"), ("source", r.source), ("analyst", r.analyst or "(unknown)")]
    if r.note:
        facts.append(("note", r.note))
    if sentence_text is not None and r.text != sentence_text:
        facts.append(("span", f"\u201c{_clip(r.text, 120)}\u201d"))
    # spans only: a chip sits inside a paragraph, where block elements would end the paragraph
    return '<span class="facts">' + "".join(
        f'<span class="k">{_esc(k)}</span><span class="v">{_esc(v)}</span>' for k, v in facts) + "</span>"


def _chips(site: _Site, rows: list[_Row], sentence_text: str) -> tuple[str, list[int]]:
    """The coding stripes of one sentence: one chip per code, its rows on hover or focus."""
    by_code: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        by_code[r.code].append(r)
    parts = []
    coded_keys = []
    for code in sorted(by_code, key=lambda c: site.styles[c][0]):
        k = site.styles[code][0]
        group = by_code[code]
        coded = any(r.status == "coded" for r in group)
        if coded:
            coded_keys.append(k)
        label = site.code_label(code)
        state = "" if coded else " \u2717<span class=\"vh\"> (excluded)</span>"
        parts.append(
            f'<span class="c k{k}{"" if coded else " x"}" tabindex="0" data-code="{_esc(code)}">'
            f'<span class="sw" aria-hidden="true"></span><span class="lab">{_esc(code)}</span>{state}'
            f'<span class="pop"><span class="pt"><b>{_esc(label)}</b> <code>{_esc(code)}</code></span>'
            + "".join(_row_facts(site, r, sentence_text) for r in group)
            + "</span></span>"
        )
    return '<span class="cs">' + "".join(parts) + "</span>", coded_keys


def _document_pages(site: _Site, doc: Document, rows: list[_Row], segs: Sequence[Segment]) -> list[tuple[str, str]]:
    by_seg, unplaced, anchor = _place(rows, segs)
    site.anchor.update(anchor)
    text = doc.text
    segs_by_turn: dict[int, list[Segment]] = defaultdict(list)
    for s in segs:
        segs_by_turn[s.turn].append(s)
    part_starts = site.part_starts[doc.id]
    n_parts = len(part_starts)

    # the code filter lists the codes this document holds, with their sentence counts
    counts: dict[str, set[int]] = defaultdict(set)
    for i, rs in by_seg.items():
        for r in rs:
            if r.status == "coded":
                counts[r.code].add(i)
    excluded: dict[str, set[int]] = defaultdict(set)
    for i, rs in by_seg.items():
        for r in rs:
            if r.status != "coded":
                excluded[r.code].add(i)
    filter_items = []
    for code in sorted(set(counts) | set(excluded), key=lambda c: site.styles[c][0]):
        k = site.styles[code][0]
        n, x = len(counts.get(code, ())), len(excluded.get(code, ()))
        filter_items.append(
            f'<label><input type="checkbox" checked data-k="{k}"> {site.swatch(code)}'
            f'{_esc(site.code_label(code))} <span class="count">({n} coded'
            f'{f", {x} excluded" if x else ""})</span></label>'
        )
    aside = (
        '<aside aria-label="Codes and overrides">'
        '<fieldset id="filter" class="filter" hidden><legend>Highlight codes</legend>'
        + ("".join(filter_items) or '<p class="note">No codings in this document.</p>')
        + '<div class="buttons"><button type="button" data-all="1">Show all</button>'
        '<button type="button" data-all="0">Hide all</button></div></fieldset>'
        '<section id="override" hidden aria-labelledby="ov-h"><h2 id="ov-h">Override entry</h2>'
        '<p id="ov-help" class="note">Click a sentence, or Tab into the transcript, move with the arrow '
        'keys and press Enter: its entry for an overrides file appears here.</p>'
        '<label for="ov-text">Entry for <code>overrides/&lt;analyst&gt;.yaml</code>, under <code>overrides:</code></label>'
        '<textarea id="ov-text" rows="9" readonly aria-describedby="ov-help"></textarea>'
        '<p><button type="button" data-copy="ov-text">Copy entry</button></p>'
        '<label for="ov-cmd">Or the same correction as a command</label>'
        '<textarea id="ov-cmd" rows="4" readonly></textarea>'
        '<p><button type="button" data-copy="ov-cmd">Copy command</button></p>'
        '<p id="ov-status" role="status" class="note"></p>'
        "</section></aside>"
    )

    speakers = sorted({t.speaker for t in doc.turns if t.speaker})
    facts = [("Case", doc.case), ("Speakers", ", ".join(speakers) or "(none labelled)"),
             ("Turns", str(len(doc.turns))), ("Sentences", str(len(segs))),
             ("Coded sentences", str(sum(1 for rs in by_seg.values() if any(r.status == "coded" for r in rs))))]
    for key in sorted(doc.metadata):
        value = doc.metadata[key]
        if isinstance(value, (str, int, float, bool)) and key not in ("council",):
            facts.append((str(key), str(value)))
    head = (
        f"<h1>{_esc(doc.id)}</h1>"
        '<dl class="facts">' + "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in facts) + "</dl>"
    )
    if unplaced:
        head += (
            f'<section id="unplaced"><h2>Codings on no sentence ({len(unplaced)})</h2><ul>'
            + "".join(
                f"<li><code>{_esc(r.code)}</code> {r.start}:{r.end} \u201c{_esc(_clip(r.text, 200))}\u201d "
                f"({_esc(r.source)}, {_esc(r.analyst)}, {_esc(r.status)})</li>"
                for r in unplaced
            )
            + "</ul></section>"
        )

    pages = []
    turn_iter = list(doc.turns)
    for part in range(n_parts):
        lo = part_starts[part]
        hi = part_starts[part + 1] if part + 1 < n_parts else math.inf
        out: list[str] = []
        section = None
        for turn in turn_iter:
            if not (lo <= turn.start < hi):
                continue
            if turn.section != section:
                if section is not None:
                    out.append("</section>")
                section = turn.section
                if section:
                    sid = f"sec-{turn.index}"
                    out.append(f'<section aria-labelledby="{sid}"><h2 id="{sid}">{_esc(section)}</h2>')
                else:
                    out.append('<section aria-label="Before the first question">')
            out.append(_turn_html(site, doc, turn, segs_by_turn.get(turn.index, ()), by_seg, text))
        if section is not None:
            out.append("</section>")
        nav = ""
        if n_parts > 1:
            links = " ".join(
                f'<a href="../{site.doc_file(doc.id, p)}"{" aria-current=page" if p == part else ""}>part {p + 1}</a>'
                for p in range(n_parts)
            )
            nav = f'<nav class="parts" aria-label="Parts of this transcript">{links}</nav>'
        body = (
            (head if part == 0 else f"<h1>{_esc(doc.id)}, part {part + 1}</h1>")
            + nav
            + '<div class="docpage"><article id="transcript" aria-label="Transcript; '
            'arrow keys move between sentences">' + "".join(out) + "</article>" + aside + "</div>" + nav
        )
        title = f"{doc.id} ({doc.case})" + (f", part {part + 1}" if part else "")
        pages.append((
            site.doc_file(doc.id, part),
            site.page(title=f"{title} \u2013 casecoder review", root="../", kind="document", body=body,
                      main_attrs=f' data-doc="{_esc(doc.id)}"'),
        ))
    return pages


def _context(text: str, start: int, end: int) -> tuple[str, str]:
    """The whole words within :data:`CONTEXT_CHARS` before and after ``text[start:end]``.

    This is the ``prefix``/``suffix`` of an override entry (a W3C TextQuoteSelector, as
    :mod:`casecoder.overrides` reads it): white space runs become one space, and a word cut
    by the window is dropped, so the words read naturally and still match the transcript.
    """
    lo = max(0, start - CONTEXT_CHARS)
    before = text[lo:start]
    if lo > 0 and not text[lo - 1].isspace():
        before = before.split(None, 1)[1] if len(before.split(None, 1)) > 1 else ""
    hi = min(len(text), end + CONTEXT_CHARS)
    after = text[end:hi]
    if hi < len(text) and not text[hi].isspace():
        after = after.rsplit(None, 1)[0] if len(after.rsplit(None, 1)) > 1 else ""
    return " ".join(before.split()), " ".join(after.split())


def _turn_html(site: _Site, doc: Document, turn: Any, segs: Sequence[Segment],
               by_seg: Mapping[int, list[_Row]], text: str) -> str:
    pieces = []
    pos = turn.start
    for s in sorted(segs, key=lambda s: s.start):
        if s.start < pos:  # overlapping sentences cannot be nested in HTML; show the rest
            continue
        if s.start > pos:
            pieces.append(_esc(text[pos:s.start]))
        rows = by_seg.get(s.index)
        prefix, suffix = _context(text, s.start, s.end)
        attrs = f'id="s{s.index}" tabindex="-1" data-p="{_esc(prefix)}" data-x="{_esc(suffix)}"'
        if rows:
            chips, keys = _chips(site, rows, s.text)
            cls = "s hl" if keys else "s"
            data_c = f' data-c="{" ".join(map(str, keys))}"' if keys else ""
            pieces.append(f'<span class="{cls}" {attrs}{data_c}>{_esc(s.text)}</span>{chips}')
        else:
            pieces.append(f'<span class="s" {attrs}>{_esc(s.text)}</span>')
        pos = s.end
    if pos < turn.end:
        pieces.append(_esc(text[pos:turn.end]))
    who = _esc(turn.speaker) if turn.speaker else "(no speaker label)"
    cls = "turn iv" if turn.interviewer else "turn"
    return (
        f'<div class="{cls}" id="t{turn.index}"><p class="who">{who} <span class="idx">turn {turn.index}</span></p>'
        f'<p class="said">{"".join(pieces)}</p></div>'
    )


# --------------------------------------------------------------------------------------------
# code pages


def _evidence(site: _Site, rows: list[_Row], *, root: str, excluded: bool) -> str:
    """An ordered list of sentences, one item per (document, span), with every row behind it."""
    grouped: dict[tuple[str, int, int], list[_Row]] = defaultdict(list)
    for r in rows:
        grouped[(r.document, r.start, r.end)].append(r)
    items = []
    for (doc_id, _start, _end), group in sorted(grouped.items()):
        first = group[0]
        where = ", ".join(x for x in (doc_id, first.section, first.speaker) if x)
        how = "; ".join(
            f"{r.source}, {r.analyst or '?'}, {r.rule or 'no rule'}"
            + (f", {r.status}: {r.reason}" if r.status != "coded" else "")
            + (f", note: {r.note}" if r.note else "")
            for r in group
        )
        items.append(
            f'<li><blockquote>{_esc(first.text)}</blockquote><p class="src">'
            f'<a href="{root}{site.row_href(first)}">{_esc(where)}</a> \u2014 {_esc(how)}</p></li>'
        )
    return f'<ol class="ev{" x" if excluded else ""}">' + "".join(items) + "</ol>"


def _code_pages(site: _Site, code: str, rows: list[_Row]) -> list[tuple[str, str]]:
    c = site.codebook[code]
    k = site.styles[code][0]
    slug = site.code_slug[code]
    coded = [r for r in rows if r.status == "coded"]
    excluded = [r for r in rows if r.status != "coded"]
    by_case: dict[str, tuple[list[_Row], list[_Row]]] = {case: ([], []) for case in site.cases}
    for r in coded:
        by_case[r.case][0].append(r)
    for r in excluded:
        by_case[r.case][1].append(r)
    n_coded = len({(r.document, r.start, r.end) for r in coded})
    inline = n_coded + len(excluded) <= EVIDENCE_INLINE

    rules = [("Definition", getattr(c, "definition", "")), ("Include", getattr(c, "include", "")),
             ("Exclude", getattr(c, "exclude", ""))]
    parent = getattr(c, "parent", None)
    head = (
        f'<h1>{site.swatch(code)}{_esc(site.code_label(code))}</h1>'
        f'<p class="meta">Code <code>{_esc(code)}</code>'
        + (f', under <a href="{_esc(site.code_slug[parent])}.html">{_esc(site.code_label(parent))}</a>'
           if parent and parent in site.code_slug else "")
        + f"; {n_coded} coded sentence(s), {len(excluded)} excluded match(es).</p>"
        '<section aria-labelledby="rules-h"><h2 id="rules-h" class="vh">Coding rules</h2><dl class="facts">'
        + "".join(f"<dt>{_esc(name)}</dt><dd>{_esc(value) if value else '(not given)'}</dd>" for name, value in rules)
        + "</dl></section>"
    )
    pages: list[tuple[str, str]] = []
    summary = ['<table class="list"><caption>Sentences by case</caption><thead><tr><th scope="col">Case</th>'
               '<th scope="col" class="n">Coded</th><th scope="col" class="n">Documents</th>'
               '<th scope="col" class="n">Excluded</th></tr></thead><tbody>']
    sections = []
    for case in site.cases:
        cr, xr = by_case[case]
        if not cr and not xr:
            continue
        cslug = site.case_slug[case]
        n = len({(r.document, r.start, r.end) for r in cr})
        summary.append(
            f'<tr><th scope="row"><a href="#case-{cslug}">{_esc(case)}</a></th><td class="n">{n}</td>'
            f'<td class="n">{len({r.document for r in cr})}</td><td class="n">{len(xr)}</td></tr>'
        )
        heading = f'<h2 id="case-{cslug}">{_esc(case)} <span class="count">({n} coded)</span></h2>'
        if inline:
            body = _evidence(site, cr, root="../", excluded=False) if cr else "<p>No coded sentences.</p>"
            if xr:
                body += (f"<details><summary>Excluded matches ({len(xr)})</summary>"
                         + _evidence(site, xr, root="../", excluded=True) + "</details>")
            sections.append(f'<section class="k{k}">{heading}{body}</section>')
            continue
        # too many to list on one page: pages of EVIDENCE_PER_PAGE (coded first, then excluded)
        ordered = [(r, False) for r in sorted(cr, key=lambda r: (r.document, r.start))] + [
            (r, True) for r in sorted(xr, key=lambda r: (r.document, r.start))]
        links = []
        for p, lo in enumerate(range(0, len(ordered), EVIDENCE_PER_PAGE)):
            chunk = ordered[lo:lo + EVIDENCE_PER_PAGE]
            name = f"codes/{slug}.{cslug}.{p + 1}.html"
            links.append(f'<li><a href="{name[len("codes/"):]}">page {p + 1}</a> ({len(chunk)} rows)</li>')
            cbody = _evidence(site, [r for r, x in chunk if not x], root="../", excluded=False)
            xs = [r for r, x in chunk if x]
            if xs:
                cbody += "<h2>Excluded matches</h2>" + _evidence(site, xs, root="../", excluded=True)
            pages.append((name, site.page(
                title=f"{site.code_label(code)}: {case}, page {p + 1} \u2013 casecoder review", root="../",
                kind="code", body=f'<h1>{site.swatch(code)}{_esc(site.code_label(code))}: {_esc(case)}, page {p + 1}</h1>'
                f'<p><a href="{slug}.html">Back to the code</a></p><div class="k{k}">{cbody}</div>',
                nav=f'<li><a href="{slug}.html">{_esc(code)}</a></li>')))
        sections.append(f'<section class="k{k}">{heading}<ul>{"".join(links)}</ul></section>')
    summary.append("</tbody></table>")
    body = head + ("".join(summary) if sections else "<p>No sentences have this code.</p>") + "".join(sections)
    pages.insert(0, (f"codes/{slug}.html", site.page(
        title=f"{site.code_label(code)} \u2013 casecoder review", root="../", kind="code", body=body)))
    return pages


# --------------------------------------------------------------------------------------------
# index and disagreements


def _counts(rows: list[_Row]) -> dict[tuple[str, str], tuple[int, int]]:
    spans: dict[tuple[str, str], set[tuple[str, int, int]]] = defaultdict(set)
    for r in rows:
        if r.status == "coded":
            spans[(r.case, r.code)].add((r.document, r.start, r.end))
    return {key: (len(s), len({d for d, _, _ in s})) for key, s in spans.items()}


def _cell_value(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool,)) or type(value).__name__ == "bool_":
        return "\u2713" if value else ""
    if isinstance(value, (int, float)) or hasattr(value, "dtype"):
        return "" if value == 0 else (f"{value:g}" if isinstance(value, float) else str(value))
    text = str(value).strip()
    # a matrix read from CSV holds strings; "0" and "false" are empty cells too
    return "" if text.lower() in ("0", "0.0", "false", "nan", "none") else text


def _index_pages(site: _Site, rows: list[_Row], *, matrix: pd.DataFrame | None, chart: str | None,
                 has_disagreements: bool, doc_stats: Mapping[str, tuple[int, int, int]]) -> list[tuple[str, str]]:
    counts = _counts(rows)
    codes = list(site.codebook.ids)
    head = [f'<th scope="col" class="code">{site.swatch(c)}<a href="codes/{site.code_slug[c]}.html" title="{_esc(c)}">'
            f"{_esc(site.code_label(c))}</a></th>" for c in codes]
    if matrix is not None:
        explain = ("The matrix given, cases \u00d7 codes; a linked cell opens the sentences behind it "
                   "(\u2020: no coded sentence supports the cell).")
    else:
        explain = "The number of coded sentences of each case and code; each number links to those sentences."
    caption = "Cases \u00d7 codes"
    body_rows = []
    for case in site.cases:
        cells = []
        for code in codes:
            n, m = counts.get((case, code), (0, 0))
            shown = _cell_value(matrix.at[case, code]) if (
                matrix is not None and case in matrix.index and code in matrix.columns) else (
                "" if matrix is not None else (str(n) if n else ""))
            label = f"{case}, {site.code_label(code)}: {n} coded sentence(s) in {m} document(s)"
            if shown and n:
                href = f"codes/{site.code_slug[code]}.html#case-{site.case_slug[case]}"
                cells.append(f'<td class="on"><a href="{href}" title="{_esc(label)}" aria-label="{_esc(label)}">'
                             f"{_esc(shown)}</a></td>")
            elif shown:
                cells.append(f'<td class="nolink" title="{_esc(label)}">{_esc(shown)}\u2020</td>')
            else:
                cells.append("<td></td>")
        body_rows.append(f'<tr><th scope="row">{_esc(case)}</th>{"".join(cells)}</tr>')
    # how many cases have each code: the figure the report's chart plots
    foot = "".join(
        f"<td>{sum(1 for case in site.cases if counts.get((case, code), (0, 0))[0])}</td>" for code in codes)
    foot = f'<tfoot><tr><th scope="row">Cases with coded sentences</th>{foot}</tr></tfoot>'
    table = (
        f'<section aria-labelledby="matrix-h"><h2 id="matrix">'
        f'<span id="matrix-h">The matrix</span></h2><p>{explain}</p><div class="scroll"><table class="matrix">'
        f"<caption>{caption}</caption><thead><tr><th scope=\"col\">Case</th>{''.join(head)}</tr></thead>"
        f"<tbody>{''.join(body_rows)}</tbody>{foot}</table></div></section>"
    )
    figure = ""
    if chart:
        figure = (f'<section aria-labelledby="chart-h"><h2 id="chart-h">Chart</h2><figure class="chart">'
                  f'<img src="assets/{_esc(chart)}" alt="Chart of the leadership actions by number of cases">'
                  "</figure></section>")
    code_items = []
    for code in codes:
        n_sent = sum(counts.get((case, code), (0, 0))[0] for case in site.cases)
        n_cases = sum(1 for case in site.cases if counts.get((case, code), (0, 0))[0])
        code_items.append(
            f'<li>{site.swatch(code)}<a href="codes/{site.code_slug[code]}.html">{_esc(site.code_label(code))}</a> '
            f'<code>{_esc(code)}</code> <span class="count">({n_sent} sentence(s), {n_cases} case(s))</span></li>'
        )
    pages: list[tuple[str, str]] = []
    if len(site.docs) <= INDEX_DOCUMENTS:
        documents = _documents_table(site, sorted(site.docs), doc_stats, root="")
    else:
        # a big corpus: the index lists cases, each case's documents get a page of their own
        by_case: dict[str, list[str]] = defaultdict(list)
        for doc_id in sorted(site.docs):
            by_case[site.docs[doc_id].case].append(doc_id)
        items = []
        for case in site.cases:
            if not by_case.get(case):
                continue
            name = f"cases/{site.case_slug[case]}.html"
            items.append(f'<li><a href="{name}">{_esc(case)}</a> ({len(by_case[case])} documents)</li>')
            pages.append((name, site.page(
                title=f"{case}: documents \u2013 casecoder review", root="../", kind="case",
                body=f"<h1>{_esc(case)}: documents</h1>" + _documents_table(site, by_case[case], doc_stats, root="../"))))
        documents = f'<p>{len(site.docs)} documents, by case:</p><ul>{"".join(items)}</ul>'
    n_coded = sum(1 for r in rows if r.status == "coded")
    intro = (
        "<h1>Coded transcripts: review</h1>"
        f'<p class="meta">{len(site.docs)} document(s), {len(site.cases)} case(s), {len(codes)} code(s), '
        f"{n_coded} coding(s) applied and {len(rows) - n_coded} excluded match(es). Code colours: the "
        f"codebook's, else {PALETTE_NAME} (colour-blind safe); codes after the ninth are hatched, after the "
        "eighteenth dotted, and every coding stripe also names its code.</p>"
        + ('<p><a href="disagreements.html">Where the analysts disagree</a></p>' if has_disagreements else "")
    )
    body = (
        intro + table + figure
        + f'<section aria-labelledby="codes-h"><h2 id="codes"><span id="codes-h">Codes</span></h2><ul class="codes">'
        + "".join(code_items) + "</ul></section>"
        + '<section aria-labelledby="docs-h"><h2 id="documents"><span id="docs-h">Documents</span></h2>'
        + documents + "</section>"
    )
    pages.insert(0, ("index.html", site.page(title="casecoder review", root="", kind="index", body=body)))
    return pages


def _documents_table(site: _Site, doc_ids: Sequence[str], doc_stats: Mapping[str, tuple[int, int, int]],
                     root: str) -> str:
    rows = []
    for doc_id in doc_ids:
        turns, sents, coded = doc_stats[doc_id]
        rows.append(
            f'<tr><th scope="row"><a href="{root}{site.doc_file(doc_id)}">{_esc(doc_id)}</a></th>'
            f'<td>{_esc(site.docs[doc_id].case)}</td>'
            f'<td class="n">{turns}</td><td class="n">{sents}</td><td class="n">{coded}</td></tr>'
        )
    return (
        '<table class="list"><thead><tr><th scope="col">Document</th><th scope="col">Case</th>'
        '<th scope="col" class="n">Turns</th><th scope="col" class="n">Sentences</th>'
        '<th scope="col" class="n">Coded sentences</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
    )


def _disagreements_page(site: _Site, table: pd.DataFrame, sentence_starts: Mapping[str, list[int]]) -> str:
    columns = [c for c in table.columns if c != "document"]
    head = "".join(f'<th scope="col">{_esc(c)}</th>' for c in columns)
    out = []
    sort_cols = [c for c in ("document", "start", "segment", "code") if c in table.columns]
    ordered = table.sort_values(sort_cols, kind="mergesort") if sort_cols else table
    for rec in ordered.to_dict("records"):
        doc_id = str(rec["document"])
        starts = sentence_starts.get(doc_id, [])
        seg = rec.get("segment")
        start = rec.get("start")
        if seg is not None and not pd.isna(seg) and int(seg) >= 0:
            sentence = int(seg)
            offset = starts[sentence] if sentence < len(starts) else 0
        elif start is not None and not pd.isna(start):
            offset = int(start)
            sentence = max(0, bisect.bisect_right(starts, offset) - 1) if starts else None
        else:
            sentence, offset = None, 0
        link = (f'<a href="{site.sentence_href(doc_id, offset, sentence)}">{_esc(doc_id)}'
                + (f", sentence {sentence}" if sentence is not None else "") + "</a>")
        cells = "".join(f"<td>{_esc('' if pd.isna(rec[c]) else rec[c]) if not isinstance(rec[c], (list, tuple, dict)) else _esc(rec[c])}</td>"
                        for c in columns)
        out.append(f'<tr><th scope="row">{link}</th>{cells}</tr>')
    body = (
        "<h1>Where the analysts disagree</h1>"
        f'<p class="meta">{len(out)} unit(s). Each link opens the sentence in its transcript.</p>'
        '<div class="scroll"><table class="list"><thead><tr><th scope="col">Where</th>'
        f"{head}</tr></thead><tbody>{''.join(out)}</tbody></table></div>"
    )
    return site.page(title="Disagreements \u2013 casecoder review", root="", kind="disagreements", body=body)


# --------------------------------------------------------------------------------------------
# the public function


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

    Returns
    -------
    Path
        ``out_dir``; open ``out_dir / "index.html"`` in a browser.

    Raises
    ------
    ReviewError
        E801 for each document the codings name that is not among ``documents``; E802/E803
        when a row's offsets or text do not match its transcript; E804 if ``out_dir`` holds
        something other than a review site; E805 if ``chart`` is missing; E806 if
        ``disagreements`` lacks its columns. Nothing is written then.
    CodingsError
        If ``codings`` is not a valid codings table (E2xx).

    Examples
    --------
    >>> build_review(codings, read_corpus(["data/interviews"]), load_codebook(), "out/review")  # doctest: +SKIP
    PosixPath('out/review')
    """
    from ..segments import sentences

    rows, docs = _check_inputs(codings, documents, codebook, None if where is None else str(where))
    out = Path(out_dir)
    problems = []
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        problems.append(problem("E804", path=out))
    chart_path = None if chart is None else Path(chart)
    if chart_path is not None and not chart_path.is_file():
        problems.append(problem("E805", path=chart_path))
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
    if problems:
        raise ReviewError(problems)

    site = _Site(rows, docs, codebook)
    rows_by_doc: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        rows_by_doc[r.document].append(r)

    with atomic_dir(out) as tmp:
        (tmp / "documents").mkdir()
        (tmp / "codes").mkdir()
        assets = tmp / "assets"
        assets.mkdir()
        static = resources.files(__package__).joinpath("static")
        for name in ("review.css", "review.js"):
            (assets / name).write_bytes(static.joinpath(name).read_bytes())
        _write(assets / "codes.css", _codes_css(site.styles))
        chart_name = None
        if chart_path is not None:
            chart_name = "chart" + chart_path.suffix.lower()
            shutil.copyfile(chart_path, assets / chart_name)

        doc_stats: dict[str, tuple[int, int, int]] = {}
        sentence_starts: dict[str, list[int]] = {}
        for doc_id in sorted(docs):
            doc = docs[doc_id]
            segs = sentences(doc)
            if disagreements is not None:
                sentence_starts[doc_id] = [s.start for s in segs]
            pages = _document_pages(site, doc, rows_by_doc.get(doc_id, []), segs)
            for name, page in pages:
                _write(tmp / name, page)
            coded = len({site.anchor[r.pos] for r in rows_by_doc.get(doc_id, [])
                         if r.status == "coded" and r.pos in site.anchor})
            doc_stats[doc_id] = (len(doc.turns), len(segs), coded)

        rows_by_code: dict[str, list[_Row]] = defaultdict(list)
        for r in rows:
            rows_by_code[r.code].append(r)
        for code in codebook.ids:
            for name, page in _code_pages(site, code, rows_by_code.get(code, [])):
                _write(tmp / name, page)
        if disagreements is not None:
            _write(tmp / "disagreements.html", _disagreements_page(site, disagreements, sentence_starts))
        for name, page in _index_pages(site, rows, matrix=matrix, chart=chart_name,
                                       has_disagreements=disagreements is not None, doc_stats=doc_stats):
            _write(tmp / name, page)
        _write(tmp / MARKER, "This folder is a casecoder review site; `casecoder review` may replace it whole.\n")
    return out


def _write(path: Path, text: str) -> None:
    # Plain writes: the whole folder is renamed into place atomically at the end.
    if path.parent.name == "cases":
        path.parent.mkdir(exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
