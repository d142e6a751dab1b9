"""The coder: transcripts + codebook -> a codings table, fast, streaming and deterministic.

How a document is coded (``docs/CODER.md`` has the full story and the measured speed):

0. :func:`casecoder.compiler.compile_codebook` compiles the codebook once into a :class:`Coder`.
1. :func:`casecoder.segments.sentences` cuts every turn into sentences, the coding unit.
2. spaCy's bare tokenizer (``make_doc``, C code) tokenizes the turns to code, joined by blank
   lines into one text per document (each turn gets the tokens it gets alone); ``Doc.to_array`` gives
   each token's lower-case form (as a hash), its character offset and whether it is white space.
   White-space tokens are dropped; a token belongs to the sentence holding its first character.
3. One vectorised look-up (``numpy.searchsorted``) maps each lower-case hash to a *form id*:
   0 for the words no rule mentions, else the id of a word some rule may match. Lemmas are
   never computed per token: a rule's ``LEMMA`` is compiled, once, into the set of every
   lower-case form with that lemma (the lookup table reversed, :func:`casecoder.nlp.forms_of`).
4. Every rule (a phrase, a token pattern, or an exclusion) has an *anchor*: one token it must
   match, chosen to be a rare word. Only tokens whose form is some rule's anchor are visited in
   Python; from each, the rule's tokens before and after the anchor are checked outwards
   (a small NFA for ``?``, ``*``, ``+`` and ``!``), within the sentence.
5. Each match is then judged: excluded with reason ``other_sense:<name>`` if one of the code's
   exclusions matches an overlapping span, else with the reason :mod:`casecoder.assertion`
   gives (``negated``, ``question``, ``hypothetical``, ``barrier``, ``reported``, ``mention``)
   when its sentence does not assert the action. Interviewer turns are skipped (not tokenized, no rows) unless
   ``code_interviewer``; their speaker labels identify them in the transcript.
   One row per (sentence, code): ``coded`` with the first rule that fired unexcluded, in the
   order (match start, rule order in the codebook), else ``excluded`` with the first reason.

The matches are, by test, exactly those of the reference spaCy pipeline
(:func:`casecoder.nlp.get_nlp` + ``PhraseMatcher(attr="LEMMA")`` + ``Matcher``) run on each
sentence's tokens (``tests/test_coder.py``, hypothesis).

Public API: :func:`compile_codebook`, :func:`code_document`, :func:`code_documents`,
:func:`code_corpus`, :class:`Coder`, :data:`Progress`. Steps 1-5 live in ``_matching``, the
running over processes (batches, pieces of long documents, progress) in ``_running``.
"""

from __future__ import annotations

import csv
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sized
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..assertion import BOUNDARY_WORDS, NEGATORS
from ..codebook import Codebook, load_codebook
from ..compiler import Coder, _as_coder, compile_codebook
from ..errors import CoderError, Problem, TranscriptError, problem
from ..io import atomic_path
from ..nlp import get_nlp
from ..schema import CODINGS_COLUMNS, csv_safe_rows, normalise_codings
from ..transcripts import (CASES_FILE, DEFAULT_CASE_KEY, Document, find_transcripts, load_cases,
                           warn_unmatched_cases)
# _sentence_matches, _sentence_spans and _tokenize: the tests check the matcher through them.
from ._matching import _document_rows, _sentence_matches, _sentence_spans, _tokenize  # noqa: F401
from ._running import (_BATCH_DOCS, Progress, _batches, _check_jobs, _check_progress, _code_batch, _map,
                       _read_and_code_batch, _Tally)

__all__ = [
    "BOUNDARY_WORDS",
    "NEGATORS",
    "Coder",
    "Progress",
    "code_corpus",
    "code_document",
    "code_documents",
    "compile_codebook",
]

#: Rows buffered before a streaming write; fixed, so files do not depend on ``jobs``.
_CHUNK_ROWS = 20_000


def code_document(document: Document, coder: Coder | Codebook | str | os.PathLike[str]) -> pd.DataFrame:
    """Code one document.

    Parameters
    ----------
    document : Document
        From :func:`casecoder.transcripts.read_document`.
    coder : Coder, Codebook or path
        A compiled codebook (compile once, code many), or a codebook to compile.

    Returns
    -------
    DataFrame
        The codings table (columns :data:`casecoder.schema.CODINGS_COLUMNS`): one row per
        (sentence, code) that some rule matched, ``source`` ``auto``, ``analyst``
        ``casecoder``, ``status`` ``coded`` or ``excluded`` (``reason`` ``negated`` or
        ``other_sense:<name>``). Interviewer turns give no rows unless the coder was compiled
        with ``code_interviewer=True``.
    """
    c = _as_coder(coder, None)
    rows = _document_rows(document, c, get_nlp().tokenizer)
    return normalise_codings(pd.DataFrame(rows, columns=list(CODINGS_COLUMNS)))


