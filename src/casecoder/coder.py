"""The coder: transcripts + codebook -> a codings table, fast, streaming and deterministic.

How a document is coded (``docs/CODER.md`` has the full story and the measured speed):

0. :func:`casecoder.compiler.compile_codebook` compiles the codebook once into a :class:`Coder`.
1. :func:`casecoder.segments.sentences` cuts every turn into sentences, the coding unit.
2. spaCy's bare tokenizer (``make_doc``, C code) tokenizes each turn; ``Doc.to_array`` gives
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
:func:`code_corpus`, :class:`Coder`.
"""

from __future__ import annotations

import csv
import gc
import multiprocessing
import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from spacy.attrs import IDX, IS_SPACE, LOWER

from .assertion import BOUNDARY_WORDS, NEGATORS
from .codebook import Codebook, load_codebook
from .compiler import _ONE, _STAR, _WILDCARD, Coder, Step, _as_coder, _Rule, compile_codebook
from .errors import CasecoderError, CoderError, Problem, TranscriptError, problem
from .io import atomic_path
from .nlp import ChunkCachedTokenizer, get_nlp
from .schema import CODINGS_COLUMNS, csv_safe_rows, normalise_codings
from .segments import split_sentences
from .transcripts import (CASES_FILE, DEFAULT_CASE_KEY, Document, Turn, find_transcripts, load_cases, read_document,
                          warn_unmatched_cases)

__all__ = [
    "BOUNDARY_WORDS",
    "NEGATORS",
    "Coder",
    "code_corpus",
    "code_document",
    "code_documents",
    "compile_codebook",
]

_ATTRS = [LOWER, IDX, IS_SPACE]
#: Rows buffered before a streaming write; fixed, so files do not depend on ``jobs``.
_CHUNK_ROWS = 20_000
#: Documents per task sent to a worker process.
_BATCH_DOCS = 8

# --------------------------------------------------------------------------------------------
# matching


def _forward(ends: set[int], step: Step, fl: list[int], b: int) -> set[int]:
    pos, forms, op = step
    nxt = {q + 1 for q in ends if q < b and (fl[q] in forms) == pos}
    if op == _ONE:
        return nxt
    out = ends | nxt
    if op == _STAR:
        frontier = nxt - ends
        while frontier:
            frontier = {q + 1 for q in frontier if q < b and (fl[q] in forms) == pos} - out
            out |= frontier
    return out


def _backward(starts: set[int], step: Step, fl: list[int], a: int) -> set[int]:
    pos, forms, op = step
    nxt = {q - 1 for q in starts if q > a and (fl[q - 1] in forms) == pos}
    if op == _ONE:
        return nxt
    out = starts | nxt
    if op == _STAR:
        frontier = nxt - starts
        while frontier:
            frontier = {q - 1 for q in frontier if q > a and (fl[q - 1] in forms) == pos} - out
            out |= frontier
    return out


def _find(rule: _Rule, fl: list[int], p: int, a: int, b: int) -> list[tuple[int, int]]:
    """Every (start, end) of ``rule`` whose anchor step matches token ``p``, within [a, b)."""
    if rule.fixed:
        s = p - rule.anchor
        e = s + len(rule.steps)
        if s < a or e > b:
            return []
        for k, (_, forms, _) in enumerate(rule.steps):
            if fl[s + k] not in forms:
                return []
        return [(s, e)]
    # While the walk has not branched (one position), a single-token step, with the optional
    # wildcards before it, is tested in place; after that, sets of positions (an NFA).
    starts: set[int] | None = None
    first = p
    for k, step in rule.before_plan:
        pos, forms, op = step
        if starts is None:
            if op == _ONE:
                if k == 0:
                    if first > a and (fl[first - 1] in forms) == pos:
                        first -= 1
                        continue
                    return []
                starts = {q for q in range(max(a, first - 1 - k), first) if (fl[q] in forms) == pos}
                if not starts:
                    return []
                continue
            starts = {first}
        for _ in range(k):
            starts = _backward(starts, _WILDCARD, fl, a)
        starts = _backward(starts, step, fl, a)
        if not starts:
            return []
    ends: set[int] | None = None
    last = p + 1
    for k, step in rule.after_plan:
        pos, forms, op = step
        if ends is None:
            if op == _ONE:
                if k == 0:
                    if last < b and (fl[last] in forms) == pos:
                        last += 1
                        continue
                    return []
                ends = {q + 1 for q in range(last, min(last + k, b - 1) + 1) if (fl[q] in forms) == pos}
                if not ends:
                    return []
                continue
            ends = {last}
        for _ in range(k):
            ends = _forward(ends, _WILDCARD, fl, b)
        ends = _forward(ends, step, fl, b)
        if not ends:
            return []
    if starts is None:
        starts = {first}
    if ends is None:
        return [(s, last) for s in starts]
    return [(s, e) for s in starts for e in ends]


