"""Cases × codes: the matrix the findings are read from, and the framework matrix behind it.

A **matrix** has one row per case (in the case list's order) and one column per code (in the
codebook's order). Its cells are, as asked:

``count``     the number of distinct coded segments (a segment coded twice, by the machine and
              by an analyst, counts once);
``presence``  1 if the case has at least one such segment, else 0 (summing a column gives the
              number of cases taking the code, the report's chart);
``share``     count divided by the number of segments of the case (:func:`segment_counts`).

Every function takes a codings table (:mod:`casecoder.schema`) and filters it the same way
(:func:`filter_codings`): by section, speaker, document, source and status. Only rows with
status ``coded`` count unless asked otherwise, so a match the coder or an analyst set aside
never reaches a finding.

The **framework matrix** (after NVivo's framework matrices and MAXQDA's summary grids) has the
same shape, but each cell holds the number of supporting segments and the first few of them, so
every number in the matrix can be traced back to the words behind it.

Nothing here knows about councils or this study: any codebook, any corpus.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from .errors import FindingsError, problem
from .io import atomic_path
from .schema import csv_safe_frame, validate_codings
from .transcripts import load_cases

if TYPE_CHECKING:  # pragma: no cover
    from .codebook import Codebook
    from .transcripts import Document

__all__ = [
    "MISSING_ATTRIBUTE",
    "VALUES",
    "case_attributes",
    "read_case_list",
    "code_matrix",
    "filter_codings",
    "framework_matrix",
    "segment_counts",
    "subtotals",
    "supporting_segments",
    "with_subtotals",
    "write_matrix",
]

#: The kinds of cell :func:`code_matrix` can compute.
VALUES: tuple[str, ...] = ("count", "presence", "share")
#: The group a case falls into when it lacks the attribute grouped by (reported, not dropped).
MISSING_ATTRIBUTE = "(missing)"
_SOURCES = ("auto", "manual")
_STATUSES = ("coded", "excluded")
#: What identifies one segment of text: a coding of the same span twice counts once.
_SPAN = ["document", "start", "end"]

Filter = str | Iterable[str] | None


def _code_ids(codes: Codebook | Sequence[str]) -> list[str]:
    ids = getattr(codes, "ids", codes)
    out = [str(c) for c in ids]
    seen: set[str] = set()
    for c in out:
        if c in seen:
            raise FindingsError(problem("E516", field="codes", what="code", value=c))
        seen.add(c)
    return out


def _as_set(value: Filter) -> set[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return {value}
    return {str(v) for v in value}


def _check_choice(option: str, values: set[str] | None, choices: Sequence[str]) -> None:
    for v in sorted(values or ()):
        if v not in choices:
            raise FindingsError(problem("E508", field=option, option=option, value=v, choices=", ".join(choices)))


def _case_list(cases: Sequence[str] | pd.DataFrame | pd.Index | None, codings: pd.DataFrame) -> list[str]:
    if cases is None:
        return sorted(set(codings["case"]))
    if isinstance(cases, pd.DataFrame):
        ids = [str(c) for c in cases.index]
    else:
        ids = [str(c) for c in cases]
    if len(set(ids)) != len(ids):
        dup = next(c for c in ids if ids.count(c) > 1)
        raise FindingsError(problem("E516", field="cases", what="case", value=dup))
    return ids


def _prepare(
    codings: pd.DataFrame,
    codes: Codebook | Sequence[str],
    cases: Sequence[str] | pd.DataFrame | pd.Index | None,
    where: str | None,
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Validate the table against the codes and the case list, once."""
    code_ids = _code_ids(codes)
    table = validate_codings(codings, known_codes=code_ids, where=where)
    case_ids = _case_list(cases, table)
    unknown = sorted(set(table["case"]) - set(case_ids))
    if unknown:
        raise FindingsError(
            [
                problem(
                    "E507",
                    path=where,
                    field="case",
                    case=c,
                    count=int((table["case"] == c).sum()),
                    known=", ".join(case_ids) if case_ids else "empty",
                )
                for c in unknown
            ]
        )
    return table, code_ids, case_ids