def code_documents(
    documents: Iterable[Document],
    codebook_or_coder: Coder | Codebook | str | os.PathLike[str],
    *,
    jobs: int = 1,
    code_interviewer: bool | None = None,
    progress: Progress | None = None,
    every_rule: bool = False,
) -> pd.DataFrame:
    """Code documents into one codings table.

    Parameters
    ----------
    documents : iterable of Document
        Consumed lazily; only the rows are kept.
    codebook_or_coder : Coder, Codebook or path
        What to code with.
    jobs : int, default 1
        Worker processes. Rows do not depend on it.
    code_interviewer : bool, optional
        Code interviewer turns too (default: the coder's setting, False for a codebook).
    progress : callable, optional
        ``progress(done, total)``, called in this process as the coding moves: ``done``
        characters of the documents' text coded of ``total`` (None when ``documents`` has no
        length, e.g. a generator). Called after each document, and within a document longer
        than about 32,000 characters after each piece of turns that long, from the worker
        processes' work too; ``done`` only grows and the last call has ``done == total``.
        Nothing is printed: a bar is the caller's (``casecoder code`` draws one). The rows do
        not depend on it.
    every_rule : bool, default False
        One row per (sentence, code, rule) that matched, instead of one per (sentence, code):
        each rule's row is ``coded`` when one of its matches survives the precision rules, else
        ``excluded`` with its first reason. A sentence has a ``coded`` row of a code here exactly
        when it has one in the default table. For attributing codings to rules
        (:func:`casecoder.evidence.rule_evidence`); the default path does no extra work.

    Returns
    -------
    DataFrame
        The codings table, sorted (see :func:`code_document` for the rows).

    Raises
    ------
    CoderError
        E306 if ``jobs`` is not a positive integer; E309 if ``progress`` is not callable;
        E3xx from :func:`compile_codebook`.
    """
    jobs = _check_jobs(jobs)
    callback = _check_progress(progress)
    coder = _as_coder(codebook_or_coder, code_interviewer)
    if every_rule != coder.every_rule:
        coder = replace(coder, every_rule=every_rule)
    tally = None
    if callback is not None:
        total = sum(len(d.text) for d in documents) if isinstance(documents, Sized) else None
        tally = _Tally(callback, total)
    sizes: dict[int, int] = {}

    def tasks() -> Iterator[tuple[int, list[Document], list[int]]]:
        for batch, docs in enumerate(_batches(documents, _BATCH_DOCS)):
            sizes[batch] = sum(len(d.text) for d in docs)
            yield batch, docs, [len(d.text) for d in docs]

    rows: list[tuple[Any, ...]] = []
    for batch, found in enumerate(_map(coder, _code_batch, tasks(), jobs, tally)):
        rows.extend(found)
        if tally is not None:
            tally.finish(batch, sizes.pop(batch))
    return normalise_codings(pd.DataFrame(rows, columns=list(CODINGS_COLUMNS)))


class _CodingsSink:
    """Write codings rows to a CSV or Parquet file as they come, atomically.

    Rows must arrive in the canonical order (:data:`casecoder.schema.SORT_COLUMNS`): documents
    in id order, each document's rows sorted. The CSV is then byte-identical to
    :func:`casecoder.schema.write_codings` of the whole table (pandas writes CSV with the same
    :mod:`csv` dialect: minimal quoting, ``\\n`` line ends), without holding the table.
    Parquet is written in row groups of :data:`_CHUNK_ROWS` rows.
    """

    def __init__(self, path: Path):
        self.path = path
        self.suffix = path.suffix.lower()
        self.buffer: list[tuple[Any, ...]] = []
        self.fh: Any = None
        self.csv: Any = None
        self.writer: Any = None

    def __enter__(self) -> _CodingsSink:
        self._atomic = atomic_path(self.path)
        self.tmp = self._atomic.__enter__()
        if self.suffix == ".csv":
            self.fh = open(self.tmp, "w", encoding="utf-8", newline="")
            self.csv = csv.writer(self.fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
            self.csv.writerow(CODINGS_COLUMNS)
        return self

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        if self.csv is not None:
            self.csv.writerows(csv_safe_rows(rows))
            return
        self.buffer.extend(rows)
        if len(self.buffer) >= _CHUNK_ROWS:
            self.flush()

    def flush(self, final: bool = False) -> None:
        if self.csv is not None or (not self.buffer and not (final and self.writer is None)):
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        df = normalise_codings(pd.DataFrame(self.buffer, columns=list(CODINGS_COLUMNS)))
        self.buffer = []
        table = pa.Table.from_pandas(df, preserve_index=False)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.tmp, table.schema)
        self.writer.write_table(table)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        try:
            if exc_type is None:
                self.flush(final=True)
        finally:
            if self.fh is not None:
                self.fh.close()
            if self.writer is not None:
                self.writer.close()
        return bool(self._atomic.__exit__(exc_type, exc, tb))


