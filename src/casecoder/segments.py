"""Segments: the sentences of a document's turns, the unit casecoder codes and compares.

There is one definition of a sentence in casecoder, :func:`sentences`, and every stage that
needs one (the coder, overrides, agreement, the review site) calls it, so that analysts and the
machine are always compared on the same units.

A sentence ends after ``.``, ``!``, ``?`` or ``…`` (with any closing quotes or brackets) when
what follows is white space and then a capital letter, a digit or an opening quote or bracket;
a few common abbreviations (``e.g.``, ``Mr.``, ``U.S.``...) do not end a sentence. Sentences
never cross turns. Segmentation is pure Python regular expressions: fast, deterministic and
independent of any model.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Protocol, TypeVar

from .transcripts import Document, Turn

__all__ = ["Segment", "overlapping", "sentences", "split_sentences"]


@dataclass(frozen=True)
class Segment:
    """A sentence within a turn.

    Attributes
    ----------
    document : str
        The document id.
    turn : int
        The turn index in the document.
    index : int
        The sentence's index in the document (0-based, counting across turns).
    start, end : int
        Code points into ``Document.text``.
    text : str
        ``document.text[start:end]``.
    """

    document: str
    turn: int
    index: int
    start: int
    end: int
    text: str


_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs cf mr mrs ms dr prof st no approx dept govt inc ltd co u.s u.k a.m p.m".split()
)
# Candidate boundary: terminal punctuation, optional closers, white space, then an opener.
# (No capturing groups: they make ``re`` try every position the slow way. The parts are
# recovered by :func:`split_sentences`.)
_BOUNDARY = re.compile(r"""[.!?…]+["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9£$€])""")
_TERMINALS = ".!?…"


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentence spans ``(start, end)``, trimmed of white space.

    Parameters
    ----------
    text : str
        A turn's text.

    Returns
    -------
    list of (int, int)
        Non-overlapping spans in order; ``text[start:end]`` is never empty or padded.
    """
    spans: list[tuple[int, int]] = []
    # The first sentence starts at the first character that is not white space; every later
    # one starts where a boundary's white space ends (the look-ahead makes that a character).
    start = len(text) - len(text.lstrip())
    for m in _BOUNDARY.finditer(text, start):
        i = m.start()
        # The punctuation is a single "." (a match always starts at the first mark of a run).
        if text[i] == "." and text[i + 1] not in _TERMINALS:
            # The word before it: the run of word characters and dots ending at the ".". Only
            # words of up to 6 characters can be abbreviations, so look back 8 at most.
            j = i
            limit = max(0, i - 8)
            while j > limit and (text[j - 1].isalnum() or text[j - 1] in "._"):
                j -= 1
            if i - j <= 7:
                word = text[j:i].lower()
                # "e.g. Surrey", "U.S. cities", "Mr. X": an abbreviation, not a sentence end.
                if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                    continue
        end = m.end()
        # The sentence ends after the closers, where the white space starts; it holds at least
        # the punctuation, so it is never empty, and it needs no trimming.
        close = end - 1
        while text[close].isspace():
            close -= 1
        spans.append((start, close + 1))
        start = end
    # The last sentence: up to the last character that is not white space.
    end = len(text.rstrip())
    if start < end:
        spans.append((start, end))
    return spans


def turn_sentences(document_id: str, turn: Turn, first_index: int = 0) -> list[Segment]:
    """The sentences of one turn, numbered from ``first_index``."""
    return [
        Segment(document_id, turn.index, first_index + i, turn.start + s, turn.start + e, turn.text[s:e])
        for i, (s, e) in enumerate(split_sentences(turn.text))
    ]


def sentences(document: Document) -> tuple[Segment, ...]:
    """Return every sentence of ``document``, in order, numbered across the document.

    Examples
    --------
    >>> segs = sentences(doc)                      # doctest: +SKIP
    >>> doc.text[segs[0].start:segs[0].end] == segs[0].text   # doctest: +SKIP
    True
    """
    out: list[Segment] = []
    for turn in document.turns:
        out.extend(turn_sentences(document.id, turn, len(out)))
    return tuple(out)


class _Span(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


_S = TypeVar("_S", bound=_Span)


def overlapping(segments: Sequence[_S], start: int, end: int) -> list[_S]:
    """The segments that the span ``[start, end)`` of a document overlaps, in order.

    Parameters
    ----------
    segments : sequence of Segment
        One document's segments, sorted by ``start`` and not overlapping one another, as
        :func:`sentences` gives them (a document's turns will do too: anything with ``start``
        and ``end``).
    start, end : int
        Code points into ``Document.text``.

    Returns
    -------
    list of Segment
        Every segment with ``segment.start < end`` and ``segment.end > start``. An empty span
        (``end <= start``) counts for the segment it sits in: it is taken as
        ``[start, start + 1)``, so a point at a segment's first character belongs to it and a
        point in the white space between segments to none.

    Examples
    --------
    >>> [s.text for s in overlapping(sentences(doc), 10, 30)]  # doctest: +SKIP
    """
    stop = max(end, start + 1)
    # Of the segments that begin at or before ``start`` only the last can reach over it: the
    # earlier ones end where or before it begins.
    i = max(bisect_right(segments, start, key=attrgetter("start")) - 1, 0)
    out = []
    while i < len(segments) and segments[i].start < stop:
        if segments[i].end > start:
            out.append(segments[i])
        i += 1
    return out
