"""The shapes a transcript is read into: :class:`Turn`, :class:`Document`, and the reader's
constants (file types, interviewer labels, the default case key)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import CasecoderWarning
from ..positions import FrozenMap

#: Word writes ``~$name.docx`` beside a document while it is open: a lock file, never a transcript.
LOCK_PREFIX = "~$"
#: File types the reader understands.
SUFFIXES: tuple[str, ...] = (".txt", ".md", ".docx", ".vtt")
#: Speaker labels (lower case) that mark the interviewer's turns.
INTERVIEWER_LABELS: frozenset[str] = frozenset(
    {"interviewer", "q", "i", "int", "moderator", "facilitator", "question", "researcher"}
)
CASES_FILE = "cases.csv"
#: The front-matter key naming a document's case when neither the caller nor the codebook's
#: ``settings.case_key`` names one: ``case: <name>``, a word of no study in particular (a study
#: of councils sets ``case_key: council`` in its codebook). This is the one place the default is
#: written; everything else asks :attr:`casecoder.codebook.Codebook.case_key` or takes the key
#: as a parameter.
DEFAULT_CASE_KEY = "case"


class TranscriptWarning(CasecoderWarning):
    """A transcript was read, but something about it deserves the analyst's attention."""


@dataclass(frozen=True)
class Turn:
    """One speaker's contribution: a paragraph of a transcript, or merged subtitle cues.

    Attributes
    ----------
    index : int
        0-based position among the document's turns.
    speaker : str
        The speaker label as written (``"Chief Executive"``), ``""`` if unknown.
    section : str
        The heading the turn falls under, ``""`` before the first heading.
    start, end : int
        Code points into ``Document.text``; ``text == document.text[start:end]``.
    text : str
        The turn's words, without speaker label or leading timestamp.
    interviewer : bool
        True when the speaker label is one of :data:`INTERVIEWER_LABELS`.
    metadata : Mapping[str, str]
        E.g. ``{"timestamp": "00:12:34"}`` or, for WebVTT, ``cue_start``/``cue_end``.
    """

    index: int
    speaker: str
    section: str
    start: int
    end: int
    text: str
    interviewer: bool = False
    metadata: Mapping[str, str] = field(default_factory=lambda: FrozenMap({}))


@dataclass(frozen=True)
class Document:
    """One transcript, read and validated.

    Attributes
    ----------
    id : str
        The file name without its suffix; unique within a corpus.
    path : str
        Where it was read from.
    text : str
        The normalised text every offset points into.
    case : str
        The case (e.g. council) the document belongs to.
    metadata : Mapping[str, Any]
        Front matter merged with the case's attributes from ``cases.csv``.
    turns : tuple of Turn
        In document order.
    """

    id: str
    path: str
    text: str
    case: str
    metadata: Mapping[str, Any]
    turns: tuple[Turn, ...]

    @property
    def sections(self) -> tuple[str, ...]:
        """The section headings in order of first appearance."""
        return tuple(dict.fromkeys(t.section for t in self.turns))
