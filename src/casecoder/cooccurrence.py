"""Code co-occurrence: which codes are coded together, how often, and on what words.

A **unit** is the stretch of text two codes must share to count as coded together:

============  ===========================================================================
``sentence``  one segment (a manual coding of another span, ``segment == -1``, is a unit
              of its own)
``turn``      one speaker's turn in one document
``document``  one transcript
``case``      all the transcripts of one case
============  ===========================================================================

For codes *a* and *b*, ``counts[a, b]`` is the number of units holding at least one coded
segment of *a* and one of *b*; the diagonal ``counts[a, a]`` is the number of units coded with
*a*. Only rows with status ``coded`` count (as in :mod:`casecoder.matrix`), so a match set
aside by the coder or an analyst never makes two codes go together. Two normalised forms:

- **Jaccard**: ``counts[a, b] / (counts[a, a] + counts[b, b] - counts[a, b])``, the units coded
  with both over the units coded with either (symmetric, in [0, 1]; NaN when neither code is
  used), so a pair of frequent codes does not look related only because both are frequent;
- **conditional share**: ``counts[a, b] / counts[a, a]``, the share of *a*'s units also coded
  *b* (row *a*, column *b*; not symmetric; NaN when *a* is unused).

This is what NVivo's matrix coding query with "AND", ATLAS.ti's code co-occurrence table (its
*c-coefficient* is the Jaccard index) and MAXQDA's code relations browser count. Every
off-diagonal cell keeps the segments behind it (:attr:`Cooccurrence.segments`), so a number
can always be traced back to the words, as the framework matrix does for the cases × codes one.

Nothing here knows about councils or this study: any codebook, any corpus.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .errors import FindingsError, problem
from .io import atomic_path
from .matrix import Filter, _code_ids, filter_codings
from .schema import csv_safe_frame, validate_codings

if TYPE_CHECKING:  # pragma: no cover
    from .codebook import Codebook

__all__ = ["PAIR_COLUMNS", "SEGMENT_COLUMNS", "UNITS", "Cooccurrence", "cooccurrence", "write_cooccurrence"]

#: The units codes can be counted together in, smallest first.
UNITS: tuple[str, ...] = ("sentence", "turn", "document", "case")
#: Columns of :attr:`Cooccurrence.pairs`.
PAIR_COLUMNS: tuple[str, ...] = (
    "code_a", "code_b", "units_a", "units_b", "both", "either", "jaccard", "share_of_a", "share_of_b",
)
#: Columns of :attr:`Cooccurrence.segments`.
SEGMENT_COLUMNS: tuple[str, ...] = (
    "code_a", "code_b", "unit", "case", "document", "turn", "segment", "start", "end", "text", "code", "sources",
)


@dataclass(frozen=True)
class Cooccurrence:
    """Codes counted together at one unit, with the segments behind every pair.

    Attributes
    ----------
    unit : str
        One of :data:`UNITS`.
    n_units : int
        The units holding at least one coded segment (after the filters).
    counts : DataFrame
        Codes × codes (index and columns the code ids, in the order given), int64:
        ``[a, b]`` the units coded with both, ``[a, a]`` the units coded with ``a``. Symmetric.
    jaccard : DataFrame
        Same shape, float64: units with both over units with either; 1.0 on the diagonal of
        a used code; NaN where neither code is used. Symmetric, in [0, 1].
    conditional : DataFrame
        Same shape, float64: ``[a, b]`` = ``counts[a, b] / counts[a, a]``, the share of
        ``a``'s units also coded ``b``; NaN in the row of an unused code.
    pairs : DataFrame
        Tidy, one row per unordered pair of distinct codes (``code_a`` before ``code_b`` in
        code order), columns :data:`PAIR_COLUMNS`: ``units_a``, ``units_b``, ``both``,
        ``either``, ``jaccard``, ``share_of_a`` (of ``a``'s units, the share also coded
        ``b``) and ``share_of_b``.
    segments : DataFrame
        The evidence of every pair coded together, columns :data:`SEGMENT_COLUMNS`: for each
        pair (in ``pairs`` order) and each unit coded with both, the distinct spans coded
        ``code_a`` or ``code_b`` in that unit (``code`` says which; ``sources`` which sources
        coded the span, e.g. ``auto+manual``), in document and text order. ``unit`` names the
        unit (``oldham, sentence 12``, ``oldham, turn 3``, ``oldham``, the case).
    """

    unit: str
    n_units: int
    counts: pd.DataFrame
    jaccard: pd.DataFrame
    conditional: pd.DataFrame
    pairs: pd.DataFrame
    segments: pd.DataFrame


def _unit_keys(table: pd.DataFrame, unit: str) -> tuple[pd.DataFrame, pd.Series]:
    """The columns identifying each row's unit, and a readable name of the unit."""
    doc = table["document"].astype(str)
    if unit == "case":
        return table[["case"]], table["case"].astype(str)
    if unit == "document":
        return table[["document"]], doc
    if unit == "turn":
        # A row with no turn (-1, e.g. imported from another tool) is a unit of its own span
        # rather than lumped with every other turnless row of its document.
        own = table["turn"] < 0
        index, kind = table["turn"], "turn"
    else:
        own = table["segment"] < 0
        index, kind = table["segment"], "sentence"
    keys = pd.DataFrame({
        "document": doc,
        "index": index.where(~own, -1),
        "a": table["start"].where(own, -1),
        "b": table["end"].where(own, -1),
    }, index=table.index)
    span = doc + ", " + table["start"].astype(str) + ":" + table["end"].astype(str)
    names = (doc + f", {kind} " + index.astype(str)).where(~own, span)
    return keys, names


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


