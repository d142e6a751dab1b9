"""An analyst's review session: correct the machine on the page, one override at a time.

A :class:`ReviewSession` holds the codings, the transcripts, the codebook and one analyst's
overrides file. :meth:`ReviewSession.correct` takes one correction as the review page sends it
(a plain mapping, e.g. decoded JSON), checks all of it, writes it to the analyst's file with
:func:`casecoder.overrides.add_override` (the one writer of overrides files: atomic, comments and
layout kept, read back before it replaces the file) and applies that file again to the
document, in memory, so that the document's page can be shown corrected at once.

The actions, each written as an ordinary overrides entry anchored by its quote:

=========  ================================================================================
confirm    the analyst agrees with a machine coding: an ``add`` entry of the same code, so
           the passage gets a manual coding beside the machine's (it survives a change of the
           coder's patterns)
remove     a machine coding is wrong: a ``remove`` entry (the coding becomes ``excluded``,
           reason ``removed_by:<analyst>``)
add        a code the machine missed, on a sentence or on words selected within one
=========  ================================================================================

Every action needs a note (the reason, in the code frame's terms). Nothing is written unless
every check passes: the action, the document, the code, the note, that the quoted words are
still at that place of the transcript (the page may be older than the transcript), and for
``confirm``/``remove`` that a machine coding of the code is there to confirm or remove.
"""

from __future__ import annotations

import difflib
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import OverridesError, Problem, ReviewError, problem
from ..overrides import OverrideEntry, Overrides, add_override, apply_overrides, load_overrides, resolve_overrides
from ..positions import find_quote
from ..schema import validate_codings
from ..segments import sentences

if TYPE_CHECKING:  # pragma: no cover
    from ..codebook import Codebook
    from ..segments import Segment
    from ..transcripts import Document

__all__ = ["SESSION_ACTIONS", "Correction", "ReviewSession"]

#: What an analyst can do to a passage from the page.
SESSION_ACTIONS: tuple[str, ...] = ("confirm", "remove", "add")
_ENTRY_ACTION = {"confirm": "add", "remove": "remove", "add": "add"}
#: The fields a correction may carry, and their types.
_FIELDS: dict[str, type] = {"action": str, "document": str, "code": str, "note": str, "quote": str,
                            "sentence": int, "offset": int}


@dataclass(frozen=True)
class Correction:
    """A correction written to the analyst's file and applied.

    Attributes
    ----------
    action : {"confirm", "remove", "add"}
    entry : OverrideEntry
        The entry as written, with its line in the file.
    path : str
        The overrides file.
    analyst : str
    start, end : int
        The passage, in code points into the document text.
    pages : tuple of (str, str)
        The document's pages, corrected: (file name within the site, HTML).
    """

    action: str
    entry: OverrideEntry
    path: str
    analyst: str
    start: int
    end: int
    pages: tuple[tuple[str, str], ...]

    @property
    def message(self) -> str:
        """One line for the page: what was written where."""
        verb = {"confirm": "confirmed", "remove": "removed", "add": "added"}[self.action]
        return (f"{self.analyst} {verb} {self.entry.code} on \u201c{_clip(self.entry.quote)}\u201d: "
                f"{Path(self.path).name}, line {self.entry.line}")


