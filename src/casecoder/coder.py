"""The coder: transcripts + codebook -> a codings table, fast, streaming and deterministic.

How a document is coded (``docs/CODER.md`` has the full story and the measured speed):

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
   exclusions matches an overlapping span, ``negated`` if a negator stands in the same clause
   before it. Interviewer turns are skipped (not tokenized, no rows) unless
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
import json
import math
import multiprocessing
import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from spacy.attrs import IDX, IS_SPACE, LOWER
from spacy.strings import get_string_id

from .assertion import BOUNDARY_WORDS, NEGATORS, Assertion, compile_assertion
from .codebook import Codebook, load_codebook
from .errors import CasecoderError, CoderError, Problem, TranscriptError, problem
from .io import atomic_path
from .nlp import forms_of, get_nlp, lemma
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

_ONE, _OPT, _STAR = 0, 1, 2
_OPS = {None: (_ONE,), "?": (_OPT,), "*": (_STAR,), "+": (_ONE, _STAR), "!": (_ONE,)}
_ATTRS = [LOWER, IDX, IS_SPACE]
#: Rows buffered before a streaming write; fixed, so files do not depend on ``jobs``.
_CHUNK_ROWS = 20_000
#: Documents per task sent to a worker process.
_BATCH_DOCS = 8

Step = tuple[bool, frozenset[int], int]  # (positive, form ids, op): a token test and how often


@dataclass(frozen=True)
class _Rule:
    """One compiled phrase, token pattern or exclusion."""

    code: str
    order: int                  # position among all rules, in codebook order
    label: str                  # ``phrase:<text>`` or ``pattern:<name>``
    exclusion: str              # the exclusion's name, "" for a coding rule
    mention: bool               # a topic/organisation/job title: codes only in an action frame
    anchor: int                 # index of the anchor step
    before: tuple[Step, ...]    # steps before the anchor, nearest first
    after: tuple[Step, ...]     # steps after the anchor, in order
    fixed: bool                 # every step is a positive single token (no OP)
    steps: tuple[Step, ...]
    others: tuple[frozenset[int], ...]  # the other required words: a sentence lacking one cannot match
    # ``before`` and ``after`` as :func:`_find` walks them: ``(k, step)``, ``k`` optional
    # wildcards (``{"OP": "?"}``) merged into the single-token step that follows them.
    before_plan: tuple[tuple[int, Step], ...] = ()
    after_plan: tuple[tuple[int, Step], ...] = ()


@dataclass(frozen=True)
class Coder:
    """A codebook compiled for matching; immutable and picklable.

    Build it with :func:`compile_codebook`. Worker processes receive it whole (a few hundred
    kilobytes) or inherit it when forked.

    Attributes
    ----------
    codes : tuple of str
        Code ids in codebook order.
    code_interviewer : bool
        Code interviewer turns like any other (default False: they are skipped, no rows).
    codebook_path : str
        Where the codebook came from, for messages.
    """

    codes: tuple[str, ...]
    rules: tuple[_Rule, ...]
    hashes: np.ndarray          # sorted uint64 hashes of every form a rule mentions
    form_ids: np.ndarray        # int32 form id of each hash (1..n)
    is_anchor: np.ndarray       # bool, by form id: is it some rule's anchor?
    anchored: tuple[Any, ...]   # by form id: the rules anchored on it (see _anchor_slot), or None
    assertion: Assertion        # negation, mood and frame (casecoder.assertion)
    code_interviewer: bool = False
    codebook_path: str = ""
    # By form id: a bit for each set of words some token pattern requires ("others") that
    # holds the form; a sentence's bits, OR-ed, say at once which patterns could match there.
    word_bits: tuple[int, ...] = ()

    def __repr__(self) -> str:
        return (f"Coder({len(self.codes)} codes, {len(self.rules)} rules, "
                f"code_interviewer={self.code_interviewer}, codebook={self.codebook_path!r})")


# --------------------------------------------------------------------------------------------
# compiling


def _hash(form: str) -> int:
    return int(get_string_id(form))


class _Compiler:
    def __init__(self, codebook: Codebook):
        self.codebook = codebook
        self.problems: list[Problem] = []
        self.forms: dict[str, int] = {}
        self.make_doc = get_nlp().tokenizer

    def err(self, code: str, line: int | None, fld: str, **values: Any) -> None:
        self.problems.append(problem(code, path=self.codebook.path or None, line=line, field=fld, **values))

    def phrase(self, text: str, line: int | None, fld: str) -> list[tuple[bool, frozenset[str], int]] | None:
        words = [t.text for t in self.make_doc(text) if not t.is_space]
        if not words:
            self.err("E307", line, fld)
            return None
        return [(True, frozenset(forms_of(lemma(w))), _ONE) for w in words]

    def pattern(self, tokens: Sequence[Mapping[str, Any]], line: int | None, fld: str) -> list[tuple[bool, frozenset[str], int]] | None:
        steps: list[tuple[bool, frozenset[str], int]] = []
        ok = True
        for i, tok in enumerate(tokens):
            tfld = f"{fld}[{i}]"
            op = tok.get("OP")
            if op not in _OPS:
                self.err("E302", line, f"{tfld}.OP", op=op)
                ok = False
                continue
            include: set[str] | None = None
            exclude: set[str] = set()
            for key, value in tok.items():
                if key == "OP":
                    continue
                attr = str(key).upper()
                if attr not in ("LEMMA", "LOWER"):
                    self.err("E301", line, f"{tfld}.{key}", key=key)
                    ok = False
                    continue
                if isinstance(value, str):
                    clauses: list[tuple[str, Any]] = [("IN", [value])]
                elif isinstance(value, Mapping):
                    clauses = list(value.items())
                else:
                    clauses = [("?", value)]
                for kind, values in clauses:
                    if kind not in ("IN", "NOT_IN") or not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                        self.err("E305", line, f"{tfld}.{key}", key=key, value=value)
                        ok = False
                        continue
                    forms: set[str] = set()
                    for v in values:
                        if attr == "LOWER":
                            forms.add(v.lower())
                            continue
                        found = forms_of(v)
                        if not found:
                            self.err("E303", line, f"{tfld}.{key}", value=v, lemma=lemma(v))
                            ok = False
                        forms.update(found)
                    if kind == "IN":
                        include = forms if include is None else include & forms
                    else:
                        exclude |= forms
            if include is None:
                positive, forms_ = False, frozenset(exclude)
            else:
                positive, forms_ = True, frozenset(include - exclude)
            if op == "!":
                positive = not positive
            steps.extend((positive, forms_, o) for o in _OPS[op])
        return steps if ok else None

    def form_id(self, form: str) -> int:
        return self.forms.setdefault(form, len(self.forms) + 1)


#: Words frequent in interviews about councils and innovation though rare in general English;
#: they make poor anchors.
DOMAIN_COMMON: tuple[str, ...] = (
    "council", "councils", "innovation", "innovations", "innovate", "innovative", "service", "services",
    "staff", "manager", "managers", "leader", "leaders", "leadership", "partner", "partners",
    "resident", "residents", "community", "communities", "organisation", "organisations",
    "change", "work", "working", "people", "team", "local", "government", "approach", "priority",
    "priorities", "need", "needs", "develop", "developing", "development", "support",
)


@lru_cache(maxsize=1)
def _log_probs() -> dict[str, float]:
    """Log probabilities of the 5,000 commonest lower-case English words (from spaCy's
    ``en_lexeme_prob``, shipped in ``casecoder/data``), plus :data:`DOMAIN_COMMON`."""
    with open(Path(__file__).parent / "data" / "en_word_logprob.json", encoding="utf-8") as fh:
        table: dict[str, float] = json.load(fh)
    for w in DOMAIN_COMMON:
        table[w] = max(table.get(w, -20.0), -6.0)
    return table


def _anchor(steps: Sequence[tuple[bool, frozenset[str], int]]) -> int | None:
    """Pick the step to anchor on: a required word, the rarest by estimated frequency.

    Only tokens that are some rule's anchor are visited in Python, so the choice decides the
    speed, never the matches. A step's frequency is the sum over its forms of their unigram
    probability (words outside the 5,000 commonest count as rarer than all of those).
    """
    candidates = [i for i, (pos, forms, op) in enumerate(steps) if op == _ONE and pos and forms]
    if not candidates:
        return None
    table = _log_probs()
    floor = min(table.values()) - 1.0

    def key(i: int) -> tuple[float, int]:
        return (sum(math.exp(table.get(f, floor)) for f in steps[i][1]), i)

    return min(candidates, key=key)


def _line_of(lines: Sequence[int | None], index: int, fallback: int | None) -> int | None:
    return (lines[index] if index < len(lines) else None) or fallback


def compile_codebook(codebook: Codebook | str | os.PathLike[str], *, code_interviewer: bool = False) -> Coder:
    """Compile a codebook's phrases, token patterns and exclusions into a :class:`Coder`.

    Parameters
    ----------
    codebook : Codebook or path
        A loaded codebook, or the path of ``codebook.yaml`` (loaded and validated).
    code_interviewer : bool, default False
        Code interviewer turns too. By default they are skipped: no rows come from them.

    Returns
    -------
    Coder
        Immutable, picklable.

    Raises
    ------
    CodebookError
        From :func:`casecoder.codebook.load_codebook` when given a path.
    CoderError
        Listing every rule the coder cannot run, each with file, line and field: an unsupported
        token attribute (E301) or operator (E302), a ``LEMMA`` that is not a lemma (E303), a
        pattern with no required word (E304), a bad value (E305), an empty phrase (E307).

    Examples
    --------
    >>> coder = compile_codebook("codebook.yaml")     # doctest: +SKIP
    >>> coder.codes[:2]                               # doctest: +SKIP
    ('bold_leadership', 'partnerships')
    """
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    c = _Compiler(codebook)
    raw: list[tuple[str, str, str, bool, list[tuple[bool, frozenset[str], int]], int | None, str]] = []
    for ci, code in enumerate(codebook.codes):
        base = f"codes[{ci}]({code.id})"
        # Each problem names the line of the phrase or pattern itself (the code's line only
        # for a codebook built in code, which has no lines). A phrase listed in ``mentions``
        # too is a mention only (needs an action frame).
        marked = {t.lower() for t in code.mentions}
        for key, texts, lines_, mention in (("phrases", code.phrases, code.phrase_lines, False),
                                            ("mentions", code.mentions, code.mention_lines, True)):
            for j, text in enumerate(texts):
                if not mention and text.lower() in marked:
                    continue
                fld = f"{base}.{key}[{j}]"
                line = _line_of(lines_, j, code.line)
                steps = c.phrase(text, line, fld)
                if steps is not None:
                    raw.append((code.id, f"phrase:{text}", "", mention, steps, line, fld))
        for j, tp in enumerate(code.patterns):
            fld = f"{base}.patterns[{j}]({tp.name}).pattern"
            line = tp.line or code.line
            steps = c.pattern(tp.tokens, line, fld)
            if steps is not None:
                raw.append((code.id, f"pattern:{tp.name}", "", tp.mention, steps, line, fld))
        for j, ex in enumerate(code.exclusions):
            for k, text in enumerate(ex.phrases):
                fld = f"{base}.exclusions[{j}]({ex.name}).phrases[{k}]"
                line = _line_of(ex.phrase_lines, k, code.line)
                steps = c.phrase(text, line, fld)
                if steps is not None:
                    raw.append((code.id, f"phrase:{text}", ex.name, False, steps, line, fld))
            if ex.pattern is not None:
                fld = f"{base}.exclusions[{j}]({ex.name}).pattern"
                line = ex.pattern.line or code.line
                steps = c.pattern(ex.pattern.tokens, line, fld)
                if steps is not None:
                    raw.append((code.id, f"pattern:{ex.name}", ex.name, False, steps, line, fld))

    # Form ids in sorted order of the forms, so a Coder is the same in every process.
    every_form = sorted({f for *_, steps, _, _ in raw for _, forms, _ in steps for f in forms})
    for f in every_form:
        c.form_id(f)
    rules: list[_Rule] = []
    for code_id, label, exclusion, mention, steps, line, fld in raw:
        anchor = _anchor(steps)
        if anchor is None:
            c.err("E304", line, fld)
            continue
        compiled = tuple((pos, frozenset(c.forms[f] for f in forms), op) for pos, forms, op in steps)
        rules.append(_Rule(
            code=code_id, order=len(rules), label=label, exclusion=exclusion, mention=mention, anchor=anchor,
            before=tuple(reversed(compiled[:anchor])), after=compiled[anchor + 1:],
            before_plan=_plan(tuple(reversed(compiled[:anchor]))), after_plan=_plan(compiled[anchor + 1:]),
            fixed=all(pos and op == _ONE for pos, _, op in compiled), steps=compiled,
            others=tuple(sorted((forms for k, (pos, forms, op) in enumerate(compiled)
                                 if k != anchor and pos and op == _ONE and forms), key=len)),
        ))
    if c.problems:
        raise CoderError(c.problems)

    n = len(c.forms) + 1
    per_form: list[list[_Rule]] = [[] for _ in range(n)]
    for r in rules:
        for fid in r.steps[r.anchor][1]:
            per_form[fid].append(r)
    # One bit per distinct set of required words of the token patterns, in rule order.
    bit_of: dict[frozenset[int], int] = {}
    for r in rules:
        if not r.fixed:
            for forms in r.others:
                bit_of.setdefault(forms, 1 << len(bit_of))
    word_bits = [0] * n
    for forms, bit in bit_of.items():
        for fid in forms:
            word_bits[fid] |= bit
    anchored = tuple(_anchor_slot(rs, bit_of) if rs else None for rs in per_form)
    is_anchor = np.array([slot is not None for slot in anchored], dtype=bool)
    pairs = sorted((_hash(f), fid) for f, fid in c.forms.items())
    hashes = np.array([h for h, _ in pairs] or [0], dtype=np.uint64)
    form_ids = np.array([fid for _, fid in pairs] or [0], dtype=np.int32)
    for arr in (hashes, form_ids, is_anchor):
        arr.setflags(write=False)

    return Coder(
        codes=codebook.ids,
        rules=tuple(rules),
        hashes=hashes,
        form_ids=form_ids,
        is_anchor=is_anchor,
        anchored=anchored,
        assertion=compile_assertion(codebook.settings.get("assertion")),
        code_interviewer=code_interviewer,
        codebook_path=codebook.path,
        word_bits=tuple(word_bits),
    )


_WILDCARD: Step = (False, frozenset(), _OPT)


def _plan(steps: Sequence[Step]) -> tuple[tuple[int, Step], ...]:
    """Steps as ``(k, step)``: each run of ``k`` optional wildcards merged into the
    single-token step after it ("work {?} {?} with": "with" one to three tokens on), which
    :func:`_find` tests in one pass over at most ``k + 1`` positions."""
    plan: list[tuple[int, Step]] = []
    k = 0
    for step in steps:
        if step == _WILDCARD:
            k += 1
            continue
        if step[2] == _ONE:
            plan.append((k, step))
        else:
            plan.extend([(0, _WILDCARD)] * k)
            plan.append((0, step))
        k = 0
    plan.extend([(0, _WILDCARD)] * k)
    return tuple(plan)


def _anchor_slot(rules: Sequence[_Rule], bit_of: Mapping[frozenset[int], int]) -> tuple[tuple[int, ...], tuple[tuple[int, dict[int, list[Any]]], ...], tuple[Any, ...]]:
    """How the hot loop tries the rules anchored on one word.

    Returns ``(singles, fixed, nfas)``:

    - ``singles``: one-word rules; the anchor token is the match.
    - ``fixed``: fixed word sequences, indexed by the position (relative to the anchor) and
      form id of their rarest other word, so that one dictionary look-up rules out every
      phrase that does not continue there; each entry is ``(rule, anchor offset, length,
      checks)`` with ``checks`` the other words, rarest first.
    - ``nfas``: rules with ``?``/``*``/``+``/``!``, as ``(rule, required bits, rule)``: the
      bits (``bit_of``) of the other required words, all of which the sentence must hold
      (:attr:`Coder.word_bits`) before :func:`_find` runs.
    """
    singles: list[int] = []
    fixed: dict[int, dict[int, list[Any]]] = {}
    nfas: list[Any] = []
    for rule in rules:
        if rule.fixed and len(rule.steps) == 1:
            singles.append(rule.order)
        elif rule.fixed:
            checks = sorted(((k, forms) for k, (_, forms, _) in enumerate(rule.steps) if k != rule.anchor),
                            key=lambda kf: (len(kf[1]), kf[0]))
            k0, forms0 = checks[0]
            entry = (rule.order, rule.anchor, len(rule.steps), tuple(checks[1:]))
            table = fixed.setdefault(k0 - rule.anchor, {})
            for fid in forms0:
                table.setdefault(fid, []).append(entry)
        else:
            nfas.append((rule.order, sum(bit_of[forms] for forms in set(rule.others)), rule))
    return (tuple(singles), tuple(sorted(fixed.items())), tuple(nfas))


def _as_coder(codebook_or_coder: Coder | Codebook | str | os.PathLike[str], code_interviewer: bool | None) -> Coder:
    if isinstance(codebook_or_coder, Coder):
        if code_interviewer is None or code_interviewer == codebook_or_coder.code_interviewer:
            return codebook_or_coder
        return replace(codebook_or_coder, code_interviewer=code_interviewer)
    return compile_codebook(codebook_or_coder, code_interviewer=bool(code_interviewer))


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
        question: bool | None = None
        for code, matches in by_code.items():
            vetoes = sorted(set(other_senses[code])) if code in other_senses else ()
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
                        question = not judge.words["question"].isdisjoint(lower)
                    reason = judge.judge(lower, ms - a, me - a, mention=rules[order].mention, question=question)
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
    rows.sort(key=lambda row: (row[6], row[7], row[9]))
    return rows


# --------------------------------------------------------------------------------------------
# running: one process or a pool of workers over batches of documents

_WORKER_CODER: Coder | None = None


def _init_worker(coder: Coder) -> None:
    global _WORKER_CODER
    _WORKER_CODER = coder
    get_nlp()
    # The pipeline, the lemma table and the coder live as long as the worker: keep the
    # garbage collector from scanning them again and again.
    gc.freeze()


def _code_batch(batch: Sequence[Document]) -> list[tuple[Any, ...]]:
    assert _WORKER_CODER is not None
    make_doc = get_nlp().tokenizer
    return _code_documents(batch, _WORKER_CODER, make_doc)


def _read_and_code_batch(batch: Sequence[tuple[str, str, Mapping[str, Mapping[str, str]], tuple[str, ...]]]
                         ) -> tuple[int, list[tuple[Any, ...]], tuple[Problem, ...], tuple[Warning, ...]]:
    """Read and code a batch of files; the problems of unreadable files come back as data
    (exceptions do not pickle well) and the readable files are still coded, so one run lists
    every bad file of the corpus, not the first. Warnings (a file decoded as cp1252) come back
    too: a worker process cannot show them in the parent's format."""
    assert _WORKER_CODER is not None
    make_doc = get_nlp().tokenizer
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
        global _WORKER_CODER
        previous = _WORKER_CODER
        _WORKER_CODER = coder
        try:
            for task in tasks:
                yield func(task)
        finally:
            _WORKER_CODER = previous
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
    out_path = Path(out)
    if out_path.suffix.lower() not in (".csv", ".parquet"):
        raise CoderError(problem("E308", path=out_path, suffix=out_path.suffix or "(none)"))
    if not isinstance(codebook, (Coder, Codebook)):
        codebook = load_codebook(codebook)
    coder = _as_coder(codebook, code_interviewer)
    if case_key is None:
        case_key = codebook.case_key if isinstance(codebook, Codebook) else DEFAULT_CASE_KEY
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
    cases: dict[str, dict[str, dict[str, str]]] = {}

    interviewers = codebook.interviewers if isinstance(codebook, Codebook) else ()

    def tasks() -> Iterator[tuple[str, str, Mapping[str, Mapping[str, str]], tuple[str, ...]]]:
        for f in files:
            folder = os.path.dirname(f)
            if folder not in cases:
                cases_file = Path(folder) / CASES_FILE
                cases[folder] = load_cases(cases_file) if cases_file.is_file() else {}
            yield (f, case_key, cases[folder], interviewers)

    def results() -> Iterator[list[tuple[Any, ...]]]:
        with _progress(len(files), progress, "doc") as bar:
            for n, rows, found, notes in _map(coder, _read_and_code_batch, _batches(tasks(), _BATCH_DOCS), jobs):
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
