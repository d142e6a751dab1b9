"""Agreement broken down: per document, and within and between groups of analysts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AgreementError, problem
from .statistics import agreement_statistics, pairwise_agreement

__all__ = ["group_agreement", "per_document"]

_PER_DOCUMENT_COLUMNS = ["document", "code", "units", "coded_units", "disagreements", "percent_agreement", "alpha",
                         "kappa", "ac1", "reason"]


def per_document(ratings: Any) -> pd.DataFrame:
    """Every statistic per document and code (as NVivo reports kappa per code and source).

    Unit of analysis: a unit of ``ratings`` (sentence or turn) within one document.

    Parameters
    ----------
    ratings : Ratings
        Sentence or turn units (document and case units have one unit per document or case).

    Returns
    -------
    DataFrame
        One row per document and code, then the document's pooled row (``code`` is
        ``(all codes)``); columns ``document``, ``code``, ``units``, ``coded_units``,
        ``disagreements``, ``percent_agreement``, ``alpha``, ``kappa``, ``ac1``, ``reason``.
        Documents reviewed by fewer than two analysts are left out.

    Raises
    ------
    AgreementError
        E606 for document or case units.
    """
    if ratings.unit not in ("sentence", "turn"):
        raise AgreementError(problem("E606", option="unit for per-document statistics", value=ratings.unit,
                                     choices="sentence, turn"))
    docs = ratings.units["document"].astype(str).to_numpy()
    frames = []
    for doc in sorted(set(docs)):
        x = ratings.values[docs == doc]
        if not ((~np.isnan(x[:, :, 0])).sum(axis=1) >= 2).any() if x.shape[2] else True:
            continue
        stats = agreement_statistics(x, codes=list(ratings.codes), analysts=list(ratings.analysts))
        stats = stats[stats["scope"] != "mean of codes"].copy()
        stats.insert(0, "document", doc)
        frames.append(stats[_PER_DOCUMENT_COLUMNS])
    if not frames:
        return pd.DataFrame(columns=_PER_DOCUMENT_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def group_agreement(ratings: Any, groups: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Agreement within each group of analysts and between groups, per code and pooled.

    Unit of analysis: a unit of ``ratings`` and a code. **Within** a group: every statistic over
    the group's analysts (a group of one has none). **Between** two groups: the mean over every
    pair of analysts, one from each group, of the pair's alpha, kappa and percent agreement
    (:func:`casecoder.agreement.pairwise_agreement`), each pair over the units both reviewed.

    Parameters
    ----------
    ratings : Ratings
    groups : mapping of str to sequence of str
        Group name -> its analysts (names as in ``ratings.analysts``); a group may not share
        an analyst with another.

    Returns
    -------
    DataFrame
        Columns ``scope`` (``within`` or ``between``), ``group`` (``A`` or ``A | B``), ``code``
        (``(all codes)`` for pooled), ``pairs``, ``units``, ``percent_agreement``, ``alpha``,
        ``kappa``.

    Raises
    ------
    AgreementError
        E606 for an analyst not in ``ratings``; E607 for an analyst in two groups.
    """
    names = list(ratings.analysts)
    seen: dict[str, str] = {}
    problems = []
    for g, members in groups.items():
        for a in members:
            if a not in names:
                problems.append(problem("E606", option=f"analyst of group '{g}'", value=a, choices=", ".join(names)))
            elif a in seen:
                problems.append(problem("E607", field=f"group '{g}'", expected="analysts in one group each",
                                        found=f"'{a}' also in group '{seen[a]}'"))
            seen.setdefault(a, g)
    if problems:
        raise AgreementError(problems)
    pairs = pairwise_agreement(ratings.values, codes=list(ratings.codes), analysts=names)
    rows = []
    for g, members in groups.items():
        if len(members) < 2:
            continue
        idx = [names.index(a) for a in members]
        stats = agreement_statistics(ratings.values[:, idx, :], codes=list(ratings.codes), analysts=list(members))
        stats = stats[stats["scope"] != "mean of codes"]
        for r in stats.itertuples(index=False):
            rows.append({"scope": "within", "group": g, "code": r.code, "pairs": len(idx) * (len(idx) - 1) // 2,
                         "units": r.units, "percent_agreement": r.percent_agreement, "alpha": r.alpha, "kappa": r.kappa})
    keys = list(groups)
    for i, g in enumerate(keys):
        for h in keys[i + 1:]:
            cross = pairs[((pairs["analyst_a"].isin(groups[g]) & pairs["analyst_b"].isin(groups[h]))
                           | (pairs["analyst_a"].isin(groups[h]) & pairs["analyst_b"].isin(groups[g])))]
            for code, part in cross.groupby("code", sort=False):
                rows.append({"scope": "between", "group": f"{g} | {h}", "code": code, "pairs": len(part),
                             "units": int(part["units"].min()) if len(part) else 0,
                             "percent_agreement": part["percent_agreement"].mean(),
                             "alpha": part["alpha"].mean(), "kappa": part["kappa"].mean()})
    return pd.DataFrame(rows, columns=["scope", "group", "code", "pairs", "units", "percent_agreement", "alpha", "kappa"])