def code_corpus(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    codebook: Coder | Codebook | str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    jobs: int = 1,
    progress: Progress | None = None,
    case_key: str | None = None,
    code_interviewer: bool | None = None,
) -> Path:
    """Code every transcript in files and folders and write the codings table.

    Documents are read and coded one batch at a time (in worker processes when ``jobs`` > 1)
    and only their rows are kept, written in chunks to a temporary file that replaces ``out``
    at the end: memory does not grow with the corpus, and a failure leaves no partial file.

    Parameters
    ----------
    paths : path or iterable of paths
        Transcript files and folders (see :func:`casecoder.transcripts.find_transcripts`).
    codebook : Coder, Codebook or path
        What to code with.
    out : path
        ``.csv`` or ``.parquet``.
    jobs : int, default 1
        Worker processes; the output does not depend on it.
    progress : callable, optional
        ``progress(done, total)``: ``done`` bytes of the transcript files coded of ``total``
        (their sizes on disk), called as :func:`code_documents` calls it (after each file and
        each piece of a large one, with ``jobs`` > 1 too); a file that cannot be read counts
        as done. Nothing is printed; the output does not depend on it.
    case_key : str, optional
        The front-matter key naming the case (default: the codebook's ``case_key``, or its coder's).
    code_interviewer : bool, optional
        Code interviewer turns too.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    TranscriptError, CodebookError, CoderError
        Every problem found; ``out`` is then left as it was.

    See Also
    --------
    casecoder.pipeline.code_files : the same, with analysts' overrides applied after coding.
    """
    jobs = _check_jobs(jobs)
    callback = _check_progress(progress)
    out_path = _codings_path(out)
    if not isinstance(codebook, (Coder, Codebook)):
        codebook = load_codebook(codebook)
    coder = _as_coder(codebook, code_interviewer)
    if case_key is None:
        case_key = codebook.case_key or DEFAULT_CASE_KEY  # a Codebook's, or the one it was compiled from
    files = _corpus_files(paths)
    problems: list[Problem] = []
    cases: dict[str, dict[str, dict[str, str]]] = {}
    interviewers = codebook.interviewers if isinstance(codebook, Codebook) else ()
    # Sizes only for a listener: a stat per file, before the first is coded, gives the total.
    sizes = [os.path.getsize(f) for f in files] if callback is not None else [0] * len(files)
    tally = _Tally(callback, sum(sizes)) if callback is not None else None
    tasks = enumerate(_batches(_tasks(files, sizes, case_key, cases, interviewers), _BATCH_DOCS))
    with _CodingsSink(out_path) as sink:
        for batch, (rows, found, notes) in enumerate(_map(coder, _read_and_code_batch, tasks, jobs, tally)):
            problems.extend(found)
            for note in notes:
                warnings.warn(note, stacklevel=2)
            if tally is not None:
                tally.finish(batch, sum(sizes[batch * _BATCH_DOCS:(batch + 1) * _BATCH_DOCS]))
            sink.write(rows)
        # Raised after the last file, before the output is renamed into place: the run lists
        # every unreadable file and leaves no partial codings behind.
        if problems:
            raise TranscriptError(problems)
        warn_unmatched_cases({Path(k): v for k, v in cases.items()}, (Path(f).stem for f in files))
    return out_path


def _codings_path(out: str | os.PathLike[str]) -> Path:
    """``out`` as a Path; E308 unless it names a ``.csv`` or ``.parquet`` file."""
    out_path = Path(out)
    if out_path.suffix.lower() not in (".csv", ".parquet"):
        raise CoderError(problem("E308", path=out_path, suffix=out_path.suffix or "(none)"))
    return out_path


def _corpus_files(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str]) -> list[str]:
    """The transcript files of ``paths``, sorted; E015 for each two documents with one id."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    # Plain strings, not Paths: the listing is the one thing held for every file of the corpus.
    files = [str(f) for f in find_transcripts(paths)]
    # Files come sorted by (id, path), so two documents with one id are neighbours.
    problems: list[Problem] = []
    previous = ("", "")
    for f in files:
        stem = Path(f).stem
        if stem == previous[0]:
            problems.append(problem("E015", path=f, id=stem, other=previous[1]))
        previous = (stem, f)
    if problems:
        raise TranscriptError(problems)
    return files


def _tasks(files: list[str], sizes: list[int], case_key: str, cases: dict[str, dict[str, dict[str, str]]],
           interviewers: tuple[str, ...]) -> Iterator[tuple[str, str, Mapping[str, Mapping[str, str]], tuple[str, ...], int]]:
    """One task per file: its path, the case key, its folder's ``cases.csv`` rows (read once
    per folder, into ``cases``), the study's interviewers and the file's size (for progress)."""
    for f, size in zip(files, sizes):
        folder = os.path.dirname(f)
        if folder not in cases:
            cases_file = Path(folder) / CASES_FILE
            cases[folder] = load_cases(cases_file) if cases_file.is_file() else {}
        yield (f, case_key, cases[folder], interviewers, size)
