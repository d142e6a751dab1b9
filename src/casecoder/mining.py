"""Candidate rules mined from an analysts' coding, each with its evidence, for an analyst to judge.

:func:`suggest_rules` looks at the units (sentences or turns) the analysts coded with a code and
the codebook's rules do not catch, and proposes rules in the coder's own language that would
catch them:

- **phrases**: runs of 1 to 4 words matched on lemmas (``"appetite for risk"``), the first and
  last word a content word (not a stop word, not a number or a sign), so a phrase of stop words
  alone is never proposed;
- **patterns**: two content lemmas with up to ``window`` words between them, as a token pattern
  ``[{"LEMMA": a}, {"OP": "?"}, ..., {"LEMMA": b}]`` ("involve ... resident").

Every candidate is then run through the coder itself, as a code of its own with the exclusions
(other senses) of the code it is for and the codebook's settings, so its hits are what the coder
would code: negations, questions, hypotheticals and the other assertion rules set aside
(:mod:`casecoder.assertion`). Its evidence is counted unit by unit against the analysts' coding:

==================  ============================================================================
``hits``            units it codes
``tp``, ``fp``      of those, units the analysts coded with the code / did not
``precision``       tp / hits, on that coding
``support_units``   units the analysts coded with the code that it codes and the codebook's
                    rules do not: what it would add (its recall gain, times the code's units)
``support_documents``  the documents (sources, for a set of units with a ``source``) those
                    units come from
``added_fp``        units it codes that neither the analysts nor the codebook's rules code:
                    the false alarms it would add
``added_precision`` support_units / (support_units + added_fp): the precision of what it adds
``recall_gain``     support_units / the units the analysts coded with the code
==================  ============================================================================

Guards against copying the data into the codebook: a candidate must add units from at least
``min_documents`` different documents (default 2), must never be a whole sentence (all the words
of a sentence it was found in), and must add at least one unit. Among the candidates that pass,
:func:`suggest_rules` marks as ``selected`` a short list per code: greedily, the candidate that
adds the most units not yet added by the ones chosen before it, among those whose
``added_precision`` reaches ``min_precision``. Nothing is written into a codebook: the analyst
reads :func:`suggestions_yaml` and pastes what they accept; :func:`with_candidates` gives the
codebook with candidates added, in memory, to measure them (``benchmarks/cv_mined_rules.py``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from spacy.lang.en.stop_words import STOP_WORDS

from .agreement.units import span_units, units_table
from .codebook import Code, Codebook, TokenPattern
from .coder import code_documents, compile_codebook
from .errors import EvaluationError, problem
from .io import atomic_write_text
from .nlp import get_nlp, lemma
from .schema import csv_safe_frame, validate_codings
from .segments import sentences
from .transcripts import Document

__all__ = [
    "CANDIDATE_COLUMNS",
    "LEVELS",
    "suggest_rules",
    "suggestions_yaml",
    "with_candidates",
    "write_suggestions",
]

#: The units a coding is counted on: sentences, or whole turns (one unit of a set of units).
LEVELS: tuple[str, ...] = ("sentence", "turn")

#: Columns of the table :func:`suggest_rules` returns, in order.
CANDIDATE_COLUMNS: tuple[str, ...] = (
    "code", "kind", "rule", "pattern", "words", "hits", "tp", "fp", "precision", "support_units",
    "support_documents", "added_fp", "added_precision", "recall_gain", "selected",
    "example_1", "example_2", "example_3",
)

_INT = ("words", "hits", "tp", "fp", "support_units", "support_documents", "added_fp")
_FLOAT = ("precision", "added_precision", "recall_gain")


def _empty() -> pd.DataFrame:
    """A table of no candidates, with the columns and dtypes of a full one."""
    dtype = {**{c: "int64" for c in _INT}, **{c: "float64" for c in _FLOAT}, "selected": "bool"}
    return pd.DataFrame({c: pd.Series(dtype=dtype.get(c, object)) for c in CANDIDATE_COLUMNS})


#: The longest phrase proposed, in words.
MAX_WORDS = 4
_EXAMPLES = 3
# A hyphen written between two words ("co-design") joins them; anywhere else it is punctuation.
_JOINERS = frozenset({"-", "/"})


@dataclass(frozen=True)
class _Token:
    lower: str
    lemma: str
    start: int
    end: int
    word: bool      # a word (not punctuation); joiners are not words
    content: bool   # a word that may begin or end a candidate
    joiner: bool    # a hyphen attached to the words on both sides


@dataclass(frozen=True)
class _Sentence:
    unit: int
    group: str
    start: int       # where the sentence starts in its document
    text: str
    tokens: tuple[_Token, ...]


def _is_content(lower: str, lem: str, alpha: bool) -> bool:
    return alpha and len(lower) > 1 and lower not in STOP_WORDS and lem not in STOP_WORDS


def _group_of(document: Document) -> str:
    """What counts as a different document for the guard: the source page of a unit (its case,
    :func:`casecoder.evaluate.read_units`), else the document itself."""
    return document.case if "source" in document.metadata else document.id


def _tokens(text: str, make_doc: Any) -> tuple[_Token, ...]:
    """A sentence's tokens (white space dropped), each with its lemma and role."""
    doc = make_doc(text)
    toks = [t for t in doc if not t.is_space]
    out = []
    for i, t in enumerate(toks):
        lower = t.lower_
        attached = (0 < i < len(toks) - 1 and toks[i - 1].idx + len(toks[i - 1]) == t.idx
                    and t.idx + len(t) == toks[i + 1].idx and toks[i - 1].is_alpha and toks[i + 1].is_alpha)
        joiner = lower in _JOINERS and attached
        word = not (t.is_punct or joiner) and any(ch.isalnum() for ch in lower)
        lem = lemma(t.text)
        out.append(_Token(lower, lem, t.idx, t.idx + len(t), word, word and _is_content(lower, lem, t.is_alpha),
                          joiner))
    return tuple(out)


