"""The verbs a study runs, each once: read, code then override, validate.

The stage modules each do one thing (:mod:`~casecoder.transcripts` reads, :mod:`~casecoder.coder`
codes, :mod:`~casecoder.overrides` applies an analyst's corrections); this module is where they
are combined, so that the command line, the notebooks, the agreement readers and the shipped
study all do it the same way:

* :func:`case_key_of` is the one answer to "which front-matter key names the case": the caller's,
  else the codebook's ``settings.case_key``, else :data:`~casecoder.transcripts.DEFAULT_CASE_KEY`.
* :func:`read_transcripts` reads transcripts with that key.
* :func:`code_and_override` codes documents and applies overrides files in memory;
  :func:`code_files` does it from files to a codings table on disk (streaming when there is
  no override).
* :func:`validate` checks a codebook (its structure *and* that the coder can compile every
  phrase and pattern) and transcripts, collecting every problem: it rejects exactly the inputs
  ``code`` rejects, with the same messages.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .codebook import Codebook, load_codebook
from .coder import Coder, Progress, code_corpus, code_documents, compile_codebook
from .errors import CasecoderError, CoderError, Problem, problem
from .overrides import Overrides, apply_overrides, load_overrides
from .schema import write_codings
from .transcripts import DEFAULT_CASE_KEY, Document, TranscriptWarning, read_corpus

__all__ = [
    "Coded",
    "Validation",
    "case_key_of",
    "code_and_override",
    "code_files",
    "read_transcripts",
    "validate",
]

PathLike = str | os.PathLike[str]


def case_key_of(codebook: Codebook | None = None, case_key: str | None = None) -> str:
    """The front-matter key naming each document's case.

    Parameters
    ----------
    codebook : Codebook, optional
        Its ``settings.case_key`` is used when ``case_key`` is not given.
    case_key : str, optional
        The caller's choice (e.g. ``--case-key``); wins when given.

    Returns
    -------
    str

    Examples
    --------
    >>> case_key_of()
    'case'
    >>> case_key_of(Codebook(codes=(), settings={"case_key": "site"}))
    'site'
    >>> case_key_of(Codebook(codes=(), settings={"case_key": "site"}), "school")
    'school'
    """
    if case_key:
        return case_key
    return codebook.case_key if codebook is not None else DEFAULT_CASE_KEY


def read_transcripts(
    paths: Iterable[PathLike] | PathLike,
    codebook: Codebook | None = None,
    *,
    case_key: str | None = None,
) -> list[Document]:
    """Read transcripts with the case key of :func:`case_key_of` and the codebook's interviewers.

    Parameters
    ----------
    paths : path or iterable of paths
        Transcript files and folders (searched recursively).
    codebook : Codebook, optional
        Supplies ``settings.case_key`` and ``settings.interviewers`` (names whose turns are the
        interviewer's in every document, see :func:`casecoder.transcripts.read_document`).
    case_key : str, optional
        Overrides the codebook's key.

    Returns
    -------
    list of Document
        Sorted by document id.

    Raises
    ------
    TranscriptError
        Every unreadable file, each with its path and line.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.md").write_text("---\\nsite: north\\n---\\nLead: We listened.\\n", encoding="utf-8")
    >>> [d.case for d in read_transcripts(folder, case_key="site")]
    ['north']
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return read_corpus([Path(p) for p in paths], case_key=case_key_of(codebook, case_key),
                       interviewers=codebook.interviewers if codebook is not None else ())


@dataclass(frozen=True)
class Coded:
    """The codings of :func:`code_and_override`.

    Attributes
    ----------
    auto : DataFrame
        The coder's codings alone (the codings table of :mod:`casecoder.schema`).
    codings : DataFrame
        ``auto`` with every overrides file applied (``auto`` itself when there is none).
    overrides : tuple of Overrides
        The overrides files, as loaded, in the order applied.
    """

    auto: pd.DataFrame
    codings: pd.DataFrame
    overrides: tuple[Overrides, ...] = ()


def code_and_override(
    documents: Sequence[Document],
    codebook: Codebook,
    overrides: Iterable[PathLike | Overrides] = (),
    *,
    jobs: int = 1,
    code_interviewer: bool | None = None,
    progress: Progress | None = None,
) -> Coded:
    """Code documents with the codebook, then apply analysts' overrides files.

    The overrides files are loaded (and checked against the codebook) before anything is
    coded, so a bad file fails fast.

    Parameters
    ----------
    documents : sequence of Document
    codebook : Codebook
    overrides : iterable of path or Overrides
        Overrides files (:mod:`casecoder.overrides`), applied in order.
    jobs : int, default 1
        Worker processes for the coder; the codings do not depend on it.
    code_interviewer : bool, optional
        Code interviewer turns too.
    progress : callable, optional
        ``progress(done, total)`` in characters of the documents' text, as
        :func:`casecoder.coder.code_documents` calls it. Nothing is printed.

    Returns
    -------
    Coded

    Raises
    ------
    CoderError, OverridesError
        Every problem found.

    Examples
    --------
    >>> from casecoder.codebook import parse_codebook
    >>> from casecoder.transcripts import document_from_text
    >>> book = parse_codebook("codes:\\n  - id: listen\\n    label: Listen\\n    phrases: [listen]\\n")
    >>> doc = document_from_text("a", "Lead: We listened to residents.\\n", case="north")
    >>> coded = code_and_override([doc], book)
    >>> coded.codings[["document", "code", "text"]].values.tolist()
    [['a', 'listen', 'We listened to residents.']]
    """
    loaded = tuple(o if isinstance(o, Overrides) else load_overrides(o, codebook=codebook) for o in overrides)
    auto = code_documents(documents, codebook, jobs=jobs, code_interviewer=code_interviewer, progress=progress)
    codings = apply_overrides(auto, documents, list(loaded), codebook) if loaded else auto
    return Coded(auto, codings, loaded)


def code_files(
    paths: Iterable[PathLike] | PathLike,
    codebook: Codebook | Coder | PathLike,
    out: PathLike,
    *,
    overrides: Iterable[PathLike] = (),
    jobs: int = 1,
    progress: Progress | None = None,
    case_key: str | None = None,
    code_interviewer: bool | None = None,
) -> Path:
    """Code transcript files, apply overrides files, and write the codings table.

    Without overrides the corpus is streamed (:func:`casecoder.coder.code_corpus`: memory does
    not grow with the corpus); with overrides the documents and codings are held in memory,
    because an override is anchored to a document's text.

    Parameters
    ----------
    paths : path or iterable of paths
        Transcript files and folders.
    codebook : Codebook, Coder or path
        What to code with (a :class:`~casecoder.coder.Coder` only without overrides).
    out : path
        ``.csv`` or ``.parquet``, written atomically.
    overrides : iterable of paths
        Analysts' overrides files, applied after coding.
    jobs : int, default 1
    progress : callable, optional
        ``progress(done, total)``, called as the coding moves (within a large file too, and
        from ``jobs`` > 1 workers): bytes of the files without overrides
        (:func:`casecoder.coder.code_corpus`), characters of the texts with them
        (:func:`casecoder.coder.code_documents`). Nothing is printed; ``out`` does not depend on it.
    case_key : str, optional
        Default: :func:`case_key_of` the codebook.
    code_interviewer : bool, optional

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    TranscriptError, CodebookError, CoderError, OverridesError
        Every problem found; ``out`` is then left as it was.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from casecoder.codebook import parse_codebook
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.md").write_text("---\\ncase: north\\n---\\nLead: We listened.\\n", encoding="utf-8")
    >>> book = parse_codebook("codes:\\n  - id: listen\\n    label: Listen\\n    phrases: [listen]\\n")
    >>> code_files(folder, book, folder / "codings.csv").name
    'codings.csv'
    """
    overrides = list(overrides)
    if not overrides:
        return code_corpus(paths, codebook, out, jobs=jobs, progress=progress, case_key=case_key,
                           code_interviewer=code_interviewer)
    out_path = Path(out)
    if out_path.suffix.lower() not in (".csv", ".parquet"):
        raise CoderError(problem("E308", path=out_path, suffix=out_path.suffix or "(none)"))
    if isinstance(codebook, Coder):
        raise TypeError("overrides need the Codebook (to check their codes), not a compiled Coder")
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    loaded = [load_overrides(o, codebook=codebook) for o in overrides]
    documents = read_transcripts(paths, codebook, case_key=case_key)
    coded = code_and_override(documents, codebook, loaded, jobs=jobs, code_interviewer=code_interviewer,
                              progress=progress)
    return write_codings(coded.codings, out_path)


@dataclass(frozen=True)
class Validation:
    """What :func:`validate` found.

    Attributes
    ----------
    codebook : Codebook or None
        The codebook, when it loaded and compiled.
    documents : tuple of Document
        The transcripts read (empty when any failed).
    problems : tuple of Problem
        Every problem, codebook first, then transcripts.
    warnings : tuple of Problem
        Things worth the analyst's attention that do not stop coding (e.g. a cp1252 file).
    """

    codebook: Codebook | None
    documents: tuple[Document, ...]
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems

    @property
    def cases(self) -> tuple[str, ...]:
        """The cases of the documents read, sorted."""
        return tuple(sorted({d.case for d in self.documents}))


def validate(
    codebook: PathLike | Codebook,
    paths: Iterable[PathLike] = (),
    *,
    case_key: str | None = None,
) -> Validation:
    """Check a codebook and transcripts as ``code`` would, collecting every problem.

    The codebook is loaded (structure, ids, parents, colours, settings, spaCy's check of each
    token pattern) and then compiled by the coder (words, lemmas, operators, a required word in
    each pattern), so a codebook passes here exactly when :func:`code_files` accepts it, and
    each problem names the line of the phrase or pattern at fault. Transcripts are read with
    :func:`case_key_of`.

    Parameters
    ----------
    codebook : path or Codebook
    paths : iterable of paths
        Transcript files and folders; none to check only the codebook.
    case_key : str, optional
        Default: the codebook's ``settings.case_key``.

    Returns
    -------
    Validation
        Never raises for bad input: ``result.problems`` lists it all.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> book = pathlib.Path(tempfile.mkdtemp()) / "codebook.yaml"
    >>> _ = book.write_text("codes:\\n  - id: listen\\n    label: Listen\\n"
    ...                     "    patterns:\\n      - name: any\\n        pattern: [{OP: '*'}]\\n", encoding="utf-8")
    >>> [(p.code, p.line) for p in validate(book).problems]
    [('E304', 6)]
    """
    problems: list[Problem] = []
    book: Codebook | None = None
    try:
        book = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
        compile_codebook(book)
    except CasecoderError as exc:
        problems.extend(exc.problems)
    documents: list[Document] = []
    found: list[Problem] = []
    paths = list(paths)
    if paths:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TranscriptWarning)
            try:
                # Without a codebook that loaded, its case key is unknown: the default is used.
                documents = read_transcripts(paths, book, case_key=case_key)
            except CasecoderError as exc:
                problems.extend(exc.problems)
        found = [w.message.problem for w in caught if isinstance(w.message, TranscriptWarning)]
    ok_book = book if not any(p.code.startswith(("E1", "E3")) for p in problems) else None
    return Validation(ok_book, tuple(documents), tuple(problems), tuple(found))
