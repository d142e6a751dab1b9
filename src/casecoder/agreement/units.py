"""Units and ratings from codings: every analyst's decision per unit and code.

Analysts who code the same transcripts independently are compared **unit by unit**: every
analyst's coding is mapped onto one segmentation (the reader's sentences, turns, documents or
cases) and becomes, for each code, a decision per unit: 1 (applied), 0 (reviewed, not applied)
or missing (the analyst did not review that document). Missing is never counted as 0.

The overlap rule: a coding counts for every unit it overlaps by at least one code point; with
``min_overlap=s`` (0 < s <= 1) it counts only where it covers at least the share ``s`` of the
unit's characters. ``min_overlap`` applies to sentence and turn units; for document and case
units any coding inside counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import AgreementError, Problem, problem
from ..segments import sentences

if TYPE_CHECKING:  # pragma: no cover
    from ..transcripts import Document

__all__ = ["CLUSTERS", "Ratings", "UNITS", "UNIT_COLUMNS", "ratings_from_codings", "span_units", "units_table"]

#: The units analysts can be compared on, finest first.
UNITS: tuple[str, ...] = ("sentence", "turn", "document", "case")
#: What a bootstrap resamples: ``auto`` is documents for sentence and turn units, else units.
CLUSTERS: tuple[str, ...] = ("auto", "unit", "document")

#: Columns of a units table, in order.
UNIT_COLUMNS: tuple[str, ...] = (
    "unit", "document", "case", "section", "turn", "segment", "speaker", "start", "end", "text", "documents",
)


@dataclass(frozen=True)
class Ratings:
    """Every analyst's decision on every unit and code: the input of every statistic.

    Attributes
    ----------
    values : ndarray, shape (units, analysts, codes)
        1.0 coded, 0.0 reviewed and not coded, NaN not reviewed.
    units : DataFrame
        One row per unit, in the order of ``values``; columns :data:`UNIT_COLUMNS`.
    analysts : tuple of str
    codes : tuple of str
    unit : str
        The kind of unit, one of :data:`UNITS`.
    notes : DataFrame
        Analysts' notes mapped to units: columns ``unit``, ``analyst``, ``code``, ``note``.
    unmapped : DataFrame
        Codings that fell on no unit, and why: columns ``analyst``, ``document``, ``start``,
        ``end``, ``code``, ``text``, ``why``. Reported, never silently dropped.
    min_overlap : float
        The overlap rule used (see the module docstring).
    """

    values: np.ndarray
    units: pd.DataFrame
    analysts: tuple[str, ...]
    codes: tuple[str, ...]
    unit: str = "sentence"
    notes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["unit", "analyst", "code", "note"]))
    unmapped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_UNMAPPED_COLUMNS))
    min_overlap: float = 0.0

    def __post_init__(self) -> None:
        expected = (len(self.units), len(self.analysts), len(self.codes))
        if self.values.shape != expected:
            raise AgreementError(problem("E610", field="values", expected=expected, found=self.values.shape))

    def clusters(self, cluster: str = "auto") -> np.ndarray | None:
        """Cluster labels for :func:`bootstrap_alpha`: documents for sentence and turn units
        under ``auto`` or ``document``, None (resample units) otherwise."""
        if cluster not in CLUSTERS:
            raise AgreementError(problem("E606", option="cluster", value=cluster, choices=", ".join(CLUSTERS)))
        if cluster == "unit" or (cluster == "auto" and self.unit not in ("sentence", "turn")):
            return None
        return self.units["documents"].to_numpy()


_UNMAPPED_COLUMNS = ["analyst", "document", "start", "end", "code", "text", "why"]


def units_table(
    documents: Iterable[Document], unit: str = "sentence", *, include_interviewer: bool = False
) -> pd.DataFrame:
    """The units analysts are compared on, one row each.

    Unit of analysis: as named by ``unit``: the reader's sentences
    (:func:`casecoder.segments.sentences`), turns, documents or cases.

    Parameters
    ----------
    documents : iterable of Document
    unit : str
        ``sentence``, ``turn``, ``document`` or ``case``.
    include_interviewer : bool
        Keep the interviewer's sentences and turns (default False: nobody codes them, and
        counting them would add agreement on units no analyst judges).

    Returns
    -------
    DataFrame
        Columns :data:`UNIT_COLUMNS`, sorted by document and start (cases by case id).
        ``documents`` lists the unit's documents (``;``-separated for a case); for document
        and case units ``text`` is ``""``, ``turn`` is -1 and ``start``/``end`` span the
        document (-1 for a case). ``segment`` is a sentence's index in its document (as
        :func:`~casecoder.segments.sentences` numbers it), -1 for other units.

    Raises
    ------
    AgreementError
        E606 for an unknown ``unit``.
    """
    if unit not in UNITS:
        raise AgreementError(problem("E606", option="unit", value=unit, choices=", ".join(UNITS)))
    docs = sorted(documents, key=lambda d: d.id)
    rows: list[tuple[Any, ...]] = []
    if unit == "sentence":
        for doc in docs:
            turns = {t.index: t for t in doc.turns}
            for seg in sentences(doc):
                turn = turns[seg.turn]
                if turn.interviewer and not include_interviewer:
                    continue
                rows.append((doc.id, doc.case, turn.section, seg.turn, seg.index, turn.speaker, seg.start, seg.end, seg.text,
                             doc.id))
    elif unit == "turn":
        for doc in docs:
            for turn in doc.turns:
                if turn.interviewer and not include_interviewer:
                    continue
                rows.append((doc.id, doc.case, turn.section, turn.index, -1, turn.speaker, turn.start, turn.end, turn.text,
                             doc.id))
    elif unit == "document":
        for doc in docs:
            rows.append((doc.id, doc.case, "", -1, -1, "", 0, len(doc.text), "", doc.id))
    else:
        by_case: dict[str, list[str]] = {}
        for doc in docs:
            by_case.setdefault(doc.case, []).append(doc.id)
        for case in sorted(by_case):
            rows.append(("", case, "", -1, -1, "", -1, -1, "", ";".join(sorted(by_case[case]))))
    table = pd.DataFrame(rows, columns=list(UNIT_COLUMNS[1:]))
    table.insert(0, "unit", np.arange(len(table), dtype=np.int64))
    for col in ("turn", "segment", "start", "end"):
        table[col] = table[col].astype("int64")
    return table


def _analyst_name(codings: pd.DataFrame) -> str:
    """The analyst a table belongs to: its ``analyst`` value; machine codings reviewed by
    analysts (an overrides file applied) read ``casecoder+<analyst>``."""
    names = sorted({str(a) for a in codings["analyst"] if str(a)}) if "analyst" in codings else []
    if "casecoder" in names:
        names = ["casecoder"] + [n for n in names if n != "casecoder"]
    return "+".join(names)


def ratings_from_codings(
    codings: Sequence[pd.DataFrame],
    units: pd.DataFrame,
    *,
    unit: str = "sentence",
    codes: Sequence[str] | None = None,
    analysts: Sequence[str] | None = None,
    reviewed: Sequence[Iterable[str] | None] | None = None,
    min_overlap: float = 0.0,
) -> Ratings:
    """Map each analyst's codings onto shared units: the :class:`Ratings` every statistic takes.

    Unit of analysis: a row of ``units`` (see :func:`units_table`). A coding with status
    ``coded`` counts for each unit it overlaps (see the overlap rule in the module docstring);
    excluded codings count for none. A unit of a document the analyst did not review is missing
    (NaN), not 0.

    Parameters
    ----------
    codings : sequence of DataFrame
        One codings table (:mod:`casecoder.schema` columns) per analyst.
    units : DataFrame
        From :func:`units_table`.
    unit : str
        The kind of the units (one of :data:`UNITS`).
    codes : sequence of str, optional
        The codes to compare, in order (default: every code any analyst applied, sorted).
        Codings of other codes are ignored.
    analysts : sequence of str, optional
        Names (default: each table's ``analyst`` values, several joined with ``+``).
    reviewed : sequence of (iterable of str or None), optional
        Per analyst, the documents they reviewed; None means the documents their table names
        (every document of ``units`` if the table holds machine codings, ``source == auto``).
    min_overlap : float
        Share of a unit a coding must cover to count for it (0: any overlap).

    Returns
    -------
    Ratings

    Raises
    ------
    AgreementError
        E601 fewer than two analysts; E602 no document reviewed by two of them; E603 a coding
        of a document that is not among the units; E605 an empty coding; E606 an unknown
        unit; E607 a bad ``min_overlap``; E617 two analysts with the same name.
    """
    if unit not in UNITS:
        raise AgreementError(problem("E606", option="unit", value=unit, choices=", ".join(UNITS)))
    if not (isinstance(min_overlap, (int, float)) and 0.0 <= float(min_overlap) <= 1.0):
        raise AgreementError(problem("E607", field="min_overlap", expected="a share between 0 and 1", found=repr(min_overlap)))
    codings = list(codings)
    if len(codings) < 2:
        raise AgreementError(problem("E601", count=len(codings)))
    names = _analyst_names(codings, analysts)
    unit_docs = units["documents"].astype(str).to_numpy()
    all_docs = sorted({d for ds in unit_docs for d in ds.split(";") if d})
    reviewed_sets = _reviewed_sets(codings, names, reviewed, all_docs)
    _check_documents(codings, names, reviewed_sets, all_docs)
    codes = list(codes) if codes is not None else _applied_codes(codings)
    code_index = {c: k for k, c in enumerate(codes)}
    values = np.full((len(units), len(names), len(codes)), np.nan)
    notes_rows: list[dict[str, Any]] = []
    unmapped_rows: list[dict[str, Any]] = []
    for a, (table, name, rev) in enumerate(zip(codings, names, reviewed_sets)):
        if unit == "case":
            covered = np.array([all(d in rev for d in ds.split(";")) for ds in unit_docs], dtype=bool)
        else:
            covered = np.array([d in rev for d in unit_docs], dtype=bool)
        values[covered, a, :] = 0.0
        if len(table):
            _rate_analyst(values[:, a, :], table, name, covered, units, unit, float(min_overlap), code_index,
                          notes_rows, unmapped_rows)
    notes = pd.DataFrame(notes_rows, columns=["unit", "analyst", "code", "note"]).drop_duplicates()
    notes = notes.sort_values(["unit", "code", "analyst", "note"], kind="mergesort").reset_index(drop=True)
    unmapped = pd.DataFrame(unmapped_rows, columns=_UNMAPPED_COLUMNS)
    unmapped = unmapped.sort_values(["analyst", "document", "start", "end", "code"], kind="mergesort").reset_index(drop=True)
    return Ratings(values, units.reset_index(drop=True), tuple(names), tuple(codes), unit, notes, unmapped, float(min_overlap))


def _analyst_names(codings: Sequence[pd.DataFrame], analysts: Sequence[str] | None) -> list[str]:
    """The analysts' names, given or read from the tables; E617 for a name used twice."""
    names = list(analysts) if analysts is not None else [_analyst_name(c) or f"analyst{i + 1}" for i, c in enumerate(codings)]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in seen:
            raise AgreementError(problem("E617", analyst=name, first=f"input {seen[name] + 1}", second=f"input {i + 1}"))
        seen[name] = i
    return names


def _reviewed_sets(codings: Sequence[pd.DataFrame], names: Sequence[str],
                   reviewed: Sequence[Iterable[str] | None] | None, all_docs: Sequence[str]) -> list[set[str]]:
    """Per analyst, the documents reviewed: as given, else every document for machine codings,
    else the documents the table names (E605 for an empty table, which names none)."""
    reviewed_sets: list[set[str]] = []
    for i, table in enumerate(codings):
        given = None if reviewed is None else reviewed[i]
        if given is not None:
            reviewed_sets.append(set(given))
            continue
        if len(table) == 0:
            raise AgreementError(problem("E605", field=names[i], why=f"analyst '{names[i]}' has no rows, so no document is known to be reviewed; give the documents they reviewed"))
        if "source" in table and (table["source"].astype(str) == "auto").any():
            reviewed_sets.append(set(all_docs))
        else:
            reviewed_sets.append(set(table["document"].astype(str)))
    return reviewed_sets


def _check_documents(codings: Sequence[pd.DataFrame], names: Sequence[str], reviewed_sets: Sequence[set[str]],
                     all_docs: Sequence[str]) -> None:
    """E603 for every coding of a document that is not among the units; E602 if no document
    was reviewed by two analysts."""
    doc_set = set(all_docs)
    problems: list[Problem] = []
    for i, table in enumerate(codings):
        counts = table["document"].astype(str).value_counts() if len(table) else pd.Series(dtype="int64")
        for doc in sorted(set(counts.index) - doc_set):
            problems.append(problem("E603", field=names[i], document=doc, count=int(counts[doc]), total=len(all_docs)))
    if problems:
        raise AgreementError(problems)
    if not any(sum(d in r for r in reviewed_sets) >= 2 for d in all_docs):
        detail = "; ".join(f"{n}: {', '.join(sorted(r)) or 'none'}" for n, r in zip(names, reviewed_sets))
        raise AgreementError(problem("E602", detail=detail))


def _applied_codes(codings: Sequence[pd.DataFrame]) -> list[str]:
    """Every code some analyst applied (status ``coded``), sorted."""
    applied: set[str] = set()
    for table in codings:
        if len(table):
            applied |= set(table.loc[table["status"].astype(str) == "coded", "code"].astype(str))
    return sorted(applied)


def _rate_analyst(values: np.ndarray, table: pd.DataFrame, name: str, covered: np.ndarray, units: pd.DataFrame,
                  unit: str, min_overlap: float, code_index: Mapping[str, int],
                  notes_rows: list[dict[str, Any]], unmapped_rows: list[dict[str, Any]]) -> None:
    """Set one analyst's 1s in ``values`` (units x codes, a view), and collect their notes and
    the codings that fell on no unit, with why."""
    t = table.reset_index(drop=True)
    status = t["status"].astype(str).to_numpy() if "status" in t else np.full(len(t), "coded")
    row_codes = t["code"].astype(str).to_numpy()
    in_codes = np.array([c in code_index for c in row_codes], dtype=bool)
    unit_of_row, row_of_unit, why = _map_rows(t, units, unit, min_overlap)
    coded = (status == "coded") & in_codes
    hit = coded[row_of_unit]
    u_hit = unit_of_row[hit]
    r_hit = row_of_unit[hit]
    k_hit = np.array([code_index[c] for c in row_codes[r_hit]], dtype=np.int64)
    ok = covered[u_hit]
    values[u_hit[ok], k_hit[ok]] = 1.0
    mapped_rows = set(r_hit[ok].tolist())
    not_reviewed = set(r_hit[~ok].tolist())
    for r in np.nonzero(coded)[0]:
        if r in mapped_rows:
            continue
        reason = "document not reviewed by this analyst" if r in not_reviewed else why[r]
        unmapped_rows.append({
            "analyst": name, "document": str(t.at[r, "document"]), "start": int(t.at[r, "start"]),
            "end": int(t.at[r, "end"]), "code": row_codes[r], "text": str(t.at[r, "text"]) if "text" in t else "",
            "why": reason,
        })
    if "note" in t:
        note = t["note"].fillna("").astype(str).to_numpy()
        has_note = (note[row_of_unit] != "") & in_codes[row_of_unit]
        for u, r in zip(unit_of_row[has_note], row_of_unit[has_note]):
            notes_rows.append({"unit": int(u), "analyst": name, "code": row_codes[r], "note": note[r]})


def span_units(
    spans: pd.DataFrame, units: pd.DataFrame, unit: str = "sentence", *, min_overlap: float = 0.0,
    empty_counts: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Which units each span counts for: the mapping :func:`ratings_from_codings` uses.

    Unit of analysis: a row of ``units`` (see :func:`units_table`). A span counts for every
    unit of its document it overlaps by at least one code point (with ``min_overlap``, only
    those it covers that share of); for case units, for its document's case.

    Parameters
    ----------
    spans : DataFrame
        Columns ``document``, ``start``, ``end`` (code points into the document's text).
    units : DataFrame
        From :func:`units_table`.
    unit : str
        The kind of the units (one of :data:`UNITS`).
    min_overlap : float
        Share of a unit a span must cover to count for it (0: any overlap).
    empty_counts : bool
        Count an empty span (``start == end``) for the unit it sits in, taking it as
        ``[start, start + 1)`` (the rule of :func:`casecoder.segments.overlapping`); by default
        an empty span counts for none, as in the comparison of analysts.

    Returns
    -------
    (ndarray, ndarray)
        Pairs, one per span and unit it counts for: the unit's ``unit`` number and the span's
        row position in ``spans``.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"unit": [0, 1], "document": "a", "start": [0, 10], "end": [10, 20],
    ...                       "documents": "a"})
    >>> spans = pd.DataFrame({"document": ["a", "a"], "start": [5, 12], "end": [15, 12]})
    >>> [a.tolist() for a in span_units(spans, units)]
    [[0, 1], [0, 0]]
    >>> [a.tolist() for a in span_units(spans, units, empty_counts=True)]
    [[0, 1, 1], [0, 0, 1]]
    """
    unit_of_row, row_of_unit, _ = _map_rows(spans, units, unit, float(min_overlap), empty_counts=empty_counts)
    return unit_of_row, row_of_unit


def _map_rows(table: pd.DataFrame, units: pd.DataFrame, unit: str, min_overlap: float, *,
              empty_counts: bool = False) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Pairs (unit index, row index) for every coding row and unit it counts for.

    Returns the unit indices, the row indices, and per row a reason used when it maps nowhere.
    """
    n_rows = len(table)
    why = ["outside every unit (an interviewer turn or a heading)"] * n_rows
    docs = table["document"].astype(str).to_numpy()
    if unit == "case":
        case_of_doc = {}
        for u, ds in zip(units["unit"].to_numpy(), units["documents"].astype(str)):
            for d in ds.split(";"):
                case_of_doc[d] = int(u)
        pairs = [(case_of_doc[d], r) for r, d in enumerate(docs) if d in case_of_doc]
        arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        return arr[:, 0], arr[:, 1], why
    starts = table["start"].to_numpy(dtype=np.int64)
    ends = table["end"].to_numpy(dtype=np.int64)
    unit_parts: list[np.ndarray] = []
    row_parts: list[np.ndarray] = []
    by_doc = {d: g for d, g in units.groupby("document", sort=False)}
    for doc in np.unique(docs):
        group = by_doc.get(doc)
        rows = np.nonzero(docs == doc)[0]
        if group is None:
            continue
        group = group.sort_values("start", kind="mergesort")
        u_ids = group["unit"].to_numpy(dtype=np.int64)
        u_start = group["start"].to_numpy(dtype=np.int64)
        u_end = group["end"].to_numpy(dtype=np.int64)
        s, e = starts[rows], ends[rows]
        if empty_counts:
            e = np.maximum(e, s + 1)  # an empty span stands for the character it sits before
        if unit == "document":
            ok = (e > s) | (len(u_ids) > 0)
            unit_parts.append(np.repeat(u_ids[:1], ok.sum()))
            row_parts.append(rows[ok])
            continue
        # Units do not overlap one another and are sorted, so both bounds are monotone.
        lo = np.searchsorted(u_end, s, side="right")  # first unit ending after the start
        hi = np.searchsorted(u_start, e, side="left")  # units starting before the end
        n = np.maximum(hi - lo, 0)
        rep = np.repeat(np.arange(len(rows)), n)
        offs = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        cand = lo[rep] + offs
        overlap = np.minimum(e[rep], u_end[cand]) - np.maximum(s[rep], u_start[cand])
        length = np.maximum(u_end[cand] - u_start[cand], 1)
        keep = overlap > 0
        if min_overlap > 0:
            short = keep & (overlap < min_overlap * length)
            for r in np.unique(rows[rep[short]]):
                why[r] = f"covers less than {min_overlap:g} of every unit it touches"
            keep &= ~short
        unit_parts.append(u_ids[cand[keep]])
        row_parts.append(rows[rep[keep]])
    if not unit_parts:
        return np.empty(0, np.int64), np.empty(0, np.int64), why
    return np.concatenate(unit_parts), np.concatenate(row_parts), why