def filter_codings(
    codings: pd.DataFrame,
    *,
    sections: Filter = None,
    speakers: Filter = None,
    documents: Filter = None,
    sources: Filter = None,
    statuses: Filter = ("coded",),
) -> pd.DataFrame:
    """Keep the rows of a codings table that match every filter given.

    Parameters
    ----------
    codings : DataFrame
        A codings table (already validated).
    sections, speakers, documents : str or iterable of str, optional
        Keep rows whose ``section`` / ``speaker`` / ``document`` is one of these; ``None``
        keeps all.
    sources : str or iterable of str, optional
        ``auto``, ``manual`` or both (``None``).
    statuses : str or iterable of str, optional
        Default ``("coded",)``: matches set aside (``excluded``) do not count. ``None`` keeps
        every row.

    Returns
    -------
    DataFrame
        The matching rows, same columns.

    Raises
    ------
    FindingsError
        E508 for a source or status that does not exist.
    """
    src, st = _as_set(sources), _as_set(statuses)
    _check_choice("source", src, _SOURCES)
    _check_choice("status", st, _STATUSES)
    keep = pd.Series(True, index=codings.index)
    for column, values in (
        ("section", _as_set(sections)),
        ("speaker", _as_set(speakers)),
        ("document", _as_set(documents)),
        ("source", src),
        ("status", st),
    ):
        if values is not None:
            keep &= codings[column].isin(values)
    return codings[keep]


def code_matrix(
    codings: pd.DataFrame,
    codes: Codebook | Sequence[str],
    *,
    cases: Sequence[str] | pd.DataFrame | pd.Index | None = None,
    value: Literal["count", "presence", "share"] = "count",
    sections: Filter = None,
    speakers: Filter = None,
    documents: Filter = None,
    sources: Filter = None,
    statuses: Filter = ("coded",),
    totals: Mapping[str, int] | pd.Series | None = None,
    where: str | None = None,
) -> pd.DataFrame:
    """Count codings into a cases × codes matrix.

    Parameters
    ----------
    codings : DataFrame
        A codings table (columns of :data:`casecoder.schema.CODINGS_COLUMNS`; at least
        document, case, start, end, code).
    codes : Codebook or sequence of str
        The columns, in order (a :class:`~casecoder.codebook.Codebook` gives its ids). A code
        never used is a column of zeros; a code in the table but not here is an error.
    cases : sequence of str or DataFrame, optional
        The rows, in order (a DataFrame's index, e.g. from :func:`case_attributes`). A case with
        no codings is a row of zeros; a case in the table but not here is an error. Default:
        the table's cases, sorted.
    value : {"count", "presence", "share"}
        What a cell holds (see the module docstring).
    sections, speakers, documents, sources, statuses
        Filters, as :func:`filter_codings`.
    totals : mapping or Series, optional
        Segments per case, the denominator of ``share`` (from :func:`segment_counts`).
    where : str, optional
        The file the codings came from, named in problems.

    Returns
    -------
    DataFrame
        Shape (n_cases, n_codes); index ``case``, columns ``code``; int64 for count and
        presence, float64 for share.

    Raises
    ------
    CodingsError
        Missing columns (E202), unknown codes (E203), bad values (E204).
    FindingsError
        A case not in the case list (E507), an unknown value or filter choice (E508),
        ``share`` without totals (E509).

    Examples
    --------
    >>> m = code_matrix(codings, codebook, value="presence")  # doctest: +SKIP
    >>> m.sum().sort_values(ascending=False)  # cases taking each code  # doctest: +SKIP
    """
    if value not in VALUES:
        raise FindingsError(problem("E508", field="value", option="value", value=value, choices=", ".join(VALUES)))
    if value == "share" and totals is None:
        raise FindingsError(problem("E509", field="value"))
    table, code_ids, case_ids = _prepare(codings, codes, cases, where)
    kept = filter_codings(
        table, sections=sections, speakers=speakers, documents=documents, sources=sources, statuses=statuses
    )
    spans = kept.drop_duplicates(["case", "code", *_SPAN])
    counts = spans.groupby(["case", "code"]).size()
    out = counts.unstack("code", fill_value=0) if len(counts) else pd.DataFrame()
    out = out.reindex(index=case_ids, columns=code_ids, fill_value=0).fillna(0).astype("int64")
    out.index.name = "case"
    out.columns.name = "code"
    if value == "presence":
        out = (out > 0).astype("int64")
    elif value == "share":
        denom = pd.Series(totals, dtype="float64").reindex(case_ids)
        # A case with no segments at all has no share to speak of: 0, never a division error.
        out = out.astype("float64").div(denom.where(denom > 0), axis=0).fillna(0.0)
    return out


