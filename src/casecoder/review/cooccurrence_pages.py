"""The review site's co-occurrence pages: which codes are coded together, and on what words.

``cooccurrence.html`` shows the codes × codes table of :func:`casecoder.cooccurrence.cooccurrence`
at one unit (the number of units coded with both codes, shaded by the Jaccard index); every
non-empty cell links to ``pairs/<code>--<code>.html``, which lists, unit by unit, the sentences
of either code in the units the pair shares, each linked to its place in the transcript. A
diagonal cell (the units coded with the code) links to the code's page.
"""

from __future__ import annotations

import bisect
import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..cooccurrence import Cooccurrence

__all__ = ["SHADES", "UNITS_PER_PAIR", "cooccurrence_pages", "pair_file"]

#: At most this many units of one pair are listed on its page (the rest are counted).
UNITS_PER_PAIR = 400
#: Upper bounds of the Jaccard shades j1..j5 (j0: never together), for the table and its legend.
SHADES: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4, 1.0)


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _shade(jaccard: float, both: int) -> int:
    if both == 0:
        return 0
    return 1 + bisect.bisect_left(SHADES, jaccard)


def pair_file(site: Any, a: str, b: str) -> str:
    """The file (within the site) of the page of codes ``a`` and ``b`` (in codebook order)."""
    return f"pairs/{site.code_slug[a]}--{site.code_slug[b]}.html"


def cooccurrence_pages(site: Any, co: Cooccurrence, sentence_starts: Mapping[str, Sequence[int]]) -> list[tuple[str, str]]:
    """The co-occurrence table page and one page per pair of codes coded together.

    Parameters
    ----------
    site : review site
        Slugs, labels, swatches and the page template (:mod:`casecoder.review`).
    co : Cooccurrence
        The codes counted together at one unit, over the site's codings.
    sentence_starts : mapping
        Document id -> the start offsets of its sentences, to link a span that is not a whole
        sentence (``segment == -1``) to the sentence it starts in.

    Returns
    -------
    list of (str, str)
        (file name within the site, HTML), the table first.
    """
    pages = [("cooccurrence.html", _table_page(site, co))]
    segments = co.segments
    for (a, b), rows in segments.groupby(["code_a", "code_b"], sort=False):
        pages.append((pair_file(site, a, b), _pair_page(site, co, a, b, rows, sentence_starts)))
    return pages


def _table_page(site: Any, co: Cooccurrence) -> str:
    codes = list(co.counts.index)
    unit = co.unit
    head = "".join(
        f'<th scope="col" class="code">{site.swatch(c)}<a href="codes/{site.code_slug[c]}.html" title="{_esc(c)}">'
        f"{i + 1}</a></th>" for i, c in enumerate(codes))
    body = []
    for i, a in enumerate(codes):
        cells = []
        for j, b in enumerate(codes):
            n = int(co.counts.iat[i, j])
            if i == j:
                cells.append(f'<td class="diag"><a href="codes/{site.code_slug[a]}.html" '
                             f'title="{_esc(site.code_label(a))}: {n} {unit}(s)">{n}</a></td>' if n else '<td class="diag"></td>')
                continue
            jac = float(co.jaccard.iat[i, j]) if n else 0.0
            if not n:
                cells.append("<td></td>")
                continue
            first, second = (a, b) if i < j else (b, a)
            label = (f"{site.code_label(a)} and {site.code_label(b)}: {n} {unit}(s) coded with both, "
                     f"Jaccard {jac:.2f}")
            cells.append(f'<td class="j{_shade(jac, n)}"><a href="{pair_file(site, first, second)}" '
                         f'title="{_esc(label)}" aria-label="{_esc(label)}">{n}</a></td>')
        body.append(f'<tr><th scope="row">{site.swatch(a)}{i + 1}. {_esc(site.code_label(a))}</th>{"".join(cells)}</tr>')
    legend = "".join(
        f'<li><span class="j{k + 1} key" aria-hidden="true"></span> up to {hi:g}</li>' for k, hi in enumerate(SHADES))
    together = int((co.pairs["both"] > 0).sum())
    text = (
        f"<h1>Codes coded together, by {_esc(unit)}</h1>"
        f'<p class="meta">{co.n_units} {_esc(unit)}(s) hold a coded sentence; {together} of {len(co.pairs)} pairs of '
        f"codes share at least one. A cell is the number of {_esc(unit)}s coded with both codes and links to their "
        f"sentences; its shade is the Jaccard index ({_esc(unit)}s with both / {_esc(unit)}s with either). The "
        f"diagonal is the number of {_esc(unit)}s coded with the code. Only coded sentences count "
        "(<code>casecoder cooccurrence</code> writes the same numbers as tables and a heatmap).</p>"
        f'<div class="scroll"><table class="matrix cooc"><caption>Codes \u00d7 codes, {_esc(unit)}s coded with both'
        f'</caption><thead><tr><th scope="col">Code</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
        f'<p>Jaccard index:</p><ul class="shades">{legend}</ul>'
    )
    return site.page(title="Codes coded together \u2013 casecoder review", root="", kind="cooccurrence", body=text)


def _pair_page(site: Any, co: Cooccurrence, a: str, b: str, rows: Any, sentence_starts: Mapping[str, Sequence[int]]) -> str:
    pair = co.pairs[(co.pairs["code_a"] == a) & (co.pairs["code_b"] == b)].iloc[0]
    units = list(dict.fromkeys(rows["unit"]))
    shown = units[:UNITS_PER_PAIR]
    by_unit = {u: g for u, g in rows[rows["unit"].isin(shown)].groupby("unit", sort=False)}
    items = []
    for u in shown:
        quotes = []
        for r in by_unit[u].itertuples(index=False):
            starts = sentence_starts.get(r.document, ())
            sentence = r.segment if r.segment >= 0 else (bisect.bisect_right(starts, r.start) - 1 if starts else None)
            href = site.sentence_href(r.document, r.start, sentence)
            quotes.append(
                f'<li class="k{site.styles[r.code][0]}"><blockquote>{_esc(r.text)}</blockquote><p class="src">'
                f'{site.swatch(r.code)}<code>{_esc(r.code)}</code> \u2014 <a href="../{href}">'
                f"{_esc(r.document)}, turn {int(r.turn)}</a> ({_esc(r.sources)})</p></li>")
        items.append(f'<section><h2>{_esc(u)}</h2><ol class="ev">{"".join(quotes)}</ol></section>')
    more = (f'<p class="note">\u2026 and {len(units) - len(shown)} more {_esc(co.unit)}(s), not listed here '
            "(<code>casecoder cooccurrence</code> writes every one).</p>") if len(units) > len(shown) else ""
    body = (
        f"<h1>{site.swatch(a)}{_esc(site.code_label(a))} and {site.swatch(b)}{_esc(site.code_label(b))}</h1>"
        f'<p class="meta">{int(pair["both"])} {_esc(co.unit)}(s) coded with both (of {int(pair["units_a"])} with '
        f'<code>{_esc(a)}</code> and {int(pair["units_b"])} with <code>{_esc(b)}</code>; Jaccard '
        f'{float(pair["jaccard"]):.2f}). Each {_esc(co.unit)} lists its sentences of either code.</p>'
        f'<p><a href="../cooccurrence.html">Back to the table</a></p>' + "".join(items) + more
    )
    return site.page(title=f"{site.code_label(a)} and {site.code_label(b)} \u2013 casecoder review", root="../",
                     kind="pair", body=body)