def _sentences(documents: Sequence[Document], units: pd.DataFrame, level: str) -> list[_Sentence]:
    """Every sentence the coder codes (interviewer turns aside), tokenized, with its unit."""
    make_doc = get_nlp().make_doc
    segs = []
    for doc in documents:
        interviewer = {t.index for t in doc.turns if t.interviewer}
        segs.extend((doc, s) for s in sentences(doc) if s.turn not in interviewer)
    spans = pd.DataFrame({"document": [d.id for d, _ in segs], "start": [s.start for _, s in segs],
                          "end": [s.end for _, s in segs]})
    unit_of = dict(zip(*reversed(span_units(spans, units, level, empty_counts=True)))) if segs else {}
    out = []
    for i, (doc, s) in enumerate(segs):
        if i in unit_of:
            out.append(_Sentence(int(unit_of[i]), _group_of(doc), s.start, s.text, _tokens(s.text, make_doc)))
    return out


def _phrases(tokens: Sequence[_Token]) -> Iterator[tuple[tuple[str, ...], int, int]]:
    """(lemmas, first token, end token) of every run of 1..MAX_WORDS words with content edges."""
    for i, first in enumerate(tokens):
        if not first.content:
            continue
        words = 0
        for j in range(i, len(tokens)):
            t = tokens[j]
            if not (t.word or t.joiner):
                break
            words += t.word
            if words > MAX_WORDS:
                break
            if t.content:
                yield tuple(x.lemma for x in tokens[i:j + 1]), i, j + 1


def _pairs(tokens: Sequence[_Token], window: int) -> Iterator[tuple[str, str]]:
    """(lemma a, lemma b) of two content words with 1..window words between, no punctuation."""
    for i, a in enumerate(tokens):
        if not a.content or lemma(a.lemma) != a.lemma:
            continue
        for j in range(i + 1, min(i + window + 2, len(tokens))):
            b = tokens[j]
            if not (b.word or b.joiner):
                break
            if j >= i + 2 and b.content and lemma(b.lemma) == b.lemma and b.lemma != a.lemma:
                yield a.lemma, b.lemma


@dataclass
class _Seen:
    """Where a candidate was found among the units a code's rules miss."""

    units: set[int] = dataclasses.field(default_factory=set)
    groups: set[str] = dataclasses.field(default_factory=set)
    forms: Counter[str] = dataclasses.field(default_factory=Counter)
    whole: bool = False
    words: int = 2