def supporting_segments(
    codings: pd.DataFrame,
    codes: Codebook | Sequence[str],
    *,
    cases: Sequence[str] | pd.DataFrame | pd.Index | None = None,
    sections: Filter = None,
    speakers: Filter = None,
    documents: Filter = None,
    sources: Filter = None,
    statuses: Filter = ("coded",),
    where: str | None = None,
) -> pd.DataFrame:
    """The distinct segments behind each cell, in case order, code order, then text order.

    Returns
    -------
    DataFrame
        Columns ``case, code, document, section, turn, speaker, start, end, text, sources``
        (``sources``: the sources that coded the span, e.g. ``auto+manual``), one row per
        (case, code, span).
    """
    return _support(
        codings, codes, cases, where, sections=sections, speakers=speakers, documents=documents,
        sources=sources, statuses=statuses,
    )[0]


def _support(
    codings: pd.DataFrame,
    codes: Codebook | Sequence[str],
    cases: Sequence[str] | pd.DataFrame | pd.Index | None,
    where: str | None,
    **filters: Filter,
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """:func:`supporting_segments`'s table, with the code and case lists it validated against.

    Shared with :func:`framework_matrix`, which needs the lists too, so the codings are
    validated once rather than once more to rebuild them.
    """
    table, code_ids, case_ids = _prepare(codings, codes, cases, where)
    kept = filter_codings(table, **filters)
    cols = ["case", "code", "document", "section", "turn", "speaker", "start", "end", "text", "sources"]
    if kept.empty:
        empty = pd.DataFrame({c: pd.Series(dtype="int64" if c in ("turn", "start", "end") else object) for c in cols})
        return empty, code_ids, case_ids
    keys = ["case", "code", *_SPAN]
    srcs = kept.groupby(keys)["source"].agg(lambda s: "+".join(sorted(set(s)))).rename("sources")
    first = kept.drop_duplicates(keys).set_index(keys)
    out = first.join(srcs).reset_index()
    out["_case"] = out["case"].map({c: i for i, c in enumerate(case_ids)})
    out["_code"] = out["code"].map({c: i for i, c in enumerate(code_ids)})
    out = out.sort_values(["_case", "_code", "document", "start", "end"], kind="mergesort")
    return out[cols].reset_index(drop=True), code_ids, case_ids


def framework_matrix(
    codings: pd.DataFrame,
    codes: Codebook | Sequence[str],
    *,
    cases: Sequence[str] | pd.DataFrame | pd.Index | None = None,
    max_quotes: int = 3,
    sections: Filter = None,
    speakers: Filter = None,
    documents: Filter = None,
    sources: Filter = None,
    statuses: Filter = ("coded",),
    where: str | None = None,
) -> pd.DataFrame:
    """A cases × codes matrix whose cells hold the supporting sentences.

    Parameters
    ----------
    max_quotes : int
        How many segments to show per cell (the first in document order); the cell says how
        many more there are.
    Other parameters
        As :func:`code_matrix`.

    Returns
    -------
    DataFrame
        Same index and columns as :func:`code_matrix`; each cell a string, ``""`` when the case
        has no such segment, else ``"<n> segment(s)"`` then one line per shown segment,
        ``“text” (document, turn t)``, and ``… and k more`` when some are not shown.
    """
    if not isinstance(max_quotes, int) or max_quotes < 0:
        raise FindingsError(problem("E508", field="max_quotes", option="max_quotes", value=max_quotes, choices="a whole number >= 0"))
    support, code_ids, case_ids = _support(
        codings, codes, cases, where, sections=sections, speakers=speakers, documents=documents,
        sources=sources, statuses=statuses,
    )
    out = pd.DataFrame("", index=pd.Index(case_ids, name="case"), columns=pd.Index(code_ids, name="code"), dtype=object)
    for (case, code), rows in support.groupby(["case", "code"], sort=False):
        n = len(rows)
        lines = [f"{n} segment{'s' if n != 1 else ''}"]
        for r in rows.head(max_quotes).itertuples():
            lines.append(f"“{' '.join(str(r.text).split())}” ({r.document}, turn {r.turn})")
        if n > max_quotes:
            lines.append(f"… and {n - max_quotes} more")
        out.loc[case, code] = "\n".join(lines)
    return out


def case_attributes(
    documents: Iterable[Document], *, keys: Sequence[str] | None = None
) -> pd.DataFrame:
    """The cases of a corpus with their attributes, from the documents' metadata.

    Parameters
    ----------
    documents : iterable of Document
        Read by :func:`casecoder.transcripts.read_corpus`.
    keys : sequence of str, optional
        Attributes to keep (e.g. ``["council_type"]``); default every scalar metadata key.
        A case without a key gets ``""`` (and :func:`subtotals` groups it as ``(missing)``).

    Returns
    -------
    DataFrame
        Index ``case`` (sorted), one str column per attribute. The first document of a case
        gives its attributes.
    """
    rows: dict[str, dict[str, str]] = {}
    for doc in documents:
        if doc.case in rows:
            continue
        meta = dict(doc.metadata)
        rows[doc.case] = {
            str(k): ("" if v is None else str(v))
            for k, v in meta.items()
            if isinstance(v, str | int | float | bool) or v is None
        }
    columns: list[str] = list(keys) if keys is not None else sorted({k for r in rows.values() for k in r})
    data = {k: [rows[c].get(k, "") for c in sorted(rows)] for k in columns}
    return pd.DataFrame(data, index=pd.Index(sorted(rows), name="case"), dtype=object)


def segment_counts(
    documents: Iterable[Document], *, sections: Filter = None, speakers: Filter = None
) -> pd.Series:
    """The number of segments (sentences) per case, the denominator of ``share``.

    Parameters
    ----------
    documents : iterable of Document
    sections, speakers : optional
        Count only segments in turns of these sections / speakers (use the same filters as
        the matrix, so a share is a share of like with like).

    Returns
    -------
    Series
        Index case, int64 values.
    """
    from .segments import sentences  # the one sentence splitter every module shares

    secs, spk = _as_set(sections), _as_set(speakers)
    totals: dict[str, int] = {}
    for doc in documents:
        turns = {t.index: t for t in doc.turns}
        n = 0
        for seg in sentences(doc):
            turn = turns.get(seg.turn)
            if turn is None:
                continue
            if secs is not None and turn.section not in secs:
                continue
            if spk is not None and turn.speaker not in spk:
                continue
            n += 1
        totals[doc.case] = totals.get(doc.case, 0) + n
    return pd.Series(totals, dtype="int64").sort_index().rename_axis("case")


def subtotals(
    matrix: pd.DataFrame,
    attributes: pd.DataFrame | Mapping[str, Any],
    by: str,
    *,
    total: bool = True,
) -> pd.DataFrame:
    """Sum a matrix's rows within groups of a case attribute (e.g. council type).

    On a presence matrix this gives the number of cases of each group taking each code.

    Parameters
    ----------
    matrix : DataFrame
        From :func:`code_matrix` (index case).
    attributes : DataFrame or mapping
        Case attributes (from :func:`case_attributes`), or a mapping case -> group.
    by : str
        The attribute column to group by (ignored when ``attributes`` is a mapping).
    total : bool
        Add a last row ``all`` with the column sums.

    Returns
    -------
    DataFrame
        Index ``by`` (groups in the order their first case appears in the matrix; a case with
        no value for the attribute is grouped as :data:`MISSING_ATTRIBUTE`), same columns.

    Raises
    ------
    FindingsError
        E508 if ``by`` is not a column of ``attributes``.
    """
    if isinstance(attributes, pd.DataFrame):
        if by not in attributes.columns:
            raise FindingsError(
                problem("E508", field="by", option="case attribute", value=by, choices=", ".join(map(str, attributes.columns)) or "none")
            )
        groups = attributes[by]
    else:
        groups = pd.Series(dict(attributes), dtype=object)
    labels = groups.reindex(matrix.index).fillna("").astype(str).replace("", MISSING_ATTRIBUTE)
    order = list(dict.fromkeys(labels))
    out = matrix.groupby(labels.to_numpy(), sort=False).sum().reindex(order)
    out.index.name = by
    if total:
        out.loc["all"] = matrix.sum()
    return out


def read_case_list(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The case list of a ``cases.csv`` (columns ``file``, ``case`` and case attributes).

    Parameters
    ----------
    path : path
        The CSV, read by :func:`casecoder.transcripts.load_cases`.

    Returns
    -------
    DataFrame
        One row per case, in the order the file first names it (the order a researcher wants
        the cases shown in), indexed by ``case``; columns the attributes (``""`` where a row
        lacks one).

    Raises
    ------
    TranscriptError
        The file cannot be read (E012).
    FindingsError
        E510 when the file names no case.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "cases.csv"
    >>> _ = f.write_text("file,case,type\\nb.md,Zürich,city\\na.md,Aarau,town\\n", encoding="utf-8")
    >>> read_case_list(f).to_dict("index")
    {'Zürich': {'type': 'city'}, 'Aarau': {'type': 'town'}}
    """
    attrs: dict[str, dict[str, str]] = {}
    for row in load_cases(path).values():
        attrs.setdefault(row["case"], {k: v for k, v in row.items() if k != "case"})
    if not attrs:
        raise FindingsError(problem("E510", path=path))
    return pd.DataFrame(list(attrs.values()), index=pd.Index(list(attrs), name="case")).fillna("")


def with_subtotals(matrix: pd.DataFrame, attributes: pd.DataFrame | Mapping[str, Any], by: str) -> pd.DataFrame:
    """The matrix with :func:`subtotals` rows after its cases, in one table that writes cleanly.

    Subtotal rows are labelled ``<by>=<value>`` (and ``all``) so they cannot be mistaken for
    cases, and the index keeps the name ``case`` (a CSV's first header is never blank).

    Examples
    --------
    >>> m = pd.DataFrame({"listen": [1, 0, 1]}, index=pd.Index(["a", "b", "c"], name="case"))
    >>> t = with_subtotals(m, {"a": "county", "b": "district", "c": "county"}, "type")
    >>> t.index.name, t.index.tolist(), t["listen"].tolist()
    ('case', ['a', 'b', 'c', 'type=county', 'type=district', 'all'], [1, 0, 1, 2, 0, 2])
    """
    sub = subtotals(matrix, attributes, by)
    sub.index = [label if label == "all" and i == len(sub) - 1 else f"{by}={label}"
                 for i, label in enumerate(map(str, sub.index))]
    out = pd.concat([matrix, sub])
    out.index.name = matrix.index.name or "case"
    return out


def write_matrix(table: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a matrix (cases x codes, or a framework matrix) as CSV or Parquet, atomically.

    Parameters
    ----------
    table : DataFrame
        Indexed by case.
    path : path
        ``.csv`` (the index as the first column) or ``.parquet`` (the index as a ``case``
        column of strings).

    Returns
    -------
    Path

    Raises
    ------
    FindingsError
        E508 for another suffix; nothing is written.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> table = pd.DataFrame({"listen": [2, 0]}, index=pd.Index(["north", "south"], name="case"))
    >>> out = write_matrix(table, pathlib.Path(tempfile.mkdtemp()) / "m.csv")
    >>> print(out.read_text(encoding="utf-8"), end="")
    case,listen
    north,2
    south,0
    """
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise FindingsError(problem("E508", path=out, option="output format", value=suffix or "(none)",
                                    choices=".csv, .parquet"))
    with atomic_path(out) as tmp:
        if suffix == ".parquet":
            frame = table.copy()
            frame.index = frame.index.map(str)
            frame.reset_index(names="case").to_parquet(tmp, index=False)
        else:
            # Case names a spreadsheet would run as formulas get a leading apostrophe.
            csv_safe_frame(table).to_csv(tmp, encoding="utf-8", lineterminator="\n")
    return out
