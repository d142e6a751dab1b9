"""Positions in a document's text: the one place casecoder answers "where".

Every offset counts code points into ``Document.text`` (see ``ARCHITECTURE.md``). This module
holds the rules every room shares about such offsets, so that each question has one answer:

- **finding a quote** (:func:`find_quote`): the W3C Web Annotation *TextQuoteSelector* way,
  tolerant of what an analyst cannot see or type reliably (every white-space run is one space,
  curly quotes are straight ones); overrides files, analyst codings, gold quotes, the review and
  the consensus all anchor with it. :func:`fold` and :func:`fold_text` are that folding;
  :func:`nearest_passages` finds what a quote that is not there was probably meant to be;
- **the turn at an offset** (:func:`turn_at`) and the turn a span belongs to
  (:func:`turn_of_span`, for spans that may fall between turns);
- **what a span covers** (:func:`overlapping`, :func:`containing`): the units (sentences,
  turns) a span falls on, with the one rule for an empty span;
- :class:`FrozenMap`, the immutable mapping frozen objects carry (metadata, settings);
- :func:`clip`, a passage shortened for a message.

It imports nothing else of casecoder, so any room may use it.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_right
from collections.abc import Sequence
from operator import attrgetter
from typing import Any, Literal, NoReturn, Protocol, TypeVar

__all__ = [
    "FrozenMap",
    "clip",
    "containing",
    "find_quote",
    "fold",
    "fold_text",
    "nearest_passages",
    "overlapping",
    "turn_at",
    "turn_of_span",
]


class FrozenMap(dict):  # type: ignore[type-arg]
    """A read-only, picklable dict for the metadata of frozen objects.

    ``types.MappingProxyType`` would be read-only too, but cannot be pickled, and documents
    travel to worker processes when coding with ``--jobs``.

    Examples
    --------
    >>> m = FrozenMap({"council_type": "unitary"})
    >>> m["council_type"]
    'unitary'
    >>> m["case"] = "x"
    Traceback (most recent call last):
    ...
    TypeError: metadata is read-only
    >>> import pickle; pickle.loads(pickle.dumps(m)) == m
    True
    """

    def _readonly(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Refuse the change: metadata of a read document is read-only."""
        raise TypeError("metadata is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _readonly  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        # Equal maps have equal keys, so this agrees with ==; values may be unhashable.
        return hash(frozenset(self))


# --------------------------------------------------------------------------------------------
# finding a quote

# Typographic quotes an analyst may type straight (or the reverse); folding keeps lengths equal,
# so offsets in the folded text map one to one back to the original.
_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                       "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"'})
_WS = re.compile(r"\s+")


def fold(text: str) -> tuple[str, list[int]]:
    """Collapse white-space runs to one space and fold curly quotes, keeping the way back.

    Parameters
    ----------
    text : str

    Returns
    -------
    folded : str
        The folded text.
    where : list of int
        For each character of ``folded``, the index in ``text`` it stands for, so a match in
        the folded text maps back to code points of the original.

    Examples
    --------
    >>> fold("a \\n b\u2019s")
    ("a b's", [0, 1, 4, 5, 6])
    """
    out: list[str] = []
    where: list[int] = []
    pos = 0
    for m in _WS.finditer(text):
        out.append(text[pos:m.start()])
        where.extend(range(pos, m.start()))
        out.append(" ")
        where.append(m.start())
        pos = m.end()
    out.append(text[pos:])
    where.extend(range(pos, len(text)))
    return "".join(out).translate(_FOLD), where


def fold_text(text: str) -> str:
    """``text`` folded as :func:`find_quote` compares it, and stripped.

    Examples
    --------
    >>> fold_text("  \u201cEarly   Help\u201d\\n")
    '"Early Help"'
    """
    return _WS.sub(" ", text).translate(_FOLD).strip()


def find_quote(text: str, quote: str, prefix: str = "", suffix: str = "") -> list[tuple[int, int]]:
    """Find ``quote`` in ``text`` as a TextQuoteSelector would, tolerant of white space.

    Parameters
    ----------
    text : str
        The document text.
    quote : str
        The passage's words; runs of white space and curly/straight quotes need not match.
    prefix, suffix : str, optional
        Words just before / after the passage. Used only to choose among several places: if
        the quote occurs once, that place is returned whatever its context.

    Returns
    -------
    list of (int, int)
        ``(start, end)`` code points of each place that fits, in text order: one element for a
        good anchor, none for a stale one, several for an ambiguous one.

    Examples
    --------
    >>> find_quote("We took a\\n  leap of faith.", "took a leap")
    [(3, 16)]
    >>> find_quote("a leap, a leap", "a leap", prefix="leap,")
    [(8, 14)]
    """
    q = fold_text(quote)
    if not q:
        return []
    folded, where = fold(text)
    places: list[tuple[int, int]] = []
    i = folded.find(q)
    while i >= 0:
        places.append((i, i + len(q)))
        i = folded.find(q, i + 1)
    if len(places) > 1 and (prefix.strip() or suffix.strip()):
        p, s = fold_text(prefix), fold_text(suffix)
        places = [
            (a, b) for a, b in places
            if (not p or folded[:a].rstrip().endswith(p)) and (not s or folded[b:].lstrip().startswith(s))
        ]
    return [(where[a], where[b - 1] + 1) for a, b in places]


class _Passage(Protocol):
    @property
    def text(self) -> str: ...


_P = TypeVar("_P", bound=_Passage)


def nearest_passages(passages: Sequence[_P], quote: str, limit: int = 3) -> list[_P]:
    """The passages most like ``quote``, best first (ties in the given order), for a message.

    A passage scores by how much of the quote it holds in order (difflib's matching blocks)
    averaged with difflib's similarity ratio, so that a clause cut from a longer sentence still
    finds its sentence. Passages scoring under 0.4 are left out.

    Parameters
    ----------
    passages : sequence of objects with ``text``
        Usually a document's sentences (:func:`casecoder.segments.sentences`).
    quote : str
    limit : int

    Examples
    --------
    >>> from types import SimpleNamespace as P
    >>> [p.text for p in nearest_passages([P(text="We met."), P(text="We took a leap.")], "took a lep")]
    ['We took a leap.']
    """
    q = fold_text(quote)
    if not q:
        return []
    scored = []
    for i, passage in enumerate(passages):
        s = fold_text(passage.text)
        sm = difflib.SequenceMatcher(None, q, s, autojunk=False)
        covered = sum(b.size for b in sm.get_matching_blocks()) / len(q)
        score = (covered + sm.ratio()) / 2
        if score >= 0.4:
            scored.append((-score, i, passage))
    scored.sort(key=lambda t: (t[0], t[1]))
    return [p for _, _, p in scored[:limit]]


def clip(text: str, n: int = 90) -> str:
    """``text`` on one line (white space collapsed), cut to ``n`` characters with ``…``.

    Examples
    --------
    >>> clip("We took\\n a leap of faith", 12)
    'We took a l…'
    """
    text = _WS.sub(" ", text).strip()
    return text if len(text) <= n else text[: n - 1] + "…"


# --------------------------------------------------------------------------------------------
# turns and units


class _Span(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


_S = TypeVar("_S", bound=_Span)


def turn_at(turns: Sequence[_S], pos: int) -> _S | None:
    """The turn holding the code point at ``pos`` (``start <= pos < end``), or None.

    Parameters
    ----------
    turns : sequence of Turn
        A document's turns, in order (anything with ``start`` and ``end`` will do).
    pos : int

    Examples
    --------
    >>> from types import SimpleNamespace as T
    >>> turns = [T(start=0, end=5), T(start=7, end=9)]
    >>> turn_at(turns, 4) is turns[0], turn_at(turns, 5), turn_at(turns, 8) is turns[1]
    (True, None, True)
    """
    i = bisect_right(turns, pos, key=attrgetter("start")) - 1
    return turns[i] if i >= 0 and pos < turns[i].end else None


def turn_of_span(turns: Sequence[_S], start: int, end: int) -> _S | None:
    """The turn a span belongs to: the one it starts in, else (a span starting between turns)
    the next one it reaches; an empty span at a turn's very end belongs to that turn.

    Examples
    --------
    >>> from types import SimpleNamespace as T
    >>> turns = [T(start=0, end=5), T(start=7, end=9)]
    >>> [turn_of_span(turns, *s) in (None, turns[1]) for s in [(6, 8), (5, 5), (5, 6)]]
    [True, False, True]
    """
    i = bisect_right(turns, start, key=attrgetter("start")) - 1
    if i >= 0 and start < turns[i].end:
        return turns[i]
    if i + 1 < len(turns) and turns[i + 1].start < end:
        return turns[i + 1]
    return turns[i] if i >= 0 and start <= turns[i].end and start == end else None


def overlapping(segments: Sequence[_S], start: int, end: int, *,
                empty: Literal["point", "inside"] = "point") -> list[_S]:
    """The segments that the span ``[start, end)`` of a document overlaps, in order.

    Parameters
    ----------
    segments : sequence of Segment
        One document's segments, sorted by ``start`` and not overlapping one another, as
        :func:`casecoder.segments.sentences` gives them (a document's turns will do too:
        anything with ``start`` and ``end``).
    start, end : int
        Code points into ``Document.text``.
    empty : {"point", "inside"}
        What an empty span (``end <= start``) covers. ``"point"`` (the default, the rule of
        agreement, evaluation and the review): it is taken as ``[start, start + 1)``, so a point
        at a segment's first character belongs to it and a point in the white space between
        segments to none. ``"inside"`` (the rule overrides keep): only a segment it falls
        strictly inside.

    Returns
    -------
    list of Segment
        Every segment with ``segment.start < end`` and ``segment.end > start``.

    Examples
    --------
    >>> from types import SimpleNamespace as S
    >>> segs = [S(start=0, end=5), S(start=6, end=9)]
    >>> [segs.index(s) for s in overlapping(segs, 4, 7)]
    [0, 1]
    >>> [segs.index(s) for s in overlapping(segs, 6, 6)], overlapping(segs, 6, 6, empty="inside")
    ([1], [])
    """
    stop = max(end, start + 1) if empty == "point" else end
    # Of the segments that begin at or before ``start`` only the last can reach over it: the
    # earlier ones end where or before it begins.
    i = max(bisect_right(segments, start, key=attrgetter("start")) - 1, 0)
    out = []
    while i < len(segments) and segments[i].start < stop:
        if segments[i].end > start:
            out.append(segments[i])
        i += 1
    return out


def containing(segments: Sequence[_S], start: int, end: int) -> _S | None:
    """The first segment that holds the whole span ``[start, end)``, or None (a span across
    segments, or outside them).

    Examples
    --------
    >>> from types import SimpleNamespace as S
    >>> segs = [S(start=0, end=5), S(start=6, end=9)]
    >>> containing(segs, 6, 9) is segs[1], containing(segs, 4, 7)
    (True, None)
    """
    return next((s for s in segments if s.start <= start and end <= s.end), None)