@dataclass
class _Tokens:
    """The tokens of one document as the coder sees them (white space dropped)."""

    lower: np.ndarray   # uint64 hash of the lower-case form
    idx: np.ndarray     # int64 character offset into the document text
    form: np.ndarray    # int32 form id (0: no rule mentions it)


def _sentence_spans(document: Document) -> list[tuple[Turn, int, int]]:
    """(turn, start, end) of every sentence, in the order and with the offsets of
    :func:`casecoder.segments.sentences` (the same :func:`~casecoder.segments.split_sentences`
    per turn), without building a :class:`~casecoder.segments.Segment` for each: the coder
    needs the text only of the few sentences that match."""
    out: list[tuple[Turn, int, int]] = []
    for turn in document.turns:
        base = turn.start
        out.extend((turn, base + s, base + e) for s, e in split_sentences(turn.text))
    return out


def _tokenize(document: Document, coder: Coder, make_doc: Callable[[str], Any]) -> _Tokens | None:
    """Tokenize every turn with the bare tokenizer and look up each token's form id.

    Turn by turn, not the whole document at once: spaCy's tokenizer stops caching words for
    the rest of a Doc after its first special case ("don't"), and a cold cache makes it several
    times slower.
    """
    chunks = []
    starts = []
    lengths = []
    skip_interviewer = not coder.code_interviewer
    for turn in document.turns:
        # Interviewer turns are not coded (unless asked): not even tokenized, which saves
        # their share of the time (about an eighth of a typical transcript).
        if not turn.text or (skip_interviewer and turn.interviewer):
            continue
        arr = make_doc(turn.text).to_array(_ATTRS)
        if len(arr):
            chunks.append(arr)
            starts.append(turn.start)
            lengths.append(len(arr))
    if not chunks:
        return None
    arr = np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
    keep = arr[:, 2] == 0
    lower = arr[keep, 0]
    idx = (arr[:, 1].astype(np.int64) + np.repeat(np.asarray(starts, dtype=np.int64), lengths))[keep]
    pos = np.searchsorted(coder.hashes, lower)
    np.minimum(pos, len(coder.hashes) - 1, out=pos)
    form = np.where(coder.hashes[pos] == lower, coder.form_ids[pos], 0)
    return _Tokens(lower, idx, form)


