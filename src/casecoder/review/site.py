"""What every page of the review site shares: code colours, file names, the page template.

:class:`_Site` holds the styles, the slugs of documents, codes and cases, where each document
is split into parts and where each coding row is shown; :mod:`.pages` renders the pages over
it and :mod:`.builder` writes them.
"""

from __future__ import annotations

import bisect
import hashlib
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from string import Template
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..provenance import TurnLabel, corpus_notices

if TYPE_CHECKING:  # pragma: no cover
    from ..codebook import Codebook
    from ..transcripts import Document

__all__ = ["FILLS", "MARKER", "PALETTE", "PALETTE_NAME", "PART_CHARS", "code_styles"]

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

#: A transcript longer than this (in characters) is split into pages at turn boundaries.
PART_CHARS = 400_000

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


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


# --------------------------------------------------------------------------------------------
# the site


class _Site:
    """Everything the pages share: styles, slugs, where each sentence is, the page template."""

    def __init__(self, rows: list[_Row], docs: Mapping[str, Document], codebook: Codebook,
                 turn_labels: Mapping[str, Mapping[int, TurnLabel]] | None = None):
        self.rows = rows
        self.docs = docs
        self.codebook = codebook
        # what the corpus says about its own making, passed on to every page that shows its text
        self.notices = corpus_notices(docs[d] for d in sorted(docs))
        self.turn_labels: Mapping[str, Mapping[int, TurnLabel]] = turn_labels or {}
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

    def notice_html(self, notices: Sequence[str]) -> str:
        """The notices as the first thing on a page (nothing for a corpus without one)."""
        return "".join(
            f'<div class="notice" role="note" aria-label="Notice"><p><strong>Notice.</strong> {_esc(n)}</p></div>'
            for n in notices
        )

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
