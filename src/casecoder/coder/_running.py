"""Running the coder: one process or a pool of workers over batches of documents, with progress.

Private: :mod:`casecoder.coder` is the public face. A batch of documents (or of files, read in
the worker) is coded by :mod:`._matching`; a long document a piece of turns at a time, so that
progress moves within it. Progress goes to the caller's callback in the calling process:
directly with one process, through a queue the parent drains with several.
"""

from __future__ import annotations

import gc
import multiprocessing
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..compiler import Coder
from ..errors import CasecoderError, CoderError, Problem, problem
from ..nlp import ChunkCachedTokenizer, get_nlp
from ..transcripts import Document, Turn, read_document
from ._matching import _document_rows, _sentence_spans, _tokenize

#: Documents per task sent to a worker process.
_BATCH_DOCS = 8


#: A caller's progress callback: ``progress(done, total)``, see :func:`code_documents`.
Progress = Callable[[int, int | None], None]
#: A document longer than this (in code points) is coded a piece of turns at a time, about
#: this long, and progress is reported after each piece: a large transcript's bar moves.
#: The rows do not depend on it (``tests/test_coder_progress.py``).
_PIECE_CHARS = 1 << 15

_WORKER_CODER: Coder | None = None
#: The tokenizer of this run (one per worker process): its set of chunks seen lives as long as
#: the run, so that each chunk is put in spaCy's cache once (see :class:`ChunkCachedTokenizer`).
_WORKER_TOKENIZER: ChunkCachedTokenizer | None = None
#: Where a batch's progress goes, ``(batch, units)``: the parent's :class:`_Tally` itself
#: with ``jobs=1``, a queue the parent drains in a worker process; None when nobody listens.
_WORKER_REPORT: Callable[[int, int], None] | None = None


def _init_worker(coder: Coder, queue: Any = None) -> None:
    global _WORKER_CODER, _WORKER_TOKENIZER, _WORKER_REPORT
    _WORKER_CODER = coder
    _WORKER_TOKENIZER = ChunkCachedTokenizer(get_nlp().tokenizer)
    _WORKER_REPORT = None if queue is None else (lambda batch, units: queue.put((batch, units)))
    # The pipeline, the lemma table and the coder live as long as the worker: keep the
    # garbage collector from scanning them again and again.
    gc.freeze()


def _reporter(batch: int) -> Callable[[int], None]:
    """``report(units)`` for one batch: to the parent's tally, or nowhere."""
    report = _WORKER_REPORT
    if report is None:
        return _ignore
    return lambda units: report(batch, units) if units > 0 else None


def _ignore(units: int) -> None:
    return None


def _code_batch(task: tuple[int, Sequence[Document], Sequence[int]]) -> list[tuple[Any, ...]]:
    assert _WORKER_CODER is not None and _WORKER_TOKENIZER is not None
    batch, documents, sizes = task
    return _code_documents(documents, _WORKER_CODER, _WORKER_TOKENIZER, _reporter(batch), sizes)


def _read_and_code_batch(task: tuple[int, Sequence[tuple[str, str, Mapping[str, Mapping[str, str]], tuple[str, ...], int]]]
                         ) -> tuple[list[tuple[Any, ...]], tuple[Problem, ...], tuple[Warning, ...]]:
    """Read and code a batch of files; the problems of unreadable files come back as data
    (exceptions do not pickle well) and the readable files are still coded, so one run lists
    every bad file of the corpus, not the first. Warnings (a file decoded as cp1252) come back
    too: a worker process cannot show them in the parent's format."""
    assert _WORKER_CODER is not None and _WORKER_TOKENIZER is not None
    batch, files = task
    documents = []
    sizes = []
    problems: list[Problem] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for path, case_key, cases, interviewers, size in files:
            try:
                documents.append(read_document(path, case_key=case_key, cases=cases, interviewers=interviewers))
                sizes.append(size)
            except CasecoderError as exc:
                problems.extend(exc.problems)
    rows = _code_documents(documents, _WORKER_CODER, _WORKER_TOKENIZER, _reporter(batch), sizes)
    return rows, tuple(problems), tuple(w.message for w in caught)


def _code_documents(documents: Sequence[Document], coder: Coder, make_doc: Callable[[str], Any],
                    report: Callable[[int], None] = _ignore, sizes: Sequence[int] | None = None) -> list[tuple[Any, ...]]:
    """Rows of a few documents, in their order, each document's rows sorted.

    ``report(units)`` is told each document's ``size`` (default: its length) once it is coded,
    and a large document's share as each piece of it is coded."""
    if sizes is None:
        sizes = [len(d.text) for d in documents]
    rows: list[tuple[Any, ...]] = []
    small: list[tuple[Document, int]] = []
    for document, size in zip(documents, sizes):
        if len(document.text) <= _PIECE_CHARS:
            small.append((document, size))
            continue
        rows.extend(_small_documents_rows(small, coder, make_doc, report))
        small = []
        rows.extend(_large_document_rows(document, coder, make_doc, report, size))
    rows.extend(_small_documents_rows(small, coder, make_doc, report))
    return rows