def _sentence_matches(coder: Coder, tokens: _Tokens, segs: Sequence[tuple[Turn, int, int]]) -> tuple[dict[int, list[tuple[int, int, int]]], list[int], list[int]]:
    """Every rule match, by sentence: ``{sentence: [(rule, start token, end token), ...]}``."""
    nz = np.flatnonzero(coder.is_anchor[tokens.form])
    if nz.size == 0:
        return {}, [], []
    seg_starts = np.fromiter((s[1] for s in segs), dtype=np.int64, count=len(segs))
    seg_ends = np.fromiter((s[2] for s in segs), dtype=np.int64, count=len(segs))
    lo = np.searchsorted(tokens.idx, seg_starts).tolist()
    hi = np.searchsorted(tokens.idx, seg_ends).tolist()
    sid = (np.searchsorted(seg_starts, tokens.idx[nz], side="right") - 1).tolist()
    fl = tokens.form.tolist()
    anchored = coder.anchored
    found: dict[int, list[tuple[int, int, int]]] = {}
    current = -2
    a = b = 0
    present: int | None = None   # the sentence's word bits, when a token pattern needs them
    word_bits = coder.word_bits
    matches: list[tuple[int, int, int]] = []
    # The hot loop: one pass over the anchor tokens only (see :func:`_anchor_slot`).
    for p, s in zip(nz.tolist(), sid):
        if s != current:
            current = s
            if s < 0:
                continue  # before the first sentence
            a, b = lo[s], hi[s]
            present = None
            matches = found.setdefault(s, [])
        if s < 0 or p >= b:
            continue  # a token outside every sentence
        singles, fixed, nfas = anchored[fl[p]]
        if singles:
            for r in singles:
                matches.append((r, p, p + 1))
            if not fixed and not nfas:
                continue
        for rel, table in fixed:
            q = p + rel
            if q < a or q >= b:
                continue
            candidates = table.get(fl[q])
            if candidates is None:
                continue
            for r, offset, length, checks in candidates:
                s0 = p - offset
                if s0 < a or s0 + length > b:
                    continue
                for k, forms in checks:
                    if fl[s0 + k] not in forms:
                        break
                else:
                    matches.append((r, s0, s0 + length))
        for r, required, rule in nfas:
            # A necessary condition before the NFA: every required word is in the sentence.
            if present is None:
                present = 0
                for f in set(fl[a:b]):
                    present |= word_bits[f]
            if present & required == required:
                for ms, me in _find(rule, fl, p, a, b):
                    matches.append((r, ms, me))
    found = {k: v for k, v in found.items() if v}
    return found, lo, hi


def _document_rows(document: Document, coder: Coder, make_doc: Callable[[str], Any],
                   tokens: _Tokens | None | bool = False) -> list[tuple[Any, ...]]:
    """The codings rows of one document, sorted as :func:`casecoder.schema.normalise_codings` sorts.

    ``tokens`` may be given already (see :func:`_code_documents`)."""
    segs = _sentence_spans(document)
    if not segs:
        return []
    if tokens is False:
        tokens = _tokenize(document, coder, make_doc)
    if tokens is None or tokens is True:
        return []
    found, lo, hi = _sentence_matches(coder, tokens, segs)
    if not found:
        return []
    lower_arr = tokens.lower
    text = document.text
    rules = coder.rules
    judge = coder.assertion
    doc_id, case = document.id, document.case
    rows: list[tuple[Any, ...]] = []
    for s in sorted(found):
        turn, start, end = segs[s]
        a = lo[s]
        lower: list[int] | None = None   # the sentence's lower-case hashes, when negation is checked
        by_code: dict[str, list[tuple[int, int, int, str]]] = {}
        other_senses: dict[str, list[tuple[int, int, int, str]]] = {}
        for r, ms, me in found[s]:
            rule = rules[r]
            if rule.exclusion:
                other_senses.setdefault(rule.code, []).append((ms, rule.order, me, rule.exclusion))
            else:
                by_code.setdefault(rule.code, []).append((ms, rule.order, me, rule.label))
        cues: int | None = None
        for code, matches in by_code.items():
            vetoes = sorted(set(other_senses[code])) if code in other_senses else ()
            if coder.every_rule:
                for rule_label, reason in _each_rule(matches, vetoes, coder, lower_arr[a:hi[s]].tolist(), a):
                    rows.append((doc_id, case, turn.section, turn.index, turn.speaker, s, start, end,
                                 text[start:end], code, rule_label, "auto", "casecoder",
                                 "excluded" if reason else "coded", reason, ""))
                continue
            chosen: tuple[str, str] | None = None
            for ms, order, me, label in sorted(set(matches)) if len(matches) > 1 else matches:
                reason = ""
                for xs, _, xe, name in vetoes:
                    if xs < me and ms < xe:
                        reason = f"other_sense:{name}"
                        break
                if not reason:
                    if lower is None:
                        lower = lower_arr[a:hi[s]].tolist()
                        cues = judge.cues(lower)
                    reason = judge.judge(lower, ms - a, me - a, mention=rules[order].mention, cues=cues)
                if not reason:
                    chosen = (label, "")
                    break
                if chosen is None:
                    chosen = (label, reason)
            assert chosen is not None
            rule_label, reason = chosen
            rows.append((
                doc_id, case, turn.section, turn.index, turn.speaker, s,
                start, end, text[start:end], code, rule_label, "auto", "casecoder",
                "excluded" if reason else "coded", reason, "",
            ))
    rows.sort(key=lambda row: (row[6], row[7], row[9], row[10]))
    return rows


