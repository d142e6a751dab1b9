"""Reconciliation: the team's decision on every disagreement, and the consensus coding.

The loop: ``compare`` lists the units and codes on which the analysts differ; ``reconcile``
writes them into a **decisions file**, one entry per disagreement, anchored by quote as
overrides are (so it survives edits elsewhere in a transcript); the team fills in, for each
entry, ``decision: keep | drop | recode`` (``recode_to:`` the code it should have instead),
``decided_by:`` and ``why:``. Applying the decisions gives the **consensus**: on every unit the
analysts agreed on, their shared decision (on a document only one analyst reviewed, that
analyst's); on every disagreement, the team's decision; on documents nobody reviewed, the
patterns-only coding. The
consensus is written as an overrides file (``analyst: consensus``): the additions and removals
that turn the patterns-only coding into the consensus, each anchored by quote with the team's
reason as its note. ``casecoder compare consensus.yaml A B`` then compares the consensus with
each analyst.

An undecided entry is never guessed: applying stops (E641) naming every undecided entry with
its line, and writes nothing.

The decisions file::

    analysts: [gold, demo-analyst-b]
    unit: sentence
    decisions:
      - document: oldham
        code: bold_leadership
        quote: "Leadership must be a collective endeavour."
        analysts: {gold: not coded, demo-analyst-b: coded}
        notes: "demo-analyst-b: collective leadership"
        decision: keep            # keep | drop | recode
        recode_to: ""             # for recode: the code the unit should have instead
        decided_by: "team meeting 2026-12-04"
        why: "the speaker describes leadership shared across partners"
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._yaml import error_place, load_with_lines
from .agreement import ratings_from_codings, units_table
from .coder import Progress, code_documents
from .errors import AgreementError, Problem, problem
from .positions import find_quote

if TYPE_CHECKING:  # pragma: no cover
    from .codebook import Codebook
    from .transcripts import Document

__all__ = [
    "DECISION_VALUES",
    "Decision",
    "agenda",
    "consensus_overrides",
    "consensus_values",
    "decisions_text",
    "load_decisions",
]

#: What a team can decide about a disagreement on a unit and a code.
DECISION_VALUES: tuple[str, ...] = ("keep", "drop", "recode")
#: Units a decision can be anchored to: their text is a quote overrides can hold.
_ANCHORED_UNITS = ("sentence", "turn")


@dataclass(frozen=True)
class Decision:
    """One entry of a decisions file: a disagreement and what the team decided.

    Attributes
    ----------
    document, code, quote, prefix, suffix : str
        The unit (anchored by quote, as overrides are) and the code disagreed on.
    decision : str
        ``keep`` (the code applies), ``drop`` (it does not), ``recode`` (it does not, and
        ``recode_to`` does), or ``""`` while undecided.
    recode_to, decided_by, why : str
    line : int or None
        Where the entry starts in its file.
    """

    document: str
    code: str
    quote: str
    prefix: str = ""
    suffix: str = ""
    decision: str = ""
    recode_to: str = ""
    decided_by: str = ""
    why: str = ""
    line: int | None = None
    analysts: Mapping[str, str] | None = None
    notes: str = ""


def _anchor(text: str, start: int, end: int) -> tuple[str, str]:
    """The quote of ``text[start:end]`` and, if it occurs more than once, a prefix that picks it."""
    quote = " ".join(text[start:end].split())
    if len(find_quote(text, quote)) <= 1:
        return quote, ""
    before = text[:start].split()
    for n in range(1, min(len(before), 40) + 1):
        prefix = " ".join(before[-n:])
        if len(find_quote(text, quote, prefix, "")) == 1:
            return quote, prefix
    return quote, " ".join(before[-40:])


def agenda(ratings: Any, documents: Sequence[Document], *, codebook: Codebook | None = None) -> list[Decision]:
    """One undecided :class:`Decision` per unit and code on which the analysts differ.

    Unit of analysis: a unit of ``ratings`` (sentence or turn) and a code where at least one
    analyst coded the unit and at least one reviewed it and did not.

    Parameters
    ----------
    ratings : Ratings
        From :func:`casecoder.agreement.ratings_from_codings` (``comparison.ratings``).
    documents : sequence of Document
    codebook : Codebook, optional
        Unused except to keep the codes' order.

    Returns
    -------
    list of Decision
        By code (in the ratings' order), document and position.

    Raises
    ------
    AgreementError
        E640 for document or case units (a decision is anchored to a quote).
    """
    if ratings.unit not in _ANCHORED_UNITS:
        raise AgreementError(problem("E640", unit=ratings.unit))
    docs = {d.id: d for d in documents}
    x = ratings.values
    ones = (x == 1.0).any(axis=1)
    zeros = (x == 0.0).any(axis=1)
    u_idx, c_idx = np.nonzero(ones & zeros)
    order = np.lexsort((u_idx, c_idx))
    notes: dict[tuple[int, str], list[str]] = {}
    for row in ratings.notes.itertuples(index=False):
        notes.setdefault((int(row.unit), str(row.code)), []).append(f"{row.analyst}: {row.note}")
    units = ratings.units
    out = []
    for u, c in zip(u_idx[order], c_idx[order]):
        doc = docs[str(units["document"].iat[u])]
        quote, prefix = _anchor(doc.text, int(units["start"].iat[u]), int(units["end"].iat[u]))
        said = {a: ("coded" if v == 1.0 else "not coded" if v == 0.0 else "not reviewed") for a, v in zip(ratings.analysts, x[u, :, c])}
        out.append(Decision(doc.id, ratings.codes[c], quote, prefix, analysts=said,
                            notes=" | ".join(notes.get((int(u), ratings.codes[c]), []))))
    return out


def _q(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar: every quote, colon or '#' is safe.
    return json.dumps(value, ensure_ascii=False)


def decisions_text(entries: Sequence[Decision], analysts: Sequence[str], unit: str,
                   previous: Sequence[Decision] = ()) -> str:
    """The decisions file for ``entries``, keeping what ``previous`` already decided.

    An entry of ``previous`` for the same document, code and quote keeps its decision,
    ``recode_to``, ``decided_by`` and ``why``; a previous entry that is no longer a
    disagreement is kept at the end, so nothing the team wrote is ever dropped.

    Parameters
    ----------
    entries : sequence of Decision
        From :func:`agenda`.
    analysts : sequence of str
    unit : str
    previous : sequence of Decision
        From :func:`load_decisions` of the file being updated.

    Returns
    -------
    str
        YAML text; the same inputs give the same text.

    Examples
    --------
    >>> print(decisions_text([Decision("d1", "risk", "We took a leap.", analysts={"a": "coded", "b": "not coded"})],
    ...                      ["a", "b"], "sentence"))  # doctest: +ELLIPSIS
    # Decisions on the disagreements ...
    analysts: ["a", "b"]
    unit: sentence
    decisions:
      - document: "d1"
        code: "risk"
        quote: "We took a leap."
        analysts: {"a": "coded", "b": "not coded"}
        decision: ""
        recode_to: ""
        decided_by: ""
        why: ""
    <BLANKLINE>
    """
    done = {(p.document, p.code, " ".join(p.quote.split())): p for p in previous}
    lines = [
        "# Decisions on the disagreements between analysts, one entry per unit and code.",
        "# For each entry write decision: keep (the code applies), drop (it does not) or recode",
        "# (it does not; recode_to: the code that does), decided_by: who, why: the reason.",
        "# Apply with: casecoder reconcile INPUTS... --decisions THIS_FILE --consensus OUT.yaml",
        f"analysts: [{', '.join(_q(a) for a in analysts)}]",
        f"unit: {unit}",
        "decisions:",
    ]
    seen = set()
    for e in entries:
        key = (e.document, e.code, " ".join(e.quote.split()))
        seen.add(key)
        old = done.get(key)
        lines += _entry_lines(e, old)
    for key, old in done.items():
        if key not in seen:
            lines.append("  # no longer a disagreement (kept as written):")
            lines += _entry_lines(old, old)
    return "\n".join(lines) + "\n"


def _entry_lines(e: Decision, old: Decision | None) -> list[str]:
    out = [f"  - document: {_q(e.document)}", f"    code: {_q(e.code)}", f"    quote: {_q(e.quote)}"]
    if e.prefix:
        out.append(f"    prefix: {_q(e.prefix)}")
    if e.suffix:
        out.append(f"    suffix: {_q(e.suffix)}")
    if e.analysts:
        out.append("    analysts: {" + ", ".join(f"{_q(a)}: {_q(v)}" for a, v in e.analysts.items()) + "}")
    if e.notes:
        out.append(f"    notes: {_q(e.notes)}")
    src = old or e
    out += [f"    decision: {_q(src.decision)}", f"    recode_to: {_q(src.recode_to)}",
            f"    decided_by: {_q(src.decided_by)}", f"    why: {_q(src.why)}"]
    return out


_KEYS = {"document", "code", "quote", "prefix", "suffix", "analysts", "notes", "decision", "recode_to", "decided_by", "why"}


def load_decisions(path: str | os.PathLike[str], *, codebook: Codebook | None = None) -> list[Decision]:
    """Read a decisions file, checking every entry; every problem is reported with its line.

    Parameters
    ----------
    path : path
    codebook : Codebook, optional
        ``code`` and ``recode_to`` must be its ids.

    Returns
    -------
    list of Decision
        In file order; undecided entries have ``decision == ""``.

    Raises
    ------
    AgreementError
        E642 not valid YAML or not a decisions file; E643 a bad entry (unknown key, a missing
        field, a decision other than keep/drop/recode, recode without ``recode_to``, a decided
        entry without ``decided_by`` or ``why``); E604 an unknown code.
    """
    import yaml

    p = Path(path)
    try:
        data, lines = load_with_lines(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise AgreementError(problem("E642", path=p, why="file not found")) from exc
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        line, why = error_place(exc) if isinstance(exc, yaml.YAMLError) else (None, "not UTF-8")
        raise AgreementError(problem("E642", path=p, line=line, why=why)) from exc
    if not isinstance(data, Mapping) or not isinstance(data.get("decisions"), list):
        raise AgreementError(problem("E642", path=p, why="expected a mapping with 'decisions: [...]'"))
    known = set(codebook.ids) if codebook is not None else None
    problems: list[Problem] = []
    out = []
    for i, entry in enumerate(data["decisions"]):
        line = lines("decisions", i)
        where = f"decisions[{i}]"
        if not isinstance(entry, Mapping):
            problems.append(problem("E643", path=p, line=line, field=where, why="each entry must be a mapping"))
            continue
        text = {k: ("" if entry.get(k) is None else str(entry.get(k)) if not isinstance(entry.get(k), Mapping) else "") for k in _KEYS}
        for k in sorted(set(map(str, entry)) - _KEYS):
            problems.append(problem("E643", path=p, line=lines("decisions", i, k), field=f"{where}.{k}",
                                    why=f"unknown key; allowed: {', '.join(sorted(_KEYS))}"))
        for k in ("document", "code", "quote"):
            if not text[k].strip():
                problems.append(problem("E643", path=p, line=line, field=f"{where}.{k}", why="missing"))
        d = text["decision"].strip()
        if d and d not in DECISION_VALUES:
            problems.append(problem("E643", path=p, line=lines("decisions", i, "decision"), field=f"{where}.decision",
                                    why=f"'{d}' is not one of {', '.join(DECISION_VALUES)}"))
        if d == "recode" and not text["recode_to"].strip():
            problems.append(problem("E643", path=p, line=lines("decisions", i, "recode_to"), field=f"{where}.recode_to",
                                    why="a recode needs recode_to: the code the unit should have instead"))
        if d == "recode" and text["recode_to"].strip() == text["code"].strip():
            problems.append(problem("E643", path=p, line=lines("decisions", i, "recode_to"), field=f"{where}.recode_to",
                                    why="recode_to is the code disagreed on; keep it instead, or name another code"))
        if d and (not text["decided_by"].strip() or not text["why"].strip()):
            problems.append(problem("E643", path=p, line=line, field=where,
                                    why="a decided entry needs decided_by and why (who decided, and the reason)"))
        for k in ("code", "recode_to"):
            c = text[k].strip()
            if known is not None and c and c not in known and not (k == "recode_to" and d != "recode"):
                problems.append(problem("E604", path=p, line=lines("decisions", i, k), field=f"{where}.{k}", code=c,
                                        where="", known=", ".join(codebook.ids)))
        said = entry.get("analysts") if isinstance(entry.get("analysts"), Mapping) else None
        out.append(Decision(text["document"].strip(), text["code"].strip(), text["quote"], text["prefix"], text["suffix"],
                            d, text["recode_to"].strip(), text["decided_by"].strip(), text["why"].strip(), line,
                            {str(k): str(v) for k, v in said.items()} if said else None, text["notes"]))
    if problems:
        raise AgreementError(problems)
    return out


def _locate(decisions: Sequence[Decision], ratings: Any, documents: Sequence[Document], path: str) -> tuple[list[int | None], list[Problem]]:
    """The unit each decision's quote falls on (None where it no longer resolves)."""
    docs = {d.id: d for d in documents}
    units = ratings.units
    by_doc: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for doc_id, group in units.groupby("document", sort=False):
        by_doc[str(doc_id)] = (group["unit"].to_numpy(), group["start"].to_numpy(), group["end"].to_numpy())
    found: list[int | None] = []
    problems: list[Problem] = []
    for e in decisions:
        doc = docs.get(e.document)
        if doc is None or e.document not in by_doc:
            problems.append(problem("E603", path=path, line=e.line, field="document", document=e.document, count=1, total=len(docs)))
            found.append(None)
            continue
        places = find_quote(doc.text, e.quote, e.prefix, e.suffix)
        if len(places) != 1:
            code = "E613" if not places else "E614"
            kw = {"document": e.document, "quote": e.quote[:60]} if not places else {
                "count": len(places), "document": e.document, "places": ", ".join(f"{a}:{b}" for a, b in places[:5])}
            problems.append(problem(code, path=path, line=e.line, field="quote", **kw))
            found.append(None)
            continue
        ids, starts, ends = by_doc[e.document]
        a, b = places[0]
        hit = np.nonzero((starts < b) & (ends > a))[0]
        found.append(int(ids[hit[0]]) if len(hit) else None)
    return found, problems


def consensus_values(ratings: Any, decisions: Sequence[Decision], documents: Sequence[Document], *,
                     path: str = "") -> np.ndarray:
    """The team's consensus decision per unit and code: agreed values, then the decisions.

    Unit of analysis: a unit of ``ratings`` and a code. Where every analyst who reviewed a unit
    made the same decision, that decision (on a document only one analyst reviewed, theirs);
    where they differ, the team's decision (``keep`` 1, ``drop`` 0, ``recode`` 0 and 1 for
    ``recode_to``). Units no analyst reviewed are NaN (the consensus says nothing there).

    Parameters
    ----------
    ratings : Ratings
    decisions : sequence of Decision
        From :func:`load_decisions`.
    documents : sequence of Document
    path : str
        The decisions file, for messages.

    Returns
    -------
    ndarray, shape (units, codes)
        1.0, 0.0 or NaN.

    Raises
    ------
    AgreementError
        E641 listing **every** disagreement without a decision (each entry's line, or the
        unit's place when the file has no entry for it); E644 two decisions that contradict
        each other on one unit and code; E613/E614 a quote that no longer resolves.
    """
    x = ratings.values
    reviewed = (~np.isnan(x)).sum(axis=1)
    ones = (x == 1.0).sum(axis=1)
    # agreed (or the one reviewing analyst's) decision; NaN where no analyst reviewed the unit
    out = np.where(reviewed >= 1, np.where(ones == reviewed, 1.0, np.where(ones == 0, 0.0, np.nan)), np.nan)
    disputed = (reviewed >= 2) & (ones > 0) & (ones < reviewed)
    code_index = {c: k for k, c in enumerate(ratings.codes)}
    where, problems = _locate(decisions, ratings, documents, path)
    set_by: dict[tuple[int, int], tuple[float, Decision]] = {}
    undecided: list[Decision] = []

    def put(u: int, k: int, v: float, e: Decision) -> None:
        prior = set_by.get((u, k))
        if prior is not None and prior[0] != v:
            problems.append(problem("E644", path=path, line=e.line, field="decision", code=ratings.codes[k],
                                    document=e.document, other=prior[1].line))
        set_by[(u, k)] = (v, e)

    for e, u in zip(decisions, where):
        if u is None or e.code not in code_index:
            continue
        k = code_index[e.code]
        if not disputed[u, k]:
            continue  # no longer a disagreement: the analysts' shared decision stands
        if not e.decision:
            undecided.append(e)
            continue
        put(u, k, 1.0 if e.decision == "keep" else 0.0, e)
        if e.decision == "recode":
            if e.recode_to not in code_index:
                problems.append(problem("E643", path=path, line=e.line, field="recode_to",
                                        why=f"'{e.recode_to}' is not among the compared codes"))
                continue
            put(u, code_index[e.recode_to], 1.0, e)
    for e in undecided:
        problems.append(problem("E641", path=path, line=e.line, field="decision", document=e.document, code=e.code,
                                quote=e.quote[:60]))
    decided = {key for key in set_by}
    units = ratings.units
    for u, k in zip(*np.nonzero(disputed)):
        if (int(u), int(k)) not in decided and not any(w == u and code_index.get(e.code) == k for e, w in zip(decisions, where)):
            problems.append(problem("E641", path=path, field="decision", document=str(units["document"].iat[u]),
                                    code=ratings.codes[k], quote=" ".join(str(units["text"].iat[u]).split())[:60]
                                    + " (no entry in the file: run reconcile again to add it)"))
    if problems:
        raise AgreementError(problems)
    for (u, k), (v, _) in set_by.items():
        out[u, k] = v
    return out


def consensus_overrides(ratings: Any, consensus: np.ndarray, machine: np.ndarray, documents: Sequence[Document],
                        decisions: Sequence[Decision] = (), *, analyst: str = "consensus") -> str:
    """The overrides file that turns the patterns-only coding into the consensus.

    Unit of analysis: a unit of ``ratings`` (sentence or turn) and a code. Where the consensus
    has the code and the machine does not: an ``add`` entry; where the machine has it and the
    consensus does not: a ``remove`` entry. Each is anchored by the unit's quote (with a prefix
    when the words occur more than once) and notes the team's reason where a decision made it,
    else that the analysts agreed.

    Parameters
    ----------
    ratings : Ratings
    consensus : ndarray, shape (units, codes)
        From :func:`consensus_values`.
    machine : ndarray, shape (units, codes)
        The patterns-only coding on the same units (1/0).
    documents : sequence of Document
    decisions : sequence of Decision
        To note the team's reason on the entries they decided.
    analyst : str

    Returns
    -------
    str
        The overrides file's text (``docs/OVERRIDES.md``); deterministic.
    """
    docs = {d.id: d for d in documents}
    why: dict[tuple[str, str, str], Decision] = {}
    for e in decisions:
        if e.decision:
            why[(e.document, e.code, " ".join(e.quote.split()))] = e
            if e.decision == "recode":
                why[(e.document, e.recode_to, " ".join(e.quote.split()))] = e
    lines = [f"# The team's consensus coding: the patterns-only coding with these {{n}} corrections.",
             "# Written by casecoder reconcile from the analysts' codings and the team's decisions.",
             f"analyst: {_q(analyst)}", "overrides:"]
    units = ratings.units
    n = 0
    diff = np.isfinite(consensus) & (consensus != machine)
    for u, k in sorted(zip(*np.nonzero(diff)), key=lambda t: (t[1], str(units["document"].iat[t[0]]), int(units["start"].iat[t[0]]))):
        doc = docs[str(units["document"].iat[u])]
        quote, prefix = _anchor(doc.text, int(units["start"].iat[u]), int(units["end"].iat[u]))
        code = ratings.codes[k]
        e = why.get((doc.id, code, quote))
        note = f"{e.why} (decided by {e.decided_by}: {e.decision})" if e else "the analysts agreed"
        lines += [f"  - action: {'add' if consensus[u, k] == 1.0 else 'remove'}", f"    document: {_q(doc.id)}",
                  f"    code: {_q(code)}", f"    quote: {_q(quote)}"]
        if prefix:
            lines.append(f"    prefix: {_q(prefix)}")
        lines.append(f"    note: {_q(note)}")
        n += 1
    if n == 0:
        lines[-1] = "overrides: []"
    lines[0] = lines[0].replace("{n}", str(n))
    return "\n".join(lines) + "\n"


def ratings_for(codings: Sequence[Any], documents: Sequence[Document], *, codebook: Codebook | None = None,
                unit: str = "sentence", codes: Sequence[str] | None = None, min_overlap: float = 0.0,
                include_interviewer: bool = False) -> Any:
    """The analysts' decisions on shared units, as :func:`casecoder.agreement.compare` maps them.

    Parameters
    ----------
    codings : sequence of AnalystCoding
        From :func:`casecoder.agreement.load_codings` (or ``casecoder.sources``).
    documents : sequence of Document
    codebook : Codebook, optional
    unit, codes, min_overlap, include_interviewer
        As for ``compare``.

    Returns
    -------
    Ratings
    """
    if unit not in _ANCHORED_UNITS:
        raise AgreementError(problem("E640", unit=unit))
    if codes is None and codebook is not None:
        codes = list(codebook.ids)
    units = units_table(documents, unit, include_interviewer=include_interviewer)
    return ratings_from_codings(
        [c.codings for c in codings], units, unit=unit, codes=codes,
        analysts=[c.analyst or f"analyst{i + 1}" for i, c in enumerate(codings)],
        reviewed=[c.reviewed for c in codings], min_overlap=min_overlap)


def machine_values(ratings: Any, documents: Sequence[Document], codebook: Codebook, *, jobs: int = 1,
                   progress: Progress | None = None) -> np.ndarray:
    """The patterns-only coding's decision (1/0) on every unit and code of ``ratings``.

    Parameters
    ----------
    ratings : Ratings
    documents : sequence of Document
    codebook : Codebook
    jobs : int
    progress : callable, optional
        ``progress(done, total)`` as :func:`casecoder.coder.code_documents` calls it.

    Returns
    -------
    ndarray, shape (units, codes)
    """
    auto = code_documents(documents, codebook, jobs=jobs, progress=progress)
    # mapped exactly as an analyst's coding is (the same overlap rule); the mapping compares
    # two analysts, so the coding is given twice
    mapped = ratings_from_codings(
        [auto, auto], ratings.units, unit=ratings.unit, codes=list(ratings.codes),
        analysts=["casecoder", "casecoder (again)"], min_overlap=ratings.min_overlap)
    return np.nan_to_num(mapped.values[:, 0, :], nan=0.0)
