"""The codings table: its columns, their meaning, and its validation, reading and writing.

A codings table is a :class:`pandas.DataFrame` with one row per (segment, code, source).
Every stage that produces codings (the coder, overrides, REFI-QDA import) returns this shape and
every stage that consumes them (matrix, agreement, review, export) accepts it.

========  =====  =====================================================================
column    type   meaning
========  =====  =====================================================================
document  str    document id (the transcript's file name without suffix)
case      str    the document's case (e.g. a council)
section   str    section heading the turn falls under ("" if none)
turn      int    turn index in the document
speaker   str    the turn's speaker ("" if unknown)
segment   int    sentence index in the document (-1 for a coding on another span)
start     int    start, in code points into the document text
end       int    end (exclusive), in code points
text      str    ``document.text[start:end]``
code      str    code id
rule      str    what produced it: ``phrase:<text>``, ``pattern:<name>`` or ``override``
source    str    ``auto`` (the coder) or ``manual`` (an analyst)
analyst   str    ``casecoder`` for auto codings, else the analyst's name
status    str    ``coded``, or ``excluded`` for a match the coder or an analyst set aside
reason    str    why excluded: ``negated``, ``question``, ``hypothetical``, ``barrier``,
                 ``reported``, ``mention`` (:mod:`casecoder.assertion`),
                 ``other_sense:<name>``, ``interviewer``, ``removed_by:<analyst>``;
                 "" when coded
note      str    the override's note, if any
========  =====  =====================================================================
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .errors import CodingsError, problem
from .io import FORMULA_STARTS, atomic_path, spreadsheet_safe, spreadsheet_text

if TYPE_CHECKING:  # pragma: no cover
    from .codebook import Codebook

__all__ = [
    "CODINGS_COLUMNS",
    "INT_COLUMNS",
    "SORT_COLUMNS",
    "csv_safe_frame",
    "csv_safe_rows",
    "empty_codings",
    "normalise_codings",
    "read_codings",
    "validate_codings",
    "write_codings",
]

CODINGS_COLUMNS: tuple[str, ...] = (
    "document",
    "case",
    "section",
    "turn",
    "speaker",
    "segment",
    "start",
    "end",
    "text",
    "code",
    "rule",
    "source",
    "analyst",
    "status",
    "reason",
    "note",
)
INT_COLUMNS: tuple[str, ...] = ("turn", "segment", "start", "end")
STR_COLUMNS: tuple[str, ...] = tuple(c for c in CODINGS_COLUMNS if c not in INT_COLUMNS)
SORT_COLUMNS: tuple[str, ...] = ("document", "start", "end", "code", "source", "analyst", "rule", "status")
#: Columns a table must have to be usable at all; the rest default to "" (or -1 for segment).
REQUIRED_COLUMNS: tuple[str, ...] = ("document", "case", "start", "end", "code")
_DEFAULTS = {"segment": -1, "turn": -1, "source": "manual", "status": "coded", "analyst": ""}


def empty_codings() -> pd.DataFrame:
    """Return an empty codings table with every column and dtype in place."""
    return normalise_codings(pd.DataFrame({c: [] for c in CODINGS_COLUMNS}))


def normalise_codings(df: pd.DataFrame) -> pd.DataFrame:
    """Put a codings table into canonical form: all columns, in order, typed, sorted.

    Missing optional columns are filled with their defaults (``""``; ``-1`` for ``segment``
    and ``turn``; ``manual`` for ``source``; ``coded`` for ``status``). Rows are sorted by
    :data:`SORT_COLUMNS` and the index reset, so equal inputs give byte-identical files.
    """
    out = df.copy()
    for col in CODINGS_COLUMNS:
        if col not in out.columns:
            out[col] = _DEFAULTS.get(col, "")
    out = out[list(CODINGS_COLUMNS)]
    for col in INT_COLUMNS:
        out[col] = pd.to_numeric(out[col], errors="raise").astype("int64")
    for col in STR_COLUMNS:
        out[col] = out[col].fillna("").astype(str).astype(object)
    out = out.sort_values(list(SORT_COLUMNS), kind="mergesort").reset_index(drop=True)
    return out


def validate_codings(
    df: pd.DataFrame,
    *,
    codebook: Codebook | None = None,
    where: str | os.PathLike[str] | None = None,
    known_codes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Check a codings table and return it in canonical form.

    Parameters
    ----------
    df : DataFrame
        A codings table (see the module docstring for the columns).
    codebook : Codebook, optional
        If given, every ``code`` must be one of its ids.
    where : path, optional
        The file the table came from, named in every problem.
    known_codes : iterable of str, optional
        Code ids to accept besides (or instead of) the codebook's.

    Returns
    -------
    DataFrame
        The table from :func:`normalise_codings`.

    Raises
    ------
    CodingsError
        Listing every problem: missing columns (E202), unknown codes (E203), values of the
        wrong type (E204), offsets out of order (E207).
    """
    path = None if where is None else str(where)
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise CodingsError(
            problem("E202", path=path, columns=", ".join(missing), required=", ".join(REQUIRED_COLUMNS))
        )
    problems = []
    for col in INT_COLUMNS:
        if col not in df.columns:
            continue
        values = pd.to_numeric(df[col], errors="coerce")
        bad = values.isna() | (values != values.round())
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            problems.append(
                problem("E204", path=path, field=col, column=col, expected="whole numbers",
                        found=repr(df[col].iloc[row]), row=row + 2)
            )
    if problems:
        raise CodingsError(problems)
    out = normalise_codings(df)
    bad_span = (out["start"] < 0) | (out["end"] < out["start"])
    if bad_span.any():
        problems.append(problem("E207", path=path, field="start/end", row=int(bad_span.to_numpy().nonzero()[0][0]) + 2))
    known: set[str] = set(known_codes or ())
    if codebook is not None:
        known |= set(codebook.ids)
    if codebook is not None or known_codes is not None:
        unknown = sorted(set(out["code"]) - known)
        for code in unknown:
            problems.append(
                problem("E203", path=path, field="code", code=code,
                        count=int((out["code"] == code).sum()),
                        known=", ".join(codebook.ids if codebook is not None else sorted(known)))
            )
    if problems:
        raise CodingsError(problems)
    return out


