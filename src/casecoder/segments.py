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
from dataclasses import dataclass

# What a span covers is a question of positions; segments keeps the name its callers know.
from .positions import overlapping
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
