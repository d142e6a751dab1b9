"""Read interview transcripts (.txt, .md, .docx, .vtt) into :class:`Document` objects.

A document is one transcript file: its normalised text, its case, its metadata (front matter
and case attributes) and its ordered turns. Every offset casecoder uses counts code points
into ``Document.text``: the file decoded, a BOM removed, CRLF/CR turned into LF and the front
matter block removed. ``turn.text == document.text[turn.start:turn.end]`` always holds.

Text files (.txt, .md)
    Optional YAML front matter between ``---`` lines at the top. ``#``/``##`` headings start
    sections (interview questions). Each paragraph (blank-line separated) is a turn; a
    paragraph starting with a speaker label (``Chief Executive:``, ``Q:``, ``R1:``,
    ``**Director:**``) sets the speaker and the label is left out of the turn's text; a
    paragraph without a label continues the previous speaker. A leading timestamp
    (``[00:12:34]``, ``(12:34)``) is left out too and kept as turn metadata.
Word (.docx)
    Heading styles start sections; other paragraphs are turns, with the same label rule.
WebVTT (.vtt)
    Cues with ``<v Speaker>`` voice tags or ``Speaker: text`` become turns; consecutive cues
    of one speaker merge into one turn, whose metadata keep the first and last cue times.

Encodings: UTF-8 (with or without BOM), UTF-16 with a BOM (as Word saves "Unicode text"), and
cp1252 as a last resort, with a :class:`TranscriptWarning` naming the file.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem, TranscriptError, problem
from ..io import atomic_dir
# FrozenMap lives in positions; it stays importable from here for code written before the move.
from ..positions import FrozenMap
from ._formats import _read_docx, _read_vtt
from ._model import (CASES_FILE, DEFAULT_CASE_KEY, INTERVIEWER_LABELS, LOCK_PREFIX, SUFFIXES, Document,
                     TranscriptWarning, Turn)
from ._text import _decode, _normalise, _read_text_file, _text_blocks, _turns_from_blocks

__all__ = [
    "DEFAULT_CASE_KEY",
    "INTERVIEWER_LABELS",
    "SUFFIXES",
    "Document",
    "TranscriptWarning",
    "Turn",
    "document_from_text",
    "find_transcripts",
    "iter_corpus",
    "load_cases",
    "read_corpus",
    "read_document",
    "write_transcripts",
]


_READERS = {".txt": _read_text_file, ".md": _read_text_file, ".docx": _read_docx, ".vtt": _read_vtt}


# --------------------------------------------------------------------------------------------
# cases


def load_cases(path: str | Path) -> dict[str, dict[str, str]]:
    """Read a ``cases.csv`` mapping transcript files to cases and case attributes.

    The file needs a ``file`` column (a file name or document id) and a ``case`` column; every
    other column is a case attribute (as NVivo's case classifications).

    Returns
    -------
    dict
        ``{document id: {"case": ..., attribute: value, ...}}``.

    Raises
    ------
    TranscriptError
        E012 naming the line, for a missing column, an empty case or a repeated file.
    """
    p = Path(path)
    try:
        text = _normalise(_decode(p.read_bytes(), p))
    except FileNotFoundError as exc:
        raise TranscriptError(problem("E001", path=p)) from exc
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip() for f in reader.fieldnames or []]
    missing = [c for c in ("file", "case") if c not in fields]
    if missing:
        raise TranscriptError(problem("E012", path=p, line=1, error=f"missing column(s) {', '.join(missing)}; found {', '.join(fields) or 'none'}"))
    out: dict[str, dict[str, str]] = {}
    problems: list[Problem] = []
    for lineno, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        doc_id = Path(row["file"]).stem if row["file"] else ""
        if not doc_id or not row["case"]:
            problems.append(problem("E012", path=p, line=lineno, error="'file' and 'case' must not be empty"))
            continue
        if doc_id in out:
            problems.append(problem("E012", path=p, line=lineno, error=f"'{row['file']}' is listed twice"))
            continue
        out[doc_id] = {k: v for k, v in row.items() if k != "file"}
    if problems:
        raise TranscriptError(problems)
    return out


# --------------------------------------------------------------------------------------------
# public readers


def read_document(
    path: str | Path,
    *,
    case_key: str = DEFAULT_CASE_KEY,
    cases: Mapping[str, Mapping[str, str]] | None = None,
    interviewers: Iterable[str] = (),
) -> Document:
    """Read one transcript file into a :class:`Document`.

    Parameters
    ----------
    path : str or Path
        A ``.txt``, ``.md``, ``.docx`` or ``.vtt`` file.
    case_key : str, default DEFAULT_CASE_KEY
        The front-matter key that names the document's case.
    cases : mapping, optional
        Rows of a ``cases.csv`` (see :func:`load_cases`), used when the front matter has no
        case; their other columns become case attributes in ``metadata``.
    interviewers : iterable of str, optional
        Speaker names that are the interviewer in every document of the study (a Zoom or
        Teams transcript names the interviewer, ``<v Ruth Adeyemi>``). A document also declares
        its own with front matter ``interviewer: Name`` (or a list) or an ``interviewer``
        column of ``cases.csv`` (names separated by ``;``). Turns of these speakers, and of the
        labels in :data:`INTERVIEWER_LABELS`, have ``interviewer=True``; names compare
        case-insensitively.

    Returns
    -------
    Document

    Raises
    ------
    TranscriptError
        With a problem naming the file (and line): missing (E001), empty (E003), binary
        (E004), bad front matter (E005-E007), no case (E008), unsupported type (E009),
        undecodable (E010), broken .docx (E013) or .vtt (E014).

    Examples
    --------
    >>> doc = read_document("data/interviews/oldham.md")  # doctest: +SKIP
    >>> doc.case, doc.turns[1].speaker                       # doctest: +SKIP
    ('oldham', 'Interviewer')
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in _READERS:
        raise TranscriptError(problem("E009", path=p, suffix=suffix or "(none)", suffixes=", ".join(SUFFIXES)))
    if not p.is_file():
        raise TranscriptError(problem("E001", path=p))
    text, meta, turns = _READERS[suffix](p)
    if not turns:
        raise TranscriptError(problem("E016", path=p))
    row = dict((cases or {}).get(p.stem, {}))
    case = meta.get(case_key)
    listed = row.get("case", "")
    if case is not None and str(case).strip() and listed and str(case).strip() != listed:
        # Two declarations that disagree: choosing one silently would file the document under
        # a case the analyst may not have meant.
        raise TranscriptError(problem("E019", path=p, field=case_key, front=str(case).strip(), listed=listed))
    if case is None or str(case).strip() == "":
        case = row.get("case")
    if case is None or str(case).strip() == "":
        raise TranscriptError(problem("E008", path=p, field=case_key, case_key=case_key))
    declared = _declared_interviewers(p, meta, row, interviewers)
    if declared:
        turns = tuple(replace(t, interviewer=True) if t.speaker.casefold() in declared else t for t in turns)
    attributes = {k: v for k, v in row.items() if k not in ("case", "interviewer")}
    metadata = {**attributes, **meta}
    return Document(
        id=p.stem,
        path=str(p),
        text=text,
        case=str(case).strip(),
        metadata=FrozenMap(metadata),
        turns=turns,
    )


def _declared_interviewers(path: Path, meta: Mapping[str, Any], row: Mapping[str, str],
                           given: Iterable[str]) -> frozenset[str]:
    """Interviewer names for one document: the study's, its front matter's, its cases.csv row's."""
    names = [str(n) for n in given]
    value = meta.get("interviewer")
    if isinstance(value, str):
        names.append(value)
    elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        names.extend(value)
    elif value is not None:
        raise TranscriptError(problem("E018", path=path, field="interviewer", found=repr(value)))
    names.extend(row.get("interviewer", "").split(";"))
    return frozenset(n.strip().casefold() for n in names if n.strip())


def document_from_text(
    id: str,
    text: str,
    *,
    case: str,
    metadata: Mapping[str, Any] | None = None,
    path: str = "",
) -> Document:
    """Build a :class:`Document` from text already in memory (e.g. a REFI-QDA source).

    The text is normalised as the reader normalises files (BOM removed, CRLF/CR to LF) and its
    turns found by the text-file rules (headings, paragraphs, speaker labels). No front matter
    is looked for: ``metadata`` and ``case`` are given.

    Raises
    ------
    TranscriptError
        E016 if the text has no turns.
    """
    text = _normalise(text)
    turns = _turns_from_blocks(text, _text_blocks(text))
    if not turns:
        raise TranscriptError(problem("E016", path=path or id))
    return Document(id=id, path=path, text=text, case=case, metadata=FrozenMap(dict(metadata or {})), turns=turns)


def find_transcripts(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders into the sorted list of transcript files they hold.

    Folders are searched recursively for :data:`SUFFIXES`; hidden files and folders are
    skipped. Raises :class:`TranscriptError` for a missing path (E001) or a folder with no
    transcripts (E002).
    """
    found: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            inside = []
            for f in sorted(p.rglob("*")):
                if not f.is_file() or f.suffix.lower() not in SUFFIXES:
                    continue
                if any(part.startswith(".") for part in f.relative_to(p).parts):
                    continue  # hidden files and folders (.git, editors' backups) are not data
                if f.name.startswith(LOCK_PREFIX):
                    warnings.warn(TranscriptWarning(problem("E017", path=f)), stacklevel=2)
                    continue
                inside.append(f)
            if not inside:
                problems.append(problem("E002", path=p, suffixes=", ".join(SUFFIXES)))
            found.extend(inside)
        elif p.is_file():
            found.append(p)
        else:
            problems.append(problem("E001", path=p))
    if problems:
        raise TranscriptError(problems)
    return sorted(dict.fromkeys(found), key=lambda f: (f.stem, str(f)))


def warn_unmatched_cases(cache: Mapping[Path, Mapping[str, Any]], ids: Iterable[str]) -> None:
    """Warn (E020) for every ``cases.csv`` row that names no document read from its folder."""
    found = set(ids)
    for folder, rows in sorted(cache.items()):
        for doc_id in sorted(set(rows) - found):
            warnings.warn(TranscriptWarning(problem("E020", path=Path(folder) / CASES_FILE, field="file", id=doc_id)),
                          stacklevel=3)


def _cases_for(path: Path, cache: dict[Path, dict[str, dict[str, str]]]) -> dict[str, dict[str, str]]:
    folder = path.parent
    if folder not in cache:
        cases_file = folder / CASES_FILE
        cache[folder] = load_cases(cases_file) if cases_file.is_file() else {}
    return cache[folder]


def iter_corpus(paths: Iterable[str | Path], *, case_key: str = DEFAULT_CASE_KEY,
                interviewers: Iterable[str] = ()) -> Iterator[Document]:
    """Stream the documents of files and folders, one at a time, in document-id order.

    A ``cases.csv`` in a transcript's folder supplies cases and case attributes. The first
    unreadable file raises :class:`TranscriptError`; use :func:`read_corpus` to collect every
    problem at once.
    """
    cache: dict[Path, dict[str, dict[str, str]]] = {}
    seen: dict[str, str] = {}
    for f in find_transcripts(paths):
        doc = read_document(f, case_key=case_key, cases=_cases_for(f, cache), interviewers=interviewers)
        if doc.id in seen:
            raise TranscriptError(problem("E015", path=f, id=doc.id, other=seen[doc.id]))
        seen[doc.id] = str(f)
        yield doc
    warn_unmatched_cases(cache, seen)


def read_corpus(paths: Iterable[str | Path] | str | Path, *, case_key: str = DEFAULT_CASE_KEY,
                interviewers: Iterable[str] = ()) -> list[Document]:
    """Read every transcript in files and folders, reporting every problem at once.

    Parameters
    ----------
    paths : path or iterable of paths
        Transcript files and folders (searched recursively).
    case_key : str, default DEFAULT_CASE_KEY
        The front-matter key naming each document's case.
    interviewers : iterable of str, optional
        The study's interviewer names (see :func:`read_document`).

    Returns
    -------
    list of Document
        Sorted by document id.

    Raises
    ------
    TranscriptError
        Whose ``problems`` list every unreadable file, each with its path and line.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    docs: list[Document] = []
    problems: list[Problem] = []
    cache: dict[Path, dict[str, dict[str, str]]] = {}
    seen: dict[str, str] = {}
    for f in find_transcripts(paths):
        try:
            doc = read_document(f, case_key=case_key, cases=_cases_for(f, cache), interviewers=interviewers)
        except TranscriptError as exc:
            problems.extend(exc.problems)
            continue
        if doc.id in seen:
            problems.append(problem("E015", path=f, id=doc.id, other=seen[doc.id]))
            continue
        seen[doc.id] = str(f)
        docs.append(doc)
    if problems:
        raise TranscriptError(problems)
    warn_unmatched_cases(cache, seen)
    return sorted(docs, key=lambda d: d.id)


def write_transcripts(
    documents: Iterable[Document],
    folder: str | Path,
    *,
    case_key: str = DEFAULT_CASE_KEY,
) -> Path:
    """Write documents as ``.txt`` transcripts that :func:`read_corpus` reads back.

    Each file is ``<id>.txt``: front matter holding the case under ``case_key`` and the
    document's scalar metadata, then the text. The folder is written beside its destination
    and renamed into place when complete.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "texts"
    >>> doc = document_from_text("a", "Lead: We listened.\\n", case="Nørre")
    >>> [d.case for d in read_corpus(write_transcripts([doc], out, case_key="site"), case_key="site")]
    ['Nørre']
    """
    with atomic_dir(folder) as tmp:
        for doc in documents:
            scalars = {k: v for k, v in doc.metadata.items() if isinstance(v, (str, int, float, bool))}
            header = yaml.safe_dump({case_key: doc.case, **scalars}, allow_unicode=True, sort_keys=True)
            (Path(tmp) / f"{doc.id}.txt").write_bytes(f"---\n{header}---\n{doc.text}".encode())
    return Path(folder)
