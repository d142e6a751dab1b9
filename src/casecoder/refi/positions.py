"""Text positions in REFI-QDA files: the conventions tools count in, and converting them.

The specification counts Unicode code points from 0, end exclusive. Some tools count UTF-16
code units (an emoji is two) or count a CRLF line break as two characters. On import the
convention is detected per file from the selections' quoted text where tools give it (the
``name`` attribute), else from how many spans fall on word boundaries, with the ``origin`` as
a tie-break, and every position is converted into code points of the normalised text (BOM
removed, CRLF/CR turned into LF) that the rest of casecoder uses. Export writes code points of
the normalised text, as the specification says.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["CONVENTIONS", "Convention", "ConventionScore"]


@dataclass(frozen=True)
class Convention:
    """How a tool counts text positions.

    Attributes
    ----------
    name : str
        ``codepoints`` (the specification, on the LF-normalised text), ``codepoints-crlf``
        (code points of the file as stored, a CRLF counting two), ``utf16`` (UTF-16 code
        units, a character beyond the Basic Multilingual Plane counting two) or
        ``utf16-crlf`` (both).
    utf16 : bool
        Characters beyond U+FFFF count as two units.
    crlf_as_two : bool
        A CRLF line break in the source file counts as two units.
    """

    name: str
    utf16: bool
    crlf_as_two: bool


#: The conventions import can detect, in order of preference when the evidence ties.
CONVENTIONS: tuple[Convention, ...] = (
    Convention("codepoints", False, False),
    Convention("codepoints-crlf", False, True),
    Convention("utf16", True, False),
    Convention("utf16-crlf", True, True),
)
_CONVENTION = {c.name: c for c in CONVENTIONS}
#: Tools whose convention has been seen in files they wrote (see docs/REFI.md): a tie-break.
_ORIGIN_PRIORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"nvivo.*windows", re.I), "utf16-crlf"),
    # casecoder names a UTF-16 export in its origin ("casecoder 0.1.0; positions utf16")
    (re.compile(r"^casecoder\b.*positions utf16", re.I), "utf16"),
    (re.compile(r"^casecoder\b", re.I), "codepoints"),
)


@dataclass(frozen=True)
class ConventionScore:
    """The evidence for one position convention over a whole file.

    Attributes
    ----------
    convention : str
        A :data:`CONVENTIONS` name.
    selections : int
        Text selections whose source text is available.
    invalid : int
        Selections that fall outside the text or inside a character under this convention.
    quotes : int
        Selections whose ``name`` equals (or, when truncated with an ellipsis, begins) the
        text the convention points at.
    boundaries : int
        Selections whose start and end both fall on word boundaries.
    """

    convention: str
    selections: int
    invalid: int
    quotes: int
    boundaries: int


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class _Text:
    """A source text and the unit offsets of each character under every convention."""

    def __init__(self, stored: str):
        self.stored = stored
        crlf: list[int] = []  # indices in the normalised text of line breaks stored as CRLF
        parts: list[str] = []
        pos = shift = 0
        for m in re.finditer(r"\r\n?", stored):
            parts.append(stored[pos : m.start()])
            if m.group() == "\r\n":
                crlf.append(m.start() - shift)
                shift += 1
            parts.append("\n")
            pos = m.end()
        parts.append(stored[pos:])
        self.text = "".join(parts)
        n = len(self.text)
        cps = np.frombuffer(self.text.encode("utf-32-le"), dtype=np.uint32) if n else np.zeros(0, np.uint32)
        self.astral = cps > 0xFFFF
        self.crlf = np.zeros(n, dtype=bool)
        if crlf:
            self.crlf[np.asarray(crlf, dtype=np.int64)] = True
        self.has_crlf = bool(crlf)
        self.has_astral = bool(self.astral.any())
        self._offsets: dict[str, np.ndarray] = {}

    def offsets(self, conv: Convention) -> np.ndarray:
        """Unit offset of every character boundary (length ``len(text) + 1``)."""
        if conv.name not in self._offsets:
            widths = np.ones(len(self.text), dtype=np.int64)
            if conv.utf16:
                widths += self.astral
            if conv.crlf_as_two:
                widths += self.crlf
            self._offsets[conv.name] = np.concatenate(([0], np.cumsum(widths)))
        return self._offsets[conv.name]

    def to_index(self, conv: Convention, unit: int) -> int | None:
        """The character index at ``unit`` units, or None if it falls outside or inside a char."""
        offs = self.offsets(conv)
        if unit < 0 or unit > offs[-1]:
            return None
        i = int(np.searchsorted(offs, unit))
        return i if offs[i] == unit else None

    def length(self, conv: Convention) -> int:
        return int(self.offsets(conv)[-1])


def _collapse(s: str) -> str:
    return " ".join(unicodedata.normalize("NFC", s).split())


def _quote_matches(quote: str, span: str) -> bool:
    """Whether a selection's ``name`` quotes ``span`` (tools truncate long quotes with '…')."""
    q = _collapse(quote)
    if not q:
        return False
    s = _collapse(span)
    for ellipsis in ("…", "..."):
        if q.endswith(ellipsis) and len(q) > len(ellipsis):
            head = q[: -len(ellipsis)].rstrip()
            return bool(head) and s.startswith(head)
    return s == q