# long because: its NumPy docstring (every parameter, what is returned and raised, an example)
# is as long as its code, which is under 60 lines.
def cooccurrence(
    codings: pd.DataFrame,
    codes: Codebook | Sequence[str] | None = None,
    *,
    unit: str = "sentence",
    sections: Filter = None,
    speakers: Filter = None,
    documents: Filter = None,
    sources: Filter = None,
    where: str | None = None,
) -> Cooccurrence:
    """Count how often each pair of codes is coded in the same unit.

    Parameters
    ----------
    codings : DataFrame
        A codings table (:data:`casecoder.schema.CODINGS_COLUMNS`). Only rows with status
        ``coded`` count.
    codes : Codebook or sequence of str, optional
        The codes, in the order of the matrix's rows and columns (a Codebook gives its ids);
        a code never used is a row and column of zeros; a code in the table but not here is an
        error. Default: the table's codes, sorted.
    unit : {"sentence", "turn", "document", "case"}
        What two codes must share to count as coded together (see the module docstring).
    sections, speakers, documents, sources : str or iterable of str, optional
        Keep only these rows, as :func:`casecoder.matrix.filter_codings`.
    where : str, optional
        The file the codings came from, named in problems.

    Returns
    -------
    Cooccurrence
        ``counts`` (n_codes × n_codes), ``jaccard``, ``conditional``, the tidy ``pairs`` and
        the ``segments`` behind each pair.

    Raises
    ------
    FindingsError
        E508 for a unit or filter choice that does not exist, E516 for a code listed twice.
    CodingsError
        A malformed table (E202, E204, E207) or a code not among ``codes`` (E203).

    Examples
    --------
    >>> rows = pd.DataFrame({
    ...     "document": ["d1", "d1", "d1", "d2"], "case": ["c1", "c1", "c1", "c2"],
    ...     "turn": [0, 0, 1, 0], "segment": [0, 0, 1, 0], "start": [0, 0, 9, 0],
    ...     "end": [8, 8, 15, 5], "code": ["pace", "risk", "pace", "risk"]})
    >>> co = cooccurrence(rows, ["pace", "risk"], unit="sentence")
    >>> co.counts.to_numpy().tolist()
    [[2, 1], [1, 2]]
    >>> float(co.jaccard.loc["pace", "risk"]), float(co.conditional.loc["pace", "risk"])
    (0.3333333333333333, 0.5)
    >>> int(cooccurrence(rows, ["pace", "risk"], unit="document").counts.loc["pace", "risk"])
    1
    """
    if unit not in UNITS:
        raise FindingsError(problem("E508", field="unit", option="unit", value=unit, choices=", ".join(UNITS)))
    if codes is None:
        table = validate_codings(codings, where=where)
        code_ids = sorted(set(table["code"]))
    else:
        code_ids = _code_ids(codes)
        table = validate_codings(codings, known_codes=code_ids, where=where)
    kept = filter_codings(table, sections=sections, speakers=speakers, documents=documents, sources=sources,
                          statuses=("coded",)).reset_index(drop=True)
    keys, names = _unit_keys(kept, unit)
    unit_id = keys.groupby(list(keys.columns), sort=True).ngroup().to_numpy() if len(kept) else np.zeros(0, int)
    n_units = int(unit_id.max()) + 1 if len(unit_id) else 0
    position = {c: i for i, c in enumerate(code_ids)}
    code_pos = kept["code"].map(position).to_numpy(dtype="int64")
    # units x codes incidence (a unit coded twice with a code is coded with it once)
    incidence = np.zeros((n_units, len(code_ids)), dtype="int64")
    incidence[unit_id, code_pos] = 1
    both = incidence.T @ incidence
    used = np.diag(both)
    either = used[:, None] + used[None, :] - both
    index = pd.Index(code_ids, name="code_a")
    columns = pd.Index(code_ids, name="code_b")
    counts = pd.DataFrame(both, index=index, columns=columns)
    jaccard = pd.DataFrame(_ratio(both, either), index=index, columns=columns)
    conditional = pd.DataFrame(_ratio(both, np.broadcast_to(used[:, None], both.shape)), index=index, columns=columns)
    ia, ib = np.triu_indices(len(code_ids), k=1)
    pairs = pd.DataFrame({
        "code_a": [code_ids[i] for i in ia], "code_b": [code_ids[j] for j in ib],
        "units_a": used[ia], "units_b": used[ib], "both": both[ia, ib], "either": either[ia, ib],
        "jaccard": jaccard.to_numpy()[ia, ib], "share_of_a": conditional.to_numpy()[ia, ib],
        "share_of_b": conditional.to_numpy()[ib, ia],
    }, columns=list(PAIR_COLUMNS)).astype({"code_a": object, "code_b": object})
    segments = _segments(kept.assign(_unit=unit_id, _name=names.to_numpy(), _pos=code_pos),
                         incidence, code_ids, pairs)
    return Cooccurrence(unit, n_units, counts, jaccard, conditional, pairs, segments)