def _clip(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "\u2026"


class ReviewSession:
    """The state of one analyst's review: codings as given, their overrides file, applied.

    Parameters
    ----------
    codings : DataFrame
        The codings table the site shows (e.g. the coder's output).
    documents : sequence of Document
        The transcripts the codings were made from.
    codebook : Codebook
    overrides_path : path
        The analyst's overrides file; created at the first correction if missing. Entries
        already in it are applied to ``codings`` at once.
    analyst : str, optional
        Whose corrections; required for a new file, and must match an existing file's.

    Raises
    ------
    OverridesError
        The existing file is invalid, belongs to another analyst (E413), or an entry does not
        resolve; no analyst for a new file (E414).

    Examples
    --------
    >>> s = ReviewSession(codings, docs, book, "overrides/alice.yaml", analyst="alice")  # doctest: +SKIP
    >>> s.correct({"action": "remove", "document": "oldham", "sentence": 4,  # doctest: +SKIP
    ...            "quote": "We built a joint venture.", "code": "partnerships", "note": "a contract"})
    """

    def __init__(
        self,
        codings: pd.DataFrame,
        documents: Sequence[Document],
        codebook: Codebook,
        overrides_path: str | os.PathLike[str],
        *,
        analyst: str | None = None,
    ) -> None:
        self.codebook = codebook
        self.documents = list(documents)
        self.docs = {d.id: d for d in self.documents}
        self.path = Path(overrides_path)
        self._base = validate_codings(codings, codebook=codebook)
        self._segments: dict[str, tuple[Segment, ...]] = {}
        # One correction at a time: each reads the file, appends and renames, and the server
        # answers requests on several threads.
        self._lock = threading.Lock()
        if self.path.exists():
            current = load_overrides(self.path, codebook=codebook)
            if analyst and analyst.strip() and analyst.strip() != current.analyst:
                raise OverridesError(problem("E413", path=self.path, field="analyst", found=current.analyst,
                                             analyst=analyst.strip()))
            self.analyst = current.analyst
            self._codings = apply_overrides(self._base, self.docs, [current], codebook) if current.entries else self._base
        else:
            if not analyst or not analyst.strip():
                raise OverridesError(problem("E414", path=self.path, field="analyst"))
            self.analyst = analyst.strip()
            self._codings = self._base

    @property
    def codings(self) -> pd.DataFrame:
        """The codings with every correction of the session's file applied."""
        return self._codings

    def segments(self, doc_id: str) -> tuple[Segment, ...]:
        """The sentences of a document (computed once)."""
        if doc_id not in self._segments:
            self._segments[doc_id] = sentences(self.docs[doc_id])
        return self._segments[doc_id]

    # ----------------------------------------------------------------------------------------
    def correct(self, request: Mapping[str, Any]) -> Correction:
        """Check one correction, write it to the analyst's file and apply it.

        Parameters
        ----------
        request : mapping
            ``action`` (confirm, remove, add), ``document``, ``sentence`` (its index in the
            document), ``quote`` (the sentence's words, or words selected within it),
            ``offset`` (where the quote starts within the sentence; 0 by default), ``code``
            and ``note``.

        Returns
        -------
        Correction
            The entry written (with its line) and the document's pages, corrected.

        Raises
        ------
        ReviewError
            Every problem of the request, at once: a field missing or of the wrong type (E808),
            an unknown action (E809), the words not at that place of the transcript (E810), no
            machine coding to confirm or remove (E811).
        OverridesError
            An unknown document (E408) or code (E407), an empty note (E411), an anchor that
            does not resolve (E409, E410), the same entry already in the file (E415).
            Nothing is written when anything is raised.
        """
        with self._lock:
            action, entry, start, end = self._check(request)
            written = add_override(self.path, entry, self.docs, analyst=self.analyst, codebook=self.codebook)
            self._apply(entry.document)
            pages = tuple(self.document_pages(entry.document))
            return Correction(action, written.entry, str(self.path), written.analyst, start, end, pages)

    def _check(self, request: Mapping[str, Any]) -> tuple[str, OverrideEntry, int, int]:
        problems: list[Problem] = []
        values: dict[str, Any] = {}
        for name, kind in _FIELDS.items():
            value = request.get(name, 0 if name == "offset" else None)
            if value is None or isinstance(value, bool) or not isinstance(value, kind):
                problems.append(problem("E808", field=name, expected="a whole number" if kind is int else "text",
                                        found="nothing" if value is None else type(value).__name__))
            else:
                values[name] = value
        action = values.get("action")
        if action is not None and action not in SESSION_ACTIONS:
            problems.append(problem("E809", field="action", found=action, choices=", ".join(SESSION_ACTIONS)))
        doc_id = values.get("document")
        if doc_id is not None and doc_id not in self.docs:
            near = difflib.get_close_matches(doc_id, list(self.docs), n=3, cutoff=0.5)
            problems.append(problem("E408", field="document", document=doc_id, count=len(self.docs),
                                    nearest=f" (did you mean {', '.join(map(repr, near))}?)" if near else ""))
        code = values.get("code")
        if code is not None and code not in self.codebook.ids:
            problems.append(problem("E407", field="code", code_id=code, known=", ".join(self.codebook.ids)))
        if "note" in values and not values["note"].strip():
            problems.append(problem("E411", field="note"))
        if problems:
            raise ReviewError(problems)
        doc = self.docs[doc_id]
        start, end = self._place(doc, values["sentence"], values["offset"], values["quote"])
        quote = doc.text[start:end]
        # Prefix and suffix only when the words occur more than once: a unique quote needs none.
        prefix = suffix = ""
        if len(find_quote(doc.text, quote)) > 1:
            from .pages import _context  # the words around a quote, as the static page offers them

            prefix, suffix = _context(doc.text, start, end)
        entry = OverrideEntry(_ENTRY_ACTION[action], doc_id, code, quote, values["note"].strip(), prefix, suffix)
        resolved = resolve_overrides(Overrides(self.analyst, str(self.path), (entry,)), self.docs)[0]
        if (resolved.start, resolved.end) != (start, end):
            raise ReviewError(problem("E810", field="quote", document=doc_id, sentence=values["sentence"],
                                      why="the words, with the words around them, point elsewhere in the transcript"))
        if action in ("confirm", "remove") and not self._machine_coded(doc_id, code, start, end):
            raise ReviewError(problem("E811", field="code", code=code, document=doc_id, action=action,
                                      quote=_clip(quote)))
        return action, entry, start, end

    def _place(self, doc: Document, sentence: int, offset: int, quote: str) -> tuple[int, int]:
        segs = self.segments(doc.id)
        if not 0 <= sentence < len(segs):
            raise ReviewError(problem("E810", field="sentence", document=doc.id, sentence=sentence,
                                      why=f"the document has {len(segs)} sentences"))
        seg = segs[sentence]
        start = seg.start + offset
        end = start + len(quote)
        if not quote.strip() or offset < 0 or end > seg.end or doc.text[start:end] != quote:
            raise ReviewError(problem("E810", field="quote", document=doc.id, sentence=sentence,
                                      why=f"it reads \u201c{_clip(seg.text)}\u201d"))
        # Selected words keep their own ends; white space around them is not part of the quote.
        lead = len(quote) - len(quote.lstrip())
        trail = len(quote) - len(quote.rstrip())
        return start + lead, end - trail

    def _machine_coded(self, doc_id: str, code: str, start: int, end: int) -> bool:
        c = self._codings
        rows = c[(c["document"] == doc_id) & (c["code"] == code) & (c["source"] == "auto") & (c["status"] == "coded")]
        return bool(((rows["start"] < end) & (rows["end"] > start)).any())

    def _apply(self, doc_id: str) -> None:
        """Apply the analyst's whole file again to one document's codings as given."""
        current = load_overrides(self.path, codebook=self.codebook)
        mine = Overrides(current.analyst, current.path, tuple(e for e in current.entries if e.document == doc_id))
        base = self._base[self._base["document"] == doc_id]
        fixed = apply_overrides(base, {doc_id: self.docs[doc_id]}, [mine], self.codebook)
        rest = self._codings[self._codings["document"] != doc_id]
        self._codings = validate_codings(pd.concat([rest, fixed], ignore_index=True), codebook=self.codebook)

    # ----------------------------------------------------------------------------------------
    def document_pages(self, doc_id: str) -> list[tuple[str, str]]:
        """The review pages of one document from the session's current codings.

        Returns
        -------
        list of (str, str)
            (file name within the site, e.g. ``documents/oldham.html``; its HTML), as
            :func:`casecoder.review.build_review` writes them.
        """
        # lazy: builder imports this module's package; importing it at the top would be a cycle
        from .builder import _check_inputs
        from .pages import _document_pages
        from .site import _Site

        rows_of_doc = self._codings[self._codings["document"] == doc_id]
        rows, docs = _check_inputs(rows_of_doc, self.documents, self.codebook, None)
        site = _Site(rows, docs, self.codebook)
        return _document_pages(site, self.docs[doc_id], rows, self.segments(doc_id))