def _small_documents_rows(items: Sequence[tuple[Document, int]], coder: Coder, make_doc: Callable[[str], Any],
                          report: Callable[[int], None]) -> list[tuple[Any, ...]]:
    """Rows of a few documents: all their turns are tokenized first, in one tight loop (the
    tokenizer runs faster when its code and tables stay in the processor's caches)."""
    tokenized = [_tokenize(document, coder, make_doc) for document, _ in items]
    rows: list[tuple[Any, ...]] = []
    for (document, size), tokens in zip(items, tokenized):
        rows.extend(_document_rows(document, coder, make_doc, tokens))
        report(size)
    return rows


def _large_document_rows(document: Document, coder: Coder, make_doc: Callable[[str], Any],
                         report: Callable[[int], None], size: int) -> list[tuple[Any, ...]]:
    """Rows of a long document, coded a piece of whole turns at a time (:data:`_PIECE_CHARS`).

    A sentence never crosses a turn and a rule never crosses a sentence, so each piece's rows
    are those the whole document would give it; pieces follow each other in the text, so their
    sorted rows, joined, are sorted. ``report`` is told ``size`` in shares, by characters done.
    """
    rows: list[tuple[Any, ...]] = []
    first = done = 0
    length = max(len(document.text), 1)
    for turns in _pieces(document.turns):
        segs = _sentence_spans(document, turns)
        tokens = _tokenize(document, coder, make_doc, turns)
        rows.extend(_document_rows(document, coder, make_doc, tokens, segs=segs, first=first))
        first += len(segs)
        now = min(size * turns[-1].end // length, size)
        report(now - done)
        done = now
    report(size - done)
    return rows


def _pieces(turns: Sequence[Turn]) -> Iterator[Sequence[Turn]]:
    """Runs of consecutive turns of about :data:`_PIECE_CHARS` characters (a longer turn alone)."""
    start = 0
    chars = 0
    for i, turn in enumerate(turns):
        chars += len(turn.text)
        if chars >= _PIECE_CHARS:
            yield turns[start:i + 1]
            start, chars = i + 1, 0
    if start < len(turns):
        yield turns[start:]


class _Tally:
    """Units done of ``total``, summed over batches, for the caller's ``progress(done, total)``.

    A worker's reports of a batch may arrive after the batch's rows (two pipes), so a batch
    whose rows are in counts its whole size and its later reports are dropped; results come in
    batch order, so "finished" is one number. ``done`` only grows and ends at ``total``.
    """

    def __init__(self, callback: Progress, total: int | None):
        self.callback = callback
        self.total = total
        self.done = 0
        self.partial: dict[int, int] = {}
        self.finished = -1

    def add(self, batch: int, units: int) -> None:
        if batch <= self.finished or units <= 0:
            return
        self.partial[batch] = self.partial.get(batch, 0) + units
        self.done += units
        self.callback(self.done, self.total)

    def finish(self, batch: int, size: int) -> None:
        self.finished = batch
        units = size - self.partial.pop(batch, 0)
        if units > 0:
            self.done += units
            self.callback(self.done, self.total)


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _check_jobs(jobs: Any) -> int:
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise CoderError(problem("E306", field="jobs", found=repr(jobs)))
    return jobs


def _check_progress(progress: Any) -> Progress | None:
    """The caller's callback, or None for none (``False`` too, as older callers pass it)."""
    if progress is None or progress is False:
        return None
    if not callable(progress):
        raise CoderError(problem("E309", field="progress", found=repr(progress)))
    return progress  # type: ignore[no-any-return]


def _context() -> Any:
    # fork: workers inherit the loaded spaCy pipeline and the coder at no cost.
    return multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")


def _pool(coder: Coder, jobs: int, queue: Any = None) -> Any:
    return _context().Pool(jobs, initializer=_init_worker, initargs=(coder, queue))


def _map(coder: Coder, func: Callable[[Any], Any], tasks: Iterable[Any], jobs: int,
         tally: _Tally | None = None) -> Iterator[Any]:
    """Apply ``func`` to each task ``(batch, ...)``, in order, in this process or in ``jobs``
    workers; ``tally`` hears of each batch's progress as it goes."""
    if jobs == 1:
        global _WORKER_CODER, _WORKER_TOKENIZER, _WORKER_REPORT
        previous = _WORKER_CODER, _WORKER_TOKENIZER, _WORKER_REPORT
        _WORKER_CODER, _WORKER_TOKENIZER = coder, ChunkCachedTokenizer(get_nlp().tokenizer)
        _WORKER_REPORT = None if tally is None else tally.add
        try:
            for task in tasks:
                yield func(task)
        finally:
            _WORKER_CODER, _WORKER_TOKENIZER, _WORKER_REPORT = previous
        return
    queue = None if tally is None else _context().SimpleQueue()
    pool = _pool(coder, jobs, queue)
    try:
        # imap keeps the input order, so the output never depends on ``jobs``.
        results = pool.imap(func, tasks, chunksize=1)
        if queue is None:
            yield from results
            return
        yield from _drained(results, queue, tally)
    finally:
        pool.terminate()
        pool.join()


def _drained(results: Any, queue: Any, tally: Any) -> Iterator[Any]:
    """The pool's results, passing the workers' progress reports to ``tally`` while waiting."""
    while True:
        try:
            result = results.next(timeout=0.1)
        except multiprocessing.TimeoutError:
            result = None
        except StopIteration:
            return
        while not queue.empty():
            tally.add(*queue.get())
        if result is not None:
            yield result