def _found(sents: Sequence[_Sentence], target: Mapping[str, set[int]], window: int) -> dict[tuple[str, Any, str], _Seen]:
    """Every phrase and pair found in a unit that some code's analysts coded and its rules
    missed: (code, kind, key) -> where it was seen."""
    seen: dict[tuple[str, Any, str], _Seen] = {}
    for s in sents:
        codes = [c for c, units in target.items() if s.unit in units]
        if not codes:
            continue
        n_words = sum(t.word for t in s.tokens)
        found: dict[tuple[str, Any], tuple[str, int]] = {}
        for lems, i, j in _phrases(s.tokens):
            form = " ".join(s.text[s.tokens[i].start:s.tokens[j - 1].end].lower().split())
            found.setdefault(("phrase", lems), (form, sum(t.word for t in s.tokens[i:j])))
        for a, b in _pairs(s.tokens, window):
            found.setdefault(("pattern", (a, b)), ("", 2))
        for (kind, key), (form, words) in found.items():
            for c in codes:
                rec = seen.setdefault((c, kind, key), _Seen())  # type: ignore[arg-type]
                rec.units.add(s.unit)
                rec.groups.add(s.group)
                rec.forms[form] += 1
                rec.words = words
                # the guard against copying: a phrase that is all the words of a sentence
                rec.whole = rec.whole or (kind == "phrase" and words == n_words)
    return seen


def _pattern_tokens(a: str, b: str, window: int) -> tuple[dict[str, Any], ...]:
    return ({"LEMMA": a}, *({"OP": "?"} for _ in range(window)), {"LEMMA": b})


def _pattern_name(a: str, b: str) -> str:
    return "mined_" + re.sub(r"[^a-z0-9]+", "_", f"{a}_{b}".lower()).strip("_")


@dataclass(frozen=True)
class _Candidate:
    code: str
    kind: str
    rule: str                   # phrase:<text> or pattern:<name>
    phrase: str
    pattern: tuple[dict[str, Any], ...]
    words: int


