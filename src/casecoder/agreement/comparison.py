"""Comparing analysts end to end: :func:`compare` maps codings onto units, computes every
statistic with a bootstrap interval and lists the disagreements; :func:`write_comparison`
writes it all.

The inputs are codings tables already read (an :class:`AnalystCoding` each);
:mod:`casecoder.sources` reads them from any source (the coder, an overrides file, an analyst
coding, a gold coding, a codings table, a REFI-QDA project).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import AgreementError, problem
from ..figures import plot_agreement_heatmap, save_figure
from ..io import atomic_write_text
from ..schema import csv_safe_frame
from .bootstrap import bootstrap_alpha
from .breakdown import group_agreement, per_document
from .unitizing import unitizing_from_codings
from .intervals import INTERVAL_METHOD, MIN_DOCUMENTS, interval_rule
from .report import _label, disagreements, disagreements_markdown
from .statistics import agreement_statistics, pairwise_agreement
from .units import CLUSTERS, Ratings, _analyst_name, ratings_from_codings, units_table

if TYPE_CHECKING:  # pragma: no cover
    from ..codebook import Codebook
    from ..transcripts import Document

__all__ = ["AnalystCoding", "AnalystComparison", "compare", "write_comparison"]


@dataclass(frozen=True)
class AnalystCoding:
    """One analyst's coding, ready to compare.

    Attributes
    ----------
    analyst : str
        The name the file gives (never invented).
    codings : DataFrame
        A codings table (:mod:`casecoder.schema`).
    reviewed : frozenset of str, optional
        The documents the analyst reviewed; None: as :func:`ratings_from_codings` infers.
    path : str
        Where it came from (``""`` if built in memory).
    notes : tuple of str
        What the reader set aside or changed and the user should know (e.g. a REFI-QDA project
        source that matches no transcript); empty for most inputs.
    """

    analyst: str
    codings: pd.DataFrame
    reviewed: frozenset[str] | None = None
    path: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnalystComparison:
    """The result of :func:`compare`.

    Attributes
    ----------
    ratings : Ratings
    statistics : DataFrame
        :func:`agreement_statistics` with ``alpha_low``/``alpha_high`` from
        :func:`bootstrap_alpha` after ``alpha``.
    pairwise : DataFrame
        :func:`pairwise_agreement`.
    disagreements : DataFrame
        :func:`disagreements`.
    settings : Mapping
        What was asked: unit, min_overlap, replicates, seed, level, resampled.
    labels : Mapping of str to str
        Code labels (from the codebook, if given), for figures.
    per_document : DataFrame or None
        :func:`~casecoder.agreement.per_document` (sentence and turn units).
    groups : DataFrame or None
        :func:`~casecoder.agreement.group_agreement`, when groups were given.
    unitizing : DataFrame or None
        :func:`~casecoder.agreement.unitizing_alpha` on the analysts' own spans, over the
        documents every analyst reviewed (None when no document was).
    """

    ratings: Ratings
    statistics: pd.DataFrame
    pairwise: pd.DataFrame
    disagreements: pd.DataFrame
    settings: Mapping[str, Any]
    labels: Mapping[str, str] = field(default_factory=dict)
    per_document: pd.DataFrame | None = None
    groups: pd.DataFrame | None = None
    unitizing: pd.DataFrame | None = None


# long because: its NumPy docstring (every parameter, what is returned and raised, an example)
# is as long as its code, which is under 60 lines.
def compare(
    codings: Sequence[AnalystCoding | pd.DataFrame],
    documents: Sequence[Document],
    *,
    unit: str = "sentence",
    codes: Sequence[str] | None = None,
    codebook: Codebook | None = None,
    min_overlap: float = 0.0,
    include_interviewer: bool = False,
    replicates: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    cluster: str = "auto",
    groups: Mapping[str, Sequence[str]] | None = None,
) -> AnalystComparison:
    """Compare two or more analysts' codings of the same transcripts.

    Unit of analysis: ``unit`` (sentence, turn, document or case) x code; see
    :func:`ratings_from_codings` for how codings are mapped onto units and
    :func:`agreement_statistics` for the statistics.

    Parameters
    ----------
    codings : sequence of AnalystCoding or DataFrame
        One per analyst (a DataFrame is a codings table; its documents are the reviewed ones).
    documents : sequence of Document
        The transcripts coded.
    unit : str
        One of :data:`UNITS`.
    codes : sequence of str, optional
        Codes to compare (default: the codebook's, else every code applied).
    codebook : Codebook, optional
        Gives the code order and labels, and checks ``codes``.
    min_overlap : float
        See the overlap rule in the module docstring.
    include_interviewer : bool
        Count interviewer sentences or turns as units (default False).
    replicates, seed, level : int, int, float
        The bootstrap of alpha (``replicates=0`` skips it).
    cluster : str
        What the bootstrap resamples: ``auto`` (documents for sentence and turn units, else
        units), ``unit`` or ``document``.
    groups : mapping of str to sequence of str, optional
        Groups of analysts (name -> analysts) to compare within and between.

    Returns
    -------
    AnalystComparison

    Raises
    ------
    AgreementError
        E601-E617 as the functions it calls; E604 for an unknown code in ``codes``.
    """
    inputs = [c if isinstance(c, AnalystCoding) else AnalystCoding(_analyst_name(c), c) for c in codings]
    if len(inputs) < 2:
        raise AgreementError(problem("E601", count=len(inputs)))
    if cluster not in CLUSTERS:
        raise AgreementError(problem("E606", option="cluster", value=cluster, choices=", ".join(CLUSTERS)))
    codes = _checked_codes(codes, codebook, inputs)
    units = units_table(documents, unit, include_interviewer=include_interviewer)
    ratings = ratings_from_codings(
        [c.codings for c in inputs], units, unit=unit, codes=codes,
        analysts=[c.analyst or f"analyst{i + 1}" for i, c in enumerate(inputs)],
        reviewed=[c.reviewed for c in inputs], min_overlap=min_overlap,
    )
    stats = agreement_statistics(ratings.values, codes=ratings.codes, analysts=ratings.analysts)
    settings: dict[str, Any] = {"unit": unit, "min_overlap": float(min_overlap), "replicates": int(replicates),
                                "seed": int(seed), "level": float(level), "cluster": cluster,
                                "include_interviewer": bool(include_interviewer)}
    if replicates:
        stats = _with_intervals(stats, ratings, cluster, replicates, seed, level, settings)
    pairwise = pairwise_agreement(ratings.values, codes=ratings.codes, analysts=ratings.analysts)
    labels = {c: _label(codebook, c) or c for c in ratings.codes}
    by_document = per_document(ratings) if unit in ("sentence", "turn") else None
    by_group = group_agreement(ratings, groups) if groups else None
    try:
        spans, used = unitizing_from_codings(inputs, documents, codes=list(ratings.codes))
        settings["unitizing_documents"] = len(used)
    except AgreementError:  # no document every analyst reviewed: no common continuum
        spans = None
    return AnalystComparison(ratings, stats, pairwise, disagreements(ratings, codebook=codebook), settings, labels,
                             by_document, by_group, spans)


def _with_intervals(stats: pd.DataFrame, ratings: Ratings, cluster: str, replicates: int, seed: int, level: float,
                    settings: dict[str, Any]) -> pd.DataFrame:
    """Add ``alpha_low``, ``alpha_high`` and ``interval`` (why none is given) to the statistics.

    The studentized bootstrap (:func:`bootstrap_alpha`), then :func:`interval_rule` per row: a
    row whose data cannot support an interval (too few documents, disagreements or coded units)
    gets none, and the reason, instead of an interval that would not hold its coverage.
    """
    clusters = ratings.clusters(cluster)
    boot = bootstrap_alpha(ratings.values, clusters=clusters, replicates=replicates, seed=seed,
                           level=level, codes=list(ratings.codes))
    groups, kind = int(boot["groups"].iloc[0]), str(boot["resampled"].iloc[0])
    resampled = "documents" if kind == "clusters" else "units"
    coded_groups = dict(zip(boot["code"], boot["coded_groups"]))
    low = dict(zip(boot["code"], boot["alpha_low"]))
    high = dict(zip(boot["code"], boot["alpha_high"]))
    lows, highs, why = [], [], []
    for row in stats.itertuples(index=False):
        if row.scope == "mean of codes":
            lows.append(np.nan), highs.append(np.nan), why.append("no interval for the mean of codes")
            continue
        rule = interval_rule(groups=groups, disagreements=int(row.disagreements), coded_units=int(row.coded_units),
                             resampled=resampled, coded_groups=int(coded_groups[row.code]))
        lo, hi = low[row.code], high[row.code]
        if rule.ok and not (np.isfinite(lo) and np.isfinite(hi)):
            rule = type(rule)(False, rule.method, "alpha is undefined in too many bootstrap replicates")
        lows.append(lo if rule.ok else np.nan)
        highs.append(hi if rule.ok else np.nan)
        short = "too few documents (see the note)" if resampled == "documents" and groups < MIN_DOCUMENTS else rule.reason
        why.append("" if rule.ok else f"no interval: {short}")
    out = stats.copy()
    at = out.columns.get_loc("alpha") + 1
    out.insert(at, "alpha_low", lows)
    out.insert(at + 1, "alpha_high", highs)
    out.insert(at + 2, "interval", why)
    settings["resampled"] = f"{groups} {resampled}"
    settings["interval"] = f"{INTERVAL_METHOD} bootstrap over {resampled}, {replicates} replicates"
    if resampled == "documents" and groups < MIN_DOCUMENTS:
        settings["warning"] = (f"only {groups} document(s) hold units reviewed by two analysts: no interval is given "
                               f"(it needs {MIN_DOCUMENTS}: in the coverage simulation no interval from 3 documents held "
                               "its coverage, and from 5 only one wider than 1.5; docs/AGREEMENT.md)")
    elif resampled == "units" and ratings.unit in ("sentence", "turn"):
        settings["warning"] = (f"the interval resamples {ratings.unit}s as if independent; {ratings.unit}s of one "
                               "interview are not, and such intervals covered 68-73% in the coverage simulation "
                               "(docs/AGREEMENT.md): prefer --cluster auto")
    return out


def _checked_codes(codes: Sequence[str] | None, codebook: Codebook | None,
                   inputs: Sequence[AnalystCoding]) -> list[str] | None:
    """The codes to compare: as given (each must be the codebook's; without a codebook, at least
    one must be used by some analyst), else the codebook's, else None (every code applied)."""
    if codebook is not None:
        known = list(codebook.ids)
        if codes is not None:
            bad = [c for c in codes if c not in known]
            if bad:
                raise AgreementError([problem("E604", field="codes", code=c, where="", known=", ".join(known)) for c in bad])
        return list(codes) if codes is not None else known
    if codes is not None:
        applied = set()
        for c in inputs:
            applied |= set(c.codings["code"].astype(str)) if len(c.codings) else set()
        bad = [c for c in codes if c not in applied]
        if bad and len(bad) == len(list(codes)):
            raise AgreementError([problem("E604", field="codes", code=c, where=" (no analyst used it)", known=", ".join(sorted(applied))) for c in bad])
    return codes


def write_comparison(comparison: AnalystComparison, out: str | os.PathLike[str]) -> list[Path]:
    """Write a comparison's tables and heatmap into folder ``out``.

    Files: ``agreement.csv`` (the statistics), ``pairwise.csv``, ``disagreements.csv`` and
    ``disagreements.md``, ``unmapped.csv`` (codings that fell on no unit), ``per_document.csv``,
    ``unitizing.csv`` and ``groups.csv`` (when computed), and
    ``agreement_heatmap.png``/``.svg``. Each is written atomically; floats are written with 12
    significant digits so that re-running gives identical bytes.

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    frames = [("agreement.csv", comparison.statistics), ("pairwise.csv", comparison.pairwise),
              ("disagreements.csv", comparison.disagreements), ("unmapped.csv", comparison.ratings.unmapped),
              ("per_document.csv", comparison.per_document), ("groups.csv", comparison.groups),
              ("unitizing.csv", comparison.unitizing)]
    for name, frame in frames:
        if frame is None:
            continue
        text = csv_safe_frame(frame).to_csv(index=False, lineterminator="\n", float_format="%.12g")
        written.append(atomic_write_text(folder / name, text))
    md = disagreements_markdown(comparison.disagreements, comparison.ratings.analysts, comparison.statistics)
    written.append(atomic_write_text(folder / "disagreements.md", md))
    written.extend(_write_heatmap(comparison, folder))
    return written


def _write_heatmap(comparison: AnalystComparison, folder: Path) -> list[Path]:
    # plot_agreement_heatmap builds a plain Figure (no pyplot), so no backend is chosen here
    # and a notebook's own backend is left as it was.
    pairwise = comparison.pairwise if len(comparison.ratings.analysts) > 2 else None
    fig = plot_agreement_heatmap(comparison.statistics, pairwise, dict(comparison.labels) or None)
    return save_figure(fig, folder / "agreement_heatmap")