def _each_rule(matches: Sequence[tuple[int, int, int, str]], vetoes: Sequence[tuple[int, int, int, str]],
               coder: Coder, lower: list[int], a: int) -> list[tuple[str, str]]:
    """(rule, reason) for every rule of one code that matched a sentence: ``""`` when one of
    its matches survives the precision rules, else the reason of its first match. The same
    judgement as the one-row path, applied to each rule rather than stopping at the first."""
    judge = coder.assertion
    cues = judge.cues(lower)
    out: dict[str, str] = {}
    for ms, order, me, label in sorted(set(matches)):
        if out.get(label) == "":
            continue  # this rule has already fired unexcluded in the sentence
        reason = next((f"other_sense:{name}" for xs, _, xe, name in vetoes if xs < me and ms < xe), "")
        if not reason:
            reason = judge.judge(lower, ms - a, me - a, mention=coder.rules[order].mention, cues=cues)
        if label not in out or not reason:
            out[label] = reason
    return list(out.items())


# --------------------------------------------------------------------------------------------
# running: one process or a pool of workers over batches of documents

_WORKER_CODER: Coder | None = None
#: The tokenizer of this run (one per worker process): its set of chunks seen lives as long as
#: the run, so that each chunk is put in spaCy's cache once (see :class:`ChunkCachedTokenizer`).
_WORKER_TOKENIZER: ChunkCachedTokenizer | None = None


def _init_worker(coder: Coder) -> None:
    global _WORKER_CODER, _WORKER_TOKENIZER
    _WORKER_CODER = coder
    _WORKER_TOKENIZER = ChunkCachedTokenizer(get_nlp().tokenizer)
    # The pipeline, the lemma table and the coder live as long as the worker: keep the
    # garbage collector from scanning them again and again.
    gc.freeze()


def _code_batch(batch: Sequence[Document]) -> list[tuple[Any, ...]]:
    assert _WORKER_CODER is not None and _WORKER_TOKENIZER is not None
    return _code_documents(batch, _WORKER_CODER, _WORKER_TOKENIZER)


def _read_and_code_batch(batch: Sequence[tuple[str, str, Mapping[str, Mapping[str, str]], tuple[str, ...]]]
                         ) -> tuple[int, list[tuple[Any, ...]], tuple[Problem, ...], tuple[Warning, ...]]:
    """Read and code a batch of files; the problems of unreadable files come back as data
    (exceptions do not pickle well) and the readable files are still coded, so one run lists
    every bad file of the corpus, not the first. Warnings (a file decoded as cp1252) come back
    too: a worker process cannot show them in the parent's format."""
    assert _WORKER_CODER is not None and _WORKER_TOKENIZER is not None
    make_doc = _WORKER_TOKENIZER
    documents = []
    problems: list[Problem] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for path, case_key, cases, interviewers in batch:
            try:
                documents.append(read_document(path, case_key=case_key, cases=cases, interviewers=interviewers))
            except CasecoderError as exc:
                problems.extend(exc.problems)
    return len(batch), _code_documents(documents, _WORKER_CODER, make_doc), tuple(problems), tuple(w.message for w in caught)


def _code_documents(documents: Sequence[Document], coder: Coder, make_doc: Callable[[str], Any]) -> list[tuple[Any, ...]]:
    """Rows of a few documents: all their turns are tokenized first, in one tight loop (the
    tokenizer runs faster when its code and tables stay in the processor's caches)."""
    tokenized = [_tokenize(document, coder, make_doc) for document in documents]
    rows: list[tuple[Any, ...]] = []
    for document, tokens in zip(documents, tokenized):
        rows.extend(_document_rows(document, coder, make_doc, tokens))
    return rows


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


def _pool(coder: Coder, jobs: int) -> Any:
    methods = multiprocessing.get_all_start_methods()
    # fork: workers inherit the loaded spaCy pipeline and the coder at no cost.
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ctx.Pool(jobs, initializer=_init_worker, initargs=(coder,))


