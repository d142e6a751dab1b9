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
from .bootstrap import bootstrap_alpha
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
    """

    ratings: Ratings
    statistics: pd.DataFrame
    pairwise: pd.DataFrame
    disagreements: pd.DataFrame
    settings: Mapping[str, Any]
    labels: Mapping[str, str] = field(default_factory=dict)


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
        settings.update(_add_interval(stats, ratings, cluster=cluster, replicates=replicates, seed=seed, level=level))
    pairwise = pairwise_agreement(ratings.values, codes=ratings.codes, analysts=ratings.analysts)
    labels = {c: _label(codebook, c) or c for c in ratings.codes}
    return AnalystComparison(ratings, stats, pairwise, disagreements(ratings, codebook=codebook), settings, labels)


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


def _add_interval(stats: pd.DataFrame, ratings: Ratings, *, cluster: str, replicates: int, seed: int,
                  level: float) -> dict[str, str]:
    """Insert ``alpha_low``/``alpha_high`` after ``alpha`` in ``stats`` (in place) from
    :func:`bootstrap_alpha`; return what was resampled, and a warning if it was few documents."""
    boot = bootstrap_alpha(ratings.values, clusters=ratings.clusters(cluster), replicates=replicates, seed=seed,
                           level=level, codes=list(ratings.codes))
    low = dict(zip(boot["code"], boot["alpha_low"]))
    high = dict(zip(boot["code"], boot["alpha_high"]))
    is_mean = stats["scope"] == "mean of codes"
    stats.insert(stats.columns.get_loc("alpha") + 1, "alpha_low", [np.nan if m else low[c] for c, m in zip(stats["code"], is_mean)])
    stats.insert(stats.columns.get_loc("alpha_low") + 1, "alpha_high", [np.nan if m else high[c] for c, m in zip(stats["code"], is_mean)])
    groups, kind = int(boot["groups"].iloc[0]), str(boot["resampled"].iloc[0])
    out = {"resampled": f"{groups} {'documents' if kind == 'clusters' else kind}"}
    if kind == "clusters" and groups < 10:
        out["warning"] = (
            f"only {groups} document(s) hold units reviewed by two analysts: the interval from "
            "resampling documents is rough; cluster='unit' gives one that ignores the nesting"
        )
    return out


def write_comparison(comparison: AnalystComparison, out: str | os.PathLike[str]) -> list[Path]:
    """Write a comparison's tables and heatmap into folder ``out``.

    Files: ``agreement.csv`` (the statistics), ``pairwise.csv``, ``disagreements.csv`` and
    ``disagreements.md``, ``unmapped.csv`` (codings that fell on no unit), and
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
    for name, frame in (("agreement.csv", comparison.statistics), ("pairwise.csv", comparison.pairwise),
                        ("disagreements.csv", comparison.disagreements), ("unmapped.csv", comparison.ratings.unmapped)):
        text = frame.to_csv(index=False, lineterminator="\n", float_format="%.12g")
        written.append(atomic_write_text(folder / name, text))
    md = disagreements_markdown(comparison.disagreements, comparison.ratings.analysts)
    written.append(atomic_write_text(folder / "disagreements.md", md))
    written.extend(_write_heatmap(comparison, folder))
    return written


def _write_heatmap(comparison: AnalystComparison, folder: Path) -> list[Path]:
    # plot_agreement_heatmap builds a plain Figure (no pyplot), so no backend is chosen here
    # and a notebook's own backend is left as it was.
    pairwise = comparison.pairwise if len(comparison.ratings.analysts) > 2 else None
    fig = plot_agreement_heatmap(comparison.statistics, pairwise, dict(comparison.labels) or None)
    return save_figure(fig, folder / "agreement_heatmap")