def _candidates(seen: Mapping[tuple[str, Any, str], _Seen], min_documents: int, window: int) -> list[_Candidate]:
    """The candidates seen in units of at least ``min_documents`` documents, never a whole
    sentence, in a fixed order."""
    out = []
    for (code, kind, key), rec in seen.items():
        if rec.whole or len(rec.groups) < min_documents:
            continue
        if kind == "phrase":
            # the commonest way it was written (ties: alphabetical) reads best in a codebook
            text = min(rec.forms.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            out.append(_Candidate(code, kind, f"phrase:{text}", text, (), rec.words))
        else:
            a, b = key
            out.append(_Candidate(code, kind, f"pattern:{_pattern_name(a, b)}", "", _pattern_tokens(a, b, window), 2))
    return sorted(out, key=lambda c: (c.code, c.kind, c.rule))


def _trial_codebook(codebook: Codebook, cands: Sequence[_Candidate]) -> Codebook:
    """Each candidate as a code of its own (``m0``, ``m1``, ...) with the exclusions of the code
    it is for: the coder then says where each one alone codes."""
    codes = []
    for i, c in enumerate(cands):
        base = codebook[c.code]
        pats = (TokenPattern(name=c.rule.split(":", 1)[1], tokens=c.pattern),) if c.kind == "pattern" else ()
        codes.append(Code(id=f"m{i}", label=c.rule, phrases=(c.phrase,) if c.phrase else (), patterns=pats,
                          exclusions=base.exclusions))
    return Codebook(codes=tuple(codes), path=codebook.path, settings=codebook.settings)


def _unit_hits(codings: pd.DataFrame, units: pd.DataFrame, level: str) -> dict[str, dict[int, str]]:
    """code -> {unit: the text of the first sentence coded there} for the rows with status coded."""
    coded = codings[codings["status"] == "coded"].reset_index(drop=True)
    out: dict[str, dict[int, str]] = {}
    if coded.empty:
        return out
    codes, texts = coded["code"].astype(str).tolist(), coded["text"].astype(str).tolist()
    for u, r in zip(*span_units(coded[["document", "start", "end"]], units, level, empty_counts=True)):
        out.setdefault(codes[r], {}).setdefault(int(u), texts[r])
    return out


def _check(documents: Sequence[Document], gold: pd.DataFrame, codebook: Codebook, level: str,
           codes: Sequence[str] | None, min_documents: int, min_precision: float, window: int) -> list[str]:
    """The codes to mine; every problem with the options or the coding raised at once."""
    problems = []
    if level not in LEVELS:
        problems.append(problem("E481", field="level", option="level", value=level, choices=", ".join(LEVELS)))
    chosen = list(codebook.ids) if codes is None else list(codes)
    for c in chosen:
        if c not in codebook:
            problems.append(problem("E457", field="codes", code_id=c, known=", ".join(codebook.ids)))
    if not (isinstance(min_documents, int) and min_documents >= 1):
        problems.append(problem("E482", field="min_documents", expected="a whole number of at least 1",
                                found=repr(min_documents)))
    if not (isinstance(min_precision, (int, float)) and 0 <= min_precision <= 1):
        problems.append(problem("E482", field="min_precision", expected="a number from 0 to 1", found=repr(min_precision)))
    if not (isinstance(window, int) and 1 <= window <= 5):
        problems.append(problem("E482", field="window", expected="a whole number from 1 to 5", found=repr(window)))
    known_docs = {d.id for d in documents}
    coded = gold[gold["status"] == "coded"]
    for doc_id, n in coded["document"].astype(str).value_counts().sort_index().items():
        if doc_id not in known_docs:
            problems.append(problem("E459", field="document", document=doc_id, count=int(n), total=len(known_docs)))
    for code, n in coded["code"].astype(str).value_counts().sort_index().items():
        if code not in codebook:
            problems.append(problem("E457", field="code", code_id=code, known=", ".join(codebook.ids)))
    if problems:
        raise EvaluationError(problems)
    return chosen


# long because: its NumPy docstring (every parameter, what is returned and raised, an example)
# is as long as its code, which is under 60 lines.
def suggest_rules(
    documents: Iterable[Document],
    gold: pd.DataFrame,
    codebook: Codebook,
    *,
    codings: pd.DataFrame | None = None,
    level: str = "sentence",
    codes: Sequence[str] | None = None,
    min_documents: int = 2,
    min_precision: float = 0.5,
    window: int = 3,
) -> pd.DataFrame:
    """Mine candidate rules from an analysts' coding, with their evidence (see the module docstring).

    Parameters
    ----------
    documents : iterable of Document
        The transcripts (or units) the analysts coded; every one counts as reviewed.
    gold : DataFrame
        The analysts' coding as a codings table (:mod:`casecoder.schema`), e.g. the
        ``codings`` of :func:`casecoder.sources.load_codings`; rows with status ``coded`` count.
    codebook : Codebook
        The codebook whose rules are taken as they are: units they already code with a code
        are not what a candidate for that code is credited with.
    codings : DataFrame, optional
        The codebook's coding of ``documents`` (:func:`casecoder.coder.code_documents`); made
        here when not given.
    level : {"sentence", "turn"}, default "sentence"
        The unit a coding counts for (``turn`` for a set of one-turn units).
    codes : sequence of str, optional
        The codes to mine for (default: every code of the codebook).
    min_documents : int, default 2
        The fewest different documents (sources, for units with a ``source``) the units a
        candidate adds must come from.
    min_precision : float, default 0.5
        The least ``added_precision`` of a ``selected`` candidate.
    window : int, default 3
        The most words between the two lemmas of a pattern (1 to 5).

    Returns
    -------
    DataFrame
        One row per candidate that passes the guards, columns :data:`CANDIDATE_COLUMNS`; sorted
        by code (codebook order), selected first, then by ``added_precision`` and
        ``support_units`` (both descending), words and rule. ``pattern`` is the token pattern
        as JSON (``""`` for a phrase); ``example_1..3`` are sentences it adds.

    Raises
    ------
    EvaluationError
        Every problem at once: an unknown level (E481) or code (E457), a bad option (E482), a
        coding of a document not given (E459).

    Examples
    --------
    >>> from casecoder.codebook import Code, Codebook
    >>> from casecoder.transcripts import Document, Turn
    >>> def unit(i, text):
    ...     turn = Turn(index=0, speaker="Manager", section="", start=0, end=len(text), text=text)
    ...     return Document(id=f"u{i}", path="", text=text, case=f"u{i}", metadata={}, turns=(turn,))
    >>> docs = [unit(1, "We built a risk appetite statement."), unit(2, "Our risk appetite grew."),
    ...         unit(3, "The weather was fine.")]
    >>> gold = pd.DataFrame({"document": ["u1", "u2"], "case": ["u1", "u2"], "start": 0, "end": [35, 23],
    ...                      "code": "risk", "analyst": "a"})
    >>> book = Codebook(codes=(Code(id="risk", label="Take risks"),))
    >>> found = suggest_rules(docs, gold, book)
    >>> found[found["selected"]][["rule", "support_units", "support_documents", "precision"]]
                       rule  support_units  support_documents  precision
    0  phrase:risk appetite              2                  2        1.0
    """
    docs = sorted(documents, key=lambda d: d.id)
    gold = validate_codings(gold)
    chosen = _check(docs, gold, codebook, level, codes, min_documents, min_precision, window)
    # every unit, the interviewer's too, as the evaluation counts them (casecoder.evaluate)
    units = units_table(docs, level, include_interviewer=True)
    analysts = _unit_hits(gold, units, level)
    if codings is None:
        codings = code_documents(docs, codebook)
    caught = _unit_hits(validate_codings(codings), units, level)
    target = {c: set(analysts.get(c, {})) - set(caught.get(c, {})) for c in chosen}
    sents = _sentences(docs, units, level)
    cands = _candidates(_found(sents, target, window), min_documents, window)
    if not cands:
        return _empty()
    trial = _trial_codebook(codebook, cands)
    hits = _unit_hits(code_documents(docs, compile_codebook(trial)), units, level)
    groups = units["documents"].astype(str).map({d.id: _group_of(d) for d in docs}).tolist()
    rows = []
    for i, c in enumerate(cands):
        row = _evidence(c, hits.get(f"m{i}", {}), set(analysts.get(c.code, {})), set(caught.get(c.code, {})), groups)
        if row["support_units"] >= 1 and row["support_documents"] >= min_documents:
            rows.append({**row, "_added": frozenset(set(hits.get(f"m{i}", {})) & set(analysts.get(c.code, {})))})
    if not rows:
        return _empty()
    table = pd.DataFrame(rows, columns=[*CANDIDATE_COLUMNS, "_added"])
    return _select(table, codebook, min_precision)


def _evidence(c: _Candidate, hit: Mapping[int, str], coded: set[int], caught: set[int], groups: Sequence[str]) -> dict[str, Any]:
    """One candidate's row of the table, from the units it codes."""
    units = set(hit)
    tp, added = units & coded, (units & coded) - caught
    added_fp = units - coded - caught
    examples = [hit[u] for u in sorted(added)][:_EXAMPLES]
    examples += [""] * (_EXAMPLES - len(examples))
    return {
        "code": c.code, "kind": c.kind, "rule": c.rule,
        "pattern": json.dumps(list(c.pattern), ensure_ascii=False) if c.pattern else "",
        "words": c.words, "hits": len(units), "tp": len(tp), "fp": len(units) - len(tp),
        "precision": len(tp) / len(units) if units else 0.0,
        "support_units": len(added), "support_documents": len({groups[u] for u in added}),
        "added_fp": len(added_fp),
        "added_precision": len(added) / (len(added) + len(added_fp)) if added or added_fp else 0.0,
        "recall_gain": len(added) / len(coded) if coded else 0.0,
        "selected": False, "example_1": examples[0], "example_2": examples[1], "example_3": examples[2],
    }


def _select(table: pd.DataFrame, codebook: Codebook, min_precision: float) -> pd.DataFrame:
    """Mark the greedy short list per code and sort the table."""
    order = {c: i for i, c in enumerate(codebook.ids)}
    selected = np.zeros(len(table), dtype=bool)
    for _, rows in table.groupby("code", sort=False):
        left = {r: set(table.at[r, "_added"]) for r in rows.index if table.at[r, "added_precision"] >= min_precision}
        covered: set[int] = set()
        while left:
            # most units not yet added; then precision; then the more specific rule (more
            # words: on equal evidence, the one less likely to code other senses); the text
            best = min(left, key=lambda r: (-len(left[r] - covered), -table.at[r, "added_precision"],
                                            -table.at[r, "words"], table.at[r, "rule"]))
            gain = left.pop(best) - covered
            if not gain:
                break
            covered |= gain
            selected[best] = True
    table["selected"] = selected
    for col in ("precision", "added_precision", "recall_gain"):
        table[col] = table[col].astype(float).round(6)
    table["_order"] = table["code"].map(order)
    table = table.sort_values(["_order", "selected", "added_precision", "support_units", "words", "rule"],
                              ascending=[True, False, False, False, True, True], kind="mergesort")
    return table.drop(columns=["_order", "_added"]).reset_index(drop=True)


def with_candidates(codebook: Codebook, candidates: pd.DataFrame) -> Codebook:
    """The codebook with candidate rules added to their codes, in memory (the file is untouched).

    Parameters
    ----------
    codebook : Codebook
    candidates : DataFrame
        Rows of :func:`suggest_rules` (e.g. the selected ones): phrases are appended to the
        code's ``phrases``, patterns to its ``patterns``, each once.

    Returns
    -------
    Codebook

    Examples
    --------
    >>> from casecoder.codebook import Code, Codebook
    >>> book = Codebook(codes=(Code(id="risk", label="Take risks", phrases=("gamble",)),))
    >>> rows = pd.DataFrame({"code": ["risk"], "kind": ["phrase"], "rule": ["phrase:risk appetite"],
    ...                      "pattern": [""]})
    >>> with_candidates(book, rows)["risk"].phrases
    ('gamble', 'risk appetite')
    """
    add: dict[str, tuple[list[str], list[TokenPattern]]] = {}
    for rec in candidates.to_dict("records"):
        phrases, patterns = add.setdefault(str(rec["code"]), ([], []))
        name = str(rec["rule"]).split(":", 1)[1]
        if rec["kind"] == "phrase":
            phrases.append(name)
        else:
            patterns.append(TokenPattern(name=name, tokens=tuple(json.loads(rec["pattern"]))))
    codes = []
    for code in codebook.codes:
        phrases, patterns = add.get(code.id, ([], []))
        new_p = tuple(dict.fromkeys((*code.phrases, *phrases)))
        names = {p.name for p in code.patterns}
        new_t = code.patterns + tuple(p for p in patterns if p.name not in names)
        codes.append(dataclasses.replace(code, phrases=new_p, patterns=new_t,
                                         phrase_lines=code.phrase_lines + (None,) * (len(new_p) - len(code.phrases))))
    return dataclasses.replace(codebook, codes=tuple(codes))


def _comment(text: str, width: int = 110) -> str:
    one = " ".join(str(text).split())
    return one if len(one) <= width else one[: width - 1] + "…"


def suggestions_yaml(candidates: pd.DataFrame, codebook: Codebook | None = None, *, header: str = "") -> str:
    """The candidates as a YAML snippet to paste into ``codebook.yaml``, each with its evidence.

    One entry per code (codebook order when ``codebook`` is given), holding its candidate
    ``phrases`` and ``patterns``; above each, comments give its support, precision and up to
    three example sentences it would add. The snippet parses as YAML with the layout of a
    codebook's ``codes`` (``id``, ``phrases``, ``patterns``), so its entries can be copied under
    the code's own keys. Nothing is added to any codebook.

    Parameters
    ----------
    candidates : DataFrame
        Rows of :func:`suggest_rules` (usually the ``selected`` ones).
    codebook : Codebook, optional
        Supplies the order of the codes and their labels.
    header : str
        Comment lines put first (e.g. how the candidates were mined).

    Returns
    -------
    str

    Examples
    --------
    >>> rows = pd.DataFrame({"code": ["risk"], "kind": ["phrase"], "rule": ["phrase:risk appetite"],
    ...     "pattern": [""], "hits": [3], "tp": [2], "precision": [0.667], "support_units": [2],
    ...     "support_documents": [2], "added_fp": [1], "added_precision": [0.667], "recall_gain": [1.0],
    ...     "example_1": ["Our risk appetite grew."], "example_2": [""], "example_3": [""]})
    >>> print(suggestions_yaml(rows), end="")
    codes:
      - id: risk
        phrases:
          # adds 2 unit(s) from 2 document(s), 1 false alarm(s) (added precision 0.667);
          # codes 3 unit(s), 2 coded by the analysts (precision 0.667); recall gain 1.000
          #   e.g. "Our risk appetite grew."
          - "risk appetite"
    >>> yaml.safe_load(suggestions_yaml(rows))["codes"][0]["phrases"]
    ['risk appetite']
    """
    lines = [f"# {h}" if h else "#" for h in header.splitlines()] if header else []
    order = {c: i for i, c in enumerate(codebook.ids)} if codebook is not None else {}
    recs = sorted(candidates.to_dict("records"), key=lambda r: (order.get(r["code"], len(order)), str(r["code"])))
    if not recs:
        # Said plainly: candidates may have passed the guards and fallen short of the precision.
        return "\n".join([*lines, "codes: []  # nothing selected; candidates.csv lists every candidate that passed the guards", ""])
    lines.append("codes:")
    for code in dict.fromkeys(r["code"] for r in recs):
        label = f"  # {codebook[code].label}" if codebook is not None and code in codebook else ""
        lines.append(f"  - id: {code}{label}")
        for kind, key in (("phrase", "phrases"), ("pattern", "patterns")):
            mine = [r for r in recs if r["code"] == code and r["kind"] == kind]
            if not mine:
                continue
            lines.append(f"    {key}:")
            for r in mine:
                lines += _entry(r)
    return "\n".join(lines) + "\n"


def _entry(r: Mapping[str, Any]) -> list[str]:
    """One candidate's comment lines and its entry."""
    pad = "      "
    out = [
        f"{pad}# adds {r['support_units']} unit(s) from {r['support_documents']} document(s), {r['added_fp']} false "
        f"alarm(s) (added precision {r['added_precision']:.3f});",
        f"{pad}# codes {r['hits']} unit(s), {r['tp']} coded by the analysts (precision {r['precision']:.3f}); "
        f"recall gain {r['recall_gain']:.3f}",
    ]
    for k in range(1, _EXAMPLES + 1):
        ex = r.get(f"example_{k}", "")
        if isinstance(ex, str) and ex:
            out.append(f'{pad}#   e.g. "{_comment(ex)}"')
    name = str(r["rule"]).split(":", 1)[1]
    if r["kind"] == "phrase":
        out.append(f"{pad}- {json.dumps(name, ensure_ascii=False)}")
    else:
        out.append(f"{pad}- name: {name}")
        out.append(f"{pad}  pattern: {_flow_pattern(r['pattern'])}")
    return out


def _flow_pattern(pattern: str) -> str:
    """A token pattern as codebook.yaml writes one: JSON, keys quoted."""
    return json.dumps(json.loads(pattern), ensure_ascii=False)


def write_suggestions(
    candidates: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    codebook: Codebook | None = None,
    *,
    header: str = "",
) -> list[Path]:
    """Write ``candidates.csv`` (every candidate that passed the guards) and
    ``suggested_rules.yaml`` (the selected ones, :func:`suggestions_yaml`) into ``out_dir``.

    Each file is written atomically; floats are rounded to 6 places, so the same inputs give
    byte-identical files. Text cells of the CSV a spreadsheet would run are guarded.

    Returns
    -------
    list of Path
        The two files, CSV first.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_suggestions(pd.DataFrame(columns=list(CANDIDATE_COLUMNS)), tempfile.mkdtemp())
    >>> [p.name for p in paths]
    ['candidates.csv', 'suggested_rules.yaml']
    """
    d = Path(out_dir)
    csv_path = atomic_write_text(d / "candidates.csv", csv_safe_frame(candidates).to_csv(
        index=False, lineterminator="\n", float_format="%.6f"))
    chosen = candidates[candidates["selected"].astype(bool)]
    yaml_path = atomic_write_text(d / "suggested_rules.yaml", suggestions_yaml(chosen, codebook, header=header))
    return [csv_path, yaml_path]
