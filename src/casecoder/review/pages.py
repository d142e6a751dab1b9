"""The pages of the review site: a transcript, a code, the index, the disagreements.

Each function returns ``(file name, HTML)`` pairs (or one page's HTML) over a :class:`._Site`;
:mod:`.builder` writes them. Every interpolated value is escaped with ``_esc``.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..provenance import NOTICE_KEY, corpus_notices
from ..segments import overlapping
from .site import PALETTE_NAME, _clip, _esc, _Row, _Site

if TYPE_CHECKING:  # pragma: no cover
    from ..segments import Segment
    from ..transcripts import Document

#: Characters of document text kept before and after a quote in an override entry.
CONTEXT_CHARS = 32
#: At most this many sentences of one case are listed on a page.
EVIDENCE_PER_PAGE = 400
#: A code whose sentences number more than this lists every case on pages of its own.
EVIDENCE_INLINE = 1_500
#: A corpus of more documents than this lists them on one page per case (``cases/<case>.html``).
INDEX_DOCUMENTS = 500


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
    segs_by_turn: dict[int, list[Segment]] = defaultdict(list)
    for s in segs:
        segs_by_turn[s.turn].append(s)
    part_starts = site.part_starts[doc.id]
    n_parts = len(part_starts)
    aside = _document_aside(site, by_seg)
    head = _document_head(site, doc, segs, by_seg, unplaced)
    pages = []
    for part in range(n_parts):
        lo = part_starts[part]
        hi = part_starts[part + 1] if part + 1 < n_parts else math.inf
        out = _part_html(site, doc, lo, hi, segs_by_turn, by_seg)
        nav = ""
        if n_parts > 1:
            links = " ".join(
                f'<a href="../{site.doc_file(doc.id, p)}"{" aria-current=page" if p == part else ""}>part {p + 1}</a>'
                for p in range(n_parts)
            )
            nav = f'<nav class="parts" aria-label="Parts of this transcript">{links}</nav>'
        body = (
            (head if part == 0 else f"<h1>{_esc(doc.id)}, part {part + 1}</h1>" + site.notice_html(corpus_notices([doc])))
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


def _document_aside(site: _Site, by_seg: Mapping[int, list[_Row]]) -> str:
    """A document page's side panel: the code filter and the override entry."""
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
    return aside


def _document_head(site: _Site, doc: Document, segs: Sequence[Segment], by_seg: Mapping[int, list[_Row]],
                   unplaced: list[_Row]) -> str:
    """A document's title, notice, facts, turn-label legend and the codings on no sentence."""
    speakers = sorted({t.speaker for t in doc.turns if t.speaker})
    facts = [("Case", doc.case), ("Speakers", ", ".join(speakers) or "(none labelled)"),
             ("Turns", str(len(doc.turns))), ("Sentences", str(len(segs))),
             ("Coded sentences", str(sum(1 for rs in by_seg.values() if any(r.status == "coded" for r in rs))))]
    for key in sorted(doc.metadata):
        value = doc.metadata[key]
        # the case key's value is already shown as "Case", the notice above the facts
        if isinstance(value, (str, int, float, bool)) and key not in (site.codebook.case_key, NOTICE_KEY):
            facts.append((str(key), str(value)))
    labels = site.turn_labels.get(doc.id, {})
    legend = ""
    if labels:
        kinds = dict.fromkeys((lab.label, lab.title) for lab in labels.values())
        legend = (
            '<section class="kinds" aria-labelledby="kinds-h"><h2 id="kinds-h">What the turn labels mean</h2><dl>'
            + "".join(f'<dt><span class="kind">{_esc(k)}</span></dt><dd>{_esc(t)}</dd>' for k, t in kinds)
            + "</dl></section>"
        )
    head = (
        f"<h1>{_esc(doc.id)}</h1>"
        + site.notice_html(corpus_notices([doc]))
        + '<dl class="facts">' + "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in facts) + "</dl>"
        + legend
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
    return head


def _part_html(site: _Site, doc: Document, lo: float, hi: float, segs_by_turn: Mapping[int, list[Segment]],
               by_seg: Mapping[int, list[_Row]]) -> list[str]:
    """The turns of one part of a document (those starting in ``[lo, hi)``), in their sections."""
    out: list[str] = []
    section = None
    for turn in doc.turns:
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
        out.append(_turn_html(site, doc, turn, segs_by_turn.get(turn.index, ()), by_seg, doc.text))
    if section is not None:
        out.append("</section>")
    return out


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
    label = site.turn_labels.get(doc.id, {}).get(turn.index)
    kind = (f' <span class="kind" title="{_esc(label.title)}">{_esc(label.label)}</span>' if label else "")
    return (
        f'<div class="{cls}" id="t{turn.index}"><p class="who">{who}{kind} <span class="idx">turn {turn.index}</span></p>'
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
                 has_disagreements: bool, doc_stats: Mapping[str, tuple[int, int, int]],
                 cooccurrence_unit: str | None = None) -> list[tuple[str, str]]:
    counts = _counts(rows)
    codes = list(site.codebook.ids)
    table = _matrix_table(site, counts, matrix)
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
    documents = _documents_section(site, doc_stats, pages)
    n_coded = sum(1 for r in rows if r.status == "coded")
    intro = (
        "<h1>Coded transcripts: review</h1>"
        + site.notice_html(site.notices)
        + f'<p class="meta">{len(site.docs)} document(s), {len(site.cases)} case(s), {len(codes)} code(s), '
        f"{n_coded} coding(s) applied and {len(rows) - n_coded} excluded match(es). Code colours: the "
        f"codebook's, else {PALETTE_NAME} (colour-blind safe); codes after the ninth are hatched, after the "
        "eighteenth dotted, and every coding stripe also names its code.</p>"
        + ('<p><a href="disagreements.html">Where the analysts disagree</a></p>' if has_disagreements else "")
        + (f'<p><a href="cooccurrence.html">Which codes are coded together</a> (by {_esc(cooccurrence_unit)}), '
           "each pair with its sentences</p>" if cooccurrence_unit else "")
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




def _matrix_table(site: _Site, counts: Mapping[tuple[str, str], tuple[int, int]], matrix: pd.DataFrame | None) -> str:
    """The index's cases x codes table: the matrix given, else the coded sentences of each cell."""
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
    return table


def _documents_section(site: _Site, doc_stats: Mapping[str, tuple[int, int, int]],
                       pages: list[tuple[str, str]]) -> str:
    """The index's list of documents; for a big corpus, of cases, each case's documents on a page
    of its own (added to ``pages``)."""
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
    return documents


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