def _map(coder: Coder, func: Callable[[Any], Any], tasks: Iterable[Any], jobs: int) -> Iterator[Any]:
    """Apply ``func`` to each task, in order, in this process or in ``jobs`` workers."""
    if jobs == 1:
        global _WORKER_CODER, _WORKER_TOKENIZER
        previous = _WORKER_CODER, _WORKER_TOKENIZER
        _WORKER_CODER, _WORKER_TOKENIZER = coder, ChunkCachedTokenizer(get_nlp().tokenizer)
        try:
            for task in tasks:
                yield func(task)
        finally:
            _WORKER_CODER, _WORKER_TOKENIZER = previous
        return
    pool = _pool(coder, jobs)
    try:
        # imap keeps the input order, so the output never depends on ``jobs``.
        yield from pool.imap(func, tasks, chunksize=1)
    finally:
        pool.terminate()
        pool.join()


def _progress(total: int | None, enabled: bool, unit: str) -> Any:
    from tqdm import tqdm

    # disable=None: no bar when standard error is not a terminal (logs, CI).
    return tqdm(total=total, unit=unit, disable=None if enabled else True, leave=False)


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
    progress: bool = False,
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
    progress : bool, default False
        Show a progress bar on standard error (when it is a terminal).
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
        E306 if ``jobs`` is not a positive integer; E3xx from :func:`compile_codebook`.
    """
    jobs = _check_jobs(jobs)
    coder = _as_coder(codebook_or_coder, code_interviewer)
    if every_rule != coder.every_rule:
        coder = replace(coder, every_rule=every_rule)
    rows: list[tuple[Any, ...]] = []
    with _progress(None, progress, "doc") as bar:
        for batch in _map(coder, _code_batch, _counted(_batches(documents, _BATCH_DOCS), bar), jobs):
            rows.extend(batch)
    return normalise_codings(pd.DataFrame(rows, columns=list(CODINGS_COLUMNS)))


def _counted(batches: Iterator[list[Any]], bar: Any) -> Iterator[list[Any]]:
    for batch in batches:
        yield batch
        bar.update(len(batch))


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
    progress: bool = True,
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
    progress : bool, default True
        A progress bar on standard error, when it is a terminal.
    case_key : str, optional
        The front-matter key naming the case (default: :attr:`Codebook.case_key`).
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
    out_path = _codings_path(out)
    if not isinstance(codebook, (Coder, Codebook)):
        codebook = load_codebook(codebook)
    coder = _as_coder(codebook, code_interviewer)
    if case_key is None:
        case_key = codebook.case_key if isinstance(codebook, Codebook) else DEFAULT_CASE_KEY
    files = _corpus_files(paths)
    problems: list[Problem] = []
    cases: dict[str, dict[str, dict[str, str]]] = {}
    interviewers = codebook.interviewers if isinstance(codebook, Codebook) else ()
    tasks = _tasks(files, case_key, cases, interviewers)

    def results() -> Iterator[list[tuple[Any, ...]]]:
        with _progress(len(files), progress, "doc") as bar:
            for n, rows, found, notes in _map(coder, _read_and_code_batch, _batches(tasks, _BATCH_DOCS), jobs):
                problems.extend(found)
                for note in notes:
                    warnings.warn(note, stacklevel=2)
                bar.update(n)
                yield rows
        # Raised after the last file, before the output is renamed into place: the run lists
        # every unreadable file and leaves no partial codings behind.
        if problems:
            raise TranscriptError(problems)
        warn_unmatched_cases({Path(k): v for k, v in cases.items()}, (Path(f).stem for f in files))

    with _CodingsSink(out_path) as sink:
        for rows in results():
            sink.write(rows)
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


def _tasks(files: list[str], case_key: str, cases: dict[str, dict[str, dict[str, str]]],
           interviewers: tuple[str, ...]) -> Iterator[tuple[str, str, Mapping[str, Mapping[str, str]], tuple[str, ...]]]:
    """One task per file: its path, the case key, its folder's ``cases.csv`` rows (read once
    per folder, into ``cases``) and the study's interviewers."""
    for f in files:
        folder = os.path.dirname(f)
        if folder not in cases:
            cases_file = Path(folder) / CASES_FILE
            cases[folder] = load_cases(cases_file) if cases_file.is_file() else {}
        yield (f, case_key, cases[folder], interviewers)