_GUARD_FIRST = tuple(FORMULA_STARTS) + ("'",)


def csv_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells, index and column names are safe to open in a spreadsheet.

    Every string that a spreadsheet would run as a formula gets a leading apostrophe
    (:func:`casecoder.io.spreadsheet_safe`); numbers are left alone. Use it for every CSV a
    researcher may open; Parquet keeps the raw text.

    Examples
    --------
    >>> safe = csv_safe_frame(pd.DataFrame({"case": ["=cmd|' /C calc'!A0", "Oldham"], "n": [-1, 2]}))
    >>> safe["case"].tolist(), safe["n"].tolist()
    (["'=cmd|' /C calc'!A0", 'Oldham'], [-1, 2])
    """
    def fix(value: object) -> object:
        return spreadsheet_safe(value) if isinstance(value, str) else value

    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(fix)
    out.index = out.index.map(fix)
    out.columns = out.columns.map(fix)
    return out


_GUARD_AFTER_NUL = re.compile("\x00[" + re.escape("".join(_GUARD_FIRST)) + "]")


def _may_need_guard(rows: list[tuple[object, ...]]) -> bool:
    """False when no text cell of ``rows`` starts with a character :data:`_GUARD_FIRST` names.

    A column at a time, in C (``zip``, ``str.join``, one regular expression search): a
    codings chunk has a few hundred thousand cells, and a Python test per cell was a tenth
    of the coder's time. Anything unusual (a column of mixed types, rows of unequal length)
    answers True, and the caller then checks every cell.
    """
    if len({len(row) for row in rows}) > 1:
        return True
    for column in zip(*rows):
        if not isinstance(column[0], str):
            if str in set(map(type, column)):
                return True
            continue
        try:
            joined = "\x00" + "\x00".join(column)  # type: ignore[arg-type]
        except TypeError:  # not every cell is text
            return True
        if _GUARD_AFTER_NUL.search(joined):
            return True
    return False


def csv_safe_rows(rows: Iterable[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """Rows of a codings table with their text cells made spreadsheet-safe (see above).

    Examples
    --------
    >>> csv_safe_rows([("doc", "+44 1234", 3)])
    [('doc', "'+44 1234", 3)]
    >>> csv_safe_rows([("doc", "we went door to door", 3), ("doc", "x", -1)])
    [('doc', 'we went door to door', 3), ('doc', 'x', -1)]
    """
    rows = list(rows)
    if not _may_need_guard(rows):
        return rows
    out = []
    for row in rows:
        if any(isinstance(v, str) and v.startswith(_GUARD_FIRST) for v in row):
            row = tuple(spreadsheet_safe(v) if isinstance(v, str) else v for v in row)
        out.append(row)
    return out


def read_codings(
    path: str | os.PathLike[str], *, codebook: Codebook | None = None
) -> pd.DataFrame:
    """Read a codings table from ``.csv`` or ``.parquet`` and validate it.

    Raises
    ------
    CodingsError
        E201 if the file is missing, E206 for another suffix, E205 if it cannot be parsed,
        and anything :func:`validate_codings` finds.
    """
    p = Path(path)
    if not p.is_file():
        raise CodingsError(problem("E201", path=p))
    suffix = p.suffix.lower()
    try:
        if suffix == ".csv":
            # Cells casecoder guarded against spreadsheet formulas get their text back.
            df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8").map(spreadsheet_text)
        elif suffix == ".parquet":
            df = pd.read_parquet(p)
        else:
            raise CodingsError(problem("E206", path=p, suffix=suffix or "(none)"))
    except CodingsError:
        raise
    except Exception as exc:  # pandas/pyarrow raise many types for a malformed file
        raise CodingsError(problem("E205", path=p, error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)) from exc
    return validate_codings(df, codebook=codebook, where=p)


def write_codings(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a codings table atomically as ``.csv`` (UTF-8, LF) or ``.parquet``.

    The table is normalised first (all columns, sorted rows), so the same codings always give
    the same bytes. In CSV, a cell a spreadsheet would run as a formula (starting with ``=``,
    ``+``, ``-``, ``@``, a tab or CR) gets a leading apostrophe; :func:`read_codings` removes it,
    and Parquet keeps the raw text.
    """
    p = Path(path)
    out = normalise_codings(df)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise CodingsError(problem("E206", path=p, suffix=suffix or "(none)"))
    with atomic_path(p) as tmp:
        if suffix == ".csv":
            csv_safe_frame(out).to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
        else:
            out.to_parquet(tmp, index=False)
    return p
