"""The pattern compiler: a codebook's phrases, mentions, token patterns and exclusions, compiled
once into an immutable :class:`Coder` that :mod:`casecoder.coder` runs.

Each rule becomes a sequence of *steps* over small integer *form ids* (a rule's ``LEMMA`` is
expanded, through the lookup table reversed, :func:`casecoder.nlp.forms_of`, into every
lower-case form with that lemma; ``LOWER`` is taken as written). Each rule has an *anchor*, the
required step whose words are rarest in English: only tokens that are some rule's anchor are
visited when coding, and from each the rules anchored there are tried in the ways
:func:`_anchor_slot` prepares (one-word rules, fixed word sequences indexed by their rarest
other word, and small NFAs for ``?``, ``*``, ``+``, ``!``). ``docs/CODER.md`` explains why.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from spacy.strings import get_string_id

from .assertion import Assertion, compile_assertion
from .codebook import Codebook, load_codebook
from .errors import CoderError, Problem, problem
from .nlp import forms_of, get_nlp, lemma

__all__ = ["DOMAIN_COMMON", "Coder", "compile_codebook"]

_ONE, _OPT, _STAR = 0, 1, 2
_OPS = {None: (_ONE,), "?": (_OPT,), "*": (_STAR,), "+": (_ONE, _STAR), "!": (_ONE,)}

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
    every_rule : bool
        One row per (sentence, code, rule) that matched, each with its own status, instead of
        one per (sentence, code) with the first rule that fired (default False; for the
        evidence of each rule, :mod:`casecoder.evidence`).
    codebook_path : str
        Where the codebook came from, for messages.
    case_key : str
        The codebook's case key (:attr:`Codebook.case_key`), with which the coder reads
        transcript files when it is given a compiled coder rather than the codebook.
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
    every_rule: bool = False
    case_key: str = ""

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


#: A rule before form ids: (code, label, exclusion name, mention, steps over forms, line, field).
_RawRule = tuple[str, str, str, bool, list[tuple[bool, frozenset[str], int]], int | None, str]


def _raw_rules(c: _Compiler, codebook: Codebook) -> list[_RawRule]:
    """Every phrase, mention, pattern and exclusion of the codebook as steps over word forms,
    in codebook order (the order that decides which rule a row names)."""
    raw: list[_RawRule] = []
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

    return raw


def _rules(c: _Compiler, raw: Sequence[_RawRule]) -> list[_Rule]:
    """Number the forms and compile each raw rule around its anchor (E304 without one)."""
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
    return rules


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
    rules = _rules(c, _raw_rules(c, codebook))
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
        case_key=codebook.case_key,
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