def _on_boundaries(text: str, start: int, end: int) -> bool:
    def boundary(i: int) -> bool:
        return i <= 0 or i >= len(text) or not (_is_word_char(text[i - 1]) and _is_word_char(text[i]))

    return boundary(start) and boundary(end)


@dataclass
class _Sel:
    element: ET.Element
    guid: str
    source: str  # source guid
    source_name: str
    start: int
    end: int
    name: str


def _detect(sels: Sequence[_Sel], texts: Mapping[str, _Text], origin: str) -> tuple[Convention, str, tuple[ConventionScore, ...]]:
    """Choose the convention that best explains the selections, and say why."""
    scores: list[ConventionScore] = []
    spans: dict[str, list[tuple[int, int] | None]] = {}
    for conv in CONVENTIONS:
        invalid = quotes = bounds = 0
        placed: list[tuple[int, int] | None] = []
        for s in sels:
            t = texts[s.source]
            a, b = t.to_index(conv, s.start), t.to_index(conv, s.end)
            if a is None or b is None or a > b:
                invalid += 1
                placed.append(None)
                continue
            placed.append((a, b))
            if s.name and _quote_matches(s.name, t.text[a:b]):
                quotes += 1
            # An empty selection says nothing about where words start and end: counting it
            # would let a shifted convention win on a span that merely lands between words.
            if a < b and _on_boundaries(t.text, a, b):
                bounds += 1
        spans[conv.name] = placed
        scores.append(ConventionScore(conv.name, len(sels), invalid, quotes, bounds))
    prior = next((name for rx, name in _ORIGIN_PRIORS if rx.search(origin or "")), None)
    order = {c.name: i for i, c in enumerate(CONVENTIONS)}

    def key(sc: ConventionScore) -> tuple[int, ...]:
        return (-sc.invalid, sc.quotes, sc.boundaries, int(sc.convention == prior), -order[sc.convention])

    best = max(scores, key=key)
    if not sels:
        return CONVENTIONS[0], "no text selections to place; the specification's codepoints reported", tuple(scores)
    ties = [s.convention for s in scores if key(s)[:3] == key(best)[:3]]
    if prior == best.convention and len(ties) > 1:
        taken = f"the origin '{origin}' is known to count as {best.convention}"
    elif best.convention == CONVENTIONS[0].name:
        taken = "the specification's convention (codepoints) taken"
    else:
        taken = f"{best.convention} taken as the first of them in the order {', '.join(order)}"
    if all(spans[c.name] == spans[best.convention] for c in CONVENTIONS):
        has_crlf = any(t.has_crlf for t in texts.values())
        has_astral = any(t.has_astral for t in texts.values())
        why = "every convention places these selections alike"
        if not has_crlf and not has_astral:
            why += " (no CRLF and no character beyond U+FFFF in the texts)"
        return _CONVENTION[best.convention], f"{why}; {taken}", tuple(scores)
    if len(ties) == 1:
        why = (f"quoted text matched {best.quotes} of {best.selections} selections" if best.quotes else
               f"{best.boundaries} of {best.selections} selections fall on word boundaries")
    else:
        alike = all(spans[n] == spans[best.convention] for n in ties)
        why = (f"{' and '.join(ties)} tie ({best.quotes} quotes matched, {best.boundaries} of {best.selections} "
               f"on word boundaries{', placing every selection alike' if alike else ''}); {taken}")
    runner = sorted((s for s in scores if s.convention != best.convention), key=key, reverse=True)[0]
    why += f"; next best {runner.convention}: {runner.quotes} quotes, {runner.boundaries} on boundaries, {runner.invalid} invalid"
    return _CONVENTION[best.convention], why, tuple(scores)
