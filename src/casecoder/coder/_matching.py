"""Matching: one document's turns -> its codings rows (steps 1-5 of :mod:`casecoder.coder`).

Private: :mod:`casecoder.coder` is the public face. Everything here works on one document (or a
run of its turns) in the calling process; :mod:`._running` spreads documents over processes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from spacy.attrs import IDX, IS_SPACE, LOWER

from ..compiler import _ONE, _STAR, _WILDCARD, Coder, Step, _Rule
from ..segments import split_sentences
from ..transcripts import Document, Turn

_ATTRS = [LOWER, IDX, IS_SPACE]
#: Between turns tokenized as one text: white space the tokenizer keeps as a token of its own.
_JOIN = "\n\n"

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


def _sentence_spans(document: Document, turns: Sequence[Turn] | None = None) -> list[tuple[Turn, int, int]]:
    """(turn, start, end) of every sentence, in the order and with the offsets of
    :func:`casecoder.segments.sentences` (the same :func:`~casecoder.segments.split_sentences`
    per turn), without building a :class:`~casecoder.segments.Segment` for each: the coder
    needs the text only of the few sentences that match. ``turns``: only these (a piece of a
    large document, see :func:`_large_document_rows`)."""
    out: list[tuple[Turn, int, int]] = []
    for turn in document.turns if turns is None else turns:
        base = turn.start
        out.extend((turn, base + s, base + e) for s, e in split_sentences(turn.text))
    return out


def _tokenize(document: Document, coder: Coder, make_doc: Callable[[str], Any],
              turns: Sequence[Turn] | None = None) -> _Tokens | None:
    """Tokenize every turn (or only ``turns``) with the bare tokenizer and look up each
    token's form id.

    The turns to code are joined by a blank line and tokenized as one text: the tokenizer
    splits at white space and never looks across it, so each turn gets exactly the tokens it
    would get alone, and the blank lines come out as white-space tokens, dropped with the
    others. One Doc and one ``to_array`` per document cost much less than one per turn.
    (Tokenizing turn by turn was also a way round spaCy's tokenizer not caching words for the
    rest of a Doc after its first special case, "don't"; :class:`casecoder.nlp.ChunkCachedTokenizer`
    fills the cache first, so a long text is as fast.)
    """
    texts = []
    shifts = []     # turn.start minus the turn's offset in the joined text
    joined_starts = []
    at = 0
    skip_interviewer = not coder.code_interviewer
    for turn in document.turns if turns is None else turns:
        # Interviewer turns are not coded (unless asked): not even tokenized, which saves
        # their share of the time (about an eighth of a typical transcript).
        if not turn.text or (skip_interviewer and turn.interviewer):
            continue
        texts.append(turn.text)
        joined_starts.append(at)
        shifts.append(turn.start - at)
        at += len(turn.text) + len(_JOIN)
    if not texts:
        return None
    arr = make_doc(_JOIN.join(texts)).to_array(_ATTRS)
    arr = arr[arr[:, 2] == 0]
    lower = arr[:, 0]
    idx = arr[:, 1].astype(np.int64)
    if len(shifts) > 1:
        turn_of = np.searchsorted(np.asarray(joined_starts, dtype=np.int64), idx, side="right") - 1
        idx += np.asarray(shifts, dtype=np.int64)[turn_of]
    else:
        idx += shifts[0]
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
                   tokens: _Tokens | None | bool = False, *,
                   segs: Sequence[tuple[Turn, int, int]] | None = None, first: int = 0) -> list[tuple[Any, ...]]:
    """The codings rows of one document, sorted as :func:`casecoder.schema.normalise_codings` sorts.

    ``tokens`` may be given already (see :func:`_code_documents`); so may ``segs``, the
    sentences of a piece of the document whose first sentence is the document's ``first``."""
    if segs is None:
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
                    rows.append((doc_id, case, turn.section, turn.index, turn.speaker, first + s, start, end,
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
                doc_id, case, turn.section, turn.index, turn.speaker, first + s,
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