def _segments(kept: pd.DataFrame, incidence: np.ndarray, code_ids: list[str], pairs: pd.DataFrame) -> pd.DataFrame:
    """The distinct spans coded with either code of each pair, in the units coded with both."""
    ints = ("turn", "segment", "start", "end")
    position = {c: i for i, c in enumerate(code_ids)}
    ia = pairs["code_a"].map(position).to_numpy(dtype="int64")
    ib = pairs["code_b"].map(position).to_numpy(dtype="int64")
    # (unit, pair) for every unit coded with both codes of a pair, all pairs at once
    unit_idx, pair_idx = np.nonzero(incidence[:, ia] & incidence[:, ib])
    if kept.empty or not len(pair_idx):
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ints else object) for c in SEGMENT_COLUMNS})
    span = ["_unit", "_pos", "document", "start", "end"]
    sources = kept.groupby(span)["source"].agg(lambda s: "+".join(sorted(set(s)))).rename("sources")
    spans = kept.drop_duplicates(span).set_index(span).join(sources).reset_index()
    shared = pd.DataFrame({"_unit": unit_idx, "_pair": pair_idx})
    out = shared.merge(spans, on="_unit", how="inner")
    out = out[(out["_pos"].to_numpy() == ia[out["_pair"]]) | (out["_pos"].to_numpy() == ib[out["_pair"]])]
    out = out.sort_values(["_pair", "document", "start", "end", "_pos"], kind="mergesort")
    out = out.assign(code_a=pairs["code_a"].to_numpy()[out["_pair"]], code_b=pairs["code_b"].to_numpy()[out["_pair"]])
    out = out.rename(columns={"_name": "unit"})[list(SEGMENT_COLUMNS)].reset_index(drop=True)
    # text columns as object, the dtype of every other casecoder table (schema.normalise_codings)
    return out.astype({c: object for c in SEGMENT_COLUMNS if c not in ints})


def write_cooccurrence(
    result: Cooccurrence,
    out_dir: str | os.PathLike[str],
    labels: Codebook | Mapping[str, str] | None = None,
    *,
    value: str = "jaccard",
    title: str | None = None,
) -> list[Path]:
    """Write a co-occurrence's tables and heatmap into a folder, each file atomically.

    Files are named after the unit, so several units can share a folder:
    ``<unit>-counts.csv``, ``<unit>-jaccard.csv``, ``<unit>-conditional.csv`` (codes × codes,
    first column ``code_a``), ``<unit>-pairs.csv`` and ``.parquet`` (tidy, one row per pair),
    ``<unit>-segments.csv`` and ``.parquet`` (the spans behind each pair) and
    ``<unit>-heatmap.png`` and ``.svg`` (:func:`casecoder.figures.plot_cooccurrence_heatmap`).
    The same result gives the same bytes.

    Parameters
    ----------
    result : Cooccurrence
    out_dir : path
        The folder (created if missing; other files in it are left alone).
    labels : Codebook or mapping, optional
        Code labels for the heatmap.
    value, title
        As :func:`casecoder.figures.plot_cooccurrence_heatmap`.

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> write_cooccurrence(cooccurrence(codings, book, unit="turn"), "out/cooccurrence", book)  # doctest: +SKIP
    """
    from .figures import plot_cooccurrence_heatmap, save_figure  # lazy: figures loads matplotlib

    folder = Path(out_dir)
    stem = folder / result.unit
    fig = plot_cooccurrence_heatmap(result, labels, value=value, title=title)
    written = []
    for name, frame in (("counts", result.counts), ("jaccard", result.jaccard), ("conditional", result.conditional)):
        written.append(_write_table(frame, stem.with_name(f"{result.unit}-{name}.csv"), index=True))
    for name, frame in (("pairs", result.pairs), ("segments", result.segments)):
        for suffix in (".csv", ".parquet"):
            written.append(_write_table(frame, stem.with_name(f"{result.unit}-{name}{suffix}"), index=False))
    written += save_figure(fig, stem.with_name(f"{result.unit}-heatmap"))
    return written


def _write_table(frame: pd.DataFrame, path: Path, *, index: bool) -> Path:
    with atomic_path(path) as tmp:
        if path.suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            csv_safe_frame(frame).to_csv(tmp, index=index, encoding="utf-8", lineterminator="\n")
    return path
